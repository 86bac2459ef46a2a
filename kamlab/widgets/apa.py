"""Panels for the apa unit: move activity rates and the cost of capital, watch the margin move."""
from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd

from kamlab import apa, scenarios
from kamlab import format as fmt
from kamlab.data import DataError, Dataset
from kamlab.plots.apa import plot_waterfall, plot_whale_curve
from kamlab.plots.style import PALETTE
from kamlab.widgets.common import Workbench, as_workbench, panel_figure, refresh, show_figure

__all__ = ["apa_panel", "ApaPanel"]

_TABLE_COLUMNS = ("invoice_revenue", "gross_margin", "cost_to_serve", "net_margin", "net_margin_pct")


def _delta(new: float, old: float, currency: str = "", *, pct: bool = False, cost: bool = False) -> str:
    """The change, green when it helps profit (a margin up, a cost down), red when it hurts."""
    d = new - old
    if abs(d) < 1e-9:
        return '<span style="color:#546e7a">no change</span>'
    color = PALETTE["gain"] if (d > 0) != cost else PALETTE["loss"]
    text = fmt.points(d) if pct else fmt.money(d, currency, compact=True, signed=True)
    return f'<span style="color:{color}">{text}</span>'


def _has_names(names: pd.Series, ids) -> bool:
    """Whether any of `ids` has a name other than its own id."""
    ids = list(ids)
    shown = pd.Series(ids, index=ids).map(names).fillna("").astype(str).str.strip()
    return bool(((shown != "") & (shown != pd.Series(ids, index=ids).astype(str))).any())


def _account_label(acc, names: pd.Series) -> str:
    name = str(names.get(acc, "") or "").strip()
    return f"{acc} {name}" if name and name != str(acc) else str(acc)


