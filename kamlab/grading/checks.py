"""Type-aware comparison of a participant's answers with the expected ones, in the grader's process.

Answers cross from the participant's kernel to the grader as JSON only (see `kamlab.grading.execute`):
numbers, strings, booleans, lists, and tagged dicts for floats that are not finite (``{"$float": "nan"}``),
sets (``{"$set": [...]}``), mappings (``{"$dict": [[key, value], ...]}``), pandas Series
(``{"$series": {...}}``) and DataFrames (``{"$frame": {"columns", "index", "data"}}``). `decode` turns
that into plain Python values and the small `Frame` below; `compare` then scores one answer. An object
whose ``==`` always says True never gets here: it is not JSON data, so it earns nothing.

Messages never contain the expected value: they say what kind of mismatch it was.

`self_check` is the participant's public check: type, shape and plausible range, never the answer.
"""
from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Frame", "decode", "compare", "self_check", "SelfCheck", "to_plain", "NotPlain", "CONVERT_SOURCE"]

# The one conversion of a participant's value to JSON data. It runs in the participant's kernel (the
# grader sends this source with the extraction cell) and in `self_check`, so "looks plausible" means "can
# be graded". Containers are recognised by isinstance (a Mapping or Series subclass, a pandas extension
# array, any numpy array or pandas Index count as what they are), and read through the base classes'
# methods; every leaf must be exactly a None, bool, int, finite or tagged float, or str, so an object with an
# always-true ``==`` never crosses.
CONVERT_SOURCE = r'''
class _KamlabNotPlain(Exception):
    pass


def _kamlab_plain(x, limit=5_000_000):
    import math as _m, sys as _s
    from collections.abc import Mapping as _Mapping, Set as _Set
    count = [0]
    def conv(x, depth=0):
        count[0] += 1
        if count[0] > limit:
            raise _KamlabNotPlain("too many items")
        if depth > 30:
            raise _KamlabNotPlain("nested too deeply")
        t = type(x)
        if x is None or t is bool or t is int or t is str:
            return x
        if t is float:
            return x if _m.isfinite(x) else {"$float": repr(x)}
        np = _s.modules.get("numpy")
        pd = _s.modules.get("pandas")
        if np is not None and t.__module__ == "numpy" and isinstance(x, np.generic):
            return conv(x.item(), depth + 1)
        if pd is not None:
            if x is pd.NA or x is pd.NaT:
                return None
            if t is pd.Timestamp:
                return x.isoformat()
            if isinstance(x, pd.DataFrame):
                return {"$frame": {"columns": conv(list(pd.DataFrame.__dict__["columns"].__get__(x)), depth + 1),
                                   "index": conv(list(pd.DataFrame.__dict__["index"].__get__(x)), depth + 1),
                                   "data": conv(pd.DataFrame.to_numpy(x, dtype=object).tolist(), depth + 1)}}
            if isinstance(x, pd.Series):
                return {"$series": {"name": conv(pd.Series.__dict__["name"].__get__(x), depth + 1),
                                    "index": conv(list(pd.Series.__dict__["index"].__get__(x)), depth + 1),
                                    "values": conv(pd.Series.to_numpy(x, dtype=object).tolist(), depth + 1)}}
            if isinstance(x, (pd.Index, pd.api.extensions.ExtensionArray)):
                return conv(np.asarray(x, dtype=object).tolist(), depth + 1)
        if np is not None and isinstance(x, np.ndarray):
            return conv(np.asarray(x).tolist(), depth + 1)
        if isinstance(x, (list, tuple)):
            return [conv(v, depth + 1) for v in (list.__iter__(x) if isinstance(x, list) else tuple.__iter__(x))]
        if isinstance(x, _Set):
            return {"$set": sorted((conv(v, depth + 1) for v in x), key=repr)}
        if isinstance(x, _Mapping):
            items = dict.items(x) if isinstance(x, dict) else [(k, x[k]) for k in x]
            return {"$dict": [[conv(k, depth + 1), conv(v, depth + 1)] for k, v in items]}
        raise _KamlabNotPlain(f"an object of type {t.__name__}")
    return conv(x)
'''
_converter: dict = {}
exec(compile(CONVERT_SOURCE, "<kamlab.grading.checks.CONVERT_SOURCE>", "exec"), _converter)
NotPlain = _converter["_KamlabNotPlain"]


