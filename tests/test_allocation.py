"""kamlab.allocation and its plots: knapsack allocation, service tiers, compensation."""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kamlab import allocation as al
from kamlab import value
from kamlab.data import DataError
from kamlab.plots import allocation as pal


def test_engineering_case_greedy_vs_optimal():
    req, cap = al.engineering_case()
    g = al.allocate(req, cap, method="greedy")
    o = al.allocate(req, cap, method="optimal")
    assert g.selected == ["B", "D"] and g.total_value == 140_000 and g.used == 250
    assert sorted(o.selected) == ["A", "D"] and o.total_value == 170_000 and o.used == 500
    f = al.allocate(req, cap, method="fractional")
    assert f.total_value == pytest.approx(90_000 + 50_000 + 120_000 * 250 / 400) and f.used == 500


def _brute(req, cap):
    n = len(req)
    pick = np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)  # every subset
    ok = pick @ req["need"].to_numpy() <= cap
    return float((pick @ req["value"].to_numpy())[ok].max())


@pytest.mark.parametrize("seed", range(5))
def test_optimal_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    req = pd.DataFrame({"id": [f"r{i}" for i in range(10)], "value": rng.integers(1, 100, 10) * 1000.0,
                        "need": rng.integers(10, 200, 10).astype(float)})
    cap = float(rng.integers(100, 600))
    o = al.allocate(req, cap)
    assert o.total_value == pytest.approx(_brute(req, cap)) and o.used <= cap
    g = al.allocate(req, cap, method="greedy")
    assert g.total_value <= o.total_value + 1e-9 and g.used <= cap
    frac = req.assign(need=req["need"] + 0.5)  # non-integer needs: the MILP path
    assert al.allocate(frac, cap).total_value == pytest.approx(_brute(frac, cap))


def test_allocate_inputs():
    assert al.allocate({"x": (10, 5), "y": (-3, 1)}, 10).selected == ["x"]
    with pytest.raises(DataError, match="method"):
        al.allocate(al.engineering_case()[0], 10, method="best")
    with pytest.raises(DataError, match="need"):
        al.allocate(pd.DataFrame({"id": ["a"], "value": [1.0], "need": [0.0]}), 10)
    with pytest.raises(DataError, match="missing"):
        al.allocate(pd.DataFrame({"id": ["a"], "value": [1.0]}), 10)


def test_engineering_requests(small):
    req = al.engineering_requests(small, value.risk_adjusted_score(small))
    assert {"id", "value", "need"} <= set(req.columns) and (req["need"] > 0).all()
    assert al.allocate(req, req["need"].sum() / 2).used <= req["need"].sum() / 2
    with pytest.raises(DataError, match="no activities"):
        al.engineering_requests(small, value.risk_adjusted_score(small), activity="yoga")


def test_service_tiers_thresholds_and_saving():
    s = pd.DataFrame({"score": [9.0, 5.0, 3.0, 1.0, 8.0], "service_tier": ["gold"] * 4 + ["platinum"]},
                     index=list("ABCDE"))
    t = al.service_tiers(s, thresholds={"platinum": 8, "gold": 4, "silver": 2})
    assert t.table["tier"].tolist() == ["platinum", "gold", "silver", "bronze", "platinum"]
    cost = al.ENTITLEMENTS["cost"]
    assert t.total_cost == 2 * cost["platinum"] + cost["gold"] + cost["silver"] + cost["bronze"]
    assert t.current_cost == 4 * cost["gold"] + cost["platinum"]
    assert t.saving == pytest.approx(t.current_cost - t.total_cost)
    assert t.summary.loc["platinum", "accounts"] == 2 and t.summary.loc["gold", "accounts_today"] == 4


def test_service_tiers_quantiles(small):
    s = value.risk_adjusted_score(small)
    t = al.service_tiers(s, quantiles={"platinum": 0.75, "gold": 0.5, "silver": 0.25})
    counts = t.summary["accounts"]
    assert counts.sum() == len(s) and counts["platinum"] == (s["score"] >= s["score"].quantile(0.75)).sum()
    with pytest.raises(DataError, match="unknown tiers"):
        al.service_tiers(s, thresholds={"diamond": 1})


def test_compensation_budget_neutral():
    pnl = pd.DataFrame({"invoice_revenue": [100.0, 300.0, 50.0], "gross_margin": [40.0, 15.0, -5.0],
                        "net_margin": [30.0, -20.0, -10.0]}, index=list("XYZ"))
    c = al.compensation_comparison(pnl)
    assert c.totals["pay_revenue"] == pytest.approx(4.5) and c.totals["pay_margin"] == pytest.approx(4.5)
    assert c.table.loc["Z", "pay_margin"] == 0  # no commission on negative margin
    assert c.table.loc["X", "difference"] > 0 > c.table.loc["Y", "difference"]
    assert c.totals["pay_on_losses_revenue"] == pytest.approx(3.5)
    assert c.totals["pay_on_losses_margin"] < c.totals["pay_on_losses_revenue"]
    fixed = al.compensation_comparison(pnl, {"rev": ("invoice_revenue", 0.02), "gm": ("gross_margin", 0.1)})
    assert fixed.rates == {"rev": 0.02, "gm": 0.1} and fixed.table.loc["X", "pay_gm"] == pytest.approx(4)


