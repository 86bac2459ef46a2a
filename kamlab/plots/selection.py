"""Plots for the selection unit."""
from __future__ import annotations

__all__: list[str] = []
