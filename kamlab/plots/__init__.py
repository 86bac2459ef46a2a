"""Plots: `plot_*(results, *, ax=None, ...) -> Axes`, one submodule per course unit.

Every function takes already computed results, draws on the given axes (or the current ones) and
returns them. Nothing here calls `plt.show()`, makes a figure, or changes rcParams on import;
`set_style()` gives the house look to a notebook that asks for it.
"""
from __future__ import annotations

import importlib

_UNITS = ("style", "apa", "selection", "allocation", "negotiation", "growth", "rationalization")

__all__: list[str] = []
for _unit in _UNITS:
    _module = importlib.import_module(f"kamlab.plots.{_unit}")
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
    __all__ += _module.__all__
del _unit, _module, _name
