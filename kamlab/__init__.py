"""kamlab: the Key Account Profitability workbench.

    import kamlab as kl
    ds = kl.data.load_sample()
    pnl = kl.apa.account_pnl(ds)

Submodules load on first use, so `import kamlab` stays fast and never imports matplotlib or ipywidgets
until a plot or a panel is asked for.
"""
from __future__ import annotations

from kamlab._lazy import attach

__version__ = "0.2.0"

_SUBMODULES = (
    "schema", "data", "importer", "synth",                      # data
    "apa", "selection", "value", "allocation", "negotiation",    # domain maths
    "roleplay", "growth", "rationalization", "plan", "scenarios", "board", "export", "pricing",
    "format",                                                    # money, percent, labels, report tables
    "plots", "widgets", "app", "grading", "cli", "course",       # presentation and tools
)
__getattr__, __dir__, __all__ = attach(__name__, submodules=_SUBMODULES)
