"""The rationalization simulator, the control dashboard and the account-plan panel, driven headlessly."""
from __future__ import annotations

import pytest
from panel_capture import Capture
from test_rationalization import make_ds

from kamlab.widgets import rationalization as wr
from kamlab.widgets.common import Workbench

_capture: Capture | None = None


@pytest.fixture(autouse=True)
def _record(monkeypatch):
    global _capture
    _capture = Capture(monkeypatch, wr)


def shown(panel, kind, out=None):
    return _capture.shown(panel, kind, out=out)


@pytest.fixture
def case():
    lines = [("2024-01-15", "A", "P1", 1000, 8.0), ("2024-01-20", "B", "P2", 500, 20.0),
             ("2024-02-01", "C", "P1", 200, 10.0)]
    acts = [("2024-01-15", "A", "dedicated_team", 40), ("2024-01-15", "A", "order_processing", 10),
            ("2024-01-20", "B", "sales_visit", 4), ("2024-01-20", "B", "order_processing", 5),
            ("2024-02-01", "C", "order_processing", 2)]
    return make_ds(lines, acts)


def test_rationalization_panel_shows_the_trap(case):
    p = wr.rationalization_panel(case)
    assert p.controls["account"].value == "A"                # worst account first
    assert p.controls["action"].value == "exit"
    s = p.sim
    assert s.after_profit < s.before_profit < s.naive_after_profit
    assert s.stranded_cost == 4000 and "stranded" in p.summary.value
    titles = shown(p, "figure")[0]
    assert any("stranded" in t for t in titles) and not shown(p, "error")
    p.controls["action"].value = "reprice"
    p.controls["price_change"].value = 0.10
    p.controls["volume_change"].value = -0.20
    assert p.sim.effects.loc[0, "kind"] == "reprice" and p.sim.stranded_cost == 0
    assert p.controls["lever"].layout.display == "none"
    p.controls["action"].value = "cut_cost"
    p.controls["account"].value = "B"
    p.controls["reduction"].value = 1.0
    assert p.sim.effects.loc[0, "account_id"] == "B"
    assert p.sim.reconciles
    assert "no stranded cost" not in str(shown(p, "figure"))  # the second axes is switched off, no title


def test_rationalization_panel_follows_the_workbench(case, small):
    wb = Workbench(dataset=case)
    p = wr.rationalization_panel(wb)
    wb.dataset = small
    assert p.controls["account"].value in set(small.accounts["account_id"])
    assert p.sim.reconciles


def test_control_panel_rules_move_the_count(small):
    p = wr.control_panel(small)
    n = len(p.dashboard.violations)
    p.controls["margin_floor"].value = 0.30
    more = (p.dashboard.violations["kind"] == "margin_floor").sum()
    p.controls["margin_floor"].value = -0.10
    fewer = (p.dashboard.violations["kind"] == "margin_floor").sum()
    assert more > fewer and n >= 0
    p.controls["period"].value = "Y"
    assert p.dashboard.period == "Y"
    assert "violations" in p.summary.value
    assert any("margin" in t for t in shown(p, "figure", out=p.trend_out)[0])
    assert shown(p, "figure")[0] == ["Control rule violations"]


def test_account_plan_panel_and_export(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = wr.account_plan_panel(small, charts=False)
    first = p.plan.account_id
    assert "Key account plan" in shown(p, "html")[0]
    other = p.controls["account"].options[1][1]
    p.controls["account"].value = other
    assert p.plan.account_id == other != first
    assert p.controls["export"].link.value == ""  # nothing made before it is asked for
    p.controls["export"].button.click()
    page = p.controls["export"].data.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and other in page
    assert f"download='plan_{other}.html'" in p.controls["export"].link.value
    assert list(tmp_path.iterdir()) == []  # nothing written on the server


def test_hiding_a_control_hides_only_that_control(case, small):
    """Each control has its own layout: the simulator hides sliders per action, other panels keep theirs."""
    p = wr.rationalization_panel(case)
    assert p.controls["price_change"].layout.display == "none"      # action "exit"
    assert p.controls["account"].layout.display != "none"
    c = wr.control_panel(small)
    assert all(w.layout.display != "none" for w in c.controls.values())
    layouts = [id(w.layout) for w in [*p.controls.values(), *c.controls.values()]]
    assert len(set(layouts)) == len(layouts)


def test_a_rule_slider_reruns_only_the_audit(small):
    p = wr.control_panel(small)
    trend_shown, margins = _capture._by_output[id(p.trend_out)], p.dashboard.margins
    p.controls["margin_floor"].value = 0.25
    assert p.dashboard.margins is margins and _capture._by_output[id(p.trend_out)] is trend_shown
    assert ((p.dashboard.violations["kind"] == "margin_floor").sum()
            == (wr.rz.audit(small, p.rules())["kind"] == "margin_floor").sum())
