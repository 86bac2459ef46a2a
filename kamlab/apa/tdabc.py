"""Time-driven activity-based costing (Kaplan & Anderson, HBR 2004): a cost per minute of capacity, unit
costs per activity, and the cost of the capacity nobody used."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from kamlab.apa._common import _html
from kamlab.data import DataError

__all__ = ["TDABCResult", "tdabc"]


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
