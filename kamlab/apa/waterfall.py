"""The price waterfall and the pocket price band (Marn & Rosiello, 1992): list price -> invoice price ->
pocket price -> pocket margin, and how widely the pocket price spreads across transactions or accounts."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.apa.pnl import DEFAULT_COST_OF_CAPITAL, _line_pocket, account_pnl
from kamlab.data import DataError, Dataset

__all__ = ["Waterfall", "price_waterfall", "waterfall_by_account", "PocketPriceBand", "pocket_price_band"]


@dataclass(frozen=True)
class Waterfall:
    """A price waterfall: `steps` has one row per step (step, kind 'price' or 'leak', amount,
    per_unit, fraction_of_list); leaks are negative. ``fraction_of_list`` (each step as a fraction of
    list price) is the measure to show: ``per_unit`` means something only for one product
    (``per_unit_meaningful``), not for a basket of washers and power packs."""

    steps: pd.DataFrame
    units: float
    account_id: str | None = None
    product_line: str | None = None
    currency: str = "EUR"
    product_id: str | None = None
    n_products: int = 1

    @property
    def per_unit_meaningful(self) -> bool:
        return self.n_products == 1

    @property
    def pocket_price(self) -> float:
        return float(self.steps.set_index("step").loc["pocket price", "per_unit"])

    def _repr_html_(self) -> str:
        scope = f"account {self.account_id or 'all'}, product line {self.product_line or 'all'}"
        if self.product_id:
            scope += f", product {self.product_id}"
        steps = self.steps.set_index("step")
        if not self.per_unit_meaningful:    # a mixed basket: only the shares of list price mean something
            steps = steps.drop(columns="per_unit")
        head = fmt.report_series({"units": self.units, "products": self.n_products, "currency": self.currency},
                                 title=f"Price waterfall ({scope})",
                                 kinds={"units": "count", "products": "count", "currency": "text"})
        return head.to_html() + fmt.report_table(steps, currency=self.currency, money=["per_unit"],
                                                 percents=["fraction_of_list"]).to_html()


_WATERFALL = (("list price", "price", "list_revenue", 1), ("on-invoice discount", "leak", "on_invoice_discount", -1),
              ("invoice price", "price", "invoice_revenue", 1), ("off-invoice rebates", "leak", "off_invoice", -1),
              ("freight", "leak", "freight", -1), ("payment terms", "leak", "terms_cost", -1),
              ("pocket price", "price", "pocket_revenue", 1), ("cost of goods", "leak", "cogs", -1),
              ("pocket margin", "price", "pocket_margin", 1))


def price_waterfall(ds: Dataset, *, account_id: str | None = None, product_line: str | None = None,
                    product_id: str | None = None, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> Waterfall:
    """The price waterfall (Marn & Rosiello, 1992): list price -> invoice price -> pocket price ->
    pocket margin, each leak its own step, as a fraction of list price, for all sales or one account,
    product line and/or product.

    fraction_of_list = the step's money / the scope's list revenue: the measure for a mixed basket.
    Per unit = the scope's money total / its net units (returns subtract), meaningful for one product
    only. Account-level terms cost is split across product lines as in `account_pnl`, and within a
    line across its products by invoice revenue.

    Examples
    --------
    >>> from kamlab.apa import worked_example
    >>> w = price_waterfall(worked_example(), account_id="A1")
    >>> w.steps["per_unit"].round(3).tolist()
    [66.667, -6.667, 60.0, -0.667, -0.5, -0.986, 57.847, -33.333, 24.514]
    >>> w.per_unit_meaningful, w.steps["fraction_of_list"].round(3).tolist()[:3]
    (False, [1.0, -0.1, 0.9])
    >>> price_waterfall(worked_example(), account_id="A1", product_id="P1").steps["per_unit"].round(2).tolist()[:3]
    [100.0, -10.0, 90.0]
    """
    pnl = account_pnl(ds, by=("account", "product_line"), cost_of_capital=cost_of_capital)
    lines = ds.order_lines
    mask = np.ones(len(pnl), dtype=bool)
    lmask = np.ones(len(lines), dtype=bool)
    if account_id is not None:
        if account_id not in set(ds.accounts["account_id"]):
            raise DataError(f"account {account_id!r} is not in accounts")
        mask &= pnl.index.get_level_values("account_id") == account_id
        lmask &= (lines["account_id"] == account_id).to_numpy()
    if product_line is not None:
        mask &= pnl.index.get_level_values("product_line") == product_line
        pl = lines["product_id"].map(ds.products.set_index("product_id")["product_line"])
        lmask &= (pl == product_line).to_numpy()
    tot = pnl[mask].sum(numeric_only=True)
    if product_id is not None:
        tot, lmask = _one_product(ds, pnl[mask], lines, lmask, product_id)
    units = float(lines.loc[lmask, "quantity"].sum())
    n_products = int(lines.loc[lmask, "product_id"].nunique())
    if units <= 0:
        raise DataError("no units sold in this scope: choose another account or product line")
    list_rev = tot["list_revenue"]
    steps = pd.DataFrame([{"step": name, "kind": kind, "amount": sign * tot[col],
                           "per_unit": sign * tot[col] / units,
                           "fraction_of_list": sign * tot[col] / list_rev if list_rev else np.nan}
                          for name, kind, col, sign in _WATERFALL])
    return Waterfall(steps=steps, units=units, account_id=account_id, product_line=product_line,
                     currency=ds.currency, product_id=product_id, n_products=n_products)


def _one_product(ds: Dataset, pnl: pd.DataFrame, lines: pd.DataFrame, lmask: np.ndarray, product_id: str):
    """The waterfall money of one product: its own lines' list, invoice, rebates, freight and cost of
    goods; its product line's terms cost in proportion to its invoice revenue in that line."""
    if product_id not in set(ds.products["product_id"]):
        raise DataError(f"product {product_id!r} is not in products")
    mine = lmask & (lines["product_id"] == product_id).to_numpy()
    line_of = ds.products.set_index("product_id")["product_line"]
    same_line = lmask & (lines["product_id"].map(line_of) == line_of[product_id]).to_numpy()
    q = lines["quantity"]
    inv = q * lines["invoice_price"]
    tot = pd.Series({"list_revenue": float((q * lines["list_price"])[mine].sum()), "invoice_revenue": float(inv[mine].sum()),
                     "off_invoice": float(lines.loc[mine, "off_invoice"].sum()),
                     "freight": float(lines.loc[mine, "freight_cost"].sum()),
                     "cogs": float((q[mine] * ds.products.set_index("product_id").loc[product_id, "unit_cost"]).sum())})
    at_line = pnl.xs(line_of[product_id], level="product_line") if line_of[product_id] in \
        pnl.index.get_level_values("product_line") else pnl.iloc[:0]
    line_inv = float(inv[same_line].sum())
    tot["terms_cost"] = float(at_line["terms_cost"].sum()) * (tot["invoice_revenue"] / line_inv if line_inv else 0.0)
    tot["on_invoice_discount"] = tot["list_revenue"] - tot["invoice_revenue"]
    tot["pocket_revenue"] = tot["invoice_revenue"] - tot["off_invoice"] - tot["freight"] - tot["terms_cost"]
    tot["pocket_margin"] = tot["pocket_revenue"] - tot["cogs"]
    return tot, mine


