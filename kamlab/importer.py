"""Bring your own data: a full kamlab Dataset from one order-lines export (CSV, CSV.gz, Excel or a DataFrame).

`from_order_lines(source, columns, **assumptions)` maps the export's columns onto kamlab's order lines,
fills in what the export does not hold with stated, documented assumptions (unit cost as a share of price,
activity rates, payment terms, wallets, account attributes), and returns an `ImportResult` holding the
Dataset, the assumptions made, a reconciliation of every line of the file, and the lines set aside.

Mapping targets (``columns={"target": "ExportColumn", ...}``)
    required: account_id, order_id, invoice_date, product_id, quantity, invoice_price
    optional: list_price, discount_rate (fraction off on the invoice: the invoice price is then
    invoice_price x (1 - discount_rate) and the list price defaults to the mapped price), off_invoice
    (rebates per line), freight_cost (per line), order_freight (freight per order, repeated on its lines,
    spread over them by value), unit_cost, product_name, product_line, account_name, industry, region,
    country (used as region when region is not mapped), rush, custom.

How lines are read
    - A negative quantity is a return (a credit line, e.g. a cancellation invoice "C536379"), kept with
      its positive price, as in `kamlab.data`.
    - Product ids in ``noise_codes`` are not products. None by default: every product id is a product.
      ``noise_codes="online_retail"`` is the UCI Online Retail list (`NOISE_PRESETS`); a mapping or a text
      list ``"POST:freight,D:discount"`` states your own. Codes are matched without regard to case, and the
      lines each matched are listed among the assumptions: ``freight`` (POST, DOT, C2) and ``fee`` lines (BANK CHARGES,
      AMAZONFEE, CRUK) are reported as freight and fees; fees the supplier paid (negative lines) become the
      cost-to-serve activity ``fees_and_commissions``; freight and fees charged to the customer are assumed
      to pass the carrier's or bank's charge through at cost (neither revenue nor cost). ``discount`` lines
      (D) become off-invoice allowances (``off_invoice``) spread over the account's sales lines by value.
      ``adjustment`` lines (M manual, S samples, B bad debt, PADS) are set aside.
    - Lines without an account id, with a zero quantity, a negative price, or no product id or date are
      set aside with the reason: never silently dropped (`ImportResult.set_aside`).
    - off_invoice, freight_cost and order_freight are amounts the supplier pays: their sign is ignored.
    - Unreadable numbers or dates stop the import with a `kamlab.data.DataError` naming the line.
    - The file is read by `kamlab.readers.read_table` (encoding, separator, title block, sheet, number format
      detected and printed, or stated: ``encoding``, ``sep``, ``header_row``, ``sheet``, ``decimal``,
      ``thousands``, ``negative``). Dates may be Excel serial numbers (45292 = 2024-01-01).
    - Spreadsheet error values (#N/A, #REF!, ...) in a mapped column stop the import, naming the lines.
    - A "Total" row (a total, sum or Summe label in an id or name column) is kept out of the lines and of
      the raw total, and named.
    - Lines repeated exactly are named; ``duplicates="keep"`` (default) keeps them, ``"drop"`` sets the
      repeats aside.
    - Account and product ids that differ only in case, surrounding spaces or leading zeros (``00017`` and
      ``17``, ``ALFKI`` and ``alfki``) are named with their lines and kept apart, unless ``merge_ids=True``.

The reconciliation: product revenue + returns + on-invoice discounts + freight and fees + discounts +
set-aside lines == sum(quantity x price) over every line of the file, to the cent.

Command line, on the UCI Online Retail export (copy for the README)::

    kamlab import ../shared/data/online_retail/online_retail.csv.gz \\
        --map account_id=CustomerID --map order_id=InvoiceNo --map invoice_date=InvoiceDate \\
        --map product_id=StockCode --map quantity=Quantity --map invoice_price=UnitPrice \\
        --map product_name=Description --map country=Country \\
        --assume currency=GBP --assume noise_codes=online_retail --out datasets/online_retail
"""
from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab import data, readers
from kamlab import format as fmt

REQUIRED = ("account_id", "order_id", "invoice_date", "product_id", "quantity", "invoice_price")
OPTIONAL = ("list_price", "discount_rate", "off_invoice", "freight_cost", "order_freight", "unit_cost",
            "product_name", "product_line", "account_name", "industry", "region", "country", "rush", "custom")
_NUMERIC = ("quantity", "invoice_price", "list_price", "discount_rate", "off_invoice", "freight_cost",
            "order_freight", "unit_cost")
_FLAGS = ("rush", "custom")

NON_PRODUCT_KINDS = ("freight", "fee", "discount", "adjustment")
#: Named lists of non-product codes for `from_order_lines(noise_codes=...)`; never applied by default.
NOISE_PRESETS = {
    "online_retail": {  # the UCI Online Retail export (Chen, Sain & Guo 2012)
        "POST": "freight", "DOT": "freight", "C2": "freight",
        "BANK CHARGES": "fee", "AMAZONFEE": "fee", "CRUK": "fee",
        "D": "discount",
        "M": "adjustment", "S": "adjustment", "B": "adjustment", "PADS": "adjustment",
    },
}
_TOTAL_WORDS = r"^\s*(grand\s+)?(total|totals|sum|summe|gesamt|gesamtsumme|totaal|somme|total g[ée]n[ée]ral)\b"
_READ_OPTIONS = ("encoding", "sep", "header_row", "sheet", "decimal", "thousands", "negative")

# Activity rates from Kaplan & Anderson (2004), "Time-driven activity-based costing", HBR: $0.80 per
# minute of capacity; handling an order 8 min = $6.40, a customer inquiry 44 min = $35.20 (used for a
# return), a credit check 50 min = $40.00 (once per account and year).
ACTIVITY_RATES = (
    ("order_processing", "order", "order_processing_rate", "variable"),
    ("return_handling", "return", "return_handling_rate", "variable"),
    ("credit_check", "account-year", "credit_check_rate", "fixed_avoidable"),
    ("fees_and_commissions", "money", None, "variable"),
)


@dataclass(frozen=True)
class Assumption:
    """One assumption the import made: its name (the keyword of `from_order_lines`), value and meaning."""

    name: str
    value: object
    text: str

    def __str__(self) -> str:
        return f"{self.name} = {self.value}: {self.text}"


