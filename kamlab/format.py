"""Finance formatting, one service for pages, panels, the plan, the charts and the exports.

A trainer shows these numbers to sales and finance managers, so every number reads as in a finance report:

- `money`: thousands separators and the data set's currency (``1,234,568 EUR``), compact for charts and
  headlines (``1.23M EUR``), missing values as an en dash;
- `percent`: fractions in (the package works in fractions), ``12.3%`` out, ``300.0%`` for 3.0, ``n/a`` for
  a ratio over nothing (inf, NaN); `points` for a difference of two percentages;
- `label`: one table (`LABELS`) of readable names for the package's column names, with a humanised
  fallback, so no page shows ``pocket_revenue_of_list``;
- `report_table`, `report_series`, `key_figures`: tables and headline numbers for Jupyter and Voila;
- `money_formatter`, `percent_formatter`: matplotlib tick formatters that pick their precision from the
  tick spacing, so two ticks never read the same (``2.42M 2.42M``) and a near-zero range reads
  ``0.00025%``, not ``000000000%``;
- `figure_size`: chart sizes, the same for static charts and panels, presenter mode included.

Why pandas' Styler for tables: it is part of pandas (no new dependency, nothing to download), it renders
plain HTML and CSS that Voila shows as is, it keeps the values numeric while showing formatted text (so
sorting and the totals row work on numbers), and the same object writes Excel and LaTeX. great_tables
renders fine static tables too, but adds a dependency for what Styler already does here. itables
(DataTables) gives sorting and searching; checked in Voila 0.5.13 with Chromium and no network, its
offline mode works (also inside an ipywidgets Output), but it embeds about 700 kB of JavaScript in every
page and brings a second table look. Long tables (`sortable`) therefore get twenty lines of
dependency-free JavaScript on the Styler table instead, checked in the same Voila: click a header to
sort (numbers as numbers, missing values last, the totals row stays last), type in the box to filter
rows; the table stays complete and readable where scripts do not run. Above 5,000 cells the same
markup is built column-wise: Styler takes 7 s for the 4,500 x 24 account P&L of an imported Online
Retail export.

This module imports only numpy and pandas at import time (matplotlib inside the tick formatters), so a
page without charts does not pay for matplotlib.
"""
from __future__ import annotations

import html
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["MISSING", "NOT_AVAILABLE", "PRESENTER_SCALE", "RATIO_LIMIT", "LABELS", "money", "percent", "points", "number",
           "label", "column_kind", "formatter", "report_table", "report_series", "key_figures", "ReportTable",
           "KeyFigures", "money_formatter", "percent_formatter", "figure_size", "EXCEL_FORMATS", "excel_format",
           "TOTAL_RATIOS", "FIGURE_SIZES"]

MISSING = "\u2013"        # en dash: a value that is missing (NaN, None)
NOT_AVAILABLE = "n/a"     # a value that cannot exist: a ratio over nothing (inf)
PRESENTER_SCALE = 1.5     # presenter mode multiplies chart sizes and fonts by this (seaborn's talk/notebook)
RATIO_LIMIT = 1e4         # a fraction beyond +-1,000,000% is a division by next to nothing: `percent` says n/a

_SYMBOLS = {"EUR": "\u20ac", "GBP": "\u00a3", "USD": "$", "JPY": "\u00a5", "INR": "\u20b9"}
_UNITS = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k"))


def _value(x) -> float | None:
    """x as a float, or None when it is missing (None, NaN, pd.NA, NaT)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _with_currency(text: str, negative: bool, currency: str, parens: bool, sign: str = "") -> str:
    cur = (currency or "").strip()
    symbol = cur if cur and not cur.isalpha() else ""
    body = f"{symbol}{text}" + (f" {cur}" if cur and not symbol else "")
    if negative:
        return f"({body})" if parens else f"-{body}"
    return f"{sign}{body}"


def _compact(v: float) -> str:
    """abs(v) in three significant digits with k/M/bn/tn: 1234567 -> '1.23M'."""
    for div, suffix in _UNITS:
        if v >= div * 0.9995:           # 999,999 rounds to 1M, not to '1e+03k'
            scaled = float(f"{v / div:.3g}")
            text = f"{scaled:,.{max(0, 2 - int(math.floor(math.log10(scaled))))}f}"
            return (text.rstrip("0").rstrip(".") if "." in text else text) + suffix
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}" if v >= 0.01 or v == 0 else f"{v:.2g}"


def money(x, currency: str = "", *, compact: bool = False, parens: bool = False, signed: bool = False,
          decimals: int | None = None) -> str:
    """Money as a finance report shows it.

    Parameters
    ----------
    x : number
        The amount, in the data set's currency.
    currency : str
        A code (``"EUR"``, written after the number) or a symbol (``"€"``, written before it); ``""``
        for none.
    compact : bool
        Three significant digits with k, M, bn (charts, headlines): ``1.23M``.
    parens : bool
        Negative amounts in parentheses, as accountants write them: ``(1,234)``.
    signed : bool
        A plus sign on positive amounts (changes, deltas).
    decimals : int, optional
        Fixed decimals; by default 0 from 100 up and 2 below (unit prices), more for a tiny non-zero
        amount so that it never reads ``0.00``.

    Returns
    -------
    str
        ``"–"`` for a missing value, ``"n/a"`` for an infinite one.

    Examples
    --------
    >>> money(1234567.891, "EUR"), money(-45200), money(0.8, "$"), money(-1234, parens=True)
    ('1,234,568 EUR', '-45,200', '$0.80', '(1,234)')
    >>> money(1234567, "GBP", compact=True), money(999999, compact=True), money(-45200, compact=True)
    ('1.23M GBP', '1M', '-45.2k')
    >>> money(float("nan")), money(float("inf")), money(0.0042), money(2500, signed=True)
    ('–', 'n/a', '0.0042', '+2,500')
    """
    v = _value(x)
    if v is None:
        return MISSING
    if math.isinf(v):
        return NOT_AVAILABLE
    a = abs(v)
    if compact:
        text = _compact(a)
    elif decimals is not None:
        text = f"{a:,.{decimals}f}"
    elif a >= 100 or a == 0:
        text = f"{a:,.0f}"
    elif a >= 0.005:
        text = f"{a:,.2f}"
    else:
        text = f"{a:.2g}"
    negative = v < 0 and text.strip("0.,") not in ("", "k", "M", "bn", "tn")
    return _with_currency(text, negative, currency, parens, "+" if signed and v > 0 else "")


def percent(x, *, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percent: 0.1234 -> '12.3%'.

    From 1,000% up the decimals go (``1,250%``); -0.0% reads 0.0%. An infinite or missing ratio reads
    ``n/a``, and so does one beyond a million percent (`RATIO_LIMIT`): that is a division by next to
    nothing, such as the float residue of a quarter whose sales and returns net to zero.

    Examples
    --------
    >>> percent(0.1234), percent(3), percent(12.5), percent(-0.00001), percent(0.5, digits=0)
    ('12.3%', '300.0%', '1,250%', '0.0%', '50%')
    >>> percent(float("inf")), percent(float("nan")), percent(0.021, signed=True), percent(-2.9e15)
    ('n/a', 'n/a', '+2.1%', 'n/a')
    """
    v = _value(x)
    if v is None or not abs(v) < RATIO_LIMIT:
        return NOT_AVAILABLE
    p = v * 100
    a = abs(p)
    text = f"{a:,.{digits if a < 1000 else 0}f}"
    negative = p < 0 and text.strip("0.,") != ""
    sign = "-" if negative else ("+" if signed and p > 0 and text.strip("0.,") != "" else "")
    return f"{sign}{text}%"


