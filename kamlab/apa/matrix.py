"""Shapiro's cost-to-serve matrix (Shapiro, Rangan, Moriarty & Ross, HBR 1987): accounts placed by the net
price they realise against what they cost to serve."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError

__all__ = ["CostToServeMatrix", "QUADRANTS", "cost_to_serve_matrix"]


@dataclass(frozen=True)
class CostToServeMatrix:
    """Accounts placed by net price realised vs cost to serve: `table` (price_realisation,
    cost_to_serve_pct, invoice_revenue, quadrant), the splits, and `counts` per quadrant."""

    table: pd.DataFrame
    price_split: float
    cost_split: float

    @property
    def counts(self) -> pd.Series:
        return self.table["quadrant"].value_counts().reindex(QUADRANTS, fill_value=0)

    def _repr_html_(self) -> str:
        figures = {"price split (net price / list)": self.price_split,
                   "cost split (cost-to-serve / revenue)": self.cost_split,
                   **{f"{q} (accounts)": int(n) for q, n in self.counts.items()}}
        kinds = {k: "percent" if "split" in k else "count" for k in figures}
        return fmt.report_series(figures, title="Cost-to-serve matrix (Shapiro et al., 1987)",
                                 kinds=kinds).to_html()


QUADRANTS = ("carriage trade", "passive", "aggressive", "bargain basement")


def cost_to_serve_matrix(pnl: pd.DataFrame, *, price_split: float | None = None,
                         cost_split: float | None = None) -> CostToServeMatrix:
    """Shapiro, Rangan, Moriarty & Ross (HBR 1987): net price realised vs cost to serve.

    Net price realised = (invoice_revenue - off_invoice) / list_revenue, the price after on- and
    off-invoice discounts; cost to serve = (cost_to_serve + freight + terms_cost) / invoice_revenue (the
    costs the supplier carries to serve the account). Freight and the cost of payment terms are counted
    once, on the cost axis (Shapiro et al. put distribution and post-sale service costs there). High
    price & high cost: carriage trade; high & low: passive; low & high: aggressive; low & low: bargain
    basement. Splits default to the medians; a value equal to a split counts as high.
    Accounts without list revenue are left out.

    Examples
    --------
    >>> from kamlab.apa import account_pnl, worked_example
    >>> m = cost_to_serve_matrix(account_pnl(worked_example()))
    >>> m.table["quadrant"].tolist()
    ['passive', 'aggressive']
    """
    p = pnl[pnl["list_revenue"] > 0]
    if p.empty:
        raise DataError("no account has list revenue: nothing to place in the cost-to-serve matrix")
    price = (p["invoice_revenue"] - p["off_invoice"]) / p["list_revenue"]   # freight and terms: cost axis only
    cost = (p["cost_to_serve"] + p["freight"] + p["terms_cost"]) / p["invoice_revenue"].where(p["invoice_revenue"] > 0)
    cost = cost.fillna(cost.max())
    ps = float(price.median()) if price_split is None else float(price_split)
    cs = float(cost.median()) if cost_split is None else float(cost_split)
    hi_p, hi_c = price >= ps, cost >= cs
    quad = np.select([hi_p & hi_c, hi_p & ~hi_c, ~hi_p & hi_c], QUADRANTS[:3], QUADRANTS[3])
    table = pd.DataFrame({"price_realisation": price, "cost_to_serve_pct": cost,
                          "invoice_revenue": p["invoice_revenue"], "net_margin": p["net_margin"],
                          "quadrant": quad}, index=p.index)
    return CostToServeMatrix(table=table, price_split=ps, cost_split=cs)
