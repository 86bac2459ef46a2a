"""Plots for the growth unit."""
from __future__ import annotations

__all__: list[str] = []
