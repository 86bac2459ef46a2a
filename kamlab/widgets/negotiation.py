"""Panels for the negotiation unit: price defence, the give-get ledger, payment terms, SLA pricing, the
multi-year escalator, and the procurement role-play played round by round.

Each panel exposes `controls` (a dict of widgets), `out` (the chart) and `result` (what it last
computed) so tests and trainers can drive it. Panels that read data take a Dataset or a Workbench (or
the page header that carries one) and redraw when the header changes the scenario.
"""
from __future__ import annotations

import html
import os

import ipywidgets as W
import numpy as np

from kamlab import format as fmt
from kamlab import negotiation as ng
from kamlab import roleplay as rp
from kamlab.data import DataError
from kamlab.plots.negotiation import plot_breakeven, plot_escalator, plot_give_get, plot_negotiation, plot_sla_cost
from kamlab.widgets.common import as_workbench, panel_figure, refresh, show_figure

__all__ = ["price_defence_panel", "give_get_panel", "terms_panel", "sla_panel", "escalator_panel",
           "roleplay_panel", "PriceDefencePanel", "GiveGetPanel", "TermsPanel", "SLAPanel", "EscalatorPanel",
           "RoleplayPanel"]

_STYLE = {"description_width": "170px"}
_WIDE = W.Layout(width="420px")


def _slider(value, lo, hi, step, label, fmt=".1%", kind=W.FloatSlider):
    return kind(value=value, min=lo, max=hi, step=step, description=label, readout_format=fmt,
                continuous_update=False, style=_STYLE, layout=_WIDE)


def _number(value, label, kind=W.FloatText):
    return kind(value=value, description=label, style=_STYLE, layout=_WIDE)


def _workbench(source):
    return None if source is None else as_workbench(getattr(source, "workbench", source))


def _cost_of_capital(wb, default=0.10) -> float:
    meta = wb.dataset.meta if wb is not None else {}
    return float(meta.get("cost_of_capital", default))


def _currency(wb) -> str:
    return wb.dataset.currency if wb is not None else ""


def _account_options(wb) -> list[tuple[str, str]]:
    if wb is None:
        return []
    ds = wb.dataset
    revenue = (ds.order_lines["quantity"] * ds.order_lines["invoice_price"]).groupby(
        ds.order_lines["account_id"]).sum()
    accounts = ds.accounts.set_index("account_id")
    order = revenue[revenue > 0].sort_values(ascending=False).index
    names = accounts["name"] if "name" in accounts.columns else None
    return [(f"{a} {names.get(a, '')}".strip() if names is not None else str(a), a) for a in order]


class _Panel(W.VBox):
    """Shared wiring: observe every control, redraw via refresh, follow the workbench's dataset."""

    def _wire(self, children, wb=None):
        self.wb = wb
        self.summary = W.HTML()
        self.out = W.Output()
        self.result = None
        for w in self.controls.values():
            if hasattr(w, "value"):
                w.observe(self._update, names="value")
        super().__init__([*children, self.summary, self.out])
        if wb is not None:
            wb.observe(self._on_data, names="dataset")

    def _on_data(self, change=None):
        self._update()

    def _update(self, change=None):
        if getattr(self, "_quiet", False):
            return
        refresh(self.out, self._draw)


