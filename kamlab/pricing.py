"""Value-based pricing: the economic value to the customer (EVC) of an offer against the customer's next
best alternative, and the arithmetic of defending a price with it.

Economic value estimation (Nagle & Holden, *The Strategy and Tactics of Pricing*, 3rd ed. 2002, ch. 4;
Nagle & Müller, 6th ed. 2018, ch. 2)::

    economic value = reference value                  the price of the customer's next best alternative
                   + positive differentiation value   what our offer saves or earns the customer beyond it
                   - negative differentiation value   what the alternative does better (e.g. longer terms)

The life-cycle form is Forbis & Mehta's (1981) "economic value to the customer": the reference product's
price plus the customer's start-up and post-purchase costs it avoids by buying ours, plus any incremental
value (functionality). A price above the economic value leaves the customer worse off than the
alternative; a price below it hands the customer an incentive of ``value - price`` to buy (Nagle & Holden
call the economic value the price at which a fully informed buyer is indifferent).

Pure: pandas and numbers in, a small frozen dataclass out. Money in the data set's currency, per unit or
per year as the caller chooses (all drivers in the same unit).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError

__all__ = ["EconomicValue", "economic_value", "life_cycle_value", "price_cut_breakeven", "value_gap"]


@dataclass(frozen=True)
class EconomicValue:
    """An economic value estimate: the reference value, and the positive and negative differentiation
    value drivers (each a Series of amounts >= 0, driver name -> money)."""

    reference_value: float
    positive: pd.Series
    negative: pd.Series
    reference: str = "next best alternative"

    @property
    def positive_value(self) -> float:
        return float(self.positive.sum())

    @property
    def negative_value(self) -> float:
        return float(self.negative.sum())

    @property
    def differentiation_value(self) -> float:
        """Positive minus negative differentiation value."""
        return self.positive_value - self.negative_value

    @property
    def value(self) -> float:
        """The economic value: reference value + differentiation value."""
        return self.reference_value + self.differentiation_value

    def table(self) -> pd.DataFrame:
        """The value build-up, one row per step (reference, each driver signed, economic value)."""
        rows = [("reference value: " + self.reference, "reference", self.reference_value)]
        rows += [(k, "positive", float(v)) for k, v in self.positive.items()]
        rows += [(k, "negative", -float(v)) for k, v in self.negative.items()]
        rows.append(("economic value", "total", self.value))
        return pd.DataFrame(rows, columns=["step", "kind", "amount"])

    def _repr_html_(self) -> str:
        cents = lambda v, **kw: fmt.money(v, decimals=2, **kw)  # noqa: E731 - a value per unit, to the cent
        steps = self.table()
        body = "".join(f"<tr><td>{html.escape(str(s))}</td><td style='text-align:right'>{cents(a)}</td></tr>"
                       for s, a in zip(steps["step"], steps["amount"]))
        return (f"<div><b>Economic value to the customer: {cents(self.value)}</b> (reference "
                f"{cents(self.reference_value)}, differentiation {cents(self.differentiation_value, signed=True)})"
                f"</div><table><tbody>{body}</tbody></table>")


def _drivers(drivers, label: str) -> pd.Series:
    if drivers is None:
        return pd.Series(dtype=float)
    s = pd.Series(dict(drivers), dtype=float) if not isinstance(drivers, pd.Series) else drivers.astype(float)
    if not np.all(np.isfinite(s.to_numpy())):
        raise DataError(f"{label} differentiation value drivers must be finite amounts")
    if (s < 0).any():
        bad = ", ".join(map(str, s.index[s < 0]))
        raise DataError(f"{label} drivers are amounts >= 0 ({bad} is negative): put a disadvantage among the "
                        "negative drivers instead of a negative positive driver")
    return s


def economic_value(reference_value: float, *, positive: Mapping[str, float] | None = None,
                   negative: Mapping[str, float] | None = None,
                   reference: str = "next best alternative") -> EconomicValue:
    """Economic value to the customer: reference value + positive - negative differentiation value.

    Nagle & Holden (2002, ch. 4); Nagle & Müller (2018, ch. 2), "economic value estimation".

    Parameters
    ----------
    reference_value : float
        The price of the customer's next best alternative (the competitor's offer), >= 0.
    positive, negative : mapping of driver name -> amount >= 0, keyword-only
        What our offer adds (savings, gains) and what it lacks against the alternative, in the same unit
        as the reference value (per unit, or per year).

    Examples
    --------
    Forbis & Mehta (1981, Exhibit 2): the reference product costs 300; ours brings 350 of extra
    functionality, 100 lower start-up costs and 200 lower post-purchase costs: EVC = 950.

    >>> v = economic_value(300, positive={"functionality": 350, "start-up costs": 100, "post-purchase": 200})
    >>> v.value, v.differentiation_value
    (950.0, 650.0)
    >>> economic_value(1000, positive={"productivity": 100, "maintenance": 200}, negative={"training": 50}).value
    1250.0
    """
    ref = float(reference_value)
    if not np.isfinite(ref) or ref < 0:
        raise DataError(f"reference_value is the alternative's price (>= 0), got {reference_value!r}")
    return EconomicValue(reference_value=ref, positive=_drivers(positive, "positive"),
                         negative=_drivers(negative, "negative"), reference=reference)


def life_cycle_value(reference_price: float, reference_costs: Mapping[str, float],
                     own_costs: Mapping[str, float], *, incremental_value: float = 0.0) -> EconomicValue:
    """Forbis & Mehta's (1981) economic value to the customer from life-cycle costs.

    The customer's other life-cycle costs (start-up, post-purchase, ...) with the reference product and
    with ours: each cost ours saves is a positive driver, each it adds a negative driver; plus an
    `incremental_value` (extra functionality) as a positive driver.

    Examples
    --------
    Forbis & Mehta (1981): the reference product costs 300 and brings start-up costs of 200 and
    post-purchase costs of 500 (life-cycle cost 1,000); ours cuts them to 100 and 300, so the customer
    is as well off paying 600 for ours; with 350 of extra functionality, 950.

    >>> ref = {"start-up": 200, "post-purchase": 500}
    >>> life_cycle_value(300, ref, {"start-up": 100, "post-purchase": 300}).value
    600.0
    >>> life_cycle_value(300, ref, {"start-up": 100, "post-purchase": 300}, incremental_value=350).value
    950.0
    """
    keys = list(dict.fromkeys([*reference_costs, *own_costs]))
    diff = {k: float(reference_costs.get(k, 0.0)) - float(own_costs.get(k, 0.0)) for k in keys}
    positive = {f"lower {k}": d for k, d in diff.items() if d > 0}
    if incremental_value < 0:
        raise DataError("incremental_value is extra value to the customer (>= 0)")
    if incremental_value:
        positive["incremental value"] = float(incremental_value)
    negative = {f"higher {k}": -d for k, d in diff.items() if d < 0}
    return economic_value(reference_price, positive=positive, negative=negative, reference="reference product")


def price_cut_breakeven(price_cut: float, contribution_margin: float) -> float:
    """The volume a price cut must win to keep total contribution: ``cut / (CM - cut)`` as a fraction
    of today's volume (Nagle & Holden, 2002); `price_cut` and `contribution_margin` are fractions of
    today's price (a 5% cut on a 25% margin needs 25% more volume).

    Examples
    --------
    >>> price_cut_breakeven(0.05, 0.25)
    0.25
    """
    cut, cm = float(price_cut), float(contribution_margin)
    if not (0 <= cut < 1):
        raise DataError(f"price_cut is a fraction of today's price (0.05 for 5%), got {price_cut}")
    if cm - cut <= 0:
        raise DataError("the cut takes the price below variable cost (contribution_margin <= price_cut): "
                        "no volume gain can make up for it")
    return cut / (cm - cut)


def value_gap(value: EconomicValue | float, price: float) -> float:
    """The customer's incentive to buy at `price`: economic value - price (negative: the alternative
    is the better buy at that price, so the price cannot be defended on value).

    Examples
    --------
    >>> value_gap(economic_value(300, positive={"savings": 50}), 320)
    30.0
    """
    v = value.value if isinstance(value, EconomicValue) else float(value)
    return v - float(price)
