"""How a live output shows what its function returns: charts as page-wide SVG, tables as finance tables.

Formatting is `kamlab.format`'s (money with the dataset's currency, percents as percents, readable
labels); this module only decides which columns are money, percents or counts, from the column names
the domain functions use (``*_pct`` and shares are fractions, revenue/margin/cost columns are money).
"""
from __future__ import annotations

import dataclasses
import html
import io
import math
import re
import warnings

import pandas as pd

__all__ = ["render", "column_kinds", "chart_html", "fmt_money", "fmt_percent", "fmt_label", "table",
           "account_names", "named", "statement", "leak_summary", "cashflow_table", "export_plan",
           "percent_grid", "wallet_rule_grid"]

_PERCENT = re.compile(r"(_pct|_share|^share|share_of|_rate$|^rate$|probability|retention|_of_list$|margin_%"
                      r"|^pocket_price$|^weight|stability|in_top)", re.I)
_COUNT = re.compile(r"(rank|(^|_)count|^n_|_n$|lines$|orders$|quantity|qty|days|accounts$|year$|^period$|tier$"
                    r"|hours|visits)", re.I)
_MONEY = re.compile(r"(revenue|margin|cost|amount|profit|value|npv|price|effect|stranded|headroom|wallet|rebate"
                    r"|freight|discount|cash|flow|cogs|gain|fixed|payment|sales|spend|budget|investment|bonus"
                    r"|pay$|total|clv|ebit|loss|saving)", re.I)


def _format():
    try:
        from kamlab import format as fmt  # the formatting service (issue 12's second half)
    except ImportError:  # pragma: no cover - before kamlab.format lands
        return None
    return fmt


def fmt_money(x, currency: str = "", *, compact: bool = False) -> str:
    """Money with the currency and thousands separators ('1,234,567 EUR'), or compact ('1.23M EUR')."""
    fmt = _format()
    if fmt is not None:
        return fmt.money(x, currency, compact=compact)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if compact:
        from kamlab.plots.style import money

        text = money(float(x))
    else:
        text = f"{float(x):,.0f}"
    return f"{text} {currency}".strip()


def fmt_percent(x, *, digits: int = 1) -> str:
    fmt = _format()
    if fmt is not None:
        return fmt.percent(x, digits=digits)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{float(x) * 100:.{digits}f}%"