def waterfall_by_account(pnl: pd.DataFrame) -> pd.DataFrame:
    """The waterfall of every account as money and as fractions of list revenue (one row per account).

    Examples
    --------
    >>> from kamlab.apa import account_pnl, worked_example
    >>> waterfall_by_account(account_pnl(worked_example()))["pocket_revenue_of_list"].round(4).tolist()
    [0.8677, 0.6634]
    """
    cols = [c for _, _, c, _ in _WATERFALL]
    out = pnl[cols].copy()
    lr = pnl["list_revenue"].where(pnl["list_revenue"] != 0)
    for c in cols[1:]:
        out[f"{c}_of_list"] = pnl[c] / lr
    return out


@dataclass(frozen=True)
class PocketPriceBand:
    """The pocket price band: `values` (pocket price as a fraction of list, one per transaction or
    account), `weights` (list revenue of each), `percentiles` (p5..p95 of values)."""

    values: pd.Series
    weights: pd.Series
    percentiles: pd.Series
    by: str

    @property
    def width(self) -> float:
        """p95 - p5: how wide the band is."""
        return float(self.percentiles[0.95] - self.percentiles[0.05])

    def _repr_html_(self) -> str:
        title = f"Pocket price band by {self.by} ({len(self.values):,} observations), as a share of list price"
        band = {f"P{int(round(q * 100))}": v for q, v in self.percentiles.items()}
        return fmt.report_series(band, title=title, kinds=dict.fromkeys(band, "percent")).to_html()


_BAND_QS = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


def pocket_price_band(ds: Dataset, *, by: str = "order_line",
                      cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> PocketPriceBand:
    """The distribution of pocket price as a fraction of list price (Marn & Rosiello, 1992).

    by="order_line": one value per sold line (returns and zero-list lines left out); by="account":
    one per account (pocket revenue / list revenue). Percentiles are of the values, unweighted.

    Examples
    --------
    >>> from kamlab.apa import worked_example
    >>> band = pocket_price_band(worked_example())
    >>> band.values.round(3).tolist()
    [0.855, 0.88, 0.686]
    """
    if by == "order_line":
        lp = _line_pocket(ds, cost_of_capital)
        lp = lp[(lp["quantity"] > 0) & (lp["list"] > 0)]
        values, weights = lp["pocket"] / lp["list"], lp["list"]
        values.index = ds.order_lines.loc[lp.index, "line_id"].to_numpy()
        values.index.name = "line_id"
    elif by == "account":
        pnl = account_pnl(ds, cost_of_capital=cost_of_capital)
        pnl = pnl[pnl["list_revenue"] > 0]
        values, weights = pnl["pocket_revenue"] / pnl["list_revenue"], pnl["list_revenue"]
    else:
        raise DataError(f"by={by!r} is not supported: use 'order_line' or 'account'")
    if values.empty:
        raise DataError("no sales with a list price to build a pocket price band from")
    weights = pd.Series(weights.to_numpy(), index=values.index, name="list_revenue")
    pct = pd.Series(np.quantile(values.to_numpy(), _BAND_QS), index=list(_BAND_QS), name="pocket_of_list")
    return PocketPriceBand(values=values.rename("pocket_of_list"), weights=weights, percentiles=pct, by=by)
