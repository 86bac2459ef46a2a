"""Grade a folder of submissions: run each in its own sandbox, in parallel, and score it outside.

`grade(submissions, assignment="ex02", out="grades")` runs the solution once with the assignment's
hidden parameters (a data seed the participants never saw) to get the expected answers, runs every
submission with the same hidden parameters in its own subprocess, kernel and temporary directory
(`kamlab.grading.execute`), scores the answers in this process (`kamlab.grading.checks`), merges the
instructor's manual scores for written answers, and writes the gradebook, the feedback and a summary.
"""
from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from kamlab.data import DataError
from kamlab.grading import authoring, checks
from kamlab.grading.execute import Execution, Limits, execute

__all__ = ["QuestionResult", "StudentResult", "GradeReport", "grade", "find_solution", "expected_answers",
           "score", "solutions_folder"]


@dataclass(frozen=True)
class QuestionResult:
    """Points for one question and a message that never reveals the expected value."""

    name: str
    points: float | None
    max_points: float
    message: str
    manual: bool = False


@dataclass(frozen=True)
class StudentResult:
    """One student's row: their questions, status (ok, timeout, kernel died, ...) and late flag."""

    student_id: str
    status: str
    detail: str
    questions: tuple[QuestionResult, ...]
    late: bool = False
    submitted_at: str | None = None
    written: tuple = ()  # (name, the participant's text) for each written answer

    @property
    def total(self) -> float:
        return round(sum(q.points or 0.0 for q in self.questions), 2)

    @property
    def max_points(self) -> float:
        return round(sum(q.max_points for q in self.questions), 2)


@dataclass(frozen=True)
class GradeReport:
    """The outcome of `grade`: the spec, one `StudentResult` per submission, where files went."""

    spec: authoring.Spec
    students: tuple[StudentResult, ...]
    out: Path
    files: dict = field(default_factory=dict)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{escape(s.student_id)}</td><td>{s.total:g} / {s.max_points:g}</td>"
                       f"<td>{escape(s.status)}</td><td>{'late' if s.late else ''}</td></tr>"
                       for s in self.students)
        return (f"<b>{escape(self.spec.assignment)}</b>: {len(self.students)} submissions graded into "
                f"<code>{escape(str(self.out))}</code><table>{rows}</table>")


def solutions_folder() -> Path:
    """./solutions if it exists, else the repository's solutions/ beside the kamlab package."""
    here = Path.cwd() / "solutions"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "solutions"


def find_solution(assignment: str, solutions: str | Path | None = None) -> Path:
    """The solution notebook of `assignment` (``ex02`` finds ``solutions/ex02_*.ipynb``)."""
    folder = Path(solutions) if solutions is not None else solutions_folder()
    found = sorted(p for p in folder.glob("*.ipynb") if p.stem == assignment or p.stem.startswith(f"{assignment}_"))
    if len(found) != 1:
        have = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or "none"
        raise DataError(f"no single solution notebook for assignment {assignment!r} in {folder} "
                        f"(found {len(found)}; solutions there: {have})")
    return found[0]


def _read_notebook_meta(path: Path) -> dict:
    return json.loads(path.read_text())


_EXPECTED: dict = {}


def expected_answers(solution: Path, spec: authoring.Spec, parameters: dict, limits: Limits,
                     execution: Execution | None = None) -> dict:
    """The decoded answers of the solution under `parameters` (run once per process and cached)."""
    key = (str(solution.resolve()), hashlib.sha256(solution.read_bytes()).hexdigest(),
           json.dumps(parameters, sort_keys=True))
    if key not in _EXPECTED:
        run = execution or execute(solution, parameters=parameters, names=spec.names, limits=limits)
        values, problems = {}, []
        for a in spec.answers:
            raw = run.answers.get(a.name, {})
            if "value" not in raw:
                problems.append(f"{a.name}: {raw.get('error', 'not defined')}")
            else:
                values[a.name] = checks.decode(raw["value"])
                if values[a.name] is None:
                    problems.append(f"{a.name}: None")
        if problems:
            raise DataError(f"the solution {solution.name} did not give every answer under the hidden "
                            f"parameters (status {run.status} {run.detail}): {'; '.join(problems)}. "
                            f"Run it by hand with those parameters and fix it.")
        _EXPECTED[key] = values
    return _EXPECTED[key]


