"""The page header and the page's live outputs.

`workbench(...)` builds the first widget on every page: the way home and to the previous and next unit
(links that keep the scenario, presenter mode and the data), a scenario dropdown, a data switch to an
imported dataset folder, a presenter toggle, a one-line summary of the data shown and the page's one
error box. It writes the page's `PageState` (`.state`, also `.workbench` for the panels); every output
reads it: `wb.show(lambda ds: ...)` is a live output that re-runs whenever the state changes, and
`wb.illustration(...)` shows textbook numbers that do not depend on the data, marked as such.
"""
from __future__ import annotations

import ctypes
import html
import json
import logging
import os
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

import ipywidgets as W
from IPython.display import HTML, clear_output, display

from kamlab import scenarios
from kamlab.app import nav
from kamlab.app.render import fmt_money, render
from kamlab.app.state import PageState
from kamlab.data import Dataset
from kamlab.widgets.common import error_html

__all__ = ["Header", "workbench", "query_params", "LiveOutput"]

_log = logging.getLogger(__name__)
_ERRORS = (ValueError, KeyError, TypeError, ZeroDivisionError, IndexError, OSError)

_BASE_CSS = """<style>
table.kamlab-table, table.kamlab-board { border-collapse: collapse; margin: 4px 0 12px 0; }
table.kamlab-apa-pnl { border-collapse: collapse; margin: 4px 0 12px 0; }
table.kamlab-apa-pnl th, table.kamlab-apa-pnl td { padding: 2px 10px; text-align: right; white-space: nowrap; }
table.kamlab-apa-pnl th:nth-child(-n+2), table.kamlab-apa-pnl td:nth-child(-n+2), table.kamlab-apa-pnl .txt {
  text-align: left; }
table.kamlab-table th, table.kamlab-table td, table.kamlab-board th, table.kamlab-board td {
  padding: 3px 10px; border-bottom: 1px solid #e0e0e0; text-align: left; }
table.kamlab-table th, table.kamlab-board th { background: #eceff1; }
table.kamlab-table td:last-child, table.kamlab-table th:last-child { text-align: right; }
.kamlab-tour h4, .kamlab-board-view h4 { margin: 8px 0 2px 0; }
.kamlab-nav { font-weight: bold; } .kamlab-nav a { text-decoration: none; }
.kamlab-chart svg { max-width: 100%; height: auto; }
.kamlab-fixed { border-left: 4px solid #90a4ae; padding-left: 10px; }
.kamlab-fixed-badge { display: inline-block; background: #eceff1; color: #455a64; font-size: 0.85em;
  padding: 1px 8px; border-radius: 3px; margin: 2px 0 4px 0; }
.widget-inline-hbox .widget-label { width: auto !important; min-width: var(--jp-widgets-inline-label-width);
  max-width: none !important; white-space: nowrap; overflow: visible; }
.widget-readout { min-width: 4.5em; width: auto !important; overflow: visible; }
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
.kamlab-chart svg, .jp-RenderedSVG svg, .jp-RenderedSVG img, .jp-RenderedImage img {
  width: 100% !important; height: auto !important; max-width: 100% !important; }
.widget-readout { min-width: 5.5em; }
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
    name = html.escape(str(ds.meta.get("name", ds.meta.get("source", "dataset"))))
    scen = html.escape(str(ds.meta.get("scenario", "baseline")))
    badge = "" if scen == "baseline" else (
        f' · <span style="background:#fff3e0;color:#e65100;padding:1px 6px;border-radius:3px">'
        f"scenario: {scen}</span>")
    return (f'<span class="kamlab-summary"><b>{name}</b> · {n_acc:,} accounts · {n_lines:,} order lines · '
            f"invoice revenue {html.escape(fmt_money(revenue, ds.currency, compact=True))}{span}{badge}</span>")


class LiveOutput(W.Output):
    """An output bound to the page state: shows `render(compute(dataset))` and re-runs whenever the
    state's dataset (scenario, data) or presenter mode changes. A failure shows the page's error box."""

    def __init__(self, state: PageState, compute: Callable[[Dataset], object], *, title: str | None = None,
                 controls=(), data: bool = True):
        super().__init__(layout=W.Layout(width="100%"))
        self.state, self.compute, self.title, self.margins = state, compute, title, {}
        # an output of the room's own inputs (AHP comparisons) follows its controls, not the data
        self.add_class("kamlab-live" if data else "kamlab-controlled")
        state.observe(self.redraw, names="dataset")  # presenter mode re-publishes the dataset too
        for control in controls:  # a control the page's text asks the room to move
            control.observe(self._on_control, names="value")
        self.redraw()

    def _on_control(self, change) -> None:
        if not getattr(change["owner"], "syncing", False):  # a picker following the data: the state redraws
            self.redraw()

    def redraw(self, _change=None) -> None:
        """Compute and show again; `shown` keeps what was shown (tests read it outside a kernel)."""
        from IPython import get_ipython

        ds = self.state.dataset
        laid_out_for = (id(self.state.base), self.state.presenter)
        if getattr(self, "_laid_out_for", None) != laid_out_for:  # new data or size: lay the chart out anew
            self.margins, self._laid_out_for = {}, laid_out_for
        try:
            self.shown = render(self.compute(ds), currency=ds.currency, title=self.title, layout=self.margins)
        except _ERRORS as err:
            self.shown = HTML(error_html(err))
        if get_ipython() is None:  # no kernel, no page: nothing to draw into
            return
        with self:
            clear_output(wait=True)
            if self.shown is not None:
                display(self.shown)


class Header(W.VBox):
    """The page header. Attributes: `state` (the `PageState`; `workbench` is the same object, for the
    panels), `scenario` (Dropdown), `folder` (Text) and `load` (Button) for the data switch, `presenter`
    (ToggleButton), `nav` (links home, previous, next), `summary` and `message` (HTML, the page's one
    error box), `style` (HTML holding the page CSS)."""

    def __init__(self, base: Dataset | None, *, scenario: str = "baseline", presenter: bool = False,
                 seed: int | None = None, page: str | None = None, data_folder: str = "", error: str = ""):
        self.page = page
        self.state = PageState(presenter=presenter, seed=seed, data_folder=data_folder or "")
        self.scenario = W.Dropdown(options=scenarios.names(), value=scenario, description="Scenario",
                                   layout=W.Layout(width="380px"), style={"description_width": "initial"})
        self.folder = W.Text(value=data_folder or "", placeholder="dataset folder (empty: the case company)",
                             layout=W.Layout(width="320px"))
        self.load = W.Button(description="Load data", icon="folder-open", layout=W.Layout(width="120px"))
        self.presenter = W.ToggleButton(value=presenter, description="Presenter", icon="desktop",
                                        tooltip="larger fonts and charts for a projector",
                                        layout=W.Layout(width="120px"))
        self.nav, self.summary, self.message, self.style = W.HTML(), W.HTML(), W.HTML(), W.HTML()
        self.status = W.HTML()
        row = W.HBox([self.scenario, self.folder, self.load, self.presenter, self.status],
                     layout=W.Layout(flex_flow="row wrap", align_items="center", grid_gap="12px"))
        super().__init__([self.style, self.nav, row, self.summary, self.message],
                         layout=W.Layout(border_bottom="1px solid #cfd8dc", padding="4px 0 8px 0",
                                         margin="0 0 8px 0"))
        self.add_class("kamlab-header")
        st = self.state
        st.observe(self._on_dataset, names="dataset")
        st.observe(self._on_presenter, names="presenter")
        st.observe(self._on_link_state, names=["scenario", "presenter", "data_folder", "seed"])
        st.observe(lambda ch: self._show_error(ch["new"]), names="error")
        st.observe(self._on_busy, names="busy")
        self.scenario.observe(lambda ch: setattr(st, "scenario", ch["new"]), names="value")
        self.presenter.observe(lambda ch: setattr(st, "presenter", ch["new"]), names="value")
        self.load.on_click(lambda _: self._load_folder())
        self._on_presenter()
        self._on_link_state()
        with st.hold_trait_notifications():
            st.scenario = scenario
            st.base = base
        self._show_error(error)

    # -- the state as the panels know it ----------------------------------------------------------------
    @property
    def workbench(self) -> PageState:
        return self.state

    # -- what the header shows -----------------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.message.value = error_html(message) if message else ""

    def _on_busy(self, change) -> None:
        self.status.value = ('<span class="kamlab-busy" style="color:#e65100">Updating the page&hellip;</span>'
                             if change["new"] else "")

    def _on_dataset(self, _change=None) -> None:
        self.summary.value = _summary(self.state.dataset)

    def _on_presenter(self, _change=None) -> None:
        from kamlab.plots.style import set_style

        on = self.state.presenter
        set_style(presenter=on)
        self.style.value = _BASE_CSS + (_PRESENTER_CSS if on else "")
        (self.add_class if on else self.remove_class)("kamlab-presenter")
        if self.presenter.value != on:
            self.presenter.value = on
        if _change is not None and self.state.base is not None:
            self.state._apply()  # every output and panel redraws at the new size

    def _on_link_state(self, _change=None) -> None:
        self.nav.value = nav.nav_html(self.page, self.state.query())

    def _load_folder(self) -> None:
        self.state.load(self.folder.value, seed=self.state.seed)

    # -- live outputs ----------------------------------------------------------------------------------------
    def show(self, compute: Callable[[Dataset], object], *, title: str | None = None, controls=(), watch=(),
             data: bool = True):
        """A live output: `compute(dataset)` shown as a chart or finance table, re-run whenever the
        scenario, the data or presenter mode changes, and when one of `controls` moves (then the
        controls are shown above it, in one box whose `.live` is the output) or of `watch` (controls
        shown elsewhere on the page). `data=False`: an output of the controls alone (the room's AHP
        comparisons), marked as such rather than as following the data.

        Examples
        --------
        >>> wb = workbench(seed=3)
        >>> seen = []
        >>> out = wb.show(lambda ds: seen.append(len(ds.accounts)))
        >>> wb.scenario.value = "lose the top account"
        >>> seen
        [60, 59]
        """
        live = LiveOutput(self.state, compute, title=title, controls=[*controls, *watch], data=data)
        if not controls:
            return live
        box = W.VBox([W.HBox(list(controls), layout=W.Layout(flex_flow="row wrap", grid_gap="12px")), live])
        box.live = live
        return box

    def account_picker(self, *, default=None, description: str = "Account"):
        """An account dropdown bound to the page's data (see `kamlab.app.controls.AccountPicker`)."""
        from kamlab.app.controls import AccountPicker

        return AccountPicker(self.state, default=default, description=description)

    def memo(self, name: str, compute: Callable[[Dataset], object]):
        """`compute(dataset)` once per dataset (shared by the page's outputs), see `PageState.memo`."""
        return self.state.memo(name, compute)

    def illustration(self, obj, *, note: str = "textbook numbers: they do not change with the scenario or "
                     "the data") -> W.Output:
        """A fixed illustration: `obj` shown with a visible note that it does not depend on the data."""
        out = W.Output(layout=W.Layout(width="100%"))
        out.add_class("kamlab-fixed")
        with out:
            display(HTML(f'<span class="kamlab-fixed-badge">Fixed illustration · {html.escape(note)}</span>'))
            shown = render(obj, currency="")
            if shown is not None:
                display(shown)
        return out

    def course_map(self) -> W.HTML:
        """Every unit as a link that keeps the scenario, presenter mode and the data (the welcome page)."""
        out = W.HTML()
        out.add_class("kamlab-course")

        def _draw(_=None):
            out.value = nav.course_map_html(self.state.query())

        self.state.observe(_draw, names=["scenario", "presenter", "data_folder", "seed"])
        _draw()
        return out

    # -- the page's life -------------------------------------------------------------------------------------
    def ready(self) -> None:
        """A page's last cell: the page is built.

        - Everything built so far leaves the garbage collector's rounds (`gc.freeze`): full collections
          had walked the page's hundred thousand long-lived objects in the middle of redraws. The garbage
          of building it is collected first and the freed heap handed back (glibc's `malloc_trim`).
        - A preheated page (voila.json) ran before anyone asked for it, so its query string is unknown:
          the kernel's own loop then waits for the request and sets the header (`apply_query`). Anywhere
          else the query string was read when the header was built.
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
        """Wait for the request of a preheated page (one message on Voila's websocket
        ``voila/query/<kernel id>``, read with the kernel's own tornado), then `apply_query`."""
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
        """Set the header from a page address's query string (default: the QUERY_STRING variable):
        ``data=<folder>``, ``seed=<n>``, ``scenario=<name>``, ``presenter=1``."""
        q = query_params(query_string)
        st = self.state
        folder = q.get("data", "").strip()
        if folder and folder != st.data_folder:
            self.folder.value = folder
            st.load(folder)
        elif not folder and q.get("seed", "").strip().isdigit() and not st.data_folder \
                and int(q["seed"]) != st.seed:
            st.load(None, seed=int(q["seed"]))
        if q.get("scenario") in scenarios.SCENARIOS:
            self.scenario.value = q["scenario"]
        if _truthy(q.get("presenter")):
            self.presenter.value = True


def workbench(data_folder: str | Path | None = None, *, seed: int | None = None, scenario: str = "baseline",
              presenter: bool = False, page: str | None = None, home: str | None = "") -> Header:
    """The page header and its state: the data (`open_dataset`), the scenario, presenter mode.

    The page URL may override the defaults: ``?presenter=1``, ``?scenario=...``, ``?seed=...``,
    ``?data=<folder>``; ``KAMLAB_PRESENTER=1`` in the server's environment turns presenter mode on for
    every page. A data folder that does not load shows a readable message and the page falls back to the
    case company. `page` is the page's own notebook name (for the previous and next links); `home=None`
    is the course home itself (kept for older pages).

    Examples
    --------
    >>> wb = workbench(seed=3, scenario="rebates up 50%")
    >>> wb.state.dataset.meta["scenario"]
    'rebates up 50%'
    """
    if home is None and page is None:
        page = nav.HOME
    q = query_params()
    presenter = bool(presenter) or _truthy(q.get("presenter")) or _truthy(os.environ.get("KAMLAB_PRESENTER"))
    if scenario in (None, "", "baseline") and q.get("scenario") in scenarios.SCENARIOS:
        scenario = q["scenario"]
    if data_folder in (None, "") and q.get("data", "").strip():
        data_folder = q["data"].strip()
    if seed is None and q.get("seed", "").strip().isdigit() and data_folder in (None, ""):
        seed = int(q["seed"])
    error = ""
    if scenario not in scenarios.SCENARIOS:
        error, scenario = f"unknown scenario {scenario!r}; showing the baseline", "baseline"
    try:
        base = scenarios.open_dataset(data_folder, seed=seed)
    except (ValueError, KeyError, TypeError, OSError) as err:
        error = f"{err} (showing the case company instead)"
        base, data_folder, seed = scenarios.open_dataset(), None, None
    return Header(base, scenario=scenario, presenter=presenter, seed=seed, page=page,
                  data_folder=str(data_folder or ""), error=error)
