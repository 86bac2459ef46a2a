"""Gradebooks an LMS imports: Canvas, Moodle and Blackboard, from the grades and the course roster.

``kamlab grade ... --roster roster.csv --lms canvas|moodle|blackboard`` writes ``gradebook_<lms>.csv``
beside the plain ``gradebook.csv`` (which stays the default). The roster is the class list exported from
the LMS, one row per enrolled student::

    student_id,name,canvas_id,sis_user_id,sis_login_id,section,username,email,idnumber

``student_id`` matches the submission's file name (normalised as the grader does); ``name`` is
"Last, First" (Canvas' Student column); the other columns are needed only by the LMS that uses them.
Every roster student gets a row: one who submitted nothing gets 0 points. Submissions with no roster row
are listed in the summary, never imported. Every text cell that starts with ``=``, ``+``, ``-`` or ``@``
is neutralised (`kamlab.grading.gradebook.safe_cell`).

The formats, as each system documents its import:

- **Canvas** (Grades > Import): the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment; an optional second row whose first cell is
  ``Points Possible`` gives the maximum. A student is matched by ID, SIS User ID or SIS Login ID, so each
  roster row needs one of them. Canvas does not import comments, so the file carries the score only.
- **Moodle** (Grades > Import > CSV file): one column that identifies the user (``username``, ``email``
  or ``idnumber``, mapped in the "Identify user by" step), one numeric column per grade item and an
  optional feedback column mapped to the item's feedback. Status and late flag are not grades: they go
  into the feedback text.
- **Blackboard** (Grade Center > Work Offline > Upload): students are matched by ``Username``; a grade
  column is matched by its Column ID at the end of the header (``Exercise 2 [Total Pts: 11 Score] |123456``);
  a header without an id creates a new (text) column. Give the id with ``--lms-column``.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kamlab.data import DataError
from kamlab.grading.gradebook import _csv, fmt_points, safe_cell, write_atomic

__all__ = ["TARGETS", "RosterRow", "read_roster", "check_target", "rows", "write", "unmatched"]

TARGETS = ("canvas", "moodle", "blackboard")
_COLUMNS = ("student_id", "name", "canvas_id", "sis_user_id", "sis_login_id", "section", "username", "email",
            "idnumber")
MOODLE_IDS = ("username", "email", "idnumber")


@dataclass(frozen=True)
class RosterRow:
    """One enrolled student as the LMS knows them."""

    student_id: str
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    username: str = ""
    email: str = ""
    idnumber: str = ""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split())


def read_roster(path: str | Path) -> tuple[RosterRow, ...]:
    """Read and check the roster CSV (see the module docstring); unknown columns are ignored."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"roster {path} does not exist")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [(c or "").strip() for c in reader.fieldnames or []]
            if "student_id" not in fields:
                raise DataError(f"{path}: no student_id column; the roster's columns are {', '.join(_COLUMNS)}")
            reader.fieldnames = fields
            out, seen = [], {}
            for line, row in enumerate(reader, start=2):
                values = {c: _norm(row.get(c) or "") for c in _COLUMNS}
                if not values["student_id"]:
                    raise DataError(f"{path} line {line}: no student_id")
                if values["student_id"] in seen:
                    raise DataError(f"{path} line {line}: student_id {values['student_id']!r} is also on line "
                                    f"{seen[values['student_id']]}")
                seen[values["student_id"]] = line
                out.append(RosterRow(**values))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path} is not a UTF-8 CSV file ({err})") from None
    if not out:
        raise DataError(f"{path} lists no students")
    return tuple(out)


def check_target(target: str, roster) -> None:
    """Raise before grading when `target` is unknown or the roster lacks what that LMS matches on."""
    if target not in TARGETS:
        raise DataError(f"--lms {target!r}: use one of {', '.join(TARGETS)}")
    if roster is None:
        raise DataError(f"--lms {target} needs --roster FILE: the class list exported from {target.title()}")
    if target == "canvas":
        bad = [r.student_id for r in roster if not (r.canvas_id or r.sis_user_id or r.sis_login_id)]
        if bad:
            raise DataError(f"Canvas matches students by ID, SIS User ID or SIS Login ID; the roster has none "
                            f"for {', '.join(bad[:10])}")
    elif target == "moodle":
        _moodle_id(roster)
    elif target == "blackboard":
        bad = [r.student_id for r in roster if not r.username]
        if bad:
            raise DataError(f"Blackboard matches students by Username; the roster has none for {', '.join(bad[:10])}")


def _moodle_id(roster) -> str:
    for key in MOODLE_IDS:
        if all(getattr(r, key) for r in roster):
            return key
    raise DataError("Moodle identifies a user by username, email or idnumber: fill one of those roster "
                    "columns for every student")


def _feedback(student) -> str:
    if student is None:
        return "no submission"
    parts = [f"{q.name}: {fmt_points(q.points) or '-'}/{fmt_points(q.max_points)} {q.message}"
             for q in student.questions]
    if student.status != "ok":
        parts.insert(0, f"status: {student.status}")
    if student.late:
        parts.insert(0, "submitted after the deadline")
    return "; ".join(parts)


def _split_name(name: str) -> tuple[str, str]:
    if "," in name:
        last, first = name.split(",", 1)
        return last.strip(), first.strip()
    parts = name.rsplit(" ", 1)
    return (parts[-1], parts[0]) if len(parts) == 2 else (name, "")


def rows(target: str, students, spec, roster, *, column: str | None = None) -> list[list]:
    """The import file's rows (header first) for `target`; every roster student gets one."""
    by_id = {s.student_id: s for s in students}
    top = fmt_points(spec.max_points)
    item = column or f"{spec.assignment} {spec.title}".strip()
    if target == "canvas":
        out = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", item],
               ["Points Possible", "", "", "", "", top]]
        for r in roster:
            s = by_id.get(r.student_id)
            out.append([r.name or r.student_id, r.canvas_id, r.sis_user_id, r.sis_login_id, r.section,
                        fmt_points(s.total if s else 0)])
        return out
    if target == "moodle":
        key = _moodle_id(roster)
        out = [[key, item, f"{item} feedback"]]
        for r in roster:
            s = by_id.get(r.student_id)
            out.append([getattr(r, key), fmt_points(s.total if s else 0), _feedback(s)])
        return out
    if target == "blackboard":
        header = column or f"{spec.assignment} [Total Pts: {top} Score]"
        out = [["Last Name", "First Name", "Username", header]]
        for r in roster:
            s = by_id.get(r.student_id)
            last, first = _split_name(r.name)
            out.append([last, first, r.username, fmt_points(s.total if s else 0)])
        return out
    raise DataError(f"--lms {target!r}: use one of {', '.join(TARGETS)}")


def write(target: str, path, students, spec, roster, *, column: str | None = None) -> Path:
    """Write ``gradebook_<target>.csv`` atomically (UTF-8, comma-separated, every cell neutralised)."""
    table = [[safe_cell(c) for c in row] for row in rows(target, students, spec, roster, column=column)]
    if target != "blackboard":
        return write_atomic(path, _csv(table))
    buf = io.StringIO()  # Blackboard: "data in each column ... must be contained within a quote character"
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(table)
    return write_atomic(path, buf.getvalue())


def unmatched(students, roster) -> list[str]:
    """Ids of graded submissions that are not on the roster (they cannot be imported)."""
    known = {r.student_id for r in roster}
    return sorted(s.student_id for s in students if s.student_id not in known)
