"""Panels for the allocation unit: service tiers and scarce engineering hours."""
from __future__ import annotations

import ipywidgets as W
import pandas as pd

from kamlab import allocation, value
from kamlab.data import Dataset
from kamlab.plots.allocation import plot_allocations, plot_service_tiers
from kamlab.widgets.common import Workbench, as_workbench, panel_figure, refresh, show_figure

__all__ = ["service_tier_panel", "allocation_panel"]

_STYLE = {"description_width": "140px"}


def _source(source):
    if source is None:
        return None
    return as_workbench(getattr(source, "workbench", source))


def service_tier_panel(source: Dataset | Workbench, *, horizon: int = 3) -> W.VBox:
    """Threshold sliders (quantiles of the risk-adjusted score) -> accounts and cost per tier, against
    today's tiers. Attributes: `controls` ("platinum", "gold", "silver", "horizon"), `result` (the
    current `ServiceTiers`), `summary` (HTML), `out`."""
    wb = _source(source)
    controls = {t: W.FloatSlider(value=q, min=0, max=1, step=0.05, description=f"{t} from quantile",
                                 continuous_update=False, style=_STYLE)
                for t, q in allocation.DEFAULT_QUANTILES.items()}
    controls["horizon"] = W.IntSlider(value=horizon, min=1, max=10, description="horizon (years)",
                                      continuous_update=False, style=_STYLE)
    summary, out = W.HTML(), W.Output()
    panel = W.VBox([W.HBox([W.VBox(list(controls.values())), summary]), out])
    panel.controls, panel.summary, panel.out, panel.result = controls, summary, out, None
    cache: dict = {}

    def _draw():
        ds, h = wb.dataset, controls["horizon"].value
        if cache.get("key") != (id(ds), h):
            cache.update(key=(id(ds), h), scores=value.risk_adjusted_score(ds, horizon=h))
        q = {t: controls[t].value for t in allocation.DEFAULT_QUANTILES}
        res = allocation.service_tiers(cache["scores"], quantiles=q)
        panel.result = res
        summary.value = res._repr_html_()
        fig, ax = panel_figure(7, 3.6)
        plot_service_tiers(res, ax=ax)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.11, top=0.89)
        show_figure(fig)

    def _update(change=None):
        refresh(out, _draw)

    for w in controls.values():
        w.observe(_update, names="value")
    wb.observe(_update, names="dataset")
    _update()
    return panel


def allocation_panel(source: Dataset | Workbench | None = None, *, requests: pd.DataFrame | None = None,
                     capacity: float | None = None) -> W.VBox:
    """Greedy vs optimal (and fractional) allocation of scarce hours, side by side, with a capacity
    slider. Without a source: the course's case (500 hours, requests A-D); with a Dataset or Workbench:
    each account's engineering hours valued at its risk-adjusted margin. Attributes: `controls`
    ("capacity"), `results` (method -> `Allocation`), `summary` (HTML), `out`."""
    wb = _source(source)

    def _requests():
        if requests is not None or wb is None:
            return requests if requests is not None else allocation.engineering_case()[0]
        ds = wb.dataset
        return allocation.engineering_requests(ds, value.risk_adjusted_score(ds)).head(25)

    reqs = _requests()
    cap = capacity if capacity is not None else (
        allocation.engineering_case()[1] if wb is None and requests is None else round(reqs["need"].sum() / 3))
    controls = {"capacity": W.IntSlider(value=int(cap), min=0, max=int(max(reqs["need"].sum(), cap)),
                                        step=10, description="hours available", continuous_update=False,
                                        style=_STYLE, layout=W.Layout(width="480px"))}
    summary, out = W.HTML(), W.Output()
    panel = W.VBox([controls["capacity"], summary, out])
    panel.controls, panel.summary, panel.out, panel.results = controls, summary, out, {}
    state = {"requests": reqs}

    def _draw():
        c = float(controls["capacity"].value)
        res = {m: allocation.allocate(state["requests"], c, method=m) for m in ("greedy", "optimal")}
        panel.results = res
        gap = res["optimal"].total_value - res["greedy"].total_value
        summary.value = (f"<b>Greedy (value per hour) {res['greedy'].total_value:,.0f}</b>: "
                         f"{', '.join(map(str, res['greedy'].selected))}<br><b>Optimal "
                         f"{res['optimal'].total_value:,.0f}</b>: {', '.join(map(str, res['optimal'].selected))}"
                         f"<br>The rule of thumb leaves <b>{gap:,.0f}</b> on the table.")
        fig, ax = panel_figure(8, 2.8)
        plot_allocations(list(res.values()), ax=ax)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.86)
        show_figure(fig)

    def _update(change=None):
        refresh(out, _draw)

    def _on_data(change):
        state["requests"] = _requests()
        _update()

    controls["capacity"].observe(_update, names="value")
    if wb is not None:
        wb.observe(_on_data, names="dataset")
    _update()
    return panel