# ------------------------------------------------------------------------------------------ price defence
class PriceDefencePanel(_Panel):
    """Price change and margin sliders -> the breakeven volume change and its curves. The account
    dropdown sets the margin slider to that account's contribution margin (last 12 months)."""

    def __init__(self, source=None, *, price_change=-0.05, margin=0.30):
        wb = _workbench(source)
        self.controls = {
            "account": W.Dropdown(options=[("(set the margin yourself)", "")] + _account_options(wb), value="",
                                  description="account", style=_STYLE, layout=_WIDE),
            "price_change": _slider(price_change, -0.30, 0.30, 0.01, "price change"),
            "margin": _slider(margin, 0.05, 0.90, 0.01, "contribution margin"),
        }
        self._wire([W.HTML("<b>Price defence</b>: how much volume must a price cut buy?"),
                    *self.controls.values()], wb)
        self._update()

    def _on_data(self, change=None):
        self._quiet = True
        try:
            current = self.controls["account"].value
            options = [("(set the margin yourself)", "")] + _account_options(self.wb)
            self.controls["account"].options = options
            self.controls["account"].value = current if current in [v for _, v in options] else ""
        finally:
            self._quiet = False
        self._update({"owner": self.controls["account"]})

    def _update(self, change=None):
        if getattr(self, "_quiet", False):
            return
        if change is not None and change.get("owner") is self.controls["account"]:
            self._account_changed = True
        super()._update()

    def _margin_from_account(self):
        """Set the margin slider to the chosen account's contribution margin (quietly)."""
        account = self.controls["account"].value
        if not account:
            return
        cm = ng.deal_terms_for_account(self.wb.dataset, account,
                                       cost_of_capital=_cost_of_capital(self.wb)).contribution_margin
        self.account_margin = cm
        self._quiet = True
        try:
            self.controls["margin"].value = float(np.clip(round(cm, 2), 0.05, 0.90))
        finally:
            self._quiet = False

    def _draw(self):
        if getattr(self, "_account_changed", False):
            self._account_changed = False
            self._margin_from_account()
        dp, cm = self.controls["price_change"].value, self.controls["margin"].value
        change = ng.breakeven_volume_change(dp, cm)
        self.result = change
        verb = "sell" if change >= 0 else "can lose"
        self.summary.value = (f"<p style='font-size:1.2em'>A price change of <b>{fmt.percent(dp)}</b> at a "
                              f"<b>{fmt.percent(cm)}</b> contribution margin: you {verb} <b>{fmt.percent(abs(change))}</b> "
                              f"{'more' if change >= 0 else ''} volume and keep the same contribution.</p>")
        margins = sorted({round(m, 2) for m in (cm - 0.1, cm, cm + 0.1) if 0.02 < m < 1})
        table = ng.breakeven_table(margins, np.round(np.linspace(-0.30, 0.30, 61), 3))
        fig, ax = panel_figure(8, 4.5)
        plot_breakeven(table.clip(-1, 3), ax=ax, highlight=(dp, change))
        ax.set_ylim(-0.8, 2.0)
        fig.subplots_adjust(left=0.1, right=0.7, bottom=0.13, top=0.91)
        show_figure(fig)


def price_defence_panel(source=None, *, price_change=-0.05, margin=0.30) -> PriceDefencePanel:
    """Price-defence panel: price change and margin sliders -> breakeven volume (Nagle & Holden) and curves.

    `source` (Dataset, Workbench or page header; optional) fills the account dropdown. The default price
    change is the "procurement demands 5% off" case.
    """
    return PriceDefencePanel(source, price_change=price_change, margin=margin)