def test_compensation_on_apa(small):
    apa = pytest.importorskip("kamlab.apa")
    c = al.compensation_comparison(apa.account_pnl(small))
    assert c.totals["pay_margin"] == pytest.approx(c.totals["pay_revenue"])


# -- plots ------------------------------------------------------------------------------------------
def test_plot_allocations():
    fig, ax = plt.subplots()
    req, cap = al.engineering_case()
    res = [al.allocate(req, cap, method=m) for m in ("greedy", "optimal")]
    assert pal.plot_allocations(res, ax=ax) is ax
    assert len(ax.patches) == 4  # B, D and A, D
    assert "170k" in ax.get_title() and "140k" in ax.get_title()


def test_plot_service_tiers_sbg_npv_compensation(small):
    fig, axes = plt.subplots(2, 2)
    t = al.service_tiers(value.risk_adjusted_score(small))
    assert pal.plot_service_tiers(t, ax=axes[0, 0]) is axes[0, 0] and len(axes[0, 0].patches) == 8
    surv = [1000, 631, 468, 382, 326, 289, 262, 241]
    assert pal.plot_sbg(value.fit_sbg(surv), surv, ax=axes[0, 1]) is axes[0, 1]
    assert len(axes[0, 1].lines) == 3
    r = value.risk_adjusted_npv(100, [60, 60, 60], 0.8, 0.1)
    assert pal.plot_risk_adjusted_npv(r, ax=axes[1, 0]) is axes[1, 0] and len(axes[1, 0].patches) == 6
    pnl = pd.DataFrame({"invoice_revenue": [100.0, 300.0], "gross_margin": [40.0, 15.0]}, index=["X", "Y"])
    c = al.compensation_comparison(pnl)
    assert pal.plot_compensation(c, ax=axes[1, 1]) is axes[1, 1] and len(axes[1, 1].patches) == 2


def test_service_tiers_moves():
    s = pd.DataFrame({"score": [9.0, 1.0], "service_tier": ["silver", "platinum"]}, index=["A", "B"])
    t = al.service_tiers(s, thresholds={"platinum": 8, "gold": 6, "silver": 3})
    assert t.table["change"].tolist() == ["up", "down"]
    assert "1 accounts move up" in t._repr_html_()


def test_rank_and_tier_by_risk_adjusted_value_not_a_ratio(sample):
    """Ryals & Knox: a bigger loss never ranks above a smaller one (the old margin / cost-to-serve
    ratio did), and tiers follow risk-adjusted value, then what the margin can carry."""
    s = value.risk_adjusted_score(sample)
    assert s["risk_adjusted_margin"].is_monotonic_decreasing
    losers = s[s["risk_adjusted_margin"] < 0]
    assert (losers["rank"].diff().dropna() > 0).all() and losers["risk_adjusted_margin"].is_monotonic_decreasing
    t = al.service_tiers(s)
    top = s.index[0]
    assert t.table.loc[top, "tier"] == "platinum"
    assert t.table.loc[t.table["tier"] != "bronze", "affordable"].all()   # enforced: every tier above the last is carried
    assert (t.table.loc[s.index[s["margin_before_service"] < al.ENTITLEMENTS.loc["bronze", "cost"]], "tier"]
            == "bronze").all()
    loose = al.service_tiers(s, enforce_affordability=False)
    moved = (loose.table["tier"] != t.table["tier"]).sum()
    assert moved == (~loose.table["affordable"] & (loose.table["tier"] != "bronze")).sum()


def test_affordability_moves_an_account_down_to_the_tier_it_can_carry():
    s = pd.DataFrame({"score": [9.0, 5.0], "margin_before_service": [30_000.0, 100_000.0]}, index=["A", "B"])
    t = al.service_tiers(s, thresholds={"platinum": 8, "gold": 4, "silver": 2})
    assert t.table["tier"].tolist() == ["gold", "gold"] and t.table["affordable"].all()


def test_engineering_hours_are_valued_at_what_they_add(sample):
    """Not at the account's whole multi-year margin: at the yearly margin the hours protect."""
    s = value.risk_adjusted_score(sample)
    req = al.engineering_requests(sample, s).set_index("id")
    rate = sample.activity_rates.set_index("activity").loc["engineering_hours", "rate"]
    acc = req.index[0]
    expected = max(s.loc[acc, "net_margin"] + req.loc[acc, "need"] * rate, 0) * s.loc[acc, "churn_risk"]
    assert req.loc[acc, "value"] == pytest.approx(expected)
    deep = s.index[s["net_margin"] + req["need"].reindex(s.index).fillna(0) * rate < 0]
    assert (req.reindex(deep)["value"].dropna() == 0).all()          # a loss-maker's hours protect no margin
    old = al.engineering_requests(sample, s, value="risk_adjusted_margin").set_index("id")
    assert old["value"].sum() > req["value"].sum()
