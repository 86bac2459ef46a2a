"""kamlab.data: save/load/validate, and the malformed-input battery (file, column and line in every message)."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlab import data, schema
from kamlab.data import DataError


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A valid small dataset folder (6 accounts, 1 year), written once."""
    from kamlab import synth

    return data.save(synth.generate(n_accounts=6, years=1, seed=1), tmp_path_factory.mktemp("good") / "ds")


@pytest.fixture()
def folder(good, tmp_path) -> Path:
    """A fresh copy of the valid folder, for one test to damage."""
    return Path(shutil.copytree(good, tmp_path / "ds"))


def _edit(folder: Path, table: str, column: str, row: int, value) -> int:
    """Set one cell of `table`.csv (as text) and return the line it is on (header = line 1)."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)
    return row + 2


def _raises(folder: Path, *needles: str) -> str:
    with pytest.raises(DataError) as info:
        data.load(folder)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert "Traceback" not in message and "KeyError" not in message
    return message


def test_round_trip_keeps_every_table(good):
    ds = data.load(good)
    assert list(ds.tables()) == list(schema.TABLE_NAMES)
    for name, table in ds.tables().items():
        assert list(table.columns[: len(schema.TABLES[name])]) == list(schema.columns(name))
    assert ds.order_lines["invoice_date"].dtype.kind == "M"
    assert ds.order_lines["rush"].dtype == bool
    assert ds.accounts["lifecycle_stage"].dtype == "int64"
    again = data.load(data.save(ds, good.parent / "again"))
    pd.testing.assert_frame_equal(again.order_lines, ds.order_lines)
    assert again.meta == ds.meta


def test_returns_are_negative_quantities(good):
    ds = data.load(good)
    lines = ds.order_lines
    assert (lines["quantity"] != 0).all()
    assert (lines["invoice_price"] >= 0).all()


def test_bom_is_read(folder):
    path = folder / "accounts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert data.load(folder).accounts.columns[0] == "account_id"


def test_cp1252_is_read_with_a_note(folder):
    _edit(folder, "accounts", "name", 1, "Société Générale")
    path = folder / "accounts.csv"
    path.write_bytes(path.read_bytes().decode("utf-8").encode("cp1252"))
    with pytest.warns(UserWarning, match="accounts.csv is not UTF-8.*line 3"):
        ds = data.load(folder)
    assert ds.accounts.loc[1, "name"] == "Société Générale"
    assert "cp1252" in ds.meta["load_notes"][0]


def test_booleans_accept_excel_upper_case(folder):
    _edit(folder, "accounts", "market_leader", 0, "TRUE")
    assert bool(data.load(folder).accounts.loc[0, "market_leader"]) is True


# The battery: (table, column, row, bad value, words the message must hold). Each case damages one cell
# of a valid folder; the message must name the file, the column, the line and say what is wrong.
CELL_CASES = {
    "thousands separator": ("order_lines", "invoice_price", 3, "1,234.50", "thousands separator"),
    "euro sign": ("products", "list_price", 2, "€12", "currency symbol"),
    "dollar sign": ("order_lines", "freight_cost", 5, "$5", "currency symbol"),
    "decimal comma": ("order_lines", "quantity", 4, "12,5", "decimal comma"),
    "percent": ("accounts", "churn_risk", 1, "25%", "fractions, not percents"),
    "text in a number": ("order_lines", "quantity", 6, "six", "not numbers"),
    "day-first date": ("accounts", "customer_since", 2, "31/12/2025", "yyyy-mm-dd"),
    "bad payment date": ("payments", "paid_date", 3, "2025-02-30", "yyyy-mm-dd"),
    "negative price": ("products", "unit_cost", 1, "-3.5", "negative values"),
    "negative driver": ("activities", "driver_qty", 4, "-1", "negative values"),
    "zero quantity": ("order_lines", "quantity", 7, "0", "zero quantities"),
    "unknown account": ("order_lines", "account_id", 8, "NOBODY", "unknown account_id"),
    "unknown product": ("order_lines", "product_id", 9, "NOTHING", "unknown product_id"),
    "unknown activity": ("activities", "activity", 2, "juggling", "unknown activity"),
    "unknown order": ("payments", "order_id", 4, "NO-ORDER", "unknown order_id"),
    "not in allowed set": ("accounts", "relationship_stage", 3, "friendly", "allowed set"),
    "stage out of range": ("accounts", "lifecycle_stage", 0, "7", "allowed set"),
    "yes is not true": ("accounts", "market_leader", 4, "yes", "true/false"),
    "flag as x": ("order_lines", "rush", 2, "x", "true/false"),
    "half a day": ("accounts", "payment_terms_days", 2, "30.5", "whole numbers"),
    "churn above 1": ("accounts", "churn_risk", 5, "1.5", "above 1"),
    "empty name": ("accounts", "name", 3, "", "empty cells"),
    "bad cost behaviour": ("activity_rates", "cost_behaviour", 1, "semi-variable", "allowed set"),
    "accounting brackets": ("payments", "amount", 2, "(12.50)", "accounting brackets"),
    "infinity": ("products", "list_price", 3, "inf", "infinite values"),
}


@pytest.mark.parametrize("case", list(CELL_CASES))
def test_malformed_cell(folder, case):
    table, column, row, value, words = CELL_CASES[case]
    line = _edit(folder, table, column, row, value)
    message = _raises(folder, f"{table}.csv", f"column '{column}'", f"line {line}:", words, "Fix:")
    if value:
        assert value in message  # the value as the user typed it


def test_duplicate_ids_name_both_lines(folder):
    frame = pd.read_csv(folder / "accounts.csv", dtype=str)
    _edit(folder, "accounts", "account_id", 4, frame.loc[1, "account_id"])
    _raises(folder, "accounts.csv", "column 'account_id'", "duplicate", "line 3:", "line 6:")


def test_missing_column(folder):
    frame = pd.read_csv(folder / "order_lines.csv", dtype=str)
    frame.drop(columns="rush").to_csv(folder / "order_lines.csv", index=False)
    _raises(folder, "order_lines.csv", "'rush'", "line 1", "missing column")


def test_excel_saved_as_csv(folder):
    pd.read_csv(folder / "products.csv").to_excel(folder / "products.csv", index=False, engine="openpyxl")
    _raises(folder, "products.csv", "Excel workbook", "Save As")


def test_semicolon_separated_is_read_and_said(folder):
    before = data.load(folder).accounts
    pd.read_csv(folder / "accounts.csv", dtype=str).to_csv(folder / "accounts.csv", index=False, sep=";")
    with pytest.warns(UserWarning, match="accounts.csv: the columns are separated by semicolons"):
        after = data.load(folder).accounts
    pd.testing.assert_frame_equal(after, before)


def test_header_only_core_table(folder):
    (folder / "order_lines.csv").write_text(",".join(schema.columns("order_lines")) + "\n")
    _raises(folder, "order_lines.csv", "no rows")


def test_header_only_optional_table_is_fine(folder):
    (folder / "wallets.csv").write_text(",".join(schema.columns("wallets")) + "\n")
    assert len(data.load(folder).wallets) == 0


def test_empty_file(folder):
    (folder / "activity_rates.csv").write_bytes(b"")
    _raises(folder, "activity_rates.csv", "empty", "line 1")


def test_missing_file(folder):
    (folder / "products.csv").unlink()
    _raises(folder, "products.csv", "missing file")


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        data.load(tmp_path / "nowhere")


def test_ragged_line(folder):
    path = folder / "products.csv"
    lines = path.read_text().splitlines()
    lines[3] += ",surplus"
    path.write_text("\n".join(lines) + "\n")
    _raises(folder, "products.csv", "line 4", "comma")


def test_blank_lines_keep_line_numbers(folder):
    path = folder / "products.csv"
    lines = path.read_text().splitlines()
    lines.insert(2, "")  # a blank line 3: product row 2 moves to line 4
    path.write_text("\n".join(lines) + "\n")
    frame = pd.read_csv(folder / "products.csv", dtype=str)
    path.write_text(path.read_text().replace(f",{frame.loc[1, 'unit_cost']}\n", ",-1\n", 1))
    _raises(folder, "products.csv", "column 'unit_cost'", "line 4:")


def test_broken_meta(folder):
    (folder / "meta.json").write_text("{name: oops")
    _raises(folder, "meta.json", "not valid JSON")


def test_many_problems_reported_together(folder):
    _edit(folder, "products", "list_price", 0, "€1")
    _edit(folder, "accounts", "churn_risk", 0, "2")
    message = _raises(folder, "products.csv", "accounts.csv")
    assert message.startswith("2 problems")


# in-memory validation and save


def test_validate_in_memory_names_the_csv_and_line(small):
    bad = small.replace(order_lines=small.order_lines.assign(
        quantity=np.where(np.arange(len(small.order_lines)) == 4, 0.0, small.order_lines["quantity"])))
    with pytest.raises(DataError) as info:
        data.validate(bad)
    assert "order_lines.csv, column 'quantity': zero quantities -- line 6:" in str(info.value)
    assert info.value.problems[0].lines == (6,)


def test_validate_coerces_text_numbers_without_mutating(small):
    products = small.products.assign(list_price=small.products["list_price"].astype(str))
    before = products.copy()
    clean = data.validate(small.replace(products=products))
    assert clean.products["list_price"].dtype == "float64"
    pd.testing.assert_frame_equal(products, before)


def test_validate_rejects_a_non_frame(small):
    with pytest.raises(DataError, match="wallets.csv.*not a table"):
        data.validate(small.replace(wallets=[1, 2]))


def test_save_writes_nothing_when_invalid(small, tmp_path):
    bad = small.replace(products=small.products.assign(unit_cost=-1.0))
    with pytest.raises(DataError):
        data.save(bad, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    folder = data.save(small, tmp_path / "old")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(DataError):
        data.save(bad, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]  # no temporary folder left


def test_save_replaces_tables_and_keeps_other_files(small, tmp_path):
    folder = data.save(small, tmp_path / "ds")
    (folder / "notes.txt").write_text("mine")
    data.save(small.replace(meta={"name": "changed"}), folder)
    assert (folder / "notes.txt").read_text() == "mine"
    assert json.loads((folder / "meta.json").read_text()) == {"name": "changed"}


def test_sample_loads_if_shipped():
    if not (data.SAMPLE_FOLDER / "order_lines.csv").exists():
        pytest.skip("datasets/case_company is not generated yet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped data is clean UTF-8
        ds = data.load_sample()
    assert len(ds.accounts) > 0 and len(ds.order_lines) > 0
