"""kamlab.widgets.apa: the APA panel driven headlessly."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from kamlab import apa  # noqa: E402
from kamlab import format as fmt  # noqa: E402
from kamlab.widgets.apa import apa_panel  # noqa: E402
from kamlab.widgets.common import Workbench  # noqa: E402


@pytest.fixture
def panel(small):
    return apa_panel(small)


def _expected(ds, multipliers, coc):
    return apa.pnl_totals(apa.account_pnl(apa.with_activity_rates(ds, multipliers), cost_of_capital=coc))


def test_panel_starts_at_baseline(panel, small):
    assert set(panel.activities) == set(small.activity_rates["activity"])
    assert panel.controls["cost_of_capital"].value == pytest.approx(0.10)
    base = apa.pnl_totals(apa.account_pnl(small))
    assert panel.totals["net_margin"] == pytest.approx(base["net_margin"])
    headline = fmt.money(base["net_margin"], small.currency, compact=True)    # the dataset's currency, k/M
    assert headline in panel.summary.value and "no change" in panel.summary.value
    whale, waterfall = panel.figure.axes
    assert whale.get_title().startswith("Whale curve") and len(whale.lines[0].get_xdata()) == len(small.accounts) + 1
    assert waterfall.get_title() == f"Price waterfall: {panel.controls['account'].value}"


def test_rate_slider_moves_the_total_as_account_pnl_says(panel, small):
    before = panel.totals["net_margin"]
    panel.controls["dedicated_team"].value = 2.0
    expected = _expected(small, {"dedicated_team": 2.0}, 0.10)
    assert panel.totals["net_margin"] == pytest.approx(expected["net_margin"])
    assert panel.totals["net_margin"] < before
    assert fmt.money(expected["net_margin"], small.currency, compact=True) in panel.summary.value
    change = fmt.money(expected["net_margin"] - before, small.currency, compact=True)
    assert change in panel.summary.value  # the change vs baseline
    from kamlab.plots.style import PALETTE

    assert f'color:{PALETTE["gain"]}' not in panel.summary.value  # a cost up and a margin down: all red


def test_cost_of_capital_moves_terms_cost(panel, small):
    panel.controls["cost_of_capital"].value = 0.20
    expected = _expected(small, {}, 0.20)
    assert panel.totals["terms_cost"] == pytest.approx(expected["terms_cost"])
    assert panel.totals["net_margin"] == pytest.approx(expected["net_margin"])


def test_account_chooser_and_table(panel, small):
    accounts = [v for _, v in panel.controls["account"].options]
    assert len(accounts) == len(small.accounts)
    panel.controls["account"].value = accounts[-1]
    assert panel.figure.axes[1].get_title() == f"Price waterfall: {accounts[-1]}"
    worst = panel.pnl["net_margin"].idxmin()
    assert worst in panel.table.value


def test_panel_follows_the_workbench(small):
    wb = Workbench(dataset=small)
    p = apa_panel(wb)
    p.controls["travel"].value = 3.0
    changed = apa.with_activity_rates(small, 1.5)
    wb.dataset = changed
    assert p.controls["travel"].value == 1.0  # controls reset to the new data's own rates
    assert p.totals["net_margin"] == pytest.approx(apa.pnl_totals(apa.account_pnl(changed))["net_margin"])


def test_loss_making_company_shows_a_message_not_a_traceback(small):
    costly = apa.with_activity_rates(small, 20.0)
    panel = apa_panel(costly)
    panel._draw()  # raises nothing
    assert panel.totals["net_margin"] < 0
    assert "No whale curve" in panel.figure.axes[0].texts[0].get_text()
