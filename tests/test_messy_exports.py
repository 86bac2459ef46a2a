"""The battery: messy but realistic exports, each GENERATED here from one clean frame, and the outcome of each.

Every case writes the clean order lines the way some ERP or Excel would (an encoding through `str.encode`,
separators and number formats by hand, workbooks through openpyxl), then asserts one of three outcomes:

- read correctly: the import's reconciled totals equal an independent pandas computation on the clean frame;
- read with a warning that names the lines;
- refused with a `DataError` naming the file, the column (where there is one) and the line, by the API and by
  `kamlab import` (exit code 2, no traceback, nothing written).
"""
from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest

from kamlab import importer
from kamlab.cli import main
from kamlab.data import DataError

COLUMNS = {"account_id": "Customer", "order_id": "Invoice", "invoice_date": "Date", "product_id": "Item",
           "quantity": "Qty", "invoice_price": "Price", "product_name": "Description"}
HEADER = ["Invoice", "Date", "Customer", "Item", "Description", "Qty", "Price"]


def clean() -> pd.DataFrame:
    """24 order lines of 3 customers: accented names, a thousand-unit line, a return, prices with cents."""
    rng = np.random.default_rng(7)
    names = {"P1": "Café crème", "P2": "Müller Brötchen", "P3": "Señor Ñandú", "P4": "Øresund Smørrebrød"}
    rows = []
    for i in range(24):
        item = f"P{i % 4 + 1}"
        qty = [3, 12, 1824, 7, 40, 2][i % 6]
        rows.append({"Invoice": f"INV{100 + i // 3}", "Date": pd.Timestamp("2025-01-06") + pd.Timedelta(days=3 * i),
                     "Customer": ["ALFKI", "BONAP", "C0017"][i % 3], "Item": item, "Description": names[item],
                     "Qty": qty, "Price": round(float(rng.uniform(1, 30)), 2)})
    rows[5]["Qty"] = -2  # a return
    return pd.DataFrame(rows, columns=HEADER)


CLEAN = clean()
RAW_TOTAL = float((CLEAN["Qty"] * CLEAN["Price"]).sum())  # the independent computation
SALES = float((CLEAN["Qty"] * CLEAN["Price"])[CLEAN["Qty"] > 0].sum())


def fmt(x: float, *, decimal=".", thousands="", negative="minus", places=2) -> str:
    """A number as a regional Excel writes it, by hand."""
    body = f"{abs(x):,.{places}f}".replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    if x >= 0:
        return body
    return {"minus": "-" + body, "parentheses": f"({body})", "trailing": body + "-"}[negative]


def text(frame: pd.DataFrame, *, sep=",", decimal=".", thousands="", negative="minus", date=None,
         title: list[str] = (), quote_all=False) -> str:
    """The frame as CSV text, every number and date written by hand."""
    def cell(v):
        v = str(v)
        return f'"{v}"' if quote_all or sep in v or '"' in v or "\n" in v else v

    lines = [*title, sep.join(cell(h) for h in frame.columns)]
    for row in frame.itertuples(index=False):
        out = []
        for col, v in zip(frame.columns, row):
            if col == "Qty":
                v = fmt(v, decimal=decimal, thousands=thousands, negative=negative, places=0)
            elif col == "Price":
                v = fmt(v, decimal=decimal, thousands=thousands, negative=negative)
            elif col == "Date":
                v = date(v) if date else f"{v:%Y-%m-%d}"
            out.append(cell(v))
        lines.append(sep.join(out))
    return "\n".join(lines) + "\n"


def imported(path, **assume):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = importer.from_order_lines(path, COLUMNS, **assume)
    return result, [str(w.message) for w in caught]


def assert_reads_correctly(result, frame=CLEAN, accounts=3):
    rec = result.reconciliation
    expected = float((frame["Qty"] * frame["Price"]).sum())
    assert rec.raw_total == pytest.approx(expected, abs=0.005)
    assert rec.difference == 0
    assert rec.product_revenue == pytest.approx(float((frame["Qty"] * frame["Price"])[frame["Qty"] > 0].sum()))
    assert len(result.dataset.accounts) == accounts
    lines = result.dataset.order_lines
    assert len(lines) + len(result.set_aside) == len(frame)
    assert sorted(lines["quantity"]) == sorted(frame["Qty"].astype(float))


