"""Negotiate for margin: price defence, payment terms, SLAs, multi-year escalators and the give-get ledger.

Pure maths (numpy, pandas, scipy). Every number is from the SUPPLIER's side: a price change is the change
in the price we charge, a cost is what a term costs us, a margin effect is what a concession does to our
contribution. Fractions, not percents. The procurement role-play lives in `kamlab.roleplay`.

    >>> round(breakeven_volume_change(-0.10, 0.40), 4)   # cut 10% at a 40% margin: sell 33% more
    0.3333
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError, Dataset

_STANDARD_NORMAL = NormalDist()  # the stdlib's: scipy.stats would add half a second to every page's start

__all__ = [
    "breakeven_volume_change", "reactive_breakeven", "breakeven_table", "cash_discount_cost",
    "terms_cost", "EscalatorSchedule", "escalator_schedule", "annuity_factor", "SLACost", "sla_cost",
    "breach_probability", "capacity_for_service_level", "sla_cost_for_target", "sla_cost_curve", "DealTerms",
    "Concession", "Deal", "DealEffect", "CONCESSION_KINDS", "deal_terms_for_account",
]


def _number(name: str, value, *, low=None, high=None, low_open=False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v):
        raise DataError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise DataError(f"{name} must be {'>' if low_open else '>='} {low}, got {v:g}")
    if high is not None and v > high:
        raise DataError(f"{name} must be <= {high}, got {v:g} (fractions, not percents: 0.10 for 10%)")
    return v


# --------------------------------------------------------------------------------------------- price defence
def breakeven_volume_change(price_change, contribution_margin, *, fixed_cost_change=0.0, base_volume=None):
    """The volume change that leaves total contribution unchanged after a price change.

    ``-dP / (CM + dP)`` (Nagle & Holden, *The Strategy and Tactics of Pricing*, 2002), plus, when the
    price move also changes fixed costs, ``dFC / ((CM + dP) x Q0)``. Price change and margin are in the
    same unit: both fractions of today's price, or both money per unit. With a fixed-cost change they
    must be money per unit and `base_volume` (Q0) in units.

    Parameters
    ----------
    price_change : float or array
        dP: the change in the price we charge (-0.10 = a 10% cut).
    contribution_margin : float or array
        CM: today's contribution margin (price - variable cost), > 0.
    fixed_cost_change : float, keyword-only
        dFC: incremental fixed cost (money) the move brings (e.g. a campaign); 0 for none.
    base_volume : float, keyword-only
        Q0: today's volume in units; needed when `fixed_cost_change` is not 0.

    Returns
    -------
    float or ndarray
        The volume change as a fraction of today's volume (+0.3333 = sell a third more to break even).

    Raises
    ------
    DataError
        If CM + dP <= 0 (the new price does not cover variable cost: no volume can make up for it).

    Examples
    --------
    >>> round(breakeven_volume_change(-0.10, 0.40), 4), round(breakeven_volume_change(0.10, 0.30), 4)
    (0.3333, -0.25)
    >>> round(breakeven_volume_change(-1.0, 4.0, fixed_cost_change=300.0, base_volume=1000), 4)
    0.4333
    """
    dp = np.asarray(price_change, dtype=float)
    cm = np.asarray(contribution_margin, dtype=float)
    if np.any(~np.isfinite(dp)) or np.any(~np.isfinite(cm)):
        raise DataError("price_change and contribution_margin must be finite numbers")
    if np.any(cm <= 0):
        raise DataError("contribution_margin must be > 0 (price above variable cost) for a breakeven")
    if np.any(cm + dp <= 0):
        raise DataError("the new price does not cover variable cost (contribution_margin + price_change <= 0): "
                        "no volume gain can make up for it")
    change = -dp / (cm + dp)
    fc = _number("fixed_cost_change", fixed_cost_change)
    if fc != 0.0:
        if base_volume is None:
            raise DataError("a fixed_cost_change needs base_volume (today's units), with price_change and "
                            "contribution_margin in money per unit")
        q0 = _number("base_volume", base_volume, low=0, low_open=True)
        change = change + fc / ((cm + dp) * q0)
    return float(change) if change.ndim == 0 else change


def reactive_breakeven(competitor_price_change, contribution_margin):
    """The volume change at which matching a competitor's price cut and not matching pay the same.

    Matching keeps the volume at the lower margin (CM + dP); not matching keeps the margin and loses
    volume. Equal contribution when ``CM x (1 + dQ) = CM + dP``, so ``dQ = dP / CM`` (the reactive
    breakeven of Nagle & Holden, 2002). If not matching would lose MORE volume than this (dQ is negative:
    a loss), matching pays; if less, hold the price.

    Examples
    --------
    >>> reactive_breakeven(-0.05, 0.25)    # a competitor cuts 5%, our margin is 25%
    -0.2
    """
    dp = _number("competitor_price_change", competitor_price_change)
    cm = _number("contribution_margin", contribution_margin, low=0, low_open=True)
    if cm + dp <= 0:
        raise DataError("matching this cut would price below variable cost (contribution_margin + "
                        "competitor_price_change <= 0): do not match")
    return dp / cm


def breakeven_table(margins, price_changes) -> pd.DataFrame:
    """The grid trainers hand out: breakeven volume change for each margin (rows) and price change
    (columns); empty (NaN) where the new price would not cover variable cost (Nagle & Holden, 2002).

    Examples
    --------
    >>> t = breakeven_table([0.3, 0.4], [-0.1, 0.1])
    >>> t.round(4).values.tolist()
    [[0.5, -0.25], [0.3333, -0.2]]
    """
    m = np.asarray(margins, dtype=float).reshape(-1, 1)
    p = np.asarray(price_changes, dtype=float).reshape(1, -1)
    if m.size == 0 or p.size == 0:
        raise DataError("breakeven_table needs at least one margin and one price change")
    if np.any(m <= 0) or not np.all(np.isfinite(m)) or not np.all(np.isfinite(p)):
        raise DataError("margins must be finite and > 0, price changes finite (fractions: 0.3 for 30%)")
    with np.errstate(divide="ignore", invalid="ignore"):
        grid = np.where(m + p > 0, -p / (m + p), np.nan)
    return pd.DataFrame(grid, index=pd.Index(m.ravel(), name="contribution_margin"),
                        columns=pd.Index(p.ravel(), name="price_change"))


# ----------------------------------------------------------------------------------------- payment terms
def cash_discount_cost(discount, discount_days, net_days, *, days_in_year=365, compound=False) -> float:
    """The annual cost to the BUYER of not taking an early-payment discount (so the rate the SELLER pays
    for the cash it gets early): ``d/(1-d) x Y/(net - discount days)``, or compounded
    ``(1 + d/(1-d))^(Y/(net - discount days)) - 1`` (Brigham & Ehrhardt, *Financial Management*, 2017).

    Examples
    --------
    >>> [round(cash_discount_cost(0.02, 10, 30, **kw), 4) for kw in
    ...  ({}, {"days_in_year": 360}, {"compound": True})]
    [0.3724, 0.3673, 0.4459]
    """
    d = _number("discount", discount, low=0, high=0.99)
    d_days = _number("discount_days", discount_days, low=0)
    n_days = _number("net_days", net_days, low=0)
    year = _number("days_in_year", days_in_year, low=0, low_open=True)
    if n_days <= d_days:
        raise DataError(f"net_days ({n_days:g}) must be later than discount_days ({d_days:g})")
    periods = year / (n_days - d_days)
    rate = d / (1 - d)
    return float((1 + rate) ** periods - 1) if compound else float(rate * periods)


def terms_cost(invoice_value, extra_days, cost_of_capital, *, method="simple", days_in_year=365):
    """What extending payment terms by `extra_days` costs the seller: the financing of the receivable.

    ``simple``: value x r x days/Y (the convention of `kamlab.apa`'s terms cost); ``pv``: the present-value
    loss of being paid later, value x (1 - (1 + r)^(-days/Y)) (Brigham & Ehrhardt, 2017). Negative
    `extra_days` (shorter terms) give a saving (a negative cost).

    Examples
    --------
    >>> round(terms_cost(100_000, 30, 0.10), 2), round(terms_cost(100_000, 30, 0.10, method="pv"), 2)
    (821.92, 780.31)
    """
    value = np.asarray(invoice_value, dtype=float)
    days = np.asarray(extra_days, dtype=float)
    r = _number("cost_of_capital", cost_of_capital, low=0, high=1)
    year = _number("days_in_year", days_in_year, low=0, low_open=True)
    if not (np.all(np.isfinite(value)) and np.all(np.isfinite(days))):
        raise DataError("invoice_value and extra_days must be finite numbers")
    if method == "simple":
        cost = value * r * days / year
    elif method == "pv":
        cost = value * (1 - (1 + r) ** (-days / year))
    else:
        raise DataError(f"method must be 'simple' or 'pv', got {method!r}")
    return float(cost) if cost.ndim == 0 else cost


# ------------------------------------------------------------------------------------ multi-year contracts
def annuity_factor(years: int, rate: float) -> float:
    """Present value of 1 paid at the end of each of `years` years: (1 - (1 + r)^-n) / r (n when r = 0).

    Examples
    --------
    >>> round(annuity_factor(3, 0.10), 4)
    2.4869
    """
    n = int(_number("years", years, low=1))
    r = _number("rate", rate, low=0, high=1)
    return float(n) if r == 0 else float((1 - (1 + r) ** -n) / r)


@dataclass(frozen=True)
class EscalatorSchedule:
    """Year-by-year prices of a multi-year contract. `escalations[t]` is the rise applied at the start of
    year t (0 in year 1); payments fall at the end of each year."""

    prices: pd.Series
    escalations: pd.Series
    total: float
    present_value: float
    level_price: float
    discount_rate: float

    def to_frame(self) -> pd.DataFrame:
        """Year, escalation, price, discount factor and present value of each year."""
        years = self.prices.index.to_numpy()
        df = pd.DataFrame({"escalation": self.escalations, "price": self.prices})
        df["discount_factor"] = (1 + self.discount_rate) ** -years.astype(float)
        df["present_value"] = df["price"] * df["discount_factor"]
        return df

    def _repr_html_(self) -> str:
        head = (f"<p><b>{len(self.prices)}-year contract</b>: total {fmt.money(self.total, decimals=2)}, present "
                f"value {fmt.money(self.present_value, decimals=2)} at {fmt.percent(self.discount_rate)}, level "
                f"price {fmt.money(self.level_price, decimals=2)}</p>")
        frame = self.to_frame().rename_axis("year").rename(columns={"price": "unit_price"})   # not a PVM effect
        table = fmt.report_table(frame, money=["unit_price", "present_value"], percents=["escalation"], counts=["year"])
        return head + table.to_html()


def escalator_schedule(first_price, years, *, escalator=0.0, index=None, floor=None, cap=None,
                       discount_rate=0.0) -> EscalatorSchedule:
    """Prices of a multi-year contract with a fixed yearly escalator, or an index path inside a collar.

    Each year's rise is `escalator` or, when `index` is given, that year's index change; a collar clips
    it to [`floor`, `cap`]. `index` lists the changes applied at the start of years 2..n (length
    ``years - 1``; a longer list is cut). The present value assumes end-of-year payments at
    `discount_rate`; `level_price` is the flat yearly price with the same present value
    (PV / annuity factor; Brealey, Myers & Allen, *Principles of Corporate Finance*, 2020).

    Examples
    --------
    >>> s = escalator_schedule(100.0, 3, escalator=0.03, discount_rate=0.10)
    >>> s.prices.round(2).tolist(), round(s.total, 2), round(s.present_value, 2), round(s.level_price, 2)
    ([100.0, 103.0, 106.09], 309.09, 255.74, 102.84)
    >>> escalator_schedule(100.0, 3, index=[0.08, -0.01], floor=0.0, cap=0.05).prices.round(2).tolist()
    [100.0, 105.0, 105.0]
    """
    p1 = _number("first_price", first_price, low=0)
    n = int(_number("years", years, low=1, high=50))
    r = _number("discount_rate", discount_rate, low=0, high=1)
    if index is None:
        rises = np.full(n - 1, _number("escalator", escalator, low=-0.5, high=1.0))
    else:
        rises = np.asarray(list(index), dtype=float)
        if rises.size < n - 1 or not np.all(np.isfinite(rises)):
            raise DataError(f"index needs {n - 1} finite yearly changes (years 2..{n}), got {rises.size}")
        rises = rises[: n - 1]
    lo = -np.inf if floor is None else _number("floor", floor)
    hi = np.inf if cap is None else _number("cap", cap)
    if lo > hi:
        raise DataError(f"floor ({lo:g}) must not be above cap ({hi:g})")
    rises = np.concatenate([[0.0], np.clip(rises, lo, hi)])
    if np.any(rises <= -1):
        raise DataError("a yearly change of -100% or less would make the price zero or negative")
    prices = p1 * np.cumprod(1 + rises)
    year_index = pd.RangeIndex(1, n + 1, name="year")
    pv = float(np.sum(prices * (1 + r) ** -np.arange(1, n + 1, dtype=float)))
    return EscalatorSchedule(prices=pd.Series(prices, index=year_index, name="price"),
                             escalations=pd.Series(rises, index=year_index, name="escalation"),
                             total=float(prices.sum()), present_value=pv,
                             level_price=pv / annuity_factor(n, r), discount_rate=r)


# ---------------------------------------------------------------------------------------------------- SLAs
def breach_probability(capacity, demand_mean, demand_sd) -> float:
    """P(demand > capacity) in one period when demand is normal(mean, sd): the chance an SLA promising
    to serve all demand is breached (the newsvendor service level, Silver, Pyke & Thomas, 2017).

    Examples
    --------
    >>> round(breach_probability(1200, 1000, 100), 4)
    0.0228
    """
    sd = _number("demand_sd", demand_sd, low=0)
    cap, mean = _number("capacity", capacity), _number("demand_mean", demand_mean)
    if sd == 0:
        return float(mean > cap)
    return float(1 - _STANDARD_NORMAL.cdf((cap - mean) / sd))


def capacity_for_service_level(service_level, demand_mean, demand_sd) -> float:
    """The capacity that meets demand in a `service_level` share of periods: mean + z x sd, with
    z = the normal quantile of the service level (Silver, Pyke & Thomas, 2017).

    Examples
    --------
    >>> round(capacity_for_service_level(0.98, 1000, 100), 1)
    1205.4
    """
    sl = _number("service_level", service_level, low=0, high=1)
    if not 0 < sl < 1:
        raise DataError("service_level must be strictly between 0 and 1 (0.98 for 98%)")
    return float(_number("demand_mean", demand_mean) + _STANDARD_NORMAL.inv_cdf(sl) * _number("demand_sd", demand_sd, low=0))


@dataclass(frozen=True)
class SLACost:
    """The expected yearly cost of a service-level commitment, split into penalties and capacity."""

    expected_penalty: float
    capacity_cost: float
    total: float
    breach_probability: float
    periods_per_year: int

    def __float__(self) -> float:
        return self.total

    def _repr_html_(self) -> str:
        return (f"<p><b>SLA cost per year: {fmt.money(self.total)}</b> = expected penalties "
                f"{fmt.money(self.expected_penalty)} (P(breach) {fmt.percent(self.breach_probability)} in each of "
                f"{self.periods_per_year} periods) + capacity {fmt.money(self.capacity_cost)}</p>")


def sla_cost(penalty, breach_probability, *, capacity_cost=0.0, periods_per_year=12) -> SLACost:
    """Expected yearly cost of a service-level agreement, so it can be priced instead of given away.

    ``expected penalty = penalty x P(breach in a period) x periods per year``, plus the yearly cost of the
    extra capacity (people, stock, trucks) it takes to keep the breach probability that low (expected
    value of a penalty clause; Brealey, Myers & Allen, 2020). Get P(breach) from a demand model with
    `breach_probability(capacity, mean, sd)` and the capacity for a target with
    `capacity_for_service_level`.

    Parameters
    ----------
    penalty : float
        Money paid (credited) per breached period.
    breach_probability : float
        Probability the SLA is breached in one period, 0..1.
    capacity_cost : float, keyword-only
        Yearly cost of the capacity held to meet the SLA.
    periods_per_year : int, keyword-only
        How often the SLA is measured (12 = monthly).

    Examples
    --------
    >>> c = sla_cost(5_000, 0.02, capacity_cost=8_000)
    >>> c.expected_penalty, c.total
    (1200.0, 9200.0)
    """
    pen = _number("penalty", penalty, low=0)
    p = _number("breach_probability", breach_probability, low=0, high=1)
    cap = _number("capacity_cost", capacity_cost, low=0)
    k = int(_number("periods_per_year", periods_per_year, low=1, high=366))
    expected = pen * p * k
    return SLACost(expected_penalty=expected, capacity_cost=cap, total=expected + cap, breach_probability=p,
                   periods_per_year=k)


def sla_cost_for_target(service_level, penalty, *, demand_mean, demand_sd, capacity_unit_cost=0.0,
                        periods_per_year=12) -> SLACost:
    """Price an SLA that promises to meet demand in `service_level` of the periods, with normal demand:
    hold capacity mean + z x sd (`capacity_for_service_level`), pay `capacity_unit_cost` a year for each
    unit of capacity above mean demand, and expect `penalty` in the (1 - service level) share of periods
    that still breach (`sla_cost`).

    Examples
    --------
    >>> c = sla_cost_for_target(0.98, 5_000, demand_mean=1000, demand_sd=100, capacity_unit_cost=40)
    >>> round(c.expected_penalty), round(c.capacity_cost), round(c.total)
    (1200, 8215, 9415)
    """
    capacity = capacity_for_service_level(service_level, demand_mean, demand_sd)
    extra = max(capacity - float(demand_mean), 0.0) * _number("capacity_unit_cost", capacity_unit_cost, low=0)
    return sla_cost(penalty, breach_probability(capacity, demand_mean, demand_sd), capacity_cost=extra,
                    periods_per_year=periods_per_year)


def sla_cost_curve(service_levels, penalty, *, demand_mean, demand_sd, capacity_unit_cost=0.0,
                   periods_per_year=12) -> pd.DataFrame:
    """`sla_cost_for_target` over a range of service levels: one row per level with expected_penalty,
    capacity_cost and total, to see where the promise gets expensive.

    Examples
    --------
    >>> c = sla_cost_curve([0.9, 0.98], 5_000, demand_mean=1000, demand_sd=100, capacity_unit_cost=40)
    >>> c["expected_penalty"].round().tolist()
    [6000.0, 1200.0]
    """
    rows = [sla_cost_for_target(s, penalty, demand_mean=demand_mean, demand_sd=demand_sd,
                                capacity_unit_cost=capacity_unit_cost, periods_per_year=periods_per_year)
            for s in service_levels]
    return pd.DataFrame({"expected_penalty": [r.expected_penalty for r in rows],
                         "capacity_cost": [r.capacity_cost for r in rows], "total": [r.total for r in rows]},
                        index=pd.Index(np.asarray(service_levels, dtype=float), name="service_level"))


# ------------------------------------------------------------------------------------------ give-get ledger
@dataclass(frozen=True)
class DealTerms:
    """The walk-away position (today's terms) a deal is measured against, from the supplier's side.

    price and unit_cost are money per unit (unit_cost = variable cost: goods, freight), volume units per
    year, rebate a fraction of revenue paid back, escalator the yearly price rise, cost_inflation the
    yearly rise of unit cost, sla_cost/delivery_cost/other_cost yearly money.
    """

    price: float
    unit_cost: float
    volume: float
    payment_days: float = 30.0
    rebate: float = 0.0
    years: int = 1
    escalator: float = 0.0
    cost_inflation: float = 0.0
    sla_cost: float = 0.0
    delivery_cost: float = 0.0
    other_cost: float = 0.0
    cost_of_capital: float = 0.10
    days_in_year: int = 365

    def __post_init__(self):
        _number("price", self.price, low=0)
        _number("unit_cost", self.unit_cost, low=0)
        _number("volume", self.volume, low=0)
        _number("payment_days", self.payment_days, low=0, high=365)
        _number("rebate", self.rebate, low=0, high=1)
        _number("years", self.years, low=1, high=50)
        _number("cost_of_capital", self.cost_of_capital, low=0, high=1)

    @property
    def contribution_margin(self) -> float:
        """Contribution margin as a fraction of price, net of the rebate: 1 - rebate - unit_cost / price.

        Examples
        --------
        >>> DealTerms(price=10, unit_cost=6, volume=1, rebate=0.02).contribution_margin
        0.38
        """
        return round(1 - self.rebate - self.unit_cost / self.price, 12) if self.price > 0 else float("nan")

    def yearly_margin(self) -> float:
        """Level-equivalent yearly contribution over the contract: each year's (price x (1 - rebate) -
        unit cost) x volume, minus the terms cost of the receivable (simple interest), SLA, delivery and
        other costs, discounted at the cost of capital and spread evenly (PV / annuity factor).

        Examples
        --------
        >>> round(DealTerms(price=10, unit_cost=6, volume=1000, payment_days=0).yearly_margin(), 6)
        4000.0
        """
        t = np.arange(self.years, dtype=float)
        price = self.price * (1 + self.escalator) ** t
        cost = self.unit_cost * (1 + self.cost_inflation) ** t
        revenue = price * self.volume
        margins = (revenue * (1 - self.rebate) - cost * self.volume
                   - revenue * self.cost_of_capital * self.payment_days / self.days_in_year
                   - self.sla_cost - self.delivery_cost - self.other_cost)
        r = self.cost_of_capital
        pv = float(np.sum(margins * (1 + r) ** -(t + 1)))
        return pv / annuity_factor(self.years, r)


#: What each concession kind changes and in which unit; sign: + means more of it.
CONCESSION_KINDS = {
    "price": ("price", "fraction of price", "relative"),
    "volume": ("volume", "fraction of volume (a volume commitment)", "relative"),
    "payment_days": ("payment_days", "days", "add"),
    "rebate": ("rebate", "fraction of revenue", "add"),
    "sla": ("sla_cost", "money per year", "add"),
    "delivery": ("delivery_cost", "money per year", "add"),
    "contract_years": ("years", "years", "add"),
    "escalator": ("escalator", "fraction per year", "add"),
    "other": ("other_cost", "money per year", "add"),
}


@dataclass(frozen=True)
class Concession:
    """One move in a deal: `kind` (see CONCESSION_KINDS), the `change` in that kind's unit, `side` "give"
    (we concede) or "get" (we receive), and `trade`: a name shared by the gives and gets exchanged
    for each other. A give without a trade is given away."""

    kind: str
    change: float
    side: str = "give"
    trade: str | None = None
    label: str = ""

    def __post_init__(self):
        if self.kind not in CONCESSION_KINDS:
            raise DataError(f"unknown concession kind {self.kind!r}; use one of {', '.join(CONCESSION_KINDS)}")
        if self.side not in ("give", "get"):
            raise DataError(f"side must be 'give' or 'get', got {self.side!r}")
        _number(f"change of {self.kind}", self.change)

    def apply(self, terms: DealTerms) -> DealTerms:
        """The terms after this move."""
        from dataclasses import replace

        attr, _, how = CONCESSION_KINDS[self.kind]
        old = getattr(terms, attr)
        new = old * (1 + self.change) if how == "relative" else old + self.change
        if attr == "years":
            new = int(round(new))
        return replace(terms, **{attr: new})


@dataclass(frozen=True)
class DealEffect:
    """The give-get ledger: concession by concession, the yearly margin effect against the walk-away."""

    table: pd.DataFrame
    base_margin: float
    deal_margin: float
    net_effect: float
    given_away: float
    traded: float
    gets: float

    def _repr_html_(self) -> str:
        cols = ["kind", "side", "change", "status", "margin_effect", "margin_after"]
        body = fmt.report_table(self.table[cols], money=["margin_effect", "margin_after"]).to_html()
        signed = lambda v: fmt.money(v, signed=True)  # noqa: E731
        return (f"<p><b>Net margin effect {signed(self.net_effect)} per year</b> (walk-away "
                f"{fmt.money(self.base_margin)} -> deal {fmt.money(self.deal_margin)}); given away "
                f"{signed(self.given_away)}, traded gives {signed(self.traded)}, gets {signed(self.gets)}</p>"
                + body)


@dataclass(frozen=True)
class Deal:
    """A bundle of concessions, built with `give` and `get` (each returns a new Deal).

    Examples
    --------
    >>> base = DealTerms(price=10.0, unit_cost=6.0, volume=1000, payment_days=30)
    >>> deal = Deal().give("price", -0.03, trade="vol").get("volume", 0.10, trade="vol").give("payment_days", 30)
    >>> e = deal.margin_effect(base)
    >>> e.table["status"].tolist()
    ['traded for vol', 'get', 'given away']
    >>> round(e.net_effect, 2) == round(e.deal_margin - e.base_margin, 2)
    True
    """

    concessions: tuple[Concession, ...] = field(default_factory=tuple)

    def give(self, kind: str, change: float, *, trade: str | None = None, label: str = "") -> "Deal":
        """Add a concession we make."""
        return Deal(self.concessions + (Concession(kind, change, "give", trade, label),))

    def get(self, kind: str, change: float, *, trade: str | None = None, label: str = "") -> "Deal":
        """Add something we receive in return."""
        return Deal(self.concessions + (Concession(kind, change, "get", trade, label),))

    def margin_effect(self, base: DealTerms) -> DealEffect:
        """Apply the concessions in order; each row's effect is the change of the level-equivalent yearly
        margin (`DealTerms.yearly_margin`) it causes, so the effects add up to the deal's net effect."""
        if not isinstance(base, DealTerms):
            raise DataError("margin_effect needs a DealTerms walk-away position (price, unit_cost, volume, ...)")
        gets = {c.trade for c in self.concessions if c.side == "get" and c.trade}
        rows, terms = [], base
        for i, c in enumerate(self.concessions, 1):
            before = terms.yearly_margin()
            terms = c.apply(terms)
            after = terms.yearly_margin()
            if c.side == "get":
                status = "get"
            else:
                status = f"traded for {c.trade}" if c.trade in gets else "given away"
            rows.append({"step": i, "kind": c.kind, "label": c.label or c.kind.replace("_", " "),
                         "side": c.side, "change": c.change, "unit": CONCESSION_KINDS[c.kind][1],
                         "trade": c.trade, "status": status, "margin_before": before,
                         "margin_effect": after - before, "margin_after": after})
        table = pd.DataFrame(rows, columns=["step", "kind", "label", "side", "change", "unit", "trade",
                                            "status", "margin_before", "margin_effect", "margin_after"])
        base_m, deal_m = base.yearly_margin(), terms.yearly_margin()
        eff = table["margin_effect"]
        return DealEffect(table=table, base_margin=base_m, deal_margin=deal_m, net_effect=deal_m - base_m,
                          given_away=float(eff[table["status"] == "given away"].sum()),
                          traded=float(eff[table["status"].str.startswith("traded")].sum()),
                          gets=float(eff[table["side"] == "get"].sum()))


def deal_terms_for_account(ds: Dataset, account_id: str, *, cost_of_capital=0.10, last_months=12) -> DealTerms:
    """An account's walk-away position from its order lines: yearly units, average invoice price,
    average unit cost (standard cost + freight per unit), rebate share (off-invoice / invoice revenue)
    and contracted payment days, over the account's last `last_months` months of invoices (None: all).

    Its `contribution_margin` is the account P&L's (invoice revenue - off-invoice - freight - COGS) /
    invoice revenue (`kamlab.apa.account_pnl`), before terms cost and cost-to-serve.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=4, years=1, seed=1)
    >>> t = deal_terms_for_account(ds, ds.accounts["account_id"].iloc[0])
    >>> t.volume > 0 and 0 < t.contribution_margin < 1
    True
    """
    lines = ds.order_lines[ds.order_lines["account_id"] == account_id]
    acc = ds.accounts[ds.accounts["account_id"] == account_id]
    if acc.empty or lines.empty:
        raise DataError(f"account {account_id!r} has no order lines in this dataset; pick another account")
    if last_months is not None:
        last = lines["invoice_date"].max()
        lines = lines[lines["invoice_date"] > last - pd.DateOffset(months=int(last_months))]
        years = int(last_months) / 12
    else:
        span = (lines["invoice_date"].max() - lines["invoice_date"].min()).days + 1
        years = max(span / 365.25, 1.0)
    cost = lines["product_id"].map(ds.products.set_index("product_id")["unit_cost"]).fillna(0.0)
    units = float(lines["quantity"].sum())
    revenue = float((lines["quantity"] * lines["invoice_price"]).sum())
    if units <= 0 or revenue <= 0:
        raise DataError(f"account {account_id!r} has no net sales in the chosen months; pick another account")
    variable = float((lines["quantity"] * cost).sum() + lines["freight_cost"].sum())
    return DealTerms(price=revenue / units, unit_cost=variable / units, volume=units / years,
                     payment_days=float(acc["payment_terms_days"].iloc[0]),
                     rebate=min(float(lines["off_invoice"].sum()) / revenue, 1.0),
                     cost_of_capital=cost_of_capital)


