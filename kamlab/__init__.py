"""kamlab: the Key Account Profitability workbench.

    import kamlab as kl
    ds = kl.data.load_sample()
    pnl = kl.apa.account_pnl(ds)

Submodules load on first use, so `import kamlab` stays fast and never imports matplotlib or ipywidgets
until a plot or a panel is asked for.
"""
from __future__ import annotations

from kamlab._lazy import lazy_namespace

__version__ = "0.1.0"

_SUBMODULES = (
    "schema", "data", "importer", "synth",                      # data
    "apa", "selection", "value", "allocation", "negotiation",    # domain maths
    "roleplay", "growth", "rationalization", "plan", "scenarios", "board", "export",
    "format",                                                    # money, percent, labels, report tables
    "plots", "widgets", "app", "grading", "cli",                 # presentation and tools
)
__getattr__, __dir__, _ = lazy_namespace(__name__, {name: () for name in _SUBMODULES})
__all__ = list(_SUBMODULES)
