"""Plots for the rationalization unit: results of `kamlab.rationalization` in, Axes out; and the
standalone account-plan page (`kamlab.plan.AccountPlan` with small charts embedded as base64 PNG)."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.apa import Waterfall
from kamlab.plots.apa import plot_waterfall
from kamlab.plots.growth import _bridge, plot_cross_sell, plot_jbp
from kamlab.plots.style import PALETTE, axis_label, clip_ratio_axis, get_ax, money_axis, percent_axis

__all__ = ["plot_simulation", "plot_stranded_costs", "plot_margin_trend", "plot_violations", "figure_img",
           "plan_charts", "plan_page"]


def plot_simulation(sim, *, ax: Axes | None = None, title: str | None = None, currency: str = "") -> Axes:
    """Portfolio profit before, each action's true effect, after; the dashed line is what the naive fully
    allocated view expected, so the stranded-cost trap shows as the gap between the line and the bar.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import synth, rationalization as rz
    >>> ds = synth.generate(n_accounts=6, years=1, seed=1)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_simulation(rz.simulate(ds, [rz.Action(ds.accounts.account_id[0], "exit")]), ax=ax)
    >>> len(ax.patches), ax.get_legend() is not None
    (3, True)
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    e = sim.effects
    labels = ["before"] + [f"{a}\n{k}" for a, k in zip(e["account_id"], e["kind"])] + ["after"]
    _bridge(ax, labels, sim.before_profit, list(e["profit_effect"]), sim.after_profit)
    ax.axhline(sim.naive_after_profit, color=PALETTE["loss"], ls="--", lw=2,
               label=f"naive fully allocated view: {fmt.money(sim.naive_after_profit, currency, compact=True)}")
    levels = sim.before_profit + np.concatenate([[0.0], np.cumsum(e["profit_effect"].to_numpy(dtype=float))])
    lo = min(levels.min(), sim.naive_after_profit, sim.after_profit)
    hi = max(levels.max(), sim.naive_after_profit, sim.after_profit)
    span = hi - lo
    if 0 < span < 0.25 * max(abs(lo), abs(hi)):  # small effects on a big portfolio: zoom in
        ax.set_ylim(lo - 0.8 * span, hi + 0.8 * span)
        ax.set_ylabel(axis_label("portfolio net margin", currency) + " (axis does not start at zero)")
    ax.legend(loc="best")
    if not ax.get_ylabel():
        ax.set_ylabel(axis_label("portfolio net margin", currency))
    sign = lambda v: fmt.money(v, currency, compact=True, signed=True)  # noqa: E731
    ax.set_title(title or f"Profit changes {sign(sim.after_profit - sim.before_profit)}; the naive view expected "
                          f"{sign(sim.naive_after_profit - sim.before_profit)} ("
                          f"{fmt.money(sim.stranded_cost, compact=True)} stranded)")
    return ax


