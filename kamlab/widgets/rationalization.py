"""Panels for the rationalization unit: the rationalization simulator, the control dashboard and the
one-page account plan."""
from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
from IPython.display import HTML

from kamlab import apa, scenarios
from kamlab import format as fmt
from kamlab import plan as kplan
from kamlab import rationalization as rz
from kamlab.plots.rationalization import (
    plan_charts,
    plan_page,
    plot_margin_trend,
    plot_simulation,
    plot_stranded_costs,
    plot_violations,
)
from kamlab.plots.style import PALETTE
from kamlab.widgets.common import as_workbench, panel_figure, refresh, show_figure

__all__ = ["rationalization_panel", "RationalizationPanel", "control_panel", "ControlPanel",
           "account_plan_panel", "AccountPlanPanel"]

_STYLE = {"description_width": "150px"}


def _coc(ds) -> float:
    """The cost of capital a scenario set, else the APA default."""
    return scenarios.cost_of_capital(ds, apa.DEFAULT_COST_OF_CAPITAL)
def _wide() -> W.Layout:
    """A fresh layout per widget: panels hide some controls by setting their own layout.display."""
    return W.Layout(width="420px")


def _slider(value, lo, hi, step, desc, fmt=".0%"):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=desc, readout_format=fmt,
                         continuous_update=False, style=_STYLE, layout=_wide())


def _account_options(ds, eco: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    names = ds.accounts.set_index("account_id")["name"]
    if eco is None:
        return [(f"{a} · {names[a]}", a) for a in sorted(names.index)]
    e = eco.sort_values(["net_margin", "account_id"])
    return [(f"{a} · {names[a]} (net {fmt.money(m, ds.currency)})", a) for a, m in zip(e["account_id"], e["net_margin"])]


class RationalizationPanel(W.VBox):
    """The rationalization simulator. `controls`: "account" (worst first), "action" (exit, reprice,
    cut_cost, channel), "price_change", "volume_change", "lever", "reduction", "spread_by".
    After each change: `sim` (the kamlab.rationalization.Simulation), `summary` (HTML: true vs naive view)
    and `out` (the profit bridge and where the stranded cost lands)."""

    def __init__(self, source):
        self.wb = as_workbench(getattr(source, "workbench", source))
        c = self.controls = {
            "account": W.Dropdown(description="account", style=_STYLE, layout=W.Layout(width="520px")),
            "action": W.Dropdown(options=[("exit the account", "exit"), ("reprice", "reprice"),
                                          ("cut cost-to-serve", "cut_cost"), ("move to a cheaper channel", "channel")],
                                 value="exit", description="action", style=_STYLE, layout=_wide()),
            "price_change": _slider(0.05, -0.20, 0.30, 0.01, "reprice by"),
            "volume_change": _slider(-0.05, -0.60, 0.30, 0.01, "volume response"),
            "lever": W.Dropdown(options=[(k.replace("_", " "), k) for k in rz.LEVERS], value="tier_down",
                                description="cost lever", style=_STYLE, layout=_wide()),
            "reduction": _slider(0.5, 0.0, 1.0, 0.05, "cost reduction"),
            "spread_by": W.Dropdown(options=[("revenue", "revenue"), ("their own stranded cost", "stranded")],
                                    value="revenue", description="re-spread stranded by", style=_STYLE,
                                    layout=_wide()),
        }
        self.sim = None
        self._eco = None
        self.summary, self.out = W.HTML(), W.Output()
        for w in c.values():
            w.observe(self._update, names="value")
        super().__init__([W.HBox([W.VBox(list(c.values())), self.summary]), self.out])
        self.wb.observe(self._on_data, names="dataset")
        self._on_data({"new": self.wb.dataset})

    def _on_data(self, change) -> None:
        ds = change["new"]
        self._eco = rz.account_economics(ds, cost_of_capital=_coc(ds))
        options = _account_options(ds, self._eco)
        self._updating = True
        self.controls["account"].options = options
        self.controls["account"].value = options[0][1]
        self._updating = False
        self._update()

    def action(self) -> rz.Action:
        c = self.controls
        return rz.Action(c["account"].value, c["action"].value, price_change=c["price_change"].value,
                         volume_change=c["volume_change"].value, lever=c["lever"].value,
                         reduction=c["reduction"].value)

    def _update(self, *_):
        if getattr(self, "_updating", False) or self.controls["account"].value is None:
            return
        kind = self.controls["action"].value
        for k in ("price_change", "volume_change"):
            self.controls[k].layout.display = None if kind == "reprice" else "none"
        self.controls["lever"].layout.display = None if kind == "cut_cost" else "none"
        self.controls["reduction"].layout.display = None if kind in ("cut_cost", "channel") else "none"

        def draw():
            self.sim = rz.simulate(self.wb.dataset, [self.action()], spread_by=self.controls["spread_by"].value,
                                   economics=self._eco)
            s = self.sim
            true_d, naive_d = s.after_profit - s.before_profit, s.naive_after_profit - s.before_profit
            col = PALETTE["gain"] if true_d >= 0 else PALETTE["loss"]
            m = lambda v, **kw: fmt.money(v, s.currency, **kw)  # noqa: E731
            self.summary.value = (
                f"<div style='font-size:1.1em;padding:6px 12px'><b>Company profit</b> {m(s.before_profit)} -> "
                f"<b style='color:{col}'>{m(s.after_profit)}</b> ({m(true_d, signed=True)})<br>"
                f"naive fully allocated view expects: {m(s.naive_after_profit)} ({m(naive_d, signed=True)})<br>"
                f"stranded cost re-spread over the others: <b>{m(s.stranded_cost)}</b></div>")
            fig, axes = panel_figure(13, 4.8, ncols=2)
            plot_simulation(s, ax=axes[0], title="Portfolio profit: before, the action, after")
            if s.stranded_cost > 0:
                plot_stranded_costs(s, ax=axes[1], top=8)
            else:
                axes[1].axis("off")
                axes[1].text(0.5, 0.5, "no stranded cost: nothing lands on other accounts", ha="center",
                             va="center", transform=axes[1].transAxes)
            fig.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=0.91, wspace=0.45)
            show_figure(fig)

        refresh(self.out, draw)


