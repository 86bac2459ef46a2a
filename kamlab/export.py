"""Write the Account Profitability Analysis to a workbook a finance team can forward: Excel or CSV.

`write_apa_workbook` writes the account P&L, the price waterfall by account and the profit leaks (plus
any `extra_sheets`, e.g. an account plan) and an "Assumptions and reconciliation" sheet. In Excel every
sheet has readable headers with the currency, money and % formats, a totals row, a filter on the header
and frozen panes; the assumptions sheet says what was assumed (cost of goods, payment terms, activity
rates, cost of capital, and every assumption of the import, with values) and reconciles the P&L's revenue
to the order lines and, for an imported dataset, to the source file. As CSV: one file per sheet, code-name
headers (for machines).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from kamlab import apa
from kamlab import format as finance
from kamlab.data import DataError, Dataset

__all__ = ["APA_SHEETS", "SHEET_TITLES", "apa_sheets", "assumptions_sheet", "readable", "write_apa_workbook",
           "write_sheets"]

#: The sheets `write_apa_workbook` always writes, in order (CSV file names); `SHEET_TITLES` in Excel.
APA_SHEETS = ("account_pnl", "waterfall_by_account", "profit_leaks")
ASSUMPTIONS_SHEET = "Assumptions and reconciliation"
SHEET_TITLES = {"account_pnl": "Account P&L", "waterfall_by_account": "Waterfall by account",
                "profit_leaks": "Profit leaks", "assumptions": ASSUMPTIONS_SHEET}

def apa_sheets(ds: Dataset, *, cost_of_capital: float = apa.DEFAULT_COST_OF_CAPITAL) -> dict[str, pd.DataFrame]:
    """The three APA tables, each with the account's name and segment beside its id.

    Examples
    --------
    >>> sheets = apa_sheets(apa.worked_example())
    >>> list(sheets), list(sheets["account_pnl"].columns[:3])
    (['account_pnl', 'waterfall_by_account', 'profit_leaks'], ['account_id', 'name', 'segment'])
    """
    pnl = apa.account_pnl(ds, cost_of_capital=cost_of_capital)
    names = ds.accounts.set_index("account_id")[["name", "segment"]]

    def with_names(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.reset_index() if frame.index.name == "account_id" else frame
        return frame.merge(names, left_on="account_id", right_index=True, how="left")[
            ["account_id", "name", "segment"] + [c for c in frame.columns if c != "account_id"]]

    return {"account_pnl": with_names(pnl),
            "waterfall_by_account": with_names(apa.waterfall_by_account(pnl)),
            "profit_leaks": with_names(apa.profit_leaks(ds, cost_of_capital=cost_of_capital))}


def _kind(frame: pd.DataFrame, column) -> str:
    """How a column is shown: `kamlab.format.column_kind`, the same rules as the pages' tables."""
    return finance.column_kind(column, frame[column])


def _is_money(frame: pd.DataFrame, column: str) -> bool:
    return _kind(frame, column) == "money"


def readable(column: str, currency: str | None = None, *, money: bool = False) -> str:
    """A column's header as a finance reader reads it (`kamlab.format.label`, the one label table), with
    the currency on money columns.

    Examples
    --------
    >>> readable("gross_margin", "GBP", money=True), readable("off_invoice_of_list"), readable("sales_visit")
    ('Gross margin (GBP)', 'Off-invoice rebates, % of list', 'Sales visits')
    """
    label = finance.label(column)
    return f"{label} ({currency})" if money and currency else label


def _totals(frame: pd.DataFrame) -> dict:
    """The totals row: money summed; ratios recomputed from the totals (never summed); the rest blank."""
    row = {c: (float(frame[c].sum()) if _is_money(frame, c) else None) for c in frame.columns}
    for c in frame.columns:
        base = c[:-4] if c.endswith("_pct") else c[:-8] if c.endswith("_of_list") else None
        over = "invoice_revenue" if c.endswith("_pct") else "list_revenue"
        if base in row and row.get(over) and row[base] is not None:
            row[c] = row[base] / row[over]
    row[frame.columns[0]] = "Total"
    return row


