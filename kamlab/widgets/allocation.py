"""Panels for the allocation unit."""
from __future__ import annotations

__all__: list[str] = []
