"""Profit leaks: where margin leaks away between list price and net margin, one finding per account and
leak, with the money at stake (after Marn, Roegner & Zawada, 2004, "The Price Advantage")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from kamlab import format as fmt
from kamlab.apa.pnl import DEFAULT_COST_OF_CAPITAL, _line_pocket, account_pnl, as_of_date, settlement_dates
from kamlab.data import DataError, Dataset
from kamlab.shared_results import shared

__all__ = ["LEAK_RULES", "LEAK_OVERLAPS", "profit_leaks", "leak_totals"]

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


#: Leaks that measure one gap in different ways, so one account's findings in a group must not be added:
#: the price an account pays below where it should be (beyond the discount authority, below the band,
#: below its segment's price), and the cost of serving it above its peers (of which uncharged rush and
#: custom work is a part). A group counts once, at its largest finding (column ``additive``).
LEAK_OVERLAPS = {
    "price gap": ("discount beyond authority", "pocket price below band", "pricing opportunity"),
    "service cost": ("cost-to-serve above peers", "rush/custom work not charged"),
}


def _finding(acc, leak, amount, text) -> dict:
    return {"account_id": acc, "leak": leak, "amount": float(amount), "explanation": text}


@shared
def profit_leaks(ds: Dataset, *, rules: Mapping[str, float] | None = None,
                 cost_of_capital: float = DEFAULT_COST_OF_CAPITAL, days_in_year: int = 365) -> pd.DataFrame:
    """Where margin leaks away: one row per finding (account_id, leak, amount at stake, explanation,
    overlap, additive).

    Some leaks measure the same money (`LEAK_OVERLAPS`): ``overlap`` names the finding's group (its
    own name when it overlaps with none) and ``additive`` is what the finding adds to the account's
    total: within an account and group, the largest finding counts, the others add 0. So
    ``additive`` sums to what one account leaks (`leak_totals`), ``amount`` does not.

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
    >>> from kamlab.apa import worked_example
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
    res = res.sort_values(["amount", "account_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    group = {leak: g for g, leaks in LEAK_OVERLAPS.items() for leak in leaks}
    res["overlap"] = res["leak"].map(group).fillna(res["leak"])
    first = ~res.duplicated(["account_id", "overlap"])      # sorted by amount: the group's largest finding
    res["additive"] = res["amount"].where(first, 0.0)
    return res


def leak_totals(leaks: pd.DataFrame) -> pd.Series:
    """What each account leaks in all, overlaps counted once: ``profit_leaks(...)["additive"]`` summed
    per account, largest first.

    Examples
    --------
    >>> from kamlab.apa import worked_example
    >>> leak_totals(profit_leaks(worked_example())).round(2).to_dict()
    {'A2': 176.85, 'A1': 14.79}
    """
    return leaks.groupby("account_id")["additive"].sum().sort_values(ascending=False).rename("leak_total")


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

    def money(self, amount) -> str:
        """An amount in an explanation: the data set's currency, thousands separators."""
        return fmt.money(amount, self.cur)


def _leak_discount(c: _LeakContext) -> list[dict]:
    limit, sold = c.rules["discount_limit"], c.sold
    disc = 1 - sold["invoice"] / sold["list"]
    excess = ((disc - limit).clip(lower=0) * sold["list"]).groupby(sold["account_id"]).sum()
    n_lines = (disc > limit).groupby(sold["account_id"]).sum()
    return [_finding(acc, "discount beyond authority", amt,
                     f"{int(n_lines[acc]):,} order lines discounted more than {fmt.percent(limit, digits=0)} off "
                     f"list; the discount beyond the limit is worth {c.money(amt)}.") for acc, amt in excess.items()]


def _leak_band(c: _LeakContext) -> list[dict]:
    q, sold = c.rules["band_percentile"], c.sold
    ratio = sold["pocket"] / sold["list"]
    # one vectorised quantile per product (a per-group lambda took 2-20 s on a real export's 3,600 products)
    floor = sold["product_id"].map(ratio.groupby(sold["product_id"]).quantile(q))
    gap = ((floor - ratio).clip(lower=0) * sold["list"]).groupby(sold["account_id"]).sum()
    return [_finding(acc, "pocket price below band", amt,
                     f"lines priced below the {fmt.percent(q, digits=0)} percentile of the product's pocket price "
                     f"band; lifting them to it is worth {c.money(amt)}.") for acc, amt in gap.items()]


def _leak_rebates(c: _LeakContext) -> list[dict]:
    limit, pnl = c.rules["rebate_limit"], c.pnl
    excess = pnl["off_invoice"] - limit * pnl["invoice_revenue"].clip(lower=0)
    share = pnl["off_invoice"] / pnl["invoice_revenue"].where(pnl["invoice_revenue"] > 0)
    return [_finding(acc, "rebates above policy", amt,
                     f"off-invoice rebates are {fmt.percent(share[acc])} of invoice revenue (policy "
                     f"{fmt.percent(limit, digits=0)}); the excess is {c.money(amt)}.")
            for acc, amt in excess[excess > 0].items()]


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
                     f"rush and customisation work cost {c.money(work[acc])} and the account's prices "
                     f"recover {c.money(premium[acc])} of it.") for acc, amt in uncharged[uncharged > 0].items()]


def _leak_late(c: _LeakContext) -> list[dict]:
    paid = c.ds.payments   # unpaid invoices aged to the as-of date (`settlement_dates`)
    days = (settlement_dates(paid, as_of_date(c.ds)) - paid["due_date"]).dt.days
    late = paid.assign(days=days)[days - c.rules["late_days"] > 0]
    if late.empty:
        return []
    late = late.assign(cost=late["amount"] * late["days"] / c.diy * c.coc)
    g = late.groupby("account_id").agg(cost=("cost", "sum"), days=("days", "mean"), n=("days", "size"))
    return [_finding(acc, "late payment", row["cost"],
                     f"{int(row['n']):,} payments came on average {fmt.number(row['days'], digits=0)} days after the due date; "
                     f"carrying them costs {c.money(row['cost'])} at {fmt.percent(c.coc)} a year.")
            for acc, row in g.iterrows()]


def _leak_cts(c: _LeakContext) -> list[dict]:
    pnl = c.pnl
    seg = c.ds.accounts.set_index("account_id")["segment"].reindex(pnl.index)
    rev = pnl["invoice_revenue"].where(pnl["invoice_revenue"] > 0)
    ratio = pnl["cost_to_serve"] / rev
    median = ratio.groupby(seg).transform("median")
    excess = (pnl["cost_to_serve"] - median * rev)[ratio > c.rules["cts_multiple"] * median]
    return [_finding(acc, "cost-to-serve above peers", amt,
                     f"cost-to-serve is {fmt.percent(ratio[acc])} of revenue against a median of "
                     f"{fmt.percent(median[acc])} in segment '{seg[acc]}'; the excess is {c.money(amt)}.")
            for acc, amt in excess.items()]


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
                     f"these volumes would bring {c.money(amt)} more.") for acc, amt in opp[opp > 0].items()]


_LEAK_FINDERS = (_leak_discount, _leak_band, _leak_rebates, _leak_rush_custom, _leak_late, _leak_cts,
                 _leak_pricing)
