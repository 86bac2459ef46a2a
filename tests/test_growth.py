"""Growth: share of wallet, cross-sell, the Wallet Allocation Rule, price-volume-mix, joint business plans."""
from __future__ import annotations

import math

import numpy as np
import pytest
from test_rationalization import make_ds

from kamlab import growth as gr
from kamlab.data import DataError


@pytest.fixture
def two_year():
    # 2024: A buys 100 x P1 at 10 and 100 x P2 at 20; 2025: 120 x P1 at 11 and 60 x P2 at 20.
    # B buys only P1 in 2025, 400 at 9 with 100 of freight.
    lines = [("2024-03-01", "A", "P1", 100, 10.0), ("2024-03-01", "A", "P2", 100, 20.0),
             ("2025-03-01", "A", "P1", 120, 11.0), ("2025-03-01", "A", "P2", 60, 20.0),
             ("2025-04-01", "B", "P1", 400, 9.0, 0.0, 100.0)]
    return make_ds(lines, [("2025-01-01", "A", "order_processing", 1)])


# ---------------------------------------------------------------- literature checks

def test_wallet_allocation_rule():
    assert round(gr.wallet_allocation_share(1, 2), 4) == 0.6667
    assert round(gr.wallet_allocation_share(2, 2), 4) == 0.3333
    assert gr.wallet_allocation_share(1, 1) == 1.0
    for n in (2, 3, 5, 10):
        assert gr.wallet_allocation_share(np.arange(1, n + 1), n).sum() == pytest.approx(1.0)
    # the paper's table: 3 brands -> 50%, 33.3%, 16.7%
    assert gr.wallet_allocation_share(np.array([1, 2, 3]), 3) == pytest.approx([0.5, 1 / 3, 1 / 6])
    with pytest.raises(DataError, match="rank"):
        gr.wallet_allocation_share(3, 2)


def test_price_volume_mix_hand_worked():
    # R0 = 10*100 + 20*100 = 3000; R1 = 11*120 + 20*60 = 2520; total -480
    # price = (11-10)*120 = 120; volume = (180-200) * 3000/200 = -300; mix = (10*120+20*60) - 180*15 = -300
    r = gr.price_volume_mix([10, 20], [100, 100], [11, 20], [120, 60], items=["P1", "P2"])
    assert (r.total, r.price, r.volume, r.mix) == (-480, 120, -300, -300)
    assert r.by_item.loc["P1", ["price", "volume", "mix"]].tolist() == pytest.approx([120, -100, 300])
    assert "mix" in r._repr_html_()


@pytest.mark.parametrize("seed", range(20))
def test_price_volume_mix_adds_up_exactly(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 8)
    p0, p1 = rng.uniform(1, 50, n), rng.uniform(1, 50, n)
    q0, q1 = rng.integers(0, 300, n).astype(float), rng.integers(0, 300, n).astype(float)
    q0[0], q1[-1] = max(q0[0], 1), max(q1[-1], 1)
    r = gr.price_volume_mix(p0, q0, p1, q1)
    assert r.price + r.volume + r.mix == pytest.approx(r.total, abs=1e-6)
    assert r.by_item[["price", "volume", "mix"]].sum(axis=1).to_numpy() == pytest.approx(r.by_item["total"].to_numpy())


def test_price_volume_mix_new_item_is_all_mix():
    r = gr.price_volume_mix([10, 99], [100, 0], [10, 5], [100, 20])
    assert r.by_item.loc[1, ["price", "volume", "mix"]].tolist() == [0, 0, 100]
    with pytest.raises(DataError):
        gr.price_volume_mix([1], [0], [1], [1])


def test_period_price_volume_mix_on_a_dataset(two_year):
    r = gr.period_price_volume_mix(two_year, account_id="A")
    assert (r.total, r.price, r.volume, r.mix) == pytest.approx((-480, 120, -300, -300))
    m = gr.period_price_volume_mix(two_year, account_id="A", measure="margin")
    # unit margins 4 and 10 -> 5 and 10: 2024 margin 1400, 2025 margin 1200
    assert m.total == pytest.approx(-200) and m.price == pytest.approx(120)
    assert m.price + m.volume + m.mix == pytest.approx(m.total)
    with pytest.raises(DataError, match="two years"):
        gr.period_price_volume_mix(two_year, years=(2023, 2025))


# ---------------------------------------------------------------- share of wallet and cross-sell

def test_share_of_wallet(two_year):
    sow = gr.share_of_wallet(two_year).set_index(["account_id", "product_line"])
    assert sow.loc[("A", "L1"), "sales"] == 1320 and sow.loc[("A", "L1"), "wallet"] == 20000
    assert sow.loc[("A", "L1"), "share"] == pytest.approx(1320 / 20000)
    assert sow.loc[("B", "L2"), "sales"] == 0 and sow.loc[("B", "L2"), "headroom"] == 20000
    # 2025 line margins: L1 pocket 1320 + 3600 - 100 = 4820, cogs 520*6 = 3120, on sales 4920
    m1 = (4820 - 3120) / 4920
    assert sow.loc[("A", "L1"), "margin_pct"] == pytest.approx(m1)
    assert sow.loc[("A", "L2"), "margin_pct"] == pytest.approx(0.5)
    assert sow.loc[("A", "L2"), "weighted_headroom"] == pytest.approx((20000 - 1200) * 0.5)
    acc = gr.share_of_wallet(two_year, by="account").set_index("account_id")
    assert acc.loc["A", "share"] == pytest.approx(2520 / 40000)
    assert acc["headroom"].sum() == pytest.approx(sow["headroom"].sum())
    assert gr.share_of_wallet(two_year, year=2024).set_index(["account_id", "product_line"]).loc[("A", "L1"), "sales"] == 1000
    with pytest.raises(DataError, match="year"):
        gr.share_of_wallet(two_year, year=1999)


