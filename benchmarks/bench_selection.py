"""Benchmark: scoring 10,000 accounts on 15 criteria, and rank_stability (2,000 samples x 60 accounts).

Each is timed against a yardstick in the same run, alternating: the bare numpy work of the same shape
(normalise, one matrix product, one sort). Prints medians, the ratio and peak memory.
Targets (issue 4): score under 50 ms; rank_stability under 2 s.

    .venv/bin/python benchmarks/bench_selection.py
"""
from __future__ import annotations

import resource
import statistics
import time

import numpy as np
import pandas as pd

from kamlab import selection


def _features(n: int, k: int, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    names = list(selection.CRITERIA)[:k]
    f = pd.DataFrame(rng.lognormal(10, 1, size=(n, k)), columns=names,
                     index=pd.Index([f"A{i:05d}" for i in range(n)], name="account_id"))
    return f, dict(zip(names, rng.dirichlet(np.ones(k))))


def _score_yardstick(f: pd.DataFrame, w: dict) -> np.ndarray:
    x = f[list(w)].to_numpy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    s = (10 * (x - lo) / (hi - lo)) @ np.fromiter(w.values(), float)
    return np.argsort(-s, kind="stable")


def _stability_yardstick(f: pd.DataFrame, w: dict, n_samples: int) -> np.ndarray:
    x = f[list(w)].to_numpy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    pts = 10 * (x - lo) / (hi - lo)
    samples = np.random.default_rng(0).dirichlet(50 * np.fromiter(w.values(), float), size=n_samples)
    return np.argsort(-(samples @ pts.T), axis=1, kind="stable")


def _alternate(thing, yardstick, repeats: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeats):
        for fn, out in ((thing, a), (yardstick, b)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def _panel() -> None:
    """The weight panel on the 60-account case: one slider move = rescore + table + matrix PNG."""
    import contextlib
    import io

    from matplotlib.figure import Figure

    from kamlab import synth, widgets

    fig = Figure(figsize=(7.5, 4.6), dpi=72)
    fig.add_subplot().scatter(np.arange(60), np.arange(60))
    moves = iter(np.tile([0.1, 0.3, 0.5], 100))
    with contextlib.redirect_stdout(io.StringIO()):  # no kernel here: display() would print
        panel = widgets.selection_panel(synth.generate(n_accounts=60, years=3), top_n=15)
        slider = panel.controls["revenue"]
        t, y = _alternate(lambda: setattr(slider, "value", float(next(moves))),
                          lambda: fig.savefig(io.BytesIO(), format="png"), 15)
    print(f"selection panel, 60 accounts, slider -> new table + matrix PNG: {t * 1e3:.1f} ms "
          f"(yardstick: one 60-point scatter to PNG {y * 1e3:.1f} ms, ratio {t / y:.1f}x; "
          f"target < 100 ms: {'OK' if t < 0.1 else 'MISSED'})")


def main() -> None:
    big, wb = _features(10_000, 15)
    small, ws = _features(60, 15, seed=1)
    selection.score(big, wb)  # warm-up
    t, y = _alternate(lambda: selection.score(big, wb), lambda: _score_yardstick(big, wb), 15)
    print(f"score + rank, 10,000 accounts x 15 criteria: {t * 1e3:.1f} ms "
          f"(yardstick numpy {y * 1e3:.1f} ms, ratio {t / y:.1f}x; target < 50 ms: {'OK' if t < 0.05 else 'MISSED'})")
    t, y = _alternate(lambda: selection.rank_stability(small, ws, top_n=15, n_samples=2000),
                      lambda: _stability_yardstick(small, ws, 2000), 7)
    print(f"rank_stability, 2,000 samples x 60 accounts: {t * 1e3:.1f} ms "
          f"(yardstick numpy {y * 1e3:.1f} ms, ratio {t / y:.1f}x; target < 2 s: {'OK' if t < 2 else 'MISSED'})")
    _panel()
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
