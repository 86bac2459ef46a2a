"""Exercises, solutions and a grader instructors can trust: one module per verb.

- `authoring`: the answer spec and the solution / mark-scheme markers
- `assign`: solutions/ -> exercises/ (`kamlab assign`)
- `validate`: every solution earns full marks, every untouched exercise zero (`kamlab validate`)
- `grade`: run submissions in parallel sandboxes and score them (`kamlab grade`)
- `execute`: run one notebook in a sandboxed subprocess, read its answers out as JSON
- `checks`: type-aware comparisons in the grader's process; the participant's `self_check`
- `feedback`: per-student HTML feedback, the summary and its plot
- `gradebook`: the atomic CSV gradebook and the manual-score merge

Only `checks` loads on ``import kamlab.grading``, so a participant's self-check cell stays light.
"""
from __future__ import annotations

import importlib

from kamlab.grading.checks import self_check

__all__ = ["self_check", "assign", "validate", "grade", "authoring", "checks", "execute", "feedback",
           "gradebook"]
_LAZY = {"assign": ("assign", "assign"), "validate": ("validate", "validate"), "grade": ("grade", "grade")}
_MODULES = ("authoring", "checks", "execute", "feedback", "gradebook")


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"kamlab.grading.{module}"), attr)
    if name in _MODULES:
        return importlib.import_module(f"kamlab.grading.{name}")
    raise AttributeError(f"module 'kamlab.grading' has no attribute {name!r}")
