"""The ground floor: `DataError`, the problem helpers, and the one reader of raw files (CSV, CSV.gz, Excel).

`read_table` turns the bytes of an export into a frame of text cells with the line number of every row,
saying what it guessed (`Table.notes`) and refusing, with file, line and fix, what it cannot read safely.
`parse_numbers` turns a text column into numbers under a `NumberFormat` that was stated or detected.
Both `kamlab.data.load` and `kamlab.importer` read files through this module only.

What is detected, and how it can be stated instead (``--assume NAME=VALUE`` on the command line)
--------------------------------------------------------------------------------------------------
encoding
    A byte-order mark (UTF-8, UTF-16) wins; then UTF-16 without a mark (every other byte zero), then
    UTF-8; a file that is none of these is a legacy 8-bit code page, and the reader picks among
    ``cp1252`` (Windows Excel), ``mac_roman`` (Mac Excel) and ``cp850`` (DOS ERPs) the one in which
    the non-ASCII bytes read as accented letters inside words (``Café``, not ``CafŽ`` or ``Caf┌``). The
    guess is printed; ``encoding=mac_roman`` states it. Why not charset-normalizer (installed with
    requests)? It is not a dependency of kamlab, and on these files (ASCII with a few accented names) it
    guesses wrong where it matters most: tried on a 25-line export with Société, Müller, Crème, Señor,
    Øresund, charset-normalizer 3.5 answered cp1250 for the cp1252 file (so 'Crème' came out wrong),
    mac_iceland for the Mac Roman one and cp850 for the DOS one; the letters-in-words rule reads all three
    right (tests/test_readers.py), is a few lines anyone can check, and names its evidence.
line ends
    LF, CRLF and CR-only (old Mac) are all read.
separator (``sep``)
    Comma, semicolon, tab or pipe: the one that splits the header into the expected columns (or, with
    no expected columns, splits the first lines into the same number of fields).
header row (``header_row``, 1-based)
    The first line holding the expected columns; lines above it (a title block) are skipped and named.
sheet (``sheet``)
    In a workbook, the first sheet holding the expected columns; named when it is not the first.
decimal mark and thousands mark (``decimal``, ``thousands``)
    From the numbers themselves (``12,50`` is a decimal comma, ``2.55`` a decimal point, ``1 824`` a
    space-grouped thousand). A number that reads two ways under the detected format (``1.824`` in a
    column with no other decimals: 1.824 or 1,824?) is refused with its lines unless the format is stated.
negative numbers (``negative``)
    ``-12`` always; ``(12)`` (accounting) with ``negative=parentheses``; ``12-`` (SAP) with
    ``negative=trailing``.

Every line's fields are counted against the header: a line with more or fewer fields is refused, with its
line number, never read with a field dropped. Blank lines are skipped (the line numbers stay the file's).
"""
from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

SHOWN = 5  # offending lines quoted per problem
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
LEGACY_ENCODINGS = ("cp1252", "mac_roman", "cp850")
SPREADSHEET_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                      "#N/A N/A", "#GETTING_DATA")
NEGATIVE_STYLES = ("minus", "parentheses", "trailing")
_SPACES = " \u00a0\u202f"
_ACCENTED = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒ")


class DataError(ValueError):
    """Bad input data, with the file, column, rows and what to do about it.

    ``problems`` holds the individual `Problem` records (empty when raised with a plain message).
    """

    def __init__(self, message: str, problems: tuple = ()):
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one column of one file: where, which lines, what, and the fix."""

    file: str
    column: str | None
    lines: tuple[int, ...]
    values: tuple
    what: str
    fix: str
    count: int = 0

    def __str__(self) -> str:
        where = self.file + (f", column '{self.column}'" if self.column else "")
        shown = "; ".join(f"line {ln}: {quote(v)}" for ln, v in zip(self.lines, self.values))
        more = f" ({self.count} rows in all)" if self.count > len(self.lines) else ""
        rows = f" -- {shown}{more}" if shown else ""
        return f"{where}: {self.what}{rows}.\n    Fix: {self.fix}"


def quote(value) -> str:
    """A cell as a message shows it: text in quotes, (empty) for a missing value."""
    if value is None or (not isinstance(value, (str, tuple, list)) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


def problem(label, column, lines, values, what, fix) -> Problem:
    """A `Problem` quoting the first `SHOWN` of `lines` and `values` and counting them all."""
    lines, values = np.asarray(lines), list(values)
    return Problem(label, column, tuple(int(x) for x in lines[:SHOWN]), tuple(values[:SHOWN]), what, fix,
                   len(lines))


def raise_problems(problems: list[Problem]) -> None:
    """Raise one `DataError` listing every problem (the first twelve in the message), if there are any."""
    if problems:
        head = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in the data:\n"
        raise DataError(head + "\n".join(f"- {p}" for p in problems[:12]), problems)


def lines_text(lines, limit: int = SHOWN) -> str:
    """'lines 3, 7 and 9' (with '... (12 in all)' beyond `limit`)."""
    lines = [int(x) for x in lines]
    shown = ", ".join(map(str, lines[:limit]))
    if len(lines) > limit:
        return f"lines {shown}, ... ({len(lines):,} in all)"
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}"


# --------------------------------------------------------------------------------------------------
# what the user may state


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; None = detect (and say what was detected)."""

    encoding: str | None = None
    sep: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    negative: str | None = None

    def checked(self) -> "ReadOptions":
        bad = []
        if self.encoding is not None:
            try:
                "".encode(self.encoding)
            except LookupError:
                bad.append(f"encoding={self.encoding!r}: not an encoding Python knows (try utf-8, cp1252, "
                           f"mac_roman, cp850, utf-16)")
        if self.sep is not None and self.sep not in SEPARATORS and self.sep not in ("tab", "semicolon", "comma"):
            bad.append(f"sep={self.sep!r}: use one of , ; tab |")
        if self.decimal is not None and self.decimal not in (".", ","):
            bad.append(f"decimal={self.decimal!r}: use . or ,")
        if self.thousands is not None and self.thousands not in (".", ",", " ", "'", "none", ""):
            bad.append(f"thousands={self.thousands!r}: use . , ' space or none")
        if self.decimal and self.thousands and self.decimal == self.thousands:
            bad.append("decimal and thousands marks must differ")
        if self.negative is not None and self.negative not in NEGATIVE_STYLES:
            bad.append(f"negative={self.negative!r}: use one of {', '.join(NEGATIVE_STYLES)}")
        if self.header_row is not None and int(self.header_row) < 1:
            bad.append(f"header_row={self.header_row!r}: the line number of the header, 1 or more")
        if bad:
            raise DataError("reading options: " + "; ".join(bad) + ".")
        sep = {"tab": "\t", "semicolon": ";", "comma": ","}.get(self.sep, self.sep)
        return replace(self, sep=sep)