def to_plain(value):
    """`value` as the JSON data the grader receives (raises `NotPlain` for what cannot be graded).

    Examples
    --------
    >>> import collections
    >>> to_plain(collections.OrderedDict(a=1.5))
    {'$dict': [['a', 1.5]]}
    >>> to_plain({1, 2})
    {'$set': [1, 2]}
    """
    return _converter["_kamlab_plain"](value)


@dataclass(frozen=True)
class Frame:
    """A decoded DataFrame (or Series, with one column named by the series)."""

    columns: tuple
    index: tuple
    data: tuple  # rows, each a tuple of cells


_PLAIN = (type(None), bool, int, float, str)


def decode(value):
    """Plain Python data from the JSON an answer was written as.

    Examples
    --------
    >>> decode({"$float": "nan"}) != decode({"$float": "nan"})
    True
    >>> sorted(decode({"$set": ["b", "a"]}))
    ['a', 'b']
    >>> decode({"$frame": {"columns": ["x"], "index": [0, 1], "data": [[1.5], [2.5]]}}).data
    ((1.5,), (2.5,))
    """
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("not an answer encoding")
        (tag, body), = value.items()
        if tag == "$float":
            return float(body)
        if tag == "$set":
            return {_hashable(decode(v)) for v in body}
        if tag == "$dict":
            return {_hashable(decode(k)): decode(v) for k, v in body}
        if tag == "$series":
            return Frame(columns=(decode(body.get("name")),), index=tuple(_hashable(decode(i)) for i in body["index"]),
                         data=tuple((decode(v),) for v in body["values"]))
        if tag == "$frame":
            return Frame(columns=tuple(_hashable(decode(c)) for c in body["columns"]),
                         index=tuple(_hashable(decode(i)) for i in body["index"]),
                         data=tuple(tuple(decode(c) for c in row) for row in body["data"]))
        raise ValueError(f"unknown answer encoding {tag!r}")
    if type(value) in _PLAIN:
        return value
    raise ValueError(f"not JSON data: {type(value).__name__}")


def _hashable(v):
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


def _is_number(v) -> bool:
    return type(v) in (int, float)


def _close(e, g, abs_tol: float, rel_tol: float) -> bool:
    if _is_number(e) and _is_number(g):
        if math.isnan(e) or math.isnan(g):
            return math.isnan(e) and math.isnan(g)
        if math.isinf(e) or math.isinf(g):
            return e == g
        return abs(g - e) <= abs_tol + rel_tol * abs(e)
    if type(e) is not type(g):
        if isinstance(e, (list, tuple)) and isinstance(g, (list, tuple)):
            pass
        else:
            return False
    if isinstance(e, (list, tuple)):
        return len(e) == len(g) and all(_close(a, b, abs_tol, rel_tol) for a, b in zip(e, g))
    if isinstance(e, str):
        return e.strip() == g.strip()
    if type(e) in _PLAIN:
        return e == g
    return False


def _kind_name(v) -> str:
    if isinstance(v, Frame):
        return "a table"
    if isinstance(v, bool):
        return "True/False"
    if _is_number(v):
        return "a number"
    return {str: "text", list: "a list", set: "a set", dict: "a mapping", type(None): "None"}.get(
        type(v), type(v).__name__)


def _as_list(g):
    if isinstance(g, list):
        return g
    if isinstance(g, Frame) and len(g.columns) == 1:
        return [row[0] for row in g.data]
    return None


def _as_mapping(g):
    if isinstance(g, dict):
        return g
    if isinstance(g, Frame) and len(g.columns) == 1:
        return {i: row[0] for i, row in zip(g.index, g.data)}
    return None


