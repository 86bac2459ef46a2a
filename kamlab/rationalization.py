"""Rationalization and control: what exiting, repricing or re-serving an account really does to company
profit (stranded costs included), threshold candidates, control rules, the audit and the dashboard, and
the accounts the ethics unit's scenarios are about (chosen by rule, so every data set has its own).

Pure: pandas and numpy only. Fractions, not percents; money in the data set's currency.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.apa import DEFAULT_COST_OF_CAPITAL, as_of_date, settlement_dates
from kamlab.data import DataError, Dataset
from kamlab.shared_results import shared

__all__ = [
    "ExitImpact", "exit_impact", "cogs_fixed_share", "account_economics", "exit_traps", "candidates", "Action",
    "Simulation", "simulate",
    "Rule", "DEFAULT_RULES", "audit", "Dashboard", "dashboard_metrics", "LEVERS",
    "loyal_loss_maker", "late_payment", "distressed_customer", "dependent_buyers", "rival_price_gap",
    "compare_options",
]

# --------------------------------------------------------------------------------------------------
# the exit arithmetic
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExitImpact:
    """What dropping one account does: ``allocated_profit`` (the fully allocated P&L line),
    ``profit_change`` (the change in company profit if it goes), ``stranded_cost`` (allocated fixed cost
    that stays behind) and ``naive_profit_change`` (what the fully allocated view promises)."""

    allocated_profit: float
    profit_change: float
    stranded_cost: float
    naive_profit_change: float
    currency: str = ""

    def _repr_html_(self) -> str:
        verdict = "raises" if self.profit_change > 0 else "lowers"
        m = lambda v, **kw: fmt.money(v, self.currency, **kw)  # noqa: E731
        return (f"<div>Fully allocated profit {m(self.allocated_profit)}; the naive view expects exit to "
                f"change profit by {m(self.naive_profit_change, signed=True)}. In truth exit <b>{verdict}</b> "
                f"company profit by {m(abs(self.profit_change))}, because {m(self.stranded_cost)} of fixed "
                "cost stays behind (stranded).</div>")


def exit_impact(revenue: float, variable_cost: float, cost_to_serve: float, allocated_fixed: float, *,
                avoidable_fixed: float = 0.0, currency: str = "") -> ExitImpact:
    """The change in company profit if an account goes, against its fully allocated profit.

    allocated_profit = revenue - variable_cost - cost_to_serve - allocated_fixed;
    profit_change = -(revenue - variable_cost - cost_to_serve) + avoidable_fixed (the contribution is lost,
    only the avoidable part of the allocated fixed cost disappears); stranded_cost = allocated_fixed -
    avoidable_fixed. Relevant-cost reasoning for dropping a customer: Kaplan & Cooper (1998),
    Horngren et al., *Cost Accounting*, ch. "Customer profitability".

    Examples
    --------
    >>> r = exit_impact(200_000, 150_000, 30_000, 40_000)
    >>> r.allocated_profit, r.profit_change, r.stranded_cost
    (-20000.0, -20000.0, 40000.0)
    >>> exit_impact(200_000, 150_000, 30_000, 40_000, avoidable_fixed=40_000).profit_change
    20000.0
    """
    if not 0 <= avoidable_fixed <= allocated_fixed:
        raise DataError(f"avoidable_fixed ({avoidable_fixed}) must be between 0 and allocated_fixed "
                        f"({allocated_fixed}): it is the part of the allocated fixed cost that goes with the account")
    contribution = float(revenue - variable_cost - cost_to_serve)
    allocated = contribution - allocated_fixed
    return ExitImpact(allocated_profit=float(allocated), profit_change=float(-contribution + avoidable_fixed),
                      stranded_cost=float(allocated_fixed - avoidable_fixed), naive_profit_change=float(-allocated),
                      currency=currency)


# --------------------------------------------------------------------------------------------------
# account economics from the APA engine
# --------------------------------------------------------------------------------------------------

def _pnl(ds: Dataset, **kw) -> pd.DataFrame:
    """kamlab.apa.account_pnl with the keys as plain columns named account_id (and period)."""
    from kamlab import apa

    pnl = apa.account_pnl(ds, **kw).reset_index()  # index: account_id (and period)
    if "period" in pnl:
        pnl["period"] = pnl["period"].astype(str)
    return pnl


def cogs_fixed_share(ds: Dataset) -> pd.Series:
    """Share of each product line's cost of goods that is absorbed fixed overhead, from
    ``ds.meta["cogs_fixed_share"]`` (product line -> fraction; `kamlab.synth.FIXED_OVERHEAD_SHARE` in the
    case). Lines the meta does not name, and data sets without it, count their cost of goods as fully
    variable (0.0).

    Examples
    --------
    >>> from kamlab import synth
    >>> float(cogs_fixed_share(synth.generate(n_accounts=4, years=1, seed=1))["Fasteners"])
    0.1
    """
    given = dict(ds.meta.get("cogs_fixed_share") or {})
    lines = pd.Index(sorted(set(ds.products["product_line"])), name="product_line")
    share = pd.Series([float(given.get(x, 0.0)) for x in lines], index=lines, name="cogs_fixed_share")
    if ((share < 0) | (share > 1)).any():
        raise DataError("meta['cogs_fixed_share'] holds fractions between 0 and 1 per product line")
    return share


def account_economics(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """One row per account: revenue, cost of goods (variable and absorbed fixed overhead) and cost-to-serve
    split by cost behaviour.

    Columns: account_id, revenue (pocket revenue from `kamlab.apa.account_pnl`), invoice_revenue, cogs,
    cogs_variable, cogs_fixed (the absorbed fixed overhead in the cost of goods, `cogs_fixed_share`),
    variable, fixed_avoidable, fixed_stranded (cost-to-serve activities grouped by
    ``activity_rates.cost_behaviour``), cost_to_serve, net_margin = revenue - cogs - cost_to_serve, and
    exit_effect, the change in company profit if the account goes: -(revenue - cogs_variable - variable
    - fixed_avoidable); its absorbed overhead and fixed_stranded cost stay (Kaplan & Cooper 1998, ch. 10).
    Accounts without sales still appear. `cost_of_capital` prices the receivables (terms_cost, deducted
    in pocket revenue).

    Examples
    --------
    >>> from kamlab import synth
    >>> e = account_economics(synth.generate(n_accounts=5, years=1, seed=1))
    >>> bool(np.allclose(e.revenue - e.cogs - e.cost_to_serve, e.net_margin))
    True
    >>> bool(np.allclose(e.cogs_variable + e.cogs_fixed, e.cogs))
    True
    """
    pnl = _pnl(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    rates = ds.activity_rates.set_index("activity")["cost_behaviour"]
    out = pd.DataFrame(index=pd.Index(ds.accounts["account_id"], name="account_id"))
    out["revenue"] = pnl["pocket_revenue"]
    out["invoice_revenue"] = pnl["invoice_revenue"]
    out["cogs"] = pnl["cogs"]
    out["cogs_fixed"] = _absorbed_overhead(ds).reindex(out.index)
    for behaviour in ("variable", "fixed_avoidable", "fixed_stranded"):
        acts = [a for a in rates.index[rates == behaviour] if a in pnl.columns]
        out[behaviour] = pnl[acts].sum(axis=1) if acts else 0.0
    out = out.fillna(0.0)
    out.insert(3, "cogs_variable", out["cogs"] - out["cogs_fixed"])
    out["cost_to_serve"] = out[["variable", "fixed_avoidable", "fixed_stranded"]].sum(axis=1)
    out["net_margin"] = out["revenue"] - out["cogs"] - out["cost_to_serve"]
    out["exit_effect"] = -(out["revenue"] - out["cogs_variable"] - out["variable"] - out["fixed_avoidable"])
    return out.reset_index()


def _absorbed_overhead(ds: Dataset) -> pd.Series:
    """Per account: quantity x unit_cost x the product line's fixed overhead share."""
    share = cogs_fixed_share(ds)
    if not share.any():
        return pd.Series(0.0, index=pd.Index(ds.accounts["account_id"], name="account_id"))
    prod = ds.products.set_index("product_id")
    per_unit = prod["unit_cost"] * prod["product_line"].map(share).fillna(0.0)
    ol = ds.order_lines
    fixed = ol["quantity"] * ol["product_id"].map(per_unit).to_numpy()
    return fixed.groupby(ol["account_id"].to_numpy()).sum().rename_axis("account_id")