@dataclass(frozen=True)
class Reconciliation:
    """Where every money unit of the export went; the parts add up to `raw_total` = sum(quantity x price)."""

    raw_total: float
    product_revenue: float
    returns: float
    on_invoice_discounts: float
    freight_and_fees: float
    discounts: float
    set_aside: float
    table: pd.DataFrame  # part, detail, lines, amount

    @property
    def parts_total(self) -> float:
        return (self.product_revenue + self.returns + self.on_invoice_discounts + self.freight_and_fees
                + self.discounts + self.set_aside)

    @property
    def difference(self) -> float:
        return round(self.parts_total - self.raw_total, 2)

    def __str__(self) -> str:
        cents = lambda v: fmt.money(v, decimals=2)  # noqa: E731 - a reconciliation adds up to the cent
        rows = [f"  {p:<22} {d:<38} {fmt.number(n):>9} {cents(a):>16}"
                for p, d, n, a in self.table.itertuples(index=False)]
        return "\n".join(["Reconciliation (sum of quantity x price):", *rows,
                          f"  {'parts':<61} {cents(self.parts_total):>26}",
                          f"  {'raw file':<61} {cents(self.raw_total):>26}",
                          f"  {'difference':<61} {cents(self.difference):>26}"])

    def _repr_html_(self) -> str:
        cents = lambda v: fmt.money(v, decimals=2)  # noqa: E731
        body = fmt.report_table(self.table, money=["amount"], counts=["lines"]).to_html()
        return (f"<b>Reconciliation</b>{body}<p>parts {cents(self.parts_total)} = raw file "
                f"{cents(self.raw_total)} (difference {cents(self.difference)})</p>")


@dataclass(frozen=True)
class ImportResult:
    """A Dataset built from an export, with the assumptions made, the reconciliation and the set-aside lines."""

    dataset: data.Dataset
    assumptions: tuple[Assumption, ...]
    reconciliation: Reconciliation
    set_aside: pd.DataFrame  # line, reason, and the mapped source values
    notes: tuple[str, ...] = ()  # what the reader detected or skipped, and warnings naming lines

    def report(self) -> str:
        """The assumptions and the reconciliation as text (what `kamlab import` prints)."""
        ds = self.dataset
        head = (f"Imported {len(ds.order_lines):,} order lines, {len(ds.accounts):,} accounts, "
                f"{len(ds.products):,} products; {len(self.set_aside):,} lines set aside.")
        read = ["Reading the file (state otherwise with --assume name=value):", *(f"  - {n}" for n in self.notes)]
        return "\n".join([head, *(read if self.notes else []), "Assumptions made (change with --assume name=value):",
                          *(f"  - {a}" for a in self.assumptions), str(self.reconciliation)])

    def __str__(self) -> str:
        return self.report()

    def _repr_html_(self) -> str:
        items = "".join(f"<li><code>{html.escape(a.name)} = {html.escape(str(a.value))}</code>: "
                        f"{html.escape(a.text)}</li>" for a in self.assumptions)
        ds = self.dataset
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<p><b>Read</b></p><ul>{notes}</ul>" * bool(self.notes)
                + f"<p><b>Imported</b> {len(ds.order_lines):,} order lines, {len(ds.accounts):,} accounts, "
                f"{len(ds.products):,} products; {len(self.set_aside):,} lines set aside.</p>"
                f"<b>Assumptions</b><ul>{items}</ul>{self.reconciliation._repr_html_()}")


def from_order_lines(source, columns: Mapping[str, str] | None = None, *,
                     currency: str = "EUR",
                     unit_cost_share: float | Mapping[str, float] = 0.6,
                     list_price_quantile: float = 0.95,
                     product_line: str = "all products",
                     payment_terms_days: int = 30,
                     days_late: int = 0,
                     order_processing_rate: float = 6.40,
                     return_handling_rate: float = 35.20,
                     credit_check_rate: float = 40.00,
                     share_of_wallet: float = 0.3,
                     lifecycle_stage: int = 2,
                     relationship_stage: str = "basic",
                     service_tier: str = "silver",
                     churn_risk: float = 0.2,
                     industry: str = "unknown",
                     region: str = "unknown",
                     noise_codes: str | Mapping[str, str] | None = None,
                     date_format: str | None = None,
                     duplicates: str = "keep",
                     merge_ids: bool = False,
                     encoding: str | None = None,
                     sep: str | None = None,
                     header_row: int | None = None,
                     sheet: str | None = None,
                     decimal: str | None = None,
                     thousands: str | None = None,
                     negative: str | None = None,
                     name: str | None = None) -> ImportResult:
    """Build a full Dataset from one order-lines export and a column mapping; say what was assumed.

    Parameters
    ----------
    source : path to a .csv, .csv.gz or .xlsx file, or a DataFrame
    columns : mapping of kamlab target -> export column (see the module docstring for the targets)
    currency : the export's currency (it does not say)
    unit_cost_share : unit cost as a fraction of the product's median invoice price, one for all or a
        mapping per product line (used only when unit_cost is not mapped)
    list_price_quantile : the list price of a product is this quantile of its invoice prices on sales lines
        (an observed price; 1.0 = the highest; 0.95 ignores the odd mistyped price); a line above it is its own
        list price. Used only when neither list_price nor discount_rate is mapped
    product_line : the product line of every product when product_line is not mapped
    payment_terms_days, days_late : contracted terms of every account; payments are derived from them,
        one per order, paid `days_late` days after the due date
    order_processing_rate, return_handling_rate, credit_check_rate : cost per order, per return and per
        account and year (Kaplan & Anderson, 2004, TDABC example)
    share_of_wallet : assumed share of each customer's yearly buying in a product line that we get:
        the wallet is our yearly sales / share_of_wallet
    lifecycle_stage, relationship_stage, service_tier, churn_risk, industry, region : account attributes
        the export does not hold
    noise_codes : product ids that are not products: a preset name of `NOISE_PRESETS` ("online_retail"), a
        mapping product id -> freight, fee, discount or adjustment, or a text "POST:freight,D:discount"
        (a code without a kind is an adjustment, set aside). Default None: every id is a product
    date_format : strptime format of the dates (default: ISO 8601, e.g. 2011-12-09 or 2011-12-09 12:50:00;
        Excel serial numbers are recognised)
    duplicates : "keep" (default) or "drop" lines that repeat an earlier line exactly (both are reported)
    merge_ids : merge account and product ids that differ only in case, spaces or leading zeros
    encoding, sep, header_row, sheet, decimal, thousands, negative : how to read the file, when the
        detection (printed) is wrong; see `kamlab.readers`
    name : the dataset's name (default: the file name)

    Returns
    -------
    ImportResult
        ``dataset`` (validated), ``assumptions``, ``reconciliation``, ``set_aside``. The assumptions are
        also in ``dataset.meta["assumptions"]``.

    Examples
    --------
    >>> frame = pd.DataFrame({"Cust": ["C1", "C1", None], "Inv": ["1", "C2", "3"],
    ...     "Date": ["2025-01-02", "2025-01-09", "2025-01-09"], "Item": ["X", "X", "X"],
    ...     "Qty": [10, -2, 1], "Price": [5.0, 5.0, 5.0]})
    >>> cols = {"account_id": "Cust", "order_id": "Inv", "invoice_date": "Date", "product_id": "Item",
    ...         "quantity": "Qty", "invoice_price": "Price"}
    >>> result = from_order_lines(frame, cols)
    >>> result.reconciliation.product_revenue, result.reconciliation.returns, result.reconciliation.set_aside
    (50.0, -10.0, 5.0)
    >>> result.set_aside["reason"].tolist()
    ['no account id']
    """
    opts = {k: v for k, v in locals().items() if k not in ("source", "columns")}
    label = _label(source)
    try:
        result = _import(source, columns, opts, label)
    except data.DataError:
        raise
    except (MemoryError, RecursionError, KeyboardInterrupt):
        raise
    except Exception as err:  # noqa: BLE001 - the last net: a message naming the file, never a traceback
        raise data.DataError(f"{label}: could not be imported ({type(err).__name__}: {err}).\n    Fix: check the "
                             f"--map and the file; if the file looks right, please report this message.") from None
    for note in result.notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return result