def compare(expected, got, answer) -> tuple[float, str]:
    """Score one answer: (fraction of its points earned, a message that never shows the expected value).

    `expected` and `got` are decoded values (see `decode`); `answer` is a `kamlab.grading.authoring.Answer`.

    Examples
    --------
    >>> from kamlab.grading.authoring import Answer
    >>> compare(100.0, 100.00001, Answer("q", 1, rel_tol=1e-6))
    (1.0, 'correct')
    >>> compare(100.0, 101.0, Answer("q", 1))
    (0.0, 'not within the tolerance of the expected value')
    >>> compare(["A", "B", "C"], ["A", "C", "B"], Answer("q", 1, kind="sequence"))
    (0.3333333333333333, '1 of 3 positions correct')
    """
    if got is None:
        return 0.0, "not answered (the variable is still None)"
    kind = answer.kind
    tol = (answer.abs_tol, answer.rel_tol)
    if kind == "number":
        if not _is_number(got):
            return 0.0, f"expected a number, got {_kind_name(got)}"
        if not math.isfinite(got):
            return 0.0, "not a finite number"
        return (1.0, "correct") if _close(expected, got, *tol) else (
            0.0, "not within the tolerance of the expected value")
    if kind == "bool":
        if type(got) is not bool:
            return 0.0, f"expected True or False, got {_kind_name(got)}"
        return (1.0, "correct") if got == expected else (0.0, "incorrect")
    if kind == "text":
        if type(got) is not str:
            return 0.0, f"expected text, got {_kind_name(got)}"
        same = " ".join(got.split()).casefold() == " ".join(str(expected).split()).casefold()
        return (1.0, "correct") if same else (0.0, "incorrect")
    if kind == "sequence":
        expected = _as_list(expected) if _as_list(expected) is not None else list(expected)
        g = _as_list(got)
        if g is None:
            return 0.0, f"expected a list, got {_kind_name(got)}"
        right = sum(_close(e, x, *tol) for e, x in zip(expected, g))
        n = max(len(expected), len(g))
        if right == n:
            return 1.0, "correct"
        msg = f"{right} of {len(expected)} positions correct"
        if len(g) != len(expected):
            msg += f"; your list has {len(g)} items, {len(expected)} were asked for"
        return (right / n if answer.partial else 0.0), msg
    if kind == "set":
        g = _as_list(got) if not isinstance(got, set) else list(got)
        if g is None:
            return 0.0, f"expected a list or set, got {_kind_name(got)}"
        g = {_hashable(x) for x in g}
        e = {_hashable(x) for x in (_as_list(expected) if _as_list(expected) is not None else expected)}
        hits = len(e & g)
        if g == e:
            return 1.0, "correct"
        msg = f"{hits} of {len(e)} items correct" + (f", {len(g - e)} not in the answer" if g - e else "")
        return (hits / len(e | g) if answer.partial else 0.0), msg
    if kind == "mapping":
        expected = _as_mapping(expected)
        g = _as_mapping(got)
        if g is None:
            return 0.0, f"expected a mapping (dict or Series), got {_kind_name(got)}"
        keys = set(expected) | set(g)
        hits = sum(k in g and k in expected and _close(expected[k], g[k], *tol) for k in keys)
        if hits == len(keys):
            return 1.0, "correct"
        right_keys = sum(k in expected and k in g for k in keys)
        msg = f"{hits} of {len(expected)} entries correct"
        wrong = right_keys - hits
        if wrong:
            msg += f"; {wrong} {'key has' if wrong == 1 else 'keys have'} a wrong value"
        if len(set(expected) - set(g)):
            msg += f"; {len(set(expected) - set(g))} of the keys asked for missing"
        if len(set(g) - set(expected)):
            msg += f"; {len(set(g) - set(expected))} keys that were not asked for"
        return (hits / len(keys) if answer.partial else 0.0), msg
    if kind == "frame":
        return _compare_frame(expected, got, answer)
    raise ValueError(f"unknown answer kind {kind!r}")