def rationalization_panel(source) -> RationalizationPanel:
    """The rationalization simulator: pick an account and an action, see company profit before and after,
    the stranded cost, and the naive fully allocated view beside the true one."""
    return RationalizationPanel(source)


class ControlPanel(W.VBox):
    """The control dashboard. `controls`: "margin_floor", "discount_authority", "dso_days", "band_percentile",
    "decline_points", "decline_periods", "period". A rule's slider re-runs only the audit and redraws its
    chart (`out`); the period (or new data) also recomputes the margin trends (`trend_out`). After each
    change: `dashboard` (the Dashboard), `summary` and `table` (HTML: the largest violations)."""

    def __init__(self, source, *, rows: int = 12):
        self.wb = as_workbench(getattr(source, "workbench", source))
        self.rows = rows
        d = {r.kind: r for r in rz.DEFAULT_RULES}
        c = self.controls = {
            "margin_floor": _slider(d["margin_floor"].threshold, -0.10, 0.30, 0.01, "margin floor"),
            "discount_authority": _slider(d["discount_authority"].threshold, 0.0, 0.50, 0.01, "discount authority"),
            "dso_days": W.IntSlider(value=int(d["dso_beyond_terms"].threshold), min=0, max=90,
                                    description="days beyond terms", continuous_update=False, style=_STYLE,
                                    layout=_wide()),
            "band_percentile": _slider(d["pocket_below_band"].threshold, 0.05, 0.50, 0.05, "pocket band floor"),
            "decline_points": _slider(d["margin_decline"].threshold, 0.0, 0.20, 0.01, "margin decline >"),
            "decline_periods": W.IntSlider(value=d["margin_decline"].periods, min=1, max=8,
                                           description="... over periods", continuous_update=False, style=_STYLE,
                                           layout=_wide()),
            "period": W.ToggleButtons(options=[("quarters", "Q"), ("years", "Y")], value="Q"),
        }
        self.dashboard = None
        self.summary, self.table, self.trend_out, self.out = W.HTML(), W.HTML(), W.Output(), W.Output()
        for k, w in c.items():
            w.observe(self._update if k == "period" else self._update_rules, names="value")
        charts = W.HBox([self.trend_out, self.out], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([W.HBox([W.VBox(list(c.values())), self.summary]), charts, self.table])
        self.wb.observe(self._update, names="dataset")
        self._update()

    def rules(self) -> tuple[rz.Rule, ...]:
        c = self.controls
        return (rz.Rule("margin_floor", c["margin_floor"].value),
                rz.Rule("discount_authority", c["discount_authority"].value),
                rz.Rule("dso_beyond_terms", c["dso_days"].value),
                rz.Rule("pocket_below_band", c["band_percentile"].value),
                rz.Rule("margin_decline", c["decline_points"].value, periods=c["decline_periods"].value))

    def _update(self, *_):
        """New data or period: the whole dashboard."""
        def draw():
            d = self.dashboard = rz.dashboard_metrics(self.wb.dataset, period=self.controls["period"].value,
                                                      rules=self.rules(), cost_of_capital=_coc(self.wb.dataset))
            fig, ax = panel_figure(6.5, 4.5)
            plot_margin_trend(d, ax=ax, top=5)
            fig.subplots_adjust(left=0.13, right=0.97, bottom=0.2, top=0.91)
            show_figure(fig)

        refresh(self.trend_out, draw)
        self._show_violations()

    def _update_rules(self, *_):
        """A threshold moved: the audit only (the margin trends do not depend on the rules)."""
        self._show_violations(audit=True)

    def _show_violations(self, *, audit: bool = False):
        def draw():
            if audit:  # the P&Ls stay: only the rules run again
                self.dashboard = self.dashboard.with_rules(self.rules())
            d = self.dashboard
            v = d.violations
            per_rule = v.groupby("rule")["amount"].agg(["size", "sum"]) if len(v) else pd.DataFrame()
            lines = "".join(f"<li>{html.escape(r.replace('_', ' '))}: {int(n):,} violations, "
                            f"{fmt.money(a, d.currency)} at stake</li>"
                            for r, (n, a) in per_rule.iterrows())
            self.summary.value = (f"<div style='padding:6px 12px'><b>{len(v)} violations</b> in "
                                  f"{v['account_id'].nunique() if len(v) else 0} accounts; "
                                  f"{int((d.trend['direction'] == 'falling').sum())} accounts with falling margin"
                                  f"<ul>{lines}</ul></div>")
            self.table.value = fmt.report_table(v, currency=d.currency, max_rows=self.rows).to_html()
            fig, ax = panel_figure(6.5, 4.5)
            if len(v):
                plot_violations(v, ax=ax)
            else:
                ax.axis("off")
                ax.text(0.5, 0.5, "no violations at these thresholds", ha="center", transform=ax.transAxes)
            fig.subplots_adjust(left=0.3, right=0.97, bottom=0.13, top=0.91)
            show_figure(fig)

        if self.dashboard is not None:
            refresh(self.out, draw)


def control_panel(source, *, rows: int = 12) -> ControlPanel:
    """The control dashboard: threshold rules as sliders, the audit's violations and margin trends."""
    return ControlPanel(source, rows=rows)


class AccountPlanPanel(W.VBox):
    """The one-page account plan. `controls`: "account" (Dropdown) and "export" (a `DownloadLink`: the
    plan page arrives in the participant's browser; no server path, nothing written on the server).
    After each change: `plan` (the AccountPlan) and `out` (the page)."""

    def __init__(self, source, *, charts: bool = False):
        from kamlab.widgets.download import download_link

        self.wb = as_workbench(getattr(source, "workbench", source))
        self.charts = charts
        self.plan = None
        c = self.controls = {
            "account": W.Dropdown(description="account", style=_STYLE, layout=W.Layout(width="520px")),
            "export": download_link(self._page, self._filename, label="Prepare the plan (HTML)"),
        }
        self.out = W.Output()
        c["account"].observe(self._update, names="value")
        super().__init__([W.HBox([c["account"], c["export"]]), self.out])
        self.wb.observe(self._on_data, names="dataset")
        self._on_data({"new": self.wb.dataset})

    def _on_data(self, change) -> None:
        ds = change["new"]
        sold = set(pd.unique(ds.order_lines["account_id"]))
        rev = (ds.order_lines["quantity"] * ds.order_lines["invoice_price"]).groupby(ds.order_lines["account_id"]).sum()
        names = ds.accounts.set_index("account_id")["name"]
        options = [(f"{a} · {names[a]}", a) for a in rev.sort_values(ascending=False).index if a in sold]
        keep = self.controls["account"].value
        self._context = kplan.plan_context(ds, cost_of_capital=_coc(ds))
        self._updating = True
        self.controls["account"].options = options
        self.controls["account"].value = keep if keep in dict(options).values() else options[0][1]
        self._updating = False
        self._update()

    def _update(self, *_):
        if getattr(self, "_updating", False) or self.controls["account"].value is None:
            return
        self.controls["export"].reset()

        def draw():
            self.plan = kplan.account_plan(self.wb.dataset, self.controls["account"].value,
                                           context=self._context)
            charts = plan_charts(self.plan) if self.charts else None
            return HTML(self.plan.body_html(charts))

        refresh(self.out, draw)

    def _filename(self) -> str:
        return f"plan_{self.plan.account_id if self.plan is not None else 'account'}.html"

    def _page(self) -> str:
        if self.plan is None:
            raise ValueError("no plan to export yet: choose an account")
        return plan_page(self.plan, charts=True)


def account_plan_panel(source, *, charts: bool = False) -> AccountPlanPanel:
    """Pick an account, see its one-page plan, download it as a standalone HTML page. `charts=True` also
    draws the charts on screen (slower); the downloaded page always has them."""
    return AccountPlanPanel(source, charts=charts)
