"""Small helpers shared by the `kamlab.apa` modules: fast id -> position lookups (their HTML reprs are
`kamlab.format`'s report tables)."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from kamlab.data import DataError


def _arrow(values: pd.Series):
    """The column as a pyarrow string array when pandas stores it as one (its default "str"), else None."""
    dtype = values.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and dtype.kind in ("O", "U"))
    if not arrow_backed:
        return None
    import pyarrow as pa

    arr = values.array.__arrow_array__()
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def _codes(values: pd.Series, index: pd.Index, what: str) -> np.ndarray:
    """Positions of `values` in `index`, in one hashing pass over the big column: pyarrow's index_in
    for Arrow-backed strings (it releases the GIL, so columns run in parallel threads), else
    factorize the column and look up only its uniques."""
    arr = _arrow(values)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        keys = pa.array(index.to_numpy(dtype=object), type=arr.type, from_pandas=True)
        found = pc.index_in(arr, value_set=keys)
        pos = pc.fill_null(found, -1).to_numpy().astype(np.int64, copy=False) if len(arr) else np.zeros(0, np.int64)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        pos = index.get_indexer(uniques)[codes] if len(uniques) else np.full(len(codes), -1)
    if (pos < 0).any():
        bad = pd.unique(values[pos < 0].astype(object).to_numpy())[:5]
        raise DataError(f"{what}: unknown or empty ids {', '.join(map(str, bad))}; every id must appear in its "
                        "master table (add the missing rows there or drop these lines)")
    return pos


def _all_codes(jobs) -> list[np.ndarray]:
    """`_codes` for several (values, index, what) at once, in threads when the columns are large."""
    if sum(len(v) for v, _, _ in jobs) < 1_000_000:
        return [_codes(*job) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda job: _codes(*job), jobs))


def _days(series: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (NaT -> a very negative number, checked by the caller)."""
    return series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _period_ordinals(series: pd.Series, period: str) -> np.ndarray:
    months = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "Q" else months // 12
