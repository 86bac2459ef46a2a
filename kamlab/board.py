"""The workshop board: groups save their selection weights and key-account lists to one SQLite file;
the trainer compares the lists and shows a consensus.

Many kernels (one per participant's page) save at the same time. The file is in WAL mode (readers never
block the writer), every connection waits up to `BUSY_TIMEOUT_MS` for a lock, and every save is one
`BEGIN IMMEDIATE` transaction (an upsert: a group saving again replaces its entry and bumps `revision`).

Where the file lives: the `path` argument, else the ``KAMLAB_BOARD`` environment variable, else
``workshop/board.sqlite`` under the repository (git-ignored).

Two groups choosing the same name must not overwrite each other silently: `save(..., replace=False)`
refuses a name already on the board and `replace=<revision>` replaces only the entry that revision saw
(optimistic concurrency), raising `NameTaken` so a page can ask first. Clearing the board is the
trainer's: when a board PIN is set (``KAMLAB_BOARD_PIN``, which `make app` sets from ``BOARD_PIN`` or the
server token), `clear` needs it.
"""
from __future__ import annotations

import hmac
import json
import math
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError

__all__ = ["board_path", "save", "entries", "clear", "consensus", "comparison", "BoardComparison", "NameTaken",
           "BoardLocked", "board_pin", "pin_ok", "weights_table", "signature"]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "workshop" / "board.sqlite"
BUSY_TIMEOUT_MS = 30_000
MAX_GROUP_NAME = 60

_SCHEMA = """CREATE TABLE IF NOT EXISTS entries (
    group_name TEXT PRIMARY KEY,
    weights    TEXT NOT NULL,
    top_list   TEXT NOT NULL,
    saved_at   TEXT NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 1
)"""


def board_path(path: str | Path | None = None) -> Path:
    """Where the board lives: `path`, else $KAMLAB_BOARD, else workshop/board.sqlite in the repository.

    Examples
    --------
    >>> board_path("/tmp/b.sqlite").name
    'b.sqlite'
    """
    if path not in (None, ""):
        return Path(path).expanduser()
    env = os.environ.get("KAMLAB_BOARD")
    return Path(env).expanduser() if env else DEFAULT_PATH


def _connect(path: str | Path | None) -> sqlite3.Connection:
    p = board_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    for attempt in range(50):  # switching to WAL needs a moment alone with the file the first time
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            con.execute(_SCHEMA)
            break
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.05)
    return con


class NameTaken(DataError):
    """Another entry already uses this group name (`entry`: its row as a dict); the page asks before replacing."""

    def __init__(self, name: str, entry: dict):
        self.name, self.entry = name, entry
        super().__init__(f"'{name}' is already on the board (saved {entry['saved_at'][11:16]} UTC, "
                         f"{len(entry['top_list'])} accounts): replace it, or choose another name")


class BoardLocked(DataError):
    """Clearing needs the board PIN."""


def board_pin() -> str:
    """The trainer's board PIN (``KAMLAB_BOARD_PIN``), or "" when none is set."""
    return os.environ.get("KAMLAB_BOARD_PIN", "").strip()


def pin_ok(pin: str | None) -> bool:
    """True when a board PIN is set and `pin` matches it (constant-time comparison).

    Examples
    --------
    >>> import os; os.environ["KAMLAB_BOARD_PIN"] = "4711"
    >>> pin_ok("4711"), pin_ok("1234"), pin_ok(None)
    (True, False, False)
    >>> del os.environ["KAMLAB_BOARD_PIN"]; pin_ok("")
    False
    """
    expected = board_pin()
    return bool(expected) and hmac.compare_digest(str(pin or "").strip().encode(), expected.encode())


def _check(group: str, weights: dict, top_list) -> tuple[str, dict, list[str]]:
    name = " ".join(str(group or "").split())
    if not name:
        raise DataError("give your group a name before saving (e.g. 'Table 3')")
    if len(name) > MAX_GROUP_NAME:
        raise DataError(f"a group name has at most {MAX_GROUP_NAME} characters; '{name[:20]}...' is longer")
    try:
        w = {str(k): float(v) for k, v in dict(weights).items()}
    except (TypeError, ValueError) as err:
        raise DataError(f"weights must map criteria to numbers: {err}") from None
    bad = [k for k, v in w.items() if not math.isfinite(v) or v < 0]
    if bad:
        raise DataError(f"weights must be finite and not negative; check {', '.join(bad)}")
    top = [str(a) for a in top_list]
    if not top:
        raise DataError("the key-account list is empty: choose at least one account before saving")
    if len(set(top)) != len(top):
        raise DataError("the key-account list names an account twice")
    return name, w, top


