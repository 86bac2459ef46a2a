"""The page header and the board panels, driven headlessly."""
from __future__ import annotations

import json

import pytest
from test_scenarios import toy_dataset

from kamlab import data, scenarios
from kamlab.app import header as app
from kamlab.widgets import app as widgets_app
from kamlab.widgets.common import Workbench


@pytest.fixture()
def toy_folder(tmp_path):
    return data.save(toy_dataset(), tmp_path / "toy")


@pytest.fixture(autouse=True)
def _no_query(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)


def test_header_has_its_parts(toy_folder):
    wb = app.workbench(toy_folder)
    assert isinstance(wb.workbench, Workbench)
    assert len(wb.workbench.dataset.accounts) == 4
    assert wb.scenario.options[0] == "baseline" and wb.scenario.value == "baseline"
    assert 'href="00_welcome.ipynb?data=' in wb.nav.value  # the way home keeps the data
    assert "4 accounts" in wb.summary.value and "Toy Co" in wb.summary.value
    assert wb.folder.value == str(toy_folder)
    assert wb.message.value == ""


def test_scenario_dropdown_replaces_the_dataset_and_panels_hear_it(toy_folder):
    wb = app.workbench(toy_folder)
    seen = []
    wb.workbench.observe(lambda ch: seen.append(ch["new"].meta["scenario"]), names="dataset")
    wb.scenario.value = "lose the top account"
    assert len(wb.workbench.dataset.accounts) == 3
    assert "scenario: lose the top account" in wb.summary.value
    wb.scenario.value = "cost of capital up"  # tables equal to the base: still announced
    wb.scenario.value = "baseline"
    assert seen == ["lose the top account", "cost of capital up", "baseline"]


def test_data_switch_loads_a_folder_and_shows_errors(toy_folder, tmp_path):
    wb = app.workbench(toy_folder, scenario="rebates up 50%")
    wb.folder.value = str(tmp_path / "does-not-exist")
    before = wb.workbench.dataset
    wb.load.click()
    assert "That did not work" in wb.message.value and "no dataset folder" in wb.message.value
    assert wb.workbench.dataset is before
    other = data.save(scenarios.lose_top_account(toy_dataset()), tmp_path / "other")
    wb.folder.value = str(other)
    wb.load.click()
    assert wb.message.value == ""
    assert len(wb.workbench.dataset.accounts) == 3
    assert wb.workbench.dataset.meta["scenario"] == "rebates up 50%"


def test_bad_start_folder_falls_back_readably(tmp_path):
    if not data.SAMPLE_FOLDER.joinpath("accounts.csv").exists():
        pytest.skip("the shipped case company is not there yet")
    wb = app.workbench(tmp_path / "nope")
    assert "showing the case company" in wb.message.value
    assert len(wb.workbench.dataset.accounts) > 0


def test_presenter_toggle_and_query_string(toy_folder, monkeypatch):
    import matplotlib.pyplot as plt

    wb = app.workbench(toy_folder)
    assert "<style>" in wb.style.value and "--jp-widgets-font-size" not in wb.style.value
    assert not wb.workbench.presenter
    seen = []
    wb.workbench.observe(lambda ch: seen.append(1), names="dataset")
    wb.presenter.value = True
    assert "--jp-widgets-font-size" in wb.style.value and wb.workbench.presenter
    assert plt.rcParams["figure.figsize"][0] >= 12
    assert seen, "panels must redraw in presenter mode"
    wb.presenter.value = False
    assert "--jp-widgets-font-size" not in wb.style.value and plt.rcParams["figure.figsize"][0] < 12
    monkeypatch.setenv("QUERY_STRING", "presenter=1&scenario=rebates+up+50%25")
    wb2 = app.workbench(toy_folder)
    assert wb2.presenter.value and wb2.scenario.value == "rebates up 50%"
    assert "00_welcome.ipynb?scenario=rebates+up+50%25&amp;presenter=1" in wb2.nav.value
    wb2.presenter.value = False


def test_unknown_scenario_parameter_is_readable(toy_folder):
    wb = app.workbench(toy_folder, scenario="nonsense")
    assert wb.scenario.value == "baseline" and "unknown scenario" in wb.message.value


def test_home_page_has_no_link_home(toy_folder):
    assert "Course home" not in app.workbench(toy_folder, page="00_welcome.ipynb").nav.value
    assert "Course home" not in app.workbench(toy_folder, home=None).nav.value