def points(x, *, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: 0.021 -> '+2.1 pts'.

    Examples
    --------
    >>> points(0.021), points(-0.1), points(float("inf"))
    ('+2.1 pts', '-10.0 pts', 'n/a')
    """
    text = percent(x, digits=digits, signed=True)
    return text if text == NOT_AVAILABLE else text[:-1] + " pts"


def number(x, *, digits: int | None = None) -> str:
    """A plain number (a count, a score, a ratio that is not a percent) without scientific notation.

    By default whole numbers get thousands separators and no decimals; others two decimals from 1 up,
    three significant digits below.

    Examples
    --------
    >>> number(4363), number(1.53150e6), number(0.124347), number(40797.774555), number(2.5, digits=1)
    ('4,363', '1,531,500', '0.124', '40,798', '2.5')
    """
    v = _value(x)
    if v is None:
        return MISSING
    if math.isinf(v):
        return NOT_AVAILABLE
    if digits is not None:
        return f"{v:,.{digits}f}"
    a = abs(v)
    if a >= 1000 or v == round(v):
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.2f}"
    return f"{float(f'{v:.3g}'):.{max(0, 2 - int(math.floor(math.log10(a))))}f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------------
# Labels and column kinds

#: Readable finance labels for the package's column and index names.
LABELS: dict[str, str] = {
    # account P&L (kamlab.apa.account_pnl) and its totals
    "account_id": "Account", "name": "Name", "segment": "Segment", "industry": "Industry", "region": "Region",
    "list_revenue": "List revenue", "on_invoice_discount": "On-invoice discount",
    "invoice_revenue": "Invoice revenue", "off_invoice": "Off-invoice rebates", "freight": "Freight",
    "terms_cost": "Payment terms cost", "pocket_revenue": "Pocket revenue", "cogs": "Cost of goods sold",
    "gross_margin": "Gross margin", "gross_margin_pct": "Gross margin, % of revenue",
    "pocket_margin": "Pocket margin", "pocket_margin_pct": "Pocket margin, % of revenue",
    "pocket_margin_of_list": "Pocket margin, % of list", "cogs_variable": "Cost of goods, variable",
    "cogs_fixed": "Cost of goods, absorbed overhead", "overlap": "Overlaps with", "additive": "Adds to the total",
    "order_processing": "Order processing", "sales_visit": "Sales visits", "travel": "Travel",
    "support_ticket": "Support tickets", "engineering_hours": "Engineering hours",
    "customization": "Customisation", "rush_handling": "Rush handling", "return_handling": "Return handling",
    "dedicated_team": "Dedicated team", "credit_check": "Credit checks",
    "fees_and_commissions": "Fees and commissions", "cost_to_serve": "Cost to serve", "net_margin": "Net margin",
    "net_margin_pct": "Net margin, % of revenue", "revenue_rank": "Revenue rank",
    "profit_rank": "Profit rank",
    # price waterfall and pocket price band
    "step": "Step", "kind": "Kind", "amount": "Amount", "per_unit": "Per unit",
    "fraction_of_list": "% of list price", "pocket_of_list": "Pocket price, % of list",
    "list_revenue_of_list": "List revenue, % of list", "pocket_revenue_of_list": "Pocket revenue, % of list",
    "invoice_revenue_of_list": "Invoice revenue, % of list",
    "on_invoice_discount_of_list": "On-invoice discount, % of list",
    "off_invoice_of_list": "Off-invoice rebates, % of list", "freight_of_list": "Freight, % of list",
    "terms_cost_of_list": "Payment terms cost, % of list", "cogs_of_list": "Cost of goods sold, % of list",
    "gross_margin_of_list": "Gross margin, % of list", "net_margin_of_list": "Net margin, % of list",
    "cost_to_serve_of_list": "Cost to serve, % of list",
    # whale curve, leaks, cost-to-serve matrix, cash flow
    "profit": "Profit", "cum_share": "Share of accounts (cumulative)",
    "cum_profit_pct": "Profit, % of total (cumulative)", "leak": "Profit leak", "explanation": "Explanation",
    "price_realisation": "Price realisation", "cost_to_serve_pct": "Cost to serve, % of revenue",
    "quadrant": "Quadrant", "rate": "Rate", "payback": "Payback (periods)", "irr": "IRR", "npv": "NPV",
    # selection
    "revenue": "Revenue", "avg_order_value": "Average order value", "product_breadth": "Product lines bought",
    "cost_to_serve_share": "Cost to serve, % of revenue", "potential": "Potential (margin on headroom)",
    "share_of_wallet": "Share of wallet", "growth": "Revenue growth", "relationship_stage": "Relationship stage",
    "lifecycle_stage": "Lifecycle stage", "market_leader": "Market leader", "key_market": "Key market",
    "global_presence": "Global presence", "days_beyond_terms": "Days beyond terms", "churn_risk": "Churn risk",
    "score": "Score", "rank": "Rank", "meaning": "Meaning", "higher_is_better": "Higher is better",
    "in PROFIT_AND_POTENTIAL": "In the course's weighting", "criterion": "Criterion", "weight": "Weight",
    "attractiveness": "Account attractiveness", "strength": "Our relative strength", "posture": "Posture",
    "directional_policy": "Directional policy", "rank_a": "Rank (A)", "rank_b": "Rank (B)", "move": "Move",
    "status": "Status",
    # allocation and compensation
    "tier": "Service tier", "cost": "Cost", "accounts": "Accounts", "value": "Value", "need": "Need",
    "id": "Request", "chosen": "Chosen", "pay_revenue": "Pay on revenue", "pay_margin": "Pay on margin",
    "difference": "Difference", "risk_adjusted_margin": "Risk-adjusted margin",
    # growth
    "product_line": "Product line", "sales": "Sales", "wallet": "Wallet (customer's spend)",
    "share": "Share of wallet", "headroom": "Headroom", "margin_pct": "Margin, % of sales",
    "weighted_headroom": "Headroom x margin", "item": "Item", "p0": "Price (before)", "q0": "Volume (before)",
    "p1": "Price (after)", "q1": "Volume (after)", "price": "Price effect", "volume": "Volume effect",
    "mix": "Mix effect", "total": "Total", "supplier_npv": "Supplier NPV", "customer_npv": "Customer NPV",
    # rationalization
    "variable": "Variable cost", "fixed_avoidable": "Fixed cost, avoidable",
    "fixed_stranded": "Fixed cost, stranded", "stranded_reallocated": "Stranded cost re-spread",
    "exit_effect": "Profit effect of exit", "periods_below": "Periods below the floor",
    "last_margin_pct": "Latest net margin, % of revenue", "run_net_margin": "Net margin over the run",
    "rule": "Rule", "detail": "Detail", "consequence": "Consequence", "action": "Action",
    "profit_effect": "Profit effect", "naive_effect": "Naive (fully allocated) effect",
    "stranded_cost": "Stranded cost", "slope": "Trend (per period)", "latest": "Latest",
    "direction": "Direction", "period": "Period",
    # data set tables and overview
    "table": "Table", "rows": "Rows", "stage": "Stage", "what it means": "What it means",
    "customer_since": "Customer since", "payment_terms_days": "Payment terms (days)",
    "service_tier": "Service tier", "product_id": "Product", "list_price": "List price",
    "unit_cost": "Unit cost", "invoice_price": "Invoice price", "quantity": "Quantity",
    "invoice_date": "Invoice date", "order_id": "Order", "line_id": "Order line", "freight_cost": "Freight",
    "estimated_spend": "Estimated spend", "activity": "Activity", "driver_qty": "Driver quantity",
    "driver_unit": "Driver unit", "cost_behaviour": "Cost behaviour", "due_date": "Due date",
    "paid_date": "Paid date", "utilization": "Utilisation",
    # capacity (kamlab.apa.capacity_report)
    "department": "Department", "year": "Year", "fte": "Full-time staff", "practical_capacity":
    "Practical capacity (minutes)", "used": "Used (minutes)", "unused": "Unused (minutes)",
    "cost_supplied": "Capacity supplied", "cost_used": "Capacity used", "cost_unused": "Unused capacity",
}

_PERCENT = {"gross_margin_pct", "pocket_margin_pct", "net_margin_pct", "fraction_of_list", "pocket_of_list", "cum_share",
            "cum_profit_pct", "cost_to_serve_pct", "cost_to_serve_share", "share_of_wallet", "growth",
            "churn_risk", "share", "margin_pct", "last_margin_pct", "rate", "irr", "utilization",
            "price_realisation", "weight", "latest", "slope", "in PROFIT_AND_POTENTIAL"}
#: Columns whose values are themselves column names (a criterion, a measure): shown through `label`.
NAME_COLUMNS = {"criterion", "measure", "column", "feature", "metric", "rule", "kind"}
_MONEY = {"list_revenue", "on_invoice_discount", "invoice_revenue", "off_invoice", "freight", "terms_cost",
          "pocket_revenue", "cogs", "gross_margin", "pocket_margin", "cogs_variable", "cogs_fixed",
          "order_processing", "sales_visit", "travel",
          "support_ticket", "engineering_hours", "customization", "rush_handling", "return_handling",
          "dedicated_team", "credit_check", "fees_and_commissions", "cost_to_serve", "net_margin", "amount",
          "per_unit", "profit", "revenue",
          "avg_order_value", "potential", "cost", "value", "pay_revenue", "pay_margin", "difference",
          "risk_adjusted_margin", "sales", "wallet", "headroom", "weighted_headroom", "p0", "p1", "price",
          "volume", "mix", "total", "supplier_npv", "customer_npv", "variable", "fixed_avoidable",
          "fixed_stranded", "stranded_reallocated", "exit_effect", "run_net_margin", "profit_effect",
          "naive_effect", "stranded_cost", "list_price", "unit_cost", "invoice_price", "freight_cost",
          "estimated_spend", "npv", "cost_supplied", "cost_used", "cost_unused"}
_COUNT = {"revenue_rank", "profit_rank", "product_breadth", "days_beyond_terms", "rank", "rank_a", "rank_b",
          "move", "accounts", "rows", "periods_below", "quantity", "driver_qty", "payment_terms_days",
          "q0", "q1", "need", "payback", "practical_capacity", "used", "unused"}
#: Totals of ratio columns: numerator and denominator columns (a total of percents is not their sum).
TOTAL_RATIOS = {"gross_margin_pct": ("gross_margin", "invoice_revenue"),
                "pocket_margin_pct": ("pocket_margin", "invoice_revenue"),
                "net_margin_pct": ("net_margin", "invoice_revenue"),
                "cost_to_serve_pct": ("cost_to_serve", "invoice_revenue"),
                "cost_to_serve_share": ("cost_to_serve", "revenue"),
                "share": ("sales", "wallet"), "share_of_wallet": ("sales", "wallet")}


def column_kind(name, values: pd.Series | None = None) -> str:
    """What a column holds: ``"money"``, ``"percent"``, ``"count"``, ``"number"``, ``"date"`` or ``"text"``.

    Known names first (the sets behind `LABELS`), then the name's ending (``_pct``, ``_of_list``,
    ``_share`` are fractions; ``_revenue``, ``_margin``, ``_cost`` are money), then the values' dtype.

    Examples
    --------
    >>> column_kind("net_margin"), column_kind("pocket_revenue_of_list"), column_kind("revenue_rank")
    ('money', 'percent', 'count')
    >>> column_kind("mystery", pd.Series([1.5, 2.0])), column_kind("mystery", pd.Series(["a"]))
    ('number', 'text')
    """
    n = str(name)
    base = n[4:] if n.startswith("pts_") else n
    if n.startswith("pts_"):
        return "number"
    if base in _PERCENT or base.endswith(("_pct", "_of_list", "_share", "_rate")):
        return "percent"
    if base in _MONEY or base.endswith(("_revenue", "_margin", "_cost", "_effect", "_npv", "_value")):
        return "money"
    if base in _COUNT or base.endswith(("_rank", "_count", "_days")) or base.startswith("n_"):
        return "count"
    if values is not None:
        if pd.api.types.is_bool_dtype(values):
            return "text"
        if pd.api.types.is_datetime64_any_dtype(values):
            return "date"
        if pd.api.types.is_integer_dtype(values):
            return "count"
        if pd.api.types.is_numeric_dtype(values):
            return "number"
    return "text"


#: Excel number formats by column kind, for the exports (openpyxl's ``cell.number_format``).
EXCEL_FORMATS = {"money": "#,##0;-#,##0", "percent": "0.0%", "count": "#,##0", "number": "#,##0.00"}


def excel_format(name, values: pd.Series | None = None) -> str | None:
    """The Excel number format of a column, the same rules as the HTML tables (`column_kind`).

    Examples
    --------
    >>> excel_format("net_margin"), excel_format("net_margin_pct"), excel_format("name")
    ('#,##0;-#,##0', '0.0%', None)
    """
    return EXCEL_FORMATS.get(column_kind(name, values))


def label(name) -> str:
    """The readable label of a column or index name: `LABELS`, else a humanised form.

    Examples
    --------
    >>> label("pocket_revenue_of_list"), label("net_margin_pct"), label("pts_net_margin")
    ('Pocket revenue, % of list', 'Net margin, % of revenue', 'Points: net margin')
    >>> label("days_to_pay_pct"), label("wallet_gap_share"), label("2024Q1"), label(None)
    ('Days to pay, % of revenue', 'Wallet gap, share', '2024Q1', '')
    """
    if name is None:
        return ""
    n = str(name)
    if n in LABELS:
        return LABELS[n]
    if n.startswith("pts_"):
        return "Points: " + label(n[4:]).lower() if n[4:] not in ("", ) else "Points"
    for suffix, tail in (("_pct", ", % of revenue"), ("_of_list", ", % of list"), ("_share", ", share")):
        if n.endswith(suffix) and len(n) > len(suffix):
            return label(n[: -len(suffix)]) + tail
    words = re.sub(r"[_\s]+", " ", n).strip()
    return words[:1].upper() + words[1:] if words else n


# ---------------------------------------------------------------------------------------------------
# Tables

def formatter(kind: str, currency: str = "", compact: bool = False):
    """The function that shows one value of a column `kind` (`column_kind`): what `report_table` uses
    for its cells, for a panel that lays out its own table (a highlighted ranking, say).

    Examples
    --------
    >>> show = formatter(column_kind("net_margin"), "GBP", compact=True)
    >>> show(1234567), formatter("percent")(0.1234), formatter("count")(4363.0), formatter("text")(None)
    ('1.23M GBP', '12.3%', '4,363', '–')
    """
    if kind == "money":
        return lambda v: money(v, currency, compact=compact)
    if kind == "percent":
        return lambda v: percent(v)
    if kind == "count":
        return lambda v: number(v, digits=0)
    if kind == "number":
        return number
    if kind == "date":
        return lambda v: MISSING if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
    return _text


def _text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.strftime("%Y-%m-%d %H:%M")
    return str(v)


def _scalar_kind(name, v) -> str:
    """`column_kind` of one value: a number under an unknown name is a count or a plain number."""
    kind = column_kind(name)
    if kind == "text" and isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return "count" if isinstance(v, (int, np.integer)) else "number"
    return kind


def _cells(values: pd.Series, kind: str, currency: str, compact: bool) -> list[str]:
    """One column's display strings, HTML-escaped (numbers as floats: ten times faster than per cell)."""
    fmt = formatter(kind, html.escape(currency), compact)
    if kind in _NUMERIC:
        return [fmt(v) for v in pd.to_numeric(values, errors="coerce").to_numpy(dtype=float).tolist()]
    return [html.escape(fmt(v)) for v in values.tolist()]