def save(group: str, weights: dict, top_list, *, path: str | Path | None = None,
         replace: bool | int = True) -> int:
    """Save (or update) a group's weights and key-account list, best first; returns the entry's revision.

    `replace`: True replaces an entry of the same name; False raises `NameTaken` if the name is on the
    board; an int replaces it only if its revision is still that one (what this page saved last), else
    raises `NameTaken`. Names compare with spaces collapsed and case ignored ("table 1" = "Table  1").

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> save("Table 1", {"margin": 0.6, "size": 0.4}, ["A", "B"], path=p)
    1
    >>> save("Table 1", {"margin": 0.5, "size": 0.5}, ["B", "A"], path=p)
    2
    >>> save("table 1", {"margin": 1.0}, ["C"], path=p, replace=False)
    Traceback (most recent call last):
    ...
    kamlab.board.NameTaken: 'Table 1' is already on the board ...
    """
    name, w, top = _check(group, weights, top_list)
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with closing(_connect(path)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute("SELECT group_name, top_list, saved_at, revision FROM entries WHERE "
                              "lower(group_name) = lower(?)", (name,)).fetchone()
            if row is not None:
                name = row[0]  # the spelling already on the board
                if replace is not True and (replace is False or int(replace) != row[3]):
                    raise NameTaken(row[0], {"group": row[0], "top_list": json.loads(row[1]), "saved_at": row[2],
                                             "revision": row[3]})
            con.execute(
                "INSERT INTO entries (group_name, weights, top_list, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(group_name) DO UPDATE SET weights = excluded.weights, "
                "top_list = excluded.top_list, saved_at = excluded.saved_at, revision = revision + 1",
                (name, json.dumps(w, sort_keys=True), json.dumps(top), stamp))
            rev = con.execute("SELECT revision FROM entries WHERE group_name = ?", (name,)).fetchone()[0]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(rev)


def entries(*, path: str | Path | None = None) -> pd.DataFrame:
    """Every group's entry, oldest first: group, weights (dict), top_list (list), saved_at, revision.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> _ = save("Table 1", {"margin": 1.0}, ["A", "B"], path=p)
    >>> entries(path=p)[["group", "top_list"]].to_dict("records")
    [{'group': 'Table 1', 'top_list': ['A', 'B']}]
    """
    with closing(_connect(path)) as con:
        rows = con.execute("SELECT group_name, weights, top_list, saved_at, revision FROM entries "
                           "ORDER BY saved_at, group_name").fetchall()
    return pd.DataFrame(
        [(g, json.loads(w), json.loads(t), s, r) for g, w, t, s, r in rows],
        columns=["group", "weights", "top_list", "saved_at", "revision"])


def clear(*, path: str | Path | None = None, pin: str | None = None) -> int:
    """Delete every entry (the trainer starts a new round); returns how many were deleted.

    When a board PIN is set (`board_pin`), `pin` must match it, else `BoardLocked` is raised and nothing
    is deleted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> _ = save("Table 1", {"margin": 1.0}, ["A"], path=p)
    >>> clear(path=p), len(entries(path=p))
    (1, 0)
    """
    if board_pin() and not pin_ok(pin):
        raise BoardLocked("clearing the board needs the trainer's board PIN")
    with closing(_connect(path)) as con:
        con.execute("BEGIN IMMEDIATE")
        n = con.execute("DELETE FROM entries").rowcount
        con.execute("COMMIT")
    return int(n)


def consensus(lists: dict[str, list[str]]) -> pd.DataFrame:
    """A consensus ranking of the groups' lists by Borda count (de Borda, 1781; for lists of different
    lengths, the truncated "modified Borda count", Emerson, 2013): in a list of n accounts, the first
    gets n points, the second n-1, ..., the last 1; an account a group did not list gets 0 from it.

    Ties: more groups listing the account first, then its best position, then the account id.
    Columns: account, points, n_groups, best_position, rank.

    Examples
    --------
    >>> consensus({"g1": ["A", "B", "C"], "g2": ["B", "A"], "g3": ["B", "C"]})[["account", "points"]].values.tolist()
    [['B', 6], ['A', 4], ['C', 2]]
    """
    rows = [(acc, len(top) - i, i + 1) for top in lists.values() for i, acc in enumerate(top)]
    if not rows:
        return pd.DataFrame(columns=["account", "points", "n_groups", "best_position", "rank"])
    df = pd.DataFrame(rows, columns=["account", "points", "position"])
    out = (df.groupby("account").agg(points=("points", "sum"), n_groups=("points", "size"),
                                     best_position=("position", "min")).reset_index()
           .sort_values(["points", "n_groups", "best_position", "account"],
                        ascending=[False, False, True, True], kind="stable").reset_index(drop=True))
    out["rank"] = range(1, len(out) + 1)
    return out


@dataclass(frozen=True)
class BoardComparison:
    """The groups' lists side by side (`lists`: one column per group, row = position), per account
    how many groups listed it (`agreement`, with a verdict), the Borda `consensus`, and the counts of
    accounts every group agrees on (`n_agree`) and that only some groups list (`n_disagree`)."""

    groups: tuple[str, ...]
    lists: pd.DataFrame
    agreement: pd.DataFrame
    consensus: pd.DataFrame
    n_agree: int
    n_disagree: int
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)

    def _repr_html_(self) -> str:
        if not self.groups:
            return "<p><i>No group has saved yet.</i></p>"
        return (f"<p><b>{len(self.groups)} groups</b>: {self.n_agree} accounts on every list, "
                f"{self.n_disagree} on some lists only.</p>"
                f"{fmt.report_table(self.lists).to_html()}<h4>Consensus (Borda count)</h4>"
                f"{fmt.report_table(self.consensus, max_rows=len(self.lists)).to_html()}"
                f"<h4>Agreement</h4>{fmt.report_table(self.agreement).to_html()}")