def _pnl_table(pnl: pd.DataFrame, names: pd.Series, n: int, currency: str = "") -> str:
    ranked = pnl.sort_values("net_margin", ascending=False, kind="stable")
    picked = ranked if len(ranked) <= 2 * n else pd.concat([ranked.head(n), ranked.tail(n)])
    named = _has_names(names, picked.index)  # an export without names: the id alone, not the id twice
    cols = ("profit_rank", "account_id", *(("name",) if named else ()), "invoice_revenue", "gross_margin",
            "cost_to_serve", "net_margin", "net_margin_pct")
    head = "".join(f'<th{" class=txt" if c == "name" else ""}>{html.escape(fmt.label(c))}</th>' for c in cols)
    money = lambda v: fmt.money(v, currency, compact=True)  # noqa: E731 - a wide table: k/M
    rows = []
    for i, (acc, r) in enumerate(picked.iterrows()):
        if i == n and len(ranked) > 2 * n:
            rows.append(f'<tr><td colspan="{len(cols)}" style="text-align:center">...</td></tr>')
        color = PALETTE["gain"] if r["net_margin"] >= 0 else PALETTE["loss"]
        pct = fmt.percent(r["net_margin_pct"])
        cells = [str(int(r["profit_rank"])), html.escape(str(acc)),
                 *([html.escape(str(names.get(acc, "")))] if named else []),
                 money(r["invoice_revenue"]), money(r["gross_margin"]), money(r["cost_to_serve"]),
                 f'<b style="color:{color}">{money(r["net_margin"])}</b>', pct]
        rows.append("<tr>" + "".join(f'<td{" class=txt" if named and j == 2 else ""}>{c}</td>'
                                     for j, c in enumerate(cells)) + "</tr>")
    return (f'<table class="kamlab-apa-pnl"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


class ApaPanel(W.VBox):
    """The APA panel. `controls`: one rate multiplier slider per activity (keyed by activity name),
    "cost_of_capital" and "account" (the waterfall's account). After every change: `pnl` (the
    account P&L now), `totals` and `baseline_totals` (company totals now and with the data's own
    rates and cost of capital), `summary` (HTML: total net margin and its change), `table` (HTML:
    top and bottom accounts), `out` (whale curve and the chosen account's waterfall; `figure` is the
    last one drawn)."""

    def __init__(self, source, *, rows: int = 5):
        self.wb = as_workbench(getattr(source, "workbench", source))
        self.rows = rows
        self.controls: dict[str, W.Widget] = {}
        self.summary, self.table, self.out = W.HTML(), W.HTML(), W.Output()
        self._rates_box = W.GridBox(layout=W.Layout(grid_template_columns="repeat(2, 340px)"))
        self.controls["cost_of_capital"] = W.FloatSlider(
            min=0.0, max=0.30, step=0.01, readout_format=".0%", description="cost of capital",
            continuous_update=False, style={"description_width": "130px"}, layout=W.Layout(width="340px"))
        self.controls["account"] = W.Dropdown(description="waterfall for", style={"description_width": "130px"},
                                              layout=W.Layout(width="420px"))
        self.controls["cost_of_capital"].observe(self._update, names="value")
        self.controls["account"].observe(self._update, names="value")
        left = W.VBox([W.HTML("<b>Activity rates</b> (x the data's rate)"), self._rates_box,
                       self.controls["cost_of_capital"], self.controls["account"]])
        super().__init__([W.HBox([left, self.summary]), self.table, self.out])
        self.wb.observe(self._on_data, names="dataset")
        self._on_data({"new": self.wb.dataset})

    # -- data ------------------------------------------------------------------------------------------
    @property
    def activities(self) -> list[str]:
        return [k for k in self.controls if k not in ("cost_of_capital", "account")]

    def _on_data(self, change) -> None:
        ds: Dataset = change["new"]
        self._quiet = True
        try:
            acts = list(ds.activity_rates["activity"])
            if acts != self.activities:
                for a in self.activities:
                    self.controls.pop(a).unobserve(self._update, names="value")
                for a in acts:
                    s = W.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1, readout_format=".1f",
                                      description=a.replace("_", " "), continuous_update=False,
                                      style={"description_width": "130px"}, layout=W.Layout(width="330px"))
                    s.observe(self._update, names="value")
                    self.controls[a] = s
                self._rates_box.children = [self.controls[a] for a in acts]
            for a in acts:
                self.controls[a].value = 1.0
            self._base_coc = float(scenarios.cost_of_capital(ds, apa.DEFAULT_COST_OF_CAPITAL))
            self.controls["cost_of_capital"].value = self._base_coc
            self.baseline = apa.account_pnl(ds, cost_of_capital=self._base_coc)
            self.baseline_totals = apa.pnl_totals(self.baseline)
            names = ds.accounts.set_index("account_id")["name"]
            order = self.baseline.sort_values("invoice_revenue", ascending=False, kind="stable").index
            keep = self.controls["account"].value
            self.controls["account"].options = [(_account_label(a, names), a) for a in order]
            self.controls["account"].value = keep if keep in order else (order[0] if len(order) else None)
        finally:
            self._quiet = False
        self._update()

    @property
    def multipliers(self) -> dict[str, float]:
        return {a: float(self.controls[a].value) for a in self.activities}

    # -- drawing ---------------------------------------------------------------------------------------
    def _update(self, change=None) -> None:
        if getattr(self, "_quiet", False):
            return
        refresh(self.out, self._draw)

    def _draw(self):
        ds = apa.with_activity_rates(self.wb.dataset, self.multipliers)
        coc = float(self.controls["cost_of_capital"].value)
        self.pnl = apa.account_pnl(ds, cost_of_capital=coc)
        self.totals = tot = apa.pnl_totals(self.pnl)
        base = self.baseline_totals
        cur = ds.currency
        losers = int((self.pnl["net_margin"] < 0).sum())
        self.summary.value = (
            '<div class="kamlab-apa-summary" style="font-size:1.15em;padding:4px 16px">'
            f"<div>Total net margin: <b class='kamlab-total'>{fmt.money(tot['net_margin'], cur, compact=True)}</b> "
            f"({_delta(tot['net_margin'], base['net_margin'], cur)} vs the data's own rates)</div>"
            f"<div>Net margin: <b>{fmt.percent(tot['net_margin_pct'])}</b> of revenue "
            f"({_delta(tot['net_margin_pct'], base['net_margin_pct'], pct=True)})</div>"
            f"<div>Cost to serve: <b>{fmt.money(tot['cost_to_serve'], cur, compact=True)}</b> "
            f"({_delta(tot['cost_to_serve'], base['cost_to_serve'], cur, cost=True)}); terms cost "
            f"<b>{fmt.money(tot['terms_cost'], cur, compact=True)}</b></div>"
            f"<div>Loss-making accounts: <b>{losers}</b> of {len(self.pnl)}</div></div>")
        names = ds.accounts.set_index("account_id")["name"]
        self.table.value = _pnl_table(self.pnl, names, self.rows, cur)
        fig, (ax1, ax2) = panel_figure(12, 4.6, ncols=2)
        try:
            plot_whale_curve(apa.whale_curve(self.pnl["net_margin"]), ax=ax1)
        except DataError as err:
            ax1.text(0.5, 0.5, f"No whale curve:\n{err}", ha="center", va="center", wrap=True,
                     transform=ax1.transAxes, color=PALETTE["loss"])
            ax1.set_axis_off()
        account = self.controls["account"].value
        if account is not None:
            plot_waterfall(apa.price_waterfall(ds, account_id=account, cost_of_capital=coc), ax=ax2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.22, top=0.92, wspace=0.22)
        self.figure = fig
        show_figure(fig)


def apa_panel(source: Dataset | Workbench, *, rows: int = 5) -> ApaPanel:
    """Activity-rate multipliers and the cost of capital in, the margin effect out at once: total net
    margin and its change vs the data's own rates, the top and bottom `rows` accounts of the P&L, the
    whale curve and the price waterfall of the chosen account.

    `source` is a Dataset, a Workbench or the page header from `kamlab.widgets.workbench`; the panel
    redraws when the page's dataset changes. The logic is `kamlab.apa.with_activity_rates` and
    `kamlab.apa.account_pnl`.

    Examples
    --------
    >>> import contextlib, io
    >>> from kamlab import apa
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the figures print
    ...     panel = apa_panel(apa.worked_example())
    ...     panel.controls["sales_visit"].value = 2.0
    >>> float(round(panel.totals["net_margin"] - panel.baseline_totals["net_margin"], 2))
    -500.0
    """
    return ApaPanel(source, rows=rows)
