"""The grader against nasty submissions: one test per case, all graded in ONE run (2 workers).

Every submission is built from the demo exercise (tests/submissions/_solutions/ex00_demo.ipynb) with one
thing done to it. Each gets its row, with zero for what did not work and a reason; the run finishes;
the correct submission graded alongside keeps full marks.
"""
from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from kamlab.grading import authoring
from kamlab.grading.assign import make_exercise
from kamlab.grading.grade import _limits, expected_answers, grade

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"
LIMITS = {"cell_timeout": 8, "timeout": 40, "memory_mb": 2048}
DEADLINE = "2100-01-01T00:00:00Z"
pytestmark = pytest.mark.slow  # whole grading runs in the sandbox
Q1, Q2, Q3, Q4 = 4, 6, 8, 10  # cell indexes of the answers in the demo solution


def _solution():
    return nbformat.read(SOLUTION, as_version=4)


def _public_answers():
    """The demo's answers on the PUBLIC seed, computed here, to type into a submission."""
    rng = np.random.default_rng(2026)
    sales = pd.DataFrame({"account": [f"A{i:02d}" for i in range(12)],
                          "revenue": rng.integers(100, 1000, 12), "cost": rng.integers(50, 900, 12)})
    margin = (sales["revenue"] - sales["cost"]).set_axis(sales["account"])
    return (float(margin.sum()), list(margin.sort_values(ascending=False, kind="stable").index[:3]),
            {k: int(v) for k, v in margin.items()}, sorted(sales.loc[margin.values < 0, "account"]))


def _code(src):
    return nbformat.v4.new_code_cell(src)


def _prefix(index, code):
    def edit(nb):
        nb.cells[index].source = code + "\n" + nb.cells[index].source
    return edit


def _insert_after(index, code):
    def edit(nb):
        nb.cells.insert(index + 1, _code(code))
    return edit


def _hard_coded(nb):
    total, top3, margins, losers = _public_answers()
    nb.cells[Q1].source = f"q1_total_margin = {total!r}"
    nb.cells[Q2].source = f"q2_top3 = {top3!r}"
    nb.cells[Q3].source = (f"q3_margins = pd.DataFrame({{'margin': {list(margins.values())!r}}}, "
                           f"index=pd.Index({list(margins)!r}, name='account'))")
    nb.cells[Q4].source = f"q4_loss_makers = set({losers!r})"


def _copy(cell, new_id):
    cell = copy.deepcopy(cell)
    cell["id"] = new_id
    return cell


def _duplicated_and_moved(nb):
    nb.cells.insert(Q2 + 1, _copy(nb.cells[Q2], "dup-q2"))
    nb.cells.insert(3, _copy(nb.cells[2], "dup-data"))
    q1 = nb.cells.pop(Q1 + 1)
    nb.cells.append(q1)


def _monkeypatch(nb):
    nb.cells.insert(3, _code(
        "import json, kamlab.grading.checks as checks, kamlab.grading.grade as grade, kamlab.synth\n"
        "checks.compare = lambda *a, **k: (1.0, 'correct')\n"
        "grade.score = lambda *a, **k: ()\n"
        "kamlab.synth.generate = lambda *a, **k: None\n"
        "json.dumps = lambda *a, **k: '{\"q1_total_margin\": {\"value\": 1e9}}'"))
    for i, src in ((Q1 + 1, "q1_total_margin = 1.0"), (Q2 + 1, "q2_top3 = ['ZZ1', 'ZZ2', 'ZZ3']"),
                   (Q3 + 1, "q3_margins = pd.DataFrame({'margin': [0] * 12})"),
                   (Q4 + 1, "q4_loss_makers = {'nobody'}")):
        nb.cells[i].source = src


def _always_true(nb):
    nb.cells.append(_code(
        "class Always:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
        "class F(float):\n    def __eq__(self, other):\n        return True\n"
        "q1_total_margin = F(1.0)\nq2_top3 = [Always()] * 3\nq3_margins = Always()\nq4_loss_makers = {Always()}"))


def _partial(nb):
    nb.cells[Q2].source += "\nq2_top3 = q2_top3[::-1]"
    nb.cells[Q4].source += "\nq4_loss_makers = set(sorted(q4_loss_makers)[1:])"


def _late(nb):  # late by the platform's times; the student's own stamp (and file time) are not read
    nb.metadata["kamlab"]["submitted_at"] = "2001-05-01T12:00:00Z"


