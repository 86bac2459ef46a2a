"""Panels for the apa unit."""
from __future__ import annotations

__all__: list[str] = []
