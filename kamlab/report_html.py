"""Standalone HTML reports with small embedded charts (base64 PNG): the account plan page.

A presentation module (like kamlab.plots): it draws with matplotlib through kamlab.plots; the domain
object it renders (`kamlab.plan.AccountPlan`) stays pure.
"""
from __future__ import annotations

import base64
import io
from pathlib import Path

__all__ = ["figure_img", "plan_charts", "plan_page"]


def figure_img(fig, *, dpi: int = 90) -> str:
    """An <img> tag holding the figure as a base64 PNG; the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def plan_charts(plan) -> dict[str, str]:
    """Small charts for an AccountPlan, keyed by the plan section they belong to."""
    import matplotlib.pyplot as plt

    from kamlab import apa
    from kamlab.plots import apa as papa, growth as pgrowth

    charts = {}
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    papa.plot_waterfall(apa.Waterfall(steps=plan.waterfall, units=1.0, account_id=plan.account_id,
                                      currency=plan.currency), ax=ax, title="Price waterfall per unit")
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    charts["waterfall"] = figure_img(fig)
    if len(plan.growth):
        fig, ax = plt.subplots(figsize=(5.2, 0.5 + 0.45 * len(plan.growth)))
        pgrowth.plot_cross_sell(plan.growth, ax=ax, title="Cross-sell priorities")
        charts["growth"] = figure_img(fig)
    fig, ax = plt.subplots(figsize=(4.0, 3.2))
    pgrowth.plot_jbp(plan.jbp, ax=ax)
    charts["jbp"] = figure_img(fig)
    return charts


def plan_page(plan, path: str | Path | None = None, *, charts: bool = True) -> str:
    """The account plan as a standalone HTML page with embedded charts; written to `path` when given.

    Examples
    --------
    >>> from kamlab import synth, plan as kplan
    >>> ds = synth.generate(n_accounts=6, years=2, seed=1)
    >>> page = plan_page(kplan.account_plan(ds, ds.accounts.account_id[0]))
    >>> page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    True
    """
    return plan.to_html(path, charts=plan_charts(plan) if charts else None)
