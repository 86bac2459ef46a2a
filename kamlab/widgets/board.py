"""The workshop board on a page: groups save their list; the class sees every list, weight and the consensus.

- `group_save_panel(selection_panel)`: a group name and a Save button. A name another group already uses is
  not overwritten silently: the page asks "replace it?" first (and a page that saved under a name replaces
  only its own last entry without asking).
- `board_view(source)`: for the projector. Names next to ids, each group's weights as a grid, the lists side
  by side coloured by how many groups agree, the Borda consensus, the lists as a download. It refreshes on
  its own (a timer in the page's kernel that reads the board every few seconds and redraws only when it
  changed, so an unchanged board sends nothing). Trainer actions (clear the board) appear only with
  ``?trainer=1`` in the page address and work only with the board PIN (`kamlab.board.board_pin`; `make app`
  sets it from ``BOARD_PIN`` or the server token): a participant who adds ``?trainer=1`` gets a PIN field,
  not the power to clear.
"""
from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as W
import pandas as pd

from kamlab import board
from kamlab import format as fmt

__all__ = ["group_save_panel", "GroupSavePanel", "board_view", "BoardView"]

_CSS = """<style>
.kamlab-bv { font-size: 15px; }
.kamlab-bv h4 { margin: 10px 0 4px 0; }
.kamlab-bv .bv-grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.kamlab-bv table { border-collapse: collapse; width: 100%; table-layout: auto; }
.kamlab-bv th, .kamlab-bv td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; text-align: left;
  overflow-wrap: anywhere; vertical-align: top; }
.kamlab-bv th { background: #eceff1; }
.kamlab-bv td.num { text-align: right; white-space: nowrap; }
.kamlab-bv .all { background: #c8e6c9; } .kamlab-bv .majority { background: #e8f5e9; }
.kamlab-bv .minority { background: #fff8e1; } .kamlab-bv .one { background: #f5f5f5; color: #555; }
.kamlab-bv .legend span { padding: 1px 8px; margin-right: 6px; border-radius: 3px; }
.kamlab-bv .bv-summary { font-size: 1.15em; }
.kamlab-bv table.bv-weights { width: auto; } .kamlab-bv table.bv-weights td { min-width: 110px; }
</style>"""

_VERDICT_CLASS = {"all agree": "all", "majority": "majority", "minority": "minority", "one group only": "one"}


