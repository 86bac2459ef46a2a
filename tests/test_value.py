"""kamlab.value: CLV, sBG retention, risk-adjusted NPV and the risk-adjusted score."""
from __future__ import annotations

import numpy as np
import pytest

from kamlab import value as v
from kamlab.data import DataError


def test_clv_gupta_lehmann_margin_multiple():
    assert v.clv(1, 0.8, 0.10) == pytest.approx(2.6666667, abs=1e-6)
    assert v.clv(100, 0.8, 0.10) == pytest.approx(100 * 0.8 / 0.3)


def test_clv_timing_convention_matches_the_sum():
    # end-of-period margins, after surviving: sum_{t>=1} m (1+g)^(t-1) r^t / (1+i)^t
    m, r, i, g = 50.0, 0.85, 0.12, 0.03
    direct = sum(m * (1 + g) ** (t - 1) * r ** t / (1 + i) ** t for t in range(1, 4))
    assert v.clv(m, r, i, growth=g, horizon=3) == pytest.approx(direct)
    long = sum(m * (1 + g) ** (t - 1) * r ** t / (1 + i) ** t for t in range(1, 3000))
    assert v.clv(m, r, i, growth=g) == pytest.approx(long)
    assert v.clv(m, r, i, horizon=0) == 0


def test_clv_vectorised_and_errors():
    out = v.clv(np.array([1.0, 2.0]), np.array([0.8, 0.5]), 0.1)
    np.testing.assert_allclose(out, [0.8 / 0.3, 2 * 0.5 / 0.6])
    with pytest.raises(DataError, match="fraction"):
        v.clv(1, 80, 0.1)
    with pytest.raises(DataError, match="diverges"):
        v.clv(1, 0.95, 0.0, growth=0.1)


@pytest.mark.parametrize("survivors, alpha, beta, ll", [
    ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182, -1680.3),  # Fader & Hardie 2007, regular
    ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806, -1611.2),  # Fader & Hardie 2007, high end
])
def test_fit_sbg_published_examples(survivors, alpha, beta, ll):
    fit = v.fit_sbg(survivors)
    assert round(fit.alpha, 3) == alpha and round(fit.beta, 3) == beta and round(fit.loglik, 1) == ll


def test_fit_sbg_recovers_simulated_parameters():
    for alpha, beta, seed in ((0.7, 3.0, 1), (2.0, 5.0, 2)):
        s = v.simulate_sbg(alpha, beta, n=200_000, periods=8, seed=seed)
        fit = v.fit_sbg(s)
        assert fit.alpha == pytest.approx(alpha, rel=0.06) and fit.beta == pytest.approx(beta, rel=0.08)


def test_sbg_projections():
    fit = v.SBGFit(alpha=0.704, beta=1.182, loglik=0.0, n_periods=7)
    assert fit.survival(0) == pytest.approx(1.0)
    assert fit.retention(1) == pytest.approx(fit.survival(1))
    r = fit.retention(np.arange(1, 10))
    assert np.all(np.diff(r) > 0)  # retention rises as the disloyal leave
    np.testing.assert_allclose(np.cumprod(r), fit.survival(np.arange(1, 10)), rtol=1e-12)
    assert "alpha" in fit._repr_html_()


@pytest.mark.parametrize("bad", [[5], [100, 120, 90], [0, 0]])
def test_fit_sbg_bad_input(bad):
    with pytest.raises(DataError):
        v.fit_sbg(bad)


def test_risk_adjusted_npv():
    r = v.risk_adjusted_npv(100, [60, 60, 60], 0.8, 0.10)
    expected = sum(60 * 0.8 ** t / 1.1 ** t for t in (1, 2, 3)) - 100
    assert r.npv == pytest.approx(expected) and r.roi == pytest.approx(expected / 100)
    assert r.unadjusted_npv == pytest.approx(sum(60 / 1.1 ** t for t in (1, 2, 3)) - 100)
    per = v.risk_adjusted_npv(100, [60, 60], [0.9, 0.5], 0.0)
    assert per.npv == pytest.approx(60 * 0.9 + 60 * 0.45 - 100)
    with pytest.raises(DataError):
        v.risk_adjusted_npv(0, [1], 0.9, 0.1)


def test_risk_adjusted_score(small):
    s = v.risk_adjusted_score(small, horizon=3, discount_rate=0.10)
    assert len(s) == len(small.accounts)
    assert s["rank"].tolist() == list(range(1, len(s) + 1))
    assert s["score"].is_monotonic_decreasing
    r = 1 - s["churn_risk"]
    factor = sum((r / 1.1) ** t for t in (1, 2, 3))
    np.testing.assert_allclose(s["risk_adjusted_margin"], s["net_margin"] * factor)
    np.testing.assert_allclose(s["score"], s["risk_adjusted_margin"])       # Ryals & Knox: value, not a ratio
    longer = v.risk_adjusted_score(small, horizon=6)
    pos = s["net_margin"] > 0
    assert (longer.loc[s.index[pos], "risk_adjusted_margin"] > s.loc[pos, "risk_adjusted_margin"]).all()