def refused(path, *needles, **assume) -> str:
    """Refused by the API and by `kamlab import`: the message holds the needles; nothing is written."""
    with pytest.raises(DataError) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importer.from_order_lines(path, COLUMNS, **assume)
    message = str(info.value)
    for needle in (path.name, *needles):
        assert needle in message, f"{needle!r} not in:\n{message}"
    out = path.parent / "out"
    args = ["import", str(path), "--out", str(out)]
    for target, column in COLUMNS.items():
        args += ["--map", f"{target}={column}"]
    for key, value in assume.items():
        args += ["--assume", f"{key}={value}"]
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    assert code == 2 and "Traceback" not in err.getvalue() and path.name in err.getvalue()
    assert not out.exists()
    return message


# --------------------------------------------------------------------------------------------------
# read correctly


ENCODED = {  # case: (encoding, text options)
    "utf8": ("utf-8", {}),
    "utf8 with BOM": ("utf-8-sig", {}),
    "cp1252 (Excel CSV on Windows)": ("cp1252", {}),
    "mac_roman (Excel on a Mac)": ("mac_roman", {}),
    "cp850 (DOS ERP)": ("cp850", {}),
    "utf-16 tab (Excel Unicode Text)": ("utf-16", {"sep": "\t"}),
    "utf-16-be with BOM": ("utf-16", {}),
    "utf-16-le without BOM": ("utf-16-le", {}),
    "semicolon": ("utf-8", {"sep": ";"}),
    "tab": ("utf-8", {"sep": "\t"}),
    "pipe": ("utf-8", {"sep": "|"}),
    "everything quoted": ("utf-8", {"quote_all": True}),
    "quoted thousands commas": ("utf-8", {"thousands": ","}),
    "German Excel: semicolon, decimal comma, thousands dot": ("cp1252", {"sep": ";", "decimal": ",",
                                                                          "thousands": "."}),
    "French: semicolon, decimal comma, no-break-space thousands": ("utf-8", {"sep": ";", "decimal": ",",
                                                                              "thousands": "\u00a0"}),
    "narrow no-break-space thousands": ("utf-8", {"thousands": "\u202f"}),
    "Swiss apostrophe? no: plain space thousands, tab": ("utf-8", {"sep": "\t", "thousands": " "}),
    "title block above the header": ("utf-8", {"title": ["Sales report 2025", "Company: Acme GmbH", ""]}),
    "Excel serial dates": ("utf-8", {"date": lambda d: str((d - pd.Timestamp("1899-12-30")).days)}),
}


@pytest.mark.parametrize("case", list(ENCODED))
def test_read_correctly(case, tmp_path):
    encoding, options = ENCODED[case]
    body = text(CLEAN, **options)
    raw = body.encode("utf-16-be") if case == "utf-16-be with BOM" else body.encode(encoding)
    if case == "utf-16-be with BOM":
        raw = b"\xfe\xff" + raw
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    result, notes = imported(path)
    assert_reads_correctly(result)
    names = set(result.dataset.products["name"])
    assert names == set(CLEAN["Description"]), names  # accents survive every encoding
    if encoding in ("cp1252", "mac_roman", "cp850"):
        assert any(f"read as {encoding}" in n for n in notes), notes  # the guess is printed
    if options.get("title"):
        assert any("lines 1-3 above the header (line 4)" in n for n in notes)
    if options.get("decimal") == ",":
        assert any("decimal comma" in n for n in notes)


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR only (old Mac)"])
def test_line_ends(newline, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(text(CLEAN).replace("\n", newline).encode())
    assert_reads_correctly(imported(path)[0])


def test_gzip(tmp_path):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(text(CLEAN).encode()))
    assert_reads_correctly(imported(path)[0])