# ------------------------------------------------------------------------------------------ give-get ledger
class GiveGetPanel(_Panel):
    """The give-get ledger of a deal with an account: what you give (price, payment days, rebate, SLA,
    delivery), what you get (volume commitment, contract years, escalator), and whether each give was
    traded for the gets or given away."""

    def __init__(self, source=None, *, account_id=None):
        wb = _workbench(source)
        options = _account_options(wb)
        default = account_id if account_id is not None else (options[0][1] if options else None)
        c = {
            "account": W.Dropdown(options=options or [("(example: price 10, cost 6, 10,000 units)", None)],
                                  value=default, description="account", style=_STYLE, layout=_WIDE),
            "price": _slider(-0.03, -0.20, 0.05, 0.005, "GIVE price change"),
            "price_traded": W.Checkbox(value=True, description="price cut traded for the gets", indent=False,
                                       layout=_WIDE),
            "payment_days": _slider(0, 0, 90, 5, "GIVE extra payment days", fmt="d", kind=W.IntSlider),
            "payment_traded": W.Checkbox(value=False, description="payment days traded for the gets", indent=False,
                                         layout=_WIDE),
            "rebate": _slider(0.0, 0.0, 0.05, 0.005, "GIVE extra rebate"),
            "sla": _number(0.0, "GIVE SLA cost / year"),
            "delivery": _number(0.0, "GIVE delivery cost / year"),
            "volume": _slider(0.10, 0.0, 0.40, 0.01, "GET volume commitment"),
            "contract_years": _slider(0, 0, 4, 1, "GET extra contract years", fmt="d", kind=W.IntSlider),
            "escalator": _slider(0.0, 0.0, 0.06, 0.005, "GET yearly escalator"),
            "cost_inflation": _slider(0.03, 0.0, 0.10, 0.005, "cost inflation / year"),
        }
        self.controls = c
        gives = W.VBox([W.HTML("<b>You give</b>"), c["price"], c["price_traded"], c["payment_days"],
                        c["payment_traded"], c["rebate"], c["sla"], c["delivery"]])
        gets = W.VBox([W.HTML("<b>You get</b>"), c["volume"], c["contract_years"], c["escalator"],
                       W.HTML("<b>Assumption</b>"), c["cost_inflation"]])
        self._wire([c["account"], W.HBox([gives, gets])], wb)
        self._update()

    def _on_data(self, change=None):
        self._quiet = True
        try:
            current = self.controls["account"].value
            options = _account_options(self.wb)
            self.controls["account"].options = options
            if options:
                self.controls["account"].value = current if current in [v for _, v in options] else options[0][1]
        finally:
            self._quiet = False
        self._update()

    def base(self) -> ng.DealTerms:
        """The walk-away terms: the chosen account's, or the example."""
        from dataclasses import replace

        account = self.controls["account"].value
        coc = _cost_of_capital(self.wb)
        terms = (ng.DealTerms(price=10.0, unit_cost=6.0, volume=10_000, cost_of_capital=coc) if account is None
                 else ng.deal_terms_for_account(self.wb.dataset, account, cost_of_capital=coc))
        return replace(terms, cost_inflation=self.controls["cost_inflation"].value)

    def deal(self) -> ng.Deal:
        """The deal the controls describe (zero moves left out)."""
        c = {k: w.value for k, w in self.controls.items()}
        deal = ng.Deal()
        for kind, traded in (("price", c["price_traded"]), ("payment_days", c["payment_traded"]),
                             ("rebate", False), ("sla", False), ("delivery", False)):
            if c[kind]:
                deal = deal.give(kind, c[kind], trade="the gets" if traded else None)
        for kind in ("volume", "contract_years", "escalator"):
            if c[kind]:
                deal = deal.get(kind, c[kind], trade="the gets")
        return deal

    def _draw(self):
        deal = self.deal()
        if not deal.concessions:
            self.result = None
            self.summary.value = "<p>Move a give or a get to build the deal.</p>"
            return None
        effect = deal.margin_effect(self.base())
        self.result = effect
        self.summary.value = effect._repr_html_()
        fig, ax = panel_figure(9, 4.8)
        plot_give_get(effect, ax=ax)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.24, top=0.92)
        show_figure(fig)


def give_get_panel(source=None, *, account_id=None) -> GiveGetPanel:
    """Give-get ledger panel for an account of `source` (or a worked example without data)."""
    return GiveGetPanel(source, account_id=account_id)