CASES = {
    "correct": None,
    "late": _late,
    "partial": _partial,
    "raises": _prefix(Q2, "raise RuntimeError('boom')"),
    "infinite_loop": _prefix(Q2, "while True:\n    pass"),
    "stubborn_loop": _insert_after(Q1, "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n"
                                       "    except KeyboardInterrupt:\n        pass"),
    "sys_exit": _prefix(Q3, "import sys\nsys.exit(3)"),
    "exit_call": _insert_after(Q2, "exit()"),
    "os_exit": _insert_after(Q2, "import os\nos._exit(0)"),
    "kills_kernel": _insert_after(Q2, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
    "memory_hog": _prefix(Q3, "def hog():\n    keep = []\n    while True:\n        keep.append(b'x' * 50_000_000)\nhog()"),
    "prints_100mb": _prefix(Q4, "print('x' * 100_000_000)"),
    "deletes_files": _insert_after(Q1, "import os, shutil\nopen('mine.txt', 'w').write('x')\n"
                                       "for f in os.listdir('.'):\n"
                                       "    shutil.rmtree(f) if os.path.isdir(f) else os.remove(f)\n"
                                       "shutil.rmtree(os.getcwd(), ignore_errors=True)"),
    "monkeypatch": _monkeypatch,
    "hard_coded": _hard_coded,
    "duplicated_moved": _duplicated_and_moved,
    "always_true": _always_true,
}


def _write_all(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, edit in CASES.items():
        nb = _solution()
        if edit is not None:
            edit(nb)
        nbformat.write(nb, folder / f"{name}.ipynb")
    nbformat.write(make_exercise(_solution()), folder / "untouched.ipynb")
    lines = [f"{p.stem},{'2100-01-02T08:00:00+01:00' if p.stem == 'late' else '2099-12-31T23:00:00Z'}"
             for p in folder.glob("*.ipynb")]
    (folder.parent / "times.csv").write_text("student_id,submitted_at\n" + "\n".join(lines) + "\n")
    (folder / "invalid_json.ipynb").write_text("{ this is not a notebook")
    (folder / "not_a_notebook.ipynb").write_text(json.dumps({"cells": 5, "metadata": {}}))
    return folder


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    subs = _write_all(root / "subs")
    report = grade(subs, solution=SOLUTION, out=root / "grades", workers=2, deadline=DEADLINE,
                   times=root / "times.csv", progress=False, **LIMITS)
    return {"report": report, "root": root, "subs": subs, "rows": _rows(root / "grades" / "gradebook.csv"),
            "by": {s.student_id: s for s in report.students}}


def _q(graded, student, name):
    return next(q for q in graded["by"][student].questions if q.name == name)


def _points(graded, student):
    return {q.name: q.points for q in graded["by"][student].questions if not q.manual}


FULL = {"q1_total_margin": 2, "q2_top3": 3, "q3_margins": 2, "q4_loss_makers": 2}


def test_every_submission_gets_its_row(graded):
    expected = set(CASES) | {"untouched", "invalid_json", "not_a_notebook"}
    assert set(graded["rows"]) == expected
    assert list(graded["rows"]["correct"]) == ["student_id", *FULL, "w1_advice", "total", "max", "late", "status"]


def test_others_unaffected_correct_gets_full_marks(graded):
    assert _points(graded, "correct") == FULL
    assert graded["rows"]["correct"]["total"] == "9" and graded["rows"]["correct"]["max"] == "11"


def test_untouched_exercise_scores_zero_without_crashing(graded):
    assert graded["by"]["untouched"].status == "ok"
    assert set(_points(graded, "untouched").values()) == {0}
    assert "still None" in _q(graded, "untouched", "q1_total_margin").message


def test_invalid_json(graded):
    for sid in ("invalid_json", "not_a_notebook"):
        s = graded["by"][sid]
        assert s.status == "invalid notebook" and s.total == 0
        assert "not a valid notebook" in _q(graded, sid, "q2_top3").message


def test_raises_only_that_question_lost(graded):
    assert _points(graded, "raises") == {**FULL, "q2_top3": 0}
    assert _q(graded, "raises", "q2_top3").message == "not defined: cell 7 raised RuntimeError"


def test_infinite_loop_hits_the_cell_timeout_and_later_cells_still_count(graded):
    assert _points(graded, "infinite_loop") == {**FULL, "q2_top3": 0}
    assert "time limit per cell" in _q(graded, "infinite_loop", "q2_top3").message
    assert graded["by"]["infinite_loop"].status == "ok"


def test_loop_that_ignores_interrupts_hits_the_notebook_timeout(graded):
    s = graded["by"]["stubborn_loop"]
    assert s.status == "timeout"
    assert _points(graded, "stubborn_loop") == {**dict.fromkeys(FULL, 0), "q1_total_margin": 2}
    assert "whole notebook" in _q(graded, "stubborn_loop", "q3_margins").message


def test_sys_exit_is_just_an_error(graded):
    assert _points(graded, "sys_exit") == {**FULL, "q3_margins": 0}
    assert "SystemExit" in _q(graded, "sys_exit", "q3_margins").message


@pytest.mark.parametrize("student", ["os_exit", "kills_kernel", "exit_call"])
def test_kernel_death_keeps_earlier_answers(graded, student):
    s = graded["by"][student]
    assert s.status == "kernel died"
    assert _points(graded, student) == {**FULL, "q3_margins": 0, "q4_loss_makers": 0}
    assert "kernel died in cell 8" in _q(graded, student, "q4_loss_makers").message


def test_memory_hog_is_stopped_by_the_memory_limit(graded):
    assert _points(graded, "memory_hog") == {**FULL, "q3_margins": 0}
    assert "MemoryError" in _q(graded, "memory_hog", "q3_margins").message


def test_printing_100mb_costs_nothing(graded):
    assert _points(graded, "prints_100mb") == FULL


def test_deleting_its_working_directory_does_not_matter(graded):
    assert _points(graded, "deletes_files") == FULL
    assert all(p.exists() for p in graded["subs"].iterdir())  # the submissions folder is untouched


def test_monkeypatching_kamlab_or_the_checks_earns_nothing(graded):
    assert set(_points(graded, "monkeypatch").values()) == {0}
    assert _points(graded, "correct") == FULL  # checks run in the grader, unpatched


def test_hard_coded_public_numbers_earn_nothing_under_the_hidden_seed(graded):
    assert set(_points(graded, "hard_coded").values()) == {0}


def test_duplicated_and_moved_cells_are_still_graded(graded):
    assert _points(graded, "duplicated_moved") == FULL


def test_always_true_eq_objects_earn_nothing(graded):
    assert set(_points(graded, "always_true").values()) == {0}
    assert "not plain data" in _q(graded, "always_true", "q3_margins").message
    assert "not plain data" in _q(graded, "always_true", "q1_total_margin").message


def test_partial_credit(graded):
    pts = _points(graded, "partial")
    assert pts["q1_total_margin"] == 2 and pts["q3_margins"] == 2
    assert pts["q2_top3"] == 1.0  # reversed: the middle one is right
    assert 0 < pts["q4_loss_makers"] < 2


def test_late_flag_from_the_platform_times_not_the_notebook(graded):
    assert graded["rows"]["late"]["late"] == "yes"
    assert graded["rows"]["correct"]["late"] == "no"
    assert _points(graded, "late") == FULL


def test_feedback_never_shows_hidden_values_or_seed(graded):
    spec = authoring.read_spec(json.loads(SOLUTION.read_text()))
    hidden = spec.hidden_parameters
    expected = expected_answers(SOLUTION, spec, hidden, _limits(spec, **LIMITS))
    needles = {str(hidden["seed"])}
    total = expected["q1_total_margin"]
    needles |= {repr(total), f"{total:.2f}", f"{total:,.2f}", f"{total:.0f}", f"{total:,.0f}"}
    needles |= set(expected["q2_top3"]) | set(expected["q4_loss_makers"])
    folder = graded["root"] / "grades" / "feedback"
    pages = sorted(folder.glob("*.html"))
    assert len(pages) == len(graded["rows"])
    for page in pages:
        text = page.read_text()
        leaks = [n for n in needles if n in text]
        assert not leaks, f"{page.name} shows {leaks}"
    assert "points" in (folder / "correct.html").read_text()


def test_summary_and_plot(graded):
    out = graded["root"] / "grades"
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert [r["question"] for r in rows] == [*FULL, "w1_advice", "total"]
    assert "data:image/png;base64," in (out / "summary.html").read_text()


def test_rerun_same_gradebook_and_manual_scores_merge_and_survive(graded, tmp_path):
    subset = tmp_path / "subs"
    subset.mkdir()
    names = ["correct", "raises", "os_exit", "invalid_json", "always_true", "hard_coded", "partial"]
    for n in names:
        shutil.copy2(graded["subs"] / f"{n}.ipynb", subset)
    out = tmp_path / "grades"
    out.mkdir()
    manual = out / "manual_scores.csv"
    manual.write_text("student_id,question,points,comment\ncorrect,w1_advice,1.5,names stranded costs\n"
                      "partial,w1_advice,0,\n")
    before = manual.read_text()
    for _ in range(2):
        grade(subset, solution=SOLUTION, out=out, workers=2, deadline=DEADLINE, times=graded["root"] / "times.csv",
              progress=False, **LIMITS)
        assert manual.read_text() == before  # never overwritten
    rows = _rows(out / "gradebook.csv")
    first = graded["rows"]
    for n in names:
        for col in (*FULL, "status", "late"):
            assert rows[n][col] == first[n][col], (n, col)
    assert rows["correct"]["w1_advice"] == "1.5" and rows["correct"]["total"] == "10.5"
    assert rows["partial"]["w1_advice"] == "0" and rows["raises"]["w1_advice"] == ""
    assert "names stranded costs" in (out / "feedback" / "correct.html").read_text()
    assert not list(out.glob(".*.tmp"))


def test_template_for_manual_scores_is_written_once(graded):
    template = graded["root"] / "grades" / "manual_scores.csv"
    lines = template.read_text().splitlines()
    assert lines[0] == "student_id,question,points,comment"
    assert "correct,w1_advice,," in lines


def test_written_answers_collected_for_the_instructor(graded):
    html = (graded["root"] / "grades" / "written.html").read_text()
    assert "w1_advice" in html and "<h3>correct" in html
    assert "Should the company drop its loss makers?" in html  # the tagged cell's text, escaped
    assert "&lt;!-- BEGIN MARK SCHEME --&gt;" in html  # (this submission is the solution itself)
    assert html.index("<h3>Mark scheme</h3><pre>1 point: a loss maker on full cost") < html.index("<h3>correct")
    assert dict(graded["by"]["untouched"].written)["w1_advice"].startswith("**Q5 (written).**")
