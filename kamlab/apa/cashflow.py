"""The relationship's cash flow over time: payback, discounted payback, NPV and IRR of an account's
periods (Brealey, Myers & Allen, Principles of Corporate Finance)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.apa.pnl import DEFAULT_COST_OF_CAPITAL, account_pnl
from kamlab.data import DataError, Dataset

__all__ = ["CashflowMetrics", "cashflow_metrics", "relationship_cashflow"]


@dataclass(frozen=True)
class CashflowMetrics:
    """Cash flows over periods t = 0, 1, ...: cumulative and discounted cumulative sums, payback and
    discounted payback (fractional periods; NaN if never), npv and irr (NaN if none). ``irrs`` lists
    every root: with more than one (flows that change sign more than once, as a drifting account's
    good years then a bad one do) the IRR is ambiguous and the NPV is the measure to read."""

    cash_flows: pd.Series
    rate: float
    cumulative: pd.Series
    discounted_cumulative: pd.Series
    payback: float
    discounted_payback: float
    npv: float
    irr: float
    irrs: tuple = ()

    @property
    def multiple_irrs(self) -> bool:
        return len(self.irrs) > 1

    def _repr_html_(self) -> str:
        table = pd.DataFrame({"period": self.cash_flows.index.astype(str), "cash_flow": self.cash_flows.to_numpy(),
                              "cumulative": self.cumulative.to_numpy(),
                              "discounted_cumulative": self.discounted_cumulative.to_numpy()})
        head = fmt.report_series({"rate": self.rate, "payback (periods)": self.payback,
                                  "discounted payback (periods)": self.discounted_payback, "npv": self.npv,
                                  "IRR": self._irr_text()}, title="The relationship's cash flow",
                                 kinds={"rate": "percent", "payback (periods)": "number",
                                        "discounted payback (periods)": "number", "IRR": "text"})
        return head.to_html() + fmt.report_table(table, money=list(table.columns[1:])).to_html()

    def _irr_text(self) -> str:
        if not np.isfinite(self.irr):
            return "none"
        if self.multiple_irrs:
            others = ", ".join(fmt.percent(r, digits=2) for r in self.irrs if r != self.irr)
            return f"{fmt.percent(self.irr, digits=2)} (the root nearest zero; also {others}: several IRRs, read the NPV)"
        return fmt.percent(self.irr, digits=2)


def _payback(cum: np.ndarray, flows: np.ndarray) -> float:
    """First period where the cumulative sum turns non-negative, interpolated within the period."""
    if cum[0] >= 0:
        return 0.0
    for t in range(1, len(cum)):
        if cum[t] >= 0 > cum[t - 1]:
            return float(t - 1 + (-cum[t - 1]) / flows[t])
    return float("nan")


def _irrs(f: np.ndarray, t: np.ndarray) -> tuple[float, ...]:
    """Every rate above -99% (up to 1,000%) where NPV = 0: each sign change of NPV on a grid, refined by
    bisection to the float resolution (a root in a bracket needs no more; bisection keeps scipy.optimize,
    23 MB, out of the app's page kernels). Empty when NPV never changes sign."""
    def npv_at(r: float) -> float:
        return float(np.sum(f / (1 + r) ** t))

    grid = np.r_[-0.99, np.linspace(-0.9, 10, 1000)]
    vals = np.array([npv_at(g) for g in grid])
    roots = [float(g) for g, v in zip(grid, vals) if v == 0]
    for k in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0):
        lo, hi, at_lo = grid[k], grid[k + 1], vals[k]
        while (mid := (lo + hi) / 2) not in (lo, hi):
            at_mid = npv_at(mid)
            if at_mid == 0:
                break
            if (at_mid > 0) == (at_lo > 0):
                lo, at_lo = mid, at_mid
            else:
                hi = mid
        roots.append(float(mid))
    return tuple(sorted(roots))


def cashflow_metrics(cash_flows: Sequence[float] | pd.Series, rate: float) -> CashflowMetrics:
    """Payback, discounted payback, NPV and IRR of a relationship's cash flows.

    Convention: the first flow is at t = 0 and not discounted; flow t is discounted by (1 + rate)^t.
    Payback interpolates linearly within the period the cumulative sum turns positive (Brealey, Myers
    & Allen, Principles of Corporate Finance). The IRR is the rate where NPV = 0; when several rates
    qualify (flows that change sign more than once) it is the one nearest zero, numpy-financial's
    convention, and ``irrs`` lists them all; NaN when the flows do not change sign.

    Examples
    --------
    >>> m = cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10)
    >>> round(m.payback, 3), round(m.discounted_payback, 3), round(m.npv, 2), round(m.irr, 4)
    (3.222, 3.878, 102.92, 0.2424)
    >>> m = cashflow_metrics([-100, 100, 0, -7], 0.10)
    >>> round(m.irr, 4), [round(r, 4) for r in m.irrs]
    (-0.0833, [-0.6789, -0.0833])
    """
    flows = pd.Series(cash_flows, dtype=float) if not isinstance(cash_flows, pd.Series) else cash_flows.astype(float)
    if flows.empty or flows.isna().any():
        raise DataError("cash_flows must be a non-empty sequence of numbers")
    if rate <= -1:
        raise DataError(f"rate must be above -1 (a fraction: 0.10 is 10%), got {rate}")
    f = flows.to_numpy()
    t = np.arange(len(f))
    disc = f / (1 + rate) ** t
    cum, dcum = np.cumsum(f), np.cumsum(disc)
    irrs = _irrs(f, t) if (f > 0).any() and (f < 0).any() else ()
    irr = min(irrs, key=abs) if irrs else float("nan")
    return CashflowMetrics(cash_flows=flows, rate=rate, cumulative=pd.Series(cum, index=flows.index),
                           discounted_cumulative=pd.Series(dcum, index=flows.index),
                           payback=_payback(cum, f), discounted_payback=_payback(dcum, disc),
                           npv=float(dcum[-1]), irr=irr, irrs=irrs)


def relationship_cashflow(ds: Dataset, account_id: str, *, acquisition_cost: float = 0.0,
                          period: str = "Y", rate: float = DEFAULT_COST_OF_CAPITAL,
                          cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> CashflowMetrics:
    """`cashflow_metrics` of one account: t = 0 is the acquisition (-acquisition_cost), then its net
    margin (contribution after cost-to-serve) per period, from `account_pnl(ds, period=period)`.

    Examples
    --------
    >>> from kamlab.apa import worked_example
    >>> m = relationship_cashflow(worked_example(), "A1", acquisition_cost=100)
    >>> m.cash_flows.round(2).tolist(), round(m.payback, 3)
    ([-100.0, 235.41], 0.425)
    """
    if account_id not in set(ds.accounts["account_id"]):
        raise DataError(f"account {account_id!r} is not in accounts")
    pnl = account_pnl(ds, period=period, cost_of_capital=cost_of_capital)
    if account_id in pnl.index.get_level_values("account_id"):
        net = pnl.xs(account_id, level="account_id")["net_margin"]
        net.index = net.index.astype(str)
    else:
        net = pd.Series(dtype=float)
    flows = pd.concat([pd.Series({"acquisition": -float(acquisition_cost)}), net])
    return cashflow_metrics(flows, rate)
