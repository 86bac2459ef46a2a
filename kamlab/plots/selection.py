"""Plots for the selection unit: scores, the key-account list moves, fragility, the portfolio matrix."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab import format as fmt
from kamlab.plots.style import PALETTE, get_ax, percent_axis

__all__ = ["plot_scores", "plot_ranking_comparison", "plot_rank_stability", "plot_critical_weights",
           "plot_portfolio_matrix"]

_POSTURE_COLOURS = {"invest": PALETTE["gain"], "build": PALETTE["accent"], "maintain": PALETTE["neutral"],
                    "minimise": PALETTE["loss"]}


def _labels(table: pd.DataFrame) -> list[str]:
    return [str(i) for i in table.index]


def plot_scores(scored: pd.DataFrame, *, weights: dict | None = None, top_n: int = 15,
                ax: Axes | None = None) -> Axes:
    """The top `top_n` accounts' scores as horizontal bars, best on top; with `weights`, each bar is
    stacked by criterion (weight x points), so a group sees what drives each account's place."""
    ax = get_ax(ax)
    top = scored.sort_values("rank").head(top_n)
    y = np.arange(len(top))[::-1]
    if weights:
        w = pd.Series(dict(weights), dtype=float)
        w = w / w.sum()
        left = np.zeros(len(top))
        colours = matplotlib.colormaps["tab20"].colors
        for k, (crit, wt) in enumerate(w[w > 0].items()):
            part = top[f"pts_{crit}"].to_numpy() * wt
            ax.barh(y, part, left=left, color=colours[k % 20], label=fmt.label(crit))
            left += part
        ax.legend(loc="lower right", fontsize="small", frameon=True)
    else:
        ax.barh(y, top["score"], color=PALETTE["accent"])
    ax.set_yticks(y, _labels(top))
    ax.set_xlabel("score (0-10)")
    ax.set_title(f"Top {len(top)} accounts by weighted score")
    return ax


def plot_ranking_comparison(comparison, *, ax: Axes | None = None, labels: tuple[str, str] = (
        "revenue only", "profit and potential")) -> Axes:
    """A slope chart of the two key-account lists: accounts entering (green), leaving (red), staying."""
    ax = get_ax(ax)
    t = comparison.table
    shown = t[t["status"] != "out"]
    n = len(comparison.list_a)
    colour = {"entering": PALETTE["gain"], "leaving": PALETTE["loss"], "staying": PALETTE["neutral"]}
    for acc, row in shown.iterrows():
        c = colour[row["status"]]
        ax.plot([0, 1], [row["rank_a"], row["rank_b"]], "-o", color=c, lw=2 if c != PALETTE["neutral"] else 1)
        if row["status"] != "leaving":  # label where each account ends up; leavers where they were
            ax.annotate(str(acc), (1, row["rank_b"]), xytext=(6, 0), textcoords="offset points", ha="left",
                        va="center", fontsize="x-small", color=c)
        else:
            ax.annotate(str(acc), (0, row["rank_a"]), xytext=(-6, 0), textcoords="offset points",
                        ha="right", va="center", fontsize="x-small", color=c)
    ax.axhline(n + 0.5, color=PALETTE["muted"], ls="--")
    ax.set_xlim(-0.4, 1.4)
    ax.invert_yaxis()
    ax.set_xticks([0, 1], list(labels))
    ax.set_ylabel("rank")
    ax.set_title(f"Top {n}: {len(comparison.entering)} enter, {len(comparison.leaving)} leave")
    return ax


def plot_rank_stability(stability: pd.DataFrame, *, top_n: int | None = None, ax: Axes | None = None) -> Axes:
    """Probability of staying in the top N under perturbed weights, for every account that ever gets in
    (or, with `top_n`, the top_n + 5 best by base rank)."""
    ax = get_ax(ax)
    s = stability[stability["p_top"] > 0] if top_n is None else stability.head(top_n + 5)
    y = np.arange(len(s))[::-1]
    colours = [PALETTE["gain"] if p >= 0.9 else PALETTE["loss"] if p <= 0.5 else PALETTE["accent"]
               for p in s["p_top"]]
    ax.barh(y, s["p_top"], color=colours)
    ax.set_yticks(y, _labels(s))
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.set_xlabel("probability of being in the key-account list")
    ax.set_title("How fragile is the list? (green: safe, red: a coin toss or worse)")
    return ax


def plot_critical_weights(changes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per criterion, the weight change (in weight points) that makes the second account tie the first;
    grey bars are changes no feasible weight can make."""
    ax = get_ax(ax)
    d = changes["delta"].fillna(0.0)
    colours = [PALETTE["accent"] if f else PALETTE["muted"] for f in changes["feasible"]]
    y = np.arange(len(changes))[::-1]
    ax.barh(y, d, color=colours)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [fmt.label(c) for c in changes.index])
    ax.set_xlabel("change of the weight that makes them tie")
    ax.set_title("Critical weight changes (Triantaphyllou & Sanchez)")
    return ax


def plot_portfolio_matrix(matrix: pd.DataFrame, *, split: float = 5.0, annotate: bool = True,
                          ax: Axes | None = None) -> Axes:
    """Accounts on attractiveness vs the supplier's relative strength, coloured by posture, with the
    four quadrants named (McDonald, Millman & Rogers)."""
    ax = get_ax(ax)
    for posture, grp in matrix.groupby("posture"):
        ax.scatter(grp["strength"], grp["attractiveness"], s=60, color=_POSTURE_COLOURS.get(posture),
                   label=posture, alpha=0.85, edgecolor="white")
    if annotate:
        for acc, row in matrix.iterrows():
            ax.annotate(str(acc), (row["strength"], row["attractiveness"]), xytext=(3, 3),
                        textcoords="offset points", fontsize="x-small")
    ax.axvline(split, color=PALETTE["muted"], ls="--")
    ax.axhline(split, color=PALETTE["muted"], ls="--")
    for x, y, text in ((9.8, 9.8, "strategic: invest"), (0.2, 9.8, "star: build"),
                       (9.8, 0.2, "status: maintain"), (0.2, 0.2, "streamline: minimise")):
        ax.text(x, y, text, ha="right" if x > 5 else "left", va="top" if y > 5 else "bottom",
                color=PALETTE["neutral"], fontsize="small", style="italic")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_xlabel("our relative strength in the account (0-10)")
    ax.set_ylabel("account attractiveness (0-10)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    ax.set_title("Key account portfolio")
    return ax
