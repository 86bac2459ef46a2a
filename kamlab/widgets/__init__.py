"""Widget panels: `*_panel(...)` builders that wire controls to kamlab's domain and plot functions.

A panel returns a widget and never calls `display()`; its one `_update` reads every control, calls the
domain function, then the plot function, inside an `Output`. No domain logic lives here.
"""
from __future__ import annotations

import importlib

_UNITS = ("common", "apa", "selection", "allocation", "negotiation", "growth", "rationalization", "app")

__all__: list[str] = []
for _unit in _UNITS:
    _module = importlib.import_module(f"kamlab.widgets.{_unit}")
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
    __all__ += _module.__all__
del _unit, _module, _name
