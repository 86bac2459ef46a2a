"""The APA workbook of an imported export: readable headers with the currency, totals, filters, frozen panes,
and an "Assumptions and reconciliation" sheet that a finance team can forward."""
from __future__ import annotations

import contextlib
import io

import openpyxl
import pandas as pd
import pytest
from test_messy_exports import CLEAN, COLUMNS, RAW_TOTAL, text

from kamlab import apa, data
from kamlab.cli import main


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """An export in German Excel's format, imported and analysed from the command line."""
    tmp = tmp_path_factory.mktemp("book")
    source = tmp / "export.csv"
    source.write_bytes(text(CLEAN, sep=";", decimal=",", thousands=".").encode("cp1252"))
    args = ["import", str(source), "--out", str(tmp / "mine"), "--assume", "currency=GBP",
            "--assume", "payment_terms_days=45", "--assume", "unit_cost_share=0.55"]
    for target, column in COLUMNS.items():
        args += ["--map", f"{target}={column}"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(args) == 0, err.getvalue()
        assert main(["apa", "--data", str(tmp / "mine"), "--out", str(tmp / "apa.xlsx")]) == 0, err.getvalue()
    return tmp, out.getvalue(), err.getvalue()


def test_the_import_prints_its_guesses_as_sentences(book):
    _, printed, err = book
    assert "read as cp1252" in printed and "decimal comma" in printed and "separated by semicolons" in printed
    assert "UserWarning" not in err and "warnings.warn" not in err and "Traceback" not in err


def test_readable_headers_totals_filters_and_panes(book):
    tmp, _, _ = book
    ds = data.load(tmp / "mine")
    sheets = pd.read_excel(tmp / "apa.xlsx", sheet_name=None)
    pnl = sheets["Account P&L"]
    assert "Invoice revenue (GBP)" in pnl.columns and "Net margin, % of revenue" in pnl.columns
    assert pnl["Account"].iloc[-1] == "Total"
    assert pnl["Invoice revenue (GBP)"].iloc[-1] == pytest.approx(apa.account_pnl(ds)["invoice_revenue"].sum())
    margin = pnl["Gross margin (GBP)"].iloc[-1] / pnl["Invoice revenue (GBP)"].iloc[-1]
    assert pnl["Gross margin, % of revenue"].iloc[-1] == pytest.approx(margin)  # a ratio of totals, not a sum of ratios
    wb = openpyxl.load_workbook(tmp / "apa.xlsx")
    for title in ("Account P&L", "Waterfall by account", "Profit leaks"):
        ws = wb[title]
        assert ws.freeze_panes == "C2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")


def test_assumptions_and_reconciliation(book):
    tmp, _, _ = book
    sheet = pd.read_excel(tmp / "apa.xlsx", sheet_name="Assumptions and reconciliation")
    items = dict(zip(sheet["Item"].str.strip(), sheet["Value"]))
    assert str(items["cost of goods (unit cost)"]) == "0.55"
    assert str(items["payment terms (days)"]) == "45"
    assert float(items["activity rate: order_processing"]) == pytest.approx(6.40)
    assert float(items["activity rate: return_handling"]) == pytest.approx(35.20)
    assert float(items["source file: sum of quantity x price (GBP)"]) == pytest.approx(RAW_TOTAL, abs=0.005)
    assert float(items["parts minus source file"]) == 0
    assert float(items["order lines: sum of quantity x invoice price (GBP)"]) == pytest.approx(RAW_TOTAL, abs=0.01)
    assert "import: noise_codes" in items and "import: share_of_wallet" in items