def _format_sheet(ws, frame: pd.DataFrame, *, totals: bool = False, freeze: str = "B2") -> None:
    from openpyxl.styles import Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = freeze
    last = len(frame) + 1  # the last data row (the header is row 1)
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(last, 2)}"
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        number_format = finance.EXCEL_FORMATS.get(_kind(frame, col))
        if number_format:
            for cell in ws[letter][1:]:
                cell.number_format = number_format
        header = str(ws[f"{letter}1"].value)
        width = max([len(header)] + [min(len(str(v)), 60) for v in frame[col].head(200)])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 70)
        ws[f"{letter}1"].font = Font(bold=True)
    if totals:
        row = _totals(frame)
        top = Border(top=Side(style="thin"), bottom=Side(style="double"))
        for j, col in enumerate(frame.columns, start=1):
            cell = ws.cell(last + 1, j, row[col])
            cell.font, cell.border = Font(bold=True), top
            if row[col] is not None and j > 1:
                cell.number_format = finance.EXCEL_FORMATS.get(_kind(frame, col), finance.EXCEL_FORMATS["number"])


def write_sheets(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, fmt: str = "xlsx") -> list[Path]:
    """Write named tables as one formatted Excel workbook (`fmt="xlsx"`), or as CSVs (`fmt="csv"`):
    `<stem>_<sheet>.csv` beside `path`, or `<sheet>.csv` inside it if `path` is a folder or has no suffix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_sheets({"a": pd.DataFrame({"x": [1.5]})}, folder / "out.xlsx", fmt="csv")]
    ['out_a.csv']
    """
    path = Path(path)
    if fmt == "xlsx":
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                sheet = str(name)[:31]
                frame.to_excel(writer, sheet_name=sheet, index=False)
                _format_sheet(writer.sheets[sheet], frame)
        return [path]
    if fmt == "csv":
        if path.suffix == "" or path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            targets = {name: path / f"{name}.csv" for name in sheets}
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            targets = {name: path.with_name(f"{path.stem}_{name}.csv") for name in sheets}
        for name, frame in sheets.items():
            frame.to_csv(targets[name], index=False)
        return list(targets.values())
    raise DataError(f"fmt={fmt!r} is not supported: use 'xlsx' or 'csv'")


