"""Benchmark: generate an ERP-sized company with kamlab.synth.

10,000 accounts, 10 million order lines and 1 million activities over three years. The yardstick, timed
alternately in the same run, is drawing as many raw uniform random numbers with numpy as the data set
has cells (rows x columns over all tables): the least any generator of that much data has to do.

    .venv/bin/python benchmarks/bench_synth.py [--repeat 3] [--lines 10000000]

Prints the medians, their ratio, peak memory (ru_maxrss) and the in-memory size of the frames.
"""
from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time

import numpy as np

from kamlab import synth


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--activities", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    def make():
        return synth.generate(n_accounts=args.accounts, years=3, seed=synth.DEFAULT_SEED,
                              n_order_lines=args.lines, n_activities=args.activities)

    base = _peak_mib()
    t, cpu = time.perf_counter(), time.process_time()
    ds = make()                                           # first run: imports, and the memory figures
    first, first_cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = _peak_mib()
    sizes = {name: table.memory_usage(deep=True).sum() / 2**20 for name, table in ds.tables().items()}
    cells = sum(table.size for table in ds.tables().values())
    shapes = {name: table.shape for name, table in ds.tables().items()}
    del ds
    gc.collect()

    gen, raw, gen_cpu, raw_cpu = [], [], [], []
    for _ in range(args.repeat):                          # alternate the thing and its yardstick
        t, cpu = time.perf_counter(), time.process_time()
        ds = make()
        gen.append(time.perf_counter() - t)
        gen_cpu.append(time.process_time() - cpu)
        del ds
        gc.collect()
        t, cpu = time.perf_counter(), time.process_time()
        x = np.random.default_rng().random(cells)
        raw.append(time.perf_counter() - t)
        raw_cpu.append(time.process_time() - cpu)
        del x
        gc.collect()

    g, r = statistics.median(gen), statistics.median(raw)
    gc_, rc = statistics.median(gen_cpu), statistics.median(raw_cpu)
    frames = sum(sizes.values())
    print(f"kamlab.synth.generate: {args.accounts:,} accounts, {args.lines:,} order lines, "
          f"{args.activities:,} activities, 3 years")
    for name, shape in shapes.items():
        print(f"  {name:15s} {shape[0]:>12,} rows x {shape[1]:>2} cols  {sizes[name]:9.1f} MiB")
    print(f"cells: {cells:,}; frames in memory: {frames:,.0f} MiB")
    print(f"first run (with imports): {first:.2f} s wall, {first_cpu:.2f} s CPU")
    print(f"generate median of {args.repeat}: {g:.2f} s   (runs: {', '.join(f'{v:.2f}' for v in gen)})")
    print(f"yardstick, rng.random({cells:,}) median: {r:.2f} s   "
          f"(runs: {', '.join(f'{v:.2f}' for v in raw)})")
    print(f"ratio generate / yardstick: {g / r:.1f}x wall; CPU time (steadier on a shared machine): "
          f"{gc_:.2f} s vs {rc:.2f} s, {gc_ / rc:.1f}x")
    print(f"peak RSS (ru_maxrss) after the first generate: {peak:,.0f} MiB ({peak - base:,.0f} MiB above "
          f"the start, {peak / frames:.2f}x the frames); over the whole run: {_peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
