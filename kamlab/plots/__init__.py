"""Plots: `plot_*(results, *, ax=None, ...) -> Axes`, one submodule per course unit.

Every function takes already computed results, draws on the given axes (or the current ones) and
returns them. Nothing here calls `plt.show()`, makes a figure, or changes rcParams on import;
`set_style()` gives the house look to a notebook that asks for it. A unit's submodule is imported on
first use, so a page imports only the plots it shows.
"""
from __future__ import annotations

from kamlab._lazy import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "style": ("set_style", "font_scale", "money_axis", "percent_axis", "get_ax", "PALETTE",
              "DPI", "subplots", "axis_label", "clip_ratio_axis"),
    "apa": ("plot_account_pnl", "plot_waterfall", "plot_whale_curve", "plot_pocket_price_band",
            "plot_cost_to_serve_breakdown", "plot_cost_to_serve_matrix", "plot_relationship_cashflow"),
    "selection": ("plot_scores", "plot_ranking_comparison", "plot_rank_stability", "plot_critical_weights",
                  "plot_portfolio_matrix"),
    "allocation": ("plot_allocations", "plot_service_tiers", "plot_sbg", "plot_risk_adjusted_npv",
                   "plot_compensation"),
    "negotiation": ("plot_breakeven", "plot_escalator", "plot_give_get", "plot_negotiation", "plot_sla_cost"),
    "growth": ("plot_share_of_wallet", "plot_cross_sell", "plot_price_volume_mix", "plot_jbp"),
    "rationalization": ("plot_simulation", "plot_stranded_costs", "plot_margin_trend", "plot_violations",
                        "figure_img", "plan_charts", "plan_page"),
})