def _safe_ename(ename) -> str:
    """The exception class name only, digits masked (feedback never carries text the student chose)."""
    text = re.sub(r"[^A-Za-z_.#]", "", re.sub(r"\d", "#", str(ename or "Error")))[:40]
    return text or "Error"


def _missing_reason(name: str, run: Execution) -> str:
    for cell, ename, names in run.errors:
        if name in names and cell in run.timeouts:
            return f"not defined: cell {cell} ran past the time limit per cell and was interrupted"
        if name in names:
            return f"not defined: cell {cell} raised {_safe_ename(ename)}"
    if run.status == "invalid notebook":
        return "the file is not a valid notebook, so nothing could run"
    if run.status == "kernel died":
        return (f"not defined: the kernel died in cell {run.dead_cell} (the notebook ended its own process, "
                "was killed or ran out of memory)")
    if run.status == "timeout":
        return "not defined: the notebook ran past the time limit for the whole notebook"
    if run.timeouts:
        return f"not defined: cell {run.timeouts[0]} ran past the time limit per cell"
    if run.status == "crashed":
        return f"not defined: {run.detail}"
    return "not defined: no cell assigns this variable"


def score(spec: authoring.Spec, expected: dict, run: Execution) -> tuple[QuestionResult, ...]:
    """Score every auto-graded answer of one execution; written answers wait for manual scores."""
    results = []
    for a in spec.answers:
        raw = run.answers.get(a.name)
        if raw is None:
            results.append(QuestionResult(a.name, 0.0, a.points, _missing_reason(a.name, run)))
            continue
        if "value" not in raw:
            results.append(QuestionResult(a.name, 0.0, a.points, str(raw.get("error", "could not be read"))[:200]))
            continue
        try:
            got = checks.decode(raw["value"])
            fraction, message = checks.compare(expected[a.name], got, a)
        except (ValueError, TypeError, KeyError, AttributeError):
            fraction, message = 0.0, "the answer is not plain data"
        results.append(QuestionResult(a.name, round(fraction * a.points, 2), a.points, message))
    for w in spec.written:
        results.append(QuestionResult(w.name, None, w.points, "written answer: awaiting the instructor's score",
                                      manual=True))
    return tuple(results)


def written_answers(path: Path, spec: authoring.Spec) -> tuple:
    """The text of each written answer: the markdown cell tagged ``written:<name>`` and the markdown
    cells after it up to the next code cell (read as JSON only; nothing runs)."""
    names = [w.name for w in spec.written]
    if not names:
        return ()
    found = dict.fromkeys(names, "")
    try:
        if path.stat().st_size > 20_000_000:
            raise ValueError("too large")
        cells = json.loads(path.read_text(errors="replace"))["cells"]
        for i, cell in enumerate(cells):
            tags = cell.get("metadata", {}).get("tags", [])
            for name in names:
                if f"{authoring.WRITTEN_TAG}{name}" in tags:
                    parts = []
                    for c in cells[i:]:
                        if c is not cell and c.get("cell_type") != "markdown":
                            break
                        src = c.get("source", "")
                        parts.append("".join(src) if isinstance(src, list) else str(src))
                    found[name] = "\n\n".join(parts).strip()
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError):
        pass
    return tuple(found.items())


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _submitted_at(path: Path, run: Execution) -> datetime:
    stamped = _parse_time(run.submitted_at)
    return stamped or datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def _submissions(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"{path} is neither a notebook nor a folder of notebooks")
    found = sorted(p for p in path.glob("*.ipynb") if p.is_file())
    if not found:
        raise DataError(f"{path} holds no .ipynb submissions")
    return found


def _limits(spec: authoring.Spec, **overrides) -> Limits:
    base = {**Limits().__dict__, **spec.limits, **{k: v for k, v in overrides.items() if v is not None}}
    return Limits(**base)