def _compare_frame(expected: Frame, got, answer) -> tuple[float, str]:
    if not isinstance(got, Frame):
        return 0.0, f"expected a table (DataFrame), got {_kind_name(got)}"
    missing = [c for c in expected.columns if c not in got.columns]
    cols = [c for c in expected.columns if c in got.columns]
    pos = {c: got.columns.index(c) for c in cols}
    epos = {c: expected.columns.index(c) for c in expected.columns}
    if set(got.index) >= set(expected.index) or set(got.index) & set(expected.index):
        g_rows = dict(zip(got.index, got.data))
        pairs = [(row, g_rows.get(i)) for i, row in zip(expected.index, expected.data)]
        extra = len(set(got.index) - set(expected.index))
    else:  # the participant reset the index: compare by position
        pairs = list(zip(expected.data, got.data)) + [(row, None) for row in expected.data[len(got.data):]]
        extra = max(0, len(got.data) - len(expected.data))
    total = len(expected.data) * len(expected.columns) + extra * len(expected.columns)
    hits = sum(g is not None and _close(e[epos[c]], g[pos[c]], answer.abs_tol, answer.rel_tol)
               for e, g in pairs for c in cols)
    if hits == total and total:
        return 1.0, "correct"
    msg = f"{hits} of {len(expected.data) * len(expected.columns)} values correct"
    if missing:
        msg += f"; missing columns: {', '.join(map(str, missing))}"
    if extra:
        msg += f"; {extra} rows that should not be there"
    return (hits / total if answer.partial and total else 0.0), msg


# --- the participant's self-check ---------------------------------------------------------------------

@dataclass(frozen=True)
class SelfCheck:
    """The outcome of `self_check`: one row (name, ok, message) per answer."""

    rows: tuple

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.rows)

    def __repr__(self) -> str:
        return "\n".join(f"{'ok ' if ok else '-- '} {name}: {msg}" for name, ok, msg in self.rows)

    def _repr_html_(self) -> str:
        from html import escape

        body = "".join(f"<tr><td><code>{escape(n)}</code></td><td>{'&#10004;' if ok else '&#10008;'}</td>"
                       f"<td>{escape(m)}</td></tr>" for n, ok, m in self.rows)
        return ("<table><thead><tr><th>answer</th><th></th><th>self-check (type and shape only)</th></tr>"
                f"</thead><tbody>{body}</tbody></table>")


def _check_one(value, check: dict) -> str | None:
    kind = check.get("kind", "number")
    pd = sys.modules.get("pandas")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"should be a number, is {type(value).__name__}"
        if not math.isfinite(float(value)):
            return "should be a finite number"
        lo, hi = check.get("min"), check.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return f"implausible: expected between {lo} and {hi}"
        return None
    if kind == "bool":
        return None if type(value).__name__ in ("bool", "bool_") else "should be True or False"
    if kind == "text":
        return None if isinstance(value, str) and value.strip() else "should be non-empty text"
    if kind == "frame":
        if pd is None or not isinstance(value, pd.DataFrame):
            return f"should be a DataFrame, is {type(value).__name__}"
        missing = [c for c in check.get("columns", []) if c not in value.columns]
        if missing:
            return f"missing columns: {', '.join(missing)}"
        if "rows" in check and len(value) != check["rows"]:
            return f"should have {check['rows']} rows, has {len(value)}"
        return None
    if kind == "mapping":
        if not isinstance(value, Mapping) and not (pd is not None and isinstance(value, pd.Series)):
            return f"should be a dict or Series, is {type(value).__name__}"
    elif kind in ("sequence", "set"):
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
            return f"should be a list, is {type(value).__name__}"
    if "length" in check and len(value) != check["length"]:
        return f"should have {check['length']} items, has {len(value)}"
    return None


def _gradable(value) -> str | None:
    """Why the grader could not read `value` (None when it can): the same conversion the grader uses."""
    try:
        to_plain(value)
    except NotPlain as err:
        return f"cannot be graded: not plain data ({err})"
    except Exception as err:  # a container whose methods raise
        return f"cannot be graded: could not be read ({type(err).__name__})"
    return None


def self_check(namespace: dict, checks: dict) -> SelfCheck:
    """Check the type, shape and plausible range of the named answers in `namespace`.

    It never compares with an answer: the grader does that on different data.

    Examples
    --------
    >>> r = self_check({"q1": 3.5, "q2": None}, {"q1": {"kind": "number", "min": 0}, "q2": {"kind": "sequence"}})
    >>> r.ok, r.rows[1][2]
    (False, 'not answered yet')
    """
    rows = []
    for name, check in checks.items():
        if name not in namespace:
            rows.append((name, False, "not defined yet: run the cells above"))
        elif namespace[name] is None:
            rows.append((name, False, "not answered yet"))
        else:
            problem = _gradable(namespace[name]) or _check_one(namespace[name], check)
            rows.append((name, problem is None, problem or "looks plausible"))
    return SelfCheck(tuple(rows))