def _is_trainer() -> bool:
    qs = parse_qs(os.environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return str((qs.get("trainer") or [""])[-1]).strip().lower() in ("1", "true", "yes", "on")


def _names(source) -> dict[str, str]:
    if source is None:
        return {}
    ds = getattr(getattr(source, "workbench", source), "dataset", source)
    accounts = getattr(ds, "accounts", None)
    if accounts is None or "name" not in accounts:
        return {}
    return dict(zip(accounts["account_id"].astype(str), accounts["name"].astype(str)))


# ------------------------------------------------------------------------------------------- saving
class GroupSavePanel(W.VBox):
    """Save a selection panel's weights and list under a group name. Attributes: `group` (Text),
    `save_button`, `status` (HTML), `confirm` (HBox with `replace_button`, `cancel_button`, shown when
    the name is taken), `do_save()`."""

    def __init__(self, selection_panel, *, board_path: str | Path | None = None):
        self.selection, self.board_path = selection_panel, board_path
        self._mine: dict[str, int] = {}  # name (lower case) -> revision this page saved last
        self._pending: board.NameTaken | None = None
        self.group = W.Text(placeholder="your group's name", description="Group", layout=W.Layout(width="320px"))
        self.save_button = W.Button(description="Save to the board", icon="upload", button_style="primary",
                                    layout=W.Layout(width="190px"))
        self.replace_button = W.Button(description="Replace it", button_style="warning",
                                       layout=W.Layout(width="140px"))
        self.cancel_button = W.Button(description="Choose another name", layout=W.Layout(width="200px"))
        self.status = W.HTML()
        self.confirm = W.HBox([self.replace_button, self.cancel_button], layout=W.Layout(display="none",
                                                                                        grid_gap="8px"))
        self.save_button.on_click(self.do_save)
        self.replace_button.on_click(self.do_replace)
        self.cancel_button.on_click(self.do_cancel)
        super().__init__([W.HBox([self.group, self.save_button], layout=W.Layout(grid_gap="8px")),
                          self.status, self.confirm])

    def _save(self, replace) -> None:
        weights, top = dict(self.selection.weights), list(self.selection.top_list)
        rev = board.save(self.group.value, weights, top, path=self.board_path, replace=replace)
        name = " ".join(self.group.value.split())
        self._mine[name.lower()] = rev
        self._pending = None
        self.confirm.layout.display = "none"
        self.status.value = (f'<span style="color:#2e7d32">Saved <b>{html.escape(name)}</b>: top {len(top)} '
                             f"accounts (version {rev}).</span>")

    def _report(self, err: Exception) -> None:
        self.status.value = (f'<span class="kamlab-error" style="color:#c62828"><b>Not saved:</b> '
                             f"{html.escape(str(err))}</span>")

    def do_save(self, _button=None) -> None:
        """Save; if another group uses the name, ask (show `confirm`) instead of replacing."""
        key = " ".join(str(self.group.value).split()).lower()
        try:
            self._save(self._mine.get(key, False))
        except board.NameTaken as err:
            self._pending = err
            self.confirm.layout.display = "flex"
            self.status.value = (f'<span style="color:#e65100"><b>{html.escape(err.name)}</b> is already on the '
                                 f"board (saved {html.escape(err.entry['saved_at'][11:16])} UTC, "
                                 f"{len(err.entry['top_list'])} accounts). Replace that group's entry with "
                                 "yours?</span>")
        except (ValueError, KeyError, TypeError, OSError) as err:
            self._report(err)

    def do_replace(self, _button=None) -> None:
        """Replace the entry the question was about (and only it: if it changed since, ask again)."""
        if self._pending is None:
            return
        self.group.value = self._pending.name
        try:
            self._save(int(self._pending.entry["revision"]))
        except board.NameTaken as err:
            self._pending = err
            self.status.value = (f'<span style="color:#e65100"><b>{html.escape(err.name)}</b> changed again just '
                                 "now. Replace it with yours?</span>")
        except (ValueError, KeyError, TypeError, OSError) as err:
            self._report(err)

    def do_cancel(self, _button=None) -> None:
        self._pending = None
        self.confirm.layout.display = "none"
        self.status.value = "Nothing replaced: choose another name and save again."


def group_save_panel(selection_panel, *, board_path: str | Path | None = None) -> GroupSavePanel:
    """A group name and a Save button for `selection_panel`'s weights and list (asks before replacing)."""
    return GroupSavePanel(selection_panel, board_path=board_path)


# ------------------------------------------------------------------------------------------- the view
def _weights_html(weights: pd.DataFrame) -> str:
    if weights.empty:
        return ""
    head = "".join(f"<th>{html.escape(fmt.label(c))}</th>" for c in weights.columns)
    rows = []
    for group, row in weights.iterrows():
        cells = "".join(f"<td class='num' style='background: rgba(21,101,192,{0.08 + 0.6 * v:.2f})'>"
                        f"{fmt.percent(v, digits=0)}</td>" for v in row)
        rows.append(f"<tr><th>{html.escape(str(group))}</th>{cells}</tr>")
    spread = weights.max() - weights.min()
    cells = "".join(f"<td class='num'><b>{fmt.percent(v, digits=0)}</b></td>" for v in spread)
    rows.append(f"<tr><th title='largest minus smallest weight'>spread (where groups disagree)</th>{cells}</tr>")
    return f"<table class='bv-weights'><tr><th>group</th>{head}</tr>{''.join(rows)}</table>"


class BoardView(W.VBox):
    """The board for a projector. Attributes: `summary`, `out` (HTML), `refresh_button`, `download`
    (DownloadLink of the lists), `trainer_box` (empty for participants; with ``?trainer=1``: `pin`,
    `clear_button`, `trainer_status`), `comparison` (the last `BoardComparison`), `redraw()`, `tick()`."""

    def __init__(self, source=None, *, board_path: str | Path | None = None, refresh_seconds: float = 5.0,
                 max_minutes: float = 240.0):
        from kamlab.widgets.download import csv_bytes, download_link

        self.board_path, self.refresh_seconds, self.max_minutes = board_path, refresh_seconds, max_minutes
        self.source = source
        self.comparison = None
        self._signature = None
        self._timer = None
        self.summary, self.out = W.HTML(), W.HTML(layout=W.Layout(width="100%"))
        self.out.add_class("kamlab-board-view")
        self.refresh_button = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="120px"))
        self.refresh_button.on_click(lambda _b: self.redraw(force=True))
        self.download = download_link(lambda: csv_bytes(self.lists_frame()), "board_lists.csv",
                                      label="Prepare the lists (CSV)")
        self.trainer_box = W.VBox()
        self.pin = self.clear_button = self.trainer_status = None
        super().__init__([W.HTML(_CSS), W.HBox([self.summary, self.refresh_button, self.download],
                                               layout=W.Layout(grid_gap="12px", align_items="center")),
                          self.out, self.trainer_box])
        if source is not None and hasattr(getattr(source, "workbench", source), "observe"):
            getattr(source, "workbench", source).observe(lambda _c: self.redraw(force=True), names="dataset")
        self.redraw(force=True)
        self.start()

    # -- trainer ------------------------------------------------------------------------------------
    def _show_trainer(self) -> None:
        if self.clear_button is not None or not _is_trainer():
            return
        self.pin = W.Password(description="board PIN", layout=W.Layout(width="260px"))
        self.clear_button = W.Button(description="Clear the board", icon="trash", button_style="danger",
                                     layout=W.Layout(width="170px"))
        self.trainer_status = W.HTML()
        if not board.board_pin():
            self.clear_button.disabled = self.pin.disabled = True
            self.trainer_status.value = ("<i>No board PIN is set, so the board cannot be cleared from a page. "
                                         "Start the app with <code>make app BOARD_PIN=...</code> (or a TOKEN).</i>")
        self.clear_button.on_click(self.do_clear)
        self.trainer_box.children = [W.HTML("<h4>Trainer</h4>"),
                                     W.HBox([self.pin, self.clear_button], layout=W.Layout(grid_gap="8px")),
                                     self.trainer_status]

    def do_clear(self, _button=None) -> None:
        """Clear the board if the PIN typed is the board PIN."""
        if self.clear_button is None:
            return
        typed, self.pin.value = self.pin.value, ""
        if not board.pin_ok(typed):  # also False when no PIN is set: a page never clears an unlocked board
            self.trainer_status.value = "<b style='color:#c62828'>Wrong PIN: nothing cleared.</b>"
            return
        n = board.clear(path=self.board_path, pin=typed)
        self.trainer_status.value = f"Cleared {n} entries: a new round starts."
        self.redraw(force=True)

    # -- drawing ------------------------------------------------------------------------------------
    def _label(self, names: dict, account: str) -> str:
        name = names.get(str(account))
        return html.escape(f"{account} · {name}" if name else str(account))

    def lists_frame(self) -> pd.DataFrame:
        """The board's lists, one row per group and position, with names and the consensus (the download)."""
        cmp = self.comparison or board.comparison(path=self.board_path)
        names = _names(self.source)
        rank = dict(zip(cmp.consensus["account"], cmp.consensus["rank"]))
        rows = [(g, i + 1, a, names.get(str(a), ""), rank.get(a)) for g in cmp.groups
                for i, a in enumerate(x for x in cmp.lists[g] if x)]
        return pd.DataFrame(rows, columns=["group", "position", "account_id", "name", "consensus_rank"])

    def _html(self, cmp: board.BoardComparison) -> str:
        names = _names(self.source)
        verdict = dict(zip(cmp.agreement["account"], cmp.agreement["verdict"]))
        head = "".join(f"<th>{html.escape(g)}</th>" for g in cmp.groups)
        rows = []
        for _, r in cmp.lists.iterrows():
            cells = "".join(f"<td class='{_VERDICT_CLASS.get(verdict.get(r[g]), '')}'>{self._label(names, r[g])}</td>"
                            if r[g] else "<td></td>" for g in cmp.groups)
            rows.append(f"<tr><td class='num'>{int(r['position'])}</td>{cells}</tr>")
        lists = f"<table><tr><th>#</th>{head}</tr>{''.join(rows)}</table>"
        total = len(cmp.groups)
        cons = cmp.consensus.head(len(cmp.lists))
        crow = "".join(
            f"<tr><td class='num'>{int(r.rank)}</td><td class='{_VERDICT_CLASS.get(verdict.get(r.account), '')}'>"
            f"{self._label(names, r.account)}</td><td class='num'>{int(r.points)}</td>"
            f"<td class='num'>{int(r.n_groups)} of {total}</td></tr>" for r in cons.itertuples())
        consensus = f"<table><tr><th>#</th><th>account</th><th>points</th><th>listed by</th></tr>{crow}</table>"
        legend = ("<div class='legend'><span class='all'>on every list</span><span class='majority'>most lists"
                  "</span><span class='minority'>some lists</span><span class='one'>one group only</span></div>")
        weights = _weights_html(cmp.weights)
        return ("<div class='kamlab-bv'>"
                + (f"<h4>Each group's weights (share of its total)</h4>{weights}" if weights else "")
                + f"<div class='bv-grid'><div><h4>The groups' key-account lists</h4>{lists}{legend}</div>"
                f"<div><h4>Consensus (Borda count)</h4>{consensus}</div></div></div>")

    def redraw(self, force: bool = False) -> bool:
        """Read the board and redraw if it changed (or `force`); returns whether it redrew."""
        self._show_trainer()
        try:
            sig = board.signature(path=self.board_path)
            if not force and sig == self._signature:
                return False
            cmp = board.comparison(path=self.board_path)
        except (ValueError, KeyError, TypeError, OSError) as err:
            self.out.value = f'<div class="kamlab-error">{html.escape(str(err))}</div>'
            return True
        self._signature, self.comparison = sig, cmp
        self.download.reset()
        stamp = datetime.now().strftime("%H:%M:%S")
        if not cmp.groups:
            self.summary.value = f"<span class='bv-summary'>No group has saved yet · checked {stamp}</span>"
            self.out.value = ""
            return True
        self.summary.value = (f"<span class='bv-summary'><b>{len(cmp.groups)} groups</b> · {cmp.n_agree} accounts "
                              f"on every list · {cmp.n_disagree} on some lists only · updated {stamp}</span>")
        self.out.value = self._html(cmp)
        return True

    # -- refreshing on its own ----------------------------------------------------------------------
    def tick(self) -> None:
        """One timer beat: redraw if the board changed; stop after `max_minutes`."""
        if self._timer is not None and (datetime.now() - self._started).total_seconds() > 60 * self.max_minutes:
            self.stop()
            return
        self.redraw()

    def start(self) -> None:
        """Refresh every `refresh_seconds` from the kernel's own event loop (in a kernel only)."""
        try:
            from IPython import get_ipython
            from tornado.ioloop import PeriodicCallback
        except ImportError:  # pragma: no cover - IPython and tornado come with ipywidgets
            return
        shell = get_ipython()
        if self._timer is not None or self.refresh_seconds <= 0 or getattr(shell, "kernel", None) is None:
            return
        self._started = datetime.now()
        self._timer = PeriodicCallback(self.tick, self.refresh_seconds * 1000)
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def close(self) -> None:
        self.stop()
        super().close()


def board_view(source=None, *, board_path: str | Path | None = None, refresh_seconds: float = 5.0) -> BoardView:
    """The workshop board for a projector: names next to ids (from `source`, the page's header or a
    Dataset), the groups' weights, their lists coloured by agreement, the consensus; refreshes itself."""
    return BoardView(source, board_path=board_path, refresh_seconds=refresh_seconds)
