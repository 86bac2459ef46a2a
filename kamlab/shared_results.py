"""Results shared by everything a page shows: each P&L, leak list or feature table computed once.

A page's outputs and panels all ask for the same derived tables of the dataset the page shows, and a
scenario switch asks for all of them at once: unit 07 computed the account P&L 18 times per switch, and on
an imported export of 4,000 customers a switch took 4-6 s of pure recomputation. A dataset passed to
`share` (the page state does so for every dataset it shows, and never edits one) gets one computation per
`@shared` function and arguments, for as long as the dataset lives. Any other dataset (JupyterLab work,
the grader, the tests) is computed afresh on every call, so a participant who edits a table in place never
sees a stale result.

Results are handed out as shallow copies: under pandas' copy-on-write, a caller that adds a column or
edits a value changes its own copy only.
"""
from __future__ import annotations

import copy
import functools
import weakref
from typing import Callable, TypeVar

__all__ = ["share", "shared"]

F = TypeVar("F", bound=Callable)
_results: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def share(ds):
    """Share `@shared` results for `ds` from now on (its owner promises not to edit its tables); `ds`.

    Examples
    --------
    >>> class Data: pass
    >>> calls = []
    >>> @shared
    ... def size(ds, k=1):
    ...     calls.append(k)
    ...     return [k]
    >>> ds = share(Data())
    >>> size(ds), size(ds), size(ds, k=2), size(Data())
    ([1], [1], [2], [1])
    >>> calls
    [1, 2, 1]
    """
    _results.setdefault(ds, {})
    return ds


def _copy(result):
    import pandas as pd

    if isinstance(result, (pd.DataFrame, pd.Series)):
        return result.copy(deep=False)  # copy-on-write: the caller's edits stay in its copy
    return copy.copy(result)


def shared(fn: F) -> F:
    """Decorate `fn(ds, *args, **kwargs)`: one computation per arguments for a dataset given to `share`."""

    @functools.wraps(fn)
    def wrapper(ds, *args, **kwargs):
        try:
            results = _results.get(ds)
            key = (args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:  # an unhashable argument (a rules dict): compute, do not share
            results = None
        if results is None:
            return fn(ds, *args, **kwargs)
        mine = results.setdefault(f"{fn.__module__}.{fn.__qualname__}", {})
        if key not in mine:
            mine[key] = fn(ds, *args, **kwargs)
        return _copy(mine[key])

    return wrapper  # type: ignore[return-value]
