"""The account P&L, from list revenue down to net margin after cost-to-serve (Marn & Rosiello, 1992;
Kaplan & Cooper, 1998); the P&L's layout, top to bottom, is in the `kamlab.apa` docstring.

`worked_example` is the two-account company every doctest of `kamlab.apa` checks by hand.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from kamlab.apa._common import _all_codes, _days, _period_ordinals
from kamlab.data import DataError, Dataset
from kamlab.shared_results import shared

__all__ = ["DEFAULT_COST_OF_CAPITAL", "MONEY_COLUMNS", "worked_example", "account_pnl", "with_activity_rates",
           "pnl_totals", "as_of_date", "settlement_dates", "gross_margin_contribution"]

#: Yearly cost of capital (fraction) every function of kamlab.apa uses unless told otherwise.
DEFAULT_COST_OF_CAPITAL = 0.10

#: The P&L's money columns before the cost-to-serve activities, in waterfall order.
MONEY_COLUMNS = ("list_revenue", "on_invoice_discount", "invoice_revenue", "off_invoice", "freight",
                 "terms_cost", "pocket_revenue", "cogs", "pocket_margin", "gross_margin")

_NO_SALES = "(no sales)"


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


def as_of_date(ds: Dataset) -> pd.Timestamp:
    """The date the data describe: ``ds.meta["as_of"]`` when given, else the latest date in the data
    (invoice, activity or payment date).

    Examples
    --------
    >>> str(as_of_date(worked_example()).date())
    '2025-07-19'
    """
    if ds.meta.get("as_of"):
        return pd.Timestamp(ds.meta["as_of"])
    dates = [s.max() for s in (ds.order_lines["invoice_date"], ds.activities["date"], ds.payments["paid_date"])
             if s.notna().any()]
    if not dates:
        raise DataError("the data hold no dates: give meta['as_of'] (YYYY-MM-DD)")
    return pd.Timestamp(max(dates))


def settlement_dates(payments: pd.DataFrame, as_of) -> pd.Series:
    """When each invoice is counted as settled: THE convention for unpaid invoices, used by the P&L's
    terms cost, the late-payment leak, selection's days beyond terms and the audit's DSO rule.

    A paid invoice settles on its paid_date. An unpaid one is aged to the as-of date: while it is not
    yet due it counts as paid on its due date (not late); once overdue it counts as paid on the as-of
    date, i.e. settled = max(due_date, as_of), a lower bound on its real lateness.

    Examples
    --------
    >>> ds = worked_example()
    >>> [str(d.date()) for d in settlement_dates(ds.payments, as_of_date(ds))]
    ['2025-03-16', '2025-07-19', '2025-07-19']
    """
    as_of = pd.Timestamp(as_of)
    unpaid = payments["paid_date"].isna()
    aged = payments["due_date"].where(payments["due_date"] > as_of, as_of)
    return payments["paid_date"].where(~unpaid, aged)


def _parse_by(by) -> bool:
    keys = (by,) if isinstance(by, str) else tuple(by)
    if keys == ("account",):
        return False
    if keys == ("account", "product_line"):
        return True
    raise DataError(f"by={by!r} is not supported: use 'account' or ('account', 'product_line')")


def resolve_cost_of_capital(ds: Dataset, cost_of_capital: float | None = None) -> float:
    """The cost of capital to use: `cost_of_capital` if given, else the scenario's (``ds.meta``), else
    `DEFAULT_COST_OF_CAPITAL`. The one place a page's cost of capital is decided.

    Examples
    --------
    >>> resolve_cost_of_capital(worked_example()) == DEFAULT_COST_OF_CAPITAL
    True
    >>> resolve_cost_of_capital(worked_example(), 0.2)
    0.2
    """
    if cost_of_capital is not None:
        return float(cost_of_capital)
    return float(ds.meta.get("cost_of_capital", DEFAULT_COST_OF_CAPITAL))


@shared
def account_pnl(ds: Dataset, *, by="account", period: str | None = None,
                cost_of_capital: float | None = None, days_in_year: int = 365) -> pd.DataFrame:
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
    cost_of_capital : float or None
        Yearly cost of capital (fraction) used for terms_cost; None (the default) reads the scenario's
        value (`resolve_cost_of_capital`: ``ds.meta["cost_of_capital"]``, else `DEFAULT_COST_OF_CAPITAL`).
    days_in_year : int
        Day-count convention of terms_cost (365 or 360).

    Returns
    -------
    DataFrame indexed by account_id (then product_line, then period), sorted by index, with the columns
    of `MONEY_COLUMNS`, pocket_margin_pct, gross_margin_pct, one column per activity of ``ds.activity_rates`` (in that
    table's order), cost_to_serve, net_margin, net_margin_pct, revenue_rank and profit_rank. With
    ``by="account"`` and no period every account of ``ds.accounts`` has a row (zeros if it bought
    nothing); otherwise only rows with data.

    Notes
    -----
    terms_cost = amount x days taken to pay / days_in_year x cost_of_capital, per payment row, where
    days taken = payment_terms_days + (paid_date - due_date), or the contracted payment_terms_days
    while unpaid, floored at 0 (so the invoice date is due_date - payment_terms_days and payments need
    not be joined to order lines). Ratios are fractions of invoice_revenue (NaN when it is 0).
    pocket_margin = pocket_revenue - cogs: the margin after freight and financing (Marn & Rosiello's
    pocket price less the cost of goods). ``gross_margin``/``gross_margin_pct`` repeat it under the
    name earlier pages used; the course's gross margin KPI is `gross_margin_contribution`.
    Ranks: 1 = largest invoice_revenue (revenue_rank) or net_margin (profit_rank), within each period
    when `period` is given; ties go to the smaller account id (then product line).
    Grouping runs on integer codes (hash lookup + bincount), not on object group-bys.

    Examples
    --------
    >>> pnl = account_pnl(worked_example())
    >>> pnl[["invoice_revenue", "terms_cost", "cost_to_serve", "net_margin"]].round(2).to_numpy().tolist()
    [[1800.0, 29.59, 500.0, 235.41], [320.0, 9.64, 270.0, -244.64]]
    >>> pnl["profit_rank"].tolist()
    [1, 2]
    """
    cost_of_capital = resolve_cost_of_capital(ds, cost_of_capital)
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
    terms = _terms_cost(pays, terms_days, cost_of_capital, days_in_year, as_of_date(ds))
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