def assumptions_sheet(ds: Dataset, sheets: Mapping[str, pd.DataFrame], *,
                      cost_of_capital: float = apa.DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """What the analysis assumed (with the values) and how its totals reconcile to the source.

    Rows of (section, item, value, note). Cost of goods, payment terms and activity rates are always
    listed (they make the margins); an imported dataset adds every assumption of the import and the
    reconciliation of the source file (``meta["reconciliation"]``).

    Examples
    --------
    >>> ds = apa.worked_example()
    >>> sheet = assumptions_sheet(ds, apa_sheets(ds))
    >>> sorted(set(sheet["section"]))
    ['Assumption', 'Reconciliation', 'Source']
    """
    cur = ds.currency
    meta = ds.meta
    rows = [("Source", "dataset", meta.get("name", "(unnamed)"), ""),
            ("Source", "source file", meta.get("source", meta.get("generator", "a dataset folder")), ""),
            ("Source", "currency", cur, "every money column is in this currency")]
    made = {a["name"]: a for a in meta.get("assumptions", [])}
    costs = ds.products["unit_cost"]
    cogs_note = (made["unit_cost_share"]["text"] if "unit_cost_share" in made
                 else "unit costs from the products table (standard costs as given)")
    rows.append(("Assumption", "cost of goods (unit cost)",
                 made["unit_cost_share"]["value"] if "unit_cost_share" in made
                 else f"{len(costs):,} products, {finance.money(costs.min(), cur, decimals=2)} to "
                      f"{finance.money(costs.max(), cur, decimals=2)}", cogs_note))
    terms = ds.accounts["payment_terms_days"]
    rows.append(("Assumption", "payment terms (days)",
                 f"{terms.iloc[0]:g}" if terms.nunique() == 1 else f"{terms.min():g} to {terms.max():g}",
                 made["payment_terms_days"]["text"] if "payment_terms_days" in made
                 else f"contracted terms of the {len(terms)} accounts (accounts table)"))
    rows.append(("Assumption", "cost of capital (yearly)", cost_of_capital, "prices the payment terms cost"))
    for r in ds.activity_rates.itertuples(index=False):
        rows.append(("Assumption", f"activity rate: {r.activity}", r.rate,
                     f"{cur} per {r.driver_unit} ({r.cost_behaviour})"))
    for name, a in made.items():
        if name not in ("unit_cost_share", "payment_terms_days"):
            rows.append(("Assumption", f"import: {name}", a["value"], a["text"]))
    lines = ds.order_lines
    line_total = float((lines["quantity"] * lines["invoice_price"]).sum())
    pnl_total = float(sheets["account_pnl"]["invoice_revenue"].sum())
    rows += [("Reconciliation", f"order lines: sum of quantity x invoice price ({cur})", round(line_total, 2),
              f"{len(lines):,} order lines"),
             ("Reconciliation", f"account P&L: invoice revenue ({cur})", round(pnl_total, 2),
              f"difference {finance.money(round(pnl_total - line_total, 2) + 0.0, cur, decimals=2)}")]
    rec = meta.get("reconciliation")
    if rec:
        rows.append(("Reconciliation", f"source file: sum of quantity x price ({cur})", rec["raw_total"],
                     "every line of the source file"))
        for part in rec.get("parts", []):
            rows.append(("Reconciliation", f"  {part['part']}: {part['detail']}", part["amount"],
                         f"{part['lines']:,} lines"))
        rows.append(("Reconciliation", "parts minus source file", rec["difference"],
                     "0.00: every line of the source is accounted for"))
    return pd.DataFrame(rows, columns=["section", "item", "value", "note"])


def write_apa_workbook(ds: Dataset, path: str | Path, *, fmt: str = "xlsx",
                       extra_sheets: Mapping[str, pd.DataFrame] | None = None,
                       cost_of_capital: float = apa.DEFAULT_COST_OF_CAPITAL) -> list[Path]:
    """Write the APA workbook: the account P&L, the waterfall by account and the profit leaks, then
    `extra_sheets` (name -> DataFrame), then the "Assumptions and reconciliation" sheet; as Excel (sheets
    titled by `SHEET_TITLES`, readable headers with the currency, a totals row, filters, frozen panes) or as
    CSV (`APA_SHEETS` names plus ``assumptions``; see `write_sheets`). Returns the files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "apa.xlsx"
    >>> files = write_apa_workbook(apa.worked_example(), out)
    >>> list(pd.read_excel(files[0], sheet_name=None))
    ['Account P&L', 'Waterfall by account', 'Profit leaks', 'Assumptions and reconciliation']
    """
    sheets = apa_sheets(ds, cost_of_capital=cost_of_capital)
    extra = dict(extra_sheets or {})
    clash = sorted(set(extra) & (set(sheets) | {SHEET_TITLES[k] for k in sheets} | {ASSUMPTIONS_SHEET}))
    if clash:
        raise DataError(f"extra sheet names {clash} clash with the APA sheets {list(APA_SHEETS)}; rename them")
    notes = assumptions_sheet(ds, sheets, cost_of_capital=cost_of_capital)
    if fmt != "xlsx":
        return write_sheets({**sheets, **extra, "assumptions": notes}, path, fmt=fmt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, frame in sheets.items():
            title = SHEET_TITLES[key]
            shown = frame.rename(columns={c: readable(c, ds.currency, money=_is_money(frame, c)) for c in frame})
            shown.to_excel(writer, sheet_name=title, index=False)
            _format_sheet(writer.sheets[title], frame, totals=True, freeze="C2" if "name" in frame else "B2")
        for name, frame in extra.items():
            sheet = str(name)[:31]
            frame.to_excel(writer, sheet_name=sheet, index=False)
            _format_sheet(writer.sheets[sheet], frame)
        shown = notes.rename(columns=str.capitalize)
        shown.to_excel(writer, sheet_name=ASSUMPTIONS_SHEET, index=False)
        ws = writer.sheets[ASSUMPTIONS_SHEET]
        _format_sheet(ws, notes.astype({"value": object}), freeze="A2")
        for cell in ws["C"][1:]:   # amounts, rates and fractions side by side: a plain number with separators
            if isinstance(cell.value, float):
                cell.number_format = finance.EXCEL_FORMATS["number"]
    return [path]
