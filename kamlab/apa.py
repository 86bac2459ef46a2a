"""Account Profitability Analysis: account P&L, price waterfall, cost-to-serve, whale curve, profit leaks.

The course's central move is from revenue size to account profitability. Every function here is pure
(pandas/numpy/scipy in, DataFrames or small frozen dataclasses out) and works in fractions, not percents,
and in the data's currency.

The P&L of one account, top to bottom (Marn & Rosiello, 1992; Kaplan & Cooper, 1998)::

    list_revenue          quantity x list price
  - on_invoice_discount   list_revenue - invoice_revenue
  = invoice_revenue       quantity x invoice price           (returns are negative quantities)
  - off_invoice           rebates and allowances paid off the invoice
  - freight               freight paid by the supplier
  - terms_cost            cost of carrying the receivables (see `account_pnl`)
  = pocket_revenue
  - cogs                  quantity x products.unit_cost
  = gross_margin          (pocket margin)
  - cost_to_serve         sum over activities of driver_qty x activity_rates.rate
  = net_margin

Ratios (``*_pct``) are fractions of invoice revenue (net sales).
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from kamlab.data import DataError, Dataset

__all__ = [
    "DEFAULT_COST_OF_CAPITAL", "MONEY_COLUMNS", "LEAK_RULES", "worked_example", "account_pnl",
    "with_activity_rates", "pnl_totals",
    "Waterfall", "price_waterfall", "waterfall_by_account", "PocketPriceBand", "pocket_price_band",
    "TDABCResult", "tdabc", "whale_curve", "WhaleSummary", "whale_summary", "profit_leaks",
    "CostToServeMatrix", "cost_to_serve_matrix", "CashflowMetrics", "cashflow_metrics",
    "relationship_cashflow",
]

#: Yearly cost of capital (fraction) every function here uses unless told otherwise.
DEFAULT_COST_OF_CAPITAL = 0.10

#: The P&L's money columns before the cost-to-serve activities, in waterfall order.
MONEY_COLUMNS = ("list_revenue", "on_invoice_discount", "invoice_revenue", "off_invoice", "freight",
                 "terms_cost", "pocket_revenue", "cogs", "gross_margin")

#: Default rules of `profit_leaks` (all fractions, except days and multiples).
LEAK_RULES = {
    "discount_limit": 0.20,       # on-invoice discount a salesperson may give without approval
    "band_percentile": 0.10,      # pocket price below this percentile of the product's band
    "rebate_limit": 0.05,         # off-invoice rebates above this fraction of invoice revenue
    "late_days": 5,               # days beyond terms tolerated before a payment counts as late
    "cts_multiple": 2.0,          # cost-to-serve / revenue above this multiple of the segment median
    "price_gap": 0.02,            # invoice price below the segment's average by more than this fraction
    "min_amount": 1.0,            # findings smaller than this (money) are dropped
}

_NO_SALES = "(no sales)"


# ----------------------------------------------------------------------------------------------------
# small shared helpers
# ----------------------------------------------------------------------------------------------------

def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return html.escape(str(value))


def _html(title: str, items: Mapping[str, object], table: pd.DataFrame | None = None) -> str:
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>"
                   for k, v in items.items())
    fmt = lambda v: f"{v:,.2f}" if abs(v) >= 1 else f"{v:.4g}"  # noqa: E731
    extra = table.to_html(float_format=fmt) if table is not None else ""
    return f"<div><b>{html.escape(title)}</b><table>{rows}</table>{extra}</div>"


def _arrow(values: pd.Series):
    """The column as a pyarrow string array when pandas stores it as one (its default "str"), else None."""
    dtype = values.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and dtype.kind in ("O", "U"))
    if not arrow_backed:
        return None
    import pyarrow as pa

    arr = values.array.__arrow_array__()
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def _codes(values: pd.Series, index: pd.Index, what: str) -> np.ndarray:
    """Positions of `values` in `index`, in one hashing pass over the big column: pyarrow's index_in
    for Arrow-backed strings (it releases the GIL, so columns run in parallel threads), else
    factorize the column and look up only its uniques."""
    arr = _arrow(values)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        keys = pa.array(index.to_numpy(dtype=object), type=arr.type, from_pandas=True)
        found = pc.index_in(arr, value_set=keys)
        pos = pc.fill_null(found, -1).to_numpy().astype(np.int64, copy=False) if len(arr) else np.zeros(0, np.int64)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        pos = index.get_indexer(uniques)[codes] if len(uniques) else np.full(len(codes), -1)
    if (pos < 0).any():
        bad = pd.unique(values[pos < 0].astype(object).to_numpy())[:5]
        raise DataError(f"{what}: unknown or empty ids {', '.join(map(str, bad))}; every id must appear in its "
                        "master table (add the missing rows there or drop these lines)")
    return pos


def _all_codes(jobs) -> list[np.ndarray]:
    """`_codes` for several (values, index, what) at once, in threads when the columns are large."""
    if sum(len(v) for v, _, _ in jobs) < 1_000_000:
        return [_codes(*job) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda job: _codes(*job), jobs))


def _days(series: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (NaT -> a very negative number, checked by the caller)."""
    return series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _period_ordinals(series: pd.Series, period: str) -> np.ndarray:
    months = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "Q" else months // 12


