"""Plots for Account Profitability Analysis: results of `kamlab.apa` in, Axes out.

Every function draws on the given axes (or the current ones), labels amounts in money and shares in %,
and returns the axes. Nothing here computes a business number: that is `kamlab.apa`'s job.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.plots.style import PALETTE, axis_label, clip_ratio_axis, get_ax, money_axis, percent_axis

__all__ = ["plot_account_pnl", "plot_waterfall", "plot_whale_curve", "plot_pocket_price_band",
           "plot_cost_to_serve_breakdown", "plot_cost_to_serve_matrix", "plot_relationship_cashflow"]

_QUADRANT_COLORS = {"carriage trade": "#6a1b9a", "passive": PALETTE["gain"], "aggressive": PALETTE["loss"],
                    "bargain basement": PALETTE["neutral"]}


def _account_labels(index: pd.Index) -> list[str]:
    return [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in index]


def plot_account_pnl(pnl: pd.DataFrame, *, ax: Axes | None = None, column: str = "net_margin",
                     top: int = 10, bottom: int = 10, title: str | None = None, currency: str = "") -> Axes:
    """Horizontal bars of `column` for the `top` best and `bottom` worst rows of an account P&L,
    each labelled with its amount and its fraction of invoice revenue; `currency` goes in the axis title.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_account_pnl(apa.account_pnl(apa.worked_example()), ax=ax)
    >>> len(ax.patches)
    2
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    ranked = pnl.sort_values(column, ascending=False, kind="stable")
    picked = ranked if len(ranked) <= top + bottom else pd.concat([ranked.head(top), ranked.tail(bottom)])
    values = picked[column].to_numpy(dtype=float)
    rev = picked["invoice_revenue"].to_numpy(dtype=float)
    y = np.arange(len(picked))[::-1]
    colors = [PALETTE["gain"] if v >= 0 else PALETTE["loss"] for v in values]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, _account_labels(picked.index))
    ax.axvline(0, color=PALETTE["neutral"], lw=1)
    for yi, v, r in zip(y, values, rev):
        pct = f" ({fmt.percent(v / r)})" if r else ""
        ax.annotate(f"{fmt.money(v, compact=True)}{pct}", (v, yi), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize="small")
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label(fmt.label(column), currency))
    which = "all accounts" if len(ranked) <= top + bottom else f"top {top} and bottom {bottom}"
    ax.set_title(title or f"{fmt.label(column)} by account: {which}")
    ax.margins(x=0.35)
    return ax


def plot_waterfall(waterfall, *, ax: Axes | None = None, per_unit: bool = True, title: str | None = None) -> Axes:
    """The price waterfall (Marn & Rosiello, 1992): price levels as full bars, each leak as a floating
    red bar, labelled with its amount and its % of list price.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_waterfall(apa.price_waterfall(apa.worked_example()), ax=ax)
    >>> len(ax.patches), ax.get_xticklabels()[0].get_text()
    (9, 'list price')
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    steps = waterfall.steps
    col = "per_unit" if per_unit else "amount"
    level, bottoms, heights, colors = 0.0, [], [], []
    for kind, value in zip(steps["kind"], steps[col]):
        if kind == "price":
            level = value
            bottoms.append(0.0)
            heights.append(value)
            colors.append(PALETTE["accent"] if value >= 0 else PALETTE["loss"])
        else:
            bottoms.append(level + value)
            heights.append(-value)
            level += value
            colors.append(PALETTE["loss"] if value <= 0 else PALETTE["gain"])
    x = np.arange(len(steps))
    ax.bar(x, heights, bottom=bottoms, color=colors, edgecolor="white")
    for xi, b, h, v, f in zip(x, bottoms, heights, steps[col], steps["fraction_of_list"]):
        ax.annotate(f"{fmt.money(v, compact=True)}\n{fmt.percent(f)}", (xi, b + max(h, 0)), xytext=(0, 3),
                    textcoords="offset points",
                    ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, steps["step"].tolist(), rotation=30, ha="right")
    money_axis(ax.yaxis)
    ax.set_ylabel(f"{waterfall.currency} per unit" if per_unit else waterfall.currency)
    scope = " / ".join(s for s in (waterfall.account_id, waterfall.product_line) if s) or "all accounts"
    ax.set_title(title or f"Price waterfall: {scope}", y=1.0)  # a fixed y skips the title's auto-placement,
    ax.margins(y=0.15)                                         # which measures every tick label again
    return ax


def plot_whale_curve(curve: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """The whale curve (Kaplan & Cooper, 1998): cumulative profit (% of total) against the share of
    accounts sorted from most to least profitable, with the 100% line and the peak marked.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_whale_curve(apa.whale_curve([150, 75, 0, -125]), ax=ax)
    >>> len(ax.lines)
    3
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    x = np.r_[0.0, curve["cum_share"].to_numpy()]
    y = np.r_[0.0, curve["cum_profit_pct"].to_numpy()]
    ax.plot(x, y, color=PALETTE["accent"], lw=2.5, label="cumulative profit")
    ax.axhline(1.0, color=PALETTE["neutral"], ls="--", lw=1)
    i = int(np.argmax(y))
    ax.plot([x[i]], [y[i]], "o", color=PALETTE["loss"], ms=9)
    right = x[i] > 0.6
    ax.annotate(f"peak {fmt.percent(y[i], digits=0)} of profit\nat {fmt.percent(x[i], digits=0)} of accounts", (x[i], y[i]),
                xytext=(-10 if right else 10, -36), textcoords="offset points", fontsize="small",
                ha="right" if right else "left")
    ax.annotate("total profit = 100%", (0.02, 1.0), xytext=(0, 4), textcoords="offset points", fontsize="small",
                color=PALETTE["neutral"])
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("share of accounts (most profitable first)")
    ax.set_ylabel("cumulative profit, % of total")
    ax.set_xlim(0, 1)
    ax.set_title(title or "Whale curve: who makes the profit, who eats it", y=1.0)
    return ax


