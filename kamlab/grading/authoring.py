"""Authoring: the answer spec of an exercise and the markers a solution notebook carries.

A solution notebook (``solutions/exNN_*.ipynb``) is written once. What the participant must write sits
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines in code cells; what only the instructor may
read (a mark scheme for a written answer) sits between ``<!-- BEGIN MARK SCHEME -->`` and
``<!-- END MARK SCHEME -->`` in markdown cells. The answer spec lives in the notebook metadata under
``kamlab``::

    {"assignment": "ex02", "title": "...",
     "hidden_parameters": {"seed": 4242},            # the grader's data; never shown to participants
     "limits": {"cell_timeout": 60, "timeout": 600, "memory_mb": 3072},
     "answers": [{"name": "q1_total", "points": 2, "kind": "number", "rel_tol": 1e-6,
                  "check": {"min": 0}, "question": "Q1"}, ...],
     "written": [{"name": "q5_recommendation", "points": 4, "question": "Q5"}]}

Answers are named variables the participant assigns; the grader reads them by name, so a moved or
duplicated cell does not matter.

A written question's mark scheme sits in the markdown cell tagged ``written:<name>`` (where the participant
writes the answer) or in a markdown cell right after it, before the next code cell: the same block the grader
reads the participant's answer from (`kamlab.grading.grade.written_answers`). The tag the answer already needs
ties the scheme to its question, so there is no second name to keep in step, and a scheme cannot drift to
another question when cells move. `read_spec` puts it in `Written.scheme` for ``written.html``; `public_spec`
and the exercise never carry it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from kamlab.data import DataError

__all__ = ["Answer", "Written", "Spec", "read_spec", "strip_solution", "strip_mark_scheme", "mark_schemes",
           "mark_scheme_problems", "public_spec", "self_check_source", "KINDS", "BEGIN_SOLUTION", "END_SOLUTION"]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
_MARK_SCHEME = re.compile(r"\s*<!--\s*BEGIN MARK SCHEME\s*-->.*?<!--\s*END MARK SCHEME\s*-->\s*?(\n|$)",
                          re.DOTALL)
_SCHEME_BODY = re.compile(r"<!--\s*BEGIN MARK SCHEME\s*-->(.*?)<!--\s*END MARK SCHEME\s*-->", re.DOTALL)
_SCHEME_MARKER = re.compile(r"<!--\s*(BEGIN|END) MARK SCHEME\s*-->")
WRITTEN_TAG = "written:"  # the markdown cell a participant writes a written answer in: written:<name>
KINDS = ("number", "bool", "text", "sequence", "set", "mapping", "frame")
PLACEHOLDER = "# your code here"


@dataclass(frozen=True)
class Answer:
    """One auto-graded answer: the variable `name` the participant assigns, worth `points`.

    `kind` is one of KINDS; numbers match within ``abs_tol + rel_tol * |expected|``; `partial` gives
    credit per correct item for sequences, sets, mappings and frames; `check` holds the public
    self-check (type and shape and a plausible range, never the answer).
    """

    name: str
    points: float
    kind: str = "number"
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6
    partial: bool = True
    check: dict = field(default_factory=dict)
    question: str = ""


@dataclass(frozen=True)
class Written:
    """A written answer scored by the instructor against the mark scheme (manual scores CSV).

    `scheme` is the mark scheme's text from the solution notebook (empty when the notebook has none, or
    when the spec was read from an exercise, which never carries it).
    """

    name: str
    points: float
    question: str = ""
    scheme: str = ""


@dataclass(frozen=True)
class Spec:
    """Everything the grader knows about one assignment."""

    assignment: str
    title: str = ""
    answers: tuple[Answer, ...] = ()
    written: tuple[Written, ...] = ()
    hidden_parameters: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.answers)

    @property
    def max_points(self) -> float:
        return float(sum(a.points for a in self.answers) + sum(w.points for w in self.written))


def read_spec(nb) -> Spec:
    """The answer spec of a solution notebook (a NotebookNode or dict).

    Examples
    --------
    >>> nb = {"metadata": {"kamlab": {"assignment": "ex00", "answers": [{"name": "q1", "points": 2}]}}}
    >>> spec = read_spec(nb)
    >>> spec.names, spec.max_points, spec.answers[0].kind
    (('q1',), 2.0, 'number')
    """
    meta = dict(nb.get("metadata", {}).get("kamlab") or {})
    if "assignment" not in meta:
        raise DataError("the notebook has no metadata.kamlab.assignment: it is not a kamlab solution "
                        "notebook (add the answer spec to its metadata, see kamlab.grading.authoring)")
    answers, written = [], []
    for a in meta.get("answers", []):
        answer = Answer(**{k: v for k, v in a.items()})
        if answer.kind not in KINDS:
            raise DataError(f"answer {answer.name!r} has kind {answer.kind!r}; use one of {KINDS}")
        if not answer.name.isidentifier():
            raise DataError(f"answer name {answer.name!r} is not a Python variable name")
        answers.append(answer)
    schemes = mark_schemes(nb.get("cells", []), [w["name"] for w in meta.get("written", [])])
    for w in meta.get("written", []):
        written.append(Written(**{**w, "scheme": schemes.get(w["name"], "")}))
    names = [a.name for a in answers] + [w.name for w in written]
    if len(set(names)) != len(names):
        raise DataError(f"{meta['assignment']}: answer names must be unique, got {names}")
    return Spec(assignment=meta["assignment"], title=meta.get("title", ""), answers=tuple(answers),
                written=tuple(written), hidden_parameters=dict(meta.get("hidden_parameters", {})),
                limits=dict(meta.get("limits", {})))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _written_blocks(cells, names) -> dict[str, list[int]]:
    """For each written name, the indices of its tagged markdown cell and the markdown cells after it up to
    the next code cell (the block `grade.written_answers` reads the participant's answer from)."""
    blocks: dict[str, list[int]] = {}
    cells = list(cells)
    for i, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        for name in names:
            if f"{WRITTEN_TAG}{name}" in tags and name not in blocks:
                block = [i]
                for j in range(i + 1, len(cells)):
                    if cells[j].get("cell_type") != "markdown":
                        break
                    block.append(j)
                blocks[name] = block
    return blocks


def mark_schemes(cells, names) -> dict[str, str]:
    """The mark scheme of each written question `names`, from a solution's cells (see the module docstring).

    A question with no scheme maps to ``""``; several scheme blocks in one question's cells are joined.

    Examples
    --------
    >>> cells = [{"cell_type": "markdown", "metadata": {"tags": ["written:w1"]},
    ...           "source": "Q5.\\n<!-- BEGIN MARK SCHEME -->\\n1 point: stranded costs\\n<!-- END MARK SCHEME -->"},
    ...          {"cell_type": "code", "metadata": {}, "source": "x = 1"}]
    >>> mark_schemes(cells, ["w1", "w2"])
    {'w1': '1 point: stranded costs', 'w2': ''}
    """
    cells = list(cells)
    blocks = _written_blocks(cells, names)
    return {name: "\n\n".join(m.strip() for i in blocks.get(name, [])
                               for m in _SCHEME_BODY.findall(_source(cells[i])) if m.strip())
            for name in names}


def mark_scheme_problems(nb) -> list[str]:
    """What is wrong with the mark schemes of a solution notebook; empty when every written question has one.

    A written question needs a markdown cell tagged ``written:<name>`` and a non-empty scheme in that cell or
    the markdown cells right after it; a scheme elsewhere would never reach ``written.html``, and a marker
    without its partner would leak into the exercise.

    Examples
    --------
    >>> nb = {"metadata": {"kamlab": {"assignment": "ex00", "written": [{"name": "w1", "points": 2}]}},
    ...       "cells": [{"cell_type": "markdown", "metadata": {"tags": ["written:w1"]}, "source": "Q5. Advise."}]}
    >>> print(mark_scheme_problems(nb)[0][:43])
    written question w1 has no mark scheme: put
    """
    spec = read_spec(nb)
    cells = list(nb.get("cells", []))
    names = [w.name for w in spec.written]
    blocks = _written_blocks(cells, names)
    problems = []
    for w in spec.written:
        if w.name not in blocks:
            problems.append(f"written question {w.name} has no markdown cell tagged {WRITTEN_TAG}{w.name}: "
                            "tag the cell the participant writes the answer in")
        elif not w.scheme:
            problems.append(f"written question {w.name} has no mark scheme: put <!-- BEGIN MARK SCHEME --> ... "
                            f"<!-- END MARK SCHEME --> in the markdown cell tagged {WRITTEN_TAG}{w.name} "
                            "(or a markdown cell right after it)")
    in_blocks = {i for block in blocks.values() for i in block}
    for i, cell in enumerate(cells):
        text = _source(cell)
        markers = _SCHEME_MARKER.findall(text)
        if not markers:
            continue
        if markers != ["BEGIN", "END"] * (len(markers) // 2):
            problems.append(f"cell {i}: unbalanced MARK SCHEME markers (each BEGIN needs its END in the same cell)")
        elif cell.get("cell_type") != "markdown" or i not in in_blocks:
            problems.append(f"cell {i} holds a mark scheme that belongs to no written question: move it into the "
                            f"markdown cell tagged {WRITTEN_TAG}<name> of its question")
    return problems


def public_spec(spec: Spec) -> dict:
    """The part of the spec a participant may see (no hidden parameters)."""
    return {
        "assignment": spec.assignment,
        "title": spec.title,
        "answers": [{"name": a.name, "points": a.points, "kind": a.kind, "question": a.question}
                    for a in spec.answers],
        "written": [{"name": w.name, "points": w.points, "question": w.question} for w in spec.written],
    }


def _assigned_names(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id not in names:
                    names.append(n.id)
    return names


def strip_solution(source: str, answer_names=()) -> str:
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block by a placeholder.

    An answer variable assigned inside the block becomes ``name = None``, so an untouched exercise
    runs and scores zero; other code becomes ``...  # your code here``. Indentation is kept.

    Examples
    --------
    >>> src = "x = 1\\n### BEGIN SOLUTION\\nq1 = x + 1\\n### END SOLUTION\\nprint(q1)"
    >>> print(strip_solution(src, ["q1"]))
    x = 1
    q1 = None  # your code here
    print(q1)
    """
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            if block is not None:
                raise DataError(f"nested {BEGIN_SOLUTION} in:\n{source}")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END_SOLUTION:
            if block is None:
                raise DataError(f"{END_SOLUTION} without {BEGIN_SOLUTION} in:\n{source}")
            import textwrap

            names = [n for n in _assigned_names(textwrap.dedent("\n".join(block))) if n in answer_names]
            out += [f"{indent}{n} = None  {PLACEHOLDER}" for n in names] or [f"{indent}...  {PLACEHOLDER}"]
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise DataError(f"{BEGIN_SOLUTION} without {END_SOLUTION} in:\n{source}")
    return "\n".join(out)


def strip_mark_scheme(markdown: str) -> str:
    """Remove ``<!-- BEGIN MARK SCHEME -->`` ... ``<!-- END MARK SCHEME -->`` blocks.

    Examples
    --------
    >>> strip_mark_scheme("Write here.\\n<!-- BEGIN MARK SCHEME -->\\n2 points: stranded costs\\n<!-- END MARK SCHEME -->")
    'Write here.'
    """
    out = _MARK_SCHEME.sub("\n", markdown).rstrip()
    if _SCHEME_MARKER.search(out):
        raise DataError(f"a MARK SCHEME marker without its partner (the scheme would leak into the exercise) in:\n"
                        f"{markdown}")
    return out


def self_check_source(spec: Spec) -> str:
    """The code of the participant's self-check cell: type and shape checks only, never an answer.

    Examples
    --------
    >>> spec = Spec("ex00", answers=(Answer("q1", 1, check={"min": 0}),))
    >>> print(self_check_source(spec))
    # Self-check: are your answers the right type and shape? (It never says whether they are right.)
    kl.grading.self_check(globals(), {
        'q1': {'kind': 'number', 'min': 0},
    })
    """
    lines = ["# Self-check: are your answers the right type and shape? (It never says whether they are right.)",
             "kl.grading.self_check(globals(), {"]
    for a in spec.answers:
        check = {"kind": a.kind, **dict(sorted(a.check.items()))}
        lines.append(f"    {a.name!r}: {check!r},")
    lines.append("})")
    return "\n".join(lines)
