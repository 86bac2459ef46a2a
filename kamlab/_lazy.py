"""kamlab's one lazy-import mechanism: scientific-python's `lazy_loader` pattern (SPEC 1), in house.

A package's ``__init__`` says which names live in which submodule::

    __getattr__, __dir__, __all__ = attach(__name__, submodules=[...], submod_attrs={"unit": ["name", ...]})

and a name is imported from its submodule the first time it is used. A Voila page pays for every module
its kernel imports (time to interactive, memory per kernel), so a page that shows one unit should not
import the other six.

`attach` has `lazy_loader.attach`'s signature and behaviour, so ``import lazy_loader as lazy; lazy.attach``
could replace it line for line. It is kept in house because it is twenty lines and adds one rule
lazy_loader leaves to its users: a re-exported name never equals a submodule's name. The import system
sets a submodule as an attribute of its package when it is first imported (``import kamlab.grading.grade``
did, in the command line), so such a name is the function on one access and the module on the next.

`kamlab.apa` keeps plain imports: its concept modules beyond `pnl` cost 10 to 30 ms together (self
times of ``python -X importtime -c "import kamlab.apa"``, five runs on a busy 2-core machine), against
0.5 to 1.5 s for pandas, which every one of them needs; a page that uses one uses `pnl` anyway.
"""
from __future__ import annotations

import importlib

__all__ = ["attach", "lazy_namespace"]


def attach(package_name: str, submodules=None, submod_attrs=None):
    """`(__getattr__, __dir__, __all__)` for a package whose `submodules` load, and whose
    ``submod_attrs[unit]`` names are imported from ``package_name.unit``, on first use.

    Examples
    --------
    >>> getattr_, dir_, all_ = attach("json", submodules=["decoder"], submod_attrs={"decoder": ["JSONDecodeError"]})
    >>> getattr_("JSONDecodeError").__name__, getattr_("decoder").__name__, all_
    ('JSONDecodeError', 'json.decoder', ['JSONDecodeError', 'decoder'])
    >>> attach("json", submodules=["decoder"], submod_attrs={"decoder": ["decoder"]})
    Traceback (most recent call last):
    ...
    ValueError: json: 'decoder' is both a submodule and a name re-exported from one; rename the export
    """
    submodules = set(submodules or ())
    where = {name: unit for unit, names in (submod_attrs or {}).items() for name in names}
    clash = sorted(submodules & set(where) | {n for n, unit in where.items() if n == unit})
    if clash:
        raise ValueError(f"{package_name}: {clash[0]!r} is both a submodule and a name re-exported from one; "
                         f"rename the export")
    names = sorted(submodules | set(where))

    def __getattr__(name: str):
        if name in submodules:
            return importlib.import_module(f"{package_name}.{name}")
        if name in where:
            return getattr(importlib.import_module(f"{package_name}.{where[name]}"), name)
        raise AttributeError(f"module {package_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, list(names)


def lazy_namespace(package: str, exports: dict[str, tuple[str, ...]]):
    """`attach` for a package whose every submodule is listed in `exports`; `__all__` is the names only.

    Kept so that `kamlab.plots` and `kamlab.widgets` (and branches written against this name) need no
    change; new code calls `attach`.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_namespace("json", {"decoder": ("JSONDecodeError",)})
    >>> getattr_("JSONDecodeError").__name__, all_
    ('JSONDecodeError', ['JSONDecodeError'])
    """
    getattr_, dir_, _ = attach(package, submodules=exports, submod_attrs=exports)
    return getattr_, dir_, sorted({name for names in exports.values() for name in names})
