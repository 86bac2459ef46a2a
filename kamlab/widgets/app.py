"""The page header every course page shows, and the workshop board panels.

`workbench(...)` is the first widget on every page: a scenario dropdown for trainers, a data switch to an
imported dataset folder, a presenter toggle (also on with ``?presenter=1`` in the page URL), a link back to
the course home and a one-line summary of the data shown. Its `.workbench` is the
`kamlab.widgets.common.Workbench` the page's panels observe: the header replaces its `dataset` and they
redraw.
"""
from __future__ import annotations

import ctypes
import html
import json
import logging
import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as W
import pandas as pd

from kamlab import board, scenarios
from kamlab.data import Dataset
from kamlab.widgets.common import Workbench

__all__ = ["WorkbenchHeader", "workbench", "query_params", "dataset_tour", "board_save_panel",
           "board_trainer_panel"]

HOME = "00_welcome.ipynb"
_log = logging.getLogger(__name__)

_BASE_CSS = """<style>
table.kamlab-table, table.kamlab-board { border-collapse: collapse; margin: 4px 0 12px 0; }
table.kamlab-table th, table.kamlab-table td, table.kamlab-board th, table.kamlab-board td {
  padding: 3px 10px; border-bottom: 1px solid #e0e0e0; text-align: left; }
table.kamlab-table th, table.kamlab-board th { background: #eceff1; }
table.kamlab-table td:last-child, table.kamlab-table th:last-child { text-align: right; }
.kamlab-tour h4, .kamlab-board-view h4 { margin: 8px 0 2px 0; }
</style>"""

_PRESENTER_CSS = """<style>
:root { --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 40px; --jp-widgets-inline-label-width: 150px;
        --jp-ui-font-size1: 18px; --jp-content-font-size1: 20px; --jp-code-font-size: 18px; }
body, .jp-Notebook, .jp-RenderedHTMLCommon, .jp-RenderedMarkdown { font-size: 20px !important; }
.jp-RenderedHTMLCommon h1 { font-size: 2.2em !important; } .jp-RenderedHTMLCommon h2 { font-size: 1.7em !important; }
.widget-label, .widget-readout, .widget-dropdown select, .widget-text input, .jupyter-button,
.widget-html-content, .widget-label-basic, .widget-toggle-button { font-size: 18px !important; }
.kamlab-header .jupyter-button { width: auto !important; padding: 0 16px; }
.kamlab-header .widget-text { width: 420px !important; }
.kamlab-header .widget-dropdown { width: 480px !important; }
table.kamlab-table, table.kamlab-board, .jp-OutputArea-output table { font-size: 18px !important; }
.jp-OutputArea-output img { max-width: 100% !important; height: auto; }
</style>"""


def query_params(query_string: str | None = None) -> dict[str, str]:
    """The page URL's query parameters (Voila puts them in the QUERY_STRING environment variable).

    Examples
    --------
    >>> query_params("presenter=1&scenario=rebates+up+50%25")
    {'presenter': '1', 'scenario': 'rebates up 50%'}
    """
    qs = os.environ.get("QUERY_STRING", "") if query_string is None else query_string
    return {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=True).items()}


def _voila_query_url() -> str:
    """Where Voila tells a preheated kernel about its request (built as voila.utils.wait_for_request does)."""
    env = os.environ.get
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    return (f"{env('VOILA_WS_PROTOCOL', 'ws')}://{env('VOILA_APP_IP', '127.0.0.1')}:{env('VOILA_APP_PORT', '8866')}"
            f"{base}voila/query/{env('VOILA_KERNEL_ID', '')}")


