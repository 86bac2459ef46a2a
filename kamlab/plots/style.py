"""The house look and the number formats every plot shares."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib is imported inside the functions: the number formats serve pages without any chart, and a
# Voila page pays for every module its kernel loads.

__all__ = ["set_style", "font_scale", "money", "percent", "money_axis", "percent_axis", "get_ax", "PALETTE"]

PALETTE = {"gain": "#2e7d32", "loss": "#c62828", "neutral": "#546e7a", "accent": "#1565c0",
           "muted": "#b0bec5"}


_FONT_PT = 11  # the house text size; presenter mode multiplies every size by 1.5


def font_scale() -> float:
    """How much `set_style` has enlarged text: 1.0, or 1.5 in presenter mode."""
    import matplotlib as mpl

    return max(1.0, mpl.rcParams["font.size"] / _FONT_PT)


def set_style(*, presenter: bool = False) -> None:
    """Apply the house look (seaborn's white grid); `presenter=True` enlarges text for a projector.

    Uses the seaborn style sheet that matplotlib ships rather than importing seaborn, which would pull
    in scipy.stats and add about a second to every page's start.
    """
    import matplotlib as mpl
    import matplotlib.style

    scale = 1.5 if presenter else 1.0  # seaborn's "talk" context is 1.5 x its "notebook" one
    matplotlib.style.use("seaborn-v0_8-whitegrid")
    mpl.rcParams.update({
        "figure.figsize": (12, 6.5) if presenter else (9, 5),
        "font.size": _FONT_PT * scale, "axes.titlesize": 12 * scale, "axes.labelsize": 11 * scale,
        "xtick.labelsize": 10 * scale, "ytick.labelsize": 10 * scale, "legend.fontsize": 10 * scale,
        "lines.linewidth": 1.5 * scale,
    })


def money(value: float, currency: str = "") -> str:
    """Money in a short readable form: 1234567 -> '1.23M'.

    Examples
    --------
    >>> money(1234567), money(-45200), money(999)
    ('1.23M', '-45.2k', '999')
    """
    sign = "-" if value < 0 else ""
    v = abs(value)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{sign}{currency}{v / div:.3g}{suffix}"
    return f"{sign}{currency}{v:.3g}" if v < 1 else f"{sign}{currency}{v:.0f}"


def percent(value: float, decimals: int = 1) -> str:
    """A fraction as a percent: 0.1234 -> '12.3%'.

    Examples
    --------
    >>> percent(0.1234)
    '12.3%'
    """
    return f"{value * 100:.{decimals}f}%"


def money_axis(axis) -> None:
    """Format an axis (ax.xaxis or ax.yaxis) in short money."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: money(v)))


def percent_axis(axis, decimals: int = 0) -> None:
    """Format an axis holding fractions as percents."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: percent(v, decimals)))


def get_ax(ax: Axes | None) -> Axes:
    """The given axes, or the current ones."""
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.gca()
