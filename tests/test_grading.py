"""The grader's parts that need no kernel: authoring markers, assign, checks, encoding, gradebook, CLI."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from kamlab.data import DataError
from kamlab.grading import authoring, checks, gradebook
from kamlab.grading.assign import assign, exercise_text, make_exercise, stale
from kamlab.grading.authoring import Answer
from kamlab.grading.execute import _extract_source
from kamlab.grading.grade import QuestionResult, StudentResult, _safe_ename

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"
SOLUTIONS = sorted((ROOT / "solutions").glob("ex*.ipynb"))


# --- authoring and assign --------------------------------------------------------------------------------

def test_strip_solution_keeps_indentation_and_sets_answers_to_none():
    src = ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
           "### BEGIN SOLUTION\nq1 = f()\nq2 = 3\n### END SOLUTION")
    assert authoring.strip_solution(src, ["q1", "q2"]) == (
        "def f():\n    ...  # your code here\nq1 = None  # your code here\nq2 = None  # your code here")


def test_unbalanced_markers_are_an_error():
    with pytest.raises(DataError):
        authoring.strip_solution("### BEGIN SOLUTION\nx = 1", [])
    with pytest.raises(DataError):
        authoring.strip_solution("x = 1\n### END SOLUTION", [])


def test_mark_scheme_removed():
    md = "Q5.\n\n<!-- BEGIN MARK SCHEME -->\nsecret model answer\n<!-- END MARK SCHEME -->\n\nafter"
    out = authoring.strip_mark_scheme(md)
    assert "secret" not in out and "after" in out and "MARK SCHEME" not in out


def test_spec_rejects_unknown_kinds_and_duplicate_names():
    with pytest.raises(DataError):
        authoring.read_spec(
            {"metadata": {"kamlab": {"assignment": "x", "answers": [{"name": "a", "points": 1, "kind": "blob"}]}}})
    with pytest.raises(DataError):
        authoring.read_spec({"metadata": {"kamlab": {"assignment": "x", "answers": [{"name": "a", "points": 1}],
                                                     "written": [{"name": "a", "points": 1}]}}})
    with pytest.raises(DataError):
        authoring.read_spec({"metadata": {}})


def test_exercise_has_no_solution_no_mark_scheme_no_hidden_seed_and_stable_ids():
    sol = nbformat.read(DEMO, as_version=4)
    ex = make_exercise(sol)
    text = nbformat.writes(ex)
    assert "BEGIN SOLUTION" not in text and "MARK SCHEME" not in text and "stranded costs" not in text
    assert "4734" not in text and "hidden" not in text
    assert [c["id"] for c in ex.cells] == [c["id"] for c in sol.cells]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in ex.cells)
    assert ex.metadata["kamlab"]["answers"][0]["name"] == "q1_total_margin"
    assert exercise_text(DEMO) == exercise_text(DEMO)  # deterministic
    assert sol.cells[4].source.startswith("### BEGIN SOLUTION")  # the input is not changed


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solutions_are_stripped_and_carry_a_hidden_seed(path):
    nb = nbformat.read(path, as_version=4)
    spec = authoring.read_spec(nb)
    assert spec.hidden_parameters.get("seed") not in (None, 2026)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "seed = 2026" in params[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    check = [c for c in nb.cells if "self-check" in c.metadata.get("tags", [])]
    assert len(check) == 1 and check[0].source == authoring.self_check_source(spec)


def test_exercises_are_not_stale():
    """CI fails when exercises/ differs from what `kamlab assign` would write now."""
    assert SOLUTIONS, "solutions/ holds no exercises"
    assert stale() == [], "exercises/ is stale: run `kamlab assign`"


def test_stale_detects_a_hand_edit(tmp_path):
    (tmp_path / "solutions").mkdir()
    sol = tmp_path / "solutions" / "ex00_demo.ipynb"
    sol.write_text(DEMO.read_text())
    assign(tmp_path / "solutions", tmp_path / "exercises")
    assert stale(tmp_path / "solutions", tmp_path / "exercises") == []
    ex = tmp_path / "exercises" / "ex00_demo.ipynb"
    ex.write_text(ex.read_text().replace("your code here", "edited by hand"))
    assert stale(tmp_path / "solutions", tmp_path / "exercises") == ["ex00_demo.ipynb"]
    (tmp_path / "exercises" / "ex99_orphan.ipynb").write_text("{}")
    assert assign(tmp_path / "solutions", tmp_path / "exercises") == [ex]
    assert not (tmp_path / "exercises" / "ex99_orphan.ipynb").exists()


# --- the answer encoding (the code the kernel runs) ------------------------------------------------------

def _extract(namespace: dict, tmp_path) -> dict:
    env: dict = {}
    exec(compile(_extract_source(), "<extract>", "exec"), env)
    path = str(tmp_path / "answers.json")
    env["_kamlab_extract"](namespace, list(namespace), path, 10_000_000)
    return json.loads(Path(path).read_text())


class Always:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class EvilFloat(float):
    def __eq__(self, other):
        return True


def test_encoding_round_trip(tmp_path):
    ns = {"a": np.float64(1.5), "b": np.int64(3), "c": [np.str_("x"), 2], "d": {"p", "q"},
          "e": pd.Series([1.0, 2.0], index=["x", "y"], name="s"), "f": pd.DataFrame({"m": [1, 2]}, index=["u", "v"]),
          "g": float("nan"), "h": np.array([1, 2]), "i": {"k": 1}, "j": True}
    out = {k: checks.decode(v["value"]) for k, v in _extract(ns, tmp_path).items()}
    assert out["a"] == 1.5 and type(out["a"]) is float and out["b"] == 3 and out["c"] == ["x", 2]
    assert out["d"] == {"p", "q"} and out["e"].index == ("x", "y") and out["f"].data == ((1,), (2,))
    assert np.isnan(out["g"]) and out["h"] == [1, 2] and out["i"] == {"k": 1} and out["j"] is True


def test_always_true_objects_do_not_cross(tmp_path):
    out = _extract({"x": Always(), "y": EvilFloat(2.0), "z": [1, Always()], "w": pd.Series([Always()])}, tmp_path)
    for name in "xyzw":
        assert "value" not in out[name] and "not plain data" in out[name]["error"]


def test_compare_rejects_objects_that_are_not_json_data():
    assert checks.compare(5.0, Always(), Answer("q", 1))[0] == 0
    assert checks.compare(["A"], [Always()], Answer("q", 1, kind="sequence"))[0] == 0
    with pytest.raises(ValueError):
        checks.decode(Always())


# --- checks ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("expected,got,answer,fraction", [
    (100.0, 100.0001, Answer("q", 1, rel_tol=1e-5), 1.0),
    (100.0, 100.01, Answer("q", 1, rel_tol=1e-5), 0.0),
    (0.0, 0.004, Answer("q", 1, abs_tol=0.005, rel_tol=0), 1.0),
    (3, True, Answer("q", 1), 0.0),  # a bool is not a number
    (3.0, "3.0", Answer("q", 1), 0.0),
    (3.0, float("inf"), Answer("q", 1), 0.0),
    (True, True, Answer("q", 1, kind="bool"), 1.0),
    (True, 1, Answer("q", 1, kind="bool"), 0.0),
    ("A004", " a004 ", Answer("q", 1, kind="text"), 1.0),
    (["A", "B", "C"], ["A", "B", "C"], Answer("q", 1, kind="sequence"), 1.0),
    (["A", "B", "C"], ["A", "B"], Answer("q", 1, kind="sequence"), 2 / 3),
    (["A", "B", "C"], ["A", "C", "B"], Answer("q", 1, kind="sequence", partial=False), 0.0),
    ({"A", "B"}, ["B", "A"], Answer("q", 1, kind="set"), 1.0),
    ({"A", "B"}, ["A", "C"], Answer("q", 1, kind="set"), 1 / 3),
    ({"x": 1.0, "y": 2.0}, {"x": 1.0, "y": 2.5}, Answer("q", 1, kind="mapping"), 0.5),
])
def test_compare(expected, got, answer, fraction):
    assert checks.compare(expected, got, answer)[0] == pytest.approx(fraction)


def test_compare_frames_by_label_and_by_position():
    e = checks.Frame(columns=("m", "n"), index=("a", "b"), data=((1.0, 2.0), (3.0, 4.0)))
    same_reordered = checks.Frame(columns=("n", "m", "extra"), index=("b", "a"), data=((4.0, 3.0, 0), (2.0, 1.0, 0)))
    assert checks.compare(e, same_reordered, Answer("q", 1, kind="frame")) == (1.0, "correct")
    reset = checks.Frame(columns=("m", "n"), index=(0, 1), data=((1.0, 2.0), (3.0, 9.0)))
    frac, msg = checks.compare(e, reset, Answer("q", 1, kind="frame"))
    assert frac == 0.75 and msg == "3 of 4 values correct"
    missing = checks.Frame(columns=("m",), index=("a", "b"), data=((1.0,), (3.0,)))
    frac, msg = checks.compare(e, missing, Answer("q", 1, kind="frame"))
    assert frac == 0.5 and "missing columns: n" in msg


def test_messages_never_contain_the_expected_value():
    for expected, got, kind in ((123456.789, 1.0, "number"), (["SECRET1"], ["x"], "sequence"),
                                ({"SECRET2"}, ["x"], "set"), ("SECRET3", "x", "text")):
        _, msg = checks.compare(expected, got, Answer("q", 1, kind=kind))
        assert "SECRET" not in msg and "123456" not in msg


def test_self_check_is_about_shape_only():
    r = checks.self_check({"a": 5.0, "b": [1, 2], "c": pd.DataFrame({"x": [1]}), "d": "text"},
                          {"a": {"kind": "number", "max": 1}, "b": {"kind": "sequence", "length": 5},
                           "c": {"kind": "frame", "columns": ["x", "y"]}, "d": {"kind": "text"},
                           "e": {"kind": "number"}})
    msgs = dict((n, m) for n, _, m in r.rows)
    assert "implausible" in msgs["a"] and "5 items" in msgs["b"] and "missing columns: y" in msgs["c"]
    assert msgs["d"] == "looks plausible" and "not defined" in msgs["e"] and not r.ok
    assert "<table>" in r._repr_html_()


def test_exception_names_are_masked():
    assert _safe_ename("ValueError") == "ValueError"
    assert _safe_ename("Seed4734Error") == "Seed####Error"
    assert _safe_ename("<script>") == "script"


# --- gradebook ------------------------------------------------------------------------------------------

SPEC = authoring.read_spec(json.loads(DEMO.read_text()))


def _student(sid, points=(2, 3, 2, 2)):
    qs = tuple(QuestionResult(a.name, p, a.points, "correct") for a, p in zip(SPEC.answers, points))
    qs += (QuestionResult("w1_advice", None, 2, "awaiting", manual=True),)
    return StudentResult(sid, "ok", "", qs)


def test_gradebook_is_lms_shaped(tmp_path):
    path = gradebook.write_gradebook(tmp_path / "gradebook.csv", [_student("amy"), _student("bo", (1, 0, 0, 0.67))], SPEC)
    df = pd.read_csv(path)
    assert list(df.columns) == ["student_id", "q1_total_margin", "q2_top3", "q3_margins", "q4_loss_makers",
                                "w1_advice", "total", "max", "late", "status"]
    assert df.set_index("student_id").loc["bo", "total"] == 1.67 and df["max"].tolist() == [11, 11]


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "gradebook.csv"
    gradebook.write_atomic(path, "old\n")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        gradebook.write_atomic(path, "new\n")
    assert path.read_text() == "old\n" and len(list(tmp_path.iterdir())) == 1


def test_manual_scores_validated_and_merged(tmp_path):
    path = tmp_path / "manual.csv"
    path.write_text("student_id,question,points,comment\namy,w1_advice,1.5,good\nbo,w1_advice,,\nbo,q2_top3,3,regraded\n")
    scores = gradebook.read_manual_scores(path, SPEC)
    assert scores == {("amy", "w1_advice"): (1.5, "good"), ("bo", "q2_top3"): (3.0, "regraded")}
    amy, bo = gradebook.merge_manual([_student("amy"), _student("bo", (1, 0, 0, 0))], scores)
    assert amy.total == 10.5 and bo.total == 4 and "regraded" in bo.questions[1].message
    path.write_text("student_id,question,points,comment\namy,w1_advice,5,too many\n")
    with pytest.raises(DataError, match="outside"):
        gradebook.read_manual_scores(path, SPEC)
    path.write_text("student_id,question,points,comment\namy,nope,1,\n")
    with pytest.raises(DataError, match="unknown question"):
        gradebook.read_manual_scores(path, SPEC)


def test_cli_parses_the_grade_command():
    from kamlab.cli import build_parser

    args = build_parser().parse_args(["grade", "subs", "--assignment", "ex02", "--out", "g", "--workers", "3",
                                      "--deadline", "2026-03-01T23:59:00Z", "--manual-scores", "m.csv"])
    assert (args.assignment, args.workers, args.manual_scores, args.func.__name__) == ("ex02", 3, "m.csv", "_grade")
    assert build_parser().parse_args(["assign", "--check"]).check


def test_feedback_page_escapes_and_summarises(tmp_path):
    from kamlab.grading import feedback

    s = replace(_student("<b>x</b>"), late=True, status="timeout", detail="the whole notebook took longer than 40 s")
    html = feedback.render_feedback(s, SPEC)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "deadline" in html and "timeout" in html


def test_plot_score_distribution_draws_bars():
    import matplotlib.pyplot as plt

    from kamlab.grading.feedback import plot_score_distribution

    fig, ax = plt.subplots()
    assert plot_score_distribution([1, 2, 2, 9], max_points=10, ax=ax) is ax
    assert sum(p.get_height() for p in ax.patches) == 4
    assert ax.get_legend() is not None


def test_deadline_needs_a_timezone_and_times_come_from_the_platform_export(tmp_path):
    from kamlab.grading.grade import parse_deadline, read_times

    with pytest.raises(DataError, match="timezone"):
        parse_deadline("2026-03-01T23:59:00")
    assert parse_deadline("2026-03-01T23:59:00Z") > parse_deadline("2026-03-02T00:30:00+01:00")  # 23:30 UTC
    path = tmp_path / "times.csv"
    path.write_text("student_id,submitted_at\nzo\u00e9,2026-03-01T10:00:00+01:00\nzo\u00e9,2026-03-01T12:00:00+01:00\n"
                    "amy ,2026-03-01T09:00:00Z\n", encoding="utf-8")
    times = read_times(path)
    assert set(times) == {"zo\u00e9", "amy"} and times["zo\u00e9"].hour == 12  # the last upload counts
    path.write_text("student_id,submitted_at\namy,2026-03-01T09:00:00\n")
    with pytest.raises(DataError, match="line 2.*timezone"):
        read_times(path)


def test_find_solution_names_what_is_there(tmp_path):
    from kamlab.grading.grade import find_solution

    with pytest.raises(DataError, match="ex00_demo"):
        (tmp_path / "ex00_demo.ipynb").write_text("{}")
        find_solution("ex09", tmp_path)
    assert find_solution("ex00", tmp_path).name == "ex00_demo.ipynb"


# --- mark schemes: in the solution, in written.html, never in the exercise -------------------------------

def _without_scheme(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = authoring.strip_mark_scheme("".join(cell["source"]))
    return nb


@pytest.mark.parametrize("path", SOLUTIONS + [DEMO], ids=[p.stem for p in SOLUTIONS + [DEMO]])
def test_every_written_question_has_a_scheme_that_the_exercise_never_shows(path):
    nb = json.loads(path.read_text())
    spec = authoring.read_spec(nb)
    assert authoring.mark_scheme_problems(nb) == []
    assert all(len(w.scheme) > 50 and "MARK SCHEME" not in w.scheme for w in spec.written)
    ex = nbformat.writes(make_exercise(nbformat.read(path, as_version=4)))
    for w in spec.written:
        assert w.scheme.splitlines()[0] not in ex  # the scheme's first line appears nowhere in the exercise
    assert all(w.scheme == "" for w in authoring.read_spec(json.loads(ex)).written)
    assert "scheme" not in json.dumps(authoring.public_spec(spec))


def test_scheme_problems_name_what_is_wrong():
    nb = json.loads(DEMO.read_text())
    assert "w1_advice has no mark scheme" in authoring.mark_scheme_problems(_without_scheme(nb))[0]
    moved = json.loads(DEMO.read_text())  # the scheme in a cell that is not the question's
    scheme = "\n<!-- BEGIN MARK SCHEME -->\n1 point\n<!-- END MARK SCHEME -->"
    moved = _without_scheme(moved)
    moved["cells"][3]["source"] += scheme
    problems = authoring.mark_scheme_problems(moved)
    assert len(problems) == 2 and "belongs to no written question" in problems[1]
    untagged = json.loads(DEMO.read_text())
    for cell in untagged["cells"]:
        cell["metadata"].pop("tags", None) if cell["cell_type"] == "markdown" else None
    assert "no markdown cell tagged written:w1_advice" in authoring.mark_scheme_problems(untagged)[0]
    with pytest.raises(DataError, match="leak"):
        authoring.strip_mark_scheme("Q5\n<!-- BEGIN MARK SCHEME -->\nsecret")


def test_scheme_after_the_tagged_cell_belongs_to_its_question():
    cells = [{"cell_type": "markdown", "metadata": {"tags": ["written:w1"]}, "source": "Q5."},
             {"cell_type": "markdown", "metadata": {}, "source": ["<!-- BEGIN MARK SCHEME -->\n", "A\n",
                                                                  "<!-- END MARK SCHEME -->"]},
             {"cell_type": "code", "metadata": {}, "source": ""},
             {"cell_type": "markdown", "metadata": {"tags": ["written:w2"]}, "source": "Q6."}]
    assert authoring.mark_schemes(cells, ["w1", "w2"]) == {"w1": "A", "w2": ""}


def test_validate_refuses_a_written_question_without_a_scheme(tmp_path):
    from kamlab.grading.validate import validate

    (tmp_path / "solutions").mkdir()
    sol = tmp_path / "solutions" / "ex00_demo.ipynb"
    sol.write_text(json.dumps(_without_scheme(json.loads(DEMO.read_text()))))
    report = validate(tmp_path / "solutions", tmp_path / "exercises", progress=False)  # fails before any run
    assert not report.ok and "ex00_demo.ipynb: written question w1_advice has no mark scheme" in str(report)
    assert "not run" in str(report)


def test_written_html_shows_each_scheme_escaped_above_the_answers(tmp_path):
    from kamlab.grading import feedback

    spec = replace(SPEC, written=(replace(SPEC.written[0], scheme="1 point: <b>stranded</b> costs\n2 points: more"),))
    students = [replace(_student(sid), written=(("w1_advice", f"answer of {sid}"),)) for sid in ("amy", "bo")]
    html = feedback.write_written(tmp_path / "written.html", students, spec).read_text()
    assert "<b>stranded" not in html and "1 point: &lt;b&gt;stranded&lt;/b&gt; costs\n2 points: more" in html
    assert html.index("Mark scheme") < html.index("answer of amy") < html.index("answer of bo")
    assert "stranded" not in feedback.render_feedback(students[0], spec)  # students' pages never show it
    empty = feedback.write_written(tmp_path / "w.html", students, replace(SPEC, written=(
        replace(SPEC.written[0], scheme=""),))).read_text()
    assert "No mark scheme" in empty
