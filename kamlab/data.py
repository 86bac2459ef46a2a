"""Datasets: the tables of a case company or an imported export, loaded, validated and saved.

A `Dataset` is a frozen dataclass of pandas DataFrames, one per table of `kamlab.schema.TABLES`
(the data dictionary is `datasets/README.md`). A dataset folder holds one CSV per table plus
`meta.json`; `load` reads it, `save` writes it, `validate` checks an in-memory Dataset.

Reading rules (what a finance person's files may look like, and what kamlab does with them)
----------------------------------------------------------------------------------------------
Files are read by `kamlab.readers.read_table`, the same reader `kamlab import` uses.

- One CSV per table, header on line 1, so data row *i* (counting from 1) is line *i + 1* of the file
  (blank lines keep their numbers): every message names the file, the column and these line numbers, the
  way a text editor or Excel's row numbers show them. Every line must have the header's number of fields.
- Encoding: UTF-8 with or without a byte-order mark, or UTF-16, read as is. A file that is not UTF-8 is
  read in the legacy code page whose accented letters read as words (cp1252 from Excel on Windows,
  mac_roman, cp850), and a `UserWarning` plus a note in ``meta["load_notes"]`` say so and name the first
  line with such a character. Re-save as "CSV UTF-8" to silence it. LF, CRLF or CR line ends; comma,
  semicolon, tab or pipe separators (a separator other than comma is noted).
- Numbers are plain: ``1234.5``, not ``1,234.50``, ``€12``, ``12,5`` or ``(12.50)``: those are reported
  with how to fix them, and so is a number that reads two ways (``1.824`` in a column with no other
  decimals). Fractions, not percents (``0.25``, not ``25%``).
- Dates are ISO ``yyyy-mm-dd`` (an ISO date-time such as ``2025-03-31 14:05:00`` counts as its day).
  Booleans are ``true`` or ``false`` (any case; Excel's TRUE/FALSE is fine).
- An Excel workbook saved under a ``.csv`` name, an empty file or a header-only core table (accounts,
  products, order_lines) is an error with a fix. The other tables may have a header and no rows (a
  company that records no activities, payments or wallets).
- Columns not in the schema are kept (as text) and not checked.

Returns (credit notes)
----------------------
A return is an order line with a **negative quantity** (a credit line) and the same positive
``invoice_price`` as the sale: its revenue ``quantity x invoice_price`` is negative. Prices, costs,
rebates, freight and activity driver quantities are never negative; a quantity is never zero.
Its order (``order_id``) may be the credit note's own number; its payment ``amount`` is then negative.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab import readers, schema
from kamlab.readers import DataError, Problem, explain_numbers, problem, quote, raise_problems

__all__ = ["DataError", "Problem", "Dataset", "load", "save", "validate", "load_sample", "read_table_file",
           "isin_fast", "lookup", "SAMPLE_FOLDER", "CORE_TABLES"]

SAMPLE_FOLDER = Path(__file__).resolve().parent.parent / "datasets" / "case_company"

CORE_TABLES = ("accounts", "products", "order_lines")  # must have at least one row
_BOOL_WORDS = {"true": True, "false": False}


# The problem helpers live on the ground floor (kamlab.readers); these names stay importable from here.
_quote, _problem, _raise, _explain_numbers = quote, problem, raise_problems, explain_numbers


@dataclass(frozen=True, eq=False)
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


# --------------------------------------------------------------------------------------------------
# reading one text table


def read_table_file(path: str | Path, *, label: str | None = None,
                    numeric: tuple[str, ...] = (), expected: tuple[str, ...] = ()) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Read one table of a dataset folder through `kamlab.readers.read_table`: the frame (text cells,
    NaN for empty ones), the 1-based line number of every row, and notes (e.g. the encoding guessed, also
    issued as a `UserWarning`). `numeric` is kept for compatibility: numbers are parsed by `load`.

    Raises `DataError` for a missing or empty file, an Excel workbook saved as .csv, and lines that do not
    split into the header's columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbfa,b\\n1,x\\n\\n2,y\\n")
    >>> frame, lines, notes = read_table_file(p)
    >>> list(frame.columns), lines.tolist(), notes
    (['a', 'b'], [2, 4], [])
    """
    table = readers.read_table(path, label=label, expected=expected, allow_workbook=False)
    for note in table.notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return table.frame, table.lines, list(table.notes)


