"""kamlab.importer / kamlab.data.from_order_lines and the `kamlab import` / `kamlab generate` commands."""
from __future__ import annotations

import contextlib
import functools
import gzip
import inspect
import io

import numpy as np
import pandas as pd
import pytest

from kamlab import data, importer
from kamlab.cli import main
from kamlab.data import DataError

COLUMNS = {"account_id": "Customer", "order_id": "Invoice", "invoice_date": "Date", "product_id": "Code",
           "quantity": "Qty", "invoice_price": "Price"}
NOISE = {"noise_codes": "online_retail"}  # the tiny export uses the Online Retail codes POST, D, CRUK, M
RETAIL_MAP = {"account_id": "CustomerID", "order_id": "InvoiceNo", "invoice_date": "InvoiceDate",
              "product_id": "StockCode", "quantity": "Quantity", "invoice_price": "UnitPrice",
              "product_name": "Description", "country": "Country"}


@pytest.fixture()
def export() -> pd.DataFrame:
    """A tiny export with the dirt of a real one: a return, a line without customer, non-product codes."""
    rows = [  # Customer, Invoice, Date, Code, Qty, Price
        ("101.0", "1", "2025-01-02 09:30:00", "X", 10, 5.0),
        ("101.0", "1", "2025-01-02 09:30:00", "Y", 2, 20.0),
        ("101.0", "1", "2025-01-02 09:30:00", "POST", 1, 15.0),
        ("101.0", "C2", "2025-01-09 10:00:00", "X", -2, 5.0),
        ("101.0", "C3", "2025-01-10 10:00:00", "D", -1, 12.0),
        ("102.0", "4", "2025-02-03 11:00:00", "X", 4, 4.0),
        ("102.0", "5", "2025-02-04 11:00:00", "CRUK", -1, 3.5),
        ("102.0", "6", "2025-02-05 11:00:00", "M", 1, 99.0),
        (None, "7", "2025-02-06 12:00:00", "Y", 3, 25.0),
        ("103.0", "8", "2025-03-01 08:00:00", "Y", 0, 20.0),
    ]
    return pd.DataFrame(rows, columns=["Customer", "Invoice", "Date", "Code", "Qty", "Price"])


def test_tiny_export_builds_a_valid_dataset(export):
    result = importer.from_order_lines(export, COLUMNS, **NOISE)
    ds = data.validate(result.dataset)
    assert sorted(ds.accounts["account_id"]) == ["101", "102"]  # "101.0" is an id, not a float
    assert sorted(ds.products["product_id"]) == ["X", "Y"]  # POST, D, CRUK, M are not products
    lines = ds.order_lines
    assert lines.loc[lines["order_id"] == "C2", "quantity"].tolist() == [-2.0]  # a return
    assert lines["off_invoice"].sum() == pytest.approx(12.0)  # the D line, spread over 101's sales
    assert lines.loc[lines["account_id"] == "102", "off_invoice"].sum() == 0
    fees = ds.activities.loc[ds.activities["activity"] == "fees_and_commissions"]
    assert fees["driver_qty"].tolist() == [3.5] and fees["account_id"].tolist() == ["102"]
    assert set(ds.activity_rates["activity"]) >= set(ds.activities["activity"])
    assert ds.order_lines["invoice_date"].dt.hour.eq(0).all()


def test_tiny_export_reconciles_and_sets_lines_aside(export):
    result = importer.from_order_lines(export, COLUMNS, **NOISE)
    rec = result.reconciliation
    raw = float((export["Qty"] * export["Price"]).sum())
    assert rec.raw_total == pytest.approx(raw)
    assert rec.product_revenue == pytest.approx(50 + 40 + 16)
    assert rec.returns == pytest.approx(-10)
    assert rec.freight_and_fees == pytest.approx(15 - 3.5)
    assert rec.discounts == pytest.approx(-12)
    assert rec.set_aside == pytest.approx(99 + 75 + 0)
    assert rec.difference == 0
    aside = result.set_aside.set_index("line")["reason"].to_dict()
    assert aside == {9: "adjustment code (not a sale): M", 10: "no account id", 11: "zero quantity"}
    assert "set aside" in rec._repr_html_() and "difference" in str(rec)


