"""The grader's inputs and bookkeeping, with notebook execution replaced by a stand-in (fast).

A submission here is a notebook whose metadata carries the answers the stand-in reports
(``metadata.fake``); everything else (finding submissions, ids, times, manual scores, crashes, the
gradebook, the summary) is the real code.
"""
from __future__ import annotations

import collections
import csv
import json
import unicodedata
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from kamlab.data import DataError
from kamlab.grading import authoring, checks
from kamlab.grading import grade as grade_mod
from kamlab.grading.authoring import Answer
from kamlab.grading.execute import Execution
from kamlab.grading.grade import find_submissions, grade

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"
SPEC = authoring.read_spec(json.loads(DEMO.read_text()))
KEY = {"q1_total_margin": {"value": 10.0}, "q2_top3": {"value": ["A", "B", "C"]},
       "q3_margins": {"value": {"$frame": {"columns": ["margin"], "index": ["A"], "data": [[1.0]]}}},
       "q4_loss_makers": {"value": {"$set": ["Z"]}}}


class FakeRunner:
    """Stands in for `execute`: reports the answers in the notebook's metadata, or raises."""

    def __init__(self):
        self.calls = []

    def __call__(self, path, *, parameters, names, limits, sandbox=True, hide=()):
        self.calls.append(Path(path).name)
        nb = json.loads(Path(path).read_text())
        fake = nb.get("metadata", {}).get("fake", {})
        if fake == "raise":
            raise RuntimeError("the runner broke")
        if Path(path).resolve() == DEMO.resolve():
            return Execution("ok", answers=KEY)
        return Execution(fake.get("status", "ok"), answers=fake.get("answers", {}), detail=fake.get("detail", ""))


@pytest.fixture()
def runner(monkeypatch):
    fake = FakeRunner()
    monkeypatch.setattr(grade_mod, "execute", fake)
    monkeypatch.setattr(grade_mod, "_EXPECTED", {})  # never poison the real cache
    return fake


