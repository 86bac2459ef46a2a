"""Grade a folder of submissions: run each in its own sandbox, in parallel, and score it outside.

`grade(submissions, assignment="ex02", out="grades")` runs the solution once with the assignment's
hidden parameters (a data seed the participants never saw) to get the expected answers, runs every
submission with the same hidden parameters in its own subprocess, kernel and temporary directory
(`kamlab.grading.execute`), scores the answers in this process (`kamlab.grading.checks`), merges the
instructor's manual scores for written answers, and writes the gradebook, the feedback and a summary.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from kamlab.data import DataError
from kamlab.grading import authoring, checks
from kamlab.grading.execute import Execution, Limits, execute

__all__ = ["QuestionResult", "StudentResult", "GradeReport", "Submission", "grade", "find_solution",
           "expected_answers", "score", "solutions_folder", "find_submissions", "read_times", "parse_deadline"]


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
    notes: tuple[str, ...] = ()  # duplicates set aside, id collisions, missing submission times

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
                     execution: Execution | None = None, *, sandbox: bool = True, hide=()) -> dict:
    """The decoded answers of the solution under `parameters` (run once per process and cached in memory:
    the expected answers are never written anywhere)."""
    key = (str(solution.resolve()), hashlib.sha256(solution.read_bytes()).hexdigest(),
           json.dumps(parameters, sort_keys=True))
    if key not in _EXPECTED:
        run = execution or execute(solution, parameters=parameters, names=spec.names, limits=limits,
                                   sandbox=sandbox, hide=hide)
        values, problems = {}, []
        for a in spec.answers:
            raw = run.answers.get(a.name, {})
            if "value" not in raw:
                problems.append(f"{a.name}: {raw.get('error', 'not defined')}")
            else:
                try:
                    values[a.name] = checks.decode(raw["value"])
                except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                    problems.append(f"{a.name}: not plain data")
                    continue
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
    if run.status == "out of memory":
        return "not defined: the notebook's processes used more memory than allowed and were stopped"
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
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, IndexError):
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


def _parse_time(text) -> datetime | None:
    """An ISO date-time WITH a timezone (Z or +01:00), else None."""
    if not text:
        return None
    try:
        t = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None


def parse_deadline(text: str | None) -> datetime | None:
    """The deadline as an aware date-time; a deadline without a timezone is an error, never read as UTC.

    Examples
    --------
    >>> parse_deadline("2026-03-01T23:59:00+01:00").isoformat()
    '2026-03-01T23:59:00+01:00'
    """
    if not text:
        return None
    t = _parse_time(text)
    if t is None:
        raise DataError(f"--deadline {text!r} is not an ISO date-time with a timezone, such as "
                        "2026-03-01T23:59:00+01:00 or 2026-03-01T22:59:00Z")
    return t


def read_times(path: str | Path) -> dict[str, datetime]:
    """Submission times exported by the course platform: a CSV with ``student_id`` and ``submitted_at``
    (ISO date-time with a timezone). Every line is checked; ids are normalised as file names are."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"times file {path} does not exist")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("student_id", "submitted_at") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: missing columns {missing}; the columns are student_id, submitted_at")
        times = {}
        for line, row in enumerate(reader, start=2):
            sid = normalise_id(row.get("student_id") or "")
            when = _parse_time(row.get("submitted_at"))
            if not sid or when is None:
                raise DataError(f"{path} line {line}: needs a student_id and a submitted_at with a timezone "
                                f"(e.g. 2026-03-01T23:59:00+01:00), got {row.get('submitted_at')!r}")
            if sid in times and times[sid] != when:
                times[sid] = max(times[sid], when)  # several uploads: the last one is the one graded
            else:
                times[sid] = when
    return times


_DUPLICATE = re.compile(r"^(?P<base>.*?)\s*\((?P<n>\d{1,3})\)$")


def normalise_id(text: str) -> str:
    """A student id from a file name or a roster: Unicode NFC (one form for accented letters), spaces
    collapsed, trimmed.

    Examples
    --------
    >>> normalise_id("zoe\\u0301  m ") == normalise_id("zo\\u00e9 m")
    True
    """
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def collision_key(student_id: str) -> str:
    """Ids that would share a feedback file name or look alike (case, accents, space vs underscore)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", student_id) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain.casefold()).strip("_")


@dataclass(frozen=True)
class Submission:
    """One student's notebook chosen for grading, and the uploads set aside for it."""

    student_id: str
    path: Path
    superseded: tuple[Path, ...] = ()