def test_ambiguous_thousands_read_when_stated(tmp_path):
    whole = CLEAN.assign(Price=CLEAN["Price"].round())  # whole-euro prices: no decimal mark anywhere
    path = tmp_path / "export.csv"
    path.write_text(text(whole, thousands=".").replace(".00", ""))  # 1.824: 1824 or 1.824?
    refused(path, "column 'Qty (mapped to quantity)'", "numbers that read two ways", "line 4: '1.824'",
            "--assume decimal=, thousands=.")
    result, _ = imported(path, decimal=",", thousands=".")
    assert_reads_correctly(result, whole)


@pytest.mark.parametrize("negative", ["parentheses", "trailing"])
def test_negative_styles_read_when_stated(negative, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(text(CLEAN, negative=negative, sep=";"))
    word = "accounting brackets" if negative == "parentheses" else "trailing minus"
    refused(path, word, "line 7", f"--assume negative={negative}")
    assert_reads_correctly(imported(path, negative=negative)[0])


def test_header_row_stated(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(text(CLEAN, title=["Invoice,Date,Customer", "x,y,z"]))  # a decoy: line 1 looks like a header
    result, notes = imported(path, header_row=3)
    assert_reads_correctly(result)


def test_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "export.csv"
    lines = text(CLEAN).splitlines()
    lines.insert(3, "")
    lines.insert(6, ",,,,,,")
    lines[10] = lines[10].replace("ALFKI", "#N/A").replace("BONAP", "#N/A").replace("C0017", "#N/A")
    path.write_text("\n".join(lines) + "\n")
    refused(path, "column 'Customer (mapped to account_id)'", "spreadsheet error values", "line 11: '#N/A'")


def test_line_break_inside_a_quoted_name(tmp_path):
    frame = CLEAN.assign(Description=CLEAN["Description"].where(CLEAN.index != 4, "Two\nlines"))
    path = tmp_path / "export.csv"
    path.write_text(text(frame))
    result, _ = imported(path)
    assert_reads_correctly(result, frame)


# workbooks


def _workbook(path, sheets: dict, *, text_numbers=False, serial_dates=False):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)


def _rows(frame=CLEAN, *, text_numbers=False, serial_dates=False, title=()):
    rows = [[t] for t in title] + [list(frame.columns)]
    for r in frame.itertuples(index=False):
        row = list(r)
        row[1] = (r.Date - pd.Timestamp("1899-12-30")).days if serial_dates else r.Date.to_pydatetime()
        if text_numbers:
            row[5] = fmt(r.Qty, decimal=",", thousands=".", places=0)
            row[6] = fmt(r.Price, decimal=",", thousands=".")
        rows.append(row)
    return rows


@pytest.mark.parametrize("case", ["plain", "second sheet", "title block", "serial dates", "text numbers stated",
                                  "saved under a .csv name"])
def test_workbooks(case, tmp_path):
    path = tmp_path / ("export.csv" if case == "saved under a .csv name" else "export.xlsx")
    assume = {}
    if case == "second sheet":
        sheets = {"Cover": [["Sales report"], ["made by the ERP"]], "Lines": _rows()}
    elif case == "title block":
        sheets = {"Lines": _rows(title=("Sales 2025", None))}
    elif case == "serial dates":
        sheets = {"Lines": _rows(serial_dates=True)}
    elif case == "text numbers stated":
        sheets = {"Lines": _rows(text_numbers=True)}
        assume = {"decimal": ",", "thousands": "."}
    else:
        sheets = {"Lines": _rows()}
    _workbook(path, sheets)
    result, notes = imported(path, **assume)
    assert_reads_correctly(result)
    if case == "second sheet":
        assert any("read sheet 'Lines'" in n for n in notes)


def test_workbook_text_numbers_refused_unless_stated(tmp_path):
    path = tmp_path / "export.xlsx"
    rows = _rows()
    for row in rows[1:]:
        row[5] = fmt(row[5], thousands=".", places=0)  # text quantities; the prices are Excel numbers
    _workbook(path, {"Lines": rows})
    refused(path, "column 'Qty (mapped to quantity)'", "line 4: '1.824'")
    assert_reads_correctly(imported(path, decimal=",", thousands=".")[0])


def test_workbook_sheet_stated(tmp_path):
    path = tmp_path / "export.xlsx"
    _workbook(path, {"Old": _rows(CLEAN.head(3)), "New": _rows()})
    assert_reads_correctly(imported(path, sheet="New")[0])
    refused(path, "no sheet 'Newest'", "'Old', 'New'", sheet="Newest")


# lines and ids


def test_total_row_is_kept_out(tmp_path):
    path = tmp_path / "export.csv"
    body = text(CLEAN)
    total = f"Total,,,,,{CLEAN['Qty'].sum()},\n"
    path.write_text(body + total)
    result, notes = imported(path)
    assert_reads_correctly(result)
    assert any("line 26 is a total row" in n for n in notes)


def test_unlabelled_total_row_is_kept_out(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(text(CLEAN) + f",,,,,{CLEAN['Qty'].sum()},{CLEAN['Price'].sum():.2f}\n")
    result, notes = imported(path)
    assert_reads_correctly(result)
    assert any("line 26 is a total row" in n for n in notes)


def test_exact_duplicates_named_kept_or_dropped(tmp_path):
    frame = pd.concat([CLEAN, CLEAN.iloc[[2, 9, 15]]], ignore_index=True)
    path = tmp_path / "export.csv"
    path.write_text(text(frame))
    result, notes = imported(path)
    assert_reads_correctly(result, frame)  # kept: the file's own total, and said
    assert any("3 lines repeat an earlier line exactly (line 26 = line 4; line 27 = line 11; line 28 = line 17)"
               in n for n in notes), notes
    dropped, _ = imported(path, duplicates="drop")
    assert dropped.reconciliation.product_revenue == pytest.approx(SALES)
    assert dropped.set_aside["line"].tolist() == [26, 27, 28]


@pytest.mark.parametrize("variants", [("ALFKI", "alfki", "Alfki "), ("00017", "17", "017")],
                         ids=["case and spaces", "leading zeros"])
def test_id_variants_named_and_merged_on_request(variants, tmp_path):
    first = variants[0]
    frame = CLEAN.assign(Customer=CLEAN["Customer"].replace({"C0017": "00017"}))
    rows = frame.index[frame["Customer"] == first]
    frame.loc[rows[1], "Customer"] = variants[1]
    frame.loc[rows[2], "Customer"] = variants[2]
    path = tmp_path / "export.csv"
    path.write_text(text(frame, quote_all=True))
    result, notes = imported(path)
    assert len(result.dataset.accounts) == 5  # kept apart: not merged in silence ...
    said = [n for n in notes if "written in more than one way" in n]
    assert said and f"'{variants[1]}' (line {rows[1] + 2})" in said[0] and "merge_ids=true" in said[0]
    merged, _ = imported(path, merge_ids=True)
    assert_reads_correctly(merged, frame)  # ... and merged when asked
    assert first in set(merged.dataset.accounts["account_id"])


def test_noise_codes_never_by_default(tmp_path):
    frame = CLEAN.assign(Item=CLEAN["Item"].replace({"P1": "D", "P2": "M", "P3": "POST"}))
    path = tmp_path / "export.csv"
    path.write_text(text(frame))
    result, _ = imported(path)
    assert_reads_correctly(result)  # D, M and POST are products of this catalogue
    noise = {a.name: a for a in result.assumptions}["noise_codes"]
    assert noise.value == "none"
    preset, _ = imported(path, noise_codes="online_retail")
    said = {a.name: a for a in preset.assumptions}["noise_codes"]
    assert said.value == "online_retail" and "POST freight (lines 4, 8, 12" in said.text
    assert "noise_codes = online_retail" in preset.report()
    listed, _ = imported(path, noise_codes="POST:freight")
    assert listed.reconciliation.freight_and_fees == pytest.approx(
        float((frame["Qty"] * frame["Price"])[frame["Item"] == "POST"].sum()))


def test_stated_encoding_wins(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(text(CLEAN).encode("mac_roman"))
    result, notes = imported(path, encoding="mac_roman")
    assert set(result.dataset.products["name"]) == set(CLEAN["Description"])
    refused(path, "line 2: not readable as utf-8", encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# refused with file, column and line; nothing written


def _set(line: int, column: str, value: str):
    """An edit of the CSV text: the cell of `column` on file line `line` (1-based) becomes `value` (unquoted)."""
    def edit(lines):
        fields = lines[line - 1].split(",")
        fields[HEADER.index(column)] = value
        lines[line - 1] = ",".join(fields)
    return edit


def _each(*edits):
    def edit(lines):
        for e in edits:
            e(lines)
    return edit


REFUSED = {  # case: (edit of the CSV text lines, needles)
    "unquoted thousands comma in the last column": (_set(6, "Price", "1,824"),
                                                    ["line 6 has 8 fields", "header's 7 columns", "Nothing was read"]),
    "a line with a field missing": (lambda ls: ls.__setitem__(9, ls[9].rsplit(",", 1)[0]), ["line 10 has 6 fields"]),
    "#N/A customers (a failed lookup)": (_each(_set(3, "Customer", "#N/A"), _set(6, "Customer", "#N/A")),
                                         ["column 'Customer (mapped to account_id)'", "spreadsheet error values",
                                          "line 3: '#N/A'", "line 6: '#N/A'"]),
    "#REF! price": (_set(5, "Price", "#REF!"), ["column 'Price (mapped to invoice_price)'", "line 5: '#REF!'"]),
    "#VALUE! quantity": (_set(9, "Qty", "#VALUE!"), ["column 'Qty (mapped to quantity)'", "line 9: '#VALUE!'"]),
    "#DIV/0! price": (_set(3, "Price", "#DIV/0!"), ["line 3: '#DIV/0!'"]),
    "#NAME? item": (_set(8, "Item", "#NAME?"), ["column 'Item (mapped to product_id)'", "line 8: '#NAME?'"]),
    "currency symbol": (_set(5, "Price", "€12.50"), ["currency symbol", "line 5: '€12.50'"]),
    "day-first date": (_set(4, "Date", "31/01/2025"), ["column 'Date (mapped to invoice_date)'", "line 4",
                                                       "date_format"]),
    "mixed decimal marks": (_set(5, "Price", '"12,5"'), ["decimal comma ('12,5')", "decimal point",
                                                         "--assume decimal="]),
    "text in a quantity": (_set(7, "Qty", "six"), ["column 'Qty (mapped to quantity)'", "line 7: 'six'"]),
    "percent price": (_set(7, "Price", "25%"), ["percentages", "line 7: '25%'"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused(case, tmp_path):
    edit, needles = REFUSED[case]
    lines = text(CLEAN).splitlines()
    edit(lines)
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n")
    refused(path, *needles)


@pytest.mark.parametrize("content, needles", [
    (b"", ["the file is empty (0 bytes"]),
    (b"\r\n\r\n  \n", ["the file is empty"]),
    (",".join(HEADER).encode() + b"\n", ["a header but no lines"]),
    ("\ufeff".encode() + ",".join(HEADER).encode("utf-8") + b"\r\n\r\n", ["a header but no lines"]),
    (b"Invoice;Datum;Kunde\n1;2;3\n", ["line 1: no column", "'Datum'", "header_row"]),
], ids=["zero bytes", "blank lines only", "header only", "header only, BOM and CRLF", "wrong header"])
def test_empty_and_header_only(content, needles, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    refused(path, *needles)


def test_cr_only_wrong_header_message_is_short(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(text(pd.concat([CLEAN] * 40)).replace("Customer", "Client").replace("\n", "\r").encode())
    message = refused(path, "line 1: no column 'Customer'")
    assert len(message) < 800