def _import(source, columns, opts: dict, label: str) -> ImportResult:
    opts["noise_codes"] = _noise_codes(opts["noise_codes"])
    _check_options(opts)
    mapping = _check_mapping(columns)
    reading = readers.ReadOptions(**{k: opts[k] for k in _READ_OPTIONS}).checked()
    frame, lines, notes, repeat_of = _read_source(source, mapping, label, reading)
    lines_df = _parse(frame, lines, mapping, label, opts["date_format"], reading, notes)
    del frame
    lines_df = _check_lines(lines_df, repeat_of, mapping, label, opts, notes)
    lines_df = _classify(lines_df, opts["noise_codes"])
    built = _Builder(lines_df, mapping, opts, label, notes)
    del lines_df  # the builder keeps what it needs
    return built.result()


# --------------------------------------------------------------------------------------------------
# reading and parsing the export


def _label(source) -> str:
    return "the DataFrame" if isinstance(source, pd.DataFrame) else Path(source).name


def _check_options(opts: dict) -> None:
    problems = []
    if not 0 <= opts["list_price_quantile"] <= 1:
        problems.append(f"list_price_quantile={opts['list_price_quantile']!r}: a fraction from 0 to 1 (1 = max)")
    shares = opts["unit_cost_share"]
    for share in (shares.values() if isinstance(shares, Mapping) else [shares]):
        if not 0 <= float(share) <= 1:
            problems.append(f"unit_cost_share={share!r}: a fraction between 0 and 1 (0.6, not 60)")
    if not 0 < opts["share_of_wallet"] <= 1:
        problems.append(f"share_of_wallet={opts['share_of_wallet']!r}: a fraction above 0 and at most 1")
    for key in ("payment_terms_days", "days_late", "order_processing_rate", "return_handling_rate",
                "credit_check_rate"):
        if opts[key] < 0:
            problems.append(f"{key}={opts[key]!r}: must not be negative")
    codes = opts["noise_codes"] or {}
    bad = {k: v for k, v in codes.items() if v not in NON_PRODUCT_KINDS}
    if bad:
        problems.append(f"noise_codes={bad!r}: each code maps to one of {', '.join(NON_PRODUCT_KINDS)}")
    if opts["duplicates"] not in ("keep", "drop"):
        problems.append(f"duplicates={opts['duplicates']!r}: keep or drop")
    if problems:
        raise data.DataError("import options: " + "; ".join(problems) + ".")


def _check_mapping(columns) -> dict[str, str]:
    mapping = dict(columns or {})
    unknown = [k for k in mapping if k not in REQUIRED + OPTIONAL]
    missing = [k for k in REQUIRED if k not in mapping]
    if unknown or missing:
        parts = ([f"unknown target{'s' * (len(unknown) > 1)} {', '.join(unknown)}"] if unknown else []) + (
            [f"missing required target{'s' * (len(missing) > 1)} {', '.join(missing)}"] if missing else [])
        raise data.DataError(
            f"column mapping: {'; '.join(parts)}.\n    Fix: map each kamlab column to your export's column, "
            f"e.g. --map account_id=CustomerID. Required: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}.")
    return mapping


def _noise_codes(value) -> dict[str, str]:
    """noise_codes as {CODE: kind}: None -> {}, a preset name, a mapping, or "POST:freight,D:discount"."""
    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in NOISE_PRESETS:
            return dict(NOISE_PRESETS[text.lower()])
        if text.lower() in ("", "none", "{}"):
            return {}
        pairs = [part.rsplit(":", 1) if ":" in part else (part, "adjustment") for part in text.split(",")]
        return {str(k).strip().upper(): str(v).strip() for k, v in pairs if str(k).strip()}
    if isinstance(value, Mapping):
        return {str(k).strip().upper(): v for k, v in value.items()}
    return {str(k).strip().upper(): "adjustment" for k in value}


