"""Negotiation maths: the literature's numbers, the algebra against direct calculations, the ledger."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import negotiation as ng
from kamlab.data import DataError


# ------------------------------------------------------------------------------------------ price defence
@pytest.mark.parametrize("dp, cm, expected", [(-0.10, 0.40, 1 / 3), (0.10, 0.30, -0.25), (-0.05, 0.25, 0.25)])
def test_breakeven_matches_nagle_holden(dp, cm, expected):
    assert ng.breakeven_volume_change(dp, cm) == pytest.approx(expected, rel=1e-9)


def test_breakeven_leaves_contribution_unchanged():
    price, unit_cost, q0 = 10.0, 6.0, 1000.0
    for dp in (-0.15, -0.05, 0.08):
        change = ng.breakeven_volume_change(dp, (price - unit_cost) / price)
        new = (price * (1 + dp) - unit_cost) * q0 * (1 + change)
        assert new == pytest.approx((price - unit_cost) * q0, rel=1e-12)


def test_breakeven_fixed_cost_term_matches_direct_contribution():
    # money per unit: price 10, variable cost 6 (CM 4), cut 1, plus a 300 campaign; 1000 units today
    cm, dp, dfc, q0 = 4.0, -1.0, 300.0, 1000.0
    change = ng.breakeven_volume_change(dp, cm, fixed_cost_change=dfc, base_volume=q0)
    # Nagle & Holden in units: -dP*Q0/(CM+dP) + dFC/(CM+dP) = 333.33 + 100
    assert change * q0 == pytest.approx(-dp * q0 / (cm + dp) + dfc / (cm + dp))
    direct = (cm + dp) * q0 * (1 + change) - dfc
    assert direct == pytest.approx(cm * q0, rel=1e-12)
    assert change == pytest.approx(0.43333, abs=1e-5)


def test_breakeven_vectorised_and_errors():
    out = ng.breakeven_volume_change(np.array([-0.1, 0.1]), 0.4)
    assert out == pytest.approx([1 / 3, -0.2])
    with pytest.raises(DataError, match="variable cost"):
        ng.breakeven_volume_change(-0.5, 0.4)
    with pytest.raises(DataError, match="base_volume"):
        ng.breakeven_volume_change(-1.0, 4.0, fixed_cost_change=100.0)
    with pytest.raises(DataError):
        ng.breakeven_volume_change(-0.1, 0.0)


def test_reactive_breakeven_is_indifference_point():
    cm, dp = 0.25, -0.05
    dq = ng.reactive_breakeven(dp, cm)
    assert dq == pytest.approx(-0.20)
    assert cm * (1 + dq) == pytest.approx(cm + dp)  # not matching (lose dq) == matching (keep volume)
    with pytest.raises(DataError):
        ng.reactive_breakeven(-0.3, 0.25)


def test_breakeven_table_grid():
    t = ng.breakeven_table([0.2, 0.3, 0.4], [-0.25, -0.1, 0.0, 0.1])
    assert t.shape == (3, 4) and t.index.name == "contribution_margin" and t.columns.name == "price_change"
    assert t.loc[0.4, -0.1] == pytest.approx(1 / 3) and t.loc[0.3, 0.1] == pytest.approx(-0.25)
    assert np.isnan(t.loc[0.2, -0.25]) and t.loc[0.2, 0.0] == 0.0
    with pytest.raises(DataError):
        ng.breakeven_table([], [0.1])


# ------------------------------------------------------------------------------------------ payment terms
def test_cash_discount_cost_brigham_ehrhardt():
    assert round(ng.cash_discount_cost(0.02, 10, 30), 4) == 0.3724
    assert round(ng.cash_discount_cost(0.02, 10, 30, days_in_year=360), 4) == 0.3673
    assert round(ng.cash_discount_cost(0.02, 10, 30, compound=True), 4) == 0.4459
    with pytest.raises(DataError, match="net_days"):
        ng.cash_discount_cost(0.02, 30, 10)
    with pytest.raises(DataError, match="percents"):
        ng.cash_discount_cost(2, 10, 30)


def test_terms_cost_simple_and_pv():
    assert ng.terms_cost(365_000, 30, 0.10) == pytest.approx(3000.0)
    pv = ng.terms_cost(100_000, 365, 0.10, method="pv")
    assert pv == pytest.approx(100_000 - 100_000 / 1.10)
    assert ng.terms_cost(100_000, -30, 0.10) < 0
    assert ng.terms_cost([1000, 2000], 30, 0.1).shape == (2,)
    with pytest.raises(DataError, match="method"):
        ng.terms_cost(1, 1, 0.1, method="compound")


# ------------------------------------------------------------------------------------------ escalators
def test_escalator_level_price_times_annuity_is_pv():
    s = ng.escalator_schedule(100.0, 5, escalator=0.04, discount_rate=0.08)
    assert s.prices.tolist() == pytest.approx([100 * 1.04 ** t for t in range(5)])
    assert s.total == pytest.approx(sum(100 * 1.04 ** t for t in range(5)))
    assert s.level_price * ng.annuity_factor(5, 0.08) == pytest.approx(s.present_value)
    direct = sum(100 * 1.04 ** t / 1.08 ** (t + 1) for t in range(5))
    assert s.present_value == pytest.approx(direct)
    assert s.prices.iloc[0] < s.level_price < s.prices.iloc[-1]
    assert "present value" in s._repr_html_()
    assert s.to_frame()["present_value"].sum() == pytest.approx(s.present_value)


def test_escalator_index_with_collar():
    s = ng.escalator_schedule(50.0, 4, index=[0.10, -0.04, 0.02, 0.9], floor=0.0, cap=0.05)
    assert s.escalations.tolist() == pytest.approx([0.0, 0.05, 0.0, 0.02])
    assert s.prices.tolist() == pytest.approx([50, 52.5, 52.5, 53.55])
    zero = ng.escalator_schedule(50.0, 4, escalator=0.03)
    assert zero.level_price == pytest.approx(zero.total / 4)  # no discounting: level = average
    with pytest.raises(DataError, match="index"):
        ng.escalator_schedule(50.0, 4, index=[0.1])
    with pytest.raises(DataError, match="floor"):
        ng.escalator_schedule(50.0, 3, escalator=0.02, floor=0.05, cap=0.01)


# ------------------------------------------------------------------------------------------------- SLA
def test_sla_cost_expected_penalty_and_capacity():
    c = ng.sla_cost(5_000, 0.02, capacity_cost=8_000, periods_per_year=12)
    assert c.expected_penalty == pytest.approx(1_200) and c.total == pytest.approx(9_200) and float(c) == c.total
    capacity = ng.capacity_for_service_level(0.98, 1000, 100)
    assert ng.breach_probability(capacity, 1000, 100) == pytest.approx(0.02)
    assert ng.breach_probability(900, 1000, 0) == 1.0
    with pytest.raises(DataError):
        ng.sla_cost(100, 1.5)
    with pytest.raises(DataError):
        ng.capacity_for_service_level(1.0, 10, 1)


# ---------------------------------------------------------------------------------------- give-get ledger
BASE = ng.DealTerms(price=10.0, unit_cost=6.0, volume=10_000, payment_days=30, cost_of_capital=0.10)


def test_yearly_margin_direct():
    expected = (10 - 6) * 10_000 - 100_000 * 0.10 * 30 / 365
    assert BASE.yearly_margin() == pytest.approx(expected)


def test_deal_effects_add_up_and_show_trades():
    deal = (ng.Deal().give("price", -0.03, trade="volume").get("volume", 0.10, trade="volume")
            .give("payment_days", 30).give("sla", 2_000, trade="years").get("contract_years", 2, trade="years")
            .get("escalator", 0.02, trade="years").give("rebate", 0.01).give("delivery", 500))
    e = deal.margin_effect(BASE)
    t = e.table
    assert len(t) == 8 and t["margin_effect"].sum() == pytest.approx(e.net_effect)
    assert e.net_effect == pytest.approx(e.deal_margin - e.base_margin)
    assert e.given_away + e.traded + e.gets == pytest.approx(e.net_effect)
    assert t["status"].tolist()[:3] == ["traded for volume", "get", "given away"]
    # the price cut alone: -3% of 100,000 revenue less its lower terms cost
    assert t.loc[0, "margin_effect"] == pytest.approx(-3_000 + 3_000 * 0.10 * 30 / 365)
    assert t.loc[2, "margin_effect"] == pytest.approx(-9.7 * 11_000 * 0.10 * 30 / 365)
    assert e.given_away < 0 and "Net margin effect" in e._repr_html_()


def test_untraded_give_is_given_away_and_gets_need_matching_trade():
    e = ng.Deal().give("price", -0.02, trade="nothing").margin_effect(BASE)
    assert e.table["status"].tolist() == ["given away"] and e.traded == 0.0


def test_multi_year_escalator_against_cost_inflation():
    base = ng.DealTerms(price=10.0, unit_cost=6.0, volume=1000, payment_days=0, years=3, cost_inflation=0.04)
    flat = base.yearly_margin()
    better = ng.Deal().get("escalator", 0.04).margin_effect(base)
    assert better.net_effect > 0 and better.deal_margin > flat


def test_concession_validation():
    with pytest.raises(DataError, match="unknown concession"):
        ng.Deal().give("discount", -0.1)
    with pytest.raises(DataError):
        ng.Deal().give("price", -0.1).margin_effect({"price": 10})
    with pytest.raises(DataError):
        ng.DealTerms(price=-1, unit_cost=1, volume=1)


def _toy_dataset():
    from kamlab.data import Dataset

    accounts = pd.DataFrame({"account_id": ["A1"], "payment_terms_days": [45]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "unit_cost": [6.0, 3.0]})
    lines = pd.DataFrame({"account_id": ["A1"] * 3, "product_id": ["P1", "P2", "P1"],
                          "invoice_date": pd.to_datetime(["2023-01-01", "2024-03-01", "2024-06-01"]),
                          "quantity": [100.0, 200.0, 100.0], "invoice_price": [9.0, 5.0, 10.0],
                          "off_invoice": [0.0, 20.0, 0.0], "freight_cost": [0.0, 10.0, 10.0]})
    empty = pd.DataFrame()
    return Dataset(accounts=accounts, products=products, order_lines=lines, activities=empty,
                   activity_rates=empty, payments=empty, wallets=empty)


def test_deal_terms_for_account_from_last_year():
    t = ng.deal_terms_for_account(_toy_dataset(), "A1")
    assert t.volume == 300 and t.price == pytest.approx(2000 / 300)
    assert t.unit_cost == pytest.approx((600 + 600 + 20) / 300)
    assert t.rebate == pytest.approx(0.01) and t.payment_days == 45
    with pytest.raises(DataError, match="A9"):
        ng.deal_terms_for_account(_toy_dataset(), "A9")


# ------------------------------------------------------------------------------------------------- plots
def test_plot_breakeven_draws_one_curve_per_margin():
    import matplotlib.pyplot as plt

    from kamlab.plots.negotiation import plot_breakeven

    fig, ax = plt.subplots()
    table = ng.breakeven_table([0.3, 0.4], np.linspace(-0.2, 0.2, 9))
    assert plot_breakeven(table, ax=ax, highlight=(-0.1, 1 / 3)) is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert "margin 30%" in labels and "margin 40%" in labels
    curve = ax.get_lines()[1]
    assert curve.get_ydata()[2] == pytest.approx(1 / 3)  # price -10% at 40%
    assert any("volume" in t.get_text() for t in ax.texts)


def test_plot_escalator_bars_and_level_line():
    import matplotlib.pyplot as plt

    from kamlab.plots.negotiation import plot_escalator

    s = ng.escalator_schedule(100.0, 4, escalator=0.05, discount_rate=0.1)
    fig, ax = plt.subplots()
    assert plot_escalator(s, ax=ax) is ax
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(s.prices.tolist())
    assert any(line.get_ydata()[0] == pytest.approx(s.level_price) for line in ax.get_lines())


def test_plot_give_get_waterfall_ends_at_deal_margin():
    import matplotlib.pyplot as plt

    from kamlab.plots.negotiation import plot_give_get

    e = (ng.Deal().give("price", -0.03, trade="v").get("volume", 0.1, trade="v").give("payment_days", 30)
         .margin_effect(BASE))
    fig, ax = plt.subplots()
    assert plot_give_get(e, ax=ax) is ax
    bars = ax.patches
    assert len(bars) == 5 and bars[-1].get_height() == pytest.approx(e.deal_margin)
    assert bars[3].get_hatch() == "//"  # the payment days were given away
    assert bars[1].get_height() == pytest.approx(e.table["margin_effect"][0])


def test_plot_negotiation_history():
    import matplotlib.pyplot as plt

    from kamlab import roleplay as rp
    from kamlab.plots.negotiation import plot_negotiation

    sim = rp.BuyerSimulator("price_only_procurement", seed=0)
    for price in (99, 95, 92, 90, 88):
        sim.offer(price=price, payment_days=60)
        if sim.done:
            break
    fig, ax = plt.subplots()
    assert plot_negotiation(sim.history, zopa=sim.profile.zopa, ax=ax) is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert "your offer" in labels and "buyer's counter" in labels
    assert ax.get_lines()[0].get_ydata().tolist()[:2] == [99, 95]
    assert len(ax.patches) == 1  # the ZOPA band


def test_sla_cost_curve_and_plot():
    import matplotlib.pyplot as plt

    from kamlab.plots.negotiation import plot_sla_cost

    curve = ng.sla_cost_curve([0.85, 0.95, 0.99], 5_000, demand_mean=1000, demand_sd=150, capacity_unit_cost=40)
    assert curve["expected_penalty"].is_monotonic_decreasing and curve["capacity_cost"].is_monotonic_increasing
    assert (curve["total"] == curve["expected_penalty"] + curve["capacity_cost"]).all()
    fig, ax = plt.subplots()
    assert plot_sla_cost(curve, current=0.95, ax=ax) is ax
    assert len(ax.collections) == 2 and ax.get_lines()[0].get_xdata()[0] == 0.95


def test_account_margin_reconciles_with_the_account_pnl(small):
    apa = pytest.importorskip("kamlab.apa")
    pnl = apa.account_pnl(small)
    for account in small.accounts["account_id"].head(4):
        t = ng.deal_terms_for_account(small, account, last_months=None)
        r = pnl.loc[account]
        expected = (r["invoice_revenue"] - r["off_invoice"] - r["freight"] - r["cogs"]) / r["invoice_revenue"]
        assert t.contribution_margin == pytest.approx(expected, rel=1e-9)
