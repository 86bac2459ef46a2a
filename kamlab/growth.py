"""Growth: share of wallet and margin-weighted headroom, cross-sell, the Wallet Allocation Rule,
price-volume-mix, and the value of a joint business plan to both sides.

Pure: pandas and numpy only. Fractions, not percents; money in the data set's currency.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError, Dataset
from kamlab.shared_results import shared

__all__ = [
    "share_of_wallet", "account_share_of_wallet", "cross_sell_opportunities", "rank_opportunities",
    "wallet_allocation_share", "PriceVolumeMix",
    "price_volume_mix", "period_price_volume_mix", "Initiative", "JBPValue", "jbp_value",
]


# --------------------------------------------------------------------------------------------------
# share of wallet
# --------------------------------------------------------------------------------------------------

def _lines(ds: Dataset) -> pd.DataFrame:
    """Order lines with product line, year, revenue, pocket revenue and COGS per line."""
    ol = ds.order_lines.merge(ds.products[["product_id", "product_line", "unit_cost"]], on="product_id",
                              how="left")
    return pd.DataFrame({
        "account_id": ol["account_id"], "product_line": ol["product_line"],
        "year": ol["invoice_date"].dt.year, "quantity": ol["quantity"],
        "sales": ol["quantity"] * ol["invoice_price"],
        "pocket": ol["quantity"] * ol["invoice_price"] - ol["off_invoice"] - ol["freight_cost"],
        "cogs": ol["quantity"] * ol["unit_cost"],
    })


def _pick_year(lines: pd.DataFrame, year: int | None) -> int:
    years = sorted(lines["year"].unique())
    if not years:
        raise DataError("order_lines is empty: share of wallet needs at least one invoiced line")
    if year is None:
        return int(years[-1])
    if year not in years:
        raise DataError(f"year {year} has no order lines; the data covers {years[0]}-{years[-1]}")
    return int(year)


@shared
def share_of_wallet(ds: Dataset, *, by=("account", "product_line"), year: int | None = None
                    ) -> pd.DataFrame:
    """Our sales as a share of each customer's estimated spend, and the margin-weighted headroom.

    For each account and product line of `ds.wallets`: ``sales`` (our invoiced revenue in `year`,
    default the latest year in the data), ``wallet`` (the customer's estimated yearly spend in the line
    from all suppliers), ``share = sales / wallet``, ``headroom = max(wallet - sales, 0)`` (net sales
    below zero, when returns exceed sales in the year, count as 0 in both), ``margin_pct`` (our pocket
    margin in that product line across all accounts, (pocket revenue - COGS) / invoice revenue: the
    margin a new sale in the line is expected to earn) and
    ``weighted_headroom = headroom x max(margin_pct, 0)``: the margin still on the table.
    Share of wallet as a growth yardstick: Keiningham, Aksoy, Buoye & Cooil (2011).

    Parameters
    ----------
    ds : Dataset
    by : "account" or ("account", "product_line")
        "account" sums the lines of each account (share = total sales / total wallet).
    year : int, optional
        Calendar year of our sales to compare with the yearly wallet.

    Examples
    --------
    >>> from kamlab import synth
    >>> sow = share_of_wallet(synth.generate(n_accounts=5, years=1, seed=1))
    >>> {"sales", "wallet", "share", "headroom", "margin_pct", "weighted_headroom"} <= set(sow.columns)
    True
    """
    if by not in ("account", ("account", "product_line"), ["account", "product_line"]):
        raise DataError(f'by must be "account" or ("account", "product_line"), got {by!r}')
    lines = _lines(ds)
    year = _pick_year(lines, year)
    now = lines[lines["year"] == year]
    sales = now.groupby(["account_id", "product_line"])["sales"].sum()
    by_line = now.groupby("product_line")[["sales", "pocket", "cogs"]].sum()
    margin = ((by_line["pocket"] - by_line["cogs"]) / by_line["sales"].where(by_line["sales"] != 0)).fillna(0.0)
    wal = ds.wallets.groupby(["account_id", "product_line"])["estimated_spend"].sum().rename("wallet")
    out = pd.concat([sales, wal], axis=1).fillna(0.0).reset_index()
    out["margin_pct"] = out["product_line"].map(margin).fillna(0.0)
    out = out.assign(headroom=(out["wallet"] - out["sales"].clip(lower=0.0)).clip(lower=0.0))
    out["weighted_headroom"] = out["headroom"] * out["margin_pct"].clip(lower=0.0)
    out["share"] = (out["sales"].clip(lower=0.0) / out["wallet"].where(out["wallet"] > 0)).fillna(0.0)
    out = out[["account_id", "product_line"] + _SOW_COLS]
    return account_share_of_wallet(out) if by == "account" else out


_SOW_COLS = ["sales", "wallet", "share", "headroom", "margin_pct", "weighted_headroom"]


def account_share_of_wallet(sow: pd.DataFrame) -> pd.DataFrame:
    """Roll an account x product-line `share_of_wallet` table up to one row per account, as
    ``share_of_wallet(ds, by="account")`` does, so a caller that has the table does not recompute it.

    Sums sales, wallet, headroom and weighted headroom; ``share = max(sales, 0) / wallet`` and
    ``margin_pct = weighted_headroom / headroom`` (0 where the denominator is 0).

    Examples
    --------
    >>> sow = pd.DataFrame({"account_id": ["A", "A"], "product_line": ["x", "y"], "sales": [30.0, 10.0],
    ...                     "wallet": [50.0, 50.0], "share": [0.6, 0.2], "headroom": [20.0, 40.0],
    ...                     "margin_pct": [0.1, 0.4], "weighted_headroom": [2.0, 16.0]})
    >>> account_share_of_wallet(sow)[["account_id", "sales", "share", "margin_pct"]].to_numpy().tolist()
    [['A', 40.0, 0.4, 0.3]]
    """
    out = sow.groupby("account_id")[["sales", "wallet", "headroom", "weighted_headroom"]].sum().reset_index()
    out["margin_pct"] = (out["weighted_headroom"] / out["headroom"].where(out["headroom"] > 0)).fillna(0.0)
    out["share"] = (out["sales"].clip(lower=0.0) / out["wallet"].where(out["wallet"] > 0)).fillna(0.0)
    return out[["account_id"] + _SOW_COLS]


def cross_sell_opportunities(ds: Dataset, *, top: int | None = 10, year: int | None = None,
                             account_id: str | None = None) -> pd.DataFrame:
    """Account x product-line opportunities ranked by margin-weighted headroom.

    Ranking: ``weighted_headroom`` descending, then ``margin_pct`` descending (highest-margin lines
    first), then account id and product line. Only rows with margin-weighted headroom > 0 are kept.
    ``rank`` starts at 1.

    Examples
    --------
    >>> from kamlab import synth
    >>> opp = cross_sell_opportunities(synth.generate(n_accounts=5, years=1, seed=1), top=3)
    >>> len(opp) <= 3 and list(opp["rank"]) == list(range(1, len(opp) + 1))
    True
    """
    return rank_opportunities(share_of_wallet(ds, year=year), top=top, account_id=account_id)


def rank_opportunities(sow: pd.DataFrame, *, top: int | None = 10, account_id: str | None = None) -> pd.DataFrame:
    """The ranking of `cross_sell_opportunities` applied to an already computed `share_of_wallet` table
    (by account and product line), so a caller that has one does not recompute it.

    Examples
    --------
    >>> sow = pd.DataFrame({"account_id": ["A", "A", "B"], "product_line": ["x", "y", "x"],
    ...                     "headroom": [10.0, 10.0, 5.0], "margin_pct": [0.2, 0.4, 0.0],
    ...                     "weighted_headroom": [2.0, 4.0, 0.0]})
    >>> rank_opportunities(sow)[["product_line", "rank"]].to_numpy().tolist()
    [['y', 1], ['x', 2]]
    """
    if account_id is not None:
        sow = sow[sow["account_id"] == account_id]
    sow = sow[sow["weighted_headroom"] > 0]
    sow = sow.sort_values(["weighted_headroom", "margin_pct", "account_id", "product_line"],
                          ascending=[False, False, True, True], kind="mergesort")
    if top is not None:
        sow = sow.head(top)
    return sow.reset_index(drop=True).assign(rank=lambda d: np.arange(1, len(d) + 1))


def wallet_allocation_share(rank, n_brands):
    """The Wallet Allocation Rule: expected share of wallet of the brand ranked `rank` of `n_brands`.

    share = (1 - rank / (n + 1)) x 2 / n, the Wallet Allocation Rule of Keiningham, Aksoy, Buoye & Cooil
    (2011), "Customer Loyalty Isn't Enough. Grow Your Share of Wallet", Harvard Business Review. Rank 1 is
    the customer's favourite; the shares of ranks 1..n sum to 1. Works on scalars or arrays.

    Examples
    --------
    >>> round(wallet_allocation_share(1, 2), 4), round(wallet_allocation_share(2, 2), 4)
    (0.6667, 0.3333)
    """
    r = np.asarray(rank, dtype=float)
    n = np.asarray(n_brands, dtype=float)
    if np.any(n < 1) or np.any(r < 1) or np.any(r > n) or np.any(r != np.round(r)):
        raise DataError(f"rank must be a whole number from 1 to n_brands; got rank={rank}, n_brands={n_brands}")
    out = (1.0 - r / (n + 1.0)) * 2.0 / n
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------------
# price-volume-mix
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PriceVolumeMix:
    """Revenue (or margin) change between two periods split into price, volume and mix effects.

    ``total == price + volume + mix`` exactly; ``by_item`` holds the same split per item."""

    total: float
    price: float
    volume: float
    mix: float
    by_item: pd.DataFrame
    measure: str = "revenue"

    def _repr_html_(self) -> str:
        effects = {"price": self.price, "volume": self.volume, "mix": self.mix,
                   f"total change in {self.measure}": self.total}
        return fmt.report_series(effects, title=f"Price-volume-mix of {self.measure}",
                                 kinds=dict.fromkeys(effects, "money")).to_html()


def price_volume_mix(p0, q0, p1, q1, *, items=None) -> PriceVolumeMix:
    """Split the revenue change sum(p1 q1) - sum(p0 q0) into price, volume and mix effects.

    Convention (one of several in use): the sales-price, sales-quantity and sales-mix variances of
    management accounting (Horngren, Datar & Rajan, *Cost Accounting*), with the old period as budget:

    - price effect  = sum_i (p1_i - p0_i) x q1_i           (at the new volumes)
    - volume effect = (Q1 - Q0) x sum_i s0_i p0_i          (at the old prices and the old mix)
    - mix effect    = sum_i (s1_i - s0_i) x Q1 x p0_i      (the shift between items, at old prices)

    where Q = sum of units and s_i = q_i / Q. The three add up to the total exactly, item by item.
    An item sold in only one period takes the other period's price (no price effect): a new item is
    all mix, a dropped item is volume and mix. With p as margin per unit it splits a margin change.

    Examples
    --------
    >>> r = price_volume_mix([10, 20], [100, 100], [11, 20], [120, 60])
    >>> r.total, r.price, r.volume, r.mix
    (-480.0, 120.0, -300.0, -300.0)
    """
    p0, q0, p1, q1 = (np.asarray(x, dtype=float) for x in (p0, q0, p1, q1))
    if not (p0.shape == q0.shape == p1.shape == q1.shape) or p0.ndim != 1:
        raise DataError("p0, q0, p1 and q1 must be one-dimensional and of the same length (one value per item)")
    if np.any(q0 < 0) or np.any(q1 < 0):
        raise DataError("quantities must be >= 0 (net returns out of a period first)")
    Q0, Q1 = q0.sum(), q1.sum()
    if Q0 <= 0 or Q1 <= 0:
        raise DataError("both periods need some units sold to split volume and mix")
    p0 = np.where(q0 > 0, p0, p1)          # a new item: no old price, so no price effect
    p1 = np.where(q1 > 0, p1, p0)          # a dropped item: no new price
    s0, s1 = q0 / Q0, q1 / Q1
    price = (p1 - p0) * q1
    volume = (Q1 - Q0) * s0 * p0
    mix = (s1 - s0) * Q1 * p0
    idx = pd.Index(items if items is not None else range(len(p0)), name="item")
    by_item = pd.DataFrame({"p0": p0, "q0": q0, "p1": p1, "q1": q1, "price": price, "volume": volume,
                            "mix": mix, "total": p1 * q1 - p0 * q0}, index=idx)
    total = float((p1 * q1).sum() - (p0 * q0).sum())
    return PriceVolumeMix(total=round(total, 9), price=round(float(price.sum()), 9),
                          volume=round(float(volume.sum()), 9), mix=round(float(mix.sum()), 9), by_item=by_item)


def period_price_volume_mix(ds: Dataset, *, years: tuple[int, int] | None = None, by: str = "product_line",
                            measure: str = "revenue", account_id: str | None = None) -> PriceVolumeMix:
    """Price-volume-mix of revenue or pocket margin between two calendar years of a Dataset.

    Items are product lines (or products with ``by="product_id"``); the "price" of an item is its revenue
    (``measure="revenue"``, invoice revenue) or pocket margin (``measure="margin"``, pocket revenue - COGS)
    per net unit. Default years: the last two in the data. Convention as in `price_volume_mix`.

    Examples
    --------
    >>> from kamlab import synth
    >>> r = period_price_volume_mix(synth.generate(n_accounts=5, years=2, seed=1))
    >>> abs(r.price + r.volume + r.mix - r.total) < 1e-6
    True
    """
    if by not in ("product_line", "product_id") or measure not in ("revenue", "margin"):
        raise DataError('by must be "product_line" or "product_id"; measure "revenue" or "margin"')
    lines = _lines(ds).assign(product_id=ds.order_lines["product_id"].to_numpy())
    if account_id is not None:
        lines = lines[lines["account_id"] == account_id]
    have = sorted(lines["year"].unique())
    y0, y1 = years if years is not None else (have[-2:] if len(have) >= 2 else (None, None))
    if y0 is None or y0 not in have or y1 not in have:
        raise DataError(f"need two years with sales to compare; the data has {have}, asked for {years}")
    lines = lines.assign(value=lines["sales"] if measure == "revenue" else lines["pocket"] - lines["cogs"])
    g = lines.groupby(["year", by])[["quantity", "value"]].sum()
    g = g[g["quantity"] > 0]
    a = g.loc[y0] if y0 in g.index.get_level_values(0) else g.iloc[:0].droplevel(0)
    b = g.loc[y1] if y1 in g.index.get_level_values(0) else g.iloc[:0].droplevel(0)
    items = a.index.union(b.index)
    a, b = a.reindex(items, fill_value=0.0), b.reindex(items, fill_value=0.0)
    def up(f):
        return (f["value"] / f["quantity"].where(f["quantity"] > 0)).fillna(0.0)
    r = price_volume_mix(up(a), a["quantity"], up(b), b["quantity"], items=list(items))
    return PriceVolumeMix(r.total, r.price, r.volume, r.mix, r.by_item, measure=measure)


# --------------------------------------------------------------------------------------------------
# joint business plan
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Initiative:
    """One joint-business-plan initiative: what it costs and yields each side (money; yearly amounts
    recur for the plan's years, one-off costs fall at the start)."""

    name: str
    supplier_one_off: float = 0.0
    supplier_yearly_cost: float = 0.0
    supplier_yearly_gain: float = 0.0
    customer_one_off: float = 0.0
    customer_yearly_cost: float = 0.0
    customer_yearly_gain: float = 0.0


_INIT_COLS = [f for f in Initiative.__dataclass_fields__ if f != "name"]


def _initiatives_frame(initiatives) -> pd.DataFrame:
    if isinstance(initiatives, pd.DataFrame):
        df = initiatives.copy()
    else:
        rows = [i.__dict__ if isinstance(i, Initiative) else dict(i) for i in initiatives]
        df = pd.DataFrame(rows)
    if df.empty or "name" not in df:
        raise DataError("give at least one initiative, each with a name (see kamlab.growth.Initiative)")
    unknown = set(df.columns) - set(_INIT_COLS) - {"name"}
    if unknown:
        raise DataError(f"unknown initiative fields {sorted(unknown)}; use {_INIT_COLS}")
    df = df.reindex(columns=["name"] + _INIT_COLS).fillna({c: 0.0 for c in _INIT_COLS})
    df[_INIT_COLS] = df[_INIT_COLS].astype(float)
    if (df[_INIT_COLS] < 0).to_numpy().any():
        raise DataError("initiative costs and gains are amounts >= 0 (a cost is a cost field, not a negative gain)")
    return df


@dataclass(frozen=True)
class JBPValue:
    """Value of a joint business plan to supplier and customer, initiative by initiative.

    ``table`` has per initiative: supplier_npv, customer_npv, supplier_payback, customer_payback (years;
    inf when the yearly net is not positive), mutual (both NPVs > 0). ``both_win`` is True when the whole
    plan creates value for both sides."""

    table: pd.DataFrame
    supplier_npv: float
    customer_npv: float
    both_win: bool
    years: int
    discount_rate: float

    def _repr_html_(self) -> str:
        verdict = ("both parties win" if self.both_win else
                   "one side loses: rework or drop initiatives until both win")
        cols = ["name", "supplier_npv", "customer_npv", "supplier_payback", "customer_payback", "mutual"]
        return (f"<div><b>Joint business plan over {self.years} years at "
                f"{fmt.percent(self.discount_rate, digits=0)}:</b> supplier {fmt.money(self.supplier_npv)}, "
                f"customer {fmt.money(self.customer_npv)}: {verdict}</div>"
                + fmt.report_table(self.table[cols]).to_html())


def jbp_value(initiatives, *, years: int = 3, discount_rate: float = 0.10) -> JBPValue:
    """Value of joint-business-plan initiatives to each side, payback, and whether both parties win.

    Per side: NPV = -one_off + sum_{t=1..years} (yearly_gain - yearly_cost) / (1 + r)^t (end-of-year
    flows); payback = one_off / (yearly_gain - yearly_cost) in years (simple, undiscounted). A JBP is
    mutual value creation (Gosselin & Bauwen 2006; Ryals & McDonald 2008, *Key Account Plans*): an
    initiative where one side loses is flagged, ``mutual = supplier_npv > 0 and customer_npv > 0``.

    Parameters
    ----------
    initiatives : iterable of Initiative or dicts, or a DataFrame with Initiative's fields
    years : int
        Plan horizon in years.
    discount_rate : float
        Yearly rate (fraction).

    Examples
    --------
    >>> v = jbp_value([Initiative("VMI", supplier_one_off=30_000, supplier_yearly_gain=20_000,
    ...                           customer_yearly_gain=25_000, customer_one_off=10_000)], discount_rate=0.0)
    >>> v.supplier_npv, v.customer_npv, float(v.table.loc[0, "supplier_payback"]), v.both_win
    (30000.0, 65000.0, 1.5, True)
    """
    if years < 1 or discount_rate <= -1:
        raise DataError("years must be >= 1 and discount_rate > -1")
    df = _initiatives_frame(initiatives)
    annuity = sum(1.0 / (1.0 + discount_rate) ** t for t in range(1, int(years) + 1))
    for side in ("supplier", "customer"):
        net = df[f"{side}_yearly_gain"] - df[f"{side}_yearly_cost"]
        df[f"{side}_yearly_net"] = net
        df[f"{side}_npv"] = -df[f"{side}_one_off"] + net * annuity
        df[f"{side}_payback"] = np.where(net > 0, df[f"{side}_one_off"] / net.where(net > 0, 1.0), np.inf)
    df["mutual"] = (df["supplier_npv"] > 0) & (df["customer_npv"] > 0)
    s, c = float(df["supplier_npv"].sum()), float(df["customer_npv"].sum())
    return JBPValue(table=df, supplier_npv=s, customer_npv=c, both_win=s > 0 and c > 0, years=int(years),
                    discount_rate=discount_rate)