def worked_example() -> Dataset:
    """A two-account company small enough to check every P&L number by hand (used in docs and tests).

    A1 (terms 30 days) buys 10 pumps at 90 (list 100) and 20 valves at 45 (list 50) in one order,
    paid on day 60; A2 (terms 60 days) buys 5 pumps at 80 as a rush order, returns one, and has not
    paid yet.

    Examples
    --------
    >>> worked_example().order_lines[["account_id", "quantity", "invoice_price"]].to_numpy().tolist()
    [['A1', 10.0, 90.0], ['A1', 20.0, 45.0], ['A2', 5.0, 80.0], ['A2', -1.0, 80.0]]
    """
    d = pd.to_datetime
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2"], "name": ["Alpha", "Beta"], "industry": ["chemicals", "food"],
        "region": ["north", "south"], "segment": ["large", "mid"],
        "customer_since": d(["2020-01-01", "2022-06-01"]), "lifecycle_stage": [4, 2],
        "relationship_stage": ["cooperative", "basic"], "market_leader": [True, False],
        "key_market": [True, True], "global_presence": [False, False], "payment_terms_days": [30, 60],
        "churn_risk": [0.1, 0.3], "service_tier": ["gold", "silver"]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "name": ["pump", "valve"],
                             "product_line": ["pumps", "valves"], "list_price": [100.0, 50.0],
                             "unit_cost": [60.0, 20.0]})
    order_lines = pd.DataFrame({
        "line_id": [1, 2, 3, 4], "order_id": ["O1", "O1", "O2", "O3"],
        "invoice_date": d(["2025-01-15", "2025-01-15", "2025-04-10", "2025-05-20"]),
        "account_id": ["A1", "A1", "A2", "A2"], "product_id": ["P1", "P2", "P1", "P1"],
        "quantity": [10.0, 20.0, 5.0, -1.0], "list_price": [100.0, 50.0, 100.0, 100.0],
        "invoice_price": [90.0, 45.0, 80.0, 80.0], "off_invoice": [20.0, 0.0, 30.0, 0.0],
        "freight_cost": [10.0, 5.0, 15.0, 0.0], "rush": [False, False, True, False],
        "custom": [False, False, False, False]})
    activities = pd.DataFrame({
        "date": d(["2025-02-01", "2025-04-11", "2025-05-01"]), "account_id": ["A1", "A2", "A2"],
        "activity": ["sales_visit", "rush_handling", "support_ticket"], "driver_qty": [2.0, 1.0, 3.0]})
    activity_rates = pd.DataFrame({
        "activity": ["sales_visit", "rush_handling", "support_ticket"],
        "driver_unit": ["visit", "order", "ticket"], "rate": [250.0, 150.0, 40.0],
        "cost_behaviour": ["variable", "variable", "fixed_avoidable"]})
    payments = pd.DataFrame({
        "order_id": ["O1", "O2", "O3"], "account_id": ["A1", "A2", "A2"], "amount": [1800.0, 400.0, -80.0],
        "due_date": d(["2025-02-14", "2025-06-09", "2025-07-19"]),
        "paid_date": d(["2025-03-16", None, "2025-07-19"])})
    wallets = pd.DataFrame({"account_id": ["A1", "A1", "A2"], "product_line": ["pumps", "valves", "pumps"],
                            "estimated_spend": [5000.0, 3000.0, 2000.0]})
    return Dataset(accounts=accounts, products=products, order_lines=order_lines, activities=activities,
                   activity_rates=activity_rates, payments=payments, wallets=wallets,
                   meta={"name": "worked example", "currency": "EUR"})


# ----------------------------------------------------------------------------------------------------
# 1. account P&L
# ----------------------------------------------------------------------------------------------------

def _parse_by(by) -> bool:
    keys = (by,) if isinstance(by, str) else tuple(by)
    if keys == ("account",):
        return False
    if keys == ("account", "product_line"):
        return True
    raise DataError(f"by={by!r} is not supported: use 'account' or ('account', 'product_line')")