@dataclass
class Table:
    """A file read as text: `frame` (text cells, or Excel's own values), `lines` (1-based line or Excel row
    of every row), `notes` (what was guessed or skipped, as sentences), and the format found."""

    frame: pd.DataFrame
    lines: np.ndarray
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    sep: str | None = None
    header_line: int = 1
    sheet: str | None = None
    repeat_of: np.ndarray | None = None  # per row: the line it repeats exactly (all columns), 0 if none


# --------------------------------------------------------------------------------------------------
# bytes -> text


def read_bytes(path, label: str) -> bytes:
    """The file's bytes (gunzipped); a missing or zero-byte file is a `DataError`."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        hint = " (it is a folder)" if path.is_dir() else ""
        raise DataError(f"{label}: file not found at {path}{hint}.\n    Fix: check the path and the file name.")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataError(f"{label}: a damaged .gz file ({err}).\n    Fix: compress the export again, or give "
                            f"the plain .csv.") from None
    if len(raw) < 65536 and not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DataError(f"{label}: the file is empty ({len(raw)} bytes, no header on line 1).\n    Fix: export "
                        f"the table again, with its header row and its lines.")
    return raw


def is_workbook(raw: bytes) -> bool:
    return raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _line_of(raw: bytes, pos: int) -> int:
    return raw[:pos].count(b"\n") + 1 if b"\n" in raw[:pos] else raw[:pos].count(b"\r") + 1


def decode(raw: bytes, label: str, stated: str | None = None) -> tuple[bytes, str, list[str]]:
    """The file as UTF-8 bytes with LF line ends, the encoding read, and a note when it was guessed."""
    notes: list[str] = []
    if stated:
        encoding = stated
        body = raw[3:] if raw[:3] == b"\xef\xbb\xbf" and stated.replace("-", "").lower() in ("utf8", "utf8sig") \
            else raw
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as err:
            raise DataError(f"{label}, line {_line_of(body, err.start)}: not readable as {encoding} (byte "
                            f"{body[err.start:err.start + 1]!r}).\n    Fix: state another --assume encoding=..., "
                            f"or leave it out to let kamlab detect it.") from None
        return _utf8(text.lstrip("\ufeff")), encoding, notes
    if raw[:3] == b"\xef\xbb\xbf":
        raw, encoding = raw[3:], "utf-8"
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
        notes.append(f"{label} is UTF-16 (Excel's 'Unicode Text'), read as such.")
        return _utf8(_decode_or_raise(raw, encoding, label).lstrip("\ufeff")), encoding, notes
    elif (nul := _utf16_without_bom(raw[:4000])) is not None:
        encoding = nul
        notes.append(f"{label} is {encoding.upper()} without a byte-order mark, read as such.")
        return _utf8(_decode_or_raise(raw, encoding, label)), encoding, notes
    else:
        encoding = "utf-8"
    bad = _first_non_utf8(raw)
    if bad is None:
        return _newlines(raw), "utf-8", notes
    first = _line_of(raw, bad)
    encoding, evidence = _guess_legacy(raw)
    notes.append(f"{label} is not UTF-8 (first such character on line {first}): read as {encoding} "
                 f"({_NAMES[encoding]}), because {evidence}. If names look wrong, state --assume encoding=... "
                 f"(cp1252, mac_roman or cp850), or re-save the file as 'CSV UTF-8'.")
    return _utf8(raw.decode(encoding, errors="replace")), encoding, notes


_NAMES = {"cp1252": "Windows Western, Excel's plain 'CSV' on Windows", "mac_roman": "Mac OS Roman, Excel on a Mac",
          "cp850": "DOS Western, legacy ERP exports", "latin-1": "ISO Latin-1"}


def _decode_or_raise(raw: bytes, encoding: str, label: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise DataError(f"{label}: not readable as {encoding} (at byte {err.start}).\n    Fix: re-save the file "
                        f"as 'CSV UTF-8', or state --assume encoding=...") from None


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _first_non_utf8(raw: bytes, chunk: int = 1 << 23) -> int | None:
    """The offset of the first byte that is not UTF-8, or None; checked in slices (no copy of a big file)."""
    if raw.isascii():
        return None
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    for start in range(0, len(raw), chunk):
        try:
            decoder.decode(view[start:start + chunk], final=start + chunk >= len(raw))
        except UnicodeDecodeError as err:
            return max(start + err.start - len(decoder.getstate()[0]), 0)
    return None


def _newlines(raw: bytes) -> bytes:
    if b"\r" not in raw:
        return raw
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _utf8(text: str) -> bytes:
    return _newlines(text.encode("utf-8"))


def _word_at(raw: bytes, pos: int, encoding: str) -> str:
    """The word around byte `pos`, decoded (one byte is one character in these code pages)."""
    lo = max(pos - 20, 0)
    text = raw[lo:pos + 20].decode(encoding, errors="replace")
    i = j = pos - lo
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    while j < len(text) - 1 and text[j + 1].isalpha():
        j += 1
    return text[i:j + 1]


def _guess_legacy(raw: bytes) -> tuple[str, str]:
    """The legacy code page in which the non-ASCII bytes read most like accented letters inside words."""
    spots = [m.start() for _, m in zip(range(2000), re.finditer(rb"[\x80-\xff]", raw))]
    best, best_score, shown = "cp1252", None, ""
    for encoding in LEGACY_ENCODINGS:
        score, words = 0, []
        for pos in spots:
            window = raw[max(pos - 1, 0): pos + 2].decode(encoding, errors="replace")
            mid = 1 if pos > 0 else 0
            ch = window[mid] if mid < len(window) else "?"
            near = window[:mid] + window[mid + 1:]
            lower_near = any(c.islower() for c in near)
            if ch == "\ufffd":
                score -= 5
            elif ch in _ACCENTED:
                score += 2 if (ch.islower() == lower_near or not near.strip()) else 1
                if len(words) < 3:
                    words.append(_word_at(raw, pos, encoding))
            elif ch.isalpha():
                score += 0
            else:
                score -= 2
        if best_score is None or score > best_score:
            best, best_score, shown = encoding, score, ", ".join(repr(w) for w in words)
    evidence = (f"its accented letters read as words only in that code page (e.g. {shown})" if shown
                else "its special characters read as symbols in every code page tried (Windows' is the default)")
    return best, evidence


# --------------------------------------------------------------------------------------------------
# text -> table


def read_table(path, *, label: str | None = None, options: ReadOptions | None = None,
               expected: tuple[str, ...] = (), allow_workbook: bool = True, keep: tuple[str, ...] | None = None,
               repeats: bool = False) -> Table:
    """Read one table from a CSV (.csv, .csv.gz, any separator and encoding) or an Excel workbook.

    `expected` are column names the header must hold: they locate the header line (skipping a title
    block), the separator and the sheet. Cells are text (Excel cells keep Excel's numbers and dates);
    rows whose cells are all empty are dropped, keeping the other rows' line numbers. `keep` limits the
    frame to those columns (when all are there; the others are still read and checked); `repeats` finds the
    rows that repeat an earlier row in every column (`Table.repeat_of`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("Report 2025\\r\\rCode;Qty\\rÉ1;1,5\\r".encode("cp1252"))
    >>> t = read_table(p, expected=("Code", "Qty"))
    >>> t.frame.to_dict("list"), t.lines.tolist(), t.sep, t.header_line
    ({'Code': ['É1'], 'Qty': ['1,5']}, [4], ';', 3)
    """
    from pathlib import Path

    options = (options or ReadOptions()).checked()
    label = label or Path(path).name
    raw = read_bytes(path, label)
    if is_workbook(raw):
        if not allow_workbook:
            raise DataError(f"{label}: this is an Excel workbook (.xlsx/.xls), not a CSV text file, although "
                            f"its name ends in .csv.\n    Fix: open it in Excel and use File > Save As > "
                            f"'CSV UTF-8 (Comma delimited)', one sheet per table.")
        table = read_workbook(raw, label, options, expected)
        if repeats:
            table.repeat_of = repeat_of(table.frame, table.lines)
        if keep and set(keep) <= set(table.frame.columns):
            table.frame = table.frame[list(keep)]
        return table
    if options.sheet:
        raise DataError(f"{label}: sheet={options.sheet!r} was stated, but this is a text file, not a workbook."
                        f"\n    Fix: leave out --assume sheet=...")
    text, encoding, notes = decode(raw, label, options.encoding)
    del raw
    return _read_text(text, label, options, expected, encoding, notes, keep, repeats)


def _split(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def _find_header(lines: list[str], label: str, options: ReadOptions,
                 expected: tuple[str, ...]) -> tuple[str, int, list[str]]:
    """(separator, 0-based header line, notes)."""
    seps = [options.sep] if options.sep else list(SEPARATORS)
    if options.header_row:
        idx = int(options.header_row) - 1
        if idx >= len(lines):
            raise DataError(f"{label}: header_row={options.header_row} is past the end of the file's first "
                            f"{len(lines)} lines.\n    Fix: give the line number of the header.")
        candidates = [idx]
    else:
        candidates = list(range(min(len(lines), 30)))
    want = {e.strip() for e in expected}
    if want:
        for idx in candidates:
            for sep in seps:
                fields = {f.strip().strip("\ufeff") for f in _split(lines[idx], sep)}
                if want <= fields:
                    return sep, idx, []
    # no line holds every expected column: the separator that splits the header line best, at line 1
    idx = candidates[0]
    while not options.header_row and idx < len(lines) - 1 and not lines[idx].strip():
        idx += 1
    counts = {sep: len(_split(lines[idx], sep)) for sep in seps}
    sep = max(seps, key=lambda s: (counts[s], -seps.index(s)))
    if not options.header_row and not want:  # a title block: lines with fewer fields than the data below
        body = [len(_split(x, sep)) for x in lines[:60] if x.strip()]
        modal = max(set(body), key=body.count) if body else 1
        for i in candidates:
            if lines[i].strip() and len(_split(lines[i], sep)) == modal:
                idx = i
                break
    return sep, idx, []


def _read_text(text: bytes, label: str, options: ReadOptions, expected, encoding, notes, keep=None,
               repeats=False) -> Table:
    head = text[:65536].decode("utf-8", errors="replace").split("\n")[:200]
    if not any(x.strip() for x in head):
        raise DataError(f"{label}: the file is empty (only blank lines, no header on line 1).\n    Fix: export "
                        f"the table again, with its header row and its lines.")
    sep, idx, more = _find_header(head, label, options, expected)
    notes += more
    header = [h.strip().strip("\ufeff") for h in _split(head[idx], sep)]
    if idx > 0:
        block = " / ".join(x.strip()[:40] for x in head[:idx] if x.strip())
        notes.append(f"{label}: lines 1-{idx} above the header (line {idx + 1}) were skipped as a title block"
                     + (f" ({block!r})" if block else "") + "; state --assume header_row=N if the header is "
                     "elsewhere.")
    if sep != "," and not options.sep:
        notes.append(f"{label}: the columns are separated by {SEPARATORS[sep]} (detected from the header, "
                     f"line {idx + 1}).")
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        raise DataError(f"{label}, line {idx + 1}: the header names column{'s' * (len(dup) > 1)} "
                        f"{', '.join(map(repr, dup))} more than once.\n    Fix: give every column its own name.")
    frame, lines, repeated = _parse_csv(text, label, sep, idx, header, keep, repeats)
    rows = frame.notna().any(axis=1).to_numpy() if len(frame.columns) else np.zeros(len(frame), bool)
    if not rows.all():
        frame, lines = frame.loc[rows].reset_index(drop=True), lines[rows]
        repeated = repeated[rows] if repeated is not None else None
    return Table(frame, lines, notes, encoding, sep, idx + 1, repeat_of=repeated)


def repeat_of(frame, lines) -> np.ndarray:
    """For every row, the line of the first row with exactly the same cells (0 for the first of its kind).

    Examples
    --------
    >>> repeat_of(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 2, 1]}), np.array([2, 3, 4])).tolist()
    [0, 0, 2]
    """
    if hasattr(frame, "itercolumns"):  # an Arrow table: integer codes per column, from Arrow's own hashing
        import pyarrow.compute as pc

        codes = pd.DataFrame({i: pc.fill_null(pc.dictionary_encode(col).combine_chunks().indices, -1).to_numpy()
                              for i, col in enumerate(frame.itercolumns())}, copy=False)
    else:
        codes = pd.DataFrame({i: pd.factorize(frame[c])[0] for i, c in enumerate(frame.columns)})
    if codes.shape[1] == 0:
        return np.zeros(len(lines), dtype=np.int64)
    key = np.zeros(len(codes), dtype=np.uint64)  # one 64-bit key per row (FNV-style mixing of the codes) ...
    with np.errstate(over="ignore"):
        for col in codes.columns:
            key = (key ^ (codes[col].to_numpy().astype(np.int64) + 1).astype(np.uint64)) * np.uint64(1099511628211)
    out = np.zeros(len(codes), dtype=np.int64)
    candidate = pd.Series(key).duplicated().to_numpy()
    if candidate.any():
        first = pd.Series(np.arange(len(codes))).groupby(key, sort=False).transform("first").to_numpy()
        same = np.ones(int(candidate.sum()), dtype=bool)  # ... then every candidate checked cell by cell
        for col in codes.columns:
            c = codes[col].to_numpy()
            same &= c[candidate] == c[first[candidate]]
        rows = np.flatnonzero(candidate)[same]
        out[rows] = np.asarray(lines)[first[rows]]
    return out


def _parse_csv(text: bytes, label: str, sep: str, idx: int, header: list[str], keep=None, repeats=False):
    """Every field as text, or a `DataError` naming the lines whose field count differs from the header's."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # the app's page kernel leaves pyarrow out (kamlab.app.page_kernel): pandas' C reader
        return _parse_csv_without_arrow(text, label, sep, idx, header, keep, repeats)

    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(text)),
        read_options=pacsv.ReadOptions(skip_rows=idx + 1, column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True))
    blank_rows = [r for r in invalid if not r.text.strip()]
    wrong = [r for r in invalid if r.text.strip()]
    end = len(text) - 1
    while end > 0 and text[end] == 10:  # trailing blank lines do not move any line number
        end -= 1
    has_blank = bool(blank_rows) or text.find(b"\n\n", 0, end + 1) >= 0
    if wrong or has_blank:
        lines, bad = _scan_lines(text, sep, idx, len(header))
        if wrong or bad:
            shown = "; ".join(f"line {ln} has {n} field{'s' * (n != 1)}: {quote(t)}" for ln, n, t in bad[:SHOWN])
            more = f" ({len(bad):,} lines in all)" if len(bad) > SHOWN else ""
            raise DataError(
                f"{label}: lines that do not split into the header's {len(header)} columns (line {idx + 1}) -- "
                f"{shown}{more}.\n    Fix: a value probably holds the separator {SEPARATORS[sep][:-1]!r} (a "
                f"thousands separator '1,824' or a name): put it in double quotes or remove it; a line with "
                f"fewer fields lost a value. Nothing was read, so no field is dropped.",
                [problem(label, None, [b[0] for b in bad], [b[2] for b in bad], "wrong number of fields",
                         "quote values that hold the separator")])
        if len(lines) != table.num_rows:  # quoted line breaks inside values: fall back on row numbers
            lines = np.arange(idx + 2, idx + 2 + table.num_rows)
    else:
        lines = np.arange(idx + 2, idx + 2 + table.num_rows)
    table = table.rename_columns(header)
    repeated = repeat_of(table, lines) if repeats else None
    if keep and set(keep) <= set(header):
        table = table.select(list(dict.fromkeys(keep)))
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    return frame, lines, repeated