def test_dataset_tour_follows_the_header(toy_folder):
    wb = app.workbench(toy_folder)
    tour = widgets_app.dataset_tour(wb.workbench)
    assert "got what they need" in tour.value and "Toy Co" in tour.value
    before = tour.value
    wb.scenario.value = "lose the top account"
    assert tour.value != before and "lose the top account" in tour.value


def test_presenter_from_the_server_environment(toy_folder, monkeypatch):
    monkeypatch.setenv("KAMLAB_PRESENTER", "1")
    wb = app.workbench(toy_folder)
    assert wb.presenter.value
    wb.presenter.value = False


def test_a_preheated_page_applies_the_query_string_when_opened():
    """Voila preheats pages without a request; `apply_query` sets the header once one arrives."""
    wb = app.workbench(seed=3)
    seen = []
    wb.workbench.observe(lambda ch: seen.append(ch["new"].meta.get("scenario")), names="dataset")
    wb.apply_query("presenter=1&scenario=rebates+up+50%25")
    assert wb.presenter.value and wb.scenario.value == "rebates up 50%" and "rebates up 50%" in seen
    before = wb.workbench.dataset
    wb.apply_query("seed=4")
    assert wb.workbench.dataset is not before and wb.state.seed == 4
    wb.apply_query("scenario=no+such+thing")
    assert wb.scenario.value == "rebates up 50%"  # unknown values change nothing
    wb.presenter.value = False


def test_ready_waits_for_no_request_outside_a_preheated_kernel(monkeypatch):
    import gc

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    wb = app.workbench(seed=3)
    try:
        wb.ready()  # returns at once: there is no kernel loop here to wait on
        assert gc.get_freeze_count() > 0  # the built page left the collector's rounds
    finally:
        gc.unfreeze()  # the rest of the suite keeps a normal collector
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    with pytest.raises(AttributeError):  # in a preheated kernel it reaches for the kernel's loop
        wb.ready()
    gc.unfreeze()


