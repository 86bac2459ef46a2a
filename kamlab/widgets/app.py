"""The course home's data tour and the workshop board panels.

The page header moved to `kamlab.app` (its state, header, query string and page kernel); `workbench` and
`query_params` here forward to it so that older pages keep working.
"""
from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as W
import pandas as pd

from kamlab import board, scenarios

__all__ = ["workbench", "query_params", "dataset_tour", "board_save_panel",
           "board_trainer_panel"]

def workbench(*args, **kwargs):
    """The page header: moved to `kamlab.app.workbench` (kept here so older pages keep working)."""
    from kamlab.app.header import workbench as _workbench

    return _workbench(*args, **kwargs)


def query_params(query_string: str | None = None) -> dict[str, str]:
    """The page URL's query parameters: moved to `kamlab.app.query_params`."""
    from kamlab.app.header import query_params as _query_params

    return _query_params(query_string)


def __getattr__(name: str):
    if name == "WorkbenchHeader":  # moved to kamlab.app.Header
        from kamlab.app.header import Header

        return Header
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def dataset_tour(source) -> W.HTML:
    """The course home's view of the data: tables and row counts, accounts by life-cycle stage, segment
    and service tier (`kamlab.scenarios.overview`); redraws when the header changes the data."""
    from kamlab.widgets.common import as_workbench

    wb = as_workbench(source)
    panel = W.HTML(layout=W.Layout(width="100%"))
    panel.add_class("kamlab-tour")

    def _update(_=None):
        try:
            panel.value = scenarios.overview(wb.dataset)._repr_html_()
        except (ValueError, KeyError, TypeError) as err:
            panel.value = f'<div class="kamlab-error">That did not work: {html.escape(str(err))}</div>'

    wb.observe(_update, names="dataset")
    _update()
    return panel


# -- the workshop board ------------------------------------------------------------------------------
def _board_table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="kamlab-board", na_rep="", float_format="{:.2f}".format)


def board_save_panel(selection_panel, *, board_path: str | Path | None = None) -> W.VBox:
    """A group name and a Save button: saves `selection_panel.weights` and `selection_panel.top_list` to
    the workshop board (a group saving again updates its entry). Attributes: `group`, `save_button`, `status`, `do_save()`."""
    group = W.Text(placeholder="your group's name", description="Group", layout=W.Layout(width="320px"))
    save = W.Button(description="Save to the board", icon="upload", button_style="primary",
                    layout=W.Layout(width="180px"))
    status = W.HTML()

    def _save(_=None):
        try:
            weights = dict(selection_panel.weights)
            top = list(selection_panel.top_list)
            board.save(group.value, weights, top, path=board_path)
        except (ValueError, KeyError, TypeError, OSError) as err:
            status.value = (f'<span class="kamlab-error" style="color:#c62828"><b>Not saved:</b> '
                            f"{html.escape(str(err))}</span>")
        else:
            status.value = (f'<span style="color:#2e7d32">Saved <b>{html.escape(group.value.strip())}</b>: '
                            f"top {len(top)} accounts.</span>")

    save.on_click(_save)
    panel = W.VBox([W.HBox([group, save], layout=W.Layout(grid_gap="8px")), status])
    panel.group, panel.save_button, panel.status, panel.do_save = group, save, status, _save
    return panel


def board_trainer_panel(*, board_path: str | Path | None = None) -> W.VBox:
    """The trainer's view of the board: the groups' key-account lists side by side, agreement per
    account, and the consensus list (Borda count).
    Attributes: `refresh_button`, `clear_button`, `confirm`, `out` (HTML), `redraw()`."""
    refresh = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="120px"))
    clear = W.Button(description="Clear the board", icon="trash", button_style="danger",
                     layout=W.Layout(width="160px"))
    confirm = W.Checkbox(value=False, description="yes, clear it", indent=False, layout=W.Layout(width="140px"))
    out = W.HTML()
    out.add_class("kamlab-board-view")

    def _draw(_=None):
        try:
            cmp = board.comparison(path=board_path)
        except (ValueError, KeyError, TypeError, OSError) as err:
            out.value = f'<div class="kamlab-error">{html.escape(str(err))}</div>'
            return
        if not cmp.groups:
            out.value = "<p><i>No group has saved yet.</i></p>"
            return
        out.value = (f"<h4>{len(cmp.groups)} groups' key-account lists</h4>{_board_table(cmp.lists)}"
                     f"<h4>Consensus (Borda count)</h4>{_board_table(cmp.consensus.head(len(cmp.lists)))}"
                     f"<h4>Where the groups agree and disagree</h4>{_board_table(cmp.agreement)}")

    def _clear(_=None):
        if not confirm.value:
            out.value = "<p><b>Tick 'yes, clear it' first:</b> clearing deletes every group's entry.</p>"
            return
        board.clear(path=board_path)
        confirm.value = False
        _draw()

    refresh.on_click(_draw)
    clear.on_click(_clear)
    _draw()
    panel = W.VBox([W.HBox([refresh, clear, confirm], layout=W.Layout(grid_gap="8px")), out])
    panel.refresh_button, panel.clear_button, panel.confirm, panel.out, panel.redraw = refresh, clear, confirm, out, _draw
    return panel
