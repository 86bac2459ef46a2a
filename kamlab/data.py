"""Datasets: the tables of a case company or an imported export, loaded, validated and saved.

A `Dataset` is a frozen dataclass of pandas DataFrames, one per table of `kamlab.schema.TABLES`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from kamlab import schema

SAMPLE_FOLDER = Path(__file__).resolve().parent.parent / "datasets" / "case_company"


class DataError(ValueError):
    """Bad input data, with the file, column, rows and what to do about it."""


@dataclass(frozen=True)
class Dataset:
    """The tables of one company: accounts, products, order_lines, activities, activity_rates,
    payments, wallets (see datasets/README.md for the data dictionary), plus `meta` (name, currency,
    seed, assumptions made on import)."""

    accounts: pd.DataFrame
    products: pd.DataFrame
    order_lines: pd.DataFrame
    activities: pd.DataFrame
    activity_rates: pd.DataFrame
    payments: pd.DataFrame
    wallets: pd.DataFrame
    meta: dict = field(default_factory=dict, compare=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in schema order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}

    def replace(self, **tables) -> "Dataset":
        """A copy with some tables (or meta) replaced."""
        return Dataset(**{**self.tables(), "meta": self.meta, **tables})

    @property
    def currency(self) -> str:
        return self.meta.get("currency", "EUR")