def _run_async(coroutine_function):
    """Run a coroutine on a loop of its own (the browser tests may leave one running on this thread)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result(timeout=30)


def test_a_preheated_page_applies_the_request_voila_sends(monkeypatch):
    """The protocol of voila.utils.wait_for_request: one JSON message of request variables on the
    websocket voila/query/<kernel id>, which the header then applies."""
    from tornado.web import Application
    from tornado.websocket import WebSocketHandler

    asked = []

    class Query(WebSocketHandler):
        def open(self, kernel_id):
            asked.append(kernel_id)
            self.write_message(json.dumps({"QUERY_STRING": "presenter=1&scenario=rebates+up+50%25"}))

    async def run():
        server = Application([(r"/base/voila/query/(.*)", Query)]).listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        monkeypatch.setenv("VOILA_APP_PORT", str(port))
        monkeypatch.setenv("VOILA_SERVER_URL", "/base/")
        monkeypatch.setenv("VOILA_KERNEL_ID", "k-42")
        monkeypatch.setenv("QUERY_STRING", "")
        wb = app.workbench(seed=3)
        await wb.await_request()
        server.stop()
        return wb

    wb = _run_async(run)
    assert asked == ["k-42"]
    assert wb.presenter.value and wb.scenario.value == "rebates up 50%"
    wb.presenter.value = False


def test_a_preheated_page_without_voila_keeps_its_defaults(monkeypatch, caplog):
    monkeypatch.setenv("VOILA_APP_PORT", "1")  # nothing listens there
    wb = app.workbench(seed=3)
    _run_async(wb.await_request)
    assert not wb.presenter.value and "keeps its defaults" in caplog.text


# -- the page state and its live outputs (kamlab.app) ---------------------------------------------------
def test_live_outputs_follow_the_scenario_and_the_data(toy_folder):
    wb = app.workbench(seed=3, page="02_account_profitability_analysis.ipynb")
    seen = []
    out = wb.show(lambda ds: seen.append((len(ds.accounts), ds.meta.get("scenario"))) or len(ds.accounts))
    wb.scenario.value = "lose the top account"
    wb.folder.value = str(toy_folder)
    wb.load.click()
    assert seen == [(60, "baseline"), (59, "lose the top account"), (3, "lose the top account")]
    assert "<p>3</p>" in out.shown.data
    assert "scenario=lose+the+top+account" in wb.nav.value and "data=" in wb.nav.value


def test_cost_of_capital_is_resolved_once_from_the_scenario():
    from kamlab.apa import DEFAULT_COST_OF_CAPITAL, account_pnl

    wb = app.workbench(seed=3)
    assert wb.state.cost_of_capital == DEFAULT_COST_OF_CAPITAL
    base = account_pnl(wb.state.dataset)["terms_cost"].sum()
    wb.scenario.value = "cost of capital up"
    assert wb.state.cost_of_capital > DEFAULT_COST_OF_CAPITAL
    assert account_pnl(wb.state.dataset)["terms_cost"].sum() > base  # account_pnl reads the scenario's rate


def test_tables_read_as_finance_not_printouts():
    import re

    from kamlab.app import render

    wb = app.workbench(seed=3)
    pnl = wb.memo("pnl", __import__("kamlab").apa.account_pnl)
    shown = render.render(pnl.head(3), currency="EUR")
    text = shown._repr_html_() if hasattr(shown, "_repr_html_") else shown.data
    assert "EUR" in text and not re.search(r"e\+0|dtype:|\d\.\d{6,}", text)
    statement = render.statement(__import__("kamlab").apa.pnl_totals(pnl), "EUR").data
    assert "Net margin" in statement and "%" in statement and "e+0" not in statement


def test_a_failing_output_says_so_and_the_others_follow(toy_folder):
    wb = app.workbench(seed=3)
    bad = wb.show(lambda ds: ds.accounts.loc["no such account"])
    good = wb.show(lambda ds: len(ds.accounts))
    wb.scenario.value = "lose the top account"
    assert "kamlab-error" in bad.shown.data and "<p>59</p>" in good.shown.data


def test_fixed_illustrations_are_marked():
    wb = app.workbench(seed=3)
    out = wb.illustration({"a": 1.0}, note="textbook numbers")
    assert "kamlab-fixed" in out._dom_classes


def test_account_picker_follows_the_data_and_defaults_by_size(toy_folder):
    wb = app.workbench(seed=3)
    picker = wb.account_picker()
    lines = wb.state.dataset.order_lines
    largest = (lines["quantity"] * lines["invoice_price"]).groupby(lines["account_id"]).sum().idxmax()
    assert picker.value == largest
    wb.scenario.value = "lose the top account"
    assert picker.value != largest and picker.value in dict(map(reversed, picker.options))
    wb.state.load(toy_folder)
    assert len(picker.options) == 3


def test_navigation_previous_next_and_course_map():
    from kamlab.app import nav

    assert nav.neighbours("02_account_profitability_analysis.ipynb") == (
        "01_selection_matrix_workshop.ipynb", "03_cost_to_serve_and_resource_allocation.ipynb")
    html_ = nav.nav_html(nav.PAGES[-1][0], {"presenter": "1"})
    assert "kamlab-prev" in html_ and "kamlab-next" not in html_ and "presenter=1" in html_
    assert nav.course_map_html({"scenario": "x"}).count("?scenario=x") == len(nav.PAGES) - 1


def test_panel_base_one_update_per_change_and_per_set(small):
    import ipywidgets as W

    from kamlab.widgets.common import Panel, Workbench

    calls = []

    class Count(Panel):
        def compute(self, ds, *, a, b):
            calls.append((len(ds.accounts), a, b))
            return a + b

    wb = Workbench(dataset=small)
    p = Count(wb, {"a": W.IntSlider(1), "b": W.IntSlider(2)})
    p.controls["a"].value = 5
    p.set(a=7, b=9)  # two controls, one update
    wb.dataset = small.replace(accounts=small.accounts.head(3))
    n = len(small.accounts)
    assert calls == [(n, 1, 2), (n, 5, 2), (n, 7, 9), (3, 7, 9)] and p.result == 16


def test_allocation_panel_on_data_without_engineering_hours(toy_folder):
    from kamlab.widgets.allocation import allocation_panel

    wb = app.workbench(seed=3)
    panel = allocation_panel(wb.workbench)
    assert panel.results
    wb.state.load(toy_folder)  # no engineering hours there: the panel says so, the page goes on
    assert panel.requests is None or panel.results