# ------------------------------------------------------------------------------------------ payment terms
class TermsPanel(_Panel):
    """Cash discounts (what 2/10 net 30 costs per year) and the cost of longer payment terms."""

    def __init__(self, source=None, *, invoice_value=1_000_000.0):
        wb = _workbench(source)
        self.controls = {
            "discount": _slider(0.02, 0.0, 0.05, 0.0025, "early-payment discount", fmt=".2%"),
            "discount_days": _slider(10, 0, 60, 1, "discount days", fmt="d", kind=W.IntSlider),
            "net_days": _slider(30, 1, 120, 1, "net days", fmt="d", kind=W.IntSlider),
            "days_in_year": W.Dropdown(options=[365, 360], value=365, description="days in year", style=_STYLE),
            "compound": W.Checkbox(value=False, description="compound"),
            "invoice_value": _number(invoice_value, "invoices per year"),
            "extra_days": _slider(30, -30, 120, 5, "extra payment days", fmt="d", kind=W.IntSlider),
            "cost_of_capital": _slider(_cost_of_capital(wb), 0.0, 0.30, 0.005, "cost of capital"),
            "method": W.Dropdown(options=["simple", "pv"], value="simple", description="method", style=_STYLE),
        }
        c = self.controls
        self._wire([W.HBox([W.VBox([W.HTML("<b>Cash discount</b>"), c["discount"], c["discount_days"],
                                    c["net_days"], c["days_in_year"], c["compound"]]),
                            W.VBox([W.HTML("<b>Longer payment terms</b>"), c["invoice_value"], c["extra_days"],
                                    c["cost_of_capital"], c["method"]])])], wb)
        self._update()

    def _on_data(self, change=None):
        self.controls["cost_of_capital"].value = _cost_of_capital(self.wb)  # redraws if it changed
        self._update()

    def _draw(self):
        c = {k: w.value for k, w in self.controls.items()}
        rate = ng.cash_discount_cost(c["discount"], c["discount_days"], c["net_days"],
                                     days_in_year=c["days_in_year"], compound=c["compound"])
        cost = ng.terms_cost(c["invoice_value"], c["extra_days"], c["cost_of_capital"], method=c["method"],
                             days_in_year=c["days_in_year"])
        self.result = {"cash_discount_cost": rate, "terms_cost": cost}
        dearer = "dearer" if rate > c["cost_of_capital"] else "cheaper"
        self.summary.value = (
            f"<p style='font-size:1.15em'>{c['discount'] * 100:g}/{c['discount_days']} net {c['net_days']} "
            f"costs a customer who skips it <b>{fmt.percent(rate)}</b> a year; offering it, you pay that rate for "
            f"early cash, {dearer} than your {fmt.percent(c['cost_of_capital'])} cost of capital."
            f"<br>Giving <b>{c['extra_days']}</b> more payment days on "
            f"{fmt.money(c['invoice_value'], _currency(self.wb))} of invoices a year costs you "
            f"<b>{fmt.money(cost, _currency(self.wb))}</b> a year ({c['method']}).</p>")


def terms_panel(source=None, *, invoice_value=1_000_000.0) -> TermsPanel:
    """Cash-discount and payment-terms panel; the cost of capital follows the page's scenario."""
    return TermsPanel(source, invoice_value=invoice_value)


# ------------------------------------------------------------------------------------------------ SLA
class SLAPanel(_Panel):
    """Price a service-level agreement: service level, penalty and demand -> expected yearly cost."""

    def __init__(self, source=None):
        wb = _workbench(source)
        self.controls = {
            "service_level": _slider(0.95, 0.80, 0.995, 0.005, "service level promised"),
            "penalty": _number(5_000.0, "penalty per breach"),
            "periods_per_year": _slider(12, 1, 52, 1, "measured times a year", fmt="d", kind=W.IntSlider),
            "demand_mean": _number(1_000.0, "mean demand / period"),
            "demand_sd": _number(150.0, "demand std dev"),
            "capacity_unit_cost": _number(40.0, "capacity cost / unit / yr"),
            "volume": _number(12_000.0, "units sold a year"),
        }
        self._wire([W.HTML("<b>SLA pricing</b>: what does the promise cost you a year?"),
                    *self.controls.values()], wb)
        self._update()

    def _draw(self):
        c = {k: w.value for k, w in self.controls.items()}
        cost = ng.sla_cost_for_target(c["service_level"], c["penalty"], demand_mean=c["demand_mean"],
                                      demand_sd=c["demand_sd"], capacity_unit_cost=c["capacity_unit_cost"],
                                      periods_per_year=c["periods_per_year"])
        self.result = cost
        per_unit = cost.total / c["volume"] if c["volume"] > 0 else float("nan")
        self.summary.value = cost._repr_html_() + (
            f"<p>Price it in: <b>{fmt.money(per_unit, _currency(self.wb), decimals=2)} per unit</b> on "
            f"{fmt.number(c['volume'])} units, or ask for something back.</p>")
        curve = ng.sla_cost_curve(np.linspace(0.80, 0.995, 40), c["penalty"], demand_mean=c["demand_mean"],
                                  demand_sd=c["demand_sd"], capacity_unit_cost=c["capacity_unit_cost"],
                                  periods_per_year=c["periods_per_year"])
        fig, ax = panel_figure(8, 4.4)
        plot_sla_cost(curve, current=c["service_level"], ax=ax)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.25, top=0.91)
        show_figure(fig)