def _read_source(source, mapping: dict, label: str, reading) -> tuple[pd.DataFrame, np.ndarray, list[str], np.ndarray]:
    """The mapped columns of the export (text or numbers), source line numbers, notes, and for every row the
    line it repeats exactly (0 when it is the first of its kind)."""
    wanted = list(dict.fromkeys(mapping.values()))
    if isinstance(source, pd.DataFrame):
        frame = source.rename(columns=lambda c: str(c).strip())
        _require_columns(frame, wanted, label, 1)
        lines = np.arange(2, len(frame) + 2)
        blank = frame.isna().all(axis=1).to_numpy()
        if blank.any():
            frame, lines = frame.loc[~blank], lines[~blank]
        frame, notes = frame.reset_index(drop=True), []
    else:
        table = readers.read_table(source, label=label, options=reading, expected=tuple(wanted), keep=tuple(wanted),
                                   repeats=True)
        frame, lines, notes = table.frame, table.lines, list(table.notes)
        _require_columns(frame, wanted, label, table.header_line)
    if len(frame) == 0:
        raise data.DataError(f"{label}: the file has a header but no lines (nothing below the header).\n    Fix: "
                             f"export the table again with its lines.")
    repeated = table.repeat_of if not isinstance(source, pd.DataFrame) else readers.repeat_of(frame, lines)
    return frame[wanted], lines, notes, repeated


def _require_columns(frame: pd.DataFrame, wanted: list[str], label: str, header_line: int = 1) -> None:
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise data.DataError(
            f"{label}, line {header_line}: no column {', '.join(repr(m) for m in missing)} (the header has "
            f"{', '.join(repr(str(c)) for c in frame.columns)}).\n    Fix: correct the --map (names are "
            f"case-sensitive) or the export's header; if the header is lower down or on another sheet, state "
            f"--assume header_row=N or --assume sheet=NAME.")


def _parse(frame: pd.DataFrame, lines: np.ndarray, mapping: dict, label: str, date_format, reading,
           notes: list[str]) -> pd.DataFrame:
    """One column per mapped target, parsed: numbers as float, dates as datetime, ids as text."""
    problems: list = []
    where = {t: f"{col} (mapped to {t})" for t, col in mapping.items()}
    for target, col in mapping.items():
        problems += readers.spreadsheet_errors(frame[[col]].rename(columns={col: where[target]}), lines, label)
    data._raise(problems)
    numeric = {mapping[t]: frame[mapping[t]] for t in _NUMERIC if t in mapping}
    fmt, found = readers.detect_number_format(numeric, reading, label)
    notes += found
    out = {"line": lines}
    for target, col in mapping.items():
        s = frame[col]
        if target in _NUMERIC:
            out[target] = readers.parse_numbers(s, lines, label, where[target], fmt, problems)
        elif target == "invoice_date":
            out[target] = _date(s, lines, label, where[target], date_format, problems, notes)
        elif target in _FLAGS:
            out[target] = _flag(s, lines, label, where[target], problems)
        else:
            out[target] = _text(s, id_like=target in ("account_id", "order_id", "product_id"))
    data._raise(problems)
    return pd.DataFrame(out)


_SERIAL = r"^\d{5}(\.\d+)?$"  # Excel serial day numbers 10000-99999: 1927-05-18 to 2173-10-14


def _date(s, lines, label, where, date_format, problems, notes):
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
        return s.dt.normalize().astype("datetime64[ns]")
    serial = _excel_serials(s, label, where, notes) if date_format is None else None
    if serial is not None:
        return serial
    if s.dtype == object:  # Excel: datetime cells among text cells
        s = s.map(lambda v: v.isoformat(sep=" ") if hasattr(v, "isoformat") else v)
    text = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
    cats = text.cat.categories.astype("str").str.strip()
    parsed = pd.to_datetime(cats, format=date_format or "ISO8601", errors="coerce")
    bad_cats = parsed.isna() & (cats != "")
    if bad_cats.any():
        bad = text.isin(text.cat.categories[bad_cats]).to_numpy()
        problems.append(data._problem(label, where, lines[bad], s[bad], "unreadable dates",
                                      "write dates as ISO yyyy-mm-dd (optionally with hh:mm:ss), or give their "
                                      "format: --assume date_format=%d/%m/%Y"))
        return None
    codes = text.cat.codes.to_numpy()
    values = parsed.normalize().to_numpy()
    result = np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else np.datetime64("NaT"),
                      np.datetime64("NaT"))
    return pd.Series(result, dtype="datetime64[ns]")


def _excel_serials(s, label, where, notes):
    """Dates written as Excel serial day numbers (every value 10000-99999), or None."""
    values = s.dropna()
    if values.empty:
        return None
    if s.dtype.kind in "iuf" or (s.dtype == object and values.map(lambda v: isinstance(v, (int, float))).all()):
        num = pd.to_numeric(s, errors="coerce")
    elif values.astype("str").str.strip().str.match(_SERIAL).all():
        num = pd.to_numeric(s.astype("str").str.strip(), errors="coerce")
    else:
        return None
    if not ((num.dropna() >= 10000) & (num.dropna() < 100000)).all():
        return None
    days = np.floor(num.to_numpy(dtype="float64"))
    out = pd.Series(pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
    notes.append(f"{label}, column {where!r}: dates are Excel serial day numbers (e.g. {values.iloc[0]} = "
                 f"{out.dropna().iloc[0]:%Y-%m-%d}), read as such.")
    return out


_FLAG_WORDS = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False, "yes": True,
               "no": False, "y": True, "n": False, "x": True, "": False}


def _flag(s, lines, label, where, problems):
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    text = s.astype("str").str.strip().str.lower().fillna("")
    out = text.map(_FLAG_WORDS)
    bad = out.isna().to_numpy()
    if bad.any():
        problems.append(data._problem(label, where, lines[bad], s[bad], "values that are not yes/no flags",
                                      "write true/false, yes/no or 1/0"))
    return out.fillna(False).astype(bool)