def plot_pocket_price_band(band, *, ax: Axes | None = None, bins: int = 30, title: str | None = None) -> Axes:
    """The pocket price band (Marn & Rosiello, 1992): share of list revenue at each pocket price (% of
    list), with the 10th, 50th and 90th percentiles marked.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_pocket_price_band(apa.pocket_price_band(apa.worked_example()), bins=5, ax=ax)
    >>> len(ax.patches), len(ax.lines)
    (5, 3)
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    w = band.weights.to_numpy(dtype=float)
    ax.hist(band.values.to_numpy(), bins=bins, weights=w / w.sum() if w.sum() else None, color=PALETTE["accent"],
            alpha=0.8, edgecolor="white")
    for k, (q, ls) in enumerate(((0.10, ":"), (0.50, "-"), (0.90, ":"))):
        v = band.percentiles[q]
        ax.axvline(v, color=PALETTE["loss"], ls=ls, lw=1.5)
        ax.annotate(f"p{int(q * 100)} {fmt.percent(v)}", (v, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -14 - 16 * k), textcoords="offset points", fontsize="small", color=PALETTE["loss"],
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("pocket price, % of list price")
    ax.set_ylabel("share of list revenue")
    ax.set_title(title or f"Pocket price band by {band.by.replace('_', ' ')}: width {fmt.percent(band.width)} (p5-p95)")
    return ax


def plot_cost_to_serve_breakdown(pnl: pd.DataFrame, activities=None, *, ax: Axes | None = None,
                                 top: int = 10, title: str | None = None, currency: str = "") -> Axes:
    """Stacked horizontal bars: each of the `top` accounts by cost-to-serve, split by activity, with
    the total labelled in money and as % of invoice revenue. `activities`: the activity columns
    (default: the columns between gross_margin_pct and cost_to_serve).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_cost_to_serve_breakdown(apa.account_pnl(apa.worked_example()), ax=ax)
    >>> len(ax.patches)
    6
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if activities is None:
        cols = list(pnl.columns)
        activities = cols[cols.index("gross_margin_pct") + 1: cols.index("cost_to_serve")]
    picked = pnl.sort_values("cost_to_serve", ascending=False, kind="stable").head(top)
    y = np.arange(len(picked))[::-1]
    left = np.zeros(len(picked))
    colors = [c for c in ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ad1457",
                          "#f9a825", "#4e342e", "#546e7a")]
    for i, act in enumerate(activities):
        v = picked[act].to_numpy(dtype=float)
        ax.barh(y, v, left=left, color=colors[i % len(colors)], label=fmt.label(act))
        left += v
    for yi, tot, r in zip(y, picked["cost_to_serve"], picked["invoice_revenue"]):
        pct = f" ({fmt.percent(tot / r)} of revenue)" if r else ""
        ax.annotate(f"{fmt.money(tot, compact=True)}{pct}", (tot, yi), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="small")
    ax.set_yticks(y, _account_labels(picked.index))
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label("cost to serve", currency))
    ax.legend(fontsize="small", loc="lower right")
    ax.margins(x=0.3)
    ax.set_title(title or f"Cost-to-serve breakdown: the {len(picked)} costliest accounts")
    return ax