def sla_panel(source=None) -> SLAPanel:
    """SLA pricing panel (normal demand; see `kamlab.negotiation.sla_cost_for_target`)."""
    return SLAPanel(source)


# ------------------------------------------------------------------------------------------ escalator
class EscalatorPanel(_Panel):
    """A multi-year contract: fixed escalator or an index path (typed as "3, 4.5, -1" percent or
    "0.03, 0.045") inside a floor/cap collar; the schedule, its PV and level price."""

    def __init__(self, source=None, *, first_price=100.0, years=5):
        wb = _workbench(source)
        self.controls = {
            "first_price": _number(first_price, "first-year price"),
            "years": _slider(years, 1, 10, 1, "years", fmt="d", kind=W.IntSlider),
            "escalator": _slider(0.03, -0.05, 0.10, 0.005, "fixed escalator"),
            "use_index": W.Checkbox(value=False, description="follow an index instead"),
            "index": W.Text(value="0.06, 0.01, -0.02, 0.04, 0.03, 0.02, 0.02, 0.02, 0.02",
                            description="index changes", style=_STYLE, layout=_WIDE),
            "floor": _slider(0.0, -0.05, 0.05, 0.005, "collar floor"),
            "cap": _slider(0.05, 0.0, 0.15, 0.005, "collar cap"),
            "discount_rate": _slider(_cost_of_capital(wb), 0.0, 0.30, 0.005, "discount rate"),
        }
        self._wire([W.HTML("<b>Multi-year contract</b> with an escalator"), *self.controls.values()], wb)
        self._update()

    def _on_data(self, change=None):
        self.controls["discount_rate"].value = _cost_of_capital(self.wb)
        self._update()

    def _index(self) -> list[float]:
        try:
            values = [float(v) for v in self.controls["index"].value.replace(";", ",").split(",") if v.strip()]
        except ValueError:
            raise DataError("type the index changes as numbers separated by commas, e.g. 0.03, 0.02") from None
        return [v / 100 if any(abs(x) >= 1 for x in values) else v for v in values]

    def _draw(self):
        c = {k: w.value for k, w in self.controls.items()}
        kw = dict(index=self._index(), floor=c["floor"], cap=c["cap"]) if c["use_index"] else dict(
            escalator=c["escalator"])
        s = ng.escalator_schedule(c["first_price"], c["years"], discount_rate=c["discount_rate"], **kw)
        self.result = s
        self.summary.value = s._repr_html_()
        fig, ax = panel_figure(8, 4.2)
        plot_escalator(s, ax=ax)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.13, top=0.91)
        show_figure(fig)


def escalator_panel(source=None, *, first_price=100.0, years=5) -> EscalatorPanel:
    """Escalator panel: the contract's prices, total, PV and level price (discount rate follows the page)."""
    return EscalatorPanel(source, first_price=first_price, years=years)