def _parse_csv_without_arrow(text: bytes, label: str, sep: str, idx: int, header: list[str], keep, repeats):
    """`_parse_csv` with pandas' C reader, for kernels without pyarrow: every line's field count checked
    first (pandas would fill a short line with blanks), then every field read as text."""
    lines, bad = _scan_lines(text, sep, idx, len(header))
    if bad:
        shown = "; ".join(f"line {ln} has {n} field{'s' * (n != 1)}: {quote(t)}" for ln, n, t in bad[:SHOWN])
        raise DataError(f"{label}: lines that do not split into the header's {len(header)} columns "
                        f"(line {idx + 1}) -- {shown}.\n    Fix: put a value that holds the separator in double "
                        f"quotes; a line with fewer fields lost a value. Nothing was read.",
                        [problem(label, None, [b[0] for b in bad], [b[2] for b in bad], "wrong number of fields",
                                 "quote values that hold the separator")])
    frame = pd.read_csv(io.BytesIO(text), sep=sep, skiprows=idx + 1, header=None, names=header, dtype=str,
                        keep_default_na=False, na_values=[""], skip_blank_lines=True, encoding="utf-8")
    repeated = repeat_of(frame, lines) if repeats else None
    if keep and set(keep) <= set(header):
        frame = frame[list(dict.fromkeys(keep))]
    return frame, lines, repeated


