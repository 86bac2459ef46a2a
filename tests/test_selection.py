"""kamlab.selection and its plots: scoring, rankings, sensitivity, AHP, portfolio matrices."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kamlab import selection as sel
from kamlab import synth
from kamlab.data import DataError
from kamlab.plots import selection as psel

CRIT = ["profitability", "potential", "size", "order_size", "low_maintenance_cost"]
W5 = dict(zip(CRIT, [0.35, 0.30, 0.15, 0.10, 0.10]))


@pytest.fixture
def five():
    rows = {"A": (8, 6, 9, 7, 4), "B": (6, 9, 5, 6, 7), "C": (9, 4, 7, 8, 6), "D": (5, 7, 8, 5, 8),
            "E": (4, 5, 6, 9, 9)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=CRIT).astype(float)


@pytest.fixture(scope="module")
def feats(small):
    return sel.account_features(small)


# -- the course's score example ---------------------------------------------------------------------
def test_score_five_accounts(five):
    s = score = sel.score(five, W5, normalize=None)
    assert list(s.index) == list("ABCDE")
    np.testing.assert_allclose(score["score"].to_numpy(), [7.05, 6.85, 6.80, 6.35, 5.60], atol=1e-9)
    assert score["rank"].tolist() == [1, 2, 3, 4, 5]


def test_score_does_not_mutate_and_keeps_inputs(five):
    before = five.copy()
    s = sel.score(five, W5, normalize=None)
    pd.testing.assert_frame_equal(five, before)
    assert set(CRIT) <= set(s.columns) and {"score", "rank"} <= set(s.columns)


def test_weights_are_normalised(five):
    a = sel.score(five, W5, normalize=None)["score"]
    b = sel.score(five, {k: v * 20 for k, v in W5.items()}, normalize=None)["score"]
    pd.testing.assert_series_equal(a, b)


@pytest.mark.parametrize("bad, match", [({"profitability": -0.1}, ">= 0"), ({"nope": 1}, "unknown"),
                                        ({"size": 0}, "zero"), ({}, "empty")])
def test_bad_weights_are_clear_errors(five, bad, match):
    with pytest.raises(DataError, match=match):
        sel.score(five, bad)


def test_bad_normalize(five):
    with pytest.raises(DataError, match="normalize"):
        sel.score(five, W5, normalize="zscore")


def test_minmax_and_cost_reversal():
    f = pd.DataFrame({"revenue": [10.0, 20.0, 30.0], "churn_risk": [0.1, 0.5, 0.3]}, index=list("xyz"))
    s = sel.score(f, {"revenue": 1, "churn_risk": 1})
    assert s.loc["x", "pts_revenue"] == 0 and s.loc["z", "pts_revenue"] == 10
    assert s.loc["x", "pts_churn_risk"] == 10 and s.loc["y", "pts_churn_risk"] == 0  # cost-type reversed
    s2 = sel.score(f, {"churn_risk": 1}, higher_is_better={"churn_risk": True})
    assert s2.index[0] == "y"


def test_rank_normalisation():
    f = pd.DataFrame({"v": [1.0, 100.0, 1000.0, 5.0]}, index=list("abcd"))
    s = sel.score(f, {"v": 1}, normalize="rank")
    assert s["score"].to_dict() == pytest.approx({"c": 10, "b": 20 / 3, "d": 10 / 3, "a": 0})


def test_tie_rule_top_criterion_then_id():
    # equal scores: the higher points on the most heavily weighted criterion wins, then the id
    f = pd.DataFrame({"p": [4.0, 6.0, 6.0], "q": [8.0, 5.0, 5.0]}, index=["b", "c", "a"])
    s = sel.score(f, {"p": 0.6, "q": 0.4}, normalize=None)  # b: 5.6, c: 5.6, a: 5.6
    assert np.allclose(s["score"], 5.6)
    assert list(s.index) == ["a", "c", "b"]


# -- features on the case data ----------------------------------------------------------------------
def test_account_features(small, feats):
    assert len(feats) == len(small.accounts) and feats.index.is_unique
    assert set(sel.CRITERIA) <= set(feats.columns)
    assert feats[list(sel.CRITERIA)].notna().all().all()
    assert feats["share_of_wallet"].between(0, 1).all() and feats["product_breadth"].between(0, 1).all()
    assert (feats["days_beyond_terms"] >= 0).all() and (feats["potential"] >= 0).all()
    lines = small.order_lines
    rev = (lines["quantity"] * lines["invoice_price"]).groupby(lines["account_id"]).sum()
    days = (lines["invoice_date"].max() - lines["invoice_date"].min()).days + 1
    np.testing.assert_allclose(feats["revenue"].reindex(rev.index), rev / (days / 365.25), rtol=1e-9)


def test_account_features_uses_apa_margins(small, feats):
    apa = pytest.importorskip("kamlab.apa")
    pnl = apa.account_pnl(small)
    pnl = pnl.set_index("account_id") if "account_id" in pnl.columns else pnl
    np.testing.assert_allclose(feats["gross_margin_pct"], pnl["gross_margin_pct"].reindex(feats.index),
                               rtol=1e-9)


# -- compare rankings -------------------------------------------------------------------------------
def test_compare_rankings_revenue_vs_profit(feats):
    c = sel.compare_rankings(feats, sel.REVENUE_ONLY, sel.PROFIT_AND_POTENTIAL, top_n=5)
    assert len(c.list_a) == len(c.list_b) == 5
    assert set(c.list_a) == set(c.staying) | set(c.leaving)
    assert set(c.list_b) == set(c.staying) | set(c.entering)
    assert len(c.entering) == len(c.leaving)
    assert c.list_a == list(feats["revenue"].sort_values(ascending=False).index[:5])
    assert "Entering" in c._repr_html_()


# -- critical weight changes ------------------------------------------------------------------------
def test_critical_weight_changes_make_b_tie_then_overtake(five):
    scored = sel.score(five, W5, normalize=None)
    ch = sel.critical_weight_changes(scored, W5, "A", "B")
    pts = five[CRIT]
    feasible = ch[ch["feasible"]]
    assert len(feasible) >= 1
    for crit, row in feasible.iterrows():
        w = pd.Series(W5) / sum(W5.values())
        for factor, check in ((1.0, "tie"), (1.01, "overtake")):
            w2 = w.copy()
            w2[crit] += factor * row["delta"]
            assert w2[crit] >= -1e-12
            sa, sb = pts.loc["A"] @ w2, pts.loc["B"] @ w2
            if check == "tie":
                assert sa == pytest.approx(sb, abs=1e-9)
            else:
                assert sb > sa
    # potential: B has 9 vs A's 6: raising its weight by (7.05 - 6.85) / 3 makes them tie
    assert ch.loc["potential", "delta"] == pytest.approx(0.2 / 3)
    assert ch.loc["potential", "relative"] == pytest.approx(0.2 / 3 / 0.30)
    # size: A has more, so the size weight must fall by 0.2/4 = 0.05 (feasible: 0.15 - 0.05 >= 0)
    assert ch.loc["size", "delta"] == pytest.approx(-0.05) and ch.loc["size", "feasible"]


def test_critical_weight_infeasible_when_points_equal():
    f = pd.DataFrame({"x": [5.0, 5.0], "y": [9.0, 1.0]}, index=["a", "b"])
    s = sel.score(f, {"x": .5, "y": .5}, normalize=None)
    ch = sel.critical_weight_changes(s, {"x": .5, "y": .5}, "a", "b")
    assert not ch.loc["x", "feasible"] and np.isnan(ch.loc["x", "delta"])
    with pytest.raises(DataError, match="not in the scored"):
        sel.critical_weight_changes(s, {"x": .5, "y": .5}, "a", "zz")


# -- rank stability ---------------------------------------------------------------------------------
def test_rank_stability_seeded_and_sane(feats):
    a = sel.rank_stability(feats, sel.PROFIT_AND_POTENTIAL, top_n=4, n_samples=400, seed=3)
    b = sel.rank_stability(feats, sel.PROFIT_AND_POTENTIAL, top_n=4, n_samples=400, seed=3)
    c = sel.rank_stability(feats, sel.PROFIT_AND_POTENTIAL, top_n=4, n_samples=400, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["mean_rank"].equals(c["mean_rank"])
    assert a["p_top"].between(0, 1).all()
    assert a["p_top"].sum() == pytest.approx(4)  # every sample has exactly top_n accounts in its list
    assert a["base_rank"].tolist() == list(range(1, len(feats) + 1))


def test_rank_stability_concentrated_weights_reproduce_base(feats):
    r = sel.rank_stability(feats, sel.PROFIT_AND_POTENTIAL, top_n=3, n_samples=200, concentration=1e9)
    assert r["p_top"].tolist()[:3] == [1.0, 1.0, 1.0] and r["p_top"].iloc[3:].sum() == 0


# -- AHP --------------------------------------------------------------------------------------------
def test_ahp_textbook_three_by_three():
    # the classic 3x3 example (Saaty): w = (0.637, 0.258, 0.105), lambda_max 3.039, CR 0.033
    r = sel.ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    np.testing.assert_allclose(r.weights.to_numpy(), [0.637, 0.258, 0.105], atol=5e-4)
    assert r.lambda_max == pytest.approx(3.0385, abs=5e-4)
    assert r.ci == pytest.approx((r.lambda_max - 3) / 2)
    assert r.cr == pytest.approx(r.ci / 0.58) and r.cr == pytest.approx(0.033, abs=5e-4)
    assert r.consistent


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    r = sel.ahp_weights(pd.DataFrame(w[:, None] / w[None, :], index=list("abcd"), columns=list("abcd")))
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-12)
    assert r.lambda_max == pytest.approx(4) and r.cr == pytest.approx(0, abs=1e-12)
    assert list(r.weights.index) == list("abcd")


def test_ahp_flags_inconsistency():
    r = sel.ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])  # a preference cycle
    assert r.cr > 0.10 and not r.consistent
    assert "inconsistent" in r._repr_html_()


def test_ahp_random_index_table():
    assert sel.RANDOM_INDEX[3] == 0.58 and sel.RANDOM_INDEX[4] == 0.90 and sel.RANDOM_INDEX[9] == 1.45


@pytest.mark.parametrize("m, match", [([[1, 2], [2, 1]], "reciprocal"), ([[1, 2, 3], [0.5, 1, 1]], "square"),
                                      ([[1, -2], [-0.5, 1]], "positive")])
def test_ahp_bad_input(m, match):
    with pytest.raises(DataError, match=match):
        sel.ahp_weights(m)


# -- portfolio matrix -------------------------------------------------------------------------------
def test_portfolio_matrix_quadrants_and_policy():
    f = pd.DataFrame({"a": [9.5, 8.0, 2.0, 1.0, 5.0], "s": [9.5, 1.0, 8.0, 2.0, 5.0]}, index=list("PQRST"))
    m = sel.portfolio_matrix(f, attractiveness="a", strength="s")
    assert m["quadrant"].tolist() == ["strategic", "star", "status", "streamline", "strategic"]
    assert m.loc["P", "directional_policy"] == "invest for growth"
    assert m.loc["S", "directional_policy"] == "withdraw"
    assert m.loc["T", "directional_policy"] == "maintain"
    assert m.loc["Q", "directional_policy"] == "maintain"  # high attractiveness + weak position


def test_portfolio_matrix_on_case(feats):
    m = sel.portfolio_matrix(feats)
    assert m[["attractiveness", "strength"]].stack().between(0, 10).all()
    assert set(m["posture"]) <= {"invest", "build", "maintain", "minimise"}
    med = sel.portfolio_matrix(feats, split="median")
    assert (med["attractiveness"] >= med["attractiveness"].median()).sum() == (
        med["posture"].isin(["invest", "build"])).sum()


# -- plots ------------------------------------------------------------------------------------------
def test_plot_scores(five):
    fig, ax = plt.subplots()
    s = sel.score(five, W5, normalize=None)
    assert psel.plot_scores(s, weights=W5, top_n=3, ax=ax) is ax
    assert len(ax.patches) == 3 * 5  # 3 accounts x 5 criteria stacked
    widths = np.array([p.get_width() for p in ax.patches]).reshape(5, 3).sum(axis=0)
    np.testing.assert_allclose(sorted(widths, reverse=True), [7.05, 6.85, 6.80])


def test_plot_ranking_comparison(feats):
    fig, ax = plt.subplots()
    c = sel.compare_rankings(feats, sel.REVENUE_ONLY, sel.PROFIT_AND_POTENTIAL, top_n=4)
    assert psel.plot_ranking_comparison(c, ax=ax) is ax
    assert len(ax.lines) == (c.table["status"] != "out").sum() + 1


def test_plot_rank_stability_and_critical(five):
    fig, (a1, a2) = plt.subplots(1, 2)
    r = sel.rank_stability(five, W5, top_n=2, n_samples=300)
    assert psel.plot_rank_stability(r, ax=a1) is a1
    assert len(a1.patches) == (r["p_top"] > 0).sum()
    ch = sel.critical_weight_changes(sel.score(five, W5, normalize=None), W5, "A", "B")
    assert psel.plot_critical_weights(ch, ax=a2) is a2 and len(a2.patches) == 5


def test_plot_portfolio_matrix(feats):
    fig, ax = plt.subplots()
    m = sel.portfolio_matrix(feats)
    assert psel.plot_portfolio_matrix(m, ax=ax) is ax
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(feats)
    assert "attractiveness" in ax.get_ylabel()


def test_features_follow_a_cost_of_capital_scenario(small, feats):
    pytest.importorskip("kamlab.apa")
    dearer = sel.account_features(small.replace(meta={**small.meta, "cost_of_capital": 0.5}))
    assert (dearer["gross_margin_pct"] <= feats["gross_margin_pct"] + 1e-12).all()
    assert (dearer["gross_margin_pct"] < feats["gross_margin_pct"]).any()


def test_ahp_random_index_continues_saatys_table_beyond_ten():
    """RI(11..15) from Saaty's table, then Alonso & Lamata (2006); not 1.49 for every n > 10."""
    assert [sel.random_index(n) for n in (11, 12, 13, 14, 15)] == [1.51, 1.48, 1.56, 1.57, 1.59]
    assert sel.random_index(17) == pytest.approx((1.7699 * 17 - 4.3513) / 16)
    rng = np.random.default_rng(0)
    n = 17                                            # the course's criteria list
    w = rng.uniform(1, 9, n)
    noise = np.triu(rng.normal(0, 0.3, (n, n)), 1)
    a = w[:, None] / w[None, :] * np.exp(noise - noise.T)       # reciprocal: a_ji = 1 / a_ij
    r = sel.ahp_weights(a)
    assert r.cr == pytest.approx(r.ci / sel.random_index(17)) and sel.random_index(17) > 1.6


def test_potential_is_valued_at_the_accounts_own_margins():
    """A deep-discount account's headroom is worth less than the same headroom of a full-price one."""
    ds = synth.generate(n_accounts=12, years=2, seed=3)
    f = sel.account_features(ds)
    ol = ds.order_lines
    cheap = ds.replace(order_lines=ol.assign(invoice_price=ol["invoice_price"].where(
        ol["account_id"] != f.index[0], (ol["list_price"] * 0.5).round(2))))
    g = sel.account_features(cheap)
    assert g.loc[f.index[0], "potential"] < 0.2 * f.loc[f.index[0], "potential"]   # company margins: ~0.9x
