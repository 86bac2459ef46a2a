"""LMS exports against the column rules each system documents for its gradebook import.

- Canvas (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, then the assignment
  columns; an optional "Points Possible" row second; students matched by ID / SIS User ID / SIS Login ID.
- Moodle (Grades > Import > CSV): one user-identifier column (username, email or idnumber), numeric grade
  columns, an optional feedback column; nothing else is a grade.
- Blackboard (Grade Center > Work Offline > Upload): students matched by Username, columns by the Column
  ID after ``|`` in the header; comma-delimited files have every value in quotes.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kamlab.data import DataError
from kamlab.grading import authoring, lms
from kamlab.grading.grade import QuestionResult, StudentResult

ROOT = Path(__file__).resolve().parent.parent
SPEC = authoring.read_spec(json.loads((ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb").read_text()))
ROSTER = ("student_id,name,canvas_id,sis_user_id,sis_login_id,section,username,email,idnumber\n"
          "amy,\"Adams, Amy\",101,S1,amy.adams,Group A,aadams,amy@uni.example,1001\n"
          "bo,\"Bo, Bo\",102,S2,bo.bo,Group B,bbo,bo@uni.example,1002\n"
          "cy,\"=HYPERLINK(\"\"http://evil\"\"),Cy\",103,S3,cy.cy,Group A,@cy,cy@uni.example,1003\n")


def _student(sid, points, status="ok", late=False):
    qs = tuple(QuestionResult(a.name, p, a.points, "correct" if p == a.points else "1 of 3 positions correct")
               for a, p in zip(SPEC.answers, points))
    qs += (QuestionResult("w1_advice", None, 2, "awaiting", manual=True),)
    return StudentResult(sid, status, "", qs, late=late)


STUDENTS = [_student("amy", (2, 3, 2, 2)), _student("bo", (2, 1, 0, 0), status="timeout", late=True),
            _student("stray", (2, 3, 2, 2))]


@pytest.fixture()
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return lms.read_roster(path)


def _read(path):
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def test_canvas_columns_points_possible_and_non_submitters(tmp_path, roster):
    path = lms.write("canvas", tmp_path / "c.csv", STUDENTS, SPEC, roster)
    rows = _read(path)
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5] == "ex00 Demo: margins by account" and len(rows[0]) == 6
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "11" and rows[1][1:5] == [""] * 4
    by = {r[1]: r for r in rows[2:]}
    assert set(by) == {"101", "102", "103"}  # every roster student, no stray submission
    assert by["101"][5] == "9" and by["102"][5] == "3" and by["103"][5] == "0"  # cy submitted nothing
    assert by["101"][:5] == ["Adams, Amy", "101", "S1", "amy.adams", "Group A"]
    assert by["103"][0].startswith("'=")  # a formula becomes text


def test_moodle_identifier_grade_and_feedback_only(tmp_path, roster):
    rows = _read(lms.write("moodle", tmp_path / "m.csv", STUDENTS, SPEC, roster))
    assert rows[0] == ["username", "ex00 Demo: margins by account", "ex00 Demo: margins by account feedback"]
    assert [r[0] for r in rows[1:]] == ["aadams", "bbo", "'@cy"]
    assert all(float(r[1]) >= 0 for r in rows[1:])  # the grade column is numeric for every row
    assert "late" not in rows[0] and "status" not in rows[0]
    assert "status: timeout" in rows[2][2] and "after the deadline" in rows[2][2]
    assert rows[3][1:] == ["0", "no submission"]


def test_moodle_falls_back_to_email_or_idnumber(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id,name,email\namy,Amy,amy@uni.example\nbo,Bo,bo@uni.example\n")
    rows = lms.rows("moodle", STUDENTS, SPEC, lms.read_roster(path))
    assert rows[0][0] == "email" and rows[1][0] == "amy@uni.example"
    path.write_text("student_id,name,email\namy,Amy,amy@uni.example\nbo,Bo,\n")
    with pytest.raises(DataError, match="username, email or idnumber"):
        lms.check_target("moodle", lms.read_roster(path))


def test_blackboard_username_column_id_and_quotes(tmp_path, roster):
    path = lms.write("blackboard", tmp_path / "b.csv", STUDENTS, SPEC, roster, column="Exercise 0 |123456")
    text = path.read_text()
    rows = _read(path)
    assert rows[0] == ["Last Name", "First Name", "Username", "Exercise 0 |123456"]
    assert rows[1] == ["Adams", "Amy", "aadams", "9"] and rows[3][2] == "'@cy" and rows[3][3] == "0"
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())
    default = lms.rows("blackboard", STUDENTS, SPEC, roster)[0][3]
    assert default == "ex00 [Total Pts: 11 Score]"  # no column id: Blackboard creates a new column


@pytest.mark.parametrize("target,roster_text,match", [
    ("canvas", "student_id,name\namy,Amy\n", "ID, SIS User ID or SIS Login ID"),
    ("blackboard", "student_id,name\namy,Amy\n", "Username"),
    ("d2l", "student_id\namy\n", "use one of"),
])
def test_each_lms_checks_the_roster_before_grading(tmp_path, target, roster_text, match):
    path = tmp_path / "r.csv"
    path.write_text(roster_text)
    with pytest.raises(DataError, match=match):
        lms.check_target(target, lms.read_roster(path))


def test_roster_errors_name_the_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id,name\namy,A\namy,B\n")
    with pytest.raises(DataError, match="line 3"):
        lms.read_roster(path)
    path.write_text("name\nAmy\n")
    with pytest.raises(DataError, match="student_id"):
        lms.read_roster(path)
    with pytest.raises(DataError, match="needs --roster"):
        lms.check_target("canvas", None)


def test_grade_writes_the_lms_file_from_the_cli(tmp_path, monkeypatch):
    from kamlab.cli import main
    from kamlab.grading import grade as grade_mod
    from kamlab.grading.execute import Execution

    key = {"q1_total_margin": {"value": 1.0}, "q2_top3": {"value": ["A", "B", "C"]},
           "q3_margins": {"value": {"$frame": {"columns": ["margin"], "index": ["A"], "data": [[1.0]]}}},
           "q4_loss_makers": {"value": {"$set": ["Z"]}}}
    monkeypatch.setattr(grade_mod, "execute", lambda *a, **k: Execution("ok", answers=key))
    monkeypatch.setattr(grade_mod, "_EXPECTED", {})
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "amy.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (tmp_path / "roster.csv").write_text(ROSTER)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    assert main(["grade", str(subs), "--assignment", "ex00", "--solutions", "tests/submissions/_solutions",
                 "--out", str(out), "--roster", str(tmp_path / "roster.csv"), "--lms", "canvas",
                 "--unsafe-no-sandbox"]) == 0
    rows = _read(out / "gradebook_canvas.csv")
    assert [r[5] for r in rows[2:]] == ["9", "0", "0"]
    assert (out / "gradebook.csv").exists()
    assert "on the roster without a submission" in (out / "summary.html").read_text()