_CSS = """
.kamlab-report{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0 12px 0;font-size:1em}
.kamlab-report caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0;color:inherit}
.kamlab-report th,.kamlab-report td{padding:3px 10px;border:none;line-height:1.35}
.kamlab-report thead th{border-bottom:2px solid #546e7a;vertical-align:bottom;text-align:left}
.kamlab-report th.kamlab-num{text-align:right}
.kamlab-report td.kamlab-num{text-align:right;white-space:nowrap}
.kamlab-report td.kamlab-text{text-align:left;white-space:normal;overflow-wrap:anywhere;max-width:40em}
.kamlab-report tbody tr:nth-child(even){background:rgba(0,0,0,0.03)}
.kamlab-report tr.kamlab-total td{border-top:1.5px solid #546e7a;font-weight:700}
.kamlab-find{margin:2px 0 6px 0;padding:2px 6px;font-size:0.95em;width:18em;max-width:90%}
"""

_SORT_JS = r"""
(function(){var t=document.getElementById('%(table)s');if(!t||t.dataset.kamlabReady)return;t.dataset.kamlabReady=1;
var b=t.tBodies[0],f=document.getElementById('%(find)s');
function key(td){var s=td.textContent.trim();if(!td.classList.contains('kamlab-num'))return s.toLowerCase();
var m=s.replace(/,/g,'').match(/(\d+(?:\.\d+)?)\s*(tn|bn|M|k)?/);if(!m)return NaN;
var v=parseFloat(m[1])*({tn:1e12,bn:1e9,M:1e6,k:1e3}[m[2]]||1);return /^[(\-]/.test(s)?-v:v;}
Array.prototype.forEach.call(t.tHead.rows[t.tHead.rows.length-1].cells,function(th,i){th.style.cursor='pointer';
th.title='Click to sort';th.addEventListener('click',function(){var d=th.dataset.dir==='a'?'d':'a';th.dataset.dir=d;
var rows=Array.prototype.filter.call(b.rows,function(r){return !r.classList.contains('kamlab-total');});
var tot=Array.prototype.filter.call(b.rows,function(r){return r.classList.contains('kamlab-total');});
rows.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]);if(typeof p==='number'&&isNaN(p))return 1;
if(typeof q==='number'&&isNaN(q))return -1;return (p<q?-1:p>q?1:0)*(d==='a'?1:-1);});
rows.concat(tot).forEach(function(r){b.appendChild(r);});});});
if(f)f.addEventListener('input',function(){var s=f.value.toLowerCase();Array.prototype.forEach.call(b.rows,
function(r){r.style.display=!s||r.textContent.toLowerCase().indexOf(s)>=0?'':'none';});});})();
"""