# ------------------------------------------------------------------------------------------ role-play
class RoleplayPanel(W.VBox):
    """Play the procurement role-play round by round: set your offer, press "Make offer", read the buyer's
    answer (and its warning before its patience runs out) and the live scorecard.

    The buyer's hidden limits (its maximum price, the ZOPA) are on no participant's screen: the trainer's
    debrief (`debrief`, shown with ``?trainer=1`` in the page address, or `reveal()` in a notebook) adds
    them once the game is over.

    `controls`: profile, seed, price, payment_days, volume, years, escalator, sla; `button` (Make offer),
    `new_game`; `sim` (the BuyerSimulator), `last`, `history_log`, `scorecard` (HTML, live), `out` (the
    chart), `debrief` (a VBox: `debrief_button`, `debrief_html`), `revealed`."""

    def __init__(self, source=None, *, profile="price_only_procurement", seed=0):
        names = list(rp.PROFILES) + ["random"]
        name = profile if isinstance(profile, str) else "custom"
        self._custom = None if isinstance(profile, str) else profile
        self.controls = {
            "profile": W.Dropdown(options=names + (["custom"] if self._custom else []), value=name,
                                  description="buyer", style=_STYLE, layout=_WIDE),
            "seed": W.IntText(value=seed, description="seed", style=_STYLE, layout=_WIDE),
            "price": _number(100.0, "price per unit"),
            "payment_days": _slider(30, 0, 120, 5, "payment days", fmt="d", kind=W.IntSlider),
            "volume": _number(0.0, "volume commitment / yr"),
            "years": _slider(1, 1, 5, 1, "contract years", fmt="d", kind=W.IntSlider),
            "escalator": _slider(0.0, -0.05, 0.10, 0.005, "escalator / yr"),
            "sla": W.Checkbox(value=False, description="commit to the buyer's SLA"),
        }
        self.button = W.Button(description="Make offer", button_style="primary")
        self.new_game = W.Button(description="New game")
        self.intro, self.last, self.history_log, self.scorecard = W.HTML(), W.HTML(), W.HTML(), W.HTML()
        self.out = W.Output()
        self.debrief_button = W.Button(description="Debrief: show the buyer's limits", icon="eye",
                                       button_style="warning", layout=W.Layout(width="auto", display="none"))
        self.debrief_html = W.HTML()
        self.debrief = W.VBox([self.debrief_html, self.debrief_button])
        self.revealed = False
        self.button.on_click(self._offer)
        self.new_game.on_click(self._reset)
        self.debrief_button.on_click(lambda _b: self.reveal())
        self.controls["profile"].observe(self._reset, names="value")
        self.controls["seed"].observe(self._reset, names="value")
        c = self.controls
        offer_box = W.VBox([c["price"], c["payment_days"], c["volume"], c["years"], c["escalator"], c["sla"],
                            W.HBox([self.button, self.new_game])])
        game = W.HBox([offer_box, W.VBox([self.last, self.scorecard], layout=W.Layout(flex="1 1 0",
                                                                                      min_width="360px"))],
                      layout=W.Layout(grid_gap="16px", flex_flow="row wrap"))
        super().__init__([W.HBox([c["profile"], c["seed"]]), self.intro, game, self.history_log, self.out])
        self._reset()

    def _profile(self) -> rp.BuyerProfile:
        name = self.controls["profile"].value
        if name == "custom":
            return self._custom
        return rp.random_profile(self.controls["seed"].value) if name == "random" else rp.profile(name)

    def _reset(self, change=None) -> None:
        prof = self._profile()
        self.sim = rp.BuyerSimulator(prof, seed=self.controls["seed"].value)
        self.button.disabled = False
        self.revealed = False
        self.last.value = self.history_log.value = ""
        self.scorecard.value = "<p><i>Your scorecard appears with your first offer.</i></p>"
        self.intro.value = (f"<p><b>Your buyer:</b> {html.escape(prof.description)}<br><b>Your side:</b> list "
                            f"price {fmt.money(prof.list_price, decimals=2)}, unit cost "
                            f"{fmt.money(prof.unit_cost, decimals=2)}, walk-away price "
                            f"{fmt.money(prof.supplier_walk_away, decimals=2)}, standard terms "
                            f"{prof.standard_payment_days} days, an SLA costs you "
                            f"{fmt.money(prof.sla_cost_per_unit, decimals=2)} per unit. You want a high price: the "
                            f"buyer has a hidden maximum and limited patience.</p>")
        self._show_debrief()
        self.out.clear_output()

    def _offer(self, _button=None) -> None:
        refresh(self.out, self._play)

    def _play(self):
        c = {k: w.value for k, w in self.controls.items()}
        response = self.sim.offer(price=c["price"], payment_days=c["payment_days"], volume=c["volume"],
                                  years=c["years"], escalator=c["escalator"], sla=c["sla"])
        self.last.value = f"<div style='font-size:1.15em'>Round {self.sim.round}: {response._repr_html_()}</div>"
        self.history_log.value = self._log_html()
        self.scorecard.value = self.sim.scorecard().to_html(reveal=False)
        if self.sim.done:
            self.button.disabled = True
        self._show_debrief()
        self._chart()

    def _chart(self) -> None:
        zopa = self.sim.profile.zopa if self.revealed else None
        fig, ax = panel_figure(8, 4)
        plot_negotiation(self.sim.history, zopa=zopa, ax=ax)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.14, top=0.91)
        show_figure(fig)

    def _show_debrief(self) -> None:
        trainer = _trainer_view()
        if not self.sim.done:
            self.debrief_button.layout.display = "none"
            self.debrief_html.value = ("<p><i>The debrief opens when the game is over.</i></p>" if trainer else "")
            return
        if self.revealed:
            return
        self.debrief_button.layout.display = "flex" if trainer else "none"
        self.debrief_html.value = ("<p>The game is over: show the buyer's limits to the class when you are ready.</p>"
                                   if trainer else "<p><i>Game over: your trainer runs the debrief.</i></p>")

    def reveal(self) -> bool:
        """The trainer's debrief: once the game is over, show the ZOPA, the share captured and the debrief
        notes, and redraw the chart with the zone. Returns False (and shows nothing) during the game."""
        if not self.sim.done:
            return False
        self.revealed = True
        self.debrief_button.layout.display = "none"
        self.debrief_html.value = ("<h4>Debrief</h4>" + self.sim.scorecard().to_html(reveal=True)
                                   + f"<p>The buyer's values: {html.escape(self.sim.profile.description)} "
                                   f"BATNA: {html.escape(self.sim.profile.batna)}; patience "
                                   f"{self.sim.profile.patience} rounds.</p>")
        refresh(self.out, self._chart)
        return True

    def _log_html(self) -> str:
        rows = "".join(
            f"<tr><td>{int(r.round)}</td><td>{fmt.money(r.price, decimals=2)}</td><td>{int(r.payment_days)}</td>"
            f"<td>{fmt.number(r.volume)}</td><td>{int(r.years)}</td><td>{fmt.percent(r.escalator)}</td>"
            f"<td>{'yes' if r.sla else 'no'}</td><td>{html.escape(r.response.replace('_', ' '))}</td>"
            f"<td>{fmt.money(r.counter_price, decimals=2)}</td>"
            f"<td>{html.escape(r.reason)}</td></tr>" for r in self.sim.history.itertuples())
        head = "".join(f"<th>{h}</th>" for h in ("round", "price", "days", "volume", "years", "escalator", "SLA",
                                                 "buyer", "counter price", "why"))
        return ("<style>.kamlab-roleplay-log td, .kamlab-roleplay-log th {padding: 2px 10px; text-align: left}"
                f"</style><table class='kamlab-roleplay-log'><tr>{head}</tr>{rows}</table>")


def _trainer_view() -> bool:
    """``?trainer=1`` in the page address (Voila passes it in QUERY_STRING)."""
    from urllib.parse import parse_qs

    qs = parse_qs(os.environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return str((qs.get("trainer") or [""])[-1]).strip().lower() in ("1", "true", "yes", "on")


def roleplay_panel(source=None, *, profile="price_only_procurement", seed=0) -> RoleplayPanel:
    """The procurement role-play, round by round. `profile`: a preset name, "random" or a BuyerProfile
    (a trainer's hidden values); `seed` makes the game repeatable. `source` is accepted for a uniform
    page API and not used. Show `panel.debrief` where the trainer's debrief should appear."""
    return RoleplayPanel(source, profile=profile, seed=seed)