def _scan_lines(text: bytes, sep: str, idx: int, width: int):
    """Line number of every data row, and (line, fields, text) of every row with the wrong field count."""
    body = io.StringIO(text.decode("utf-8", errors="replace"))
    reader = csv.reader(body, delimiter=sep)
    lines, bad, previous = [], [], 0
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if start <= idx + 1 or not record or (len(record) == 1 and not record[0].strip()):
            continue  # the header, or a blank line (pyarrow skips those too)
        if len(record) != width:
            bad.append((start, len(record), sep.join(record)))
        else:
            lines.append(start)
    return np.asarray(lines, dtype=np.int64), bad


# --------------------------------------------------------------------------------------------------
# Excel workbooks


def read_workbook(raw: bytes, label: str, options: ReadOptions, expected: tuple[str, ...]) -> Table:
    """One sheet of a workbook: the stated one, else the first holding the expected columns."""
    rows_by_sheet = _workbook_rows(raw, label)
    names = list(rows_by_sheet)
    notes: list[str] = []
    if options.sheet is not None:
        if options.sheet not in rows_by_sheet:
            raise DataError(f"{label}: no sheet {options.sheet!r} (the workbook has {', '.join(map(repr, names))})."
                            f"\n    Fix: --assume sheet=NAME with one of these names.")
        order = [options.sheet]
    else:
        order = names
    want = {e.strip() for e in expected}
    chosen, idx = order[0], (int(options.header_row) - 1 if options.header_row else 0)
    if want and not options.header_row:
        found = None
        for name in order:
            for i, row in enumerate(rows_by_sheet[name][:30]):
                if want <= {str(v).strip() for v in row if v is not None}:
                    found = (name, i)
                    break
            if found:
                break
        if found:
            chosen, idx = found
    rows = rows_by_sheet[chosen]
    if chosen != names[0] and options.sheet is None:
        notes.append(f"{label}: read sheet {chosen!r} (the first sheet, {names[0]!r}, does not hold the "
                     f"columns); state --assume sheet=NAME to choose another.")
    if not rows or idx >= len(rows):
        raise DataError(f"{label}, sheet {chosen!r}: the sheet is empty (no header row).\n    Fix: choose the "
                        f"sheet with the data: --assume sheet=NAME (sheets: {', '.join(map(repr, names))}).")
    if idx > 0:
        notes.append(f"{label}, sheet {chosen!r}: rows 1-{idx} above the header (row {idx + 1}) were skipped "
                     f"as a title block; state --assume header_row=N if the header is elsewhere.")
    header = [("" if v is None else str(v).strip()) for v in rows[idx]]
    while header and header[-1] == "":
        header.pop()
    body = [list(r[: len(header)]) + [None] * (len(header) - len(r)) for r in rows[idx + 1:]]
    overflow = [(idx + 2 + i, r) for i, r in enumerate(rows[idx + 1:]) if any(v is not None for v in r[len(header):])]
    if overflow:
        raise DataError(f"{label}, sheet {chosen!r}: rows with values beyond the header's {len(header)} "
                        f"columns -- {', '.join(f'row {n}' for n, _ in overflow[:SHOWN])}.\n    Fix: give those "
                        f"columns a header, or delete the stray cells.")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.apply(lambda s: s.map(lambda v: v.strip() or None if isinstance(v, str) else v))
    lines = np.arange(idx + 2, idx + 2 + len(frame))
    keep = frame.notna().any(axis=1).to_numpy()
    frame, lines = frame.loc[keep].reset_index(drop=True), lines[keep]
    return Table(frame, lines, notes, None, None, idx + 1, chosen)


