"""Negotiation panels driven headlessly: set a control, click a button, assert what the panel shows."""
from __future__ import annotations

import dataclasses

import pytest

from kamlab import negotiation as ng
from kamlab import roleplay as rp
from kamlab.widgets import negotiation as wn
from kamlab.widgets.common import Workbench

SHOWN: dict[int, list] = {}


@pytest.fixture(autouse=True)
def _capture(monkeypatch):
    """Outside a kernel an Output captures nothing: record what each panel's output would show instead
    (the figure drawn, or the error message `refresh` would put in its error box)."""
    import matplotlib.pyplot as plt

    current: list = []

    def refresh(out, draw):
        SHOWN[id(out)] = current.clear() or []
        try:
            draw()
        except (ValueError, KeyError, TypeError) as err:
            SHOWN[id(out)].append(("error", str(err)))
        SHOWN[id(out)].extend(("figure", f) for f in current)

    def show_figure(fig):
        current.append([t.get_text() for ax in fig.axes for t in (ax.title,)])
        plt.close(fig)

    monkeypatch.setattr(wn, "refresh", refresh)
    monkeypatch.setattr(wn, "show_figure", show_figure)
    yield
    SHOWN.clear()


def _figures(panel) -> int:
    return sum(1 for kind, _ in SHOWN.get(id(panel.out), []) if kind == "figure")


def _errors(panel) -> str:
    return " ".join(msg for kind, msg in SHOWN.get(id(panel.out), []) if kind == "error")


def test_price_defence_panel_sliders_drive_breakeven():
    p = wn.price_defence_panel()
    p.controls["margin"].value = 0.40
    p.controls["price_change"].value = -0.10
    assert p.result == pytest.approx(1 / 3)
    assert "33.3%" in p.summary.value and _figures(p) == 1
    p.controls["price_change"].value = 0.10
    assert p.result == pytest.approx(-0.2) and "can lose" in p.summary.value
    p.controls["margin"].value = 0.05
    p.controls["price_change"].value = -0.10
    assert "does not cover variable cost" in _errors(p)


def test_price_defence_follows_account_and_scenario(small):
    wb = Workbench(dataset=small)
    p = wn.price_defence_panel(wb)
    account = p.controls["account"].options[1][1]
    p.controls["account"].value = account
    cm = ng.deal_terms_for_account(small, account).contribution_margin
    assert p.controls["margin"].value == pytest.approx(round(cm, 2))
    assert p.result == pytest.approx(ng.breakeven_volume_change(-0.05, round(cm, 2)))
    from kamlab import scenarios

    wb.dataset = scenarios.procurement_discount(small, discount=0.05, top_n=len(small.accounts))
    lower = ng.deal_terms_for_account(wb.dataset, account).contribution_margin
    assert lower < cm and p.controls["margin"].value == pytest.approx(round(lower, 2))


def test_give_get_panel_ledger(small):
    p = wn.give_get_panel(small)
    assert p.controls["account"].value is not None
    before = p.result.net_effect
    p.controls["volume"].value = 0.20  # a bigger commitment is a better deal
    assert p.result.net_effect > before
    p.controls["price_traded"].value = False
    assert "given away" in p.result.table["status"].tolist()
    p.controls["payment_days"].value = 30
    assert p.result.table["kind"].tolist()[:2] == ["price", "payment_days"]
    assert "Net margin effect" in p.summary.value and _figures(p) == 1


def test_give_get_panel_without_data_uses_example():
    p = wn.give_get_panel()
    assert p.base().price == 10.0
    for name in ("price", "volume"):
        p.controls[name].value = 0.0
    assert p.result is None and "Move a give" in p.summary.value


