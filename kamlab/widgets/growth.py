"""Panels for the growth unit: share of wallet and cross-sell, and the joint business plan builder."""
from __future__ import annotations

import inspect

import ipywidgets as W
import pandas as pd

from kamlab import format as fmt
from kamlab import growth
from kamlab import plan as kplan
from kamlab.data import Dataset
from kamlab.plots.growth import plot_cross_sell, plot_jbp, plot_share_of_wallet
from kamlab.widgets.common import Workbench, as_workbench, panel_figure, refresh, show_figure

__all__ = ["share_of_wallet_panel", "ShareOfWalletPanel", "jbp_panel", "JBPPanel"]

_STYLE = {"description_width": "130px"}
_JBP = {k: p.default for k, p in inspect.signature(growth.jbp_value).parameters.items() if p.kind == p.KEYWORD_ONLY}
def _wide() -> W.Layout:
    """A fresh layout per widget: panels hide some controls by setting their own layout.display."""
    return W.Layout(width="400px")
_ALL = "(all accounts)"


class ShareOfWalletPanel(W.VBox):
    """Share of wallet and cross-sell priorities. `controls`: "account" ("(all accounts)" or an id),
    "year", "top" (how many cross-sell opportunities), and the Wallet Allocation Rule's "rank" and
    "n_brands". Each control redraws only what depends on it: account and year both charts, "top" the
    cross-sell chart (`opp_out`), the rule's controls its sentence (`war`). After each change: `sow` (the
    share-of-wallet table shown, in `out`) and `opportunities`."""

    def __init__(self, source, *, top: int = 10, wallets: int = 12):
        self.wb = as_workbench(getattr(source, "workbench", source))
        self.wallets = wallets
        c = self.controls = {
            "account": W.Dropdown(description="account", style=_STYLE, layout=_wide()),
            "year": W.Dropdown(description="year", style=_STYLE, layout=_wide()),
            "top": W.IntSlider(value=top, min=3, max=30, description="opportunities", continuous_update=False,
                               style=_STYLE, layout=_wide()),
            "rank": W.IntSlider(value=1, min=1, max=10, description="our rank (WAR)", continuous_update=False,
                                style=_STYLE, layout=_wide()),
            "n_brands": W.IntSlider(value=3, min=1, max=10, description="brands used", continuous_update=False,
                                    style=_STYLE, layout=_wide()),
        }
        self.sow = self.opportunities = None
        self.war, self.out, self.opp_out = W.HTML(), W.Output(), W.Output()
        self._by_year: dict = {}  # year -> share_of_wallet by account and line, for the current dataset
        for k in ("account", "year"):
            c[k].observe(self._update, names="value")
        c["top"].observe(self._update_opportunities, names="value")
        for k in ("rank", "n_brands"):
            c[k].observe(self._update_war, names="value")
        charts = W.HBox([self.out, self.opp_out], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([W.HBox([W.VBox(list(c.values())), self.war]), charts])
        self.wb.observe(self._on_data, names="dataset")
        self._on_data({"new": self.wb.dataset})

    def _on_data(self, change) -> None:
        ds = change["new"]
        names = ds.accounts.set_index("account_id")["name"]
        years = sorted(int(y) for y in ds.order_lines["invoice_date"].dt.year.unique())
        self._by_year = {}
        self._updating = True
        self.controls["account"].options = [(_ALL, _ALL)] + [(f"{a} · {names[a]}", a) for a in sorted(names.index)]
        self.controls["account"].value = _ALL
        self.controls["year"].options = years
        self.controls["year"].value = years[-1]
        self._updating = False
        self._update()

    def _update_war(self, *_):
        c = self.controls
        c["rank"].max = c["n_brands"].value
        rank, n = min(c["rank"].value, c["n_brands"].value), c["n_brands"].value
        self.war.value = (f"<div style='padding:6px 12px'><b>Wallet Allocation Rule</b> (Keiningham et al. 2011): "
                          f"ranked {rank} of {n} brands, a customer gives us about "
                          f"<b>{fmt.percent(growth.wallet_allocation_share(rank, n))}</b> of its wallet. "
                          "Moving up one rank is worth more than any satisfaction score.</div>")

    def _sow_lines(self, year: int):
        """share_of_wallet by account and line for `year`: computed once per dataset and year."""
        if year not in self._by_year:
            self._by_year[year] = growth.share_of_wallet(self.wb.dataset, year=year)
        return self._by_year[year]

    def _account(self):
        value = self.controls["account"].value
        return None if value == _ALL else value

    def _update(self, *_):
        if getattr(self, "_updating", False):
            return
        self._update_war()
        acc = self._account()

        def draw():
            lines = self._sow_lines(self.controls["year"].value)
            self.sow = growth.account_share_of_wallet(lines) if acc is None else lines[lines["account_id"] == acc]
            fig, ax = panel_figure(7, 5.5)
            plot_share_of_wallet(self.sow, ax=ax, top=self.wallets)
            fig.subplots_adjust(left=0.27, right=0.97, bottom=0.1, top=0.93)
            show_figure(fig)

        refresh(self.out, draw)
        self._update_opportunities()

    def _update_opportunities(self, *_):
        if getattr(self, "_updating", False):
            return
        acc, c = self._account(), self.controls

        def draw():
            lines = self._sow_lines(c["year"].value)
            self.opportunities = growth.rank_opportunities(lines, top=c["top"].value, account_id=acc)
            fig, ax = panel_figure(7, 5.5)
            if len(self.opportunities):
                plot_cross_sell(self.opportunities, ax=ax)
            else:
                ax.axis("off")
                ax.text(0.5, 0.5, "no margin left in the wallet here", ha="center", transform=ax.transAxes)
            fig.subplots_adjust(left=0.27, right=0.97, bottom=0.1, top=0.93)
            show_figure(fig)

        refresh(self.opp_out, draw)


def share_of_wallet_panel(source, *, top: int = 10, wallets: int = 12) -> ShareOfWalletPanel:
    """Share of wallet (the `wallets` largest), margin-weighted headroom and the `top` cross-sell
    priorities, plus the Wallet Allocation Rule."""
    return ShareOfWalletPanel(source, top=top, wallets=wallets)


_FIELDS = [("supplier_one_off", "our one-off cost"), ("supplier_yearly_cost", "our yearly cost"),
           ("supplier_yearly_gain", "our yearly gain"), ("customer_one_off", "their one-off cost"),
           ("customer_yearly_cost", "their yearly cost"), ("customer_yearly_gain", "their yearly gain")]


class JBPPanel(W.VBox):
    """The joint business plan builder. `controls`: "account" (loads suggested initiatives, when the panel
    has data), "name" and one FloatText per Initiative field, "add", "remove_last", "years",
    "discount_rate". `initiatives` is the list being built; after each change `jbp` (the JBPValue),
    `summary` and `out`."""

    def __init__(self, source=None, *, initiatives=None, years: int | None = None,
                 discount_rate: float | None = None):
        years = _JBP["years"] if years is None else years
        discount_rate = _JBP["discount_rate"] if discount_rate is None else discount_rate
        self.wb = None if source is None else as_workbench(getattr(source, "workbench", source))
        c = self.controls = {"account": W.Dropdown(description="suggest for", style=_STYLE, layout=_wide()),
                             "name": W.Text(value="New initiative", description="initiative", style=_STYLE,
                                            layout=_wide())}
        for key, label in _FIELDS:
            c[key] = W.BoundedFloatText(value=0.0, min=0.0, max=1e12, step=1000, description=label, style=_STYLE,
                                        layout=_wide())
        c["add"] = W.Button(description="Add initiative", icon="plus", button_style="primary")
        c["remove_last"] = W.Button(description="Remove last", icon="minus")
        c["years"] = W.IntSlider(value=years, min=1, max=10, description="plan years", continuous_update=False,
                                 style=_STYLE, layout=_wide())
        c["discount_rate"] = W.FloatSlider(value=discount_rate, min=0.0, max=0.3, step=0.01, readout_format=".0%",
                                           description="discount rate", continuous_update=False, style=_STYLE,
                                           layout=_wide())
        self.initiatives = list(initiatives or [])
        self.jbp = None
        self.summary, self.out = W.HTML(), W.Output()
        c["add"].on_click(self._add)
        c["remove_last"].on_click(self._remove)
        for k in ("years", "discount_rate"):
            c[k].observe(self._update, names="value")
        c["account"].observe(self._suggest, names="value")
        form = W.VBox([c["name"]] + [c[k] for k, _ in _FIELDS] + [W.HBox([c["add"], c["remove_last"]])])
        super().__init__([W.HBox([W.VBox([c["account"], c["years"], c["discount_rate"], self.summary]), form]),
                          self.out])
        if self.wb is None:
            c["account"].layout.display = "none"
            self._update()
        else:
            self.wb.observe(self._on_data, names="dataset")
            self._on_data({"new": self.wb.dataset})

    def _on_data(self, change) -> None:
        ds = change["new"]
        names = ds.accounts.set_index("account_id")["name"]
        sold = sorted(pd.unique(ds.order_lines["account_id"]))
        self.controls["account"].options = [(f"{a} · {names[a]}", a) for a in sold]
        if self.initiatives:
            self._update()

    def _suggest(self, change) -> None:
        if change["new"] is not None and self.wb is not None:
            self.initiatives = kplan.suggest_initiatives(self.wb.dataset, change["new"])
            self._update()

    def _add(self, *_):
        c = self.controls
        self.initiatives.append(growth.Initiative(c["name"].value or f"Initiative {len(self.initiatives) + 1}",
                                                  **{k: float(c[k].value) for k, _ in _FIELDS}))
        self._update()

    def _remove(self, *_):
        if self.initiatives:
            self.initiatives.pop()
        self._update()

    def _update(self, *_):
        c = self.controls

        def draw():
            if not self.initiatives:
                self.jbp = None
                self.summary.value = "<i>Add an initiative: what it costs and yields each side.</i>"
                return None
            v = self.jbp = growth.jbp_value(self.initiatives, years=c["years"].value,
                                            discount_rate=c["discount_rate"].value)
            verdict = "<b style='color:#2e7d32'>both win</b>" if v.both_win else \
                "<b style='color:#c62828'>one side loses</b>"
            cur = self.wb.dataset.currency if self.wb is not None else ""
            self.summary.value = (f"<div style='padding:6px 0'>Plan value: us {fmt.money(v.supplier_npv, cur)}, "
                                  f"customer {fmt.money(v.customer_npv, cur)}: {verdict}. "
                                  f"{int((~v.table['mutual']).sum())} initiatives are not mutual.</div>")
            fig, ax = panel_figure(7, 5)
            plot_jbp(v, ax=ax)
            fig.subplots_adjust(left=0.12, right=0.97, bottom=0.11, top=0.92)
            show_figure(fig)
            cols = ["name", "supplier_npv", "customer_npv", "supplier_payback", "customer_payback", "mutual"]
            return W.HTML(fmt.report_table(v.table[cols], currency=cur).to_html())

        refresh(self.out, draw)


def jbp_panel(source: Dataset | Workbench | None = None, *, initiatives=None, years: int | None = None,
              discount_rate: float | None = None) -> JBPPanel:
    """The joint business plan builder: add initiatives (costs and gains for each side), see the value to
    both, the payback and whether both parties win. With data, an account's suggested initiatives load.
    `years` and `discount_rate` start at `kamlab.growth.jbp_value`'s defaults."""
    return JBPPanel(source, initiatives=initiatives, years=years, discount_rate=discount_rate)
