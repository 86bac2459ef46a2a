"""The workshop board: upserts, the comparison, and concurrent saves from many processes."""
from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pandas as pd
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


# -- a name conflict asks before replacing ---------------------------------------------------------
def test_replace_false_refuses_a_taken_name_and_a_revision_replaces_only_what_it_saw(tmp_path):
    p = tmp_path / "b.sqlite"
    assert board.save("Table 1", {"margin": 1}, ["A"], path=p, replace=False) == 1
    with pytest.raises(board.NameTaken) as err:
        board.save("table  1", {"margin": 2}, ["B"], path=p, replace=False)
    assert err.value.name == "Table 1" and err.value.entry["top_list"] == ["A"]
    assert board.save("Table 1", {"margin": 2}, ["B"], path=p, replace=1) == 2  # the page saw revision 1
    with pytest.raises(board.NameTaken):
        board.save("Table 1", {"margin": 3}, ["C"], path=p, replace=1)  # someone saved revision 2 since
    e = board.entries(path=p)
    assert len(e) == 1 and e.top_list[0] == ["B"]


class _Selection:
    def __init__(self, weights, top):
        self.weights, self.top_list = weights, top


def test_second_tab_saving_under_a_taken_name_is_asked_first(tmp_path):
    from kamlab.widgets import board as wboard

    p = tmp_path / "b.sqlite"
    first = wboard.group_save_panel(_Selection({"margin": 1}, ["A", "B"]), board_path=p)
    first.group.value = "Table 3"
    first.do_save()
    first.selection.top_list = ["B", "A"]
    first.do_save()  # its own name: saved again without a question
    assert board.entries(path=p).revision.tolist() == [2] and first.confirm.layout.display == "none"

    second = wboard.group_save_panel(_Selection({"size": 1}, ["C"]), board_path=p)
    second.group.value = "table 3"
    second.do_save()
    assert second.confirm.layout.display == "flex" and "already on the board" in second.status.value
    assert board.entries(path=p).top_list[0] == ["B", "A"]  # nothing replaced yet
    second.do_cancel()
    assert board.entries(path=p).top_list[0] == ["B", "A"] and "Nothing replaced" in second.status.value
    second.do_save()
    second.do_replace()
    e = board.entries(path=p)
    assert len(e) == 1 and e.top_list[0] == ["C"] and e.revision[0] == 3


# -- participants cannot clear ----------------------------------------------------------------------
def _view(tmp_path, monkeypatch, query, pin=None):
    from kamlab.widgets import board as wboard

    p = tmp_path / "b.sqlite"
    board.save("Table 1", {"margin": 1}, ["A"], path=p)
    monkeypatch.setenv("QUERY_STRING", query)
    if pin is None:
        monkeypatch.delenv("KAMLAB_BOARD_PIN", raising=False)
    else:
        monkeypatch.setenv("KAMLAB_BOARD_PIN", pin)
    return p, wboard.board_view(board_path=p, refresh_seconds=0)


def _text(widget) -> str:
    import ipywidgets as W

    out = [str(getattr(widget, "value", "")), str(getattr(widget, "description", ""))]
    if isinstance(widget, W.Box):
        out += [_text(c) for c in widget.children]
    return " ".join(out)


def test_a_participant_is_not_offered_clear(tmp_path, monkeypatch):
    p, view = _view(tmp_path, monkeypatch, "", pin="4711")
    assert view.clear_button is None and view.trainer_box.children == ()
    assert "Clear" not in _text(view)
    view.do_clear()
    assert len(board.entries(path=p)) == 1


def test_trainer_view_needs_the_pin(tmp_path, monkeypatch):
    p, view = _view(tmp_path, monkeypatch, "trainer=1", pin="4711")
    assert view.clear_button is not None and "Clear the board" in _text(view)
    view.pin.value = "1234"  # a participant who guessed ?trainer=1
    view.clear_button.click()
    assert len(board.entries(path=p)) == 1 and "Wrong PIN" in view.trainer_status.value
    with pytest.raises(board.BoardLocked):
        board.clear(path=p, pin="1234")
    view.pin.value = "4711"
    view.clear_button.click()
    assert board.entries(path=p).empty and view.pin.value == ""


def test_without_a_pin_no_page_can_clear(tmp_path, monkeypatch):
    p, view = _view(tmp_path, monkeypatch, "trainer=1", pin=None)
    assert view.clear_button.disabled and "No board PIN" in view.trainer_status.value
    view.pin.value = ""
    view.do_clear()
    assert len(board.entries(path=p)) == 1


def test_view_shows_names_weights_agreement_and_redraws_only_on_change(tmp_path, monkeypatch):
    from kamlab import synth
    from kamlab.widgets import board as wboard

    monkeypatch.setenv("QUERY_STRING", "")
    ds = synth.generate(n_accounts=8, years=1, seed=3)
    ids, names = ds.accounts.account_id.tolist(), ds.accounts.name.tolist()
    p = tmp_path / "b.sqlite"
    board.save("Table 1", {"margin": 3, "size": 1}, ids[:3], path=p)
    board.save("Table 2", {"margin": 1, "size": 1}, [ids[0], ids[4]], path=p)
    view = wboard.board_view(ds, board_path=p, refresh_seconds=0)
    html = view.out.value
    assert f"{ids[0]} · {names[0]}" in html and f"{ids[4]} · {names[4]}" in html
    assert "75%" in html and "50%" in html and "spread" in html  # weights as shares of each group's total
    assert "class='all'" in html and "class='one'" in html  # ids[0] on both lists, ids[1] on one
    assert "2 groups" in view.summary.value
    assert view.redraw() is False  # nothing changed: nothing sent
    board.save("Table 3", {"margin": 1}, [ids[4]], path=p)
    assert view.redraw() is True and "3 groups" in view.summary.value
    frame = view.lists_frame()
    assert frame.groupby("group").size().to_dict() == {"Table 1": 3, "Table 2": 2, "Table 3": 1}
    assert view.download.prepare().decode("utf-8-sig").startswith("group,position,account_id,name")


def test_weights_table_shares():
    e = pd.DataFrame({"group": ["a", "b"], "weights": [{"x": 1, "y": 3}, {"y": 0}]})
    t = board.weights_table(e)
    assert t.loc["a"].tolist() == [0.25, 0.75] and t.loc["b"].tolist() == [0.0, 0.0]