_NUMERIC = ("money", "percent", "count", "number")
_SORTABLE_ROWS = 25   # tables longer than this get sorting and a filter box


@dataclass(frozen=True)
class ReportTable:
    """A table formatted as a finance report; a notebook cell shows it (`_repr_html_`).

    `data` keeps the numbers (formatted only when shown), `kinds` says how each column is shown.
    """

    data: pd.DataFrame
    kinds: Mapping[str, str]
    currency: str = ""
    title: str | None = None
    sortable: bool = False
    totals: bool = False
    index: bool = False
    compact: bool = False
    uid: str = field(default="", compare=False)
    header: bool = True
    note: str | None = None

    def headers(self) -> dict:
        """Column name -> the header shown (`label`, made unique: two names may read the same)."""
        out, seen = {}, {}
        for c in self.data.columns:
            text = label(c)
            seen[text] = seen.get(text, 0) + 1
            out[c] = text if seen[text] == 1 else f"{text} ({seen[text]})"
        return out

    def styler(self):
        """The pandas Styler behind the HTML (also writes Excel: ``.styler().to_excel(path)``)."""
        heads = self.headers()
        show = self.data.rename(columns=heads)
        fmts = {heads[c]: formatter(k, self.currency, self.compact) for c, k in self.kinds.items()}
        num = [heads[c] for c, k in self.kinds.items() if k in (*_NUMERIC, "shown")]
        from pandas.io.formats.style import Styler

        st = Styler(show, uuid=self.uid, cell_ids=False).format(fmts, na_rep=MISSING, escape="html")
        st = st.format_index(escape="html", axis=1)
        if self.index:
            st = st.format_index(lambda v: label(v) if isinstance(v, str) else v, escape="html", axis=0)
        else:
            st = st.hide(axis="index")
        st = st.set_td_classes(pd.DataFrame(
            [["kamlab-num" if c in num else "kamlab-text" for c in show.columns]] * len(show),
            index=show.index, columns=show.columns))
        st = st.set_table_styles({c: [{"selector": "th", "props": "text-align:right"}] for c in num},
                                 overwrite=False)
        if self.title:
            st = st.set_caption(html.escape(self.title))
        return st.set_table_attributes('class="kamlab-report"')   # Styler's id: T_ + uid

    def to_html(self) -> str:
        """The table as HTML: Styler's markup and the house CSS, a sort/filter script when `sortable`."""
        out = f"<style>{_CSS}</style>"
        if self.sortable:
            out += (f'<input class="kamlab-find" id="{self.uid}-find" type="search" placeholder="Filter rows" '
                    f'aria-label="Filter rows of {html.escape(self.title or "the table")}">')
        out += self._table_html()
        if self.note:
            out += f'<div class="kamlab-note" style="font-size:0.9em;color:#546e7a">{html.escape(self.note)}</div>'
        if self.sortable:
            out += f"<script>{_SORT_JS % {'table': f'T_{self.uid}', 'find': f'{self.uid}-find'}}</script>"
        return f'<div class="kamlab-report-wrap" style="overflow-x:auto">{out}</div>'

    def _table_html(self) -> str:
        """The markup `styler().to_html()` gives (classes, caption, hidden index), built column-wise:
        Styler renders about 15,000 cells a second here (40 ms for a two-column summary, 7 s for the
        4,500 x 24 account P&L of an imported Online Retail export), too slow for a page that redraws
        every table when the scenario changes."""
        heads = self.headers()
        cls = {c: "kamlab-num" if k in (*_NUMERIC, "shown") else "kamlab-text" for c, k in self.kinds.items()}
        cols = []
        for c, k in self.kinds.items():
            values = self.data[c].map(lambda v: label(v) if isinstance(v, str) else v) if c in NAME_COLUMNS \
                else self.data[c]
            texts = _cells(values, k, self.currency, self.compact)
            if self.totals and texts and texts[-1] == MISSING:
                texts[-1] = ""                       # a rank or a name has no total: an empty cell, not a dash
            cols.append([f'<td class="{cls[c]}">{v}</td>' for v in texts])
        index = ([f'<th class="row_heading">{html.escape(label(i) if isinstance(i, str) else str(i))}</th>'
                  for i in self.data.index] if self.index else [""] * len(self.data))
        rows = [f"<tr>{i}{''.join(cells)}</tr>" for i, cells in zip(index, zip(*cols))]
        if self.totals and rows:
            rows[-1] = '<tr class="kamlab-total">' + rows[-1][4:]
        corner = f"<th>{html.escape(label(self.data.index.name))}</th>" if self.index else ""
        head = corner + "".join(f'<th class="{cls[c]}">{html.escape(heads[c])}</th>' for c in self.kinds)
        cap = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        thead = f"<thead><tr>{head}</tr></thead>" if self.header else ""
        return (f'<table class="kamlab-report" id="T_{self.uid}">{cap}{thead}'
                f"<tbody>{''.join(rows)}</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()


_counter = iter(range(1, 1 << 62))
_RUN = uuid.uuid4().hex[:6]   # table ids stay unique across kernels that share a browser page


def _prepare(df: pd.DataFrame, index: bool) -> pd.DataFrame:
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not index and not (isinstance(df.index, pd.RangeIndex) and df.index.name is None):
        df = df.reset_index()
        if "index" in df.columns and df.index.name is None:
            df = df.rename(columns={"index": ""})
    if isinstance(df.columns, pd.MultiIndex):
        df = df.copy()
        df.columns = [" ".join(str(p) for p in c if str(p)) for c in df.columns]
    return df.loc[:, ~pd.Index(df.columns).duplicated()]


def _totals_row(df: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    row: dict = {}
    for c in df.columns:
        k = kinds[c]
        if k == "money" or (k == "count" and not str(c).endswith(("rank", "_days")) and c not in (
                "rank", "rank_a", "rank_b", "move", "days_beyond_terms", "payback")):
            row[c] = pd.to_numeric(df[c], errors="coerce").sum()
        elif k == "percent" and c in TOTAL_RATIOS and all(p in df.columns for p in TOTAL_RATIOS[c]):
            num, den = (pd.to_numeric(df[p], errors="coerce").sum() for p in TOTAL_RATIOS[c])
            row[c] = num / den if den else np.nan
        else:
            row[c] = np.nan
    first_text = next((c for c in df.columns if kinds[c] == "text"), None)
    if first_text is not None:
        row[first_text] = "Total"
    totals = pd.DataFrame([row], columns=df.columns)
    return pd.concat([df.astype(object), totals.astype(object)], ignore_index=True)


def report_table(df, *, currency: str | None = None, money: Iterable[str] = (), percents: Iterable[str] = (),
                 counts: Iterable[str] = (), title: str | None = None, sortable: bool | None = None,
                 index: bool = False, totals: bool = False, compact: bool = False,
                 max_rows: int | None = None) -> ReportTable:
    """A DataFrame as a finance report table: readable headers, formatted numbers, nothing cut off.

    Parameters
    ----------
    df : DataFrame or Series
        The numbers, unformatted (they stay numbers in ``result.data``).
    currency : str, optional
        Shown after (code) or before (symbol) every money value; usually ``ds.currency``.
    money, percents, counts : iterables of column names
        Columns to show as money, percents (fractions in), counts; the others are inferred from their
        names (`column_kind`).
    title : str, optional
        A caption above the table.
    sortable : bool, optional
        Click-to-sort headers and a filter box; by default for tables of more than 25 rows.
    index : bool
        Show the index as it is. By default a meaningful index (``account_id``) becomes the first
        column, a plain row number is dropped.
    totals : bool
        Add a totals row: sums of money and counts, ratios of the sums for known ratio columns.
    compact : bool
        Money in k/M/bn (for a wide table on a small screen).
    max_rows : int, optional
        Show only the first `max_rows` rows (sort the frame first) and say so under the table; the
        totals row still adds up every row. By default every row is shown.

    Examples
    --------
    >>> df = pd.DataFrame({"invoice_revenue": [1531505.2, 40797.774555], "net_margin": [-1234.5, 9000.0],
    ...                    "net_margin_pct": [-0.000806, 0.2206]}, index=pd.Index(["A1", "A2"], name="account_id"))
    >>> t = report_table(df, currency="EUR", totals=True)
    >>> [t.kinds[c] for c in t.data.columns]
    ['text', 'money', 'money', 'percent']
    >>> html_ = t.to_html()
    >>> "1,531,505 EUR" in html_, "-0.1%" in html_, "e+0" in html_, "Net margin, % of revenue" in html_
    (True, True, False, True)
    >>> "Total" in html_ and "1,572,303 EUR" in html_
    True
    """
    data = _prepare(df, index)
    forced = {**{c: "money" for c in money}, **{c: "percent" for c in percents}, **{c: "count" for c in counts}}
    kinds = {c: forced.get(c) or column_kind(c, data[c]) for c in data.columns}
    note = None
    if max_rows is not None and len(data) > max_rows:
        note = f"The first {max_rows:,} of {len(data):,} rows" + (" (the total adds up all of them)." if totals else ".")
        shown = data.head(max_rows)
        data = _totals_row(data, kinds).iloc[[*range(max_rows), len(data)]] if totals else shown
    elif totals:
        data = _totals_row(data, kinds)
    if sortable is None:
        sortable = len(data) > _SORTABLE_ROWS
    return ReportTable(data=data, kinds=kinds, currency=currency or "", title=title, sortable=bool(sortable),
                       totals=totals, index=index, compact=compact, uid=f"kamlab{_RUN}t{next(_counter)}", note=note)


def report_series(s: pd.Series | Mapping, *, currency: str | None = None, title: str | None = None,
                  kinds: Mapping[str, str] | None = None) -> ReportTable:
    """A labelled list of values (a Series such as `pnl_totals`), one row per item, each formatted by its
    own kind (the index names say which: ``net_margin`` money, ``net_margin_pct`` percent).

    Examples
    --------
    >>> s = pd.Series({"invoice_revenue": 86.66e6, "net_margin_pct": 0.0412, "accounts": 60})
    >>> h = report_series(s, currency="EUR").to_html()
    >>> "86,660,000 EUR" in h, "4.1%" in h, ">60<" in h, "dtype" in h
    (True, True, True, False)
    """
    s = pd.Series(s, dtype=object)
    kinds = dict(kinds or {})
    cur = currency or ""
    values = []
    for k, v in s.items():
        kind = kinds.get(k) or _scalar_kind(k, v)
        values.append(str(v) if kind == "text" else formatter(kind, cur, False)(v))
    frame = pd.DataFrame({"item": [label(k) if isinstance(k, str) else str(k) for k in s.index], "value": values})
    return ReportTable(data=frame, kinds={"item": "text", "value": "shown"}, currency=cur, title=title,
                       uid=f"kamlab{_RUN}t{next(_counter)}", header=False)


@dataclass(frozen=True)
class KeyFigures:
    """A block of headline numbers (label above, big number below); shows itself in a notebook."""

    items: tuple[tuple[str, str], ...]
    title: str | None = None

    def _repr_html_(self) -> str:
        boxes = "".join(
            '<div style="display:inline-block;margin:4px 24px 8px 0;vertical-align:top">'
            f'<div style="font-size:0.85em;color:#546e7a">{html.escape(k)}</div>'
            f'<div class="kamlab-figure" style="font-size:1.6em;font-weight:600;font-variant-numeric:'
            f'tabular-nums;white-space:nowrap">{html.escape(v)}</div></div>' for k, v in self.items)
        head = f"<div style='font-weight:600'>{html.escape(self.title)}</div>" if self.title else ""
        return f'<div class="kamlab-key-figures">{head}{boxes}</div>'

    def __str__(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items)


def key_figures(figures: Mapping[str, object], *, currency: str | None = None, title: str | None = None,
                compact: bool = True, kinds: Mapping[str, str] | None = None) -> KeyFigures:
    """A few headline numbers instead of a printed dict or tuple.

    Keys are column-like names (``net_margin`` -> "Net margin", formatted as money) or free text (kept,
    value shown as a number). A value may also be ``(value, kind)`` with kind ``"money"``, ``"percent"``,
    ``"count"``, ``"number"`` or ``"text"``; a tuple of two numbers (a range) is shown as "a to b".

    Examples
    --------
    >>> print(key_figures({"net_margin": 3.57e6, "net_margin_pct": 0.0412, "Accounts": 60,
    ...                    "Pocket price band": ((0.3724, 0.4459), "percent")}, currency="EUR"))
    Net margin: 3.57M EUR
    Net margin, % of revenue: 4.1%
    Accounts: 60
    Pocket price band: 37.2% to 44.6%
    """
    kinds = dict(kinds or {})
    cur = currency or ""
    items = []
    for key, v in figures.items():
        kind = kinds.get(key)
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str):
            v, kind = v
        kind = kind or _scalar_kind(key, v[0] if isinstance(v, tuple) else v)
        fmt = formatter(kind, cur, compact) if kind != "text" else str
        if isinstance(v, tuple):
            text = " to ".join(fmt(x) for x in v)
        else:
            text = fmt(v)
        items.append((label(key), text))
    return KeyFigures(items=tuple(items), title=title)


# ---------------------------------------------------------------------------------------------------
# Charts

def _decimals(locs: np.ndarray, unit: float, cap: int = 12) -> int:
    """The fewest decimals that show every tick value exactly (in `unit`) and keep them distinct."""
    scaled = locs / unit
    for d in range(cap + 1):
        r = np.round(scaled, d)
        tol = 1e-6 * max(np.max(np.abs(scaled)), 10.0 ** -d)
        if np.all(np.abs(r - scaled) <= tol) and len(np.unique(r)) == len(r):
            return d
    steps = np.diff(np.sort(scaled))
    step = steps[steps > 0].min() if np.any(steps > 0) else 1.0
    return int(min(cap, max(0, math.ceil(-math.log10(step)) + 1)))


def _tick_plan(locs, *, percent_scale: bool) -> tuple[float, str, int]:
    """(unit, suffix, decimals) for a set of tick locations."""
    locs = np.asarray([v for v in locs if np.isfinite(v)], dtype=float)
    if percent_scale:
        locs = locs * 100
    if locs.size == 0:
        return 1.0, "", 0
    top = float(np.max(np.abs(locs)))
    # percents are never compacted ("1,000%", not "1.0k%"): money is
    units = ([] if percent_scale else [(d, s) for d, s in _UNITS if top >= d]) + [(1.0, "")]
    for i, (unit, suffix) in enumerate(units):
        d = _decimals(locs, unit)
        if d <= (3 if i == 0 else 2) or unit == 1.0:   # 2.415M rather than 2,415k
            return unit, suffix, d
    return 1.0, "", _decimals(locs, 1.0)


def _make_formatter(currency: str, percent_scale: bool, digits: int | None):
    from matplotlib.ticker import Formatter

    class _FinanceFormatter(Formatter):
        """Ticks with one precision for the whole axis, chosen from the tick spacing."""

        def __init__(self):
            self._plan = None

        def set_locs(self, locs):
            view = self.axis.get_view_interval() if self.axis is not None else (-np.inf, np.inf)
            lo, hi = min(view), max(view)
            shown = [v for v in locs if lo - 1e-9 * abs(hi - lo) <= v <= hi + 1e-9 * abs(hi - lo)] or list(locs)
            self._plan = _tick_plan(shown, percent_scale=percent_scale)

        def __call__(self, x, pos=None):
            if not np.isfinite(x):
                return ""
            if self._plan is None:   # called outside an axis draw
                return percent(x, digits=digits or 0) if percent_scale else money(x, currency, compact=True)
            unit, suffix, d = self._plan
            if percent_scale and digits is not None:
                d = max(d, digits)
            v = (x * 100 if percent_scale else x) / unit
            if v == 0:
                return "0%" if percent_scale else _with_currency("0", False, currency, False)
            text = f"{abs(v):,.{d}f}"
            sign = "-" if v < 0 and text.strip("0.,") != "" else ""
            if percent_scale:
                return f"{sign}{text}{suffix}%"
            return _with_currency(text + suffix, bool(sign), currency, False)

        def format_data_short(self, value):
            return percent(value, digits=2) if percent_scale else money(value, currency, compact=True)

    return _FinanceFormatter()


def money_formatter(currency: str = ""):
    """A matplotlib tick formatter for money: ``1.2M``, ``450k``, with the precision the ticks need.

    The unit (k, M, bn) comes from the largest tick; the decimals from the spacing, so neighbouring
    ticks never read the same (``2.415M 2.42M 2.425M``, not ``2.42M 2.42M``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [2.4125e6, 2.4275e6])
    >>> ax.yaxis.set_major_formatter(money_formatter("GBP"))
    >>> fig.canvas.draw()
    >>> labels = [t.get_text() for t in ax.get_yticklabels()]
    >>> len(set(labels)) == len(labels), labels[:3]
    (True, ['2.410M GBP', '2.412M GBP', '2.414M GBP'])
    >>> plt.close(fig)
    """
    return _make_formatter(currency, False, None)


def percent_formatter(digits: int = 0):
    """A matplotlib tick formatter for fractions shown as percents: 0.25 -> ``25%``.

    At least `digits` decimals, more when the ticks are closer together, so a near-zero range reads
    ``0.00025%`` (never ``000000000%``), and a huge one ``2,000%`` or ``1.5M%``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 2e-5])
    >>> ax.yaxis.set_major_formatter(percent_formatter())
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()][1:4]
    ['0%', '0.00025%', '0.00050%']
    >>> plt.close(fig)
    """
    return _make_formatter("", True, digits)


#: Chart sizes in inches at the house dpi (`plots.style.DPI`, 96 = CSS pixels per inch, so PNG and SVG
#: charts come out at the same size). "wide" (the default) fills a laptop's content width (1056 px of a
#: 1366 px screen) and, times `PRESENTER_SCALE`, 86% of a 1920 px screen's content (1584 px of ~1840).
FIGURE_SIZES = {"wide": (11.0, 5.2), "tall": (11.0, 7.5), "strip": (11.0, 3.4), "square": (7.0, 6.0),
                "half": (5.4, 4.0)}


def figure_size(kind: str = "wide", *, presenter: bool = False) -> tuple[float, float]:
    """A chart's (width, height) in inches, the same for static charts and panels.

    Presenter mode multiplies both by `PRESENTER_SCALE` (1.5), as `plots.style.set_style` multiplies
    the fonts, so a chart looks the same on a projector, only bigger: a "wide" chart is 1584 px wide
    (>= 80% of the content width at 1920 px) with 22 px text.

    Examples
    --------
    >>> figure_size(), figure_size(presenter=True), figure_size("half", presenter=True)
    ((11.0, 5.2), (16.5, 7.8), (8.1, 6.0))
    """
    try:
        w, h = FIGURE_SIZES[kind]
    except KeyError:
        raise ValueError(f"unknown figure kind {kind!r}: use one of {', '.join(FIGURE_SIZES)}") from None
    s = PRESENTER_SCALE if presenter else 1.0
    return round(w * s, 2), round(h * s, 2)