def test_cross_sell_ranked_by_margin_weighted_headroom(two_year):
    opp = gr.cross_sell_opportunities(two_year, top=None)
    assert opp["weighted_headroom"].is_monotonic_decreasing
    # B: 20000 of headroom in L2 at 50% margin beats 16400 in L1 at 35%: the high-margin line first
    assert opp.iloc[0][["account_id", "product_line"]].tolist() == ["B", "L2"]
    assert opp["rank"].tolist() == list(range(1, len(opp) + 1))
    assert len(gr.cross_sell_opportunities(two_year, top=2)) == 2
    assert set(gr.cross_sell_opportunities(two_year, account_id="A")["account_id"]) == {"A"}


# ---------------------------------------------------------------- joint business plan

def test_jbp_value_both_must_win():
    inits = [gr.Initiative("VMI", supplier_one_off=30_000, supplier_yearly_gain=20_000, customer_yearly_gain=25_000,
                           customer_one_off=10_000),
             {"name": "Exclusive promo", "supplier_yearly_cost": 40_000, "supplier_yearly_gain": 30_000,
              "customer_yearly_gain": 50_000}]
    v = gr.jbp_value(inits, years=3, discount_rate=0.10)
    t = v.table.set_index("name")
    annuity = 1 / 1.1 + 1 / 1.1 ** 2 + 1 / 1.1 ** 3
    assert t.loc["VMI", "supplier_npv"] == pytest.approx(-30_000 + 20_000 * annuity)
    assert t.loc["VMI", "customer_payback"] == pytest.approx(0.4)
    assert t.loc["VMI", "mutual"] and not t.loc["Exclusive promo", "mutual"]
    assert math.isinf(t.loc["Exclusive promo", "supplier_payback"])
    assert v.supplier_npv == pytest.approx(t["supplier_npv"].sum())
    assert v.both_win == (v.supplier_npv > 0 and v.customer_npv > 0)
    lose = gr.jbp_value([{"name": "Giveaway", "supplier_one_off": 1000, "customer_yearly_gain": 500}])
    assert not lose.both_win and "one side loses" in lose._repr_html_()


def test_jbp_bad_input():
    with pytest.raises(DataError, match="unknown initiative"):
        gr.jbp_value([{"name": "x", "savings": 1}])
    with pytest.raises(DataError, match=">= 0"):
        gr.jbp_value([{"name": "x", "supplier_yearly_gain": -5}])
    with pytest.raises(DataError):
        gr.jbp_value([])


def test_share_of_wallet_on_generated_data(small):
    sow = gr.share_of_wallet(small)
    assert len(sow) == len(small.wallets.groupby(["account_id", "product_line"]))
    assert (sow["headroom"] >= 0).all() and sow["share"].between(0, 5).all()


# ---------------------------------------------------------------- plots

def test_plots_draw_what_they_should(two_year):
    import matplotlib.pyplot as plt

    from kamlab.plots import growth as pg

    fig, axes = plt.subplots(2, 2)
    sow = gr.share_of_wallet(two_year)
    ax = pg.plot_share_of_wallet(sow, ax=axes[0, 0])
    assert ax is axes[0, 0] and len(ax.patches) == 2 * len(sow)
    assert ax.patches[0].get_width() == pytest.approx(sow.sort_values("wallet", ascending=False, kind="stable")["sales"].iloc[0])
    opp = gr.cross_sell_opportunities(two_year, top=3)
    ax = pg.plot_cross_sell(opp, ax=axes[0, 1])
    assert ax is axes[0, 1] and [t.get_text() for t in ax.get_yticklabels()][0] == "B · L2"
    pvm = gr.price_volume_mix([10, 20], [100, 100], [11, 20], [120, 60])
    ax = pg.plot_price_volume_mix(pvm, ax=axes[1, 0])
    heights = [p.get_height() for p in ax.patches]
    assert ax is axes[1, 0] and heights == pytest.approx([3000, 120, -300, -300, 2520])
    v = gr.jbp_value([{"name": "VMI", "supplier_yearly_gain": 10.0, "customer_yearly_gain": 5.0},
                      {"name": "Bad", "supplier_one_off": 50.0, "customer_yearly_gain": 5.0}])
    ax = pg.plot_jbp(v, ax=axes[1, 1])
    assert ax is axes[1, 1] and "one side loses" in ax.get_title()
    assert {t.get_text() for t in ax.texts} == {"VMI", "Bad"}
    plt.close(fig)
