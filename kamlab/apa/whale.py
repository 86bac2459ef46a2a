"""The whale curve (Kaplan & Cooper, 1998): cumulative profit against the share of accounts, most profitable
first, and its key figures (peak, top 20%, losses, Storbacka's (1997) subsidy)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError

__all__ = ["whale_curve", "WhaleSummary", "whale_summary"]


def _profits(profits) -> pd.Series:
    s = profits.copy() if isinstance(profits, pd.Series) else pd.Series(np.asarray(profits, dtype=float))
    if s.empty:
        raise DataError("no accounts: the whale curve needs at least one profit")
    s = s.astype(float)
    if s.isna().any():
        raise DataError("profits contain missing values")
    total = s.sum()
    if total <= 0:
        raise DataError(f"total profit is {fmt.money(total, decimals=2)}: a whale curve (profit as a share of the total) "
                        "needs a positive total profit")
    return s


def whale_curve(profits) -> pd.DataFrame:
    """The whale curve (Kaplan & Cooper, 1998): accounts sorted by profit, descending (ties by
    account id), with cum_share (share of accounts) and cum_profit_pct (cumulative profit as a
    fraction of total profit).

    Examples
    --------
    >>> whale_curve([150, 75, 0, -125])["cum_profit_pct"].tolist()
    [1.5, 2.25, 2.25, 1.0]
    """
    s = _profits(profits)
    order = np.lexsort((s.index.to_numpy().astype(str), -s.to_numpy()))
    s = s.iloc[order]
    n = len(s)
    return pd.DataFrame({"account_id": s.index.to_numpy(), "profit": s.to_numpy(),
                         "cum_share": np.arange(1, n + 1) / n,
                         "cum_profit_pct": s.cumsum().to_numpy() / s.sum()})


@dataclass(frozen=True)
class WhaleSummary:
    """Key figures of a whale curve (all fractions)."""

    peak_pct: float
    peak_share: float
    top20_pct: float
    loss_pct: float
    subsidy_ratio: float
    n_accounts: int
    n_loss_making: int

    def _repr_html_(self) -> str:
        shares = ("peak_pct", "peak_share", "top20_pct", "loss_pct", "subsidy_ratio")
        figures = {"peak of the curve (profit as % of total)": self.peak_pct,
                   "reached at this share of accounts": self.peak_share,
                   "profit of the top 20% of accounts": self.top20_pct,
                   "losses as % of total profit": self.loss_pct,
                   "subsidy ratio (losses / gains)": self.subsidy_ratio,
                   "accounts": self.n_accounts, "loss-making accounts": self.n_loss_making}
        kinds = {k: "percent" if i < len(shares) else "count" for i, k in enumerate(figures)}
        return fmt.report_series(figures, title="Whale curve", kinds=kinds).to_html()


def whale_summary(profits) -> WhaleSummary:
    """Summary of the whale curve: peak, where it peaks, the top 20%'s share, losses.

    peak_pct is the highest cumulative profit as a fraction of total (first account where reached:
    peak_share); top20_pct is the curve at 20% of accounts (linear between accounts when 20% is not a
    whole number of them); loss_pct = |sum of losses| / total profit; subsidy_ratio = |sum of losses| /
    sum of gains, our operationalisation of Storbacka's (1997) point that profitable customers
    subsidise unprofitable ones.

    Examples
    --------
    >>> s = whale_summary([150, 75, 0, 0, 0, 0, 0, 0, 0, -125])
    >>> s.peak_pct, s.peak_share, s.top20_pct, s.loss_pct
    (2.25, 0.2, 2.25, 1.25)
    """
    curve = whale_curve(profits)
    cum = curve["cum_profit_pct"].to_numpy()
    share = curve["cum_share"].to_numpy()
    i = int(np.argmax(cum))
    p = curve["profit"].to_numpy()
    total = p.sum()
    losses, gains = -p[p < 0].sum(), p[p > 0].sum()
    top20 = float(np.interp(0.2, np.r_[0.0, share], np.r_[0.0, cum]))
    return WhaleSummary(peak_pct=float(cum[i]), peak_share=float(share[i]), top20_pct=top20,
                        loss_pct=float(losses / total), subsidy_ratio=float(losses / gains) if gains else np.nan,
                        n_accounts=len(p), n_loss_making=int((p < 0).sum()))