def _release_freed_heap() -> None:
    """Return the heap pages freed so far to the operating system (glibc; elsewhere nothing to do)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _truthy(value: str | None) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _summary(ds: Dataset) -> str:
    lines = ds.order_lines
    n_acc, n_lines = len(ds.accounts), len(lines)
    revenue = float((lines["quantity"] * lines["invoice_price"]).sum()) if n_lines else 0.0
    span = ""
    if n_lines:
        span = f" · {lines['invoice_date'].min():%b %Y} to {lines['invoice_date'].max():%b %Y}"
    from kamlab.plots.style import money

    name = html.escape(str(ds.meta.get("name", ds.meta.get("source", "dataset"))))
    scen = html.escape(str(ds.meta.get("scenario", "baseline")))
    badge = "" if scen == "baseline" else (
        f' · <span style="background:#fff3e0;color:#e65100;padding:1px 6px;border-radius:3px">'
        f"scenario: {scen}</span>")
    return (f'<span class="kamlab-summary"><b>{name}</b> · {n_acc} accounts · {n_lines:,} order lines · '
            f"invoice revenue {money(revenue)} {html.escape(ds.currency)}{span}{badge}</span>")


class WorkbenchHeader(W.VBox):
    """The page header. Attributes: `workbench` (the Workbench panels observe), `scenario` (Dropdown),
    `folder` (Text) and `load` (Button) for the data switch, `presenter` (ToggleButton), `summary` and
    `message` (HTML), `home` (HTML link), `style` (HTML holding the presenter CSS)."""

    def __init__(self, base: Dataset | None, *, scenario: str = "baseline", presenter: bool = False,
                 seed: int | None = None, home: str | None = HOME, error: str = ""):
        self._base, self._seed, self._home = base, seed, home
        self.workbench = Workbench(presenter=presenter)
        self.scenario = W.Dropdown(options=scenarios.names(), value=scenario, description="Scenario",
                                   layout=W.Layout(width="380px"), style={"description_width": "initial"})
        self.folder = W.Text(placeholder="dataset folder (empty: the case company)", layout=W.Layout(width="320px"))
        self.load = W.Button(description="Load data", icon="folder-open", layout=W.Layout(width="120px"))
        self.presenter = W.ToggleButton(value=presenter, description="Presenter", icon="desktop",
                                        tooltip="larger fonts and charts for a projector",
                                        layout=W.Layout(width="120px"))
        self.home = W.HTML("" if home is None else f'<a href="{home}" class="kamlab-home" '
                           'style="font-weight:bold;text-decoration:none">&larr; Course home</a>')
        self.summary, self.message, self.style = W.HTML(), W.HTML(), W.HTML()
        row = W.HBox([self.home, self.scenario, self.folder, self.load, self.presenter],
                     layout=W.Layout(flex_flow="row wrap", align_items="center", grid_gap="12px"))
        super().__init__([self.style, row, self.summary, self.message],
                         layout=W.Layout(border_bottom="1px solid #cfd8dc", padding="4px 0 8px 0",
                                         margin="0 0 8px 0"))
        self.add_class("kamlab-header")
        self.scenario.observe(lambda _: self._publish(), names="value")
        self.presenter.observe(lambda ch: self._set_presenter(ch["new"]), names="value")
        self.load.on_click(lambda _: self._load_folder())
        self._set_presenter(presenter, redraw=False)
        if base is not None:
            self._publish()
        self._show_error(error)

    # -- what the controls do ------------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.message.value = "" if not message else (
            '<div class="kamlab-error" style="border-left:4px solid #c62828;background:#fdecea;'
            f'padding:6px 10px"><b>That did not work:</b> {html.escape(str(message))}</div>')

    def _publish(self) -> None:
        """Apply the scenario to the base data and hand it to the panels (always a change notice)."""
        if self._base is None:
            return
        try:
            ds = scenarios.apply(self._base, self.scenario.value)
        except (ValueError, KeyError, TypeError) as err:
            self._show_error(err)
            return
        self.workbench.dataset = ds
        self.summary.value = _summary(ds)

    def _load_folder(self) -> None:
        folder = self.folder.value.strip()
        try:
            base = scenarios.open_dataset(folder or None, seed=None if folder else self._seed)
        except (ValueError, KeyError, TypeError, OSError) as err:
            self._show_error(err)
            return
        self._show_error("")
        self._base = base
        self._publish()

    def _set_presenter(self, on: bool, *, redraw: bool = True) -> None:
        from kamlab.plots.style import set_style

        set_style(presenter=on)
        self.style.value = _BASE_CSS + (_PRESENTER_CSS if on else "")
        self.workbench.presenter = on
        if on:
            self.add_class("kamlab-presenter")
        else:
            self.remove_class("kamlab-presenter")
        if self._home:  # the way home keeps presenter mode
            target = f"{self._home}?presenter=1" if on else self._home
            self.home.value = re.sub(r'href="[^"]*"', f'href="{target}"', self.home.value)
        if redraw:
            self._publish()


    def ready(self) -> None:
        """A page's last cell: the page is built.

        - Everything built so far goes out of the garbage collector's rounds (`gc.freeze`, Python 3.7+).
          A built page holds a hundred thousand long-lived objects, and every full collection walked
          all of them in the middle of a redraw: on unit 02 that was the slowest twentieth of the
          slider moves (in the kernel, p95 238 ms against 161 ms frozen). The garbage of building it
          (closed charts are reference cycles) is collected first, and the heap it leaves is handed
          back to the system (glibc's `malloc_trim`: 3 to 8 MB a page kernel, times thirty in a class).
        - `make app` preheats pages (voila.json): Voila runs a page's notebook before anyone asks for
          it, so ``?presenter=1``, ``?scenario=...`` and ``?seed=...`` are unknown while it runs. In
          such a kernel this returns at once; the kernel's own loop then waits for the request and sets
          the header's controls, and every panel redraws. It is a page's last cell because widgets that
          change while Voila is still building the page can stall it in the browser. Anywhere else
          (JupyterLab, a kernel started for the request) the query string was read when the header was
          built.
        """
        import gc

        gc.collect()
        gc.freeze()
        _release_freed_heap()
        if os.environ.get("VOILA_PREHEAT", "False") == "False":
            return
        from IPython import get_ipython

        get_ipython().kernel.io_loop.add_callback(self.await_request)

    async def await_request(self) -> None:
        """Wait for the request of a preheated page, then `apply_query`.

        Reads the request as `voila.utils.wait_for_request` does (one message on Voila's websocket
        ``voila/query/<kernel id>``), but with the kernel's own tornado: importing voila.utils would load
        Voila's server side (nbconvert, jupyter_server: about 30 MB) into every preheated kernel.
        """
        from tornado.websocket import websocket_connect

        try:
            conn = await websocket_connect(_voila_query_url(), connect_timeout=5)
            message = await conn.read_message()
        except Exception as err:  # noqa: BLE001 - the page still works, without its query string
            _log.warning("no request info from Voila (%s); the page keeps its defaults", err)
            return
        if message:
            os.environ.update(json.loads(message))
            self.apply_query()

    def apply_query(self, query_string: str | None = None) -> None:
        """Set the header from a page address's query string (default: the QUERY_STRING variable)."""
        q = query_params(query_string)
        if q.get("seed", "").strip().isdigit() and not self.folder.value and int(q["seed"]) != self._seed:
            self._seed = int(q["seed"])
            self._base = scenarios.open_dataset(seed=self._seed)
            self._publish()
        if q.get("scenario") in scenarios.SCENARIOS:
            self.scenario.value = q["scenario"]
        if _truthy(q.get("presenter")):
            self.presenter.value = True


def workbench(data_folder: str | Path | None = None, *, seed: int | None = None, scenario: str = "baseline",
              presenter: bool = False, home: str | None = HOME) -> WorkbenchHeader:
    """The page header with its Workbench: the data (`open_dataset`), the scenario, presenter mode.

    The page URL may override the defaults: ``?presenter=1``, ``?scenario=...``, ``?seed=...``;
    ``KAMLAB_PRESENTER=1`` in the server's environment turns presenter mode on for every page. A data
    folder that does not load shows a readable message and the page falls back to the case company.
    `home=None` hides the link back to the course home (the home page itself).

    Examples
    --------
    >>> wb = workbench(seed=3, scenario="rebates up 50%")
    >>> wb.workbench.dataset.meta["scenario"]
    'rebates up 50%'
    """
    q = query_params()
    presenter = bool(presenter) or _truthy(q.get("presenter")) or _truthy(os.environ.get("KAMLAB_PRESENTER"))
    if scenario in (None, "", "baseline") and q.get("scenario") in scenarios.SCENARIOS:
        scenario = q["scenario"]
    if seed is None and q.get("seed", "").strip().isdigit() and data_folder in (None, ""):
        seed = int(q["seed"])
    error = ""
    if scenario not in scenarios.SCENARIOS:
        error, scenario = f"unknown scenario {scenario!r}; showing the baseline", "baseline"
    try:
        base = scenarios.open_dataset(data_folder, seed=seed)
    except (ValueError, KeyError, TypeError, OSError) as err:
        error = f"{err} (showing the case company instead)"
        base = scenarios.open_dataset()
    header = WorkbenchHeader(base, scenario=scenario, presenter=presenter, seed=seed, home=home, error=error)
    if data_folder not in (None, "") and not error:
        header.folder.value = str(data_folder)
    return header


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
