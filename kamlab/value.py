"""Customer value under risk: CLV, shifted-beta-geometric retention, risk-adjusted NPV and score.

    clv(1, 0.8, 0.10)                      # the margin multiple: 2.6667
    fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    risk_adjusted_score(ds)                # per account: the basis for tiers and allocation
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError, Dataset

__all__ = ["clv", "fit_sbg", "SBGFit", "simulate_sbg", "risk_adjusted_npv", "RiskAdjustedNPV",
           "risk_adjusted_score"]


def clv(margin, retention, discount_rate, *, growth: float = 0.0, horizon: int | None = None):
    """Customer lifetime value as a margin multiple (Gupta & Lehmann 2003).

    Timing convention: the margin `m` of period t arrives at the END of period t, and only if the
    customer is still there, i.e. survived t retention decisions (probability r^t); it grows by
    `growth` per period from the first one. So CLV = sum_{t=1..T} m (1+g)^(t-1) r^t / (1+i)^t, which
    for an infinite horizon is m r / (1 + i - r(1+g)) (with g = 0, Gupta & Lehmann's m r/(1+i-r)).
    Works elementwise on arrays.

    Examples
    --------
    >>> round(clv(1, 0.8, 0.10), 4), round(clv(100, 0.8, 0.10, horizon=3), 2)
    (2.6667, 164.09)
    """
    m, r, i = (np.asarray(x, dtype=float) for x in (margin, retention, discount_rate))
    if np.any((r < 0) | (r > 1)):
        raise DataError("retention must be a fraction between 0 and 1 (0.8, not 80)")
    if np.any(i <= -1):
        raise DataError("discount_rate must be above -1 (a fraction: 0.10 for 10%)")
    q = r * (1 + growth) / (1 + i)
    if horizon is None:
        if np.any(q >= 1):
            raise DataError("r(1+g) >= 1+i: the infinite sum diverges; give a finite horizon")
        out = m * r / (1 + i - r * (1 + growth))
    else:
        if horizon < 0:
            raise DataError(f"horizon={horizon}: give a number of periods >= 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = np.where(np.isclose(q, 1), horizon, (1 - q ** horizon) / (1 - q))
        out = m * r / (1 + i) * geo
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class SBGFit:
    """A fitted shifted-beta-geometric retention model (Fader & Hardie 2007)."""

    alpha: float
    beta: float
    loglik: float
    n_periods: int

    def retention(self, t):
        """Retention rate in period t (t >= 1): r_t = (beta + t - 1) / (alpha + beta + t - 1)."""
        t = np.asarray(t, dtype=float)
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def survival(self, t):
        """Share of the cohort still active after t periods: B(alpha, beta + t) / B(alpha, beta)."""
        from scipy import special  # here: a page that never fits a cohort does not load scipy

        t = np.asarray(t, dtype=float)
        return np.exp(special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta))

    def _repr_html_(self) -> str:
        r = ", ".join(fmt.percent(x) for x in self.retention(np.arange(1, 6)))
        return (f"<b>sBG retention fit</b>: alpha {fmt.number(self.alpha, digits=3)}, beta "
                f"{fmt.number(self.beta, digits=3)}, log-likelihood {fmt.number(self.loglik, digits=1)} "
                f"over {self.n_periods} periods<br>"
                f"retention in periods 1-5: {r} (it rises: the disloyal leave first)")


def _sbg_loglik(alpha: float, beta: float, survivors: np.ndarray) -> float:
    from scipy import special

    t = np.arange(1, len(survivors))
    lb = special.betaln(alpha, beta)
    log_p = special.betaln(alpha + 1, beta + t - 1) - lb  # P(churn in period t)
    log_s = special.betaln(alpha, beta + t[-1]) - lb  # P(still there after the last period)
    lost = -np.diff(survivors)
    return float(lost @ log_p + survivors[-1] * log_s)


def fit_sbg(survivors) -> SBGFit:
    """Fit the shifted-beta-geometric model to a cohort's survivors by maximum likelihood.

    `survivors[t]` is the number of customers still active at the start of period t+1 (survivors[0]
    is the cohort size). Each customer churns at the end of a period with a constant probability
    theta; theta varies across customers as Beta(alpha, beta) (Fader & Hardie 2007, "How to project
    customer retention"). Their "regular" cohort 1000, 631, 468, 382, 326, 289, 262, 241 gives
    alpha 0.704, beta 1.182 (log-likelihood -1680.3); their "high end" cohort 1000, 869, 743, 653, 593,
    551, 517, 491 gives alpha 0.668, beta 3.806 (-1611.2).

    Examples
    --------
    >>> fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.alpha, 3), round(fit.beta, 3), round(fit.loglik, 1)
    (0.704, 1.182, -1680.3)
    """
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1 or len(s) < 2:
        raise DataError("survivors must list at least two counts: the cohort size, then survivors per period")
    if np.any(s < 0) or np.any(np.diff(s) > 0) or s[0] <= 0:
        raise DataError("survivors must start positive and never increase (counts of a closed cohort)")
    from scipy import optimize  # here, not at the top: it adds a fifth of a second to every page's start

    res = optimize.minimize(lambda p: -_sbg_loglik(np.exp(p[0]), np.exp(p[1]), s), x0=[0.0, 0.0],
                            method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
    a, b = np.exp(res.x)
    return SBGFit(alpha=float(a), beta=float(b), loglik=float(-res.fun), n_periods=len(s) - 1)


def simulate_sbg(alpha: float, beta: float, *, n: int = 100_000, periods: int = 7, seed: int = 0) -> np.ndarray:
    """Survivor counts of a simulated cohort: each customer draws theta ~ Beta(alpha, beta) and then
    churns at the end of each period with probability theta (the sBG story).

    Examples
    --------
    >>> int(simulate_sbg(1.0, 3.0, n=1000, periods=3, seed=1)[0])
    1000
    """
    rng = np.random.default_rng(seed)
    life = rng.geometric(rng.beta(alpha, beta, size=n))  # periods until the first churn, >= 1
    return np.array([(life > t).sum() for t in range(periods + 1)])


@dataclass(frozen=True)
class RiskAdjustedNPV:
    """An account investment valued with the chance the relationship survives (Ryals & Knox 2005)."""

    npv: float
    roi: float
    unadjusted_npv: float
    table: pd.DataFrame

    def _repr_html_(self) -> str:
        return (f"<b>Risk-adjusted NPV {fmt.money(self.npv)}</b> (ROI {fmt.percent(self.roi)}); ignoring the risk "
                f"of losing the account: {fmt.money(self.unadjusted_npv)}" + fmt.report_table(self.table).to_html())


def risk_adjusted_npv(investment: float, cash_flows, retention, discount_rate: float) -> RiskAdjustedNPV:
    """NPV and ROI of an account investment with each period's cash flow weighted by the probability the
    relationship still exists (Ryals & Knox 2005, risk-adjusted customer lifetime value).

    `cash_flows[t-1]` arrives at the end of period t; `retention` is one rate for every period or one per
    period; survival S_t = r_1 x ... x r_t. NPV = -investment + sum CF_t S_t / (1+i)^t and
    ROI = NPV / investment.

    Examples
    --------
    >>> r = risk_adjusted_npv(100, [60, 60, 60], 0.8, 0.10)
    >>> round(r.npv, 2), round(r.roi, 4), round(r.unadjusted_npv, 2)
    (-1.55, -0.0155, 49.21)
    """
    cf = np.asarray(cash_flows, dtype=float)
    r = np.broadcast_to(np.asarray(retention, dtype=float), cf.shape)
    if np.any((r < 0) | (r > 1)):
        raise DataError("retention must be a fraction between 0 and 1")
    if investment <= 0:
        raise DataError("investment must be positive (the amount put into the account now)")
    t = np.arange(1, len(cf) + 1)
    disc = (1 + discount_rate) ** -t
    surv = np.cumprod(r)
    table = pd.DataFrame({"cash_flow": cf, "survival": surv, "expected": cf * surv,
                          "discounted": cf * surv * disc}, index=pd.Index(t, name="period"))
    npv = float(table["discounted"].sum() - investment)
    return RiskAdjustedNPV(npv=npv, roi=npv / investment, unadjusted_npv=float(cf @ disc - investment),
                           table=table)


def risk_adjusted_score(ds: Dataset, *, horizon: int = 3, discount_rate: float = 0.10,
                        features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account, its risk-adjusted value: the basis for ranking, service tiers and allocation.

    risk_adjusted_margin = yearly net margin x sum_{t=1..horizon} ((1 - churn_risk)/(1+i))^t, the
    expected discounted net margin over the horizon with survival from the account's churn risk
    (Gupta & Lehmann 2003 timing: end of period, after surviving). score = risk_adjusted_margin: accounts
    are ranked and tiered by risk-adjusted value (Ryals & Knox 2005), never by a ratio to cost-to-serve,
    which would rank a bigger loss above a smaller one. margin_before_service = yearly net margin +
    yearly cost-to-serve, what the account earns before any service: `kamlab.allocation.service_tiers`
    checks a tier's cost against it. Sorted by score, rank 1 = best; the account's current service tier
    is kept for comparison.

    Examples
    --------
    >>> from kamlab import synth
    >>> s = risk_adjusted_score(synth.generate(n_accounts=8, years=2, seed=1))
    >>> list(s.columns[-3:]), s["rank"].tolist() == list(range(1, 9))
    (['score', 'rank', 'service_tier'], True)
    >>> bool((s["score"] == s["risk_adjusted_margin"]).all() and s["score"].is_monotonic_decreasing)
    True
    """
    from kamlab.selection import account_features

    f = account_features(ds) if features is None else features
    factor = clv(1.0, 1 - f["churn_risk"].to_numpy(), discount_rate, horizon=horizon)
    cts = (f["cost_to_serve_share"] * f["revenue"]).to_numpy()
    out = pd.DataFrame({"name": f["name"], "revenue": f["revenue"], "net_margin": f["net_margin"],
                        "churn_risk": f["churn_risk"], "survival_factor": factor}, index=f.index)
    out["risk_adjusted_margin"] = out["net_margin"] * factor
    out["cost_to_serve"] = cts
    out["margin_before_service"] = out["net_margin"] + cts
    out["score"] = out["risk_adjusted_margin"]
    out = out.sort_values(["score", "revenue"], ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    tiers = ds.accounts.set_index("account_id")["service_tier"]
    out["service_tier"] = tiers.reindex(out.index)
    return out