def account_pnl(ds: Dataset, *, by="account", period: str | None = None,
                cost_of_capital: float = DEFAULT_COST_OF_CAPITAL, days_in_year: int = 365) -> pd.DataFrame:
    """The P&L of every account, from list revenue down to net margin after cost-to-serve.

    Parameters
    ----------
    ds : Dataset
    by : "account" or ("account", "product_line")
        Row grain. Account-level costs (cost-to-serve activities and terms_cost) are split across an
        account's product lines in proportion to its positive invoice revenue per line in the same
        period; an account with costs but no positive revenue in a period gets a ``"(no sales)"`` line.
        The split only moves money between rows, so every column still sums to the same totals.
    period : None, "Q" or "Y"
        Add a ``period`` index level (pandas Periods) by invoice date, activity date, and for
        payments the invoice date (due_date - payment_terms_days).
    cost_of_capital : float
        Yearly cost of capital (fraction) used for terms_cost.
    days_in_year : int
        Day-count convention of terms_cost (365 or 360).

    Returns
    -------
    DataFrame indexed by account_id (then product_line, then period), sorted by index, with the columns
    of `MONEY_COLUMNS`, gross_margin_pct, one column per activity of ``ds.activity_rates`` (in that
    table's order), cost_to_serve, net_margin, net_margin_pct, revenue_rank and profit_rank. With
    ``by="account"`` and no period every account of ``ds.accounts`` has a row (zeros if it bought
    nothing); otherwise only rows with data.

    Notes
    -----
    terms_cost = amount x days taken to pay / days_in_year x cost_of_capital, per payment row, where
    days taken = payment_terms_days + (paid_date - due_date), or the contracted payment_terms_days
    while unpaid, floored at 0 (so the invoice date is due_date - payment_terms_days and payments need
    not be joined to order lines). Ratios are fractions of invoice_revenue (NaN when it is 0).
    Ranks: 1 = largest invoice_revenue (revenue_rank) or net_margin (profit_rank), within each period
    when `period` is given; ties go to the smaller account id (then product line).
    Grouping runs on integer codes (hash lookup + bincount), not on object group-bys.

    Examples
    --------
    >>> pnl = account_pnl(worked_example())
    >>> pnl[["invoice_revenue", "terms_cost", "cost_to_serve", "net_margin"]].round(2).to_numpy().tolist()
    [[1800.0, 29.59, 500.0, 235.41], [320.0, 5.26, 270.0, -240.26]]
    >>> pnl["profit_rank"].tolist()
    [1, 2]
    """
    split_lines = _check_options(by, period, cost_of_capital, days_in_year)
    accounts, lines, acts, pays = ds.accounts, ds.order_lines, ds.activities, ds.payments
    acc_index = pd.Index(accounts["account_id"])
    if not acc_index.is_unique:
        raise DataError("accounts.account_id has duplicates: every account needs one row")
    rate_index = pd.Index(ds.activity_rates["activity"])
    l_acc, l_prod, a_acc, a_act, p_acc = _all_codes([
        (lines["account_id"], acc_index, "order_lines.account_id"),
        (lines["product_id"], pd.Index(ds.products["product_id"]), "order_lines.product_id"),
        (acts["account_id"], acc_index, "activities.account_id"),
        (acts["activity"], rate_index, "activities.activity"),
        (pays["account_id"], acc_index, "payments.account_id")])
    terms_days = accounts["payment_terms_days"].to_numpy(dtype=np.float64)[p_acc]
    terms = _terms_cost(pays, terms_days, cost_of_capital, days_in_year)
    per_lo, n_per, (l_per, a_per, p_per) = _period_codes(
        period, lines["invoice_date"], acts["date"], pays["due_date"] - pd.to_timedelta(terms_days, unit="D"))
    if split_lines:
        pl_codes, pl_names = pd.factorize(ds.products["product_line"], sort=True)
        pl_names, l_line = [*pl_names, _NO_SALES], pl_codes[l_prod]
    else:
        pl_names, l_line = [None], 0
    grid = (len(acc_index), n_per, len(pl_names))
    sums, counts, positive = _line_sums(lines, ds.products, l_prod, (l_acc * n_per + l_per) * grid[2] + l_line, grid)
    n_ap, n_act = grid[0] * n_per, len(rate_index)
    act_cost = acts["driver_qty"].to_numpy(dtype=np.float64) * ds.activity_rates["rate"].to_numpy(np.float64)[a_act]
    cts = _bincount((a_acc * n_per + a_per) * n_act + a_act, act_cost, n_ap * n_act).reshape(n_ap, n_act)
    terms_ap = _bincount(p_acc * n_per + p_per, terms, n_ap)
    if split_lines:
        share = _line_shares(positive.reshape(n_ap, grid[2]))
        terms_rows = (terms_ap[:, None] * share).ravel()
        cts_rows = (cts[:, None, :] * share[:, :, None]).reshape(-1, n_act)
    else:
        terms_rows, cts_rows = terms_ap, cts
    keep = np.ones(len(counts), dtype=bool)
    if split_lines or period is not None:
        keep = (counts > 0) | (terms_rows != 0) | (cts_rows != 0).any(axis=1)
    rows = np.flatnonzero(keep)
    index = _pnl_index(rows, grid, acc_index, pl_names if split_lines else None, period, per_lo)
    return _assemble(index, {k: v[rows] for k, v in sums.items()}, terms_rows[rows], cts_rows[rows], rate_index,
                     period is not None)


def _check_options(by, period, cost_of_capital, days_in_year) -> bool:
    split_lines = _parse_by(by)
    if period not in (None, "Q", "Y"):
        raise DataError(f"period={period!r} is not supported: use None, 'Q' (quarters) or 'Y' (years)")
    if not (0 <= cost_of_capital < 1):
        raise DataError(f"cost_of_capital is a yearly fraction (0.10 is 10%), got {cost_of_capital}")
    if days_in_year not in (360, 365):
        raise DataError(f"days_in_year must be 360 or 365, got {days_in_year}")
    return split_lines


def _bincount(keys, weights, n: int) -> np.ndarray:
    return np.bincount(keys, weights=weights, minlength=n) if len(weights) else np.zeros(n)


def _terms_cost(pays: pd.DataFrame, terms_days: np.ndarray, cost_of_capital: float, days_in_year: int) -> np.ndarray:
    """Per payment: amount x days taken / days_in_year x cost_of_capital (see `account_pnl`)."""
    due = _days(pays["due_date"])
    paid = np.where(pays["paid_date"].isna().to_numpy(), due, _days(pays["paid_date"].fillna(pays["due_date"])))
    taken = np.maximum(terms_days + (paid - due), 0.0)
    return pays["amount"].to_numpy(dtype=np.float64) * taken / days_in_year * cost_of_capital


def _period_codes(period, *dates: pd.Series):
    """(first ordinal, number of periods, codes per date column); one period when `period` is None."""
    if period is None:
        return 0, 1, tuple(0 for _ in dates)
    ords = [_period_ordinals(d, period) for d in dates]
    filled = [o for o in ords if len(o)]
    lo = min(int(o.min()) for o in filled) if filled else 0
    n = (max(int(o.max()) for o in filled) - lo + 1) if filled else 1
    return lo, n, tuple(o - lo for o in ords)