def grade(submissions: str | Path, *, assignment: str | None = None, solution: str | Path | None = None,
          out: str | Path = "grades", workers: int = 2, deadline: str | None = None,
          manual_scores: str | Path | None = None, hidden_parameters: dict | None = None,
          cell_timeout: float | None = None, timeout: float | None = None, memory_mb: int | None = None,
          solutions: str | Path | None = None, progress: bool = True) -> GradeReport:
    """Grade every ``*.ipynb`` in `submissions` against `assignment` and write the results to `out`.

    Writes ``gradebook.csv`` (a row per student, a column per question, total, max, late, status),
    ``details.csv`` (one row per student and question with the message), ``feedback/<student>.html``,
    ``summary.csv``, ``summary.html`` and ``summary.png``, and ``written.html`` (every student's written
    answers, question by question, for the instructor to score). Manual scores for written answers come from
    `manual_scores` (default ``out/manual_scores.csv``, created as an empty template the first time
    and never overwritten).

    `hidden_parameters` (CLI ``--hidden-seed``) overrides the solution's hidden seed: for a live course
    use a seed the participants cannot read in solutions/. Jobs run in processes forked from a
    multiprocessing forkserver, so a script that calls `grade` needs the usual
    ``if __name__ == "__main__":`` guard (the CLI and notebooks need nothing).
    """
    from kamlab.grading import feedback, gradebook

    if solution is None:
        if assignment is None:
            raise DataError("say which assignment to grade: --assignment ex02")
        solution = find_solution(assignment, solutions)
    solution = Path(solution)
    spec = authoring.read_spec(_read_notebook_meta(solution))
    params = {**spec.hidden_parameters, **(hidden_parameters or {})}
    if not params:
        raise DataError(f"{solution.name} has no hidden_parameters: give it a hidden seed in metadata.kamlab")
    limits = _limits(spec, cell_timeout=cell_timeout, timeout=timeout, memory_mb=memory_mb)
    deadline_at = _parse_time(deadline)
    if deadline and deadline_at is None:
        raise DataError(f"--deadline {deadline!r} is not an ISO date-time such as 2026-03-01T23:59:00+01:00")
    paths = _submissions(Path(submissions))
    out = Path(out)

    runs: dict[str, Execution] = {}
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        key = (str(solution.resolve()), hashlib.sha256(solution.read_bytes()).hexdigest(),
               json.dumps(params, sort_keys=True))
        expected_job = None if key in _EXPECTED else pool.submit(
            execute, solution, parameters=params, names=spec.names, limits=limits)
        jobs = {pool.submit(execute, p, parameters=params, names=spec.names, limits=limits): p for p in paths}
        done = as_completed(jobs)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(jobs), desc=f"grading {spec.assignment}", unit="notebook")
        for job in done:
            runs[jobs[job].stem] = job.result()
        expected = expected_answers(solution, spec, params, limits,
                                    execution=expected_job.result() if expected_job else None)

    students = []
    for path in paths:
        run = runs[path.stem]
        late = bool(deadline_at and _submitted_at(path, run) > deadline_at)
        stamped = _submitted_at(path, run).isoformat() if deadline_at else None
        students.append(StudentResult(path.stem, run.status, run.detail, score(spec, expected, run),
                                      late=late, submitted_at=stamped, written=written_answers(path, spec)))
    out.mkdir(parents=True, exist_ok=True)
    manual_path = Path(manual_scores) if manual_scores else out / "manual_scores.csv"
    if manual_scores is None and not manual_path.exists() and spec.written:
        gradebook.write_manual_template(manual_path, [s.student_id for s in students], spec)
    if manual_path.exists():
        students = gradebook.merge_manual(students, gradebook.read_manual_scores(manual_path, spec))
    students = tuple(sorted(students, key=lambda s: s.student_id))
    files = {"gradebook": gradebook.write_gradebook(out / "gradebook.csv", students, spec),
             "details": gradebook.write_details(out / "details.csv", students)}
    files["feedback"] = feedback.write_feedback(out / "feedback", students, spec)
    files.update(feedback.write_summary(out, students, spec))
    if spec.written:
        files["written"] = feedback.write_written(out / "written.html", students, spec)
    return GradeReport(spec=spec, students=students, out=out, files=files)

