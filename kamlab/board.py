"""The workshop board: groups save their selection weights and key-account lists to one SQLite file;
the trainer compares the lists and shows a consensus.

Many kernels (one per participant's page) save at the same time. The file is in WAL mode (readers never
block the writer), every connection waits up to `BUSY_TIMEOUT_MS` for a lock, and every save is one
`BEGIN IMMEDIATE` transaction (an upsert: a group saving again replaces its entry and bumps `revision`).

Where the file lives: the `path` argument, else the ``KAMLAB_BOARD`` environment variable, else
``workshop/board.sqlite`` under the repository (git-ignored).
"""
from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from kamlab.data import DataError

__all__ = ["board_path", "save", "entries", "clear", "consensus", "comparison", "BoardComparison"]

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


def save(group: str, weights: dict, top_list, *, path: str | Path | None = None) -> int:
    """Save (or update) a group's weights and key-account list, best first; returns the entry's revision.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> save("Table 1", {"margin": 0.6, "size": 0.4}, ["A", "B"], path=p)
    1
    >>> save("Table 1", {"margin": 0.5, "size": 0.5}, ["B", "A"], path=p)
    2
    """
    name, w, top = _check(group, weights, top_list)
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with closing(_connect(path)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
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


def clear(*, path: str | Path | None = None) -> int:
    """Delete every entry (the trainer starts a new round); returns how many were deleted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "board.sqlite"
    >>> _ = save("Table 1", {"margin": 1.0}, ["A"], path=p)
    >>> clear(path=p), len(entries(path=p))
    (1, 0)
    """
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

    def _repr_html_(self) -> str:
        if not self.groups:
            return "<p><i>No group has saved yet.</i></p>"
        return (f"<p><b>{len(self.groups)} groups</b>: {self.n_agree} accounts on every list, "
                f"{self.n_disagree} on some lists only.</p>"
                f"{self.lists.to_html(index=False, border=0)}"
                f"<h4>Consensus (Borda count)</h4>{self.consensus.head(len(self.lists)).to_html(index=False, border=0)}"
                f"<h4>Agreement</h4>{self.agreement.to_html(index=False, border=0)}")


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
    return BoardComparison(groups, side, agree, cons, n_agree, int(len(agree) - n_agree))
