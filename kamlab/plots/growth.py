"""Plots for the growth unit: results of `kamlab.growth` in, Axes out."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.plots.style import PALETTE, axis_label, get_ax, money_axis

__all__ = ["plot_share_of_wallet", "plot_cross_sell", "plot_price_volume_mix", "plot_jbp"]


def _labels(frame: pd.DataFrame) -> list[str]:
    cols = [c for c in ("account_id", "product_line") if c in frame]
    return [" · ".join(map(str, r)) for r in frame[cols].itertuples(index=False)]


def plot_share_of_wallet(sow: pd.DataFrame, *, ax: Axes | None = None, top: int = 15,
                         title: str | None = None, currency: str = "") -> Axes:
    """Our sales (solid) and the headroom left in the customer's wallet (light), largest wallets first,
    each bar labelled with our share of wallet.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> sow = pd.DataFrame({"account_id": ["A", "B"], "sales": [30.0, 10.0], "wallet": [100.0, 20.0],
    ...                     "share": [0.3, 0.5], "headroom": [70.0, 10.0]})
    >>> len(plot_share_of_wallet(sow, ax=ax).patches)
    4
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    d = sow.sort_values("wallet", ascending=False, kind="stable").head(top)
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["sales"], color=PALETTE["accent"], label="our sales")
    ax.barh(y, d["headroom"], left=d["sales"], color=PALETTE["muted"], label="headroom (rest of wallet)")
    for yi, total, share in zip(y, d["sales"] + d["headroom"], d["share"]):
        ax.text(total, yi, f" {fmt.percent(share, digits=0)}", va="center", fontsize="small")  # text: cheaper than annotate
    ax.set_yticks(y, _labels(d))
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label("yearly spend", currency))
    ax.legend(loc="lower right")
    ax.set_title(title or "Share of wallet: what we sell vs what the customer buys", y=1.0)  # a fixed y skips
    # matplotlib's title auto-placement, which measures every tick label again on each draw
    ax.margins(x=0.1)
    return ax


def plot_cross_sell(opportunities: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                    currency: str = "") -> Axes:
    """Cross-sell priorities: margin-weighted headroom per account and line, labelled with line margin %.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> opp = pd.DataFrame({"account_id": ["A"], "product_line": ["L1"], "weighted_headroom": [500.0],
    ...                     "margin_pct": [0.25]})
    >>> plot_cross_sell(opp, ax=ax).get_yticklabels()[0].get_text()
    'A · L1'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    y = np.arange(len(opportunities))[::-1]
    ax.barh(y, opportunities["weighted_headroom"], color=PALETTE["gain"])
    for yi, v, m in zip(y, opportunities["weighted_headroom"], opportunities["margin_pct"]):
        ax.text(v, yi, f" {fmt.money(v, compact=True)} at {fmt.percent(m, digits=0)} margin", va="center", fontsize="small")
    ax.set_yticks(y, _labels(opportunities))
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label("margin-weighted headroom (margin still on the table)", currency))
    ax.set_title(title or "Cross-sell priorities", y=1.0)
    ax.margins(x=0.35)
    return ax


def _bridge(ax: Axes, labels, start: float, steps, end: float) -> None:
    """Draw a bridge: a start bar, floating change bars, an end bar."""
    level, xs = start, np.arange(len(steps) + 2)
    ax.bar(xs[0], start, color=PALETTE["neutral"])
    for x, v in zip(xs[1:-1], steps):
        ax.bar(x, v, bottom=level, color=PALETTE["gain"] if v >= 0 else PALETTE["loss"])
        ax.annotate(fmt.money(v, compact=True), (x, level + max(v, 0)), xytext=(0, 3), textcoords="offset points", ha="center",
                    fontsize="small")
        level += v
    ax.bar(xs[-1], end, color=PALETTE["accent"])
    for x, v in ((xs[0], start), (xs[-1], end)):
        ax.annotate(fmt.money(v, compact=True), (x, max(v, 0)), xytext=(0, 3), textcoords="offset points", ha="center",
                    fontsize="small")
    ax.set_xticks(xs, labels)
    ax.axhline(0, color=PALETTE["neutral"], lw=1)
    money_axis(ax.yaxis)


def plot_price_volume_mix(pvm, *, ax: Axes | None = None, labels: tuple[str, str] = ("before", "after"),
                          title: str | None = None, currency: str = "") -> Axes:
    """A bridge from the first period's revenue (or margin) through the price, volume and mix effects.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab.growth import price_volume_mix
    >>> fig, ax = plt.subplots()
    >>> ax = plot_price_volume_mix(price_volume_mix([10, 20], [100, 100], [11, 20], [120, 60]), ax=ax)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['before', 'price', 'volume', 'mix', 'after']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    b = pvm.by_item
    start, end = float((b["p0"] * b["q0"]).sum()), float((b["p1"] * b["q1"]).sum())
    _bridge(ax, [labels[0], "price", "volume", "mix", labels[1]], start, [pvm.price, pvm.volume, pvm.mix], end)
    ax.set_ylabel(axis_label(pvm.measure, currency))
    ax.set_title(title or f"Price-volume-mix of {pvm.measure}: {fmt.money(pvm.total, currency, compact=True)} change")
    return ax


def plot_jbp(jbp, *, ax: Axes | None = None, title: str | None = None, currency: str = "") -> Axes:
    """Each initiative's NPV to the supplier (x) and to the customer (y); the green quadrant is where
    both win, the only place a joint business plan belongs.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab.growth import jbp_value
    >>> fig, ax = plt.subplots()
    >>> v = jbp_value([{"name": "VMI", "supplier_yearly_gain": 10.0, "customer_yearly_gain": 5.0}])
    >>> len(plot_jbp(v, ax=ax).collections) >= 1
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    t = jbp.table
    colors = [PALETTE["gain"] if m else PALETTE["loss"] for m in t["mutual"]]
    ax.scatter(t["supplier_npv"], t["customer_npv"], s=120, c=colors, zorder=3)
    for name, x, y in zip(t["name"], t["supplier_npv"], t["customer_npv"]):
        ax.annotate(str(name), (x, y), xytext=(6, 4), textcoords="offset points", fontsize="small")
    lim = float(np.nanmax(np.abs(t[["supplier_npv", "customer_npv"]].to_numpy(dtype=float)))) * 1.25 or 1.0
    ax.axhspan(0, lim, xmin=0.5, xmax=1.0, color=PALETTE["gain"], alpha=0.08)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.axhline(0, color=PALETTE["neutral"], lw=1)
    ax.axvline(0, color=PALETTE["neutral"], lw=1)
    money_axis(ax.xaxis)
    money_axis(ax.yaxis)
    ax.set_xlabel(axis_label("value to us (NPV)", currency))
    ax.set_ylabel(axis_label("value to the customer (NPV)", currency))
    verdict = "both win" if jbp.both_win else "not yet a joint plan: one side loses"
    ax.set_title(title or f"Joint business plan: {verdict}")
    return ax
