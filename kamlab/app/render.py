"""How a live output shows what its function returns: charts as page-wide SVG, tables as finance tables.

All formatting is `kamlab.format`'s (money with the dataset's currency, percents as percents, readable
labels, which columns are money or percents); `fmt_money`, `fmt_percent` and `fmt_label` are its
`money`, `percent` and `label` under the names pages already use.
"""
from __future__ import annotations

import dataclasses
import html
import io
import math
import warnings

import pandas as pd

from kamlab import format as fmt
from kamlab.format import label as fmt_label
from kamlab.format import money as fmt_money
from kamlab.format import percent as fmt_percent

__all__ = ["render", "chart_html", "fmt_money", "fmt_percent", "fmt_label", "table",
           "account_names", "named", "statement", "leak_summary", "cashflow_table", "export_plan",
           "percent_grid", "wallet_rule_grid"]


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
    return fmt.report_table(df, currency=currency or None, title=title)


_MARGINS = ("left", "right", "bottom", "top", "wspace", "hspace")
DENSE = 400  # marks in one axes beyond which its data is drawn as an image inside the SVG (text stays text)


def _rasterize_dense(fig) -> None:
    """A chart of thousands of accounts (an imported export) as pure SVG is megabytes of paths that the
    browser lays out one by one; its bars, points and lines become one embedded image instead, at a
    resolution sharp on a projector, while axes, ticks and labels stay vector text."""
    for ax in fig.axes:
        marks = list(ax.patches) + list(ax.collections) + list(ax.lines)
        count = len(ax.patches) + len(ax.lines) + sum(len(c.get_offsets()) if hasattr(c, "get_offsets") else 1
                                                        for c in ax.collections)
        if count > DENSE:
            for mark in marks:
                mark.set_rasterized(True)


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
    _rasterize_dense(fig)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "savefig.dpi": 150}):
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
    """A lone value: a count, an amount (a float from 100 up), a small number, or text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 100:
        return html.escape(fmt.money(value, currency))
    if isinstance(value, (int, float)):
        return html.escape(fmt.number(value))
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
        return fmt.report_series({str(k): str(v) for k, v in obj.items()}, title=title,
                                 kinds=dict.fromkeys(map(str, obj), "text"))
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
        if fmt.column_kind(name) == "percent":
            text = fmt.percent(v)
        else:  # a statement's lines are money (an activity's line is what the activity cost)
            text = fmt.money(v, currency)
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
        return "never" if v is None or not math.isfinite(float(v)) else f"{fmt.number(v, digits=1)} years"

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

    head = lambda v: fmt.percent(v) if isinstance(v, float) else fmt.label(v)  # noqa: E731
    shown = frame.copy()
    shown.index = pd.Index([head(v) for v in frame.index], name=(
        f"{frame.index.name or ''} \\ {frame.columns.name or ''}".strip(" \\") or None))
    shown.columns = [head(v) for v in frame.columns]
    return fmt.report_table(shown, percents=shown.columns, index=True)


def wallet_rule_grid(brands=(2, 3, 4)):
    """The Wallet Allocation Rule's share of wallet by rank (columns) for each number of brands (rows)."""
    from kamlab import growth

    n_max = max(brands)
    rows = {f"{n} brands": [growth.wallet_allocation_share(r, n) if r <= n else float("nan")
                            for r in range(1, n_max + 1)] for n in brands}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[f"rank {r}" for r in range(1, n_max + 1)])
    return percent_grid(frame)
