"""The selection and allocation panels, driven headlessly: set controls, assert on what changed."""
from __future__ import annotations

import pandas as pd
import pytest

from kamlab import selection as sel
from kamlab import widgets
from kamlab.widgets.common import Workbench


@pytest.fixture
def panel(small):
    return widgets.selection_panel(small, top_n=4)


def test_panel_exposes_board_contract(panel, small):
    assert {"normalize", "top_n", "revenue", "net_margin"} <= set(panel.controls)
    assert sum(panel.weights.values()) == pytest.approx(1)
    assert panel.weights == pytest.approx(
        {k: v / sum(sel.PROFIT_AND_POTENTIAL.values()) for k, v in sel.PROFIT_AND_POTENTIAL.items()})
    expected = sel.score(sel.account_features(small), sel.PROFIT_AND_POTENTIAL)
    assert panel.top_list == list(expected.index[:4])


def test_sliders_change_the_ranking_as_the_maths_says(panel, small):
    feats = sel.account_features(small)
    panel.set_weights({"revenue": 1.0})
    assert panel.weights == {"revenue": 1.0}
    assert panel.top_list == list(feats["revenue"].sort_values(ascending=False).index[:4])
    first = panel.top_list[0]
    assert first in panel.table.value and first in panel.key_accounts.value
    panel.controls["net_margin"].value = 1.0  # revenue and net margin now 50/50
    assert panel.weights == {"revenue": 0.5, "net_margin": 0.5}
    expected = sel.score(feats, {"revenue": 1, "net_margin": 1})
    assert panel.top_list == list(expected.index[:4])
    pd.testing.assert_series_equal(panel.scored["score"], expected["score"])


def test_top_n_and_normalize(panel, small):
    panel.controls["top_n"].value = 7
    assert len(panel.top_list) == 7
    panel.controls["normalize"].value = "rank"
    expected = sel.score(sel.account_features(small), panel.weights, normalize="rank")
    assert panel.top_list == list(expected.index[:7])


def test_all_zero_weights_show_a_message_not_a_traceback(panel):
    panel.set_weights({})
    assert panel.top_list == [] and panel.weights == {}
    assert any("zero" in str(o.get("data", {})) for o in panel.out.outputs) or panel.out.outputs == ()


def test_panel_follows_the_workbench(small):
    from kamlab import synth

    wb = Workbench(dataset=small)
    p = widgets.selection_panel(wb, top_n=3)
    other = synth.generate(n_accounts=20, years=2, seed=11)
    wb.dataset = other
    assert len(p.features) == 20 and p.controls["top_n"].max == 20
    assert p.top_list == list(sel.score(sel.account_features(other), p.weights).index[:3])


def test_panel_from_features():
    f = pd.DataFrame({"name": list("abc"), "revenue": [1.0, 3.0, 2.0], "net_margin": [5.0, -1.0, 2.0]},
                     index=["X", "Y", "Z"])
    p = widgets.selection_panel(f, weights={"net_margin": 1}, top_n=1)
    assert p.top_list == ["X"]
    p.set_weights({"revenue": 1})
    assert p.top_list == ["Y"]


def test_service_tier_panel(small):
    p = widgets.service_tier_panel(small)
    before = p.result.summary["accounts"].copy()
    p.controls["platinum"].value = 0.5
    after = p.result.summary["accounts"]
    assert after["platinum"] > before["platinum"] and after.sum() == before.sum() == len(small.accounts)
    assert "saving" in p.summary.value


def test_allocation_panel_textbook_and_capacity():
    p = widgets.allocation_panel()
    assert p.results["greedy"].total_value == 140_000 and p.results["optimal"].total_value == 170_000
    assert "30,000" in p.summary.value
    p.controls["capacity"].value = 250
    assert p.results["optimal"].total_value == 140_000 == p.results["greedy"].total_value


def test_allocation_panel_on_case_data(small):
    p = widgets.allocation_panel(small)
    assert p.results["optimal"].total_value >= p.results["greedy"].total_value
    assert p.results["optimal"].used <= p.controls["capacity"].value


def test_presenter_mode_enlarges_the_matrix(small):
    wb = Workbench(dataset=small)
    p = widgets.selection_panel(wb)
    small_dpi = p.fig.dpi
    top = p.top_list
    wb.presenter = True
    assert p.fig.dpi > small_dpi and p.top_list == top