def test_terms_panel_shows_literature_numbers(small):
    p = wn.terms_panel(small)
    assert p.result["cash_discount_cost"] == pytest.approx(0.37245, abs=1e-5) and "37.2%" in p.summary.value
    p.controls["compound"].value = True
    assert "44.6%" in p.summary.value
    p.controls["invoice_value"].value = 365_000.0
    p.controls["extra_days"].value = 30
    assert p.result["terms_cost"] == pytest.approx(3_000.0)
    from kamlab import scenarios

    # a fresh table object: Workbench compares Datasets by their tables, so a meta-only change is silent
    changed = scenarios.cost_of_capital_up(small)
    p.wb.dataset = changed.replace(accounts=changed.accounts.copy())
    assert p.controls["cost_of_capital"].value == pytest.approx(0.15)
    assert p.result["terms_cost"] == pytest.approx(4_500.0)


def test_sla_panel_prices_the_promise():
    p = wn.sla_panel()
    low = p.result.total
    p.controls["service_level"].value = 0.99
    assert p.result.breach_probability == pytest.approx(0.01)
    assert p.result.total != low and "per unit" in p.summary.value and _figures(p) == 1


def test_escalator_panel_fixed_and_index():
    p = wn.escalator_panel(first_price=100.0, years=3)
    p.controls["escalator"].value = 0.03
    p.controls["discount_rate"].value = 0.10
    assert p.result.prices.round(2).tolist() == [100.0, 103.0, 106.09]
    p.controls["index"].value = "8, -1"
    p.controls["floor"].value = 0.0
    p.controls["cap"].value = 0.05
    p.controls["use_index"].value = True
    assert p.result.prices.round(2).tolist() == [100.0, 105.0, 105.0]
    p.controls["index"].value = "eight"
    assert "comma" in _errors(p)


def test_roleplay_panel_plays_to_the_end():
    p = wn.roleplay_panel(profile="price_only_procurement", seed=0)
    assert "walk-away" in p.intro.value
    prices = [99.0, 95.0, 92.0, 90.0, 88.0, 86.0]
    for price in prices:
        p.controls["price"].value = price
        p.controls["payment_days"].value = 60
        p.button.click()
        if p.button.disabled:
            break
    assert p.sim.done and p.button.disabled
    assert "Concessions traded" in p.scorecard.value and "Round" in p.last.value
    assert p.history_log.value.count("<tr>") == p.sim.round + 1 and _figures(p) == 1


def test_roleplay_panel_bad_offer_and_new_game():
    p = wn.roleplay_panel(profile="big_box_retailer", seed=3)
    p.controls["price"].value = -1.0
    p.button.click()
    assert "price must be" in _errors(p) and p.sim.round == 0
    p.controls["price"].value = 95.0
    p.button.click()
    assert p.sim.round == 1 and "service-level" in p.last.value
    p.new_game.click()
    assert p.sim.round == 0 and p.history_log.value == ""
    p.controls["profile"].value = "random"
    assert p.sim.profile == rp.random_profile(3)


def test_roleplay_panel_trainer_profile():
    prof = dataclasses.replace(rp.profile("partnership_buyer"), reservation_price=150.0, opening_price=140.0)
    p = wn.roleplay_panel(profile=prof, seed=1)
    p.controls["price"].value = 120.0
    p.controls["years"].value = 3
    p.controls["payment_days"].value = 45
    p.controls["sla"].value = True
    p.button.click()
    assert p.sim.outcome == "deal" and "accept" in p.last.value


def test_page_header_scenarios_drive_the_panels():
    from kamlab.widgets import app

    header = app.workbench(seed=7)
    terms, defence = wn.terms_panel(header), wn.price_defence_panel(header)
    defence.controls["account"].value = defence.controls["account"].options[1][1]
    margin = defence.controls["margin"].value
    header.scenario.value = "cost of capital up"
    assert terms.controls["cost_of_capital"].value == pytest.approx(0.15)
    header.scenario.value = "procurement demands 5% off"
    assert terms.controls["cost_of_capital"].value == pytest.approx(0.10)
    assert defence.controls["margin"].value < margin  # the largest account's margin fell with its prices
