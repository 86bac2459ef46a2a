"""Time-driven activity-based costing (Kaplan & Anderson, HBR 2004): a cost per minute of capacity, unit
costs per activity, and the cost of the capacity nobody used."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError, Dataset

__all__ = ["TDABCResult", "tdabc", "capacity_report", "capacity_report_from"]


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
        head = fmt.report_series({"cost per time unit": self.rate, "time used": self.used, "time unused": self.unused,
                                  "utilization": self.utilization, "cost assigned": self.assigned_cost,
                                  "cost of unused capacity": self.unused_cost},
                                 title="Time-driven activity-based costing",
                                 kinds={"cost per time unit": "money", "time used": "number", "time unused": "number",
                                        "cost assigned": "money", "cost of unused capacity": "money"})
        table = self.table().rename_axis("activity")
        return head.to_html() + fmt.report_table(table, money=["unit_cost", "cost_assigned"]).to_html()


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


def capacity_report(ds: Dataset, *, supplied: Mapping | None = None) -> pd.DataFrame:
    """Used and unused capacity per department and year, in minutes and in money (Kaplan & Anderson, 2004).

    A department supplies ``fte x minutes_per_fte`` practical minutes a year at ``fte x cost_per_fte``;
    the activities use ``driver_qty x minutes`` of it. Used + unused = supplied, in time and in money; the
    unused part is a cost of the company, not of any account (it is not in `account_pnl`): cut it or fill it.

    Parameters
    ----------
    ds : Dataset
    supplied : mapping, optional
        ``{"departments": {name: {"fte", "cost_per_fte", "minutes_per_fte"}}, "activities": {name:
        {"department", "minutes"}}}``; default ``ds.meta["tdabc"]`` (the generator writes it, see
        `kamlab.synth.capacity_supplied`).

    Returns
    -------
    DataFrame indexed by (department, year): fte, practical_capacity, used, unused (minutes),
    utilization, cost_supplied, cost_used, cost_unused (money).

    Examples
    --------
    >>> cap = {"departments": {"Support": {"fte": 2, "cost_per_fte": 90_000, "minutes_per_fte": 90_000}},
    ...        "activities": {"support_ticket": {"department": "Support", "minutes": 45}}}
    >>> acts = pd.DataFrame({"date": pd.to_datetime(["2025-05-01"]), "account_id": ["A1"],
    ...                      "activity": ["support_ticket"], "driver_qty": [3000.0]})
    >>> rep = capacity_report_from(acts, cap)
    >>> rep[["used", "unused", "cost_used", "cost_unused"]].round().to_numpy().tolist()
    [[135000.0, 45000.0, 135000.0, 45000.0]]
    """
    spec = supplied if supplied is not None else ds.meta.get("tdabc")
    if not spec:
        raise DataError("this data set does not say what capacity its departments supply (meta['tdabc']); pass "
                        "supplied={'departments': {...}, 'activities': {...}} (see kamlab.synth.capacity_supplied)")
    return capacity_report_from(ds.activities, spec)


def capacity_report_from(activities: pd.DataFrame, supplied: Mapping) -> pd.DataFrame:
    """`capacity_report` on an activities table and a capacity spec (see there)."""
    depts, acts = supplied["departments"], supplied["activities"]
    unknown = sorted(set(activities["activity"]) - set(acts))
    if unknown:
        raise DataError(f"activities without a department and unit time in the capacity spec: {unknown}")
    minutes = activities["activity"].map({a: float(v["minutes"]) for a, v in acts.items()})
    dept = activities["activity"].map({a: v["department"] for a, v in acts.items()})
    used = (activities["driver_qty"] * minutes).groupby([dept, activities["date"].dt.year]).sum()
    years = sorted(activities["date"].dt.year.unique())
    index = pd.MultiIndex.from_product([list(depts), years], names=["department", "year"])
    out = pd.DataFrame(index=index)
    d = out.index.get_level_values("department")
    out["fte"] = [float(depts[x]["fte"]) for x in d]
    out["practical_capacity"] = out["fte"] * [float(depts[x]["minutes_per_fte"]) for x in d]
    out["used"] = used.reindex(index).fillna(0.0).to_numpy()
    out["unused"] = out["practical_capacity"] - out["used"]
    out["utilization"] = out["used"] / out["practical_capacity"]
    out["cost_supplied"] = out["fte"] * [float(depts[x]["cost_per_fte"]) for x in d]
    per_minute = out["cost_supplied"] / out["practical_capacity"]
    out["cost_used"] = out["used"] * per_minute
    out["cost_unused"] = out["unused"] * per_minute
    return out