def _verdict(n: int, total: int) -> str:
    if n == total:
        return "all agree"
    if n > total / 2:
        return "majority"
    return "minority" if n > 1 else "one group only"


def comparison(board: pd.DataFrame | dict[str, list[str]] | None = None, *,
               path: str | Path | None = None) -> BoardComparison:
    """Compare the groups' key-account lists: side by side, agreement per account, Borda consensus.

    `board` is `entries()` output, or a dict group -> list; None reads the board at `path`.

    Examples
    --------
    >>> c = comparison({"g1": ["A", "B"], "g2": ["A", "C"]})
    >>> c.n_agree, c.n_disagree, c.consensus.account.iloc[0]
    (1, 2, 'A')
    """
    if board is None:
        board = entries(path=path)
    lists = (dict(zip(board["group"], board["top_list"])) if isinstance(board, pd.DataFrame)
             else {str(k): list(v) for k, v in board.items()})
    groups = tuple(lists)
    depth = max((len(v) for v in lists.values()), default=0)
    side = pd.DataFrame({"position": range(1, depth + 1),
                         **{g: pd.Series(v + [""] * (depth - len(v)), dtype=object) for g, v in lists.items()}})
    cons = consensus(lists)
    total = len(groups)
    agree = pd.DataFrame({
        "account": cons["account"],
        "n_groups": cons["n_groups"],
        "share": cons["n_groups"] / total if total else cons["n_groups"],
        "listed_by": [", ".join(g for g in groups if a in lists[g]) for a in cons["account"]],
        "verdict": [_verdict(int(n), total) for n in cons["n_groups"]],
    }).sort_values(["n_groups", "account"], ascending=[False, True], kind="stable").reset_index(drop=True)
    n_agree = int((agree["n_groups"] == total).sum()) if total else 0
    weights = weights_table(board) if isinstance(board, pd.DataFrame) else pd.DataFrame()
    return BoardComparison(groups, side, agree, cons, n_agree, int(len(agree) - n_agree), weights)


def weights_table(board: pd.DataFrame) -> pd.DataFrame:
    """Each group's criteria weights as shares of its own total (rows: groups in board order, columns:
    criteria in first-seen order; 0 where a group gave a criterion no weight), so groups that used
    different scales compare.

    Examples
    --------
    >>> b = pd.DataFrame({"group": ["g1", "g2"], "weights": [{"margin": 3, "size": 1}, {"size": 2}]})
    >>> weights_table(b).loc["g1"].tolist(), weights_table(b).loc["g2"].tolist()
    ([0.75, 0.25], [0.0, 1.0])
    """
    if board is None or len(board) == 0 or "weights" not in board:
        return pd.DataFrame()
    criteria = list(dict.fromkeys(k for w in board["weights"] for k in w))
    rows = []
    for w in board["weights"]:
        total = sum(float(v) for v in w.values())
        rows.append([float(w.get(k, 0.0)) / total if total > 0 else 0.0 for k in criteria])
    return pd.DataFrame(rows, index=pd.Index(list(board["group"]), name="group"), columns=criteria)


def signature(*, path: str | Path | None = None) -> tuple:
    """A cheap fingerprint of the board (entries, revisions, last save): a view redraws only when it changes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> before = signature(path=p); _ = save("g", {"a": 1}, ["A"], path=p); signature(path=p) != before
    True
    """
    with closing(_connect(path)) as con:
        return tuple(con.execute("SELECT count(*), coalesce(sum(revision), 0), coalesce(max(saved_at), '') "
                                 "FROM entries").fetchone())
