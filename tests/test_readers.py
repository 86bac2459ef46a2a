"""kamlab.readers: the one raw-file reader under kamlab.data and kamlab.importer."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlab import readers
from kamlab.readers import DataError, NumberFormat, ReadOptions

ROOT = Path(__file__).resolve().parent.parent
WORDS = "Société Générale;Müller Ölwerke;Crème brûlée;Señor Ñandú;Øresund;Café"


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman", "cp850"])
def test_legacy_code_page_is_guessed_from_accented_words(encoding):
    text = "Name,Qty\n" + "\n".join(f"{w},{i}" for i, w in enumerate(WORDS.split(";"))) + "\n"
    utf8, found, notes = readers.decode(text.encode(encoding), "x.csv")
    assert found == encoding and utf8.decode() == text
    assert f"read as {encoding}" in notes[0] and "line 2" in notes[0] and "--assume encoding=" in notes[0]


def test_a_single_accent_is_enough():
    for encoding in ("cp1252", "mac_roman", "cp850"):
        assert readers.decode("a\nCafé\n".encode(encoding), "x.csv")[1] == encoding


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_with_and_without_marks(encoding):
    text = "Name\tQty\nMüller\t1\n"
    utf8, _, _ = readers.decode(text.encode(encoding), "x.csv")
    assert utf8.decode() == text


def test_stated_encoding_and_a_wrong_one():
    raw = "a\nCafé\n".encode("cp1252")
    assert readers.decode(raw, "x.csv", "latin-1")[0].decode() == "a\nCafé\n"
    with pytest.raises(DataError, match="x.csv, line 2: not readable as utf-8"):
        readers.decode(raw, "x.csv", "utf-8")


def test_first_non_utf8_byte_across_slices():
    raw = ("é" * 10).encode() + b"\xff" + b"x" * 10
    assert readers._first_non_utf8(raw, chunk=3) == 20
    assert readers._first_non_utf8(("é" * 10).encode(), chunk=3) is None


def test_bad_options_are_refused():
    with pytest.raises(DataError, match="decimal and thousands marks must differ"):
        ReadOptions(decimal=",", thousands=",").checked()
    with pytest.raises(DataError, match="encoding='klingon'"):
        ReadOptions(encoding="klingon").checked()
    assert ReadOptions(sep="tab").checked().sep == "\t"


@pytest.mark.parametrize("values, decimal, thousands", [
    (["1.824", "12,50"], ",", "."),            # German
    (["1 824,50", "3"], ",", " "),             # French, plain space
    (["1\u202f824", "2.5"], ".", " "),         # narrow no-break space
    (["1,824", "2.55"], ".", ","),             # a point decimal elsewhere: the comma groups thousands
    (["12", "2.55"], ".", None),
])
def test_number_format_detection(values, decimal, thousands):
    fmt, notes = readers.detect_number_format({"x": pd.Series(values)})
    assert (fmt.decimal, fmt.thousands) == (decimal, thousands)


def test_mixed_decimal_marks_are_refused():
    with pytest.raises(DataError, match="decimal comma .'12,5'. and with a decimal point .'2.55'."):
        readers.detect_number_format({"a": pd.Series(["12,5"]), "b": pd.Series(["2.55"])}, label="x.csv")


def test_parse_numbers_under_a_stated_format():
    fmt = NumberFormat(",", ".", "trailing", True)
    out = readers.parse_numbers(pd.Series(["1.234,50", "12-", "", "0,5"]), [2, 3, 4, 5], "x", "c", fmt, [])
    assert out.tolist()[:2] == [1234.5, -12.0] and np.isnan(out[2]) and out[3] == 0.5


def test_badly_grouped_number_is_refused():
    problems = []
    fmt = NumberFormat(",", ".", "minus", True)
    assert readers.parse_numbers(pd.Series(["1.82", "3"]), [2, 3], "x.csv", "Qty", fmt, problems) is None
    assert "line 2: '1.82'" in str(problems[0])


def test_large_columns_are_parsed_once_per_distinct_value():
    s = pd.Series(["1.824", "2,5", "3"] * 200, dtype="str")
    out = readers.parse_numbers(s, np.arange(2, 602), "x", "c", NumberFormat(",", ".", "minus", True), [])
    assert out.tolist()[:3] == [1824.0, 2.5, 3.0] and len(out) == 600


def test_a_title_block_and_a_ragged_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Report\nMade 2025-01-01\na;b;c\n1;2;3\n4;5\n6;7;8\n")
    with pytest.raises(DataError) as info:
        readers.read_table(path, expected=("a", "b"))
    assert "line 5 has 2 fields" in str(info.value) and "header's 3 columns (line 3)" in str(info.value)


def test_title_block_without_expected_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Sales report\n\na,b,c\n1,2,3\n4,5,6\n")
    table = readers.read_table(path)
    assert list(table.frame.columns) == ["a", "b", "c"] and table.lines.tolist() == [4, 5]


def test_repeat_of_names_the_first_line():
    frame = pd.DataFrame({"a": ["x", "y", "x", "x"], "b": ["1", "2", "1", "2"]})
    assert readers.repeat_of(frame, np.array([2, 3, 5, 6])).tolist() == [0, 0, 2, 0]


def test_spreadsheet_errors_in_any_case():
    frame = pd.DataFrame({"a": ["ok", "#n/a", " #REF! "], "b": [1.0, 2.0, 3.0]})
    found = readers.spreadsheet_errors(frame, [2, 3, 4], "x.csv")
    assert len(found) == 1 and found[0].lines == (3, 4)


def test_readers_is_the_ground_floor():
    """readers imports no other kamlab module; data never imports the importer (imports flow one way)."""
    def kamlab_imports(name):
        tree = ast.parse((ROOT / "kamlab" / f"{name}.py").read_text())
        found = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("kamlab"):
                found |= {n.module} | {f"{n.module}.{a.name}" for a in n.names}
        return {m for m in found if m.startswith("kamlab")}

    assert kamlab_imports("readers") == set()
    assert not {m for m in kamlab_imports("data") if "importer" in m}
    from kamlab.data import DataError as FromData

    assert FromData is DataError
