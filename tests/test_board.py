"""The workshop board: upserts, the comparison, and concurrent saves from many processes."""
from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pytest

from kamlab import board
from kamlab.data import DataError


def test_save_upserts_and_clear(tmp_path):
    p = tmp_path / "b.sqlite"
    assert board.save("Table 1", {"margin": 0.6, "size": 0.4}, ["A", "B"], path=p) == 1
    assert board.save("  Table   1 ", {"margin": 0.5, "size": 0.5}, ["C"], path=p) == 2
    board.save("Table 2", {"margin": 1}, ["A"], path=p)
    e = board.entries(path=p)
    assert list(e.group) == ["Table 1", "Table 2"]
    assert e.set_index("group").loc["Table 1", "top_list"] == ["C"]
    assert e.set_index("group").loc["Table 1", "weights"] == {"margin": 0.5, "size": 0.5}
    assert board.clear(path=p) == 2 and board.entries(path=p).empty


def test_bad_input_is_readable(tmp_path):
    p = tmp_path / "b.sqlite"
    for args, msg in [(("", {"a": 1}, ["A"]), "name"), (("g", {"a": -1}, ["A"]), "negative"),
                      (("g", {"a": "x"}, ["A"]), "numbers"), (("g", {"a": 1}, []), "empty"),
                      (("g", {"a": 1}, ["A", "A"]), "twice"), (("x" * 61, {"a": 1}, ["A"]), "characters")]:
        with pytest.raises(DataError, match=msg):
            board.save(*args, path=p)


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KAMLAB_BOARD", str(tmp_path / "env.sqlite"))
    board.save("g", {"a": 1}, ["A"])
    assert (tmp_path / "env.sqlite").exists()
    monkeypatch.delenv("KAMLAB_BOARD")
    assert board.board_path() == board.DEFAULT_PATH


def test_wal_mode(tmp_path):
    p = tmp_path / "b.sqlite"
    board.save("g", {"a": 1}, ["A"], path=p)
    with sqlite3.connect(p) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_borda_consensus_by_hand():
    # 3 groups; lists of length 3, 2, 2: B = 2+2+2 = 6, A = 3+1 = 4, C = 1+0+1 = 2, D = 0+0+0 absent
    c = board.consensus({"g1": ["A", "B", "C"], "g2": ["B", "A"], "g3": ["B", "C"]})
    assert c[["account", "points", "n_groups", "rank"]].values.tolist() == [
        ["B", 6, 3, 1], ["A", 4, 2, 2], ["C", 2, 2, 3]]
    # ties: more groups first, then the best position
    t = board.consensus({"g1": ["X", "Y"], "g2": ["Z"]})
    assert t.account.tolist() == ["X", "Z", "Y"]  # X 2, Z 1 (position 1), Y 1 (position 2)


def test_comparison_side_by_side_and_counts():
    c = board.comparison({"g1": ["A", "B", "C"], "g2": ["A", "C"], "g3": ["A", "D"]})
    assert c.groups == ("g1", "g2", "g3")
    assert c.lists.columns.tolist() == ["position", "g1", "g2", "g3"]
    assert c.lists["g2"].tolist() == ["A", "C", ""]
    assert c.n_agree == 1 and c.n_disagree == 3
    verdict = dict(zip(c.agreement.account, c.agreement.verdict))
    assert verdict == {"A": "all agree", "C": "majority", "B": "one group only", "D": "one group only"}
    assert "3 groups" in c._repr_html_()
    assert board.comparison({}).groups == ()


def _worker(path: str, proc: int, n: int) -> None:
    for i in range(n):
        # every process owns one group and keeps updating it, and also adds one entry per save
        board.save(f"proc {proc}", {"margin": i, "size": 1}, [f"A{proc}", f"B{i}"], path=path)
        board.save(f"proc {proc} save {i}", {"margin": 1}, [f"A{i}"], path=path)


def test_concurrent_saves_lose_nothing(tmp_path):
    p = str(tmp_path / "board.sqlite")
    n_proc, n_saves = 8, 25
    ctx = mp.get_context("spawn" if mp.get_start_method(allow_none=True) == "spawn" else "fork")
    procs = [ctx.Process(target=_worker, args=(p, k, n_saves)) for k in range(n_proc)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(timeout=120)
    assert [pr.exitcode for pr in procs] == [0] * n_proc
    e = board.entries(path=p).set_index("group")
    assert len(e) == n_proc + n_proc * n_saves
    for k in range(n_proc):
        assert e.loc[f"proc {k}", "revision"] == n_saves  # every update counted, none lost
        assert e.loc[f"proc {k}", "top_list"] == [f"A{k}", f"B{n_saves - 1}"]  # the last one won
    with sqlite3.connect(p) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
