"""The course's exercises: validate (every solution full marks, every untouched exercise zero, no crash)
and the committed sample submissions graded against the golden gradebooks.

ex00 is the grader's own demo exercise (tests/submissions/_solutions): its golden file depends on
nothing but numpy; ex02 and ex03 follow the domain modules, so a deliberate change there means
regenerating their golden files.

To update a golden file after a deliberate change:
``kamlab grade tests/submissions/ex03 --assignment ex03 --out /tmp/g && cp /tmp/g/gradebook.csv tests/golden/gradebook_ex03.csv``
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest

from kamlab.cli import main
from kamlab.grading import authoring
from kamlab.grading.grade import find_solution
from kamlab.grading.validate import validate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("gradebook_*.csv"))

pytestmark = pytest.mark.slow


def test_validate_every_solution_full_marks_every_exercise_zero():
    report = validate(ROOT / "solutions", ROOT / "exercises", workers=2, progress=False)
    assert [c.assignment for c in report.checks] == ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06"]
    assert report.ok, str(report)
    for c in report.checks:
        assert c.solution_points == c.max_points > 0 and c.exercise_points == 0


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_sample_submissions_match_the_golden_gradebook(golden, tmp_path, monkeypatch):
    assignment = golden.stem.split("_")[1]
    monkeypatch.chdir(ROOT)
    out = tmp_path / "grades"
    demo = ["--solutions", "tests/submissions/_solutions"] if assignment == "ex00" else []
    assert main(["grade", f"tests/submissions/{assignment}", "--assignment", assignment, "--out", str(out),
                 "--workers", "2", *demo]) == 0
    assert (out / "gradebook.csv").read_text() == golden.read_text()
    students = [line.split(",")[0] for line in golden.read_text().splitlines()[1:]]
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == students
    assert (out / "summary.png").exists() and (out / "summary.html").exists()
    solutions = ROOT / "tests" / "submissions" / "_solutions" if assignment == "ex00" else None
    spec = authoring.read_spec(json.loads(find_solution(assignment, solutions).read_text()))
    if spec.written:  # the instructor scores against each question's mark scheme, shown above the answers
        html = (out / "written.html").read_text()
        for w in spec.written:
            assert w.scheme and html.index(escape(w.scheme)) < html.index("<h3>ada_correct")
