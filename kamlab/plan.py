"""The one-page key account plan: everything the course computes about one account, on one page.

`account_plan(ds, account_id)` gathers the account's P&L and price waterfall (kamlab.apa), its position
on the portfolio and cost-to-serve matrices and its service tier (kamlab.selection, kamlab.value,
kamlab.allocation), its life-cycle stage, profit leaks, growth opportunities (kamlab.growth), negotiation
levers (kamlab.negotiation), joint-business-plan initiatives and risks. Pure: the page here is HTML with
tables and CSS bars; `kamlab.plots.plan_page` adds charts.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab import growth, rationalization
from kamlab.apa import DEFAULT_COST_OF_CAPITAL
from kamlab.data import DataError, Dataset
from kamlab.format import label, money, percent, points, report_table
from kamlab.schema import LIFECYCLE_STAGES
from kamlab.shared_results import shared

__all__ = ["AccountPlan", "account_plan", "PlanContext", "plan_context", "suggest_initiatives", "PLAN_CSS"]

_PNL_ROWS = ("list_revenue", "on_invoice_discount", "invoice_revenue", "off_invoice", "freight", "terms_cost",
             "pocket_revenue", "cogs", "pocket_margin", "cost_to_serve", "net_margin")

PLAN_CSS = """
.kamlab-plan{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;color:#263238}
.kamlab-plan h1{font-size:1.5em;margin:.2em 0}.kamlab-plan h2{font-size:1.1em;border-bottom:2px solid #1565c0;
margin:.8em 0 .3em}.kamlab-plan .grid{display:grid;grid-template-columns:1fr 1fr;gap:0 28px}
.kamlab-plan table{border-collapse:collapse;font-size:.9em;width:100%}.kamlab-plan table td,.kamlab-plan table th{
padding:2px 6px;border-bottom:1px solid #eceff1;text-align:left!important}.kamlab-plan table td.n{text-align:right!important}
.kamlab-plan .bar{height:10px;display:inline-block}.kamlab-plan .tag{display:inline-block;padding:1px 8px;
border-radius:10px;background:#e3f2fd;margin-right:6px}.kamlab-plan .risk{color:#c62828}
.kamlab-plan img{max-width:100%}
"""


def _table(df: pd.DataFrame, currency: str, money=(), pct=(), limit: int = 8) -> str:
    if df is None or df.empty:
        return "<p><i>none</i></p>"
    return report_table(df, currency=currency, money=money, percents=pct, max_rows=limit).to_html()


@dataclass(frozen=True)
class AccountPlan:
    """A one-page plan for one key account. Attributes:

    account (dict: the account's master data), pnl (Series: its row of the account P&L), waterfall
    (DataFrame: the price waterfall steps), position (dict: Shapiro cost-to-serve quadrant, portfolio
    quadrant and posture, directional policy, revenue and profit rank), tier (dict: today's and the
    recommended service tier, risk-adjusted score), lifecycle (dict: stage number, name, relationship
    stage), leaks (DataFrame), growth (DataFrame: cross-sell opportunities), share_of_wallet (float),
    levers (DataFrame: negotiation levers with money per year), jbp (growth.JBPValue), risks (tuple of
    sentences), currency."""

    account_id: str
    account: dict
    pnl: pd.Series
    waterfall: pd.DataFrame
    position: dict
    tier: dict
    lifecycle: dict
    leaks: pd.DataFrame
    growth: pd.DataFrame
    share_of_wallet: float
    levers: pd.DataFrame
    jbp: growth.JBPValue
    risks: tuple
    currency: str = "EUR"

    # ------------------------------------------------------------------ views
    def to_frame(self) -> pd.DataFrame:
        """The plan as one long table (section, item, value): the "Account plan" sheet of the workbook."""
        rows = [("account", k, v) for k, v in self.account.items()]
        rows += [("P&L", k, float(self.pnl[k])) for k in _PNL_ROWS if k in self.pnl]
        rows += [("P&L", "net_margin_pct", float(self.pnl.get("net_margin_pct", np.nan)))]
        w = self.waterfall
        rows += [("waterfall (per unit)", s, float(v)) for s, v in zip(w["step"], w["per_unit"])]
        rows += [("position", k, v) for k, v in self.position.items()]
        rows += [("tier", k, v) for k, v in self.tier.items()]
        rows += [("life cycle", k, v) for k, v in self.lifecycle.items()]
        rows += [("leak", r.leak, float(r.amount)) for r in self.leaks.itertuples()]
        rows += [("growth", f"{r.product_line} headroom (margin-weighted)", float(r.weighted_headroom))
                 for r in self.growth.itertuples()]
        rows += [("growth", "share_of_wallet", self.share_of_wallet)]
        rows += [("lever", r.lever, float(r.value_per_year)) for r in self.levers.itertuples()]
        npv = lambda v: money(v, self.currency)  # noqa: E731
        rows += [("JBP", f"{r.name}: supplier / customer NPV", f"{npv(r.supplier_npv)} / {npv(r.customer_npv)}")
                 for r in self.jbp.table.itertuples()]
        rows += [("risk", f"risk {i}", s) for i, s in enumerate(self.risks, 1)]
        out = pd.DataFrame(rows, columns=["section", "item", "value"])
        out["value"] = out["value"].astype(object).map(lambda v: v.item() if isinstance(v, np.generic) else v)
        return out

    def _waterfall_bars(self) -> str:
        """The waterfall in percent of list price: a mixed basket's per-unit prices mean nothing."""
        w = self.waterfall
        top = float(w["fraction_of_list"].abs().max()) or 1.0
        rows = []
        for step, kind, f in zip(w["step"], w["kind"], w["fraction_of_list"]):
            color = "#1565c0" if kind == "price" else "#c62828"
            width = max(1.0, 180 * abs(f) / top)
            rows.append(f"<tr><td>{html.escape(step)}</td><td class='n'>{percent(f)}</td>"
                        f"<td><span class='bar' style='width:{width:.0f}px;background:{color}'></span></td></tr>")
        return "<table><tr><th>Step</th><th>% of list price</th><th></th></tr>" + "".join(rows) + "</table>"

    def body_html(self, charts: dict[str, str] | None = None) -> str:
        """The plan as an HTML fragment. `charts` maps a section ("pnl", "growth", ...) to ready HTML
        (e.g. an <img> with a base64 PNG) shown in that section."""
        charts = charts or {}
        a, p, cur = self.account, self.pnl, self.currency
        pnl_rows = "".join(f"<tr><td>{html.escape(label(k))}</td><td class='n'>{money(p[k], cur)}</td></tr>"
                           for k in _PNL_ROWS if k in p)
        tags = "".join(f"<span class='tag'>{html.escape(str(k).replace('_', ' '))}: {html.escape(str(v))}</span>"
                       for k, v in {**self.position, **self.tier}.items())
        life = self.lifecycle
        risks = "".join(f"<li class='risk'>{html.escape(r)}</li>" for r in self.risks) or "<li>none flagged</li>"
        sec = lambda key: charts.get(key, "")  # noqa: E731
        return f"""<div class="kamlab-plan"><style>{PLAN_CSS}</style>
<h1>Key account plan: {html.escape(str(a.get('name', self.account_id)))} ({html.escape(self.account_id)})</h1>
<div>{html.escape(str(a.get('industry', '')))} · {html.escape(str(a.get('region', '')))} ·
{html.escape(str(a.get('segment', '')))} · customer since {html.escape(str(a.get('customer_since', ''))[:10])} ·
terms {a.get('payment_terms_days', '')} days · amounts in {html.escape(cur)}</div>
<div class="grid">
<div><h2>P&amp;L</h2><table>{pnl_rows}<tr><td><b>net margin %</b></td>
<td class='n'><b>{percent(float(p.get('net_margin_pct', np.nan)))}</b></td></tr></table>{sec('pnl')}</div>
<div><h2>Price waterfall (% of list price)</h2>{self._waterfall_bars()}{sec('waterfall')}</div>
<div><h2>Position, tier and life cycle</h2>{tags}
<p>Life-cycle stage {life['stage']}: <b>{html.escape(life['stage_name'])}</b>; relationship
<b>{html.escape(life['relationship_stage'])}</b>.</p>{sec('position')}</div>
<div><h2>Profit leaks</h2>{_table(self.leaks[['leak', 'amount']], cur, money=('amount',))}</div>
<div><h2>Growth opportunities</h2><p>Share of wallet {percent(self.share_of_wallet)}.</p>
{_table(self.growth[['product_line', 'sales', 'wallet', 'margin_pct', 'weighted_headroom']], cur,
        money=('sales', 'wallet', 'weighted_headroom'), pct=('margin_pct',))}{sec('growth')}</div>
<div><h2>Negotiation levers</h2>{_table(self.levers, cur, money=('value_per_year',))}</div>
<div><h2>Joint business plan</h2>
<p>{'Both parties win' if self.jbp.both_win else 'Not yet mutual: rework before proposing'}:
us {money(self.jbp.supplier_npv, cur)}, customer {money(self.jbp.customer_npv, cur)} over {self.jbp.years} years.</p>
{_table(self.jbp.table[['name', 'supplier_npv', 'customer_npv', 'supplier_payback', 'mutual']], cur,
        money=('supplier_npv', 'customer_npv'))}{sec('jbp')}</div>
<div><h2>Risks</h2><ul>{risks}</ul></div>
</div></div>"""

    def _repr_html_(self) -> str:
        return self.body_html()

    def to_html(self, path: str | Path | None = None, *, charts: dict[str, str] | None = None) -> str:
        """A standalone HTML page of the plan; written to `path` when given. Returns the HTML."""
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Account plan {html.escape(self.account_id)}"
                f"</title></head><body>{self.body_html(charts)}</body></html>")
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


def _check_account(ds: Dataset, account_id: str) -> dict:
    acc = ds.accounts[ds.accounts["account_id"] == account_id]
    if acc.empty:
        ids = sorted(ds.accounts["account_id"])
        raise DataError(f"account {account_id!r} is not in this dataset; valid ids include "
                        f"{', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}")
    if (ds.order_lines["account_id"] == account_id).sum() == 0:
        raise DataError(f"account {account_id!r} has no order lines: there is nothing to plan on")
    rec = acc.iloc[0].to_dict()
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}


def suggest_initiatives(ds: Dataset, account_id: str, *, capture: float = 0.10, top_lines: int = 2,
                        opportunities: pd.DataFrame | None = None) -> list[growth.Initiative]:
    """Starting points for a joint business plan, from the account's own numbers (assumptions, to be
    replaced in the conversation with the customer):

    - "Grow <line>" for the `top_lines` best cross-sell lines: we win `capture` of the headroom, so our
      yearly gain is capture x margin-weighted headroom, with a one-off launch cost of a quarter of a
      year's gain; the customer saves 2% on the spend it consolidates with us.
    - "Joint demand planning" when the account causes rush or return handling: we avoid half that cost
      (one-off set-up: half a year's saving); the customer saves as much again in expediting.

    `opportunities`: an already computed `growth.cross_sell_opportunities` table (any accounts).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=5, years=1, seed=1)
    >>> all(isinstance(i, growth.Initiative) for i in suggest_initiatives(ds, ds.accounts.account_id[0]))
    True
    """
    out = []
    opps = (growth.cross_sell_opportunities(ds, account_id=account_id, top=top_lines) if opportunities is None
            else growth.rank_opportunities(opportunities, account_id=account_id, top=top_lines))
    for r in opps.itertuples():
        gain = capture * r.weighted_headroom
        out.append(growth.Initiative(f"Grow {r.product_line}", supplier_one_off=0.25 * gain,
                                     supplier_yearly_gain=gain, customer_yearly_gain=0.02 * capture * r.headroom))
    act = ds.activities[(ds.activities["account_id"] == account_id)
                        & ds.activities["activity"].isin(["rush_handling", "return_handling"])]
    act = act.merge(ds.activity_rates[["activity", "rate"]], on="activity")
    cost = float((act["driver_qty"] * act["rate"]).sum()) if len(act) else 0.0
    years = max(ds.order_lines["invoice_date"].dt.year.nunique(), 1)
    if cost > 0:
        saving = 0.5 * cost / years
        out.append(growth.Initiative("Joint demand planning", supplier_one_off=0.5 * saving,
                                     supplier_yearly_gain=saving, customer_yearly_gain=saving))
    if not out:
        out.append(growth.Initiative("Joint review of the assortment"))
    return out


def _levers(ds: Dataset, pnl: pd.Series, eco: pd.Series, account: dict, leaks: pd.DataFrame,
            cost_of_capital: float) -> pd.DataFrame:
    from kamlab import negotiation

    years = max(ds.order_lines["invoice_date"].dt.year.nunique(), 1)
    inv = float(pnl["invoice_revenue"]) / years
    contribution = float(pnl["pocket_revenue"]) - float(pnl["cogs"]) - float(eco["variable"])
    cm = contribution / max(float(pnl["invoice_revenue"]), 1e-9)
    rows = []
    if cm > 0:
        be = negotiation.breakeven_volume_change(0.02, cm)
        rows.append(("price +2%", inv * 0.02, f"pays as long as volume falls less than {percent(-be)} "
                                               f"(contribution margin {percent(cm, digits=0)}; Nagle & Holden)"))
        be_cut = negotiation.breakeven_volume_change(-0.05, cm) if cm > 0.05 else np.inf
        needs = (f"a 5% cut needs {percent(be_cut, digits=0, signed=True)} more volume to break even"
                 if np.isfinite(be_cut) else "at this margin no extra volume pays for a 5% cut")
        rows.append(("refuse a 5% price cut", inv * 0.05, needs))
    terms_days = 15
    rows.append((f"payment terms -{terms_days} days", float(negotiation.terms_cost(inv, terms_days, cost_of_capital)),
                 f"carrying cost of {terms_days} days on {money(inv, ds.currency)} a year at "
                 f"{percent(cost_of_capital, digits=0)}"))
    # overlapping leaks (one price gap measured three ways) count once: the `additive` column
    counted = leaks[leaks["additive"] > 0] if len(leaks) else leaks
    for r in counted.sort_values("additive", ascending=False).head(3).itertuples():
        others = leaks[(leaks["overlap"] == r.overlap) & (leaks["leak"] != r.leak)]["leak"].tolist()
        note = "recover what leaks today (trade it, do not give it away)"
        if others:
            note += f"; overlaps {', '.join(others)}, counted once"
        rows.append((f"fix: {r.leak}", float(r.additive) / years, note))
    return pd.DataFrame(rows, columns=["lever", "value_per_year", "note"])


def _risks(ds: Dataset, account: dict, pnl: pd.Series, share_rev: float, trend: pd.Series | None,
           is_candidate: bool, leaks: pd.DataFrame) -> tuple[str, ...]:
    out = []
    if account.get("churn_risk", 0) >= 0.2:
        out.append(f"churn risk {percent(account['churn_risk'], digits=0)} within a year")
    if float(pnl["net_margin"]) < 0:
        out.append(f"loses money after cost-to-serve ({money(pnl['net_margin'], ds.currency)})")
    if is_candidate:
        out.append("below the margin floor in the latest periods: a rationalization candidate")
    if trend is not None and trend.get("direction") == "falling":
        out.append(f"net margin falling {points(abs(trend['slope'])).lstrip('+')} a period")
    if share_rev >= 0.10:
        out.append(f"concentration: {percent(share_rev, digits=0)} of company revenue depends on this account")
    late = leaks[leaks["leak"].str.contains("late", case=False)] if len(leaks) else leaks
    if len(late):
        out.append("pays later than terms")
    return tuple(out)


@dataclass(frozen=True)
class PlanContext:
    """The portfolio-wide results every account's plan reads (computed once by `plan_context`)."""

    pnl: pd.DataFrame
    economics: pd.DataFrame
    cts_matrix: pd.DataFrame
    portfolio: pd.DataFrame
    scores: pd.DataFrame
    tiers: pd.DataFrame
    leaks: pd.DataFrame
    sow_accounts: pd.DataFrame
    sow_lines: pd.DataFrame
    trend: pd.DataFrame
    candidates: frozenset
    cost_of_capital: float
    margin_floor: float


@shared
def plan_context(ds: Dataset, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL, margin_floor: float = 0.0
                 ) -> PlanContext:
    """Compute the portfolio-wide inputs of `account_plan` once, for plans of many accounts of one dataset
    (a panel switching accounts). `margin_floor` sets the rationalization-candidate risk (2 quarters below).

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=6, years=2, seed=1)
    >>> ctx = plan_context(ds)
    >>> account_plan(ds, ds.accounts.account_id[1], context=ctx).account_id == ds.accounts.account_id[1]
    True
    """
    from kamlab import allocation, apa, selection, value

    pnl_all = rationalization._pnl(ds, cost_of_capital=cost_of_capital).set_index("account_id")
    feats = selection.account_features(ds)
    scores = value.risk_adjusted_score(ds, features=feats)
    cands = rationalization.candidates(ds, margin_floor=margin_floor, periods=2, cost_of_capital=cost_of_capital)
    return PlanContext(
        pnl=pnl_all,
        economics=rationalization.account_economics(ds, cost_of_capital=cost_of_capital).set_index("account_id"),
        cts_matrix=apa.cost_to_serve_matrix(pnl_all).table, portfolio=selection.portfolio_matrix(feats),
        scores=scores, tiers=allocation.service_tiers(scores).table,
        leaks=apa.profit_leaks(ds, cost_of_capital=cost_of_capital),
        sow_accounts=growth.share_of_wallet(ds, by="account").set_index("account_id"),
        sow_lines=growth.share_of_wallet(ds),
        trend=rationalization.dashboard_metrics(ds, rules=(), cost_of_capital=cost_of_capital).trend,
        candidates=frozenset(cands["account_id"]), cost_of_capital=cost_of_capital, margin_floor=margin_floor)


def account_plan(ds: Dataset, account_id: str, *, cost_of_capital: float = DEFAULT_COST_OF_CAPITAL, initiatives=None,
                 margin_floor: float = 0.0, context: PlanContext | None = None) -> AccountPlan:
    """The one-page plan for `account_id`.

    Combines: account P&L and price waterfall (Marn & Rosiello 1992), Shapiro et al.'s (1987)
    cost-to-serve quadrant, the McDonald, Millman & Rogers portfolio quadrant and posture, the
    risk-adjusted tier, life-cycle stage, leaks, cross-sell opportunities by margin-weighted headroom,
    negotiation levers (Nagle & Holden breakeven), JBP initiatives (`initiatives`, default
    `suggest_initiatives`) and risks. An unknown account raises DataError listing valid ids. `context`
    (from `plan_context`) skips recomputing the portfolio-wide results; it then fixes cost_of_capital
    and margin_floor.

    Examples
    --------
    >>> from kamlab import synth
    >>> ds = synth.generate(n_accounts=6, years=2, seed=1)
    >>> plan = account_plan(ds, ds.accounts.account_id[0])
    >>> plan.account_id == ds.accounts.account_id[0], "Key account plan" in plan._repr_html_()
    (True, True)
    """
    from kamlab import apa

    account = _check_account(ds, account_id)
    ctx = context or plan_context(ds, cost_of_capital=cost_of_capital, margin_floor=margin_floor)
    pnl_all, pnl = ctx.pnl, ctx.pnl.loc[account_id]
    eco = ctx.economics.loc[account_id]
    wf = apa.price_waterfall(ds, account_id=account_id, cost_of_capital=ctx.cost_of_capital).steps
    port = ctx.portfolio.loc[account_id]
    position = {"cost-to-serve quadrant": ctx.cts_matrix["quadrant"].get(account_id, "n/a"),
                "portfolio quadrant": port["quadrant"], "posture": port["posture"],
                "directional policy": port["directional_policy"],
                "revenue rank": int(pnl["revenue_rank"]), "profit rank": int(pnl["profit_rank"])}
    tier = {"tier today": account["service_tier"], "recommended tier": ctx.tiers.loc[account_id, "tier"],
            "risk-adjusted score": round(float(ctx.scores.loc[account_id, "score"]), 2)}
    stage = int(account["lifecycle_stage"])
    leaks = ctx.leaks[ctx.leaks["account_id"] == account_id].reset_index(drop=True)
    opps = growth.rank_opportunities(ctx.sow_lines, account_id=account_id, top=5)
    jbp = growth.jbp_value(suggest_initiatives(ds, account_id, opportunities=ctx.sow_lines)
                           if initiatives is None else initiatives)
    trend = ctx.trend.loc[account_id] if account_id in ctx.trend.index else None
    share_rev = float(pnl["invoice_revenue"]) / max(float(pnl_all["invoice_revenue"].sum()), 1e-9)
    return AccountPlan(
        account_id=account_id, account=account, pnl=pnl, waterfall=wf, position=position, tier=tier,
        lifecycle={"stage": stage, "stage_name": LIFECYCLE_STAGES.get(stage, "?"),
                   "relationship_stage": str(account["relationship_stage"])},
        leaks=leaks, growth=opps, share_of_wallet=float(ctx.sow_accounts["share"].get(account_id, 0.0)),
        levers=_levers(ds, pnl, eco, account, leaks, ctx.cost_of_capital), jbp=jbp,
        risks=_risks(ds, account, pnl, share_rev, trend, account_id in ctx.candidates, leaks),
        currency=ds.currency)