def find_submissions(path: str | Path) -> tuple[list[Submission], list[str]]:
    """The notebooks to grade and notes on what was decided (the rules are stated in the notes).

    - any ``.ipynb`` suffix counts, whatever its case (``ada.IPYNB``);
    - the id is the file name without the suffix, normalised (`normalise_id`);
    - a re-upload that the platform renamed ``name (1)``, ``name (2)`` belongs to ``name``: the highest
      number is the latest upload and is graded, the others are listed as set aside;
    - two ids that differ only by case, accents or punctuation are graded separately but reported.
    """
    path = Path(path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".ipynb" and p.is_file()
                       and not p.name.startswith("."))
    else:
        raise DataError(f"{path} is neither a notebook nor a folder of notebooks")
    if not files:
        raise DataError(f"{path} holds no .ipynb submissions")
    groups: dict[str, list[tuple[int, Path]]] = {}
    for f in files:
        stem = normalise_id(f.name[: -len(f.suffix)])
        m = _DUPLICATE.match(stem)
        base, n = (normalise_id(m["base"]), int(m["n"])) if m and m["base"] else (stem, 0)
        groups.setdefault(base, []).append((n, f))
    notes, subs = [], []
    for sid, uploads in sorted(groups.items()):
        uploads.sort(key=lambda t: (t[0], t[1].name))
        chosen = uploads[-1][1]
        rest = tuple(p for _, p in uploads[:-1])
        if rest:
            notes.append(f"{sid}: {len(uploads)} uploads; graded {chosen.name} (the highest '(n)' is the "
                         f"latest), set aside {', '.join(p.name for p in rest)}")
        subs.append(Submission(sid, chosen, rest))
    keys: dict[str, list[str]] = {}
    for s in subs:
        keys.setdefault(collision_key(s.student_id), []).append(s.student_id)
    for ids in keys.values():
        if len(ids) > 1:
            notes.append(f"ids that look alike, graded separately (check they are different students): "
                         f"{', '.join(repr(i) for i in ids)}")
    return subs, notes


def _limits(spec: authoring.Spec, **overrides) -> Limits:
    known = set(Limits.__dataclass_fields__)
    base = {**Limits().__dict__, **{k: v for k, v in spec.limits.items() if k in known},
            **{k: v for k, v in overrides.items() if v is not None}}
    return Limits(**base)


def _crashed(sub: Submission, spec: authoring.Spec, err: BaseException) -> StudentResult:
    reason = f"{sub.path.name}: the grader could not handle it ({type(err).__name__}: {str(err)[:200]})"
    questions = tuple(QuestionResult(a.name, 0.0, a.points, "not graded: " + reason) for a in spec.answers)
    questions += tuple(QuestionResult(w.name, None, w.points, "written answer: awaiting the instructor's score",
                                      manual=True) for w in spec.written)
    return StudentResult(sub.student_id, "crashed", reason, questions)


def _one(sub: Submission, spec, expected, run: Execution, deadline_at, times) -> StudentResult:
    late, stamped = False, None
    if deadline_at is not None:
        when = times.get(sub.student_id)
        late = when is None or when > deadline_at
        stamped = when.isoformat() if when else None
    detail = f"{sub.path.name}: {run.detail}" if run.detail else ""
    return StudentResult(sub.student_id, run.status, detail, score(spec, expected, run), late=late,
                         submitted_at=stamped, written=written_answers(sub.path, spec))


_OUTPUTS = ("gradebook.csv", "details.csv", "summary.csv", "summary.html", "summary.png", "written.html")


