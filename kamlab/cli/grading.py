"""`kamlab` commands for grading."""
from __future__ import annotations


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
