"""Benchmark: what the sandbox costs. 30 submissions with 2 workers, sandboxed, against the same run
unsandboxed and against 30 x (one submission alone, sandboxed) / 2, all in the same run.

    .venv/bin/python benchmarks/bench_grading.py [--assignment ex00|ex03] [--rounds 1] [--n 30]

The 30 submissions are a mix of correct, partial and broken notebooks made from the assignment's
solution. Each round times, alternating: (a) three submissions (one of each kind) executed alone in a
sandbox, one after the other; (b) `kamlab.grading.grade` on all 30 with --workers 2 in sandboxes;
(c) the same with ``sandbox=False``. The yardstick is 30 x median(one alone) / 2: perfect use of two
workers with no overhead. Targets: sandboxed / unsandboxed <= 1.2, sandboxed / yardstick <= 1.3.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kamlab.grading import authoring  # noqa: E402
from kamlab.grading.execute import execute  # noqa: E402
from kamlab.grading.grade import _limits, find_solution, grade  # noqa: E402

DEMO = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"


def _make(solution: Path, folder: Path, n: int) -> dict[str, Path]:
    """n submissions: a third correct, a third partial (answers overwritten), a third broken (raise)."""
    sol = nbformat.read(solution, as_version=4)
    spec = authoring.read_spec(sol)
    answer_cells = [i for i, c in enumerate(sol.cells) if "### BEGIN SOLUTION" in c.source]
    kinds = {}
    for k in range(n):
        nb = nbformat.read(solution, as_version=4)
        kind = ("correct", "partial", "broken")[k % 3]
        if kind == "partial":
            nb.cells[answer_cells[0]].source += f"\n{spec.answers[0].name} = None"
        elif kind == "broken":
            nb.cells[answer_cells[len(answer_cells) // 2]].source = "raise RuntimeError('broken')"
        path = folder / f"student{k:02d}_{kind}.ipynb"
        nbformat.write(nb, path)
        kinds.setdefault(kind, path)
    return kinds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="ex00", help="ex00 (the demo) or a course exercise, e.g. ex03")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    solution = DEMO if args.assignment == "ex00" else find_solution(args.assignment, ROOT / "solutions")
    spec = authoring.read_spec(nbformat.read(solution, as_version=4))
    limits = _limits(spec)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        kinds = _make(solution, subs, args.n)
        grade(subs / next(iter(kinds.values())).name, solution=solution, out=Path(tmp) / "warm", progress=False)
        singles, boxed, unboxed = [], [], []
        for r in range(args.rounds):
            for path in kinds.values():
                t = time.perf_counter()
                execute(path, parameters=spec.hidden_parameters, names=spec.names, limits=limits)
                singles.append(time.perf_counter() - t)
            for sandbox, times in ((True, boxed), (False, unboxed)):
                t = time.perf_counter()
                report = grade(subs, solution=solution, out=Path(tmp) / f"grades{r}{sandbox}", workers=2,
                               progress=False, sandbox=sandbox)
                times.append(time.perf_counter() - t)
                statuses = sorted({s.status for s in report.students})
            print(f"round {r + 1}: one alone {statistics.median(singles[-3:]):.2f} s (median of 3), "
                  f"{args.n} with 2 workers sandboxed {boxed[-1]:.2f} s, unsandboxed {unboxed[-1]:.2f} s", flush=True)
    one = statistics.median(singles)
    yardstick = args.n * one / 2
    sandboxed, plain = statistics.median(boxed), statistics.median(unboxed)
    load = os.getloadavg()
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assignment {spec.assignment}: {args.n} submissions (correct/partial/broken), statuses {statuses}")
    print(f"one submission alone, sandboxed (median): {one:.2f} s")
    print(f"yardstick {args.n} x one / 2:              {yardstick:.2f} s")
    print(f"grade --workers 2, sandboxed (median):    {sandboxed:.2f} s")
    print(f"grade --workers 2, unsandboxed (median):  {plain:.2f} s")
    print(f"ratio sandboxed / unsandboxed: {sandboxed / plain:.2f} (target <= 1.2)")
    print(f"ratio sandboxed / yardstick:   {sandboxed / yardstick:.2f} (target <= 1.3)")
    print(f"load average at the end: {load[0]:.1f} (2 cores); peak memory of the grader process: {peak_self:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
