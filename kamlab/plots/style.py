"""The house look, chart sizes and the number formats every plot shares.

The numbers themselves are formatted by `kamlab.format` (one service for pages, panels, the plan and
the exports): chart text calls `kamlab.format.money(v, currency, compact=True)` and `kamlab.format.percent`
directly; `money_axis` and `percent_axis` here put its tick formatters on an axis.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib is imported inside the functions: the number formats serve pages without any chart, and a
# Voila page pays for every module its kernel loads.

__all__ = ["set_style", "font_scale", "money_axis", "percent_axis", "get_ax", "PALETTE",
           "DPI", "subplots", "axis_label", "clip_ratio_axis"]

PALETTE = {"gain": "#2e7d32", "loss": "#c62828", "neutral": "#546e7a", "accent": "#1565c0",
           "muted": "#b0bec5"}

#: Pixels per inch of every chart: 96, the browser's CSS pixels per inch, so a PNG (inline backend, at
#: figure.dpi) and an SVG (panels, in points) of the same figure come out the same size on the page.
DPI = 96
_FONT_PT = 11  # the house text size; presenter mode multiplies every size by format.PRESENTER_SCALE


def font_scale() -> float:
    """How much `set_style` has enlarged text: 1.0, or `kamlab.format.PRESENTER_SCALE` in presenter mode."""
    import matplotlib as mpl

    return max(1.0, mpl.rcParams["font.size"] / _FONT_PT)


def set_style(*, presenter: bool = False) -> None:
    """Apply the house look (seaborn's white grid) at the size of `kamlab.format.figure_size`.

    Presenter mode multiplies the default figure size and every font by the same factor
    (`kamlab.format.PRESENTER_SCALE`, 1.5, as seaborn's "talk" context is 1.5 x "notebook"), so a chart
    keeps its proportions and fills the projector: 1584 px wide with 22 px text at 96 dpi. Call it
    before the first chart is drawn, so that the first render already has the size.

    Uses the seaborn style sheet that matplotlib ships rather than importing seaborn, which would pull
    in scipy.stats and add about a second to every page's start.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> set_style(presenter=True)
    >>> mpl.rcParams["figure.figsize"], mpl.rcParams["font.size"], font_scale()
    ([16.5, 7.8], 16.5, 1.5)
    >>> set_style()
    >>> mpl.rcParams["figure.figsize"], font_scale()
    ([11.0, 5.2], 1.0)
    """
    import matplotlib as mpl
    import matplotlib.style

    from kamlab.format import PRESENTER_SCALE, figure_size

    scale = PRESENTER_SCALE if presenter else 1.0
    matplotlib.style.use("seaborn-v0_8-whitegrid")
    mpl.rcParams.update({
        "figure.figsize": figure_size("wide", presenter=presenter), "figure.dpi": DPI, "savefig.dpi": "figure",
        "font.size": _FONT_PT * scale, "axes.titlesize": 12 * scale, "axes.labelsize": 11 * scale,
        "xtick.labelsize": 10 * scale, "ytick.labelsize": 10 * scale, "legend.fontsize": 10 * scale,
        "lines.linewidth": 1.5 * scale, "lines.markersize": 6 * scale,
        # narrow figure margins: the inline backend saves with bbox_inches="tight", which adds the room
        # the tick labels need and crops the rest; matplotlib's default margins (left 0.125, right 0.9)
        # cost a fifth of the width, so a presenter chart came out at 1,300 px instead of 1,500+
        "figure.subplot.left": 0.07, "figure.subplot.right": 0.98, "figure.subplot.top": 0.91,
        "figure.subplot.bottom": 0.11,
    })


def subplots(kind: str = "wide", *, presenter: bool | None = None, **kwargs):
    """`plt.subplots` at the house size of `kind` (`kamlab.format.figure_size`): a page or a panel gets
    its chart at the presenter size from the first render. `presenter=None` follows `set_style`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = subplots("half", presenter=True)
    >>> fig.get_size_inches().tolist(), fig.dpi
    ([8.1, 6.0], 96)
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from kamlab.format import figure_size

    if presenter is None:
        presenter = font_scale() > 1.0
    kwargs.setdefault("dpi", DPI)
    return plt.subplots(figsize=figure_size(kind, presenter=presenter), **kwargs)


def axis_label(text: str, currency: str = "") -> str:
    """An axis title with the currency in brackets when there is one: 'net margin (GBP)'.

    Examples
    --------
    >>> axis_label("net margin", "GBP"), axis_label("net margin")
    ('net margin (GBP)', 'net margin')
    """
    return f"{text} ({currency})" if currency else text


def money_axis(axis, currency: str = "") -> None:
    """Format an axis (ax.xaxis or ax.yaxis) in short money, at the precision its ticks need
    (`kamlab.format.money_formatter`). Put the currency in the axis title (`axis_label`) rather than on
    every tick unless the chart has no title for it."""
    from kamlab.format import money_formatter

    axis.set_major_formatter(money_formatter(currency))


def percent_axis(axis, decimals: int = 0) -> None:
    """Format an axis holding fractions as percents, at least `decimals` decimals, more when the ticks are
    closer (`kamlab.format.percent_formatter`)."""
    from kamlab.format import percent_formatter

    axis.set_major_formatter(percent_formatter(decimals))


def clip_ratio_axis(ax: Axes, values, names, *, which: str = "y", limit: float = 1.0) -> list[str]:
    """Keep an axis of ratios readable when a few values lie far beyond +-`limit` (a fraction).

    Real exports have accounts or periods with next to no revenue, whose margins or cost-to-serve
    ratios run to thousands of percent and flatten every other point into a line at zero. When some
    values are within the limit and some beyond, the axis spans the ones within (and zero), and a note
    in the corner names up to three that are off the scale, so nothing is hidden silently.

    Parameters
    ----------
    values, names : array-likes of the same shape
        The plotted ratios and the label of each (a period, an account).

    Returns
    -------
    list of str
        The names of the values off the scale.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1, 2], [0.1, 0.12, -11.566])
    >>> clip_ratio_axis(ax, [0.1, 0.12, -11.566], ["Q1", "Q2", "Q3"])
    ['Q3']
    >>> ax.texts[0].get_text(), bool(ax.get_ylim()[0] > -1)
    ('off the scale: Q3 -1,157%', True)
    >>> plt.close(fig)
    """
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    n = np.asarray(names, dtype=object).ravel()
    finite = np.isfinite(v)
    off = finite & (np.abs(v) > limit)
    inside = v[finite & ~off]
    if not off.any() or inside.size == 0:
        return []
    lo, hi = min(float(inside.min()), 0.0), max(float(inside.max()), 0.0)
    pad = 0.1 * (hi - lo or 1.0)
    (ax.set_ylim if which == "y" else ax.set_xlim)(lo - pad, hi + pad)
    from kamlab.format import NOT_AVAILABLE, percent

    shown = [f"{name} {text if text != NOT_AVAILABLE else '(no revenue)'}"
             for name, text in zip(n[off][:3], (percent(x, digits=0) for x in v[off][:3]))]
    more = f" and {int(off.sum()) - 3} more" if off.sum() > 3 else ""
    ax.text(0.5, 0.99, "off the scale: " + ", ".join(shown) + more, transform=ax.transAxes,
            fontsize="small", ha="center", va="top", color=PALETTE["neutral"],
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    return [str(x) for x in n[off]]


def get_ax(ax: Axes | None) -> Axes:
    """The given axes, or the current ones."""
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.gca()
