"""Plots for the allocation unit: allocations side by side, service tiers, retention, ROI, pay plans."""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.plots.style import PALETTE, axis_label, get_ax, money_axis, percent_axis

__all__ = ["plot_allocations", "plot_service_tiers", "plot_sbg", "plot_risk_adjusted_npv",
           "plot_compensation"]


def plot_allocations(allocations, *, ax: Axes | None = None) -> Axes:
    """One row per method: the hours given to each selected request, stacked, with the capacity line;
    each row is labelled with the value it buys. Greedy vs optimal side by side is the lesson."""
    ax = get_ax(ax)
    allocations = [allocations] if hasattr(allocations, "method") else list(allocations)
    ids = list(allocations[0].table.index)
    colours = {i: matplotlib.colormaps["tab10"].colors[k % 10] for k, i in enumerate(ids)}
    y = np.arange(len(allocations))[::-1]
    for row, a in zip(y, allocations):
        left = 0.0
        for i in a.selected:
            hours = a.table.at[i, "allocated"]
            ax.barh(row, hours, left=left, color=colours[i], edgecolor="white")
            frac = a.table.at[i, "fraction"]
            text = f"{i}" + ("" if frac >= 1 else f" ({fmt.percent(frac, digits=0)})")
            ax.text(left + hours / 2, row, text, ha="center", va="center", color="white", fontweight="bold")
            left += hours
        ax.text(a.capacity * 1.02, row, fmt.money(a.total_value, compact=True), va="center", fontweight="bold")
    ax.axvline(allocations[0].capacity, color=PALETTE["loss"], ls="--", label="capacity")
    ax.set_yticks(y, [a.method for a in allocations])
    ax.set_xlim(0, allocations[0].capacity * 1.25)
    ax.set_xlabel("hours allocated")
    ax.set_title("Same hours, different value: " + " vs ".join(
        f"{a.method} {fmt.money(a.total_value, compact=True)}" for a in allocations))
    return ax


def plot_service_tiers(tiers, *, ax: Axes | None = None, currency: str = "") -> Axes:
    """Accounts per tier: the new tiers next to today's, with the yearly cost of each model."""
    ax = get_ax(ax)
    s = tiers.summary
    x = np.arange(len(s))
    ax.bar(x - 0.2, s["accounts"], 0.4, color=PALETTE["accent"],
           label=f"by score: {fmt.money(tiers.total_cost, currency, compact=True)}")
    if "accounts_today" in s.columns:
        ax.bar(x + 0.2, s["accounts_today"], 0.4, color=PALETTE["muted"],
               label=f"today: {fmt.money(tiers.current_cost, currency, compact=True)}")
    ax.set_xticks(x, list(s.index))
    ax.set_ylabel("accounts")
    ax.legend()
    ax.set_title(f"Service tiers: saving {fmt.money(tiers.saving, currency, compact=True)} a year")
    return ax


def plot_sbg(fit, survivors=None, *, periods: int | None = None, ax: Axes | None = None) -> Axes:
    """Share of a cohort still active: the observed survivors (dots) and the sBG fit and projection."""
    ax = get_ax(ax)
    periods = periods or fit.n_periods * 2
    t = np.arange(periods + 1)
    ax.plot(t, fit.survival(t), color=PALETTE["accent"],
            label=f"sBG fit (alpha {fmt.number(fit.alpha, digits=2)}, beta {fmt.number(fit.beta, digits=2)})")
    if survivors is not None:
        s = np.asarray(survivors, dtype=float)
        ax.plot(np.arange(len(s)), s / s[0], "o", color=PALETTE["neutral"], label="observed")
    ax.axvline(fit.n_periods, color=PALETTE["muted"], ls=":")
    percent_axis(ax.yaxis)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("period")
    ax.set_ylabel("still active")
    ax.legend()
    ax.set_title("Retention: fitted, then projected")
    return ax


def plot_risk_adjusted_npv(result, *, ax: Axes | None = None, currency: str = "") -> Axes:
    """Planned cash flows vs what we can expect once the chance of losing the account is priced in."""
    ax = get_ax(ax)
    t = result.table
    x = np.asarray(t.index)
    ax.bar(x - 0.2, t["cash_flow"], 0.4, color=PALETTE["muted"], label="planned")
    ax.bar(x + 0.2, t["expected"], 0.4, color=PALETTE["accent"], label="expected (x survival)")
    money_axis(ax.yaxis)
    ax.set_xticks(x)
    ax.set_xlabel("period")
    ax.set_ylabel(axis_label("cash flow", currency))
    ax.legend()
    ax.set_title(f"Risk-adjusted NPV {fmt.money(result.npv, currency, compact=True)} "
                 f"(ROI {fmt.percent(result.roi, digits=0)}) vs "
                 f"{fmt.money(result.unadjusted_npv, currency, compact=True)} ignoring risk")
    return ax


def plot_compensation(comparison, *, top_n: int = 20, ax: Axes | None = None, currency: str = "") -> Axes:
    """Pay moved by switching plans, per account (largest moves): green gains, red loses."""
    ax = get_ax(ax)
    d = comparison.table["difference"]
    d = d.reindex(d.abs().sort_values(ascending=False).index[:top_n]).sort_values()
    y = np.arange(len(d))
    ax.barh(y, d, color=[PALETTE["gain"] if v >= 0 else PALETTE["loss"] for v in d])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [str(i) for i in d.index])
    money_axis(ax.xaxis)
    names = [c[4:] for c in comparison.table.columns if c.startswith("pay_")]
    ax.set_xlabel(axis_label(f"pay under the {names[-1]} plan minus the {names[0]} plan", currency))
    ax.set_title("Who gains when pay follows margin")
    return ax