def _line_sums(lines: pd.DataFrame, products: pd.DataFrame, l_prod: np.ndarray, key: np.ndarray, grid):
    """Order-line money summed per (account, period, product line) cell, the line counts, and the
    positive invoice revenue (the basis for spreading account-level costs over product lines)."""
    n = int(np.prod(grid))
    qty = lines["quantity"].to_numpy(dtype=np.float64)
    inv = qty * lines["invoice_price"].to_numpy(dtype=np.float64)
    sums = {"list_revenue": _bincount(key, qty * lines["list_price"].to_numpy(dtype=np.float64), n),
            "invoice_revenue": _bincount(key, inv, n),
            "off_invoice": _bincount(key, lines["off_invoice"].to_numpy(dtype=np.float64), n),
            "freight": _bincount(key, lines["freight_cost"].to_numpy(dtype=np.float64), n),
            "cogs": _bincount(key, qty * products["unit_cost"].to_numpy(dtype=np.float64)[l_prod], n)}
    counts = np.bincount(key, minlength=n) if len(key) else np.zeros(n, dtype=np.int64)
    positive = _bincount(key, np.maximum(inv, 0.0), n) if grid[2] > 1 else None
    return sums, counts, positive


def _line_shares(positive: np.ndarray) -> np.ndarray:
    """Each product line's share of its (account, period) positive invoice revenue; all to the last
    column ("(no sales)") where there is none."""
    tot = positive.sum(axis=1)
    share = np.divide(positive, tot[:, None], out=np.zeros_like(positive), where=tot[:, None] > 0)
    share[tot <= 0, -1] = 1.0
    return share


def _pnl_index(rows, grid, acc_index: pd.Index, pl_names, period, per_lo) -> pd.Index:
    n_acc, n_per, n_line = grid
    acc_pos, rest = np.divmod(rows, n_per * n_line)
    per_pos, line_pos = np.divmod(rest, n_line)
    levels = {"account_id": acc_index.to_numpy()[acc_pos]}
    if pl_names is not None:
        levels["product_line"] = np.asarray(pl_names, dtype=object)[line_pos]
    if period is not None:
        levels["period"] = pd.PeriodIndex.from_ordinals(per_pos + per_lo, freq=period)
    if len(levels) == 1:
        return pd.Index(levels["account_id"], name="account_id")
    return pd.MultiIndex.from_arrays(list(levels.values()), names=list(levels))


