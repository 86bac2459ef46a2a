"""Panels for the app unit."""
from __future__ import annotations

__all__: list[str] = []
