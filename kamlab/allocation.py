"""Scarce-resource allocation, tiered service and key-account team compensation.

"If everything is a priority, nothing is a priority": engineering hours, support and R&D go where the
risk-adjusted value per unit of resource is highest, and a tiered service model makes it routine.

    requests, capacity = engineering_case()
    allocate(requests, capacity, method="greedy").total_value    # 140,000: B + D
    allocate(requests, capacity, method="optimal").total_value   # 170,000: A + D
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError, Dataset
from kamlab.schema import SERVICE_TIERS

__all__ = ["allocate", "Allocation", "engineering_case", "engineering_requests", "default_engineering_budget",
           "service_tiers", "ServiceTiers", "ENTITLEMENTS", "DEFAULT_QUANTILES", "compensation_comparison",
           "CompensationComparison"]

METHODS = ("optimal", "greedy", "fractional")


def engineering_case() -> tuple[pd.DataFrame, float]:
    """The course's case: 500 engineering hours and four requests (value in money, need in hours).

    Examples
    --------
    >>> requests, capacity = engineering_case()
    >>> capacity, float(requests["value"].sum())
    (500.0, 320000.0)
    """
    requests = pd.DataFrame({"id": list("ABCD"), "value": [120_000.0, 90_000.0, 60_000.0, 50_000.0],
                             "need": [400.0, 150.0, 300.0, 100.0]})
    return requests, 500.0


def _requests(requests) -> pd.DataFrame:
    if isinstance(requests, dict):
        requests = pd.DataFrame([(k, *v) for k, v in requests.items()], columns=["id", "value", "need"])
    missing = {"id", "value", "need"} - set(requests.columns)
    if missing:
        raise DataError(f"requests need columns id, value, need; missing {sorted(missing)}")
    r = requests[["id", "value", "need"]].astype({"value": float, "need": float}).reset_index(drop=True)
    if r["id"].duplicated().any():
        raise DataError(f"duplicate request ids {r['id'][r['id'].duplicated()].tolist()}: one row per request")
    if (r["need"] <= 0).any() or not np.isfinite(r[["value", "need"]].to_numpy()).all():
        raise DataError("every request needs a finite value and a need above 0 (hours, not 0 or blank)")
    return r


@dataclass(frozen=True)
class Allocation:
    """Which requests get the scarce resource, and what that is worth."""

    method: str
    capacity: float
    selected: list
    total_value: float
    used: float
    table: pd.DataFrame

    def _repr_html_(self) -> str:
        return (f"<b>{self.method}</b>: {', '.join(map(str, self.selected)) or 'nothing'} selected, value "
                f"{fmt.money(self.total_value)}, using {fmt.number(self.used)} of {fmt.number(self.capacity)}"
                + fmt.report_table(self.table).to_html())


def _knapsack_dp(value: np.ndarray, need: np.ndarray, capacity: int) -> np.ndarray:
    best = np.zeros(capacity + 1)
    keep = np.zeros((len(value), capacity + 1), dtype=bool)
    for k, (v, w) in enumerate(zip(value, need)):
        if w > capacity or v <= 0:
            continue
        cand = best[: capacity + 1 - w] + v
        take = cand > best[w:] + 1e-9
        keep[k, w:] = take
        best[w:] = np.where(take, cand, best[w:])
    x, c = np.zeros(len(value)), capacity
    for k in range(len(value) - 1, -1, -1):
        if keep[k, c]:
            x[k], c = 1.0, c - need[k]
    return x


def _knapsack_milp(value: np.ndarray, need: np.ndarray, capacity: float) -> np.ndarray:
    from scipy.optimize import Bounds, LinearConstraint, milp

    res = milp(-value, constraints=LinearConstraint(need[None, :], -np.inf, capacity),
               integrality=np.ones(len(value)), bounds=Bounds(0, 1))
    return np.round(res.x)


def allocate(requests, capacity: float, *, method: str = "optimal") -> Allocation:
    """Give a scarce resource (engineering hours, support days) to the requests worth most.

    ``"optimal"`` solves the 0/1 knapsack exactly (dynamic programming when needs are whole units,
    otherwise a mixed-integer program); ``"greedy"`` takes requests by value per unit of need, highest
    first (ties: higher value, then id), skipping those that no longer fit; ``"fractional"`` does the
    same but takes the part of the next request that fits (for divisible resources; optimal for them,
    Dantzig 1957). Requests with value <= 0 are never selected.

    Examples
    --------
    >>> requests, capacity = engineering_case()
    >>> [(a.selected, a.total_value) for a in (allocate(requests, capacity, method="greedy"),
    ...                                        allocate(requests, capacity))]
    [(['B', 'D'], 140000.0), (['A', 'D'], 170000.0)]
    """
    if method not in METHODS:
        raise DataError(f"method={method!r}: use one of {METHODS}")
    if not capacity >= 0:
        raise DataError(f"capacity={capacity}: give the hours available, 0 or more")
    r = _requests(requests)
    value, need = r["value"].to_numpy(), r["need"].to_numpy()
    r["value_per_unit"] = value / need
    order = np.lexsort((r["id"].astype(str).to_numpy(), -value, -r["value_per_unit"].to_numpy()))
    x = np.zeros(len(r))
    if method == "optimal":
        whole = np.allclose(need, np.round(need)) and float(capacity).is_integer()
        if whole and len(r) * (capacity + 1) <= 5e7:
            x = _knapsack_dp(value, np.round(need).astype(int), int(capacity))
        elif len(r):
            x = _knapsack_milp(value, need, float(capacity))
        order = np.arange(len(r))
    else:
        left = float(capacity)
        for k in order:
            if value[k] <= 0:
                continue
            take = 1.0 if need[k] <= left + 1e-12 else (left / need[k] if method == "fractional" else 0.0)
            x[k], left = take, left - take * need[k]
    r["fraction"] = x
    r["selected"] = x > 0
    r["allocated"] = x * need
    r["value_gained"] = x * value
    chosen = [r["id"].iloc[k] for k in order if x[k] > 0]
    return Allocation(method=method, capacity=float(capacity), selected=chosen,
                      total_value=float(r["value_gained"].sum()), used=float(r["allocated"].sum()),
                      table=r.set_index("id"))


def engineering_requests(ds: Dataset, scores: pd.DataFrame, *, activity: str = "engineering_hours",
                         value: str = "margin_at_risk") -> pd.DataFrame:
    """Requests for `allocate` from the case data: each account asks for the yearly `activity` hours it
    used, valued at what the hours add.

    value="margin_at_risk" (default): the yearly margin the hours protect, the account's yearly net
    margin before the engineering cost times its churn risk (the margin the company expects to lose
    if the support is refused and the account's risk materialises; 0 for a loss-maker). Any other
    column of `scores` (from `kamlab.value.risk_adjusted_score`), e.g. "risk_adjusted_margin", values a
    request at that instead. Accounts that used no hours are left out.

    Examples
    --------
    >>> from kamlab import synth, value
    >>> ds = synth.generate(n_accounts=8, years=2, seed=1)
    >>> list(engineering_requests(ds, value.risk_adjusted_score(ds)).columns)
    ['id', 'name', 'value', 'need']
    """
    act = ds.activities[ds.activities["activity"] == activity]
    if act.empty:
        raise DataError(f"no activities named {activity!r}: pick one of "
                        f"{sorted(ds.activities['activity'].unique())}")
    years = max((act["date"].max() - act["date"].min()).days + 1, 1) / 365.25
    need = (act.groupby("account_id")["driver_qty"].sum() / years).round()
    need = need[need > 0]
    if value == "margin_at_risk":
        rate = ds.activity_rates.set_index("activity")["rate"].get(activity, 0.0)
        before = scores["net_margin"].reindex(need.index) + need * rate
        worth = before.clip(lower=0.0) * scores["churn_risk"].reindex(need.index)
    elif value in scores.columns:
        worth = scores[value].reindex(need.index)
    else:
        raise DataError(f"value={value!r}: use 'margin_at_risk' or a column of the scores")
    out = pd.DataFrame({"id": need.index, "name": scores["name"].reindex(need.index).to_numpy(),
                        "value": worth.to_numpy(), "need": need.to_numpy()})
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def default_engineering_budget(requests, *, share: float = 1 / 3, step: int = 10, min_gap: float = 0.01) -> float:
    """The teaching budget for `engineering_requests`: about `share` of the hours asked for, moved in
    `step`-hour steps (nearest first) to the first budget where the value-per-hour rule (greedy) falls
    short of the best combination (optimal) by at least `min_gap` of the optimum, so the page shows why
    a ratio ranking is not an allocation. Falls back to the plain share when no budget shows such a gap.

    Examples
    --------
    >>> req, _ = engineering_case()
    >>> b = default_engineering_budget(req, share=0.5)
    >>> allocate(req, b, method="optimal").total_value > allocate(req, b, method="greedy").total_value
    True
    """
    r = _requests(requests)
    total = float(r["need"].sum())
    base = float(np.round(total * share / step) * step)
    for k in range(int(total / step) + 1):
        for cap in dict.fromkeys((base - k * step, base + k * step)):
            if 0 < cap <= total:
                best = allocate(r, cap, method="optimal").total_value
                if best - allocate(r, cap, method="greedy").total_value >= min_gap * abs(best) > 0:
                    return float(cap)
    return base


# ------------------------------------------------------------------------------------------ tiers

#: What each service tier gets, and what it costs per account per year (an illustrative default).
ENTITLEMENTS = pd.DataFrame(
    {"key_account_manager": ["dedicated", "shared (1:4)", "shared (1:12)", "inside sales"],
     "business_reviews": ["quarterly, on site", "twice a year", "yearly, remote", "none"],
     "support": ["24/7, 1 h response", "business hours, 4 h", "business hours, next day", "web portal"],
     "engineering_hours": [200, 80, 20, 0],
     "cost": [60_000.0, 25_000.0, 8_000.0, 2_000.0]},
    index=pd.Index(list(SERVICE_TIERS), name="tier"))
#: Default tier cut-offs as quantiles of the score: top 10% platinum, next 20% gold, next 30% silver.
DEFAULT_QUANTILES = {"platinum": 0.90, "gold": 0.70, "silver": 0.40}


@dataclass(frozen=True)
class ServiceTiers:
    """A tier per account with its entitlements and cost, against today's tiers."""

    table: pd.DataFrame
    summary: pd.DataFrame
    thresholds: dict
    total_cost: float
    current_cost: float
    saving: float

    def _repr_html_(self) -> str:
        moves = ""
        if "change" in self.table.columns:
            c = self.table["change"].value_counts()
            moves = f"<br>{c.get('up', 0)} accounts move up a tier, {c.get('down', 0)} move down."
        return (f"<b>Tiered service costs {fmt.money(self.total_cost)} a year against "
                f"{fmt.money(self.current_cost)} today: saving {fmt.money(self.saving)}</b>{moves}"
                + fmt.report_table(self.summary).to_html())


def service_tiers(scores, *, thresholds: dict | None = None, quantiles: dict | None = None,
                  entitlements: pd.DataFrame | None = None, score_column: str = "score",
                  afford_column: str = "margin_before_service", enforce_affordability: bool = True) -> ServiceTiers:
    """Tier every account by its risk-adjusted value, then check the tier is affordable.

    Tiers are `entitlements`' index in order, best first (platinum, gold, silver, bronze); an account
    gets the best tier whose minimum score it reaches (score >= threshold), the last tier otherwise.
    Give minimum scores in `thresholds`, or `quantiles` of the score (default `DEFAULT_QUANTILES`).
    When `scores` has an `afford_column` (``margin_before_service`` of `kamlab.value.risk_adjusted_score`:
    the yearly margin before any service), a tier whose yearly cost exceeds it is not affordable
    (column ``affordable``); with `enforce_affordability` the account moves down to the best tier it can
    afford (the last tier at worst). Ryals & Knox (2005): serve by risk-adjusted value, within what the
    account's margin carries. When `scores` has a ``service_tier`` column (today's tier), the saving is
    today's cost minus the new cost.

    Examples
    --------
    >>> s = pd.DataFrame({"score": [9.0, 5.0, 3.0, 1.0], "service_tier": ["gold"] * 4}, index=list("ABCD"))
    >>> t = service_tiers(s, thresholds={"platinum": 8, "gold": 4, "silver": 2})
    >>> t.table["tier"].tolist(), t.total_cost, t.saving
    (['platinum', 'gold', 'silver', 'bronze'], 95000.0, 5000.0)
    """
    ent = ENTITLEMENTS if entitlements is None else entitlements
    if "cost" not in ent.columns:
        raise DataError("entitlements need a 'cost' column: the yearly cost per account in each tier")
    df = scores.to_frame(score_column) if isinstance(scores, pd.Series) else scores
    if score_column not in df.columns:
        raise DataError(f"scores have no {score_column!r} column: pass risk_adjusted_score(ds) or a Series")
    s = df[score_column].astype(float)
    tiers = list(ent.index)
    if thresholds is None:
        q = DEFAULT_QUANTILES if quantiles is None else quantiles
        thresholds = {t: float(s.quantile(q[t])) for t in tiers[:-1] if t in q}
    unknown = set(thresholds) - set(tiers)
    if unknown:
        raise DataError(f"unknown tiers {sorted(unknown)}: use {tiers}")
    tier = pd.Series(tiers[-1], index=s.index, dtype=object)
    for t in reversed(tiers[:-1]):  # best tier last, so it wins
        if t in thresholds:
            tier[s >= thresholds[t]] = t
    cost = ent["cost"].astype(float)
    if afford_column in df.columns:
        margin = df[afford_column].astype(float)
        if enforce_affordability:
            for t in tiers[:-1]:                 # best first: an account drops until its margin carries the tier
                too_dear = (tier == t) & (cost[t] > margin)
                tier[too_dear] = tiers[tiers.index(t) + 1]
    table = pd.DataFrame({"score": s, "tier": tier, "cost": tier.map(cost)}, index=s.index)
    if afford_column in df.columns:
        table["affordable"] = table["cost"] <= df[afford_column].astype(float)
    if "name" in df.columns:
        table.insert(0, "name", df["name"])
    has_now = "service_tier" in df.columns
    if has_now:
        table["current_tier"] = df["service_tier"]
        table["current_cost"] = df["service_tier"].map(cost).fillna(0.0)
        pos = {t: k for k, t in enumerate(tiers)}
        step = table["current_tier"].map(pos) - table["tier"].map(pos)
        table["change"] = np.select([step > 0, step < 0], ["up", "down"], "same")
    summary = table.groupby("tier").agg(accounts=("cost", "size"), cost=("cost", "sum")).reindex(tiers)
    if has_now:
        now = table.groupby("current_tier").agg(accounts_today=("cost", "size"),
                                                cost_today=("current_cost", "sum"))
        summary = summary.join(now.reindex(tiers))
    summary = summary.fillna(0)
    total = float(table["cost"].sum())
    current = float(table["current_cost"].sum()) if has_now else total
    return ServiceTiers(table=table, summary=summary, thresholds=dict(thresholds), total_cost=total,
                        current_cost=current, saving=current - total)


# ------------------------------------------------------------------------------------ compensation

@dataclass(frozen=True)
class CompensationComparison:
    """The key-account team's pay account by account under each plan."""

    table: pd.DataFrame
    rates: dict
    totals: pd.Series

    def _repr_html_(self) -> str:
        rates = ", ".join(f"{k}: {fmt.percent(v, digits=2)}" for k, v in self.rates.items())
        return (f"<b>Pay by plan</b> (rates {rates})"
                + fmt.report_table(self.totals.to_frame("total_pay"), money=["total_pay"]).to_html()
                + fmt.report_table(self.table, max_rows=15).to_html())


def compensation_comparison(pnl: pd.DataFrame, plans: dict | None = None) -> CompensationComparison:
    """Pay the key-account team on revenue or on gross margin, account by account.

    `plans` maps a plan name to (basis column of `pnl`, rate); a rate of None means budget-neutral:
    the rate that pays the same total as the first plan, so the comparison is about WHERE the money
    goes, not how much. Default: 1% of invoice revenue vs a budget-neutral share of gross margin
    (the course: align compensation with gross margin). ``pay_on_losses`` in `totals` is the pay
    earned on accounts with negative net margin (when `pnl` has net_margin).

    Examples
    --------
    >>> pnl = pd.DataFrame({"invoice_revenue": [100.0, 100.0], "gross_margin": [40.0, 10.0]},
    ...                    index=["X", "Y"])
    >>> compensation_comparison(pnl).table[["pay_revenue", "pay_margin"]].to_dict("list")
    {'pay_revenue': [1.0, 1.0], 'pay_margin': [1.6, 0.4]}
    """
    if plans is None:
        plans = {"revenue": ("invoice_revenue", 0.01), "margin": ("gross_margin", None)}
    p = pnl.set_index("account_id") if "account_id" in pnl.columns else pnl
    missing = [b for b, _ in plans.values() if b not in p.columns]
    if missing:
        raise DataError(f"the P&L has no column {missing}: use kamlab.apa.account_pnl(ds)")
    first_basis, first_rate = next(iter(plans.values()))
    if first_rate is None:
        raise DataError("the first plan needs a rate: the others may be budget-neutral against it")
    budget = first_rate * p[first_basis].clip(lower=0).sum()
    cols = ["name"] if "name" in p.columns else []
    table = p[cols + list(dict.fromkeys(b for b, _ in plans.values()))].copy()
    rates = {}
    for plan, (basis, rate) in plans.items():
        base = p[basis].clip(lower=0)  # nobody pays a negative commission
        rates[plan] = budget / base.sum() if rate is None and base.sum() > 0 else float(rate or 0.0)
        table[f"pay_{plan}"] = rates[plan] * base
    names = list(plans)
    table["difference"] = table[f"pay_{names[-1]}"] - table[f"pay_{names[0]}"]
    totals = table[[f"pay_{n}" for n in names]].sum()
    if "net_margin" in p.columns:
        table["net_margin"] = p["net_margin"]
        loss = p["net_margin"] < 0
        for n in names:
            totals[f"pay_on_losses_{n}"] = table.loc[loss, f"pay_{n}"].sum()
    return CompensationComparison(table=table, rates=rates, totals=totals)