# --------------------------------------------------------------------------------------------------
# parsing text columns into their schema kinds


def _parse_number(s: pd.Series, col: schema.Column, lines, label: str, problems: list) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("str")
    num = readers.parse_numbers(s, lines, label, col.name, readers.NumberFormat(), problems, col.kind)
    if num is None:
        return None
    infinite = np.isinf(num.to_numpy())
    if infinite.any():
        problems.append(_problem(label, col.name, np.asarray(lines)[infinite], num[infinite], "infinite values",
                                 "write a finite number (a formula error in the spreadsheet?)"))
        return None
    if col.kind == "int":
        frac = (num.notna() & (num % 1 != 0)).to_numpy()
        if frac.any():
            problems.append(_problem(label, col.name, np.asarray(lines)[frac], num[frac],
                                     "values that are not whole numbers", "write whole numbers (no decimals)"))
            return None
        return num.astype("Int64") if num.isna().any() else num.astype("int64")
    return num


def _parse_date(s: pd.Series, col, lines, label, problems) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return (s.dt.tz_localize(None) if getattr(s.dt, "tz", None) else s).astype("datetime64[ns]")
    if s.dtype == object and isinstance(s.dropna().iloc[0] if s.notna().any() else "", (date, datetime)):
        s = s.map(lambda v: v.isoformat()[:10] if isinstance(v, (date, datetime)) else v)  # Python dates
    text = s.astype("str").str.strip()
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    bad = (out.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():  # ISO date-times (2025-03-31 14:05:00) are fine too: the day counts
        out[bad] = pd.to_datetime(text[bad], format="ISO8601", errors="coerce").dt.normalize().astype(
            "datetime64[ns]")
        bad = (out.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():
        problems.append(_problem(
            label, col.name, np.asarray(lines)[bad], text[bad], "dates not written as yyyy-mm-dd",
            "write dates as ISO yyyy-mm-dd, e.g. 2025-03-31 (in Excel: Format Cells > Custom > yyyy-mm-dd "
            "before saving as CSV; 31/03/2025, 3/31/2025 and Excel serial numbers are ambiguous)"))
        return None
    return out


def _parse_bool(s: pd.Series, col, lines, label, problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(s) and not s.isna().any():
        return s.astype(bool)
    text = s.astype("str").str.strip().str.lower()
    yes, no = (text == "true").fillna(False), (text == "false").fillna(False)
    empty = (text.isna() | (text == "")).to_numpy()
    bad = ~(yes | no).to_numpy() & ~empty
    if bad.any():
        problems.append(_problem(label, col.name, np.asarray(lines)[bad], s[bad], "values that are not true/false",
                                 "write true or false in every cell (not yes/no, 1/0 or x)"))
        return None
    out = yes.to_numpy(dtype=bool)
    return pd.Series(pd.array(out, dtype="boolean")).mask(empty) if empty.any() else pd.Series(out)


def _parse_str(s: pd.Series, col, lines, label, problems) -> pd.Series:
    if pd.api.types.is_float_dtype(s):  # ids read as floats: 17850.0 -> "17850"
        s = s.astype("Int64") if ((s % 1 == 0) | s.isna()).all() else s
    out = s.astype("str")
    return out.where(out.str.strip() != "")  # blank text is empty


_PARSERS = {"int": _parse_number, "float": _parse_number, "date": _parse_date, "bool": _parse_bool,
            "str": _parse_str}


def _parse_table(frame: pd.DataFrame, lines, name: str, label: str, problems: list) -> pd.DataFrame | None:
    """Schema columns parsed into their kinds (plus extra columns as text), or None on problems."""
    cols = schema.TABLES[name]
    missing = [c.name for c in cols if c.name not in frame.columns]
    if missing:
        problems.append(Problem(label, ", ".join(missing), (), (), f"missing column{'s' * (len(missing) > 1)} "
                                f"{', '.join(repr(m) for m in missing)} (the header, line 1, has "
                                f"{', '.join(repr(str(c)) for c in frame.columns)})",
                                f"add the column(s) to line 1 spelled exactly as in datasets/README.md; the "
                                f"{name} table needs: {', '.join(schema.columns(name))}"))
        return None
    before = len(problems)
    out = {c.name: _PARSERS[c.kind](frame[c.name], c, lines, label, problems) for c in cols}
    if len(problems) > before:
        return None
    extra = {c: frame[c] for c in frame.columns if c not in out}
    return pd.DataFrame({**out, **extra}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# checks on parsed tables


def _check_table(table: pd.DataFrame, lines, name: str, label: str, problems: list) -> None:
    if len(table) == 0 and name in CORE_TABLES:
        problems.append(Problem(label, None, (), (), f"the {name} table has no rows (line 2 onwards is empty)",
                                f"a dataset needs at least one row of {name}; export the table with its data"))
        return
    lines = np.asarray(lines)
    for col in schema.TABLES[name]:
        s = table[col.name]
        empty = s.isna().to_numpy()
        if not col.nullable and empty.any():
            problems.append(_problem(label, col.name, lines[empty], s[empty], "empty cells",
                                     f"fill in every {col.name} ({col.meaning})"))
        if col.allowed is not None:
            bad = (~s.isin(col.allowed) & ~s.isna()).to_numpy()
            if bad.any():
                problems.append(_problem(label, col.name, lines[bad], s[bad], "values outside the allowed set",
                                         f"use one of {', '.join(map(str, col.allowed))}"))
        if col.min is not None and (bad := (s < col.min).fillna(False).to_numpy(dtype=bool)).any():
            what = "negative values" if col.min == 0 else f"values below {col.min:g}"
            problems.append(_problem(label, col.name, lines[bad], s[bad], what,
                                     f"{col.name} ({col.meaning}) must be at least {col.min:g}"
                                     + ("; a return is a negative quantity, never a negative price"
                                        if name == "order_lines" else "")))
        if col.max is not None and (bad := (s > col.max).fillna(False).to_numpy(dtype=bool)).any():
            problems.append(_problem(label, col.name, lines[bad], s[bad], f"values above {col.max:g}",
                                     f"{col.name} is {col.unit}: at most {col.max:g}"
                                     + (" (fractions, not percents)" if col.unit == "fraction" else "")))
        if col.unique and (bad := (s.duplicated(keep=False) & s.notna()).to_numpy()).any():
            problems.append(_problem(label, col.name, lines[bad], s[bad], "duplicate ids (each must appear once)",
                                     f"give every row its own {col.name}, or remove the repeated rows"))
    if name == "order_lines" and (bad := (table["quantity"] == 0).to_numpy()).any():
        problems.append(_problem(label, "quantity", lines[bad], table["quantity"][bad], "zero quantities",
                                 "remove lines with quantity 0; a sale has a positive quantity, a return "
                                 "(credit line) a negative one"))


def _check_references(tables: dict, lines: dict, labels: dict, problems: list) -> None:
    for name, table in tables.items():
        for col in schema.TABLES[name]:
            if col.references is None or table is None:
                continue
            ref_table, ref_col = col.references.split(".")
            if tables.get(ref_table) is None:
                continue
            s = table[col.name]
            bad = ~isin_fast(s, tables[ref_table][ref_col]) & s.notna().to_numpy()
            if bad.any():
                problems.append(_problem(
                    labels[name], col.name, np.asarray(lines[name])[bad], s[bad],
                    f"unknown {ref_col} values (not in {labels[ref_table]})",
                    f"add them to {labels[ref_table]}, or correct the {col.name} on these lines"))


def isin_fast(values: pd.Series, reference: pd.Series) -> np.ndarray:
    """Boolean array: which `values` occur in `reference` (one factorize: fast on text columns).

    Examples
    --------
    >>> isin_fast(pd.Series(["a", "b", None]), pd.Series(["b", "c"])).tolist()
    [False, True, False]
    """
    ref = pd.Series(pd.unique(reference.dropna()), dtype=values.dtype if len(reference) else None)
    both = pd.concat([ref, values], ignore_index=True)
    codes, uniques = pd.factorize(both)
    known = np.zeros(len(uniques) + 1, dtype=bool)  # the extra slot is code -1 (missing)
    known[codes[: len(ref)]] = True
    return known[codes[len(ref):]]


def lookup(keys: pd.Series, table: pd.Series) -> np.ndarray:
    """`table[key]` for every key (NaN where absent), via one factorize: fast on text keys.

    Examples
    --------
    >>> lookup(pd.Series(["a", "b", "a"]), pd.Series({"a": 1.0})).tolist()
    [1.0, nan, 1.0]
    """
    codes, uniques = pd.factorize(keys)
    values = table.reindex(uniques).to_numpy()
    out = values[np.maximum(codes, 0)] if len(values) else np.full(len(codes), np.nan)
    if (codes < 0).any():
        out = out.astype("float64" if out.dtype.kind in "biuf" else object)
        out[codes < 0] = np.nan
    return out


def _check_all(frames: dict, lines: dict, labels: dict) -> dict[str, pd.DataFrame]:
    problems: list[Problem] = []
    parsed = {name: _parse_table(frames[name], lines[name], name, labels[name], problems)
              for name in schema.TABLE_NAMES}
    for name, table in parsed.items():
        if table is not None:
            _check_table(table, lines[name], name, labels[name], problems)
    _check_references(parsed, lines, labels, problems)
    _raise(problems)
    return parsed


# --------------------------------------------------------------------------------------------------
# public API


def validate(dataset: Dataset) -> Dataset:
    """Check an in-memory Dataset against `kamlab.schema` and return it with canonical column types.

    Raises `DataError` naming the table's file (``<table>.csv``, as `save` would write it), the column
    and the lines row i would have in that file (line i + 2: the header is line 1), and the fix.
    Columns are coerced where that is unambiguous (numbers stored as text, ids stored as floats); the
    input is not changed.

    Examples
    --------
    >>> ds = validate(_tiny())
    >>> ds.order_lines["quantity"].tolist()
    [5.0, -1.0]
    >>> bad = ds.replace(products=ds.products.assign(unit_cost=[-1.0]))
    >>> try:
    ...     validate(bad)
    ... except DataError as err:
    ...     print(str(err).splitlines()[1][:67])
    - products.csv, column 'unit_cost': negative values -- line 2: -1.0
    """
    tables = dataset.tables()
    labels = {name: f"{name}.csv" for name in tables}
    problems = [Problem(labels[n], None, (), (), f"{n} is not a table (got {type(t).__name__})",
                        "pass a pandas DataFrame") for n, t in tables.items() if not isinstance(t, pd.DataFrame)]
    _raise(problems)
    lines = {name: np.arange(2, len(t) + 2) for name, t in tables.items()}
    frames = {name: t.reset_index(drop=True) for name, t in tables.items()}
    return Dataset(**_check_all(frames, lines, labels), meta=dict(dataset.meta))


def save(dataset: Dataset, folder: str | Path) -> Path:
    """Validate, then write one CSV per table (opens in Excel) plus meta.json into `folder`.

    Nothing is written when validation fails: the files go to a temporary folder beside `folder` and
    are moved into place only once all are written. Other files already in `folder` are left alone.

    Examples
    --------
    >>> import tempfile
    >>> folder = save(_tiny(), tempfile.mkdtemp() + "/tiny")
    >>> sorted(p.name for p in folder.iterdir())[:3]
    ['accounts.csv', 'activities.csv', 'activity_rates.csv']
    """
    clean = validate(dataset)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the folder should look like any other
    try:
        for name, table in clean.tables().items():
            table.to_csv(tmp / f"{name}.csv", index=False, date_format="%Y-%m-%d", lineterminator="\n")
        (tmp / "meta.json").write_text(json.dumps(clean.meta, indent=2, sort_keys=True, default=str) + "\n")
        if not folder.exists():
            os.replace(tmp, folder)
            return folder
        for item in tmp.iterdir():
            os.replace(item, folder / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load(folder: str | Path) -> Dataset:
    """Read and validate a dataset folder written by `save`, `kamlab generate` or `kamlab import`.

    See the module docstring for the reading rules (encoding, numbers, dates, booleans, returns).
    Raises `DataError` with the file, column, line numbers and fix for every problem found.

    Examples
    --------
    >>> import tempfile
    >>> ds = load(save(_tiny(), tempfile.mkdtemp() + "/tiny"))
    >>> ds.accounts["account_id"].tolist(), ds.meta["name"]
    (['A1'], 'tiny')
    """
    folder = Path(folder)
    if not folder.is_dir():
        hint = " (a file, not a folder)" if folder.exists() else ""
        raise DataError(f"{folder}: dataset folder not found{hint}.\n    Fix: give the folder that holds "
                        f"{', '.join(n + '.csv' for n in schema.TABLE_NAMES)} (e.g. made by `kamlab generate`).")
    labels = {name: str(folder / f"{name}.csv") for name in schema.TABLE_NAMES}
    missing = [n for n in schema.TABLE_NAMES if not (folder / f"{n}.csv").is_file()]
    if missing:
        found = sorted(p.name for p in folder.iterdir() if p.is_file())
        excel = [m for m in missing if (folder / f"{m}.xlsx").exists()]
        fix = (f"export {', '.join(m + '.xlsx' for m in excel)} as CSV UTF-8" if excel
               else "add the missing tables (a header line is enough for activities, payments, wallets)")
        raise DataError(f"{folder}: missing file{'s' * (len(missing) > 1)} "
                        f"{', '.join(labels[m] for m in missing)} (found: {', '.join(found) or 'nothing'}).\n"
                        f"    Fix: {fix}.", [Problem(labels[m], None, (), (), "file not found", fix) for m in missing])
    frames, lines, notes = {}, {}, []
    for name in schema.TABLE_NAMES:
        numeric = tuple(c.name for c in schema.TABLES[name] if c.kind in ("int", "float"))
        frames[name], lines[name], note = read_table_file(folder / f"{name}.csv", label=labels[name],
                                                          numeric=numeric, expected=schema.columns(name))
        notes += note
    tables = _check_all(frames, lines, labels)
    meta = _read_meta(folder / "meta.json")
    if notes:
        meta["load_notes"] = notes
    return Dataset(**tables, meta=meta)


def _read_meta(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not valid JSON ({err}).\n    Fix: correct it, or delete meta.json "
                        f"(it only holds the name, currency and notes).") from None
    if not isinstance(meta, dict):
        raise DataError(f"{path}: must hold a JSON object {{...}}.\n    Fix: correct it, or delete meta.json.")
    return meta


_PRELOADED: Dataset | None = None  # the case company, read ahead by `preload_sample`, handed out once


def load_sample() -> Dataset:
    """The shipped case company (datasets/case_company).

    Examples
    --------
    >>> load_sample().accounts.shape[1]
    14
    """
    global _PRELOADED
    ds, _PRELOADED = _PRELOADED, None
    return ds if ds is not None else load(SAMPLE_FOLDER)


def preload_sample() -> None:
    """Read the case company ahead of `load_sample`'s next call. The app's kernel forge does, so that every
    page kernel forked from it starts with the data read (each takes its own copy, once).

    >>> preload_sample()
    >>> load_sample().accounts.shape[1]  # the preloaded one; the next call reads the files again
    14
    """
    global _PRELOADED
    _PRELOADED = load(SAMPLE_FOLDER)


def _tiny() -> Dataset:
    """A one-account dataset for doctests."""
    day = pd.Timestamp("2025-01-10")
    return Dataset(
        accounts=pd.DataFrame({"account_id": ["A1"], "name": ["Acme"], "industry": ["food"], "region": ["north"],
                               "segment": ["large"], "customer_since": [day], "lifecycle_stage": [4],
                               "relationship_stage": ["cooperative"], "market_leader": [True],
                               "key_market": [True], "global_presence": [False], "payment_terms_days": [30],
                               "churn_risk": [0.1], "service_tier": ["gold"]}),
        products=pd.DataFrame({"product_id": ["P1"], "name": ["Widget"], "product_line": ["widgets"],
                               "list_price": [10.0], "unit_cost": [6.0]}),
        order_lines=pd.DataFrame({"line_id": [1, 2], "order_id": ["O1", "O2"], "invoice_date": [day, day],
                                  "account_id": ["A1", "A1"], "product_id": ["P1", "P1"], "quantity": [5.0, -1.0],
                                  "list_price": [10.0, 10.0], "invoice_price": [9.0, 9.0],
                                  "off_invoice": [2.0, 0.0], "freight_cost": [1.0, 0.0], "rush": [False, False],
                                  "custom": [False, False]}),
        activities=pd.DataFrame({"date": [day], "account_id": ["A1"], "activity": ["sales_visit"],
                                 "driver_qty": [1.0]}),
        activity_rates=pd.DataFrame({"activity": ["sales_visit"], "driver_unit": ["visit"], "rate": [250.0],
                                     "cost_behaviour": ["fixed_avoidable"]}),
        payments=pd.DataFrame({"order_id": ["O1", "O2"], "account_id": ["A1", "A1"], "amount": [45.0, -9.0],
                               "due_date": [day + pd.Timedelta(days=30)] * 2,
                               "paid_date": [day + pd.Timedelta(days=40), pd.NaT]}),
        wallets=pd.DataFrame({"account_id": ["A1"], "product_line": ["widgets"], "estimated_spend": [500.0]}),
        meta={"name": "tiny", "currency": "EUR"},
    )
