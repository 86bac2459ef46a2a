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
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from kamlab.data import DataError

__all__ = ["Answer", "Written", "Spec", "read_spec", "strip_solution", "strip_mark_scheme",
           "public_spec", "self_check_source", "KINDS", "BEGIN_SOLUTION", "END_SOLUTION"]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
_MARK_SCHEME = re.compile(r"\s*<!--\s*BEGIN MARK SCHEME\s*-->.*?<!--\s*END MARK SCHEME\s*-->\s*?(\n|$)",
                          re.DOTALL)
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
    """A written answer scored by the instructor against the mark scheme (manual scores CSV)."""

    name: str
    points: float
    question: str = ""


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
    for w in meta.get("written", []):
        written.append(Written(**w))
    names = [a.name for a in answers] + [w.name for w in written]
    if len(set(names)) != len(names):
        raise DataError(f"{meta['assignment']}: answer names must be unique, got {names}")
    return Spec(assignment=meta["assignment"], title=meta.get("title", ""), answers=tuple(answers),
                written=tuple(written), hidden_parameters=dict(meta.get("hidden_parameters", {})),
                limits=dict(meta.get("limits", {})))


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
    return _MARK_SCHEME.sub("\n", markdown).rstrip()


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