def test_assumptions_are_stated_and_stored(export):
    result = importer.from_order_lines(export, COLUMNS, unit_cost_share=0.5, payment_terms_days=45, **NOISE)
    names = {a.name: a.value for a in result.assumptions}
    assert names["unit_cost_share"] == 0.5 and names["payment_terms_days"] == 45
    assert {"list_price_quantile", "order_processing_rate", "share_of_wallet", "lifecycle_stage",
            "churn_risk", "days_late"} <= set(names)
    assert result.dataset.meta["assumptions"][0].keys() == {"name", "value", "text"}
    ds = result.dataset
    x = ds.order_lines.loc[ds.order_lines["product_id"] == "X"]
    typical = x.loc[x["quantity"] > 0, "invoice_price"].median()
    assert ds.products.set_index("product_id").loc["X", "unit_cost"] == pytest.approx(0.5 * typical, abs=1e-4)
    assert (ds.payments["due_date"] - ds.payments["order_id"].map(
        ds.order_lines.groupby("order_id")["invoice_date"].min())).dt.days.eq(45).all()
    assert "unit_cost_share = 0.5" in result.report()
    assert "<li>" in result._repr_html_()


def test_import_round_trips_through_save_and_load(export, tmp_path):
    ds = importer.from_order_lines(export, COLUMNS, **NOISE).dataset
    again = data.load(data.save(ds, tmp_path / "mine"))
    pd.testing.assert_frame_equal(again.order_lines, ds.order_lines, check_dtype=False)
    assert again.meta["assumptions"] == ds.meta["assumptions"]


def test_source_file_formats(export, tmp_path):
    csv = tmp_path / "x.csv"
    export.to_csv(csv, index=False)
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    xlsx = tmp_path / "x.xlsx"
    export.to_excel(xlsx, index=False)
    cp = tmp_path / "cp.csv"
    cp.write_bytes(csv.read_bytes().decode().replace("X", "É").encode("cp1252"))
    totals = [importer.from_order_lines(p, COLUMNS, **NOISE).reconciliation.product_revenue for p in (csv, gz, xlsx)]
    assert totals == pytest.approx([106.0] * 3)
    with pytest.warns(UserWarning, match="not UTF-8"):
        result = importer.from_order_lines(cp, COLUMNS, **NOISE)
    assert "É" in set(result.dataset.products["product_id"])


@pytest.mark.parametrize("columns, words", [
    ({k: v for k, v in COLUMNS.items() if k != "quantity"}, ["missing required target", "quantity"]),
    ({**COLUMNS, "colour": "Code"}, ["unknown target", "colour"]),
    ({**COLUMNS, "quantity": "Quantity"}, ["no column 'Quantity'", "line 1", "'Qty'"]),
])
def test_mapping_errors(export, columns, words):
    with pytest.raises(DataError) as info:
        importer.from_order_lines(export, columns)
    for word in words:
        assert word in str(info.value)


def test_bad_numbers_and_dates_in_the_export(export, tmp_path):
    path = tmp_path / "dirty.csv"
    dirty = export.astype({"Price": str, "Qty": str})
    dirty.loc[3, "Price"] = "1,234.50"  # unambiguous: a thousands comma before a decimal point
    dirty.loc[4, "Qty"] = "1,5"  # a decimal comma in a file of decimal points: refused
    dirty.loc[5, "Date"] = "03/02/2025"
    dirty.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        importer.from_order_lines(path, COLUMNS, **NOISE)
    message = str(info.value)
    assert "dirty.csv: numbers are written with a decimal comma ('1,5') and with a decimal point" in message
    dirty.loc[4, "Qty"] = "-1"
    dirty.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        importer.from_order_lines(path, COLUMNS, **NOISE)
    message = str(info.value)
    assert "column 'Date (mapped to invoice_date)'" in message and "line 7" in message
    dirty.loc[5, "Date"] = "2025-02-03"
    dirty.to_csv(path, index=False)
    with pytest.warns(UserWarning, match="grouped in thousands with commas"):
        result = importer.from_order_lines(path, COLUMNS, **NOISE)
    assert result.reconciliation.set_aside == pytest.approx(99 + 75)
    assert result.reconciliation.raw_total == pytest.approx(
        float((dirty["Qty"].astype(float) * dirty["Price"].str.replace(",", "").astype(float)).sum()))


def test_unreadable_exports(export, tmp_path):
    semi = tmp_path / "semi.csv"
    export.to_csv(semi, index=False, sep=";")
    with pytest.warns(UserWarning, match="semi.csv: the columns are separated by semicolons"):
        result = importer.from_order_lines(semi, COLUMNS, **NOISE)
    assert result.reconciliation.product_revenue == pytest.approx(106.0)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match="broken.xlsx: could not read it as an Excel workbook"):
        importer.from_order_lines(broken, COLUMNS, **NOISE)
    with pytest.raises(DataError, match="file not found"):
        importer.from_order_lines(tmp_path / "nothing.csv", COLUMNS)