def plot_stranded_costs(sim, *, ax: Axes | None = None, top: int = 12, title: str | None = None,
                        currency: str = "") -> Axes:
    """Where the stranded fixed cost of exited accounts lands: the cost each remaining account picks up
    (for the `top` that pick up most), labelled with its net margin before -> after.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import synth, rationalization as rz
    >>> ds = synth.generate(n_accounts=6, years=1, seed=1)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_stranded_costs(rz.simulate(ds, [rz.Action(ds.accounts.account_id[0], "exit")]), ax=ax, top=3)
    >>> len(ax.patches)
    3
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    a = sim.after.set_index("account_id")
    b = sim.before.set_index("account_id")
    gone = set(sim.effects.loc[sim.effects["kind"] == "exit", "account_id"])
    keep = a[~a.index.isin(gone)].sort_values("stranded_reallocated", ascending=False, kind="stable").head(top)
    y = np.arange(len(keep))[::-1]
    ax.barh(y, keep["stranded_reallocated"], color=PALETTE["loss"])
    for yi, acc, v in zip(y, keep.index, keep["stranded_reallocated"]):
        before, after = (fmt.money(f.loc[acc, "net_margin"], compact=True) for f in (b, keep))
        ax.annotate(f"net {before} -> {after}", (v, yi),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(y, [str(i) for i in keep.index])
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label("stranded cost picked up", currency))
    ax.margins(x=0.45)
    stranded = fmt.money(sim.stranded_cost, currency, compact=True)
    ax.set_title(title or f"{stranded} of stranded cost lands on the remaining accounts",
                 y=1.0)
    return ax


def plot_margin_trend(dashboard, *, ax: Axes | None = None, accounts=None, top: int = 6,
                      title: str | None = None) -> Axes:
    """Net margin % by period for the given accounts (default: the `top` steepest fallers).

    A period with next to no revenue has a ratio far off the others (real exports: -1,157% in a quarter
    with a few returns); the axis then shows the ordinary range (-100% to +100% around the data) and
    names the periods off the scale, instead of flattening every line to zero.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kamlab import synth, rationalization as rz
    >>> fig, ax = plt.subplots()
    >>> d = rz.dashboard_metrics(synth.generate(n_accounts=6, years=1, seed=1))
    >>> len(plot_margin_trend(d, ax=ax, top=2).get_legend().get_texts())
    2
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if accounts is None:
        accounts = dashboard.trend.sort_values("slope", kind="stable").index[:top]
    m = dashboard.margins
    x = np.arange(m.shape[1])
    values = m.loc[list(accounts)].to_numpy(dtype=float)
    for acc, row in zip(accounts, values):
        ax.plot(x, row, marker="o", label=str(acc))
    ax.set_xticks(x, [str(c) for c in m.columns], rotation=45, ha="right")
    ax.axhline(0, color=PALETTE["neutral"], lw=1)
    clip_ratio_axis(ax, values, [[f"{acc} in {c}" for c in m.columns] for acc in accounts])
    percent_axis(ax.yaxis)
    ax.set_ylabel("net margin %")
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title or "Net margin % by period: the steepest fallers", y=1.0)  # fixed y: no auto-placement
    return ax


def plot_violations(violations: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                    currency: str = "") -> Axes:
    """Money at stake per control rule, with the number of violations in the label.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> v = pd.DataFrame({"rule": ["margin_floor", "margin_floor", "dso"], "amount": [5.0, 3.0, 1.0]})
    >>> len(plot_violations(v, ax=ax).patches)
    2
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    g = violations.groupby("rule")["amount"].agg(["sum", "size"]).sort_values("sum", kind="stable")
    y = np.arange(len(g))
    ax.barh(y, g["sum"], color=PALETTE["loss"])
    ax.set_yticks(y, [f"{fmt.label(r).lower()} ({n})" for r, n in zip(g.index, g["size"])])
    money_axis(ax.xaxis)
    ax.set_xlabel(axis_label("money at stake", currency))
    ax.set_title(title or "Control rule violations", y=1.0)
    return ax


# ------------------------------------------------------------------ the account plan page

def figure_img(fig, *, dpi: int = 90) -> str:
    """An <img> tag holding the figure as a base64 PNG; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def plan_charts(plan) -> dict[str, str]:
    """Small charts for an AccountPlan, keyed by the plan section they belong to. A page renderer, so
    unlike the plot_* functions it makes (and closes) its own figures."""
    charts = {}
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    plot_waterfall(Waterfall(steps=plan.waterfall, units=1.0, account_id=plan.account_id,
                                      currency=plan.currency), ax=ax, title="Price waterfall per unit")
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    charts["waterfall"] = figure_img(fig)
    if len(plan.growth):
        fig, ax = plt.subplots(figsize=(5.2, 0.5 + 0.45 * len(plan.growth)))
        plot_cross_sell(plan.growth, ax=ax, title="Cross-sell priorities")
        charts["growth"] = figure_img(fig)
    fig, ax = plt.subplots(figsize=(4.0, 3.2))
    plot_jbp(plan.jbp, ax=ax)
    charts["jbp"] = figure_img(fig)
    return charts


def plan_page(plan, path: str | Path | None = None, *, charts: bool = True) -> str:
    """The account plan as a standalone HTML page with embedded charts; written to `path` when given.

    Examples
    --------
    >>> from kamlab import synth, plan as kplan
    >>> ds = synth.generate(n_accounts=6, years=2, seed=1)
    >>> page = plan_page(kplan.account_plan(ds, ds.accounts.account_id[0]))
    >>> page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    True
    """
    return plan.to_html(path, charts=plan_charts(plan) if charts else None)
