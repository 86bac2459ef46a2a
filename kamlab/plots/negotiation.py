"""Plots for the negotiation unit: breakeven curves, escalator schedules, the give-get waterfall, the
role-play's history."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.plots.style import PALETTE, axis_label, get_ax, money_axis, percent_axis

__all__ = ["plot_breakeven", "plot_escalator", "plot_give_get", "plot_negotiation", "plot_sla_cost"]


def plot_breakeven(table: pd.DataFrame, *, ax: Axes | None = None, highlight=None, **kwargs) -> Axes:
    """One curve per contribution margin (rows of `kamlab.negotiation.breakeven_table`): the volume change
    needed to break even after each price change. `highlight=(price_change, volume_change)` marks a point."""
    ax = get_ax(ax)
    colors = [PALETTE["accent"], PALETTE["neutral"], PALETTE["loss"], PALETTE["gain"], PALETTE["muted"]]
    for i, (margin, row) in enumerate(table.iterrows()):
        ax.plot(row.index.to_numpy(dtype=float), row.to_numpy(dtype=float), lw=2.5,
                color=colors[i % len(colors)], label=f"margin {fmt.percent(margin, digits=0)}", **kwargs)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    if highlight is not None:
        x, y = highlight
        ax.plot([x], [y], "o", ms=12, color=PALETTE["loss"], zorder=5)
        ax.annotate(f"{fmt.percent(x)} price -> {fmt.percent(y)} volume", (x, y), textcoords="offset points",
                    xytext=(10, 10), fontsize="large", fontweight="bold")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("price change")
    ax.set_ylabel("volume change to break even")
    ax.set_title("Price defence: the volume a price cut must buy")
    ax.legend(loc="upper right")
    return ax


def plot_escalator(schedule, *, ax: Axes | None = None, currency: str = "", **kwargs) -> Axes:
    """Year-by-year contract prices as bars, with the level price (same present value) as a line."""
    ax = get_ax(ax)
    years = schedule.prices.index.to_numpy()
    bars = ax.bar(years, schedule.prices.to_numpy(), color=PALETTE["accent"], label="price", **kwargs)
    ax.bar_label(bars, labels=[fmt.money(v, compact=True) if v >= 1000 else fmt.money(v, decimals=2) for v in schedule.prices],
                 fontsize="medium",
                 label_type="center", color="white", fontweight="bold")
    ax.axhline(schedule.level_price, color=PALETTE["loss"], lw=2.5, ls="--",
               label=f"level price {fmt.money(schedule.level_price, currency, decimals=2)} (same PV)")
    ax.set_xticks(years)
    ax.set_xlabel("contract year")
    ax.set_ylabel(axis_label("price", currency))
    ax.set_ylim(0, float(schedule.prices.max()) * 1.15)
    ax.set_title(f"{len(years)}-year contract: total {fmt.money(schedule.total, currency)}, "
                 f"PV {fmt.money(schedule.present_value, currency)}")
    ax.legend(loc="lower right")
    return ax


def plot_give_get(effect, *, ax: Axes | None = None, currency: str = "", **kwargs) -> Axes:
    """Waterfall of a `DealEffect`: walk-away margin, each concession's effect, the deal's margin. Gives
    given away are hatched; gets and traded gives are plain."""
    ax = get_ax(ax)
    t = effect.table
    labels = ["walk-away"] + [f"{r.label}\n({r.status})" for r in t.itertuples()] + ["deal"]
    ax.bar(0, effect.base_margin, color=PALETTE["neutral"], **kwargs)
    running = peak = effect.base_margin
    for i, r in enumerate(t.itertuples(), 1):
        color = PALETTE["gain"] if r.margin_effect >= 0 else PALETTE["loss"]
        ax.bar(i, r.margin_effect, bottom=running, color=color,
               hatch="//" if r.status == "given away" else None, edgecolor="white", **kwargs)
        top = running + max(r.margin_effect, 0)
        ax.text(i, top, fmt.money(r.margin_effect, signed=True), ha="center", va="bottom", fontsize="medium")
        running += r.margin_effect
        peak = max(peak, top)
    ax.bar(len(t) + 1, effect.deal_margin, color=PALETTE["accent"], **kwargs)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize="small")
    low = min(0.0, float(t["margin_before"].min()) if len(t) else 0.0, effect.deal_margin, running)
    ax.set_ylim(low * 1.1, max(peak, effect.deal_margin, 0.0) * 1.15 or 1.0)
    money_axis(ax.yaxis)
    ax.set_ylabel(axis_label("margin per year", currency))
    ax.set_title(f"Give-get ledger: net {fmt.money(effect.net_effect, currency, signed=True)} per year "
                 f"(given away {fmt.money(effect.given_away, currency, signed=True)})")
    return ax


def plot_negotiation(history: pd.DataFrame, *, zopa=None, ax: Axes | None = None, currency: str = "",
                     **kwargs) -> Axes:
    """The role-play round by round: your offers, the buyer's counters, the outcome, and the ZOPA
    (supplier walk-away to buyer reservation) as a band when given (reveal it after the game)."""
    ax = get_ax(ax)
    if zopa is not None and zopa[1] > zopa[0]:
        ax.axhspan(zopa[0], zopa[1], color=PALETTE["muted"], alpha=0.35, label="zone of agreement")
    if len(history):
        ax.plot(history["round"], history["price"], "o-", lw=2.5, ms=9, color=PALETTE["accent"],
                label="your offer", **kwargs)
        counters = history.dropna(subset=["counter_price"])
        ax.plot(counters["round"], counters["counter_price"], "s--", lw=2, ms=8, color=PALETTE["loss"],
                label="buyer's counter")
        last = history.iloc[-1]
        if last["response"] in ("accept", "walk_away"):
            mark = "*" if last["response"] == "accept" else "X"
            ax.plot([last["round"]], [last["price"]], mark, ms=20,
                    color=PALETTE["gain"] if mark == "*" else PALETTE["loss"],
                    label="deal" if mark == "*" else "buyer walked away")
        ax.set_xticks(np.arange(1, int(history["round"].max()) + 1))
    ax.set_xlabel("round")
    ax.set_ylabel(axis_label("price per unit", currency))
    ax.set_title("Negotiation history")
    ax.legend(loc="best")
    return ax


def plot_sla_cost(curve: pd.DataFrame, *, current: float | None = None, ax: Axes | None = None,
                  currency: str = "", **kwargs) -> Axes:
    """Expected penalties and capacity cost over the service level promised (`sla_cost_curve`), stacked;
    `current` marks the level on the table."""
    ax = get_ax(ax)
    levels = curve.index.to_numpy(dtype=float)
    ax.stackplot(levels, curve["expected_penalty"], curve["capacity_cost"],
                 labels=["expected penalties", "capacity"], colors=[PALETTE["loss"], PALETTE["accent"]],
                 alpha=0.75, **kwargs)
    if current is not None:
        ax.axvline(current, color="black", lw=2, label=f"promised {fmt.percent(current)}")
    percent_axis(ax.xaxis)
    money_axis(ax.yaxis)
    ax.set_xlabel("service level promised")
    ax.set_ylabel(axis_label("cost per year", currency))
    ax.set_title("SLA cost: penalties fall, capacity rises")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    return ax