def exit_traps(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Accounts that lose money on the fully allocated view, yet whose exit would lower company profit:
    net_margin < 0 but exit_effect < 0, because their stranded fixed costs exceed their loss. Sorted by
    net margin, worst first; columns as `account_economics`.

    Examples
    --------
    >>> from kamlab import synth
    >>> t = exit_traps(synth.generate(n_accounts=12, years=1, seed=1))
    >>> bool(((t["net_margin"] < 0) & (t["exit_effect"] < 0)).all())
    True
    """
    e = account_economics(ds, cost_of_capital=cost_of_capital)
    traps = e[(e["net_margin"] < 0) & (e["exit_effect"] < 0)]
    return traps.sort_values(["net_margin", "account_id"]).reset_index(drop=True)


@shared
def candidates(ds: Dataset, *, margin_floor: float = 0.0, periods: int = 2, period: str = "Q",
               cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Accounts whose net margin % stayed below `margin_floor` in each of the last `periods` periods.

    Uses the account P&L per period (`kamlab.apa.account_pnl(period=...)`); an account is a candidate
    when its latest `periods` consecutive periods (the data's last periods, in which it bought) are all
    below the floor. Returns account_id, periods_below (length of the run up to the latest period),
    last_margin_pct, run_net_margin (net margin summed over the run), sorted worst first.

    Examples
    --------
    >>> from kamlab import synth
    >>> c = candidates(synth.generate(n_accounts=8, years=1, seed=1), margin_floor=0.0, periods=2)
    >>> list(c.columns)
    ['account_id', 'periods_below', 'last_margin_pct', 'run_net_margin']
    """
    if periods < 1:
        raise DataError("periods must be >= 1 (how many consecutive periods below the floor)")
    pnl = (_pnl(ds, period=period, cost_of_capital=cost_of_capital)
           .sort_values(["account_id", "period"]).reset_index(drop=True))
    last = sorted(pnl["period"].unique())[-periods:]
    acc = pnl["account_id"]
    back = pnl.groupby("account_id", sort=True).cumcount(ascending=False)  # 0 = the account's latest period
    # the run: periods below the floor counted back from the latest, up to the first one that is not
    run = back.where(~(pnl["net_margin_pct"] < margin_floor)).groupby(acc).min()
    run = run.fillna(back.groupby(acc).max() + 1).astype(int)
    tail = back < periods  # the account's latest `periods` periods must be the data's last ones
    expected = back[tail].map({i: p for i, p in enumerate(reversed(last))})
    tail_ok = (pnl.loc[tail, "period"] == expected).groupby(acc[tail]).sum() == periods
    keep = run.index[(run >= periods) & tail_ok.reindex(run.index, fill_value=False)]
    latest = pnl[back == 0].set_index("account_id")
    in_run = back < acc.map(run)
    out = pd.DataFrame({"account_id": keep, "periods_below": run[keep].to_numpy(),
                        "last_margin_pct": latest.loc[keep, "net_margin_pct"].astype(float).to_numpy(),
                        "run_net_margin": pnl["net_margin"].where(in_run, 0.0).groupby(acc).sum()[keep]
                        .astype(float).to_numpy()})
    return out.sort_values(["run_net_margin", "account_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# actions and the portfolio simulation
# --------------------------------------------------------------------------------------------------

LEVERS = {
    "tier_down": ("sales_visit", "travel", "support_ticket", "dedicated_team", "engineering_hours"),
    "min_order_size": ("order_processing",),
    "charge_rush_custom": ("rush_handling", "customization"),
}
"""The activities each cost-to-serve lever works on (only their variable and avoidable parts)."""

KINDS = ("reprice", "cut_cost", "channel", "exit")


@dataclass(frozen=True)
class Action:
    """One action on one account.

    kind: "reprice" (``price_change``, fraction of invoice price, with ``volume_change``, the expected
    volume response as a fraction), "cut_cost" (``lever`` in LEVERS removes ``reduction`` of the lever's
    variable and avoidable activity cost; ``min_order_size`` also cuts freight by the same fraction;
    ``charge_rush_custom`` recovers it as a fee instead), "channel" (serve through a cheaper channel:
    variable and avoidable cost-to-serve fall by ``reduction``, the channel keeps ``channel_discount`` of
    revenue), "exit" (the account goes).
    """

    account_id: str
    kind: str
    price_change: float = 0.0
    volume_change: float = 0.0
    lever: str = "tier_down"
    reduction: float = 0.5
    channel_discount: float = 0.05

    def __post_init__(self):
        if self.kind not in KINDS:
            raise DataError(f"unknown action kind {self.kind!r}; use one of {KINDS}")
        if self.kind == "cut_cost" and self.lever not in LEVERS:
            raise DataError(f"unknown lever {self.lever!r}; use one of {tuple(LEVERS)}")
        if not 0 <= self.reduction <= 1 or not 0 <= self.channel_discount < 1 or self.volume_change < -1:
            raise DataError("reduction in [0, 1], channel_discount in [0, 1) and volume_change >= -1 (fractions)")

    def describe(self) -> str:
        if self.kind == "reprice":
            return (f"reprice {fmt.percent(self.price_change, digits=0, signed=True)}, "
                    f"volume {fmt.percent(self.volume_change, digits=0, signed=True)}")
        if self.kind == "cut_cost":
            return f"{self.lever.replace('_', ' ')} (-{fmt.percent(self.reduction, digits=0)})"
        if self.kind == "channel":
            return (f"move to cheaper channel (cost -{fmt.percent(self.reduction, digits=0)}, "
                    f"channel keeps {fmt.percent(self.channel_discount, digits=0)})")
        return "exit"




def _lever_cost(ds: Dataset, account_id: str, lever: str) -> dict[str, float]:
    """The account's variable and avoidable cost of the lever's activities, and its freight."""
    act = ds.activities[ds.activities["account_id"] == account_id].merge(ds.activity_rates, on="activity")
    act = act[act["activity"].isin(LEVERS[lever]) & (act["cost_behaviour"] != "fixed_stranded")]
    cost = (act["driver_qty"] * act["rate"]).groupby(act["cost_behaviour"]).sum()
    freight = ds.order_lines.loc[ds.order_lines["account_id"] == account_id, "freight_cost"].sum()
    return {"variable": float(cost.get("variable", 0.0)), "fixed_avoidable": float(cost.get("fixed_avoidable", 0.0)),
            "freight": float(freight)}


def _apply(row: pd.Series, a: Action, ds: Dataset) -> pd.Series:
    """The account's P&L row after the action (stranded cost of an exit handled by the caller)."""
    r = row.copy()
    if a.kind == "exit":
        r[["revenue", "cogs_variable", "variable", "fixed_avoidable"]] = 0.0
        return r
    if a.kind == "reprice":  # the price change earns on the new volume (its small terms-cost effect ignored)
        v = 1.0 + a.volume_change   # absorbed overhead does not move with volume
        r[["revenue", "cogs_variable", "variable"]] = r[["revenue", "cogs_variable", "variable"]] * v
        r["revenue"] += row["invoice_revenue"] * v * a.price_change
    elif a.kind == "cut_cost":
        c = _lever_cost(ds, a.account_id, a.lever)
        if a.lever == "charge_rush_custom":
            r["revenue"] += a.reduction * (c["variable"] + c["fixed_avoidable"])
        else:
            r["variable"] -= a.reduction * c["variable"]
            r["fixed_avoidable"] -= a.reduction * c["fixed_avoidable"]
            if a.lever == "min_order_size":
                r["revenue"] += a.reduction * c["freight"]
    elif a.kind == "channel":
        r["revenue"] -= a.channel_discount * row["invoice_revenue"]
        r[["variable", "fixed_avoidable"]] = r[["variable", "fixed_avoidable"]] * (1.0 - a.reduction)
    return r


def _margin(f: pd.DataFrame) -> pd.Series:
    return (f["revenue"] - f["cogs_variable"] - f["cogs_fixed"] - f["variable"] - f["fixed_avoidable"]
            - f["fixed_stranded"] - f["stranded_reallocated"])


@dataclass(frozen=True)
class Simulation:
    """Portfolio P&L before and after a set of actions, with the trap of the fully allocated view.

    ``before``/``after``: one row per account (revenue, cogs_variable, cogs_fixed, variable,
    fixed_avoidable, fixed_stranded, stranded_reallocated, net_margin; exited accounts keep a row of
    zeros). ``effects``: one row per action with ``profit_effect`` (true change in company profit),
    ``naive_effect`` (what the fully
    allocated P&L promises) and ``stranded_cost``. ``before_profit + effects.profit_effect.sum() ==
    after_profit``; ``naive_after_profit`` is what the naive view expects."""

    before: pd.DataFrame
    after: pd.DataFrame
    effects: pd.DataFrame
    before_profit: float
    after_profit: float
    naive_after_profit: float
    stranded_cost: float
    currency: str = "EUR"

    @property
    def reconciles(self) -> bool:
        return bool(np.isclose(self.before_profit + self.effects["profit_effect"].sum(), self.after_profit,
                               rtol=0, atol=1e-6 * max(1.0, abs(self.before_profit))))

    @property
    def trap(self) -> float:
        """How much the naive view overstates the result (naive after - true after)."""
        return self.naive_after_profit - self.after_profit

    def summary(self) -> pd.DataFrame:
        cols = ["revenue", "cogs_variable", "cogs_fixed", "variable", "fixed_avoidable", "fixed_stranded",
                "stranded_reallocated", "net_margin"]
        return pd.DataFrame({"before": self.before[cols].sum(), "after": self.after[cols].sum()}).assign(
            change=lambda d: d["after"] - d["before"])

    def _repr_html_(self) -> str:
        m = lambda v: fmt.money(v, self.currency)  # noqa: E731
        head = (f"<div><b>Portfolio profit</b>: before {m(self.before_profit)}, "
                f"after {m(self.after_profit)} (true view), "
                f"naive fully allocated view expects {m(self.naive_after_profit)}. "
                f"Stranded fixed cost re-spread over the remaining accounts: {m(self.stranded_cost)}.</div>")
        summary = self.summary().rename_axis("line")
        return (head + fmt.report_table(self.effects, currency=self.currency).to_html()
                + fmt.report_table(summary, currency=self.currency, money=summary.columns).to_html())


def _check_actions(ds: Dataset, actions) -> list[Action]:
    actions = [actions] if isinstance(actions, Action) else list(actions)
    ids = set(ds.accounts["account_id"])
    seen = set()
    for a in actions:
        if not isinstance(a, Action):
            raise DataError(f"actions must be kamlab.rationalization.Action objects, got {type(a).__name__}")
        if a.account_id not in ids:
            raise DataError(f"unknown account {a.account_id!r}; valid ids include {sorted(ids)[:5]}")
        if a.account_id in seen:
            raise DataError(f"two actions for account {a.account_id!r}: combine them into one per account")
        seen.add(a.account_id)
    if len(seen) == len(ids) and any(a.kind == "exit" for a in actions) and all(a.kind == "exit" for a in actions):
        raise DataError("exiting every account leaves nobody to carry the stranded fixed costs")
    return actions


def simulate(ds: Dataset, actions, *, spread_by: str = "revenue", cost_of_capital: float = DEFAULT_COST_OF_CAPITAL,
             economics: pd.DataFrame | None = None) -> Simulation:
    """Apply actions to accounts and compare the portfolio P&L before and after.

    Exit removes the account's revenue, variable COGS, variable and avoidable cost-to-serve; its absorbed
    fixed overhead (``cogs_fixed``) and fixed_stranded cost (``activity_rates.cost_behaviour``) stay in
    the company and is re-spread over the remaining
    accounts in proportion to their revenue after the actions (``spread_by="revenue"``) or to their own
    stranded cost (``spread_by="stranded"``). Re-spreading moves cost between accounts, it does not
    change the total: each action's true ``profit_effect`` is the change in company profit. The naive
    fully allocated view expects an exit to raise profit by the account's loss (-net margin), i.e. it
    forgets the stranded cost (Kaplan & Cooper 1998, *Cost & Effect*, ch. 10).

    Parameters
    ----------
    ds : Dataset
    actions : Action or list of Action (at most one per account)
    spread_by : "revenue" or "stranded"
    cost_of_capital : float
        Prices the receivables in the account P&L (terms_cost).
    economics : DataFrame, optional
        A precomputed `account_economics(ds)`, to skip recomputing the P&L (e.g. in a panel).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=6, years=1, seed=1)
    >>> sim = simulate(ds, [Action(ds.accounts.account_id[0], "exit")])
    >>> sim.reconciles
    True
    """
    if spread_by not in ("revenue", "stranded"):
        raise DataError('spread_by must be "revenue" or "stranded"')
    actions = _check_actions(ds, actions)
    eco = account_economics(ds, cost_of_capital=cost_of_capital) if economics is None else economics
    eco = eco.set_index("account_id")
    before = eco[["revenue", "invoice_revenue", "cogs_variable", "cogs_fixed", "variable", "fixed_avoidable",
                  "fixed_stranded"]].copy()
    before["stranded_reallocated"] = 0.0
    before["net_margin"] = _margin(before)
    after = before.copy()
    rows = []
    for a in actions:
        new = _apply(before.loc[a.account_id], a, ds)
        stranded = float(new["fixed_stranded"] + new["cogs_fixed"]) if a.kind == "exit" else 0.0
        if a.kind == "exit":
            new[["fixed_stranded", "cogs_fixed"]] = 0.0
        after.loc[a.account_id] = new
        # the stranded cost leaves the account's row but not the company
        effect = float(_margin(new.to_frame().T).iloc[0] - before.loc[a.account_id, "net_margin"]) - stranded
        naive = -float(before.loc[a.account_id, "net_margin"]) if a.kind == "exit" else effect
        rows.append((a.account_id, a.kind, a.describe(), effect, naive, stranded))
    effects = pd.DataFrame(rows, columns=["account_id", "kind", "action", "profit_effect", "naive_effect",
                                          "stranded_cost"])
    stranded = float(effects["stranded_cost"].sum())
    if stranded:
        gone = set(effects.loc[effects["kind"] == "exit", "account_id"])
        keep = ~after.index.isin(gone)
        basis = (after.loc[keep, "revenue"] if spread_by == "revenue"
                 else after.loc[keep, "fixed_stranded"] + after.loc[keep, "cogs_fixed"]).clip(lower=0.0)
        if basis.sum() <= 0:
            basis = pd.Series(1.0, index=basis.index)
        after.loc[keep, "stranded_reallocated"] = stranded * basis / basis.sum()
    after["net_margin"] = _margin(after)
    b, t = float(before["net_margin"].sum()), float(after["net_margin"].sum())
    return Simulation(before=before.reset_index(), after=after.reset_index(), effects=effects, before_profit=b,
                      after_profit=t, naive_after_profit=b + float(effects["naive_effect"].sum()),
                      stranded_cost=stranded, currency=ds.currency)


# --------------------------------------------------------------------------------------------------
# control rules and the audit
# --------------------------------------------------------------------------------------------------

RULE_KINDS = {
    "margin_floor": "net margin % below the floor",
    "discount_authority": "on-invoice discount beyond the KAM's authority",
    "dso_beyond_terms": "paying later than the contracted terms",
    "pocket_below_band": "pocket price below the band's low percentile",
    "margin_decline": "net margin % falling over several periods",
}
_CONSEQUENCE = {
    "margin_floor": "put the account on the rationalization review; KAM brings a repricing or cost-to-serve plan",
    "discount_authority": "escalate to the sales director; discount needs approval or is withdrawn at renewal",
    "dso_beyond_terms": "credit control reminder; charge interest or hold new orders past the limit",
    "pocket_below_band": "price review of these transactions; align rebates and freight with policy",
    "margin_decline": "early warning: review the account plan before the next period closes",
}


@dataclass(frozen=True)
class Rule:
    """A control rule. kind in RULE_KINDS; ``threshold`` means:

    - margin_floor: minimum net margin % (fraction) over the whole data;
    - discount_authority: largest on-invoice discount off list (fraction) a KAM may give;
    - dso_beyond_terms: days paid beyond terms (revenue-weighted average) tolerated;
    - pocket_below_band: percentile (fraction, e.g. 0.10 = P10) of pocket price / list per product;
    - margin_decline: drop in net margin % (fraction points) over the last ``periods`` periods tolerated.
    """

    kind: str
    threshold: float
    periods: int = 3
    consequence: str = ""
    name: str = ""

    def __post_init__(self):
        if self.kind not in RULE_KINDS:
            raise DataError(f"unknown rule kind {self.kind!r}; use one of {tuple(RULE_KINDS)}")
        if not self.consequence:
            object.__setattr__(self, "consequence", _CONSEQUENCE[self.kind])
        if not self.name:
            object.__setattr__(self, "name", self.kind)


DEFAULT_RULES = (
    Rule("margin_floor", 0.05),
    Rule("discount_authority", 0.15),
    Rule("dso_beyond_terms", 10),
    Rule("pocket_below_band", 0.10),
    Rule("margin_decline", 0.03, periods=3),
)


def _pocket_lines(ds: Dataset) -> pd.DataFrame:
    ol = ds.order_lines[ds.order_lines["quantity"] > 0]
    listv = ol["quantity"] * ol["list_price"]
    pocket = ol["quantity"] * ol["invoice_price"] - ol["off_invoice"] - ol["freight_cost"]
    return pd.DataFrame({"account_id": ol["account_id"], "product_id": ol["product_id"], "list_value": listv,
                         "discount": 1 - ol["invoice_price"] / ol["list_price"].where(ol["list_price"] > 0),
                         "pocket_frac": pocket / listv.where(listv > 0)}).dropna()


def _rule_margin_floor(inp, rule):
    pnl = inp.pnl
    f = pnl.groupby("account_id")[["invoice_revenue", "net_margin"]].sum()
    pct = f["net_margin"] / f["invoice_revenue"].where(f["invoice_revenue"] > 0)
    bad = pct < rule.threshold
    amount = (rule.threshold - pct[bad]) * f.loc[bad, "invoice_revenue"]
    return amount, pct[bad].map(lambda v: f"net margin {fmt.percent(v)} < floor {fmt.percent(rule.threshold)}")


def _rule_discount(inp, rule):
    lines = inp.pocket_lines
    lines = lines[lines["discount"] > rule.threshold + 1e-12]
    excess = (lines["discount"] - rule.threshold) * lines["list_value"]
    g = excess.groupby(lines["account_id"]).sum()
    n = lines.groupby("account_id").size()
    return g, n.map(lambda k: f"{k:,} lines discounted beyond {fmt.percent(rule.threshold, digits=0)}")


def _rule_dso(inp, rule):
    ds, coc = inp.ds, inp.cost_of_capital
    p = ds.payments.merge(ds.accounts[["account_id", "payment_terms_days"]], on="account_id")
    paid = settlement_dates(p, as_of_date(ds))   # unpaid: aged to the data's as-of date, never the latest due
    late = (paid - p["due_date"]).dt.days.clip(lower=0)
    w = p["amount"].clip(lower=0)
    days = (late * w).groupby(p["account_id"]).sum() / w.groupby(p["account_id"]).sum().where(lambda s: s > 0)
    cost = (late * w / 365 * coc).groupby(p["account_id"]).sum()
    bad = days > rule.threshold
    return cost[bad], days[bad].map(lambda d: f"pays {fmt.number(d, digits=0)} days beyond terms on average "
                                        f"(> {fmt.number(rule.threshold)})")


def _rule_band(inp, rule):
    lines = inp.pocket_lines
    floor = lines["product_id"].map(lines.groupby("product_id")["pocket_frac"].quantile(rule.threshold))
    low = lines[lines["pocket_frac"] < floor - 1e-12]
    gap = (floor[low.index] - low["pocket_frac"]) * low["list_value"]
    n = low.groupby("account_id").size()
    why = n.map(lambda k: f"{k:,} lines below the P{rule.threshold * 100:.0f} pocket price")
    return gap.groupby(low["account_id"]).sum(), why


def _rule_decline(inp, rule):
    by_acc = inp.period_pnl.sort_values(["account_id", "period"]).groupby("account_id", sort=True)
    size = by_acc.size()
    start = by_acc.nth(-rule.periods - 1).set_index("account_id")
    latest = by_acc.nth(-1).set_index("account_id")
    drop = (start["net_margin_pct"] - latest["net_margin_pct"]).reindex(size.index[size > rule.periods])
    drop = drop[drop > rule.threshold]
    why = drop.map(lambda d: f"net margin fell {fmt.points(d).lstrip('+')} over {rule.periods} periods")
    return (drop * latest.loc[drop.index, "invoice_revenue"].astype(float)).astype(float), why.astype(object)


_RULE_FUNCS = {"margin_floor": _rule_margin_floor, "discount_authority": _rule_discount,
               "dso_beyond_terms": _rule_dso, "pocket_below_band": _rule_band, "margin_decline": _rule_decline}


def audit(ds: Dataset, rules=DEFAULT_RULES, *, period: str = "Q",
          cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Check every account against control rules; one row per violation.

    Columns: account_id, rule (the rule's name), kind, amount (money at stake: margin shortfall to the floor,
    discount given beyond authority, carrying cost of late payment at `cost_of_capital` on 365 days,
    pocket-price gap to the band percentile, or the margin lost by the decline on the latest period's
    revenue; margin % is net margin / invoice revenue as in the APA), detail (one sentence),
    consequence (what the control process does next). Sorted by amount,
    largest first. Price-band control after Marn & Rosiello (1992).

    Examples
    --------
    >>> from kamlab import synth
    >>> v = audit(synth.generate(n_accounts=8, years=2, seed=1))
    >>> list(v.columns)
    ['account_id', 'rule', 'kind', 'amount', 'detail', 'consequence']
    """
    rules = [rules] if isinstance(rules, Rule) else list(rules)
    need_q = any(r.kind == "margin_decline" for r in rules)
    return AuditInputs.of(ds, period=period if need_q else None, cost_of_capital=cost_of_capital).run(rules)


@dataclass(frozen=True)
class AuditInputs:
    """What the control rules read, computed once per dataset: the account P&L (`pnl`), the P&L by
    account and period (`period_pnl`, for the decline rule; None without a period) and every order
    line's pocket price (`pocket_lines`). `run(rules)` is `audit` on them: the control panel keeps one
    while a trainer moves the thresholds, so a move costs the rules, not the P&Ls.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=2, seed=1)
    >>> AuditInputs.of(ds).run().equals(audit(ds))
    True
    """

    ds: Dataset
    pnl: pd.DataFrame
    period_pnl: pd.DataFrame | None
    pocket_lines: pd.DataFrame
    cost_of_capital: float = DEFAULT_COST_OF_CAPITAL

    @classmethod
    def of(cls, ds: Dataset, *, period: str | None = "Q", cost_of_capital: float = DEFAULT_COST_OF_CAPITAL,
           period_pnl: pd.DataFrame | None = None) -> "AuditInputs":
        """Compute the inputs (`period_pnl` given: reuse it; `period=None`: none by period)."""
        if period_pnl is None and period is not None:
            period_pnl = _pnl(ds, period=period, cost_of_capital=cost_of_capital)
        return cls(ds, _pnl(ds, cost_of_capital=cost_of_capital), period_pnl, _pocket_lines(ds), cost_of_capital)

    def run(self, rules=DEFAULT_RULES) -> pd.DataFrame:
        """The violations of `rules` (one Rule or several), as `audit` returns them."""
        rules = [rules] if isinstance(rules, Rule) else list(rules)
        if self.period_pnl is None and any(r.kind == "margin_decline" for r in rules):
            raise ValueError("the margin decline rule needs a P&L by period: AuditInputs.of(ds, period='Q')")
        frames = []
        for rule in rules:
            amount, detail = _RULE_FUNCS[rule.kind](self, rule)
            if len(amount):
                frames.append(pd.DataFrame({"account_id": amount.index.astype(str), "rule": rule.name,
                                            "kind": rule.kind, "amount": amount.to_numpy(dtype=float),
                                            "detail": detail.reindex(amount.index).to_numpy(dtype=object),
                                            "consequence": rule.consequence}))
        cols = ["account_id", "rule", "kind", "amount", "detail", "consequence"]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=float if c == "amount" else object) for c in cols})
        out = pd.concat(frames, ignore_index=True)[cols]
        return out.sort_values(["amount", "account_id", "rule"], ascending=[False, True, True]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# the control dashboard
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    """Control dashboard: ``margins`` (net margin % by account (rows) and period (columns)), ``trend``
    (per account: slope of net margin % per period by least squares, latest margin, direction),
    ``violations`` (the audit) and ``inputs`` (what the audit read, for `with_rules`)."""

    margins: pd.DataFrame
    trend: pd.DataFrame
    violations: pd.DataFrame
    period: str = "Q"
    inputs: AuditInputs | None = dataclasses.field(default=None, repr=False, compare=False)
    currency: str = ""

    def with_rules(self, rules) -> "Dashboard":
        """The same dashboard with the violations of other thresholds (the margins do not depend on them)."""
        return dataclasses.replace(self, violations=self.inputs.run(rules))

    def _repr_html_(self) -> str:
        falling = int((self.trend["direction"] == "falling").sum())
        head = (f"<div><b>Control dashboard</b> ({len(self.margins)} accounts, {self.margins.shape[1]} periods): "
                f"{falling} accounts with falling margin, {len(self.violations)} rule violations "
                f"({self.violations['account_id'].nunique() if len(self.violations) else 0} accounts).</div>")
        return head + fmt.report_table(self.violations, currency=self.currency, max_rows=15).to_html()


@shared
def dashboard_metrics(ds: Dataset, *, period: str = "Q", rules=DEFAULT_RULES, flat: float = 0.005,
                      cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> Dashboard:
    """Margin % by account and period, its trend, and the rule violations.

    The trend is the least-squares slope of net margin % against the period number (fraction points per
    period); ``direction`` is "falling" below -`flat`, "rising" above `flat`, else "flat".

    Examples
    --------
    >>> from kamlab import synth
    >>> d = dashboard_metrics(synth.generate(n_accounts=6, years=1, seed=1))
    >>> list(d.trend.columns)
    ['slope', 'latest', 'direction']
    """
    pnl_q = _pnl(ds, period=period, cost_of_capital=cost_of_capital)
    margins = pnl_q.pivot_table(index="account_id", columns="period", values="net_margin_pct", aggfunc="first")
    margins = margins.reindex(columns=sorted(margins.columns))
    trend = pd.DataFrame({"slope": _slopes(margins.to_numpy(dtype=float)),
                          "latest": margins.ffill(axis=1).iloc[:, -1] if margins.shape[1] else np.nan},
                         index=margins.index)
    trend["direction"] = np.select([trend["slope"] < -flat, trend["slope"] > flat], ["falling", "rising"], "flat")
    inputs = AuditInputs.of(ds, period=period, cost_of_capital=cost_of_capital, period_pnl=pnl_q)
    return Dashboard(margins=margins, trend=trend, violations=inputs.run(rules), period=period, inputs=inputs,
                     currency=ds.currency)


def _slopes(y: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of `y` against 0, 1, 2, ... over its finite values (0 where a row
    has fewer than two): the closed form of a per-row ``np.polyfit(x, y, 1)[0]``.

    >>> _slopes(np.array([[1.0, 2.0, 3.0], [np.nan, 5.0, 1.0], [np.nan, 2.0, np.nan]])).round(6).tolist()
    [1.0, -4.0, 0.0]
    """
    ok = np.isfinite(y)
    n = ok.sum(axis=1)
    x = np.broadcast_to(np.arange(y.shape[1], dtype=float), y.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(ok, x, 0).sum(axis=1) / n
        ym = np.where(ok, y, 0).sum(axis=1) / n
        dx = np.where(ok, x - xm[:, None], 0)
        slope = (dx * np.where(ok, y - ym[:, None], 0)).sum(axis=1) / (dx * dx).sum(axis=1)
    return np.where(n >= 2, slope, 0.0)


# --------------------------------------------------------------------------------------------------
# the ethics unit: the accounts each scenario is about, chosen by rule from the data
# --------------------------------------------------------------------------------------------------

def _names(ds: Dataset, ids) -> list[str]:
    """Each account's name, or its id where the name is missing or blank (an imported export)."""
    acc = ds.accounts.set_index("account_id")
    names = acc["name"] if "name" in acc.columns else pd.Series(dtype=object)
    return [str(names[a]) if a in names.index and pd.notna(names[a]) and str(names[a]).strip() else str(a)
            for a in ids]


def loyal_loss_maker(ds: Dataset, *, segment: str | None = "small",
                     cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """The long-standing small customer that loses money: one row.

    Among the accounts of `segment` (all accounts when the data has none of that segment, or when
    `segment` is None), the one with the earliest ``customer_since`` that has a negative net margin
    (`account_economics`); if none loses money, the earliest of them. Ties: the smaller account id.
    ``years_as_customer`` counts calendar years from ``customer_since`` to the last invoice date.

    Examples
    --------
    >>> from kamlab import synth
    >>> row = loyal_loss_maker(synth.generate(n_accounts=12, years=1, seed=1))
    >>> list(row.columns)[:4], len(row)
    (['account_id', 'name', 'segment', 'customer_since'], 1)
    """
    econ = account_economics(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    acc = ds.accounts.set_index("account_id")
    pool = acc[acc["segment"] == segment] if segment is not None and (acc["segment"] == segment).any() else acc
    since = pool["customer_since"].sort_index().sort_values(kind="mergesort")
    losing = [a for a in since.index if econ.loc[a, "net_margin"] < 0]
    pick = str(losing[0] if losing else since.index[0])
    last = ds.order_lines["invoice_date"].max()
    return pd.DataFrame({
        "account_id": [pick], "name": _names(ds, [pick]), "segment": [acc.loc[pick, "segment"]],
        "customer_since": [acc.loc[pick, "customer_since"]],
        "years_as_customer": [int(last.year - acc.loc[pick, "customer_since"].year)],
        "invoice_revenue": [float(econ.loc[pick, "invoice_revenue"])],
        "net_margin": [float(econ.loc[pick, "net_margin"])], "exit_effect": [float(econ.loc[pick, "exit_effect"])]})


def late_payment(ds: Dataset) -> pd.DataFrame:
    """Per account: ``days_beyond_terms`` (days paid after the due date, weighted by invoice amount; an
    unpaid invoice is aged to the data's as-of date by `kamlab.apa.settlement_dates`, the one convention the
    P&L, selection and the audit use) and ``unpaid_value`` (the amount of its invoices still unpaid), sorted
    latest payer first (ties: the smaller account id). Credit notes weigh nothing. Accounts with no invoice
    do not appear.

    Examples
    --------
    >>> from kamlab import synth
    >>> lp = late_payment(synth.generate(n_accounts=8, years=1, seed=1))
    >>> list(lp.columns), bool(lp["days_beyond_terms"].is_monotonic_decreasing)
    (['account_id', 'days_beyond_terms', 'unpaid_value'], True)
    """
    p = ds.payments
    late = (settlement_dates(p, as_of_date(ds)) - p["due_date"]).dt.days.clip(lower=0)
    amount = p["amount"].clip(lower=0)
    by = p["account_id"]
    den = amount.groupby(by).sum()
    out = pd.DataFrame({"days_beyond_terms": (late * amount).groupby(by).sum() / den.where(den > 0),
                        "unpaid_value": amount.where(p["paid_date"].isna(), 0.0).groupby(by).sum()}).dropna()
    out = out.rename_axis("account_id").sort_index().reset_index()
    return out.sort_values("days_beyond_terms", ascending=False, kind="mergesort").reset_index(drop=True)


def distressed_customer(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """The customer in difficulty: the account that pays latest (`late_payment`), one row with its
    contracted terms, days beyond terms, unpaid amount, churn risk, invoice revenue and net margin.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> distressed_customer(ds)["account_id"].iloc[0] == late_payment(ds)["account_id"].iloc[0]
    True
    """
    top = late_payment(ds).iloc[0]
    pick = str(top["account_id"])
    acc = ds.accounts.set_index("account_id")
    econ = account_economics(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    return pd.DataFrame({
        "account_id": [pick], "name": _names(ds, [pick]), "payment_terms_days": [int(acc.loc[pick, "payment_terms_days"])],
        "days_beyond_terms": [float(top["days_beyond_terms"])], "unpaid_value": [float(top["unpaid_value"])],
        "churn_risk": [float(acc.loc[pick, "churn_risk"])], "invoice_revenue": [float(econ.loc[pick, "invoice_revenue"])],
        "net_margin": [float(econ.loc[pick, "net_margin"])]})


def dependent_buyers(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Two rows: the buyer that depends on us (the largest share of its wallet in our lines, from
    `kamlab.growth.share_of_wallet` by account) and the buyer that depends on a competitor (among the
    accounts whose wallet is at or above the median, the smallest share). Ties: the smaller account id.
    Columns: account_id, name, depends_on, wallet, sales, share, net_margin. Raises DataError when the data
    hold no wallet estimates.

    Examples
    --------
    >>> from kamlab import synth
    >>> d = dependent_buyers(synth.generate(n_accounts=12, years=1, seed=1))
    >>> d["depends_on"].tolist(), bool(d["share"].iloc[0] >= d["share"].iloc[1])
    (['us', 'a competitor'], True)
    """
    from kamlab import growth

    sow = growth.share_of_wallet(ds, by="account").set_index("account_id").sort_index()
    if not (sow["wallet"] > 0).any():
        raise DataError("the data hold no wallet estimates (the wallets table): the dependence scenario needs "
                        "each customer's spend in our product lines")
    dependent = str(sow["share"].idxmax())
    big = sow[sow["wallet"] >= sow["wallet"].median()]
    courted = str(big["share"].idxmin())
    econ = account_economics(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    ids = [dependent, courted]
    return pd.DataFrame({"account_id": ids, "name": _names(ds, ids), "depends_on": ["us", "a competitor"],
                         "wallet": sow.loc[ids, "wallet"].to_numpy(), "sales": sow.loc[ids, "sales"].to_numpy(),
                         "share": sow.loc[ids, "share"].to_numpy(), "net_margin": econ.loc[ids, "net_margin"].to_numpy()})


def rival_price_gap(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Two competing customers priced furthest apart: of all pairs of accounts in the same industry, the
    pair with the widest gap in pocket revenue as a share of list revenue (`kamlab.apa.account_pnl`),
    the better-priced first. Ties: the industry and the accounts with the smaller names and ids. Columns:
    account_id, name, industry, list_revenue, pocket_revenue, pocket_revenue_of_list, cost_to_serve_pct
    (cost to serve / invoice revenue: the cost difference that could justify a price difference), net_margin.
    Raises DataError when no industry has two accounts with sales.

    Examples
    --------
    >>> from kamlab import synth
    >>> r = rival_price_gap(synth.generate(n_accounts=12, years=1, seed=1))
    >>> r["industry"].nunique(), bool(r["pocket_revenue_of_list"].is_monotonic_decreasing)
    (1, True)
    """
    pnl = _pnl(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    pocket = (pnl["pocket_revenue"] / pnl["list_revenue"].where(pnl["list_revenue"] > 0)).dropna()
    acc = ds.accounts.set_index("account_id")
    best = (-1.0, "", "", "")
    for industry, ids in acc.loc[pocket.index].groupby("industry").groups.items():
        p = pocket.loc[sorted(ids)]
        if len(p) >= 2 and p.max() - p.min() > best[0]:
            best = (float(p.max() - p.min()), str(p.idxmax()), str(p.idxmin()), str(industry))
    _, a, b, industry = best
    if not a:
        raise DataError("no industry has two accounts with sales: the differential pricing scenario needs "
                        "two competing customers")
    ids = [a, b]
    rows = pnl.loc[ids]
    return pd.DataFrame({
        "account_id": ids, "name": _names(ds, ids), "industry": [industry, industry],
        "list_revenue": rows["list_revenue"].to_numpy(), "pocket_revenue": rows["pocket_revenue"].to_numpy(),
        "pocket_revenue_of_list": pocket.loc[ids].to_numpy(),
        "cost_to_serve_pct": (rows["cost_to_serve"] / rows["invoice_revenue"].where(rows["invoice_revenue"] > 0)).to_numpy(),
        "net_margin": rows["net_margin"].to_numpy()})


def compare_options(ds: Dataset, actions, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL) -> pd.DataFrame:
    """Each action simulated on its own (`simulate`), one row each: action (its description),
    profit_effect (the true change in company profit), naive_effect (what the fully allocated P&L
    promises) and stranded_cost. For weighing alternatives for one account: exit, re-tier, another channel.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=6, years=1, seed=1)
    >>> acc = ds.accounts["account_id"].iloc[0]
    >>> compare_options(ds, [Action(acc, "channel"), Action(acc, "exit")])["action"].tolist()
    ['move to cheaper channel (cost -50%, channel keeps 5%)', 'exit']
    """
    econ = account_economics(ds, cost_of_capital=cost_of_capital)
    rows = []
    for a in actions:
        eff = simulate(ds, [a], economics=econ, cost_of_capital=cost_of_capital).effects.iloc[0]
        rows.append({"action": a.describe(), "profit_effect": float(eff["profit_effect"]),
                     "naive_effect": float(eff["naive_effect"]), "stranded_cost": float(eff["stranded_cost"])})
    return pd.DataFrame(rows, columns=["action", "profit_effect", "naive_effect", "stranded_cost"])
