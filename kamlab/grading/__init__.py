"""Exercises, solutions and a grader instructors can trust: one module per verb.

- `authoring`: the answer spec and the solution / mark-scheme markers
- `assign`: solutions/ -> exercises/ (`kamlab assign`; the function is ``kl.grading.assign.assign``)
- `validate`: every solution earns full marks, every untouched exercise zero (``kl.grading.validate.validate``)
- `grade`: run submissions in parallel sandboxes and score them (``kl.grading.grade.grade``)
- `execute`: run one notebook in a sandboxed subprocess, read its answers out as JSON
- `checks`: type-aware comparisons in the grader's process; the participant's `self_check`
- `feedback`: per-student HTML feedback, the summary and its plot
- `gradebook`: the atomic CSV gradebook and the manual-score merge

``kl.grading.grade`` is always the module, never the function of the same name: importing a submodule
makes it an attribute of its package, so a re-exported function under the submodule's name was the
function on one access and the module on the next. A submodule loads on first use, so a participant's
self-check cell loads `checks` alone.
"""
from __future__ import annotations

from kamlab._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, submod_attrs={"checks": ["self_check"]}, submodules=[
    "assign", "validate", "grade", "authoring", "checks", "execute", "feedback", "gradebook"])
