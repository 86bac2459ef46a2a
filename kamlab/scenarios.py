"""Scenario presets for trainers: named, pure transforms of a Dataset, and the one way a page opens its data.

A trainer picks "procurement demands 5% off" from a page's dropdown and every panel on the page redraws on
the changed data. Each scenario is a plain function `Dataset -> Dataset` that never changes its input; the
scenario's name is recorded in ``meta["scenario"]`` (and what it did in ``meta["scenario_notes"]``).

Scenarios that are a parameter rather than data put the parameter in ``meta``: "cost of capital up" sets
``meta["cost_of_capital"]``, which pages pass to ``kamlab.apa.account_pnl(..., cost_of_capital=...)``
(read it with :func:`cost_of_capital`).

"Top" accounts are the largest by invoice revenue (quantity x invoice price over all order lines), ties
broken by account id, so every scenario is deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from kamlab import data
from kamlab import format as fmt
from kamlab.data import DataError, Dataset

__all__ = [
    "Scenario", "SCENARIOS", "names", "apply", "open_dataset", "top_accounts", "cost_of_capital",
    "procurement_discount", "rush_orders_double", "lose_top_account", "rebates_up",
    "customers_pay_later", "cost_of_capital_up", "activity_rates_up", "Overview", "overview",
]

#: The cost of capital the "cost of capital up" scenario sets: kamlab.apa's default 0.10 plus five points.
COST_OF_CAPITAL_UP = 0.15


@dataclass(frozen=True)
class Scenario:
    """A named preset: what a trainer reads in the dropdown, what it does, and the transform."""

    name: str
    description: str
    transform: Callable[[Dataset], Dataset]


def _invoice_revenue(ds: Dataset) -> pd.Series:
    lines = ds.order_lines
    return (lines["quantity"] * lines["invoice_price"]).groupby(lines["account_id"]).sum()


def top_accounts(ds: Dataset, n: int = 1) -> list[str]:
    """The `n` largest accounts by invoice revenue, largest first (ties: account id order).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> len(top_accounts(ds, 3))
    3
    """
    if n < 0:
        raise DataError(f"top_accounts needs n >= 0, got {n}")
    revenue = _invoice_revenue(ds).reindex(ds.accounts["account_id"], fill_value=0.0)
    order = revenue.rename("revenue").reset_index().sort_values(["revenue", "account_id"],
                                                               ascending=[False, True], kind="stable")
    return order["account_id"].head(n).tolist()


def _tag(ds: Dataset, name: str, note: str, **meta) -> Dataset:
    notes = [*ds.meta.get("scenario_notes", []), note]
    return ds.replace(meta={**ds.meta, **meta, "scenario": name, "scenario_notes": notes})


def procurement_discount(ds: Dataset, *, discount: float = 0.05, top_n: int = 5) -> Dataset:
    """Procurement demands `discount` off: invoice prices of the `top_n` largest accounts fall by that
    fraction (list prices stay, so the on-invoice discount grows); their invoiced payment amounts follow.

    The five largest buyers are the ones whose procurement departments run price-down programmes.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> top = top_accounts(ds, 1)[0]
    >>> out = procurement_discount(ds, top_n=1)
    >>> before = ds.order_lines.loc[ds.order_lines.account_id == top, "invoice_price"].sum()
    >>> after = out.order_lines.loc[out.order_lines.account_id == top, "invoice_price"].sum()
    >>> float(round(after / before, 4))
    0.95
    """
    if not 0 <= discount < 1:
        raise DataError(f"discount is a fraction between 0 and 1 (0.05 is 5%), got {discount}")
    hit = top_accounts(ds, top_n)
    lines, pays = ds.order_lines.copy(), ds.payments.copy()
    mask = lines["account_id"].isin(hit)
    lines.loc[mask, "invoice_price"] = lines.loc[mask, "invoice_price"] * (1 - discount)
    pmask = pays["account_id"].isin(hit)
    pays.loc[pmask, "amount"] = pays.loc[pmask, "amount"] * (1 - discount)
    return _tag(ds.replace(order_lines=lines, payments=pays), "procurement demands 5% off",
                f"invoice prices -{fmt.percent(discount, digits=0)} for {', '.join(hit)}", scenario_accounts=hit)


def rush_orders_double(ds: Dataset, *, factor: float = 2.0, seed: int = 0) -> Dataset:
    """Rush orders multiply by `factor`: per account, that many times as many order lines carry the rush
    flag (capped at all of its lines; the extra lines are drawn with `seed`), and every activity whose
    name mentions "rush" or "expedit" has its driver quantity multiplied, so cost-to-serve rises however
    the APA counts rushes.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> out = rush_orders_double(ds)
    >>> bool(out.order_lines.rush.sum() >= ds.order_lines.rush.sum())
    True
    """
    if factor < 1:
        raise DataError(f"factor must be at least 1, got {factor}")
    lines = ds.order_lines.copy()
    extra = (lines.groupby("account_id")["rush"].sum() * (factor - 1)).round().astype("int64")
    calm = lines.loc[~lines["rush"]].sample(frac=1.0, random_state=seed)
    pick = calm.groupby("account_id").cumcount() < calm["account_id"].map(extra).fillna(0)
    lines.loc[pick[pick].index, "rush"] = True
    acts = ds.activities.copy()
    amask = acts["activity"].str.contains("rush|expedit", case=False, regex=True)
    acts.loc[amask, "driver_qty"] = acts.loc[amask, "driver_qty"] * factor
    return _tag(ds.replace(order_lines=lines, activities=acts), "rush orders double",
                f"rush order lines x{factor:g} per account; rush activities x{factor:g}")


def lose_top_account(ds: Dataset, *, n: int = 1) -> Dataset:
    """The `n` largest accounts leave: every row of theirs goes from every table. Their share of fixed
    costs stays behind (the rationalization unit shows where it lands).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> len(lose_top_account(ds).accounts)
    7
    """
    gone = top_accounts(ds, n)
    tables = {name: t.loc[~t["account_id"].isin(gone)].reset_index(drop=True)
              for name, t in ds.tables().items() if "account_id" in t.columns}
    return _tag(ds.replace(**tables), "lose the top account", f"lost {', '.join(gone)}",
                scenario_accounts=gone)


def rebates_up(ds: Dataset, *, increase: float = 0.5) -> Dataset:
    """Off-invoice rebates and allowances rise by `increase` (0.5 is +50%) on every line.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> out = rebates_up(ds)
    >>> bool(abs(out.order_lines.off_invoice.sum() - 1.5 * ds.order_lines.off_invoice.sum()) < 1e-6)
    True
    """
    if increase < -1:
        raise DataError(f"increase is a fraction (0.5 is +50%) and cannot be below -1, got {increase}")
    lines = ds.order_lines.copy()
    lines["off_invoice"] = lines["off_invoice"] * (1 + increase)
    return _tag(ds.replace(order_lines=lines), "rebates up 50%",
                f"off-invoice rebates {fmt.percent(increase, digits=0, signed=True)}")


def customers_pay_later(ds: Dataset, *, days: int = 30) -> Dataset:
    """Every paid invoice is paid `days` later (unpaid ones stay unpaid); contracted terms stay, so days
    beyond terms and the cost of carrying receivables rise.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> out = customers_pay_later(ds)
    >>> int((out.payments.paid_date - ds.payments.paid_date).dt.days.max())
    30
    """
    pays = ds.payments.copy()
    pays["paid_date"] = pays["paid_date"] + pd.Timedelta(days=days)
    return _tag(ds.replace(payments=pays), "customers pay 30 days later", f"payments {days:+d} days")


def cost_of_capital_up(ds: Dataset, *, rate: float = COST_OF_CAPITAL_UP) -> Dataset:
    """The cost of capital rises to `rate`. This is a parameter, not data: it goes in
    ``meta["cost_of_capital"]``; pages pass ``cost_of_capital(ds)`` to ``kamlab.apa.account_pnl``.

    Examples
    --------
    >>> from kamlab import synth
    >>> cost_of_capital(cost_of_capital_up(synth.generate(n_accounts=8, years=1, seed=1)))
    0.15
    """
    if not 0 <= rate < 1:
        raise DataError(f"the cost of capital is a yearly fraction (0.15 is 15%), got {rate}")
    return _tag(ds, "cost of capital up", f"cost of capital {fmt.percent(rate, digits=0)}", cost_of_capital=rate)


def activity_rates_up(ds: Dataset, *, increase: float = 0.2) -> Dataset:
    """Every cost-to-serve activity rate rises by `increase` (0.2 is +20%: wages, fuel, rent).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> out = activity_rates_up(ds)
    >>> bool(((out.activity_rates.rate / ds.activity_rates.rate).round(6) == 1.2).all())
    True
    """
    rates = ds.activity_rates.copy()
    rates["rate"] = rates["rate"] * (1 + increase)
    return _tag(ds.replace(activity_rates=rates), "cost-to-serve rates up 20%",
                f"activity rates {fmt.percent(increase, digits=0, signed=True)}")


def _baseline(ds: Dataset) -> Dataset:
    return ds.replace(meta={**ds.meta, "scenario": "baseline"})


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("baseline", "the data as it is", _baseline),
    Scenario("procurement demands 5% off",
             "the five largest accounts' invoice prices fall 5% (list prices stay)", procurement_discount),
    Scenario("rush orders double", "each account has twice as many rush order lines", rush_orders_double),
    Scenario("lose the top account", "the largest account by revenue leaves with all its rows",
             lose_top_account),
    Scenario("rebates up 50%", "off-invoice rebates and allowances rise by half", rebates_up),
    Scenario("customers pay 30 days later", "every paid invoice is paid 30 days later", customers_pay_later),
    Scenario("cost of capital up", f"the cost of capital rises to {fmt.percent(COST_OF_CAPITAL_UP, digits=0)} "
             "(meta['cost_of_capital'])", cost_of_capital_up),
    Scenario("cost-to-serve rates up 20%", "every activity rate rises 20%", activity_rates_up),
)}


def names() -> list[str]:
    """The scenario names, in dropdown order (baseline first).

    Examples
    --------
    >>> names()[:2]
    ['baseline', 'procurement demands 5% off']
    """
    return list(SCENARIOS)


def apply(ds: Dataset, name: str) -> Dataset:
    """The dataset under the scenario `name` (see `SCENARIOS`); the input is not changed.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=8, years=1, seed=1)
    >>> apply(ds, "rebates up 50%").meta["scenario"]
    'rebates up 50%'
    """
    if name not in SCENARIOS:
        raise DataError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    return SCENARIOS[name].transform(ds)


def cost_of_capital(ds: Dataset, default: float | None = None) -> float | None:
    """The cost of capital a scenario set in ``meta``, else `default` (None: use the function's own default).

    Examples
    --------
    >>> from kamlab import synth
    >>> cost_of_capital(synth.generate(n_accounts=8, years=1, seed=1)) is None
    True
    """
    return ds.meta.get("cost_of_capital", default)


def open_dataset(data_folder: str | Path | None = None, *, seed: int | None = None,
                 scenario: str = "baseline") -> Dataset:
    """The data a page shows: a dataset folder, or a generated company (`seed`), or the shipped case
    company (neither); then the scenario applied.

    Examples
    --------
    >>> ds = open_dataset(seed=3, scenario="rebates up 50%")
    >>> ds.meta["scenario"]
    'rebates up 50%'
    """
    if data_folder not in (None, "") and seed is not None:
        raise DataError("give either data_folder (an imported dataset) or seed (a generated company), not both")
    if data_folder not in (None, ""):
        folder = Path(data_folder).expanduser()
        if not folder.is_dir():
            raise DataError(f"no dataset folder at {folder}: give the folder written by `kamlab import` "
                            "or `kamlab generate` (it holds accounts.csv, order_lines.csv, ...)")
        missing = [f"{t}.csv" for t in data.schema.TABLE_NAMES if not (folder / f"{t}.csv").exists()]
        if missing:
            raise DataError(f"{folder} is not a kamlab dataset folder: it lacks {', '.join(missing)}")
        ds = data.load(folder)
    elif seed is not None:
        from kamlab import synth

        ds = synth.generate(seed=int(seed))
    else:
        ds = data.load_sample()
    return apply(ds, scenario)


@dataclass(frozen=True)
class Overview:
    """What a data set holds, for the course home: its name, the tables with their row counts, the
    accounts by segment, by life-cycle stage (with the stage names) and by service tier, the period."""

    name: str
    currency: str
    scenario: str
    tables: pd.DataFrame
    segments: pd.DataFrame
    lifecycle: pd.DataFrame
    tiers: pd.DataFrame
    first_invoice: pd.Timestamp | None
    last_invoice: pd.Timestamp | None

    def _repr_html_(self) -> str:
        period = "" if self.first_invoice is None else (
            f" Invoices from {self.first_invoice:%d %b %Y} to {self.last_invoice:%d %b %Y}.")
        shown = lambda df: fmt.report_table(df, currency=self.currency).to_html()  # noqa: E731
        return (f"<p><b>{self.name}</b> (amounts in {self.currency}; scenario: {self.scenario}).{period}</p>"
                '<div style="display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start">'
                f"<div><h4>Tables</h4>{shown(self.tables)}</div>"
                f"<div><h4>Life-cycle stages</h4>{shown(self.lifecycle)}</div>"
                f"<div><h4>Segments</h4>{shown(self.segments)}</div>"
                f"<div><h4>Service tiers</h4>{shown(self.tiers)}</div></div>")


def _counts(col: pd.Series, label: str, order=None) -> pd.DataFrame:
    counts = col.value_counts()
    if order is not None:
        counts = counts.reindex(list(order), fill_value=0)
    return counts.rename("accounts").rename_axis(label).reset_index()


def overview(ds: Dataset) -> Overview:
    """A data set at a glance: tables and row counts, accounts per segment, life-cycle stage and tier.

    Examples
    --------
    >>> from kamlab import synth
    >>> o = overview(synth.generate(n_accounts=12, years=1, seed=1))
    >>> int(o.lifecycle.accounts.sum()), len(o.lifecycle)
    (12, 6)
    """
    stages = data.schema.LIFECYCLE_STAGES
    life = _counts(ds.accounts["lifecycle_stage"], "stage", order=stages)
    life.insert(1, "what it means", life["stage"].map(stages))
    tables = pd.DataFrame({"table": list(ds.tables()), "rows": [len(t) for t in ds.tables().values()]})
    dates = ds.order_lines["invoice_date"]
    return Overview(
        name=str(ds.meta.get("name", "dataset")), currency=ds.currency,
        scenario=str(ds.meta.get("scenario", "baseline")), tables=tables,
        segments=_counts(ds.accounts["segment"], "segment"), lifecycle=life,
        tiers=_counts(ds.accounts["service_tier"], "tier", order=data.schema.SERVICE_TIERS),
        first_invoice=dates.min() if len(dates) else None, last_invoice=dates.max() if len(dates) else None)
