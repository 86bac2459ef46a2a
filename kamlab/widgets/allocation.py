"""Panels for the allocation unit: service tiers and scarce engineering hours."""
from __future__ import annotations

import ipywidgets as W
import pandas as pd

from kamlab import allocation, value
from kamlab import format as fmt
from kamlab.data import Dataset
from kamlab.plots.allocation import plot_allocations, plot_service_tiers
from kamlab.widgets.common import Panel, Workbench, as_workbench, panel_figure, show_figure

__all__ = ["service_tier_panel", "allocation_panel", "ServiceTierPanel", "AllocationPanel"]

_STYLE = {"description_width": "140px"}


def _source(source):
    if source is None:
        return None
    return as_workbench(getattr(source, "workbench", source))


class ServiceTierPanel(Panel):
    """Threshold sliders (quantiles of the risk-adjusted score) -> accounts and cost per tier, against
    today's tiers. Attributes: `controls` ("platinum", "gold", "silver", "horizon"), `result` (the
    current `ServiceTiers`), `summary` (HTML), `out`."""

    def __init__(self, source, *, horizon: int = 3):
        controls = {t: W.FloatSlider(value=q, min=0, max=1, step=0.05, description=f"{t} from quantile",
                                     continuous_update=False, style=_STYLE)
                    for t, q in allocation.DEFAULT_QUANTILES.items()}
        controls["horizon"] = W.IntSlider(value=horizon, min=1, max=10, description="horizon (years)",
                                          continuous_update=False, style=_STYLE)
        self._scores: dict = {}
        super().__init__(source, controls, summary=True)
        self.children = (W.HBox([W.VBox(list(controls.values())), self.summary]), self.out)

    def compute(self, ds, *, horizon, **quantiles):
        if self._scores.get("key") != (id(ds), horizon):  # the scores once per dataset and horizon
            self._scores = {"key": (id(ds), horizon), "scores": value.risk_adjusted_score(ds, horizon=horizon)}
        return allocation.service_tiers(self._scores["scores"], quantiles=quantiles)

    def draw(self, res):
        self.summary.value = res._repr_html_()
        fig, ax = panel_figure(7, 3.6)
        plot_service_tiers(res, ax=ax)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.11, top=0.89)
        show_figure(fig)


def service_tier_panel(source: Dataset | Workbench, *, horizon: int = 3) -> ServiceTierPanel:
    """The service-tier panel (`ServiceTierPanel`)."""
    return ServiceTierPanel(_source(source), horizon=horizon)


class AllocationPanel(Panel):
    """Greedy vs optimal allocation of scarce hours, side by side, with a capacity slider. Without a
    source: the course's case (500 hours, requests A-D); with a Dataset or Workbench: each account's
    engineering hours valued at its risk-adjusted margin (an imported data set without engineering
    hours says so in the panel). Attributes: `controls` ("capacity"), `results` (method ->
    `Allocation`), `summary` (HTML), `out`."""

    def __init__(self, source, *, requests: pd.DataFrame | None = None, capacity: float | None = None):
        self._fixed = requests
        wb = _source(source)
        self.requests = self._requests(None if wb is None else wb.dataset)
        need = float(self.requests["need"].sum()) if self.requests is not None else 0.0
        cap = capacity if capacity is not None else (
            allocation.engineering_case()[1] if wb is None and requests is None else round(need / 3))
        slider = W.IntSlider(value=int(cap), min=0, max=int(max(need, cap, 1)), step=10,
                             description="hours available", continuous_update=False, style=_STYLE,
                             layout=W.Layout(width="480px"))
        self.results = {}
        super().__init__(wb, {"capacity": slider}, above=[slider])

    def _requests(self, ds):
        if self._fixed is not None or ds is None:
            return self._fixed if self._fixed is not None else allocation.engineering_case()[0]
        try:
            return allocation.engineering_requests(ds, value.risk_adjusted_score(ds)).head(25)
        except (ValueError, KeyError) as err:  # the data has no engineering hours: say so in the panel
            self._why = err
            return None

    def on_data(self, ds) -> None:
        self.requests = self._requests(ds)
        if self.requests is not None:
            self.controls["capacity"].max = int(max(self.requests["need"].sum(), self.controls["capacity"].value, 1))

    def compute(self, ds, *, capacity):
        if self.requests is None:
            raise ValueError(f"no engineering hours to allocate in this data: {self._why}")
        self.results = {m: allocation.allocate(self.requests, float(capacity), method=m) for m in ("greedy", "optimal")}
        return self.results

    def draw(self, res):
        gap = res["optimal"].total_value - res["greedy"].total_value
        m = lambda v: fmt.money(v, self.wb.dataset.currency if self.wb is not None else "")  # noqa: E731
        self.summary.value = (f"<b>Greedy (value per hour) {m(res['greedy'].total_value)}</b>: "
                              f"{', '.join(map(str, res['greedy'].selected))}<br><b>Optimal "
                              f"{m(res['optimal'].total_value)}</b>: {', '.join(map(str, res['optimal'].selected))}"
                              f"<br>The rule of thumb leaves <b>{m(gap)}</b> on the table.")
        fig, ax = panel_figure(8, 2.8)
        plot_allocations(list(res.values()), ax=ax)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.86)
        show_figure(fig)


def allocation_panel(source: Dataset | Workbench | None = None, *, requests: pd.DataFrame | None = None,
                     capacity: float | None = None) -> AllocationPanel:
    """The engineering-hours panel (`AllocationPanel`)."""
    return AllocationPanel(source, requests=requests, capacity=capacity)