def _text(s, *, id_like: bool) -> pd.Series:
    """Text cells (each distinct value cleaned once): blanks empty, names stripped, float ids as integers."""
    if pd.api.types.is_float_dtype(s) and ((s % 1 == 0) | s.isna()).all():
        s = s.astype("Int64")
    codes, uniques = pd.factorize(s)
    text = pd.Series(uniques, dtype=object).astype("str")
    text = text.where(text.str.strip() != "")
    if not id_like:
        text = text.str.strip()
    elif text.notna().any() and (text.str.strip().str.endswith(".0") | text.isna()).all():
        text = text.str.strip().str.slice(0, -2)  # ids exported as floats: 17850.0 -> 17850
    import pyarrow as pa

    values = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    out = values.take(pa.array(np.where(codes >= 0, codes, 0) if len(values) else codes, mask=codes < 0))
    return pd.Series(out, index=s.index, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _check_lines(df: pd.DataFrame, repeat_of: np.ndarray, mapping: dict, label: str, opts: dict,
                 notes: list[str]) -> pd.DataFrame:
    """Total rows out; exact repeats named (kept or marked to drop); id variants named (or merged)."""
    df = _drop_total_rows(df, mapping, label, notes)
    repeat_of = repeat_of[df.index.to_numpy()]
    df = df.reset_index(drop=True)
    twice = repeat_of > 0
    if twice.any():
        pairs = "; ".join(f"line {a} = line {b}" for a, b in zip(df["line"][twice][:5], repeat_of[twice][:5]))
        what = ("set aside (duplicates=drop)" if opts["duplicates"] == "drop" else
                "kept, so counted twice (state --assume duplicates=drop to set the repeats aside)")
        verb = "line repeats" if twice.sum() == 1 else "lines repeat"
        notes.append(f"{label}: {int(twice.sum()):,} {verb} an earlier line exactly ({pairs}"
                     f"{', ...' if twice.sum() > 5 else ''}): {what}.")
    df["repeat_of"] = np.where(opts["duplicates"] == "drop", repeat_of, 0)
    for target in ("account_id", "product_id"):
        df[target] = _id_variants(df[target], df["line"].to_numpy(), f"{mapping[target]} (mapped to {target})",
                                  label, opts["merge_ids"], notes)
    return df


def _drop_total_rows(df: pd.DataFrame, mapping: dict, label: str, notes: list[str]) -> pd.DataFrame:
    texts = [t for t in ("account_id", "order_id", "product_id", "product_name", "account_name") if t in mapping]
    total = np.zeros(len(df), dtype=bool)
    for t in texts:
        total |= readers._on_uniques(df[t], lambda u: u.str.match(_TOTAL_WORDS, case=False).fillna(False))
    ids = df[["account_id", "order_id", "product_id"]].isna().all(axis=1).to_numpy()
    if ids[-1] and len(df) > 2:  # a last line with no ids but numbers: a total if it adds up the others
        rest = df["quantity"].iloc[:-1].sum()
        total[-1] |= bool(np.isclose(df["quantity"].iloc[-1], rest))
    if not total.any():
        return df
    shown = df.loc[total]
    for _, row in shown.head(3).iterrows():
        others = df.loc[~total, "quantity"].sum()
        notes.append(f"{label}: line {int(row['line'])} is a total row (quantity {fmt.number(row['quantity'])}; the "
                     f"other lines add up to {fmt.number(others)}): kept out of the lines and of the raw total.")
    return df.loc[~total]


def _id_variants(ids: pd.Series, lines: np.ndarray, where: str, label: str, merge: bool,
                 notes: list[str]) -> pd.Series:
    """Ids that differ only in case, spaces or leading zeros: named with their lines; merged on request.
    Ids without such a twin lose their surrounding spaces (that merges nothing)."""
    codes, uniques = pd.factorize(ids)
    if len(uniques) == 0:
        return ids
    raw = pd.Series(uniques, dtype="str")
    stripped = raw.str.strip()
    key = stripped.str.upper().str.replace(r"^0+(?=.)", "", regex=True)
    size = key.map(key.value_counts())
    clash = (size > 1).to_numpy()
    canonical = stripped.copy()
    if clash.any():
        count = np.bincount(codes[codes >= 0], minlength=len(uniques))
        groups = pd.DataFrame({"raw": raw, "key": key, "n": count})[clash]
        described = []
        for _key, grp in list(groups.groupby("key", sort=False))[:5]:
            parts = []
            for i in grp.index:
                at = lines[codes == i]
                parts.append(f"{raw[i]!r} ({readers.lines_text(at, 3)})")
            described.append(" / ".join(parts))
        n_groups = groups["key"].nunique()
        if merge:
            best = groups.sort_values("n", ascending=False, kind="stable").groupby("key")["raw"].first().str.strip()
            canonical[clash] = key[clash].map(best).to_numpy()
            what = "merged into the most frequent spelling (merge_ids=true)"
        else:
            canonical[clash] = raw[clash].to_numpy()
            what = "kept apart as different ids (state --assume merge_ids=true to merge them)"
        notes.append(f"{label}, column {where!r}: {n_groups:,} id{'s' * (n_groups > 1)} written in more than one way "
                     f"(case, spaces or leading zeros): {'; '.join(described)}{'; ...' if n_groups > 5 else ''}: "
                     f"{what}.")
    values = canonical.to_numpy(dtype=object)
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], None)
    return pd.Series(out, index=ids.index, dtype="str")


def _classify(lines: pd.DataFrame, codes: dict[str, str]) -> pd.DataFrame:
    """Add `kind` (product or a non-product kind), `amount` (quantity x price) and `reason` (set aside)."""
    upper = lines["product_id"].str.upper()
    kind = pd.Series("product", index=lines.index, dtype="str")
    special = upper.isin(list(codes)).to_numpy()
    if special.any():
        kind[special] = upper[special].map(codes)
    amount = lines["quantity"].fillna(0) * lines["invoice_price"].fillna(0)
    checks = [
        (lines["account_id"].isna(), "no account id"),
        (lines["quantity"].isna(), "no quantity"),
        (lines["invoice_price"].isna(), "no price"),
        (lines["order_id"].isna(), "no order id"),
        (lines["invoice_date"].isna(), "no date"),
        (lines["product_id"].isna(), "no product id"),
        (kind == "adjustment", "adjustment code (not a sale): " + lines["product_id"].fillna("").str.upper()),
        (lines["repeat_of"] > 0, "exact repeat of an earlier line (duplicates=drop)"),
        ((kind == "product") & (lines["quantity"] == 0), "zero quantity"),
        ((kind == "product") & (lines["invoice_price"] < 0), "negative price"),
    ]
    reason = pd.Series(pd.NA, index=lines.index, dtype="str")
    for mask, why in reversed(checks):
        reason = reason.mask(mask.to_numpy(dtype=bool), why)
    return lines.assign(kind=kind.astype("str"), amount=amount, reason=reason)


# --------------------------------------------------------------------------------------------------
# building the tables