def plot_cost_to_serve_matrix(matrix, *, ax: Axes | None = None, label: int = 5, title: str | None = None) -> Axes:
    """Shapiro et al. (1987): each account placed by cost to serve (% of revenue) and net price
    realised (% of list), bubble size by revenue, the splits drawn and the quadrants named; the
    `label` largest accounts are named.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_cost_to_serve_matrix(apa.cost_to_serve_matrix(apa.account_pnl(apa.worked_example())), ax=ax)
    >>> len(ax.collections), len(ax.lines)
    (1, 2)
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    t = matrix.table
    clip_ratio_axis(ax, t["cost_to_serve_pct"], t.index.astype(str), which="x", limit=2.0)
    rev = t["invoice_revenue"].clip(lower=0).to_numpy(dtype=float)
    size = 40 + 800 * rev / rev.max() if rev.max() > 0 else 60
    ax.scatter(t["cost_to_serve_pct"], t["price_realisation"], s=size,
               c=[_QUADRANT_COLORS[q] for q in t["quadrant"]], alpha=0.7, edgecolor="white")
    ax.axvline(matrix.cost_split, color=PALETTE["neutral"], ls="--", lw=1)
    ax.axhline(matrix.price_split, color=PALETTE["neutral"], ls="--", lw=1)
    for name, (x, y, ha, va) in {"carriage trade": (0.98, 0.98, "right", "top"), "passive": (0.02, 0.98, "left", "top"),
                                 "aggressive": (0.98, 0.02, "right", "bottom"),
                                 "bargain basement": (0.02, 0.02, "left", "bottom")}.items():
        ax.text(x, y, f"{name} ({int(matrix.counts[name])})", transform=ax.transAxes, ha=ha, va=va,
                fontsize="medium", weight="bold", color=_QUADRANT_COLORS[name])
    for acc, row in t.nlargest(label, "invoice_revenue").iterrows():
        ax.annotate(str(acc), (row["cost_to_serve_pct"], row["price_realisation"]), xytext=(5, 5),
                    textcoords="offset points", fontsize="small")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("cost to serve, % of invoice revenue")
    ax.set_ylabel("net price realised (pocket, % of list)")
    ax.set_title(title or "Cost-to-serve matrix (Shapiro et al., 1987)")
    return ax


def plot_relationship_cashflow(metrics, *, ax: Axes | None = None, title: str | None = None,
                               currency: str = "") -> Axes:
    """The relationship's cash flow over time: each period's cash flow as a bar (labelled in money),
    the cumulative and discounted cumulative lines, and the payback marked.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import apa
    >>> fig, ax = plt.subplots()
    >>> ax = plot_relationship_cashflow(apa.cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10), ax=ax)
    >>> len(ax.patches), len(ax.get_lines())
    (7, 3)
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    flows = metrics.cash_flows
    x = np.arange(len(flows))
    ax.bar(x, flows.to_numpy(), color=[PALETTE["gain"] if v >= 0 else PALETTE["loss"] for v in flows], alpha=0.75,
           label="cash flow")
    for xi, v in zip(x, flows):
        ax.annotate(fmt.money(v, compact=True), (xi, v), xytext=(0, 3 if v >= 0 else -12), textcoords="offset points",
                    ha="center",
                    fontsize="small")
    ax.plot(x, metrics.cumulative.to_numpy(), "-o", color=PALETTE["accent"], lw=2, label="cumulative")
    ax.plot(x, metrics.discounted_cumulative.to_numpy(), "--", color=PALETTE["neutral"], lw=2,
            label=f"discounted cumulative ({fmt.percent(metrics.rate, digits=0)})")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [str(i) for i in flows.index], rotation=0)
    money_axis(ax.yaxis)
    ax.set_ylabel(axis_label("cash flow", currency))
    pb = "never" if not np.isfinite(metrics.payback) else f"{fmt.number(metrics.payback, digits=1)} periods"
    ax.set_title(title or f"The relationship's cash flow: payback {pb}, NPV {fmt.money(metrics.npv, currency, compact=True)}")
    ax.legend(fontsize="small", loc="best", framealpha=0.9)
    ax.margins(y=0.12)
    return ax