def _assemble(index, sums, terms, cts, activities, by_period: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    out["list_revenue"] = sums["list_revenue"]
    out["on_invoice_discount"] = sums["list_revenue"] - sums["invoice_revenue"]
    for col in ("invoice_revenue", "off_invoice", "freight"):
        out[col] = sums[col]
    out["terms_cost"] = terms
    out["pocket_revenue"] = out["invoice_revenue"] - out["off_invoice"] - out["freight"] - out["terms_cost"]
    out["cogs"] = sums["cogs"]
    out["gross_margin"] = out["pocket_revenue"] - out["cogs"]
    revenue = out["invoice_revenue"].where(out["invoice_revenue"] != 0)
    out["gross_margin_pct"] = out["gross_margin"] / revenue
    for j, name in enumerate(activities):
        out[name] = cts[:, j]
    out["cost_to_serve"] = cts.sum(axis=1)
    out["net_margin"] = out["gross_margin"] - out["cost_to_serve"]
    out["net_margin_pct"] = out["net_margin"] / revenue
    out = out.sort_index()
    ranker = out.groupby(level="period", sort=False) if by_period else out
    out["revenue_rank"] = ranker["invoice_revenue"].rank(method="first", ascending=False).astype("int64")
    out["profit_rank"] = ranker["net_margin"].rank(method="first", ascending=False).astype("int64")
    return out


def with_activity_rates(ds: Dataset, multipliers: Mapping[str, float] | float) -> Dataset:
    """A copy of `ds` whose activity rates are multiplied (per activity, or all by one number).

    Examples
    --------
    >>> ds = with_activity_rates(worked_example(), {"sales_visit": 2.0})
    >>> ds.activity_rates["rate"].tolist()
    [500.0, 150.0, 40.0]
    """
    rates = ds.activity_rates
    if isinstance(multipliers, (int, float)):
        factor = pd.Series(float(multipliers), index=rates.index)
    else:
        unknown = sorted(set(multipliers) - set(rates["activity"]))
        if unknown:
            raise DataError(f"unknown activities {unknown}; known: {list(rates['activity'])}")
        factor = rates["activity"].map(lambda a: float(multipliers.get(a, 1.0)))
    if (factor < 0).any():
        raise DataError("activity rate multipliers must be >= 0")
    return ds.replace(activity_rates=rates.assign(rate=rates["rate"] * factor))


def pnl_totals(pnl: pd.DataFrame) -> pd.Series:
    """Company totals of a P&L: every money column summed, ratios recomputed on the totals.

    Examples
    --------
    >>> pnl_totals(account_pnl(worked_example()))[["invoice_revenue", "net_margin"]].round(2).tolist()
    [2120.0, -4.85]
    """
    money = pnl.drop(columns=["gross_margin_pct", "net_margin_pct", "revenue_rank", "profit_rank"],
                     errors="ignore")
    tot = money.sum()
    rev = tot["invoice_revenue"]
    tot["gross_margin_pct"] = tot["gross_margin"] / rev if rev else np.nan
    tot["net_margin_pct"] = tot["net_margin"] / rev if rev else np.nan
    return tot


# ----------------------------------------------------------------------------------------------------
# 2. price waterfall and pocket price band
# ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waterfall:
    """A price waterfall: `steps` has one row per step (step, kind 'price' or 'leak', amount,
    per_unit, fraction_of_list); leaks are negative."""

    steps: pd.DataFrame
    units: float
    account_id: str | None = None
    product_line: str | None = None
    currency: str = "EUR"

    @property
    def pocket_price(self) -> float:
        return float(self.steps.set_index("step").loc["pocket price", "per_unit"])

    def _repr_html_(self) -> str:
        scope = f"account {self.account_id or 'all'}, product line {self.product_line or 'all'}"
        return _html(f"Price waterfall ({scope})", {"units": self.units, "currency": self.currency},
                     self.steps.set_index("step"))


_WATERFALL = (("list price", "price", "list_revenue", 1), ("on-invoice discount", "leak", "on_invoice_discount", -1),
              ("invoice price", "price", "invoice_revenue", 1), ("off-invoice rebates", "leak", "off_invoice", -1),
              ("freight", "leak", "freight", -1), ("payment terms", "leak", "terms_cost", -1),
              ("pocket price", "price", "pocket_revenue", 1), ("cost of goods", "leak", "cogs", -1),
              ("pocket margin", "price", "gross_margin", 1))


def price_waterfall(ds: Dataset, *, account_id: str | None = None, product_line: str | None = None,
                    cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> Waterfall:
    """The price waterfall (Marn & Rosiello, 1992): list price -> invoice price -> pocket price ->
    pocket margin, per unit, each leak its own step, for all sales or one account and/or product line.

    Per unit = the scope's money total / its net units (returns subtract). Account-level terms cost
    is split across product lines as in `account_pnl`.

    Examples
    --------
    >>> w = price_waterfall(worked_example(), account_id="A1")
    >>> w.steps["per_unit"].round(3).tolist()
    [66.667, -6.667, 60.0, -0.667, -0.5, -0.986, 57.847, -33.333, 24.514]
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
    units = float(lines.loc[lmask, "quantity"].sum())
    if units <= 0:
        raise DataError("no units sold in this scope: choose another account or product line")
    list_rev = tot["list_revenue"]
    steps = pd.DataFrame([{"step": name, "kind": kind, "amount": sign * tot[col],
                           "per_unit": sign * tot[col] / units,
                           "fraction_of_list": sign * tot[col] / list_rev if list_rev else np.nan}
                          for name, kind, col, sign in _WATERFALL])
    return Waterfall(steps=steps, units=units, account_id=account_id, product_line=product_line,
                     currency=ds.currency)


def waterfall_by_account(pnl: pd.DataFrame) -> pd.DataFrame:
    """The waterfall of every account as money and as fractions of list revenue (one row per account).

    Examples
    --------
    >>> waterfall_by_account(account_pnl(worked_example()))["pocket_revenue_of_list"].round(4).tolist()
    [0.8677, 0.6743]
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
        return _html(f"Pocket price band by {self.by} ({len(self.values)} observations)",
                     {f"p{int(round(q * 100))}": v for q, v in self.percentiles.items()})


_BAND_QS = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


def _line_pocket(ds: Dataset, cost_of_capital: float) -> pd.DataFrame:
    """Per order line: list and pocket revenue (terms cost spread by the account's invoice revenue)."""
    lines = ds.order_lines
    pnl = account_pnl(ds, cost_of_capital=cost_of_capital)
    terms_ratio = (pnl["terms_cost"] / pnl["invoice_revenue"].where(pnl["invoice_revenue"] != 0)).fillna(0)
    inv = lines["quantity"] * lines["invoice_price"]
    lst = lines["quantity"] * lines["list_price"]
    pocket = inv - lines["off_invoice"] - lines["freight_cost"] - inv * lines["account_id"].map(terms_ratio)
    return pd.DataFrame({"account_id": lines["account_id"], "product_id": lines["product_id"],
                         "list": lst, "invoice": inv, "pocket": pocket, "quantity": lines["quantity"]})


def pocket_price_band(ds: Dataset, *, by: str = "order_line",
                      cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> PocketPriceBand:
    """The distribution of pocket price as a fraction of list price (Marn & Rosiello, 1992).

    by="order_line": one value per sold line (returns and zero-list lines left out); by="account":
    one per account (pocket revenue / list revenue). Percentiles are of the values, unweighted.

    Examples
    --------
    >>> band = pocket_price_band(worked_example())
    >>> band.values.round(3).tolist()
    [0.855, 0.88, 0.697]
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


# ----------------------------------------------------------------------------------------------------
# 3. time-driven activity-based costing
# ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TDABCResult:
    """Time-driven ABC: `rate` per time unit, `unit_costs` and `used` time per activity (Series),
    total `used`/`unused` time, `utilization`, `assigned_cost`, `unused_cost`."""

    rate: float
    unit_costs: pd.Series
    used_by_activity: pd.Series
    used: float
    unused: float
    utilization: float
    assigned_cost: float
    unused_cost: float

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"unit_cost": self.unit_costs, "time_used": self.used_by_activity,
                             "cost_assigned": self.used_by_activity * self.rate})

    def _repr_html_(self) -> str:
        return _html("Time-driven activity-based costing",
                     {"cost per time unit": self.rate, "time used": self.used, "time unused": self.unused,
                      "utilization": f"{self.utilization:.1%}", "cost assigned": self.assigned_cost,
                      "cost of unused capacity": self.unused_cost}, self.table())


def tdabc(cost_of_capacity: float, practical_capacity: float, unit_times: Mapping[str, float],
          quantities: Mapping[str, float]) -> TDABCResult:
    """Time-driven activity-based costing (Kaplan & Anderson, HBR 2004).

    rate = cost of capacity supplied / practical capacity (time units); an activity's unit cost =
    rate x its unit time; used time = sum of unit time x quantity; the rest is unused capacity, whose
    cost is reported, not spread over the customers.

    Examples
    --------
    >>> r = tdabc(560_000, 700_000, {"order": 8, "inquiry": 44, "credit check": 50},
    ...           {"order": 49_000, "inquiry": 1_400, "credit check": 2_500})
    >>> round(r.rate, 2), r.unit_costs.round(2).tolist()
    (0.8, [6.4, 35.2, 40.0])
    >>> r.used, round(r.utilization, 4), round(r.assigned_cost), r.unused, round(r.unused_cost)
    (578600.0, 0.8266, 462880, 121400.0, 97120)
    """
    if practical_capacity <= 0:
        raise DataError("practical_capacity must be positive (e.g. minutes available per period)")
    missing = sorted(set(quantities) - set(unit_times))
    if missing:
        raise DataError(f"quantities for activities without a unit time: {missing}")
    rate = cost_of_capacity / practical_capacity
    times = pd.Series({k: float(v) for k, v in unit_times.items()}, name="unit_time")
    qty = pd.Series({k: float(quantities.get(k, 0.0)) for k in times.index})
    used_by = (times * qty).rename("time_used")
    used = float(used_by.sum())
    return TDABCResult(rate=rate, unit_costs=(times * rate).rename("unit_cost"), used_by_activity=used_by,
                       used=used, unused=practical_capacity - used, utilization=used / practical_capacity,
                       assigned_cost=used * rate, unused_cost=(practical_capacity - used) * rate)


# ----------------------------------------------------------------------------------------------------
# 4. whale curve
# ----------------------------------------------------------------------------------------------------

def _profits(profits) -> pd.Series:
    s = profits.copy() if isinstance(profits, pd.Series) else pd.Series(np.asarray(profits, dtype=float))
    if s.empty:
        raise DataError("no accounts: the whale curve needs at least one profit")
    s = s.astype(float)
    if s.isna().any():
        raise DataError("profits contain missing values")
    total = s.sum()
    if total <= 0:
        raise DataError(f"total profit is {total:,.2f}: a whale curve (profit as a share of the total) "
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
        return _html("Whale curve", {
            "peak of the curve (profit as % of total)": f"{self.peak_pct:.1%}",
            "reached at this share of accounts": f"{self.peak_share:.1%}",
            "profit of the top 20% of accounts": f"{self.top20_pct:.1%}",
            "losses as % of total profit": f"{self.loss_pct:.1%}",
            "subsidy ratio (losses / gains)": f"{self.subsidy_ratio:.1%}",
            "accounts (loss-making)": f"{self.n_accounts} ({self.n_loss_making})"})


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


# ----------------------------------------------------------------------------------------------------
# 5. profit leaks
# ----------------------------------------------------------------------------------------------------

def _finding(acc, leak, amount, text) -> dict:
    return {"account_id": acc, "leak": leak, "amount": float(amount), "explanation": text}


def profit_leaks(ds: Dataset, *, rules: Mapping[str, float] | None = None,
                 cost_of_capital: float = DEFAULT_COST_OF_CAPITAL, days_in_year: int = 365) -> pd.DataFrame:
    """Where margin leaks away: one row per finding (account_id, leak, amount at stake, explanation).

    Leaks (rules default to `LEAK_RULES`; pass a dict to override some):
    discount beyond authority (on-invoice discount above ``discount_limit`` of list: the excess);
    pocket price below band (lines below the product's ``band_percentile`` pocket price: the gap to it);
    rebates above policy (off-invoice above ``rebate_limit`` of invoice revenue: the excess);
    rush/custom work not charged (rush_handling + customization cost minus any price premium the
    account's rush/custom lines carry over its other lines); late payment (payments more than
    ``late_days`` beyond terms: extra days x amount x cost_of_capital / days_in_year);
    cost-to-serve above peers (cost-to-serve / revenue above ``cts_multiple`` x the segment median:
    the excess over the median); pricing opportunity (invoice price below the segment's average for
    the product by more than ``price_gap``: (average - price) x quantity).
    Method after Marn, Roegner & Zawada (2004), "The Price Advantage".

    Examples
    --------
    >>> profit_leaks(worked_example())[["account_id", "leak"]].to_numpy().tolist()[:2]
    [['A2', 'rush/custom work not charged'], ['A1', 'late payment']]
    """
    r = {**LEAK_RULES, **(rules or {})}
    unknown = sorted(set(r) - set(LEAK_RULES))
    if unknown:
        raise DataError(f"unknown leak rules {unknown}; known: {sorted(LEAK_RULES)}")
    pnl = account_pnl(ds, cost_of_capital=cost_of_capital, days_in_year=days_in_year)
    lp = _line_pocket(ds, cost_of_capital)
    ctx = _LeakContext(ds, pnl, lp, lp[(lp["quantity"] > 0) & (lp["list"] > 0)], r, ds.currency,
                       cost_of_capital, days_in_year)
    out = [f for rule in _LEAK_FINDERS for f in rule(ctx)]
    res = pd.DataFrame(out, columns=["account_id", "leak", "amount", "explanation"])
    res = res[res["amount"] >= r["min_amount"]]
    return res.sort_values(["amount", "account_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class _LeakContext:
    ds: Dataset
    pnl: pd.DataFrame
    lines: pd.DataFrame      # per order line: account_id, product_id, list, invoice, pocket, quantity
    sold: pd.DataFrame       # the lines with a positive quantity and list revenue
    rules: dict
    cur: str
    coc: float
    diy: int


def _leak_discount(c: _LeakContext) -> list[dict]:
    limit, sold = c.rules["discount_limit"], c.sold
    disc = 1 - sold["invoice"] / sold["list"]
    excess = ((disc - limit).clip(lower=0) * sold["list"]).groupby(sold["account_id"]).sum()
    n_lines = (disc > limit).groupby(sold["account_id"]).sum()
    return [_finding(acc, "discount beyond authority", amt,
                     f"{int(n_lines[acc])} order lines discounted more than {limit:.0%} off list; the "
                     f"discount beyond the limit is worth {amt:,.0f} {c.cur}.") for acc, amt in excess.items()]


def _leak_band(c: _LeakContext) -> list[dict]:
    q, sold = c.rules["band_percentile"], c.sold
    ratio = sold["pocket"] / sold["list"]
    floor = ratio.groupby(sold["product_id"]).transform(lambda v: v.quantile(q))
    gap = ((floor - ratio).clip(lower=0) * sold["list"]).groupby(sold["account_id"]).sum()
    return [_finding(acc, "pocket price below band", amt,
                     f"lines priced below the {q:.0%} percentile of the product's pocket price band; lifting "
                     f"them to it is worth {amt:,.0f} {c.cur}.") for acc, amt in gap.items()]


def _leak_rebates(c: _LeakContext) -> list[dict]:
    limit, pnl = c.rules["rebate_limit"], c.pnl
    excess = pnl["off_invoice"] - limit * pnl["invoice_revenue"].clip(lower=0)
    share = pnl["off_invoice"] / pnl["invoice_revenue"].where(pnl["invoice_revenue"] > 0)
    return [_finding(acc, "rebates above policy", amt,
                     f"off-invoice rebates are {share[acc]:.1%} of invoice revenue (policy {limit:.0%}); the "
                     f"excess is {amt:,.0f} {c.cur}.") for acc, amt in excess[excess > 0].items()]


def _leak_rush_custom(c: _LeakContext) -> list[dict]:
    pnl, lines = c.pnl, c.ds.order_lines
    work_cols = [col for col in ("rush_handling", "customization") if col in pnl.columns]
    if not work_cols:
        return []
    work = pnl[work_cols].sum(axis=1)
    special = lines["rush"].to_numpy(dtype=bool) | lines["custom"].to_numpy(dtype=bool)
    real = c.lines.assign(special=special)
    real = real[(real["quantity"] > 0) & (real["list"] > 0)]
    g = real.groupby(["account_id", "special"])[["invoice", "list"]].sum()
    realised = (g["invoice"] / g["list"]).unstack()
    premium = pd.Series(0.0, index=pnl.index)
    if True in realised.columns and False in realised.columns:
        extra = ((realised[True] - realised[False]).clip(lower=0) * g["list"].xs(True, level="special")).dropna()
        premium = premium.add(extra, fill_value=0).reindex(pnl.index).fillna(0.0)
    uncharged = (work - premium).clip(lower=0)
    return [_finding(acc, "rush/custom work not charged", amt,
                     f"rush and customisation work cost {work[acc]:,.0f} {c.cur} and the account's prices "
                     f"recover {premium[acc]:,.0f} of it.") for acc, amt in uncharged[uncharged > 0].items()]


def _leak_late(c: _LeakContext) -> list[dict]:
    paid = c.ds.payments.dropna(subset=["paid_date"])
    days = (paid["paid_date"] - paid["due_date"]).dt.days
    late = paid.assign(days=days)[days - c.rules["late_days"] > 0]
    if late.empty:
        return []
    late = late.assign(cost=late["amount"] * late["days"] / c.diy * c.coc)
    g = late.groupby("account_id").agg(cost=("cost", "sum"), days=("days", "mean"), n=("days", "size"))
    return [_finding(acc, "late payment", row["cost"],
                     f"{int(row['n'])} payments came on average {row['days']:.0f} days after the due date; "
                     f"carrying them costs {row['cost']:,.0f} {c.cur} at {c.coc:.0%} a year.")
            for acc, row in g.iterrows()]


def _leak_cts(c: _LeakContext) -> list[dict]:
    pnl = c.pnl
    seg = c.ds.accounts.set_index("account_id")["segment"].reindex(pnl.index)
    rev = pnl["invoice_revenue"].where(pnl["invoice_revenue"] > 0)
    ratio = pnl["cost_to_serve"] / rev
    median = ratio.groupby(seg).transform("median")
    excess = (pnl["cost_to_serve"] - median * rev)[ratio > c.rules["cts_multiple"] * median]
    return [_finding(acc, "cost-to-serve above peers", amt,
                     f"cost-to-serve is {ratio[acc]:.1%} of revenue against a median of {median[acc]:.1%} in "
                     f"segment '{seg[acc]}'; the excess is {amt:,.0f} {c.cur}.") for acc, amt in excess.items()]


def _leak_pricing(c: _LeakContext) -> list[dict]:
    lines = c.ds.order_lines
    pos = lines[lines["quantity"] > 0]
    frame = pd.DataFrame({"account_id": pos["account_id"], "product_id": pos["product_id"],
                          "segment": pos["account_id"].map(c.ds.accounts.set_index("account_id")["segment"]),
                          "qty": pos["quantity"], "inv": pos["quantity"] * pos["invoice_price"]})
    ap = frame.groupby(["segment", "account_id", "product_id"])[["qty", "inv"]].sum()
    sp = ap.groupby(level=["segment", "product_id"])[["qty", "inv"]].transform("sum")
    avg_seg, avg_acc = sp["inv"] / sp["qty"], ap["inv"] / ap["qty"]
    below = avg_acc < avg_seg * (1 - c.rules["price_gap"])
    opp = ((avg_seg - avg_acc) * ap["qty"])[below].groupby(level="account_id").sum()
    return [_finding(acc, "pricing opportunity", amt,
                     f"pays less than its segment's average price for some products; at the segment average "
                     f"these volumes would bring {amt:,.0f} {c.cur} more.") for acc, amt in opp[opp > 0].items()]


_LEAK_FINDERS = (_leak_discount, _leak_band, _leak_rebates, _leak_rush_custom, _leak_late, _leak_cts,
                 _leak_pricing)


# ----------------------------------------------------------------------------------------------------
# 6. Shapiro's cost-to-serve matrix
# ----------------------------------------------------------------------------------------------------

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
        return _html("Cost-to-serve matrix (Shapiro et al., 1987)",
                     {"price split (pocket / list)": self.price_split,
                      "cost split (cost-to-serve / revenue)": self.cost_split,
                      **{q: int(n) for q, n in self.counts.items()}})


QUADRANTS = ("carriage trade", "passive", "aggressive", "bargain basement")


def cost_to_serve_matrix(pnl: pd.DataFrame, *, price_split: float | None = None,
                         cost_split: float | None = None) -> CostToServeMatrix:
    """Shapiro, Rangan, Moriarty & Ross (HBR 1987): net price realised vs cost to serve.

    Net price realised = pocket_revenue / list_revenue; cost to serve = (cost_to_serve + freight +
    terms_cost) / invoice_revenue (the costs the supplier carries to serve the account after the
    sale). High price & high cost: carriage trade; high & low: passive; low & high: aggressive; low &
    low: bargain basement. Splits default to the medians; a value equal to a split counts as high.
    Accounts without list revenue are left out.

    Examples
    --------
    >>> m = cost_to_serve_matrix(account_pnl(worked_example()))
    >>> m.table["quadrant"].tolist()
    ['passive', 'aggressive']
    """
    p = pnl[pnl["list_revenue"] > 0]
    if p.empty:
        raise DataError("no account has list revenue: nothing to place in the cost-to-serve matrix")
    price = p["pocket_revenue"] / p["list_revenue"]
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


# ----------------------------------------------------------------------------------------------------
# 7. the relationship's cash flow over time
# ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CashflowMetrics:
    """Cash flows over periods t = 0, 1, ...: cumulative and discounted cumulative sums, payback and
    discounted payback (fractional periods; NaN if never), npv and irr (NaN if none)."""

    cash_flows: pd.Series
    rate: float
    cumulative: pd.Series
    discounted_cumulative: pd.Series
    payback: float
    discounted_payback: float
    npv: float
    irr: float

    def _repr_html_(self) -> str:
        table = pd.DataFrame({"cash flow": self.cash_flows, "cumulative": self.cumulative,
                              "discounted cumulative": self.discounted_cumulative})
        return _html("The relationship's cash flow", {
            "rate": f"{self.rate:.1%}", "payback (periods)": self.payback,
            "discounted payback (periods)": self.discounted_payback, "NPV": self.npv,
            "IRR": f"{self.irr:.2%}" if np.isfinite(self.irr) else "none"}, table)


def _payback(cum: np.ndarray, flows: np.ndarray) -> float:
    """First period where the cumulative sum turns non-negative, interpolated within the period."""
    if cum[0] >= 0:
        return 0.0
    for t in range(1, len(cum)):
        if cum[t] >= 0 > cum[t - 1]:
            return float(t - 1 + (-cum[t - 1]) / flows[t])
    return float("nan")


def cashflow_metrics(cash_flows: Sequence[float] | pd.Series, rate: float) -> CashflowMetrics:
    """Payback, discounted payback, NPV and IRR of a relationship's cash flows.

    Convention: the first flow is at t = 0 and not discounted; flow t is discounted by (1 + rate)^t.
    Payback interpolates linearly within the period the cumulative sum turns positive (Brealey, Myers
    & Allen, Principles of Corporate Finance). The IRR is the rate where NPV = 0 (bracketed root;
    NaN when the flows do not change sign).

    Examples
    --------
    >>> m = cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10)
    >>> round(m.payback, 3), round(m.discounted_payback, 3), round(m.npv, 2), round(m.irr, 4)
    (3.222, 3.878, 102.92, 0.2424)
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
    irr = float("nan")
    if (f > 0).any() and (f < 0).any():
        from scipy.optimize import brentq

        npv_at = lambda r: float(np.sum(f / (1 + r) ** t))  # noqa: E731
        grid = np.r_[-0.99, np.linspace(-0.9, 10, 200)]
        vals = np.array([npv_at(g) for g in grid])
        sign = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
        if len(sign):
            irr = float(brentq(npv_at, grid[sign[0]], grid[sign[0] + 1], xtol=1e-14))
    return CashflowMetrics(cash_flows=flows, rate=rate, cumulative=pd.Series(cum, index=flows.index),
                           discounted_cumulative=pd.Series(dcum, index=flows.index),
                           payback=_payback(cum, f), discounted_payback=_payback(dcum, disc),
                           npv=float(dcum[-1]), irr=irr)


def relationship_cashflow(ds: Dataset, account_id: str, *, acquisition_cost: float = 0.0,
                          period: str = "Y", rate: float = DEFAULT_COST_OF_CAPITAL,
                          cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> CashflowMetrics:
    """`cashflow_metrics` of one account: t = 0 is the acquisition (-acquisition_cost), then its net
    margin (contribution after cost-to-serve) per period, from `account_pnl(ds, period=period)`.

    Examples
    --------
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
