"""The house look, chart sizes and the number formats every plot shares.

The numbers themselves are formatted by `kamlab.format` (one service for pages, panels, the plan and
the exports); `money`, `percent`, `money_axis` and `percent_axis` here are its chart forms.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib is imported inside the functions: the number formats serve pages without any chart, and a
# Voila page pays for every module its kernel loads.

__all__ = ["set_style", "font_scale", "money", "percent", "money_axis", "percent_axis", "get_ax", "PALETTE",
           "DPI", "subplots", "axis_label"]

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


def money(value: float, currency: str = "") -> str:
    """Money in a chart's short form, `kamlab.format.money(value, currency, compact=True)`.

    Examples
    --------
    >>> money(1234567), money(-45200), money(999), money(999999), money(float("nan"))
    ('1.23M', '-45.2k', '999', '1M', '–')
    """
    from kamlab import format as fmt

    return fmt.money(value, currency, compact=True)


def percent(value: float, decimals: int = 1) -> str:
    """A fraction as a percent, `kamlab.format.percent(value, digits=decimals)`.

    Examples
    --------
    >>> percent(0.1234), percent(3), percent(float("inf"))
    ('12.3%', '300.0%', 'n/a')
    """
    from kamlab import format as fmt

    return fmt.percent(value, digits=decimals)


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


def get_ax(ax: Axes | None) -> Axes:
    """The given axes, or the current ones."""
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.gca()