def fmt_label(name) -> str:
    fmt = _format()
    if fmt is not None:
        return fmt.label(name)
    text = str(name).replace("_pct", " %").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def column_kinds(df: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Which numeric columns are money, percents and counts, by their names (see the module docstring)."""
    money, percents, counts = [], [], []
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        name = str(col)
        if _PERCENT.search(name):
            percents.append(col)
        elif _COUNT.search(name):
            counts.append(col)
        elif _MONEY.search(name):
            money.append(col)
        elif pd.api.types.is_integer_dtype(df[col]):
            counts.append(col)
    return {"money": tuple(money), "percents": tuple(percents), "counts": tuple(counts)}


def _fallback_table(df: pd.DataFrame, currency: str, kinds: dict, title: str | None) -> str:
    """The finance table before `kamlab.format` lands: formatted cells, numbers right-aligned, unbroken."""
    numeric = {*kinds["money"], *kinds["percents"], *kinds["counts"]}
    cols = []
    for col in df.columns:
        s = df[col]
        if col in kinds["money"]:
            cells = [fmt_money(v, currency) if pd.notna(v) else "–" for v in s]
        elif col in kinds["percents"]:
            cells = [fmt_percent(v) if pd.notna(v) else "–" for v in s]
        elif col in kinds["counts"]:
            cells = [f"{v:,.0f}" if pd.notna(v) else "–" for v in s]
        elif pd.api.types.is_float_dtype(s):
            numeric.add(col)
            cells = [f"{v:,.2f}" if pd.notna(v) else "–" for v in s]
        else:
            cells = ["–" if (not isinstance(v, str) and pd.isna(v)) else str(v) for v in s.astype(object)]
        cols.append(cells)
    num = [c in numeric for c in df.columns]

    def cell(tag, text, right):
        style = ' style="text-align:right;white-space:nowrap"' if right else ' style="text-align:left"'
        return f"<{tag}{style}>{html.escape(str(text))}</{tag}>"

    head = "".join(cell("th", fmt_label(c), r) for c, r in zip(df.columns, num))
    rows = "".join("<tr>" + "".join(cell("td", col[i], r) for col, r in zip(cols, num)) + "</tr>"
                   for i in range(len(df)))
    cap = f"<caption>{html.escape(title)}</caption>" if title else ""
    return f'<table class="kamlab-table">{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def table(df: pd.DataFrame, currency: str = "", *, title: str | None = None, index: bool | None = None):
    """A finance table of `df` (`kamlab.format.report_table`): an object a page displays. A meaningful
    index (account_id) becomes the first column, a row number is dropped."""
    df = df.copy()
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [" ".join(str(p) for p in c if str(p)) for c in df.columns]
    unnamed_int = df.index.nlevels == 1 and df.index.name is None and pd.api.types.is_integer_dtype(df.index)
    keep_index = index if index is not None else not (isinstance(df.index, pd.RangeIndex) or unnamed_int)
    if keep_index:
        names = [n or ("account_id" if i == 0 else f"level_{i}") for i, n in enumerate(df.index.names)]
        if any(n in df.columns for n in names):
            df = df.reset_index(drop=True)
        else:
            df.index.names = names
            df = df.reset_index()
    else:
        df = df.reset_index(drop=True)
    fmt = _format()
    if fmt is not None:
        return fmt.report_table(df, currency=currency or None, title=title)
    from IPython.display import HTML

    return HTML(_fallback_table(df, currency, column_kinds(df), title))


_MARGINS = ("left", "right", "bottom", "top", "wspace", "hspace")


def chart_html(fig, margins: dict | None = None) -> tuple[str, dict]:
    """A finished figure as SVG inside a `kamlab-chart` div (scaled to the page width by the page CSS),
    and the margins it was laid out with. Laying a chart out (`tight_layout`) costs as much as drawing
    it, so a live output lays its chart out once and redraws with the same `margins`."""
    import matplotlib
    import matplotlib.pyplot as plt

    if fig.get_layout_engine() is None:
        if margins is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "not compatible with tight_layout": keep its own layout
                fig.tight_layout()
            margins = {k: getattr(fig.subplotpars, k) for k in _MARGINS}
        else:
            fig.subplots_adjust(**margins)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.find("<svg"):]
    return f'<div class="kamlab-chart">{svg}</div>', margins or {}


def _figure_of(obj):
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover
        return None
    if isinstance(obj, Figure):
        return obj
    if isinstance(obj, Axes):
        return obj.figure
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(a, Axes) for a in obj):
        return obj[0].figure
    if hasattr(obj, "flat") and hasattr(obj, "dtype") and obj.size and isinstance(obj.flat[0], Axes):
        return obj.flat[0].figure
    return None


def _scalar(value, currency: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        return fmt_money(value, currency) if abs(value) >= 100 else f"{value:,.2f}"
    return html.escape(str(value))


def render(obj, *, currency: str = "", title: str | None = None, layout: dict | None = None):
    """What to display for `obj`: a chart, a finance table, a key-value table, a text, or `obj` itself
    when it knows how to show itself (`_repr_html_`). None when there is nothing to show. A chart is
    laid out once: pass a dict as `layout` to keep its margins for the next redraw."""
    from IPython.display import HTML

    if obj is None:
        return None
    fig = _figure_of(obj)
    if fig is not None:
        key = tuple(ax.get_subplotspec().get_geometry() if ax.get_subplotspec() else () for ax in fig.axes)
        saved = None if layout is None else layout.get(key)
        svg, margins = chart_html(fig, saved)
        if layout is not None and margins:
            layout[key] = margins
        return HTML(svg)
    if isinstance(obj, pd.Series):
        obj = obj.to_frame(obj.name if obj.name is not None else "value")
    if isinstance(obj, pd.DataFrame):
        return table(obj, currency, title=title)
    if isinstance(obj, dict):
        frame = pd.DataFrame({"item": [str(k) for k in obj], "value": list(obj.values())})
        if all(isinstance(v, (int, float)) for v in obj.values()):
            return table(frame.rename(columns={"value": title or "value"}), currency, index=False)
        return HTML(_fallback_table(frame.astype({"value": str}), currency,
                                    {"money": (), "percents": (), "counts": ()}, title))
    if hasattr(obj, "_repr_html_"):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return render({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}, currency=currency)
    if isinstance(obj, str):
        return HTML(obj)
    return HTML(f"<p>{_scalar(obj, currency)}</p>")


def account_names(ds) -> pd.Series:
    """Each account's readable name, indexed by account_id: its name, or its id where the name is
    missing or blank (an imported export often has no names)."""
    acc = ds.accounts.set_index("account_id")
    if "name" not in acc.columns:
        return pd.Series(acc.index.astype(str), index=acc.index)
    names = acc["name"].astype(object)
    blank = names.isna() | (names.astype(str).str.strip() == "")
    return names.where(~blank, acc.index.to_series().astype(str)).astype(str)


def named(df: pd.DataFrame, ds, *, column: str = "account") -> pd.DataFrame:
    """`df` (indexed by account_id, or with an account_id column) with the account's name in front."""
    names = account_names(ds)
    out = df.copy()
    ids = out["account_id"] if "account_id" in out.columns else out.index.to_series()
    shown = ids.map(names).fillna(ids.astype(str))
    if (shown.astype(str) == ids.astype(str)).all() or column in out.columns:  # no names: the id says it
        return out
    out.insert(0, column, shown.to_numpy())
    return out


def statement(values: pd.Series, currency: str = "", *, title: str | None = None):
    """A one-column statement (a P&L's lines top to bottom): money lines in money, ratios as percents,
    readable labels. `values` is indexed by the line names (`pnl_totals` for example)."""
    from IPython.display import HTML

    rows = []
    if "pocket_margin" in values.index:  # `gross_margin` is its old name, kept as an alias for one release
        values = values.drop([n for n in ("gross_margin", "gross_margin_pct") if n in values.index])
    for name, v in values.items():
        if pd.isna(v):
            text = "–"
        elif _PERCENT.search(str(name)):
            text = fmt_percent(float(v))
        else:  # a statement's lines are money (an activity's line is what the activity cost)
            text = fmt_money(float(v), currency)
        strong = str(name) in ("invoice_revenue", "pocket_revenue", "pocket_margin", "gross_margin", "net_margin",
                               "net_margin_pct")
        label = html.escape(fmt_label(name))
        cell = f"<b>{html.escape(text)}</b>" if strong else html.escape(text)
        rows.append(f"<tr><td>{'<b>' + label + '</b>' if strong else label}</td><td>{cell}</td></tr>")
    cap = f"<caption>{html.escape(title)}</caption>" if title else ""
    return HTML(f'<table class="kamlab-table kamlab-statement">{cap}<tbody>{"".join(rows)}</tbody></table>')


def leak_summary(leaks: pd.DataFrame) -> pd.DataFrame:
    """Profit leaks by kind: how many and how much money, the largest first."""
    out = leaks.groupby("leak")["amount"].agg(["count", "sum"]).sort_values("sum", ascending=False)
    return out.rename(columns={"count": "leaks_count", "sum": "amount"})


def cashflow_table(flows, currency: str = ""):
    """A relationship's cash flows (`kamlab.apa.relationship_cashflow`) as a finance table, with its
    payback, discounted payback, NPV and IRR in one line above."""
    from IPython.display import HTML

    frame = pd.DataFrame({"year": [str(i) for i in flows.cash_flows.index],
                          "cash_flow": flows.cash_flows.to_numpy(), "cumulative": flows.cumulative.to_numpy(),
                          "discounted_cumulative": flows.discounted_cumulative.to_numpy()})

    def years(v) -> str:
        return "never" if v is None or not math.isfinite(float(v)) else f"{float(v):.1f} years"

    irr = "none (no sign change)" if not math.isfinite(float(flows.irr)) else fmt_percent(float(flows.irr))
    head = (f"<p>Payback <b>{years(flows.payback)}</b> · discounted payback <b>{years(flows.discounted_payback)}"
            f"</b> · NPV at {fmt_percent(float(flows.rate))} <b>{html.escape(fmt_money(float(flows.npv), currency))}"
            f"</b> · IRR <b>{html.escape(irr)}</b></p>")
    shown = table(frame, currency, index=False)
    body = shown._repr_html_() if hasattr(shown, "_repr_html_") else str(shown)
    return HTML(head + body)


def export_plan(plan, ds, folder) -> str:
    """Write `plan` as a standalone page and, with the APA workbook, as a spreadsheet into `folder`;
    say where (HTML)."""
    from pathlib import Path

    from kamlab import export
    from kamlab.plots import plan_page

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    page, book = folder / f"plan_{plan.account_id}.html", folder / "apa_with_plan.xlsx"
    plan_page(plan, page)
    export.write_apa_workbook(ds, book, extra_sheets={"Account plan": plan.to_frame()})
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in (page, book))
    return f"<p>Written for <b>{html.escape(str(plan.account_id))}</b>:</p><ul>{items}</ul>"


def percent_grid(frame: pd.DataFrame):
    """A grid of fractions shown as percents, with readable row and column headers (a breakeven table)."""
    from IPython.display import HTML

    shown = frame.map(lambda v: fmt_percent(float(v)) if pd.notna(v) else "–")
    shown.index = [fmt_percent(v) if isinstance(v, float) else fmt_label(v) for v in shown.index]
    shown.columns = [fmt_percent(v) if isinstance(v, float) else fmt_label(v) for v in shown.columns]
    if frame.index.name or frame.columns.name:
        shown.index.name = f"{frame.index.name or ''} \\ {frame.columns.name or ''}".strip(" \\")
    return HTML(shown.to_html(border=0, classes="kamlab-table"))


def wallet_rule_grid(brands=(2, 3, 4)):
    """The Wallet Allocation Rule's share of wallet by rank (columns) for each number of brands (rows)."""
    from kamlab import growth

    n_max = max(brands)
    rows = {f"{n} brands": [growth.wallet_allocation_share(r, n) if r <= n else float("nan")
                            for r in range(1, n_max + 1)] for n in brands}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[f"rank {r}" for r in range(1, n_max + 1)])
    return percent_grid(frame)