def test_excel_rows_are_excel_row_numbers(export, tmp_path):
    path = tmp_path / "x.xlsx"
    export.astype({"Price": object}).assign(Price=lambda f: f["Price"].where(f.index != 4, "€12")).to_excel(
        path, index=False)
    with pytest.raises(DataError, match=r"x.xlsx, column 'Price \(mapped to invoice_price\)'.*line 6: '€12'"):
        importer.from_order_lines(path, COLUMNS, **NOISE)


def test_date_format_assumption(export):
    frame = export.assign(Date=pd.to_datetime(export["Date"]).dt.strftime("%d/%m/%Y"))
    result = importer.from_order_lines(frame, COLUMNS, date_format="%d/%m/%Y")
    assert result.dataset.order_lines["invoice_date"].min() == pd.Timestamp("2025-01-02")


def test_bad_options(export):
    with pytest.raises(DataError, match="unit_cost_share=60.*fraction"):
        importer.from_order_lines(export, COLUMNS, unit_cost_share=60)


def test_nothing_left_to_import(export):
    with pytest.raises(DataError, match="no product line is left"):
        importer.from_order_lines(export.assign(Customer=None), COLUMNS)


# the command line


def test_cli_import(export, tmp_path, capsys):
    source = tmp_path / "export.csv"
    export.to_csv(source, index=False)
    args = ["import", str(source), "--out", str(tmp_path / "out"), "--assume", "currency=GBP",
            "--assume", "unit_cost_share=0.55", "--assume", "noise_codes=online_retail"]
    for target, column in COLUMNS.items():
        args += ["--map", f"{target}={column}"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "unit_cost_share = 0.55" in printed and "currency = GBP" in printed and "difference" in printed
    ds = data.load(tmp_path / "out")
    assert ds.currency == "GBP" and len(ds.order_lines) == 4
    assert (tmp_path / "out" / "set_aside.csv").exists()


@pytest.mark.parametrize("extra, words", [
    (["--map", "quantity"], "--map 'quantity': expected TARGET=COLUMN"),
    (["--assume", "nonsense=1"], "unknown assumption"),
    (["--assume", "payment_terms_days=thirty"], "expected a int"),
])
def test_cli_import_errors_are_messages(export, tmp_path, capsys, extra, words):
    source = tmp_path / "export.csv"
    export.to_csv(source, index=False)
    args = ["import", str(source), "--out", str(tmp_path / "out"), *extra]
    for target, column in COLUMNS.items():
        args += ["--map", f"{target}={column}"]
    assert main(args) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_generate(tmp_path):
    from kamlab import synth

    assert main(["generate", "--n-accounts", "6", "--years", "1", "--seed", "1", "--out", str(tmp_path / "g")]) == 0
    ds = data.load(tmp_path / "g")
    assert len(ds.accounts) == 6
    expected = synth.generate(n_accounts=6, years=1, seed=1)
    pd.testing.assert_frame_equal(ds.order_lines, data.validate(expected).order_lines, check_dtype=False)


def test_cli_generate_reads_defaults_from_the_signature(capsys):
    from kamlab import synth

    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    text = capsys.readouterr().out
    for name, param in inspect.signature(synth.generate).parameters.items():
        if name in ("n_accounts", "years", "seed"):
            assert f"(default: {param.default})" in text


# real exports


@pytest.fixture(scope="module")
def retail_run(request, tmp_path_factory):
    """The UCI Online Retail export, imported once from the command line (the README's command).

    A spy on `from_order_lines` keeps the ImportResult the command made, so the other tests inspect it
    without importing the file a second time.
    """
    shared = request.getfixturevalue("shared_data")
    out = tmp_path_factory.mktemp("retail") / "online_retail"
    args = ["import", str(shared / "online_retail" / "online_retail.csv.gz"), "--out", str(out),
            "--assume", "currency=GBP", "--assume", "noise_codes=online_retail"]
    for target, column in RETAIL_MAP.items():
        args += ["--map", f"{target}={column}"]
    made = []

    @functools.wraps(importer.from_order_lines)  # keeps the signature the CLI reads its --assume names from
    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    real = importer.from_order_lines
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(importer, "from_order_lines", spy)
        capture = io.StringIO()
        with contextlib.redirect_stdout(capture):
            code = main(args)
    return code, capture.getvalue(), out, made[0]


@pytest.fixture(scope="module")
def retail(retail_run):
    return retail_run[3]


def test_online_retail_reconciles_to_the_cent(retail):
    rec = retail.reconciliation
    assert round(rec.raw_total, 2) == 9_747_747.93
    assert round(rec.parts_total, 2) == 9_747_747.93
    assert rec.difference == 0
    lines = retail.dataset.order_lines
    assert (lines["quantity"] * lines["invoice_price"]).sum() == pytest.approx(rec.product_revenue + rec.returns)
    assert lines["off_invoice"].sum() == pytest.approx(-rec.discounts)


def test_online_retail_lines(retail):
    ds = retail.dataset
    lines = ds.order_lines
    cancelled = lines["order_id"].str.startswith("C")
    assert cancelled.sum() > 8000 and (lines.loc[cancelled, "quantity"] < 0).all()  # cancellations are returns
    codes = set(ds.products["product_id"].str.upper())
    assert not codes & {"POST", "DOT", "C2", "D", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "S", "B", "PADS"}
    aside = retail.set_aside
    assert (aside["reason"] == "no account id").sum() == 135_080  # reported, not dropped
    assert len(lines) + len(aside) + retail.reconciliation.table.query(
        "part in ['freight and fees', 'discounts']")["lines"].sum() == 541_909
    assert not ds.accounts["account_id"].str.endswith(".0").any()
    assert ds.accounts["account_id"].nunique() == lines["account_id"].nunique() > 4000
    assert (ds.products["unit_cost"] <= ds.products["list_price"]).all()
    assert "no account id" in retail.report() and "share_of_wallet" in retail.report()


def test_online_retail_from_the_command_line(retail_run):
    code, printed, out, result = retail_run
    assert code == 0
    assert "9,747,747.93" in printed and "unit_cost_share = 0.6" in printed and "no account id" in printed
    ds = data.load(out)
    assert ds.order_lines.shape == result.dataset.order_lines.shape and ds.currency == "GBP"
    assert len(pd.read_csv(out / "set_aside.csv")) == len(result.set_aside)


def test_northwind(shared_data):
    nw = shared_data / "northwind"
    orders = pd.read_csv(nw / "orders.csv")
    details = pd.read_csv(nw / "order_details.csv")
    products = pd.read_csv(nw / "products.csv").merge(pd.read_csv(nw / "categories.csv"), on="CategoryID")
    customers = pd.read_csv(nw / "customers.csv")
    frame = (details.merge(orders, on="OrderID").merge(products[["ProductID", "ProductName", "CategoryName"]],
                                                       on="ProductID")
             .merge(customers[["CustomerID", "CompanyName"]], on="CustomerID"))
    columns = {"account_id": "CustomerID", "order_id": "OrderID", "invoice_date": "OrderDate",
               "product_id": "ProductID", "quantity": "Quantity", "invoice_price": "UnitPrice",
               "discount_rate": "Discount", "order_freight": "Freight", "product_name": "ProductName",
               "product_line": "CategoryName", "account_name": "CompanyName", "country": "ShipCountry"}
    result = importer.from_order_lines(frame, columns, currency="USD")
    ds = result.dataset
    lines = ds.order_lines
    net = (frame["UnitPrice"] * frame["Quantity"] * (1 - frame["Discount"])).sum()
    assert (lines["quantity"] * lines["invoice_price"]).sum() == pytest.approx(net)
    gross = (frame["UnitPrice"] * frame["Quantity"]).sum()
    assert (lines["quantity"] * lines["list_price"]).sum() == pytest.approx(gross)
    shipped = orders.loc[orders["OrderID"].isin(details["OrderID"]), "Freight"].sum()
    assert lines["freight_cost"].sum() == pytest.approx(shipped)  # Freight per order -> spread over its lines
    rec = result.reconciliation
    assert rec.on_invoice_discounts > 0 and rec.difference == 0 and len(result.set_aside) == 0
    assert set(ds.products["product_line"]) == set(products["CategoryName"])
    assert ds.accounts.set_index("account_id").loc["ALFKI", "name"] == "Alfreds Futterkiste"
    assert len(ds.accounts) == frame["CustomerID"].nunique() and np.isfinite(ds.wallets["estimated_spend"]).all()