class _Builder:
    """Turns classified lines into the seven tables, recording each assumption it makes."""

    def __init__(self, lines: pd.DataFrame, mapping: dict, opts: dict, label: str, notes: list[str]):
        self.mapping, self.opts, self.label, self.notes = mapping, opts, label, notes
        self.assumed: list[Assumption] = []
        aside = lines["reason"].notna().to_numpy()
        product = (lines["kind"] == "product").to_numpy()
        self.aside = lines.loc[aside]
        self.non_product = lines.loc[~aside & ~product]
        self.products_only = lines.loc[~aside & product].drop(columns=["repeat_of", "reason", "kind"])
        self.products_only = self.products_only.reset_index(drop=True)
        self.all = lines[["line", "product_id", "amount"]]  # what the reconciliation and the noise codes need

    def assume(self, name: str, text: str, value=None) -> None:
        self.assumed.append(Assumption(name, self.opts.get(name) if value is None else value, text))

    def result(self) -> ImportResult:
        if self.products_only.empty:
            raise data.DataError(
                f"{self.label}: no product line is left to import ({len(self.aside):,} lines set aside: "
                f"{', '.join(self.aside['reason'].value_counts().index[:3])}).\n    Fix: check the --map of "
                f"account_id, quantity and invoice_price.")
        o = self.opts
        self.assume("currency", "the export's currency (not in the file)")
        self._assume_noise_codes()
        ol = self._order_lines()
        products = self._products(ol)
        accounts = self._accounts(ol)
        acts, rates = self._activities(ol)
        tables = dict(accounts=accounts, products=products, order_lines=ol.drop(columns=["product_line"]),
                      activities=acts, activity_rates=rates, payments=self._payments(ol),
                      wallets=self._wallets(ol))
        meta = {"name": o["name"] or self.label, "currency": o["currency"], "source": self.label,
                "mapping": self.mapping, "assumptions": [vars(a) | {"value": str(a.value)} for a in self.assumed]}
        if self.notes:
            meta["load_notes"] = list(self.notes)
        rec = self._reconciliation()
        meta["reconciliation"] = {"raw_total": round(rec.raw_total, 2), "parts_total": round(rec.parts_total, 2),
                                  "difference": rec.difference,
                                  "parts": rec.table.round({"amount": 2}).to_dict("records")}
        ds = data.validate(data.Dataset(**tables, meta=meta))
        return ImportResult(ds, tuple(self.assumed), rec, self._set_aside_table(), tuple(self.notes))

    def _assume_noise_codes(self) -> None:
        codes = self.opts["noise_codes"]
        if not codes:
            self.assume("noise_codes", "every product id is a product: no code is read as freight, fees, discounts "
                        "or adjustments (state a preset, e.g. noise_codes=online_retail, or a list "
                        "CODE:kind,...)", value="none")
            return
        upper = self.all["product_id"].str.upper()
        matched = []
        for code, kind in codes.items():
            at = self.all["line"].to_numpy()[(upper == code).to_numpy(dtype=bool)]
            if len(at):
                matched.append(f"{code} {kind} ({readers.lines_text(at, 3)})")
        preset = next((n for n, c in NOISE_PRESETS.items() if c == codes), None)
        listed = preset or ",".join(f"{k}:{v}" for k, v in codes.items())
        self.assume("noise_codes", "product ids that are not products; matched: " + ("; ".join(matched) or "none of "
                    "them is in the file"), value=listed)

    # order lines ------------------------------------------------------------------------------------

    def _order_lines(self) -> pd.DataFrame:
        p, m, o = self.products_only, self.mapping, self.opts
        price = p["invoice_price"]
        if "discount_rate" in m:
            rate = p["discount_rate"].fillna(0)
            self._check_range(p, "discount_rate", rate, 0, 1, "a fraction between 0 and 1 (0.05, not 5%)")
            invoice = price * (1 - rate)
            listp = p["list_price"].fillna(price) if "list_price" in m else price
        else:
            invoice = price
            listp = p["list_price"].fillna(price) if "list_price" in m else None
        line_value = p["quantity"] * invoice
        pline = (p["product_line"].fillna(o["product_line"]) if "product_line" in m
                 else pd.Series(o["product_line"], index=p.index, dtype="str"))
        if "product_line" not in m:
            self.assume("product_line", "every product is in this one product line (the export has none)")
        if listp is None:
            listp = np.maximum(self._quantile_price(p["product_id"], invoice, p["quantity"] > 0), invoice)
            self.assume("list_price_quantile", "no list price in the export: list price of a product = this "
                        "quantile of its invoice prices (1 = the highest); lower prices are on-invoice discounts")
        off = p["off_invoice"].fillna(0).abs() if "off_invoice" in m else pd.Series(0.0, index=p.index)
        off = off + self._allocated_discounts(p, line_value)
        freight = p["freight_cost"].fillna(0).abs() if "freight_cost" in m else pd.Series(0.0, index=p.index)
        if "order_freight" in m:
            freight = freight + self._spread_order_freight(p, line_value)
        if "freight_cost" not in m and "order_freight" not in m:
            self.assume("freight", "no freight cost in the export: freight paid by the supplier = 0; postage "
                        "charged to customers passes the carrier's charge through at cost", value=0)
        flags = {f: (p[f] if f in m else pd.Series(False, index=p.index)) for f in _FLAGS}
        return pd.DataFrame({
            "line_id": np.arange(1, len(p) + 1), "order_id": p["order_id"], "invoice_date": p["invoice_date"],
            "account_id": p["account_id"], "product_id": p["product_id"], "quantity": p["quantity"],
            "list_price": listp.astype("float64"), "invoice_price": invoice.astype("float64"),
            "off_invoice": off.astype("float64"), "freight_cost": freight.astype("float64"),
            "rush": flags["rush"], "custom": flags["custom"], "product_line": pline})

    def _quantile_price(self, product: pd.Series, price: pd.Series, sold: pd.Series) -> pd.Series:
        q = self.opts["list_price_quantile"]
        on_sales = price[sold].groupby(product[sold]).quantile(q, interpolation="higher")  # an observed price
        on_all = price.groupby(product).quantile(q, interpolation="higher")
        self.product_list_price = on_sales.reindex(on_all.index).fillna(on_all)
        return pd.Series(data.lookup(product, self.product_list_price), index=price.index)

    def _check_range(self, p, target, values, lo, hi, fix):
        bad = ((values < lo) | (values > hi)).to_numpy()
        if bad.any():
            col = self.mapping[target]
            data._raise([data._problem(self.label, f"{col} (mapped to {target})", p["line"].to_numpy()[bad],
                                       values[bad], f"values outside {lo}..{hi}", fix)])

    def _allocated_discounts(self, p: pd.DataFrame, line_value: pd.Series) -> pd.Series:
        """Non-product discount lines (given: negative amounts) spread over the account's sales by value."""
        disc = self.non_product.loc[self.non_product["kind"] == "discount"]
        if disc.empty:
            return pd.Series(0.0, index=p.index)
        given = (-disc.groupby("account_id")["amount"].sum()).clip(lower=0)
        sales = line_value.where(line_value > 0, 0.0)
        account_sales = sales.groupby(p["account_id"]).transform("sum")
        share = (sales / account_sales.where(account_sales > 0)).fillna(0)
        allocated = share * np.nan_to_num(data.lookup(p["account_id"], given))
        left = float(-disc["amount"].sum() - allocated.sum())
        if abs(left) >= 0.005:
            self.assume("discounts not allocated", "discount lines of accounts without sales (or reversed "
                        "discounts) that could not become off-invoice allowances", value=round(left, 2))
        self.assume("discount lines", "discount lines (e.g. stock code D) are off-invoice allowances of the "
                    "account, spread over its sales lines by value", value="off_invoice")
        return allocated

    def _spread_order_freight(self, p: pd.DataFrame, line_value: pd.Series) -> pd.Series:
        per_order = p.groupby("order_id")["order_freight"].first().fillna(0).abs()
        weight = line_value.abs()
        total = weight.groupby(p["order_id"]).transform("sum")
        count = p.groupby("order_id")["order_id"].transform("size")
        share = (weight / total).where(total > 0, 1 / count)
        self.assume("order_freight", "freight per order is the supplier's cost, spread over the order's lines "
                    "by value", value=self.mapping["order_freight"])
        return share * data.lookup(p["order_id"], per_order)

    # products and accounts --------------------------------------------------------------------------

    def _products(self, ol: pd.DataFrame) -> pd.DataFrame:
        p, m, o = self.products_only, self.mapping, self.opts
        g = ol.groupby("product_id", sort=True)
        out = pd.DataFrame({"list_price": g["list_price"].max(), "product_line": g["product_line"].first()})
        if hasattr(self, "product_list_price"):  # estimated: the quantile, not the odd line priced above it
            out["list_price"] = self.product_list_price.reindex(out.index)
        out["name"] = (p.groupby("product_id")["product_name"].first().reindex(out.index) if "product_name" in m
                       else out.index.to_series())
        out["name"] = out["name"].fillna(out.index.to_series())
        if "unit_cost" in m:
            out["unit_cost"] = p.groupby("product_id")["unit_cost"].mean().reindex(out.index).abs()
        if "unit_cost" not in m or out["unit_cost"].isna().any():
            share = o["unit_cost_share"]
            shares = (out["product_line"].map(share) if isinstance(share, Mapping)
                      else pd.Series(float(share), index=out.index))
            missing = shares.isna()
            if missing.any():
                raise data.DataError(f"unit_cost_share has no share for product line(s) "
                                     f"{', '.join(sorted(out['product_line'][missing].unique()))}.\n    Fix: add them.")
            estimate = (shares * self._typical_price(ol).reindex(out.index)).round(4)
            out["unit_cost"] = out["unit_cost"].fillna(estimate) if "unit_cost" in out else estimate
            self.assume("unit_cost_share", "no cost in the export: unit cost = this share of the product's "
                        "median invoice price (per product line); replace with your standard costs")
        out = out.reset_index()
        return out[["product_id", "name", "product_line", "list_price", "unit_cost"]]

    @staticmethod
    def _typical_price(ol: pd.DataFrame) -> pd.Series:
        """The median invoice price of each product on its sales lines (all lines if none was sold)."""
        sold = ol["quantity"] > 0
        on_sales = ol["invoice_price"][sold].groupby(ol["product_id"][sold]).median()
        on_all = ol["invoice_price"].groupby(ol["product_id"]).median()
        return on_sales.reindex(on_all.index).fillna(on_all)

    def _accounts(self, ol: pd.DataFrame) -> pd.DataFrame:
        p, m, o = self.products_only, self.mapping, self.opts
        value = ol["quantity"] * ol["invoice_price"]
        g = p.groupby("account_id", sort=True)
        revenue = value.groupby(ol["account_id"]).sum()
        out = pd.DataFrame(index=revenue.index)
        out["name"] = g["account_name"].first() if "account_name" in m else out.index.to_series()
        out["name"] = out["name"].fillna(out.index.to_series())
        out["industry"] = g["industry"].first().fillna(o["industry"]) if "industry" in m else o["industry"]
        place = "region" if "region" in m else "country" if "country" in m else None
        out["region"] = g[place].first().fillna(o["region"]) if place else o["region"]
        out["global_presence"] = (g[place].nunique() > 1) if place else False
        rank = revenue.rank(ascending=False, method="first") / len(revenue)
        out["segment"] = np.select([rank <= 0.2, rank <= 0.5], ["large", "medium"], "small")
        out["customer_since"] = g["invoice_date"].min()
        for key in ("lifecycle_stage", "relationship_stage", "payment_terms_days", "churn_risk", "service_tier"):
            out[key] = o[key]
        out["market_leader"] = out["key_market"] = False
        self.assume("segment", "segment from revenue rank: top 20% of accounts large, next 30% medium, rest "
                    "small", value="by revenue")
        self.assume("customer_since", "the first invoice date in the export (the relationship may be older)",
                    value="first invoice")
        for key, text in (("lifecycle_stage", "every account's key-account life-cycle stage (unknown)"),
                          ("relationship_stage", "every account's relationship stage (unknown)"),
                          ("service_tier", "every account's service tier (unknown)"),
                          ("churn_risk", "every account's yearly churn probability (unknown)"),
                          ("payment_terms_days", "every account's contracted payment terms")):
            self.assume(key, text)
        self.assume("market_leader, key_market", "no account is a market leader or in a key market (unknown)",
                    value=False)
        if "industry" not in m:
            self.assume("industry", "every account's industry (not in the export)")
        if place is None:
            self.assume("region", "every account's region (not in the export)")
        cols = [c.name for c in data.schema.TABLES["accounts"]]
        return out.rename_axis("account_id").reset_index()[cols]

    # activities, payments, wallets ------------------------------------------------------------------

    def _activities(self, ol: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        o = self.opts
        orders = ol.groupby(["order_id", "account_id"], sort=False).agg(
            date=("invoice_date", "min"), sold=("quantity", "max"), returned=("quantity", "min")).reset_index()
        parts = [orders.loc[orders["sold"] > 0].assign(activity="order_processing"),
                 orders.loc[orders["returned"] < 0].assign(activity="return_handling")]
        year = ol["invoice_date"].dt.year
        checks = ol.groupby([ol["account_id"], year.rename("year")])["invoice_date"].min().reset_index()
        parts.append(checks.rename(columns={"invoice_date": "date"}).assign(activity="credit_check"))
        acts = pd.concat([x[["date", "account_id", "activity"]] for x in parts], ignore_index=True)
        acts["driver_qty"] = 1.0
        fees = self.non_product.loc[self.non_product["kind"] == "fee"]
        paid = (-fees.groupby("account_id")["amount"].sum())
        paid = paid[(paid > 0) & paid.index.isin(ol["account_id"].unique())]
        if len(paid):
            last = fees.groupby("account_id")["invoice_date"].max()
            acts = pd.concat([acts, pd.DataFrame({"date": last.reindex(paid.index).to_numpy(),
                                                  "account_id": paid.index, "activity": "fees_and_commissions",
                                                  "driver_qty": paid.to_numpy()})], ignore_index=True)
            self.assume("fee lines", "fees and commissions the supplier paid (negative fee lines) are the "
                        "cost-to-serve activity fees_and_commissions; fees charged to customers pass through",
                        value="fees_and_commissions")
        acts = acts.sort_values(["date", "account_id", "activity"], kind="stable").reset_index(drop=True)
        rates = pd.DataFrame([(a, unit, 1.0 if key is None else float(o[key]), behaviour)
                              for a, unit, key, behaviour in ACTIVITY_RATES],
                             columns=["activity", "driver_unit", "rate", "cost_behaviour"])
        for key, what in (("order_processing_rate", "per order"), ("return_handling_rate", "per return order"),
                          ("credit_check_rate", "per account and year")):
            self.assume(key, f"cost {what} (Kaplan & Anderson 2004 TDABC example: $0.80 per minute)")
        return acts, rates

    def _payments(self, ol: pd.DataFrame) -> pd.DataFrame:
        o = self.opts
        value = ol["quantity"] * ol["invoice_price"]
        pay = value.groupby([ol["order_id"], ol["account_id"]], sort=False).sum().round(2).rename("amount")
        pay = pay.reset_index()
        date = ol.groupby(["order_id", "account_id"], sort=False)["invoice_date"].min().to_numpy()
        pay["due_date"] = date + pd.Timedelta(days=int(o["payment_terms_days"]))
        pay["paid_date"] = pay["due_date"] + pd.Timedelta(days=int(o["days_late"]))
        self.assume("days_late", "payments derived from terms: one per order, paid this many days after the due "
                    "date (no payment data in the export)")
        return pay

    def _wallets(self, ol: pd.DataFrame) -> pd.DataFrame:
        o = self.opts
        value = ol["quantity"] * ol["invoice_price"]
        dates = ol["invoice_date"]
        years = max((dates.max() - dates.min()).days + 1, 30) / 365
        sales = value.groupby([ol["account_id"], ol["product_line"]]).sum().rename("sales").reset_index()
        sales["estimated_spend"] = (sales["sales"] / years / o["share_of_wallet"]).clip(lower=0).round(2)
        self.assume("share_of_wallet", "wallet (the customer's yearly buying in a line from all suppliers) = "
                    "our yearly sales / this share")
        return sales[["account_id", "product_line", "estimated_spend"]]

    # reconciliation ---------------------------------------------------------------------------------

    def _reconciliation(self) -> Reconciliation:
        a = self.all
        p = self.products_only
        invoice_value = p["quantity"] * p["invoice_price"]
        if "discount_rate" in self.mapping:
            invoice_value = invoice_value * (1 - p["discount_rate"].fillna(0))
        rows = [("product revenue", "sales lines", int((p["quantity"] > 0).sum()),
                 float(invoice_value[p["quantity"] > 0].sum())),
                ("returns", "credit lines (negative quantity)", int((p["quantity"] < 0).sum()),
                 float(invoice_value[p["quantity"] < 0].sum())),
                ("on-invoice discounts", "discount_rate on product lines", int(len(p)),
                 float(p["amount"].sum() - invoice_value.sum()))]
        npl = self.non_product
        for kind, part in (("freight", "freight and fees"), ("fee", "freight and fees"), ("discount", "discounts")):
            sel = npl.loc[npl["kind"] == kind]
            for code, grp in sel.groupby(sel["product_id"].str.upper()):
                rows.append((part, f"{kind} code {code}", len(grp), float(grp["amount"].sum())))
        for (reason, kind), grp in self.aside.groupby(["reason", "kind"]):
            detail = reason if kind == "product" or reason.startswith("adjustment") else f"{reason} ({kind} lines)"
            rows.append(("set aside", detail, len(grp), float(grp["amount"].sum())))
        table = pd.DataFrame(rows, columns=["part", "detail", "lines", "amount"])
        if "discount_rate" not in self.mapping:
            table = table.loc[table["part"] != "on-invoice discounts"].reset_index(drop=True)
        by_part = table.groupby("part")["amount"].sum()
        get = lambda k: float(by_part.get(k, 0.0))  # noqa: E731
        return Reconciliation(float(a["amount"].sum()), get("product revenue"), get("returns"),
                              get("on-invoice discounts"), get("freight and fees"), get("discounts"),
                              get("set aside"), table)

    def _set_aside_table(self) -> pd.DataFrame:
        cols = ["line", "reason", "account_id", "order_id", "invoice_date", "product_id", "quantity",
                "invoice_price", "amount"]
        return self.aside[cols].reset_index(drop=True)
