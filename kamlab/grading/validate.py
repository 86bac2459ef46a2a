"""Validate the exercises: every solution earns full marks, every untouched exercise zero, no crash.

For each assignment four runs go through the same sandbox as real submissions, in parallel: the
solution under the hidden parameters (expected answers), the solution again as a submission (full
marks, so it is deterministic), the untouched exercise (zero, status ok, no cell errors), and the
solution under the public parameters (every answer must differ from the hidden one, or a participant
could hard-code it). Before any run, every written question must have a mark scheme
(`kamlab.grading.authoring.mark_scheme_problems`); an assignment without one fails at once, unrun.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

from kamlab.grading import authoring, checks
from kamlab.grading.execute import execute
from kamlab.grading.grade import _limits, _read_notebook_meta, expected_answers, score, solutions_folder

__all__ = ["AssignmentCheck", "ValidationReport", "validate"]


@dataclass(frozen=True)
class AssignmentCheck:
    """The validation of one assignment; `problems` is empty when it is fine."""

    assignment: str
    solution_points: float
    exercise_points: float
    max_points: float
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ValidationReport:
    """One `AssignmentCheck` per assignment."""

    checks: tuple[AssignmentCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def __str__(self) -> str:
        lines = []
        for c in self.checks:
            lines.append(f"{c.assignment}: solution {c.solution_points:g}/{c.max_points:g}, untouched exercise "
                         f"{c.exercise_points:g}/{c.max_points:g}: {'ok' if c.ok else 'FAILED'}")
            lines += [f"  - {p}" for p in c.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{escape(str(self))}</pre>"


def _auto_total(results) -> float:
    return round(sum(q.points or 0 for q in results if not q.manual), 2)


def validate(solutions: str | Path | None = None, exercises: str | Path | None = None, *,
             assignments=None, workers: int = 2, progress: bool = True) -> ValidationReport:
    """Run every solution and untouched exercise (see the module docstring) and report problems."""
    from kamlab.grading.sandbox import SandboxUnavailable, available

    try:  # validate runs only the instructor's own notebooks: sandboxed where possible, never refused
        sandbox = bool(available())
    except SandboxUnavailable:
        sandbox = False
    solutions = Path(solutions) if solutions is not None else solutions_folder()
    exercises = Path(exercises) if exercises is not None else solutions.parent / "exercises"
    items, unrun = [], {}
    for path in sorted(solutions.glob("ex*.ipynb")):
        nb = _read_notebook_meta(path)
        spec = authoring.read_spec(nb)
        if assignments and spec.assignment not in assignments:
            continue
        problems = authoring.mark_scheme_problems(nb)
        if problems:  # the written part is broken as authored: say so now, before minutes of runs
            unrun[spec.assignment] = AssignmentCheck(
                spec.assignment, 0, 0, round(sum(a.points for a in spec.answers), 2),
                tuple(f"{path.name}: {p}" for p in problems) + ("its notebooks were not run: fix this first",))
            continue
        items.append((path, exercises / path.name, spec))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = []
        for sol, ex, spec in items:
            limits = _limits(spec)
            hidden, names = spec.hidden_parameters, spec.names
            futures.append({
                "expected": pool.submit(execute, sol, parameters=hidden, names=names, limits=limits, sandbox=sandbox),
                "solution": pool.submit(execute, sol, parameters=hidden, names=names, limits=limits, sandbox=sandbox),
                "exercise": pool.submit(execute, ex, parameters=hidden, names=names, limits=limits, sandbox=sandbox)
                if ex.exists() else None,
                "public": pool.submit(execute, sol, parameters={}, names=names, limits=limits, sandbox=sandbox),
            })
        it = zip(items, futures)
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(list(it), desc="validating", unit="assignment")
        report = [_check(sol, spec, runs) for (sol, _, spec), runs in it]
    report += unrun.values()
    return ValidationReport(tuple(sorted(report, key=lambda c: c.assignment)))


def _check(sol: Path, spec: authoring.Spec, runs: dict) -> AssignmentCheck:
    problems = []
    auto_max = round(sum(a.points for a in spec.answers), 2)
    try:
        expected = expected_answers(sol, spec, spec.hidden_parameters, _limits(spec),
                                    execution=runs["expected"].result())  # (already run: no sandbox needed)
    except ValueError as err:
        return AssignmentCheck(spec.assignment, 0, 0, auto_max, (str(err),))
    solution = runs["solution"].result()
    sol_points = _auto_total(score(spec, expected, solution))
    if sol_points != auto_max:
        problems.append(f"the solution earns {sol_points:g} of {auto_max:g} on a second run "
                        f"(status {solution.status}); is it deterministic?")
    if solution.errors:
        problems.append(f"the solution raises in cells {[e[0] for e in solution.errors]}")
    ex_points = 0.0
    if runs["exercise"] is None:
        problems.append("the exercise is missing: run `kamlab assign`")
    else:
        exercise = runs["exercise"].result()
        ex_points = _auto_total(score(spec, expected, exercise))
        if ex_points != 0:
            problems.append(f"the untouched exercise earns {ex_points:g} points: an answer leaks out of "
                            "the solution markers")
        if exercise.status != "ok" or exercise.errors:
            problems.append(f"the untouched exercise does not run cleanly: {exercise.status} "
                            f"{exercise.detail}; errors in cells {[e[0] for e in exercise.errors]}")
    public = runs["public"].result()
    for a in spec.answers:
        raw = public.answers.get(a.name, {})
        if "value" in raw and checks.compare(expected[a.name], checks.decode(raw["value"]), a)[0] == 1.0:
            problems.append(f"{a.name} is the same under the public and the hidden parameters: "
                            "a typed-in answer would pass")
    return AssignmentCheck(spec.assignment, sol_points, ex_points, auto_max, tuple(problems))
