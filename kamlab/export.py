"""Write the Account Profitability Analysis to a workbook a finance team opens: Excel or CSV.

`write_apa_workbook` writes the account P&L, the price waterfall by account and the profit leaks (plus
any `extra_sheets`, e.g. an account plan) as formatted Excel sheets (money and % columns formatted,
header frozen) or as one CSV per sheet.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from kamlab import apa
from kamlab.data import DataError, Dataset

__all__ = ["APA_SHEETS", "apa_sheets", "write_apa_workbook", "write_sheets"]

#: The sheets `write_apa_workbook` always writes, in order.
APA_SHEETS = ("account_pnl", "waterfall_by_account", "profit_leaks")

_MONEY_FORMAT = "#,##0.00"
_PCT_FORMAT = "0.0%"


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


def _is_pct(column: str) -> bool:
    return column.endswith(("_pct", "_of_list", "_share")) or column in ("utilization",)


def _format_sheet(ws, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "B2"
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        kind = frame[col].dtype.kind
        fmt = _PCT_FORMAT if _is_pct(str(col)) else (_MONEY_FORMAT if kind == "f" else None)
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        width = max([len(str(col))] + [min(len(str(v)), 60) for v in frame[col].head(200)])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 70)
        ws[f"{letter}1"].font = Font(bold=True)


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


def write_apa_workbook(ds: Dataset, path: str | Path, *, fmt: str = "xlsx",
                       extra_sheets: Mapping[str, pd.DataFrame] | None = None,
                       cost_of_capital: float = apa.DEFAULT_COST_OF_CAPITAL) -> list[Path]:
    """Write the APA workbook: sheets `APA_SHEETS` (account P&L, waterfall by account, profit leaks)
    plus `extra_sheets` (name -> DataFrame, written after them), as Excel or CSV (see `write_sheets`).
    Returns the files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "apa.xlsx"
    >>> files = write_apa_workbook(apa.worked_example(), out)
    >>> list(pd.read_excel(files[0], sheet_name=None))
    ['account_pnl', 'waterfall_by_account', 'profit_leaks']
    """
    sheets = apa_sheets(ds, cost_of_capital=cost_of_capital)
    clash = sorted(set(extra_sheets or {}) & set(sheets))
    if clash:
        raise DataError(f"extra sheet names {clash} clash with the APA sheets {list(APA_SHEETS)}; rename them")
    return write_sheets({**sheets, **(extra_sheets or {})}, path, fmt=fmt)
