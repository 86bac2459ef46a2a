"""The gradebook: one CSV row per student, a column per question, written atomically; manual scores.

``gradebook.csv`` imports into an LMS gradebook: ``student_id``, one column per question (auto-graded
answers, then written answers, blank until the instructor scores them), ``total``, ``max``, ``late``
(yes/no) and ``status`` (ok, timeout, kernel died, crashed, invalid notebook). The instructor's scores
for written answers live in their own CSV (``student_id, question, points, comment``) that the grader
only ever reads, so a re-run never overwrites them.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from kamlab.data import DataError

__all__ = ["safe_cell", "write_atomic", "write_gradebook", "write_details", "read_manual_scores", "merge_manual",
           "write_manual_template", "fmt_points"]

MANUAL_COLUMNS = ("student_id", "question", "points", "comment")


def fmt_points(x) -> str:
    """Points as the gradebook writes them: blank for None, no trailing zeros.

    Examples
    --------
    >>> fmt_points(2.0), fmt_points(1.3333), fmt_points(None)
    ('2', '1.33', '')
    """
    if x is None:
        return ""
    return f"{round(float(x), 2):.2f}".rstrip("0").rstrip(".")


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to a temporary file beside `path`, then os.replace it: readers never see half a file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> write_atomic(pathlib.Path(tempfile.mkdtemp()) / "gradebook.csv", "student_id,total\\n").read_text()
    'student_id,total\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value):
    r"""A CSV cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe (OWASP's advice for CSV injection); numbers stay numbers.

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x")'), safe_cell("-1.5"), safe_cell("amy"), safe_cell(3)
    ('\'=HYPERLINK("http://x")', '-1.5', 'amy', 3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA) and not _NUMBER.match(value):
        return "'" + value
    return value


def _csv(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([safe_cell(c) for c in row] for row in rows)
    return buf.getvalue()


def write_gradebook(path, students, spec) -> Path:
    """Write gradebook.csv (see the module docstring) atomically."""
    names = [a.name for a in spec.answers] + [w.name for w in spec.written]
    rows = [["student_id", *names, "total", "max", "late", "status"]]
    for s in students:
        by = {q.name: q for q in s.questions}
        rows.append([s.student_id, *(fmt_points(by[n].points) for n in names), fmt_points(s.total),
                     fmt_points(s.max_points), "yes" if s.late else "no", s.status])
    return write_atomic(path, _csv(rows))


def write_details(path, students) -> Path:
    """Write details.csv: one row per student and question with points, max and the message."""
    rows = [["student_id", "question", "points", "max_points", "message"]]
    for s in students:
        rows += [[s.student_id, q.name, fmt_points(q.points), fmt_points(q.max_points), q.message]
                 for q in s.questions]
    return write_atomic(path, _csv(rows))


def write_manual_template(path, student_ids, spec) -> Path:
    """An empty manual-score sheet: one row per student and written question, points to fill in."""
    rows = [list(MANUAL_COLUMNS)] + [[sid, w.name, "", ""] for sid in sorted(student_ids) for w in spec.written]
    return write_atomic(path, _csv(rows))


def read_manual_scores(path, spec) -> dict:
    """Read the instructor's scores: {(student_id, question): (points, comment)}; blank points are skipped.

    A question may be a written answer or an auto-graded one (a manual regrade overrides the grader).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"manual scores file {path} does not exist")
    try:
        return _read_manual(path, spec)
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path} is not a UTF-8 CSV file with the columns {', '.join(MANUAL_COLUMNS)} ({err})") from None


def _read_manual(path: Path, spec) -> dict:
    maxima = {a.name: a.points for a in spec.answers} | {w.name: w.points for w in spec.written}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in MANUAL_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: missing columns {missing}; the columns are {', '.join(MANUAL_COLUMNS)}")
        scores = {}
        for line, row in enumerate(reader, start=2):
            points = (row.get("points") or "").strip()
            if not points:
                continue
            question = (row.get("question") or "").strip()
            if question not in maxima:
                raise DataError(f"{path} line {line}: unknown question {question!r}; use one of {sorted(maxima)}")
            try:
                value = float(points)
            except ValueError:
                raise DataError(f"{path} line {line}: points {points!r} is not a number") from None
            if not 0 <= value <= maxima[question]:
                raise DataError(f"{path} line {line}: {value:g} points for {question} is outside 0..{maxima[question]:g}")
            sid = " ".join(unicodedata.normalize("NFC", row.get("student_id") or "").split())
            if not sid:
                raise DataError(f"{path} line {line}: no student_id")
            scores[(sid, question)] = (value, (row.get("comment") or "").strip())
    return scores


def merge_manual(students, scores: dict):
    """Students with the instructor's scores put in (they override the grader for that question)."""
    merged = []
    for s in students:
        questions = []
        for q in s.questions:
            if (s.student_id, q.name) in scores:
                points, comment = scores[(s.student_id, q.name)]
                questions.append(replace(q, points=points, manual=True,
                                         message=f"scored by the instructor{': ' + comment if comment else ''}"))
            else:
                questions.append(q)
        merged.append(replace(s, questions=tuple(questions)))
    return merged