def grade(submissions: str | Path, *, assignment: str | None = None, solution: str | Path | None = None,
          out: str | Path = "grades", workers: int = 2, deadline: str | None = None, times: str | Path | None = None,
          manual_scores: str | Path | None = None, hidden_parameters: dict | None = None,
          cell_timeout: float | None = None, timeout: float | None = None, memory_mb: int | None = None,
          solutions: str | Path | None = None, roster: str | Path | None = None, lms: str | None = None,
          lms_column: str | None = None, sandbox: bool = True, progress: bool = True) -> GradeReport:
    """Grade every ``*.ipynb`` in `submissions` against `assignment` and write the results to `out`.

    Writes ``gradebook.csv`` (a row per student, a column per question, total, max, late, status),
    ``details.csv`` (one row per student and question with the message), ``feedback/<student>.html``,
    ``summary.csv``, ``summary.html`` and ``summary.png``, and ``written.html`` (every student's written
    answers, question by question, for the instructor to score). Manual scores for written answers come from
    `manual_scores` (default ``out/manual_scores.csv``, created as an empty template the first time
    and never overwritten); they are checked before any notebook runs. With `roster` and `lms`
    (canvas, moodle, blackboard) it also writes ``gradebook_<lms>.csv`` in that system's import format
    (`kamlab.grading.lms`).

    Every notebook, the solution's first and alone, runs in its own sandbox (`kamlab.grading.sandbox`);
    without one, grading is refused unless ``sandbox=False`` (CLI ``--unsafe-no-sandbox``). The late flag
    needs `times`, the platform's export of submission times (``student_id,submitted_at``), and a deadline
    with a timezone; nothing a student can edit (notebook metadata, file times) is read.

    `hidden_parameters` (CLI ``--hidden-seed``) overrides the solution's hidden seed: for a live course
    use a seed the participants cannot read in solutions/.
    """
    from kamlab.grading import feedback, gradebook
    from kamlab.grading import lms as lms_mod
    from kamlab.grading import sandbox as box

    if sandbox:
        box.available()  # refuse before anything runs
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
    deadline_at = parse_deadline(deadline)
    if deadline_at is not None and times is None:
        raise DataError("--deadline needs --times FILE: the submission times exported by your course platform "
                        "(student_id,submitted_at); notebook metadata and file times can be changed by students")
    stamps = read_times(times) if times is not None else {}
    subs, notes = find_submissions(submissions)
    out = Path(out)
    manual_path = Path(manual_scores) if manual_scores else out / "manual_scores.csv"
    manual = gradebook.read_manual_scores(manual_path, spec) if manual_path.exists() else None
    if manual_scores is not None and manual is None:
        raise DataError(f"manual scores file {manual_path} does not exist")
    roster_rows = lms_mod.read_roster(roster) if roster is not None else None
    if lms is not None:
        lms_mod.check_target(lms, roster_rows)
    out.mkdir(parents=True, exist_ok=True)
    for name in (*_OUTPUTS, *(f"gradebook_{t}.csv" for t in lms_mod.TARGETS)):
        (out / name).unlink(missing_ok=True)  # never leave a gradebook that looks current after a failure
    hide = sorted({str(solution.resolve().parent), str(Path(submissions).resolve()), str(out.resolve()),
                   str(Path.home()), *(str(Path(p).resolve()) for p in (solutions, times, manual_path, roster)
                                       if p is not None)})
    run_kw = {"parameters": params, "names": spec.names, "limits": limits, "sandbox": sandbox, "hide": hide}
    expected = expected_answers(solution, spec, params, limits, sandbox=sandbox, hide=hide)  # first, alone
    if deadline_at is not None:
        missing = [s.student_id for s in subs if s.student_id not in stamps]
        if missing:
            notes.append(f"no submission time in {Path(times).name} (counted late): {', '.join(missing)}")
    students = []
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        jobs = {pool.submit(execute, s.path, **run_kw): s for s in subs}
        done = as_completed(jobs)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(jobs), desc=f"grading {spec.assignment}", unit="notebook")
        for job in done:
            sub = jobs[job]
            try:
                students.append(_one(sub, spec, expected, job.result(), deadline_at, stamps))
            except Exception as err:  # one submission's trouble is that student's row, never the run's
                students.append(_crashed(sub, spec, err))
    if manual is None and manual_scores is None and spec.written:
        gradebook.write_manual_template(manual_path, [s.student_id for s in students], spec)
    if manual:
        students = gradebook.merge_manual(students, manual)
        known = {s.student_id for s in students}
        unknown = sorted({sid for sid, _ in manual if sid not in known})
        if unknown:
            notes.append(f"manual scores for ids with no submission (ignored): {', '.join(unknown)}")
    students = tuple(sorted(students, key=lambda s: s.student_id))
    if roster_rows is not None:
        stray = lms_mod.unmatched(students, roster_rows)
        if stray:
            notes.append(f"submissions not on the roster (not in the LMS file): {', '.join(stray)}")
        absent = [r.student_id for r in roster_rows if r.student_id not in {s.student_id for s in students}]
        if absent:
            notes.append(f"on the roster without a submission (0 points in the LMS file): {', '.join(absent)}")
    files = {"details": gradebook.write_details(out / "details.csv", students)}
    files["feedback"] = feedback.write_feedback(out / "feedback", students, spec)
    files.update(feedback.write_summary(out, students, spec, notes=notes))
    if spec.written:
        files["written"] = feedback.write_written(out / "written.html", students, spec)
    if lms is not None:
        files[f"gradebook_{lms}"] = lms_mod.write(lms, out / f"gradebook_{lms}.csv", students, spec, roster_rows,
                                                  column=lms_column)
    files["gradebook"] = gradebook.write_gradebook(out / "gradebook.csv", students, spec)  # last: complete
    return GradeReport(spec=spec, students=students, out=out, files=files, notes=tuple(notes))