def _sub(folder: Path, name: str, answers=None, **fake):
    nb = nbformat.v4.new_notebook()
    nb.metadata["fake"] = "raise" if fake.get("raise") else {"answers": KEY if answers is None else answers,
                                                             **{k: v for k, v in fake.items() if k != "raise"}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _grade(subs, out, **kw):
    return grade(subs, solution=DEMO, out=out, workers=2, progress=False, sandbox=False, **kw)


def test_one_submission_crashing_the_grader_is_that_students_row(tmp_path, runner):
    subs = tmp_path / "subs"
    _sub(subs, "amy.ipynb")
    _sub(subs, "boom.ipynb", **{"raise": True})
    report = _grade(subs, tmp_path / "out")
    by = {s.student_id: s for s in report.students}
    assert by["amy"].total == 9 and by["amy"].status == "ok"
    assert by["boom"].status == "crashed" and by["boom"].total == 0
    assert "boom.ipynb" in by["boom"].detail and "RuntimeError" in by["boom"].detail
    summary = (tmp_path / "out" / "summary.html").read_text()
    assert "Not ok (1)" in summary and "boom.ipynb" in summary


def test_every_error_names_the_submission(tmp_path, runner):
    subs = tmp_path / "subs"
    _sub(subs, "cleo.ipynb", answers={}, status="kernel died", detail="the kernel died in cell 3")
    s = _grade(subs, tmp_path / "out").students[0]
    assert s.detail == "cleo.ipynb: the kernel died in cell 3"


def test_a_failed_run_leaves_no_gradebook_that_looks_current(tmp_path, runner, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _sub(subs, "amy.ipynb")
    _grade(subs, out)
    assert (out / "gradebook.csv").exists()

    def broken(*a, **k):
        raise DataError("the solution did not give every answer")

    monkeypatch.setattr(grade_mod, "expected_answers", broken)
    with pytest.raises(DataError):
        _grade(subs, out)
    assert not (out / "gradebook.csv").exists() and not (out / "summary.html").exists()


def test_manual_scores_are_checked_before_any_notebook_runs(tmp_path, runner):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _sub(subs, "amy.ipynb")
    out.mkdir()
    (out / "manual_scores.csv").write_text("student_id,question,points,comment\namy,w1_advice,99,\n")
    with pytest.raises(DataError, match="outside"):
        _grade(subs, out)
    assert runner.calls == []
    (out / "manual_scores.csv").write_text("student_id,question,points,comment\namy,w1_advice,1.5,fine\n"
                                           "ghost,w1_advice,1,\n")
    report = _grade(subs, out)
    summary = (out / "summary.html").read_text()
    assert "Manual scores (1)" in summary and "amy" in summary and "ghost" in summary
    assert report.students[0].total == 10.5


def test_ids_normalised_duplicates_and_lookalikes_reported(tmp_path, runner):
    subs = tmp_path / "subs"
    for name in ("jo smith.ipynb", "jo_smith.ipynb", "ada.IPYNB", "h_careful.ipynb", "h_careful (1).ipynb",
                 "zo\u00e9.ipynb", "zo\u00e8.ipynb", unicodedata.normalize("NFD", "m\u00e9l.ipynb"), ".hidden.ipynb"):
        _sub(subs, name)
    _sub(subs, "h_careful (1).ipynb", answers={})  # the re-upload, graded: it answers nothing
    subs_found, notes = find_submissions(subs)
    ids = [s.student_id for s in subs_found]
    assert ids == sorted(["ada", "h_careful", "jo smith", "jo_smith", "m\u00e9l", "zo\u00e8", "zo\u00e9"])
    assert any("h_careful (1).ipynb" in n and "set aside h_careful.ipynb" in n for n in notes)
    assert any("'jo smith'" in n and "'jo_smith'" in n for n in notes)
    assert any("zo\u00e9" in n and "zo\u00e8" in n for n in notes)
    report = _grade(subs, tmp_path / "out")
    by = {s.student_id: s for s in report.students}
    assert by["h_careful"].total == 0 and by["ada"].total == 9
    pages = sorted(p.name for p in (tmp_path / "out" / "feedback").glob("*.html"))
    assert len(pages) == 7  # one page each, no two students share one
    assert "ids that look alike" in (tmp_path / "out" / "summary.html").read_text()


def test_late_comes_from_the_times_export_never_the_notebook(tmp_path, runner):
    subs = tmp_path / "subs"
    _sub(subs, "amy.ipynb")
    _sub(subs, "bo.ipynb")
    _sub(subs, "cy.ipynb")
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\namy,2026-03-01T23:30:00+01:00\nbo,2026-03-02T00:30:00+01:00\n")
    with pytest.raises(DataError, match="--times"):
        _grade(subs, tmp_path / "out", deadline="2026-03-01T23:59:00+01:00")
    with pytest.raises(DataError, match="timezone"):
        _grade(subs, tmp_path / "out", deadline="2026-03-01T23:59:00", times=times)
    report = _grade(subs, tmp_path / "out", deadline="2026-03-01T23:59:00+01:00", times=times)
    late = {s.student_id: s.late for s in report.students}
    assert late == {"amy": False, "bo": True, "cy": True}
    assert any("cy" in n and "counted late" in n for n in report.notes)


def test_formula_cells_are_neutralised_in_the_gradebook(tmp_path, runner):
    subs = tmp_path / "subs"
    _sub(subs, "=HYPERLINK.ipynb")
    _sub(subs, "@cmd.ipynb")
    _grade(subs, tmp_path / "out")
    rows = list(csv.reader(open(tmp_path / "out" / "gradebook.csv")))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK", "'@cmd"]


# --- one conversion for the grader and the self-check ----------------------------------------------------

class MyDict(collections.OrderedDict):
    pass


class MySeries(pd.Series):
    @property
    def _constructor(self):
        return MySeries


class Always:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("value,expected,answer", [
    (MyDict(a=1.0, b=2.0), {"a": 1.0, "b": 2.0}, Answer("q", 1, kind="mapping")),
    (collections.Counter(a=1, b=2), {"a": 1, "b": 2}, Answer("q", 1, kind="mapping")),
    (MySeries([1.0, 2.0], index=["a", "b"]), {"a": 1.0, "b": 2.0}, Answer("q", 1, kind="mapping")),
    (pd.array([3, 1, 2], dtype="Int64"), [3, 1, 2], Answer("q", 1, kind="sequence")),
    (pd.Categorical(["A", "B"]), ["A", "B"], Answer("q", 1, kind="sequence")),
    (pd.Index(["A", "B"]), ["A", "B"], Answer("q", 1, kind="sequence")),
    (np.array([1.5, 2.5]), [1.5, 2.5], Answer("q", 1, kind="sequence")),
    (frozenset({"A"}), {"A"}, Answer("q", 1, kind="set")),
])
def test_ordinary_answer_types_are_graded_and_self_checked_the_same(value, expected, answer):
    got = checks.decode(checks.to_plain(value))
    assert checks.compare(expected, got, answer) == (1.0, "correct")
    check = checks.self_check({"q": value}, {"q": {"kind": answer.kind}})
    assert check.ok and check.rows[0][2] == "looks plausible"


def test_self_check_says_what_the_grader_cannot_read():
    check = checks.self_check({"q": [Always()], "r": pd.Series([Always()])},
                              {"q": {"kind": "sequence"}, "r": {"kind": "mapping"}})
    assert not check.ok and all("cannot be graded" in m for _, _, m in check.rows)


def test_partial_credit_messages_say_what_was_right():
    frac, msg = checks.compare({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0},
                               {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "x": 0.0},
                               Answer("q", 1, kind="mapping"))
    assert frac == pytest.approx(5 / 6) and msg == "5 of 5 entries correct; 1 keys that were not asked for"
    frac, msg = checks.compare({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 9.0}, Answer("q", 1, kind="mapping"))
    assert frac == 0.5 and msg == "1 of 2 entries correct; 1 key has a wrong value"
    _, msg = checks.compare({"a": 1.0, "b": 2.0}, {"a": 1.0}, Answer("q", 1, kind="mapping"))
    assert "1 of the keys asked for missing" in msg


def test_deeply_nested_answers_cannot_crash_the_grader():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(checks.NotPlain):
        checks.to_plain(deep)
    text = "[" * 100_000 + "]" * 100_000
    run = Execution("ok", answers={"q2_top3": {"value": json.loads("[" * 500 + "]" * 500)}})
    results = grade_mod.score(SPEC, {a.name: checks.decode(KEY[a.name]["value"]) for a in SPEC.answers}, run)
    assert {q.name: q.points for q in results}["q2_top3"] == 0
    from kamlab.grading.execute import _parse

    events, answers = _parse([text.encode(), b'{"event": "answers", "answers": ' + text.encode() + b"}\n"])
    assert events == [] and answers == {}


def test_a_manual_scores_file_that_is_not_csv_is_a_clear_error(tmp_path):
    from kamlab.grading import gradebook

    path = tmp_path / "manual_scores.csv"
    path.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(DataError, match="not a UTF-8 CSV"):
        gradebook.read_manual_scores(path, SPEC)