def _workbook_rows(raw: bytes, label: str) -> dict[str, list[tuple]]:
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
        finally:
            book.close()
    except Exception as err:  # noqa: BLE001 - any reader failure becomes a message, not a traceback
        raise DataError(f"{label}: could not read it as an Excel workbook ({type(err).__name__}: {err}).\n"
                        f"    Fix: save it as .xlsx (Excel 2007 or later) or as 'CSV UTF-8'.") from None


# --------------------------------------------------------------------------------------------------
# cells


def spreadsheet_errors(frame: pd.DataFrame, lines, label: str, columns=None) -> list[Problem]:
    """A problem per column holding Excel error values (#N/A, #REF!, ...): a failed formula is not data."""
    out = []
    for col in columns if columns is not None else frame.columns:
        s = frame[col]
        if s.dtype.kind in "biufcmM":
            continue
        if not s.astype("str").str.contains("#", regex=False).any():
            continue  # no cell holds a '#': nothing to look up
        bad = _on_uniques(s, lambda u: u.astype("str").str.strip().str.upper().isin(SPREADSHEET_ERRORS))
        if bad.any():
            out.append(problem(label, col, np.asarray(lines)[bad], s[bad], "spreadsheet error values (a formula "
                               "that failed, e.g. a lookup that found nothing)",
                               "fix the formulas in the spreadsheet (or paste the right values) and export again"))
    return out


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written: the decimal mark, the thousands mark (None: none; ' ' any space) and the
    negative style; `stated` when the user said so (then nothing is ambiguous)."""

    decimal: str = "."
    thousands: str | None = None
    negative: str = "minus"
    stated: bool = False


_PLAIN = r"^[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[iI]nf(inity)?)$"


def _group(mark: str) -> str:
    return r"^[-+(]?[1-9]\d{0,2}(" + re.escape(mark) + r"\d{3})+[)-]?$"


def detect_number_format(columns: dict[str, pd.Series], options: ReadOptions | None = None,
                         label: str = "") -> tuple[NumberFormat, list[str]]:
    """The number format of a file, from the stated options or from the text of its number columns.

    Examples
    --------
    >>> fmt, notes = detect_number_format({"Qty": pd.Series(["1.824", "12,5"])})
    >>> fmt.decimal, fmt.thousands
    (',', '.')
    """
    options = options or ReadOptions()
    negative = options.negative or "minus"
    thousands_stated = None if options.thousands in (None,) else (options.thousands if options.thousands not in
                                                                ("none", "") else "")
    if options.decimal:
        thousands = thousands_stated if thousands_stated is not None else None
        return NumberFormat(options.decimal, thousands or None, negative, True), []
    texts = [pd.Series(s.dropna().unique()).astype("str").str.strip() for s in columns.values()
             if s.dtype.kind not in "biufcmM"]
    texts = [t for t in texts if len(t)]
    comma_dec = point_dec = space_k = None
    pats = {
        "comma": r"^[-+(]?(\d+|\d{1,3}(\.\d{3})+|\d{1,3}([ \u00a0\u202f]\d{3})+),(\d{1,2}|\d{4,})[)-]?$|"
                 r"^[-+(]?\d{1,3}(\.\d{3})+,\d+[)-]?$",
        "point": r"^[-+(]?(\d+|\d{1,3}(,\d{3})+|\d{1,3}([ \u00a0\u202f]\d{3})+)\.(\d{1,2}|\d{4,})[)-]?$|"
                 r"^[-+(]?\d{1,3}(,\d{3})+\.\d+[)-]?$",
        "space": r"^[-+(]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?[)-]?$",
    }
    for t in texts:
        if comma_dec is None and (m := t[t.str.match(pats["comma"])]).size:
            comma_dec = m.iloc[0]
        if point_dec is None and (m := t[t.str.match(pats["point"])]).size:
            point_dec = m.iloc[0]
        if space_k is None and (m := t[t.str.match(pats["space"])]).size:
            space_k = m.iloc[0]
    notes = []
    if comma_dec is not None and point_dec is not None:
        raise DataError(f"{label}: numbers are written with a decimal comma ({comma_dec!r}) and with a decimal "
                        f"point ({point_dec!r}).\n    Fix: state the format: --assume decimal=, (and thousands=.) "
                        f"or --assume decimal=. (and thousands=,).")
    if comma_dec is not None:
        fmt = NumberFormat(",", thousands_stated or (" " if space_k is not None and "." not in comma_dec else "."),
                           negative)
        notes.append(f"{label}: numbers are written with a decimal comma (e.g. {comma_dec!r}), read as such"
                     f" (thousands mark {fmt.thousands!r}); state --assume decimal=. if that is wrong.")
        return fmt, notes
    thousands = thousands_stated
    if thousands is None and space_k is not None:
        thousands = " "
        notes.append(f"{label}: numbers are grouped in thousands with spaces (e.g. {space_k!r}), read as such.")
    elif thousands is None and point_dec is not None:  # the decimal mark is a point: a comma groups thousands
        grouped = [t[t.str.match(r"^[-+(]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?[)-]?$")] for t in texts]
        example = next((g.iloc[0] for g in grouped if len(g)), None)
        if example is not None:
            thousands = ","
            notes.append(f"{label}: numbers are grouped in thousands with commas (e.g. {example!r}; the decimal "
                         f"mark is a point, e.g. {point_dec!r}), read as such.")
    return NumberFormat(".", thousands or None, negative), notes


_NUMBER_REASONS = (  # (regex, what, fix): the first that matches a bad value explains it
    (r"[€$£¥₹]|\b(?:EUR|USD|GBP|CHF|JPY)\b", "numbers written with a currency symbol",
     "remove the currency symbol (write 12.00, not €12 or $12); the currency is stated with --assume "
     "currency=...; in Excel format the column as Number, not Currency or Accounting"),
    (r"%", "percentages", "write fractions, not percents: 0.25, not 25%"),
    (r"^\(.*\)$", "negative numbers in accounting brackets",
     "state --assume negative=parentheses to read (12.50) as -12.50, or write -12.50"),
    (r"^[^-]*\d-$", "negative numbers with a trailing minus (12-)",
     "state --assume negative=trailing to read 12- as -12, or write -12"),
    (r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$", "numbers written with a thousands separator",
     "state the format: --assume thousands=, (1,234.50 is 1234.5), or write plain numbers such as 1234.50"),
    (r"^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$", "numbers written with a thousands dot",
     "state the format: --assume decimal=, thousands=. (1.234,50 is 1234.5)"),
    (r"^[-+]?\d+,\d+$", "numbers with a decimal comma", "state --assume decimal=, (12,5 is 12.5), or write 12.5"),
)


def explain_numbers(bad: pd.Series, lines, label: str, column: str, kind: str) -> list[Problem]:
    """Problems grouping bad number cells by what is wrong with them (currency, percent, separators...)."""
    text = bad.astype(str).str.strip()
    reason = np.full(len(text), len(_NUMBER_REASONS))
    for i, (pattern, _, _) in reversed(list(enumerate(_NUMBER_REASONS))):
        reason[text.str.contains(pattern, regex=True).to_numpy(dtype=bool)] = i
    out = []
    for i in sorted(set(reason.tolist())):
        pick = reason == i
        if i < len(_NUMBER_REASONS):
            what, fix = _NUMBER_REASONS[i][1:]
        else:
            what = f"values that are not {'whole numbers' if kind == 'int' else 'numbers'}"
            fix = "write a plain number in every cell (a point for decimals, no text, no units)"
        out.append(problem(label, column, np.asarray(lines)[pick], text[pick], what, fix))
    return out


def _on_uniques(s: pd.Series, func) -> np.ndarray:
    """`func` (text Series -> boolean array) applied to the distinct values only, spread back to every row."""
    codes, uniques = pd.factorize(s)
    hit = np.asarray(func(pd.Series(uniques, dtype=s.dtype)), dtype=bool)
    return np.where(codes >= 0, hit[np.maximum(codes, 0)] if len(hit) else False, False)


def parse_numbers(s: pd.Series, lines, label: str, column: str, fmt: NumberFormat, problems: list,
                  kind: str = "float") -> pd.Series | None:
    """A text (or numeric) column as float64 under `fmt`; None (and problems added) when a cell is not a
    number in that format, or reads two ways under a format that was detected rather than stated.

    Examples
    --------
    >>> found = []
    >>> parse_numbers(pd.Series(["1.824", "12"]), [2, 3], "x.csv", "Qty", NumberFormat(), found) is None
    True
    >>> print(found[0])
    x.csv, column 'Qty': numbers that read two ways (1.824 or 1,824?) -- line 2: '1.824'.
        Fix: state the format: --assume decimal=. if they are 1.824, or --assume decimal=, thousands=. if they are 1,824
    >>> parse_numbers(pd.Series(["1.824", "(3,5)"]), [2, 3], "x.csv", "Qty",
    ...               NumberFormat(",", ".", "parentheses", True), []).tolist()
    [1824.0, -3.5]
    """
    lines = np.asarray(lines)
    if s.dtype.kind in "biuf":
        return s.astype("float64")
    if s.dtype != object and len(s) > 256:  # parse each distinct text once (a column holds few distinct numbers)
        codes, uniques = pd.factorize(s)
        values = _parse_numbers(pd.Series(uniques, dtype=s.dtype), np.zeros(len(uniques)), label, column, fmt, [],
                                kind)
        if values is not None:
            out = values.to_numpy()[np.maximum(codes, 0)] if len(values) else np.full(len(codes), np.nan)
            return pd.Series(np.where(codes >= 0, out, np.nan), index=s.index, dtype="float64")
    return _parse_numbers(s, lines, label, column, fmt, problems, kind)


def _parse_numbers(s, lines, label, column, fmt, problems, kind):
    if s.dtype.kind in "biuf":
        return s.astype("float64")
    if s.dtype == object:  # Excel: numbers stay numbers, text cells are parsed
        is_num = s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).to_numpy(dtype=bool)
        if is_num.all():
            return pd.to_numeric(s, errors="coerce").astype("float64")
        if is_num.any():
            out = pd.Series(np.nan, index=s.index, dtype="float64")
            out[is_num] = s[is_num].astype("float64")
            rest = parse_numbers(s[~is_num].astype("str"), lines[~is_num], label, column, fmt, problems, kind)
            if rest is None:
                return None
            out[~is_num] = rest.to_numpy()
            return out
    text = s.astype("str").str.strip()
    empty = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool)
    plain = text.str.match(r"^[-+]?\d+(\.\d+)?$").to_numpy(dtype=bool)
    if fmt.decimal == "." and not fmt.thousands and (plain | empty).all():
        if not fmt.stated:
            if _ambiguous(text, ".", lines, label, column, problems):
                return None
        return pd.to_numeric(text, errors="coerce").astype("float64")
    if not fmt.stated and _ambiguous(text, fmt.decimal, lines, label, column, problems):
        return None
    work = text
    neg = pd.Series(False, index=text.index)
    if fmt.negative == "parentheses":
        paren = work.str.match(r"^\(.*\)$").fillna(False).astype(bool)
        neg |= paren
        work = work.where(~paren, work.str.slice(1, -1).str.strip())
    elif fmt.negative == "trailing":
        trail = work.str.match(r"^[^-]*\d-$").fillna(False).astype(bool)
        neg |= trail
        work = work.where(~trail, work.str.slice(0, -1))
    if fmt.thousands:
        marks = _SPACES if fmt.thousands == " " else fmt.thousands
        dec = re.escape(fmt.decimal)
        grouped = rf"^[-+]?\d{{1,3}}([{re.escape(marks)}]\d{{3}})+({dec}\d*)?$"
        has_mark = work.str.contains(f"[{re.escape(marks)}]", regex=True).fillna(False).astype(bool)
        ok_group = work.str.match(grouped).fillna(False).astype(bool)
        work = work.where(~has_mark | ~ok_group, work.str.replace(f"[{re.escape(marks)}]", "", regex=True))
    if fmt.decimal == ",":
        has_dot = work.str.contains(".", regex=False).fillna(False).astype(bool)
        work = work.str.replace(",", ".", regex=False).where(~has_dot)
    num = pd.to_numeric(work.where(work.str.match(_PLAIN).fillna(False).astype(bool)), errors="coerce")
    bad = (num.isna().to_numpy() & ~empty)
    if bad.any():
        problems += explain_numbers(text[bad], lines[bad], label, column, kind)
        return None
    return num.where(~neg.to_numpy(), -num).astype("float64")


def _ambiguous(text: pd.Series, decimal: str, lines, label, column, problems) -> bool:
    """Numbers like 1.824 (decimal '.'), in a column whose other numbers never use the mark as a decimal."""
    grouped = text.str.match(_group(decimal)).fillna(False).to_numpy(dtype=bool)
    if not grouped.any():
        return False
    mark = re.escape(decimal)
    evidence = text.str.contains(rf"\d{mark}(?:\d{{1,2}}|\d{{4,}})(?:\D|$)", regex=True).fillna(False).to_numpy(dtype=bool)
    if evidence.any():
        return False
    other = "," if decimal == "." else "."
    one, two = ("1.824", "1,824") if decimal == "." else ("1,824", "1.824")
    problems.append(problem(
        label, column, np.asarray(lines)[grouped], text[grouped], f"numbers that read two ways ({one} or {two}?)",
        f"state the format: --assume decimal={decimal} if they are {one}, or --assume decimal={other} "
        f"thousands={decimal} if they are {two}"))
    return True