def _terms_cost(pays: pd.DataFrame, terms_days: np.ndarray, cost_of_capital: float, days_in_year: int,
                as_of: pd.Timestamp) -> np.ndarray:
    """Per payment: amount x days taken / days_in_year x cost_of_capital (see `account_pnl`)."""
    due = _days(pays["due_date"])
    paid = _days(settlement_dates(pays, as_of))
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
    out["pocket_margin"] = out["pocket_revenue"] - out["cogs"]
    out["gross_margin"] = out["pocket_margin"]   # the old name of pocket_margin, kept for existing pages
    revenue = out["invoice_revenue"].where(out["invoice_revenue"] != 0)
    out["pocket_margin_pct"] = out["pocket_margin"] / revenue
    out["gross_margin_pct"] = out["pocket_margin_pct"]
    for j, name in enumerate(activities):
        out[name] = cts[:, j]
    out["cost_to_serve"] = cts.sum(axis=1)
    out["net_margin"] = out["pocket_margin"] - out["cost_to_serve"]
    out["net_margin_pct"] = out["net_margin"] / revenue
    out = out.sort_index()
    ranker = out.groupby(level="period", sort=False) if by_period else out
    out["revenue_rank"] = ranker["invoice_revenue"].rank(method="first", ascending=False).astype("int64")
    out["profit_rank"] = ranker["net_margin"].rank(method="first", ascending=False).astype("int64")
    return out


def gross_margin_contribution(pnl: pd.DataFrame) -> pd.DataFrame:
    """The course's gross margin contribution KPI per account: gross margin in money, its share of the
    company's gross margin, and gross margin per unit of cost-to-serve.

    gross_margin_contribution = invoice_revenue - off_invoice - cogs (net sales less the cost of goods,
    before freight, financing and the cost to serve); share = that / the company total; per_cost_to_serve
    = that / (cost_to_serve + freight + terms_cost), NaN without serve costs.

    Examples
    --------
    >>> k = gross_margin_contribution(account_pnl(worked_example()))
    >>> k["gross_margin_contribution"].tolist(), k["share_of_company_gross_margin"].round(3).tolist()
    ([780.0, 50.0], [0.94, 0.06])
    """
    gm = pnl["invoice_revenue"] - pnl["off_invoice"] - pnl["cogs"]
    total = float(gm.sum())
    serve = pnl["cost_to_serve"] + pnl["freight"] + pnl["terms_cost"]
    return pd.DataFrame({"gross_margin_contribution": gm,
                         "share_of_company_gross_margin": gm / total if total else np.nan,
                         "gross_margin_per_cost_to_serve": gm / serve.where(serve > 0)}, index=pnl.index)


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
    [2120.0, -9.23]
    """
    money = pnl.drop(columns=["pocket_margin_pct", "gross_margin_pct", "net_margin_pct", "revenue_rank",
                              "profit_rank"], errors="ignore")
    tot = money.sum()
    rev = tot["invoice_revenue"]
    if "pocket_margin" in tot:
        tot["pocket_margin_pct"] = tot["pocket_margin"] / rev if rev else np.nan
    tot["gross_margin_pct"] = tot["gross_margin"] / rev if rev else np.nan
    tot["net_margin_pct"] = tot["net_margin"] / rev if rev else np.nan
    return tot


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
