"""Lazy package namespaces: a name is imported from its submodule the first time it is used.

A Voila page pays for every module its kernel imports (time to interactive, memory per kernel), so a
page that shows one unit should not import the other six. Each package lists its names by submodule;
`tests/test_lazy.py` holds those lists equal to the submodules' `__all__`.
"""
from __future__ import annotations

import importlib


def lazy_namespace(package: str, exports: dict[str, tuple[str, ...]]):
    """`(__getattr__, __dir__, __all__)` for `package`, whose submodule `unit` defines `exports[unit]`.

    A submodule's own name (``kamlab.plots.apa``) resolves to the submodule.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_namespace("json", {"decoder": ("JSONDecodeError",)})
    >>> getattr_("JSONDecodeError").__name__, all_
    ('JSONDecodeError', ['JSONDecodeError'])
    """
    where = {name: unit for unit, names in exports.items() for name in names}

    def __getattr__(name: str):
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        if name in exports:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*where, *exports})

    return __getattr__, __dir__, list(where)
