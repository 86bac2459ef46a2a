"""Every number the course's artefacts quote, computed from kamlab's domain functions on a data set.

The guide, the handouts, the cases and the briefs never carry a typed-in figure: they are templates whose
numbers come from here at render time, and the tests compare these figures with the domain functions.
Pure: pandas in, small frozen dataclasses out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import apa, growth, rationalization
from kamlab.course.givens import GrowthGivens, PricingGivens, growth_givens, pricing_givens
from kamlab.data import DataError, Dataset
from kamlab.pricing import EconomicValue, economic_value, price_cut_breakeven

__all__ = ["pocket_margin_column", "ApaFigures", "apa_figures", "PricingCase", "pricing_case", "GrowthCase",
           "growth_case", "RationalizationCase", "rationalization_case", "RolePlay", "roleplay", "roleplay_profile",
           "EthicsFigures",
           "ethics_figures", "Fig", "registry"]

WATERFALL_KEYS = ("on_invoice_discount", "off_invoice", "freight", "terms_cost", "pocket_revenue", "cogs",
                  "pocket_margin", "cost_to_serve", "net_margin")
LEAK_KEYS = ("on_invoice_discount", "off_invoice", "freight", "terms_cost")


def pocket_margin_column(pnl: pd.DataFrame) -> str:
    """The account P&L's pocket-margin column (pocket revenue - COGS): ``pocket_margin`` where the P&L
    names it so, else ``gross_margin`` (its older name).

    Examples
    --------
    >>> pocket_margin_column(apa.account_pnl(apa.worked_example()))
    'pocket_margin'
    """
    for name in ("pocket_margin", "gross_margin"):
        if name in pnl.columns:
            return name
    raise DataError("the account P&L has no pocket margin column (pocket_margin or gross_margin)")


# ---------------------------------------------------------------------------------------------- the APA
@dataclass(frozen=True)
class ApaFigures:
    """The APA's headline figures: totals, the whale curve, the worst and best account."""

    n_accounts: int
    invoice_revenue: float
    pocket_revenue: float
    pocket_margin: float
    cost_to_serve: float
    net_margin: float
    pocket_of_list: float
    whale: apa.WhaleSummary
    top_fifth_share: float
    worst: str
    worst_name: str
    worst_net_margin: float
    worst_revenue_rank: int
    worst_waterfall: pd.Series
    worst_leaks: pd.Series
    best: str
    best_name: str
    best_net_margin: float
    loss_makers: tuple


def apa_figures(ds: Dataset, *, cost_of_capital: float = apa.DEFAULT_COST_OF_CAPITAL) -> ApaFigures:
    """The figures of exercise 2 and unit 02 on `ds`, from `kamlab.apa` (the top fifth is the first
    ceil(n/5) accounts by net margin, as in the exercise).

    Examples
    --------
    >>> from kamlab import synth
    >>> f = apa_figures(synth.generate(n_accounts=10, years=1, seed=1))
    >>> f.worst_net_margin <= f.best_net_margin and f.whale.n_accounts == 10
    True
    """
    pnl = apa.account_pnl(ds, cost_of_capital=cost_of_capital)
    pm = pocket_margin_column(pnl)
    net = pnl["net_margin"]
    tot = pnl.sum(numeric_only=True)
    names = ds.accounts.set_index("account_id")["name"]
    cum = net.sort_values(ascending=False).cumsum() / net.sum()
    worst, best = str(net.idxmin()), str(net.idxmax())
    row = pnl.loc[worst]
    acts = [a for a in ds.activity_rates["activity"] if a in pnl.columns]
    steps = pd.Series({"on_invoice_discount": row["on_invoice_discount"], "off_invoice": row["off_invoice"],
                       "freight": row["freight"], "terms_cost": row["terms_cost"],
                       "pocket_revenue": row["pocket_revenue"], "cogs": row["cogs"], "pocket_margin": row[pm],
                       "cost_to_serve": row["cost_to_serve"], "net_margin": row["net_margin"]})
    leaks = pd.concat([steps[list(LEAK_KEYS)], row[acts]]).astype(float).sort_values(ascending=False).head(3)
    return ApaFigures(
        n_accounts=len(pnl), invoice_revenue=float(tot["invoice_revenue"]),
        pocket_revenue=float(tot["pocket_revenue"]), pocket_margin=float(tot[pm]),
        cost_to_serve=float(tot["cost_to_serve"]), net_margin=float(tot["net_margin"]),
        pocket_of_list=float(tot["pocket_revenue"] / tot["list_revenue"]), whale=apa.whale_summary(net),
        top_fifth_share=float(cum.iloc[int(np.ceil(len(cum) / 5)) - 1]), worst=worst, worst_name=str(names[worst]),
        worst_net_margin=float(net[worst]), worst_revenue_rank=int(pnl.loc[worst, "revenue_rank"]),
        worst_waterfall=(steps / row["list_revenue"]).astype(float), worst_leaks=leaks, best=best,
        best_name=str(names[best]), best_net_margin=float(net[best]),
        loss_makers=tuple(str(a) for a in net.index[net < 0]))


# ------------------------------------------------------------------------------------- pricing defence
@dataclass(frozen=True)
class PricingCase:
    """The pricing-defence case (exercise 5 and its case study): the account's year in money, what the
    demanded cut and terms cost, and the economic value of our offer against the competitor's."""

    givens: PricingGivens
    revenue: float
    variable_cost: float
    contribution_margin: float
    breakeven_volume: float
    cut_cost: float
    terms_cost: float
    drivers: pd.Series
    value: EconomicValue
    value_gap: float
    cost_to_serve: float
    avoidable_cost_to_serve: float

    @property
    def evc(self) -> float:
        return self.value.value

    @property
    def competitor_price(self) -> float:
        return self.value.reference_value


def _year_lines(ds: Dataset, account_id: str, year: int) -> pd.DataFrame:
    lines = ds.order_lines
    return lines[(lines["account_id"] == account_id) & (lines["invoice_date"].dt.year == year)]


def _year_activities(ds: Dataset, account_id: str, year: int) -> pd.DataFrame:
    acts = ds.activities
    return acts[(acts["account_id"] == account_id) & (acts["date"].dt.year == year)]


def pricing_case(ds: Dataset, givens: PricingGivens | None = None) -> PricingCase:
    """The pricing-defence figures for the account of `pricing_givens` in its latest year.

    revenue = invoice revenue; variable cost = off-invoice rebates + freight + COGS; contribution margin =
    (revenue - variable cost) / revenue; breakeven volume of the cut (Nagle & Holden, 2002); the cut's cost
    at today's volume; the extra payment days' cost at our cost of capital (simple interest, 365 days);
    economic value (Nagle & Holden, 2002): the competitor's price for the same basket plus the service we
    give the customer (engineering hours, support tickets, rush orders at what they save it) and the
    quality of our parts (scrap and stoppages saved) minus the
    value of the competitor's longer terms to the customer.

    Examples
    --------
    >>> from kamlab import synth
    >>> c = pricing_case(synth.generate(n_accounts=6, years=1, seed=3))
    >>> bool(np.isclose(c.evc, c.competitor_price + c.drivers.iloc[:4].sum() - c.drivers.iloc[4]))
    True
    """
    g = givens or pricing_givens(ds)
    lines = _year_lines(ds, g.account_id, g.year)
    cost = lines["product_id"].map(ds.products.set_index("product_id")["unit_cost"])
    revenue = float((lines["quantity"] * lines["invoice_price"]).sum())
    if revenue <= 0:
        raise DataError(f"account {g.account_id} has no net sales in {g.year}")
    variable = float(lines["off_invoice"].sum() + lines["freight_cost"].sum() + (lines["quantity"] * cost).sum())
    cm = (revenue - variable) / revenue
    acts = _year_activities(ds, g.account_id, g.year)
    qty = acts.groupby("activity")["driver_qty"].sum()
    reference = revenue * (1 - g.competitor_discount)
    drivers = pd.Series({
        "engineering": float(qty.get("engineering_hours", 0.0)) * g.engineer_hour_value,
        "support": float(qty.get("support_ticket", 0.0)) * g.ticket_value,
        "rush": float(qty.get("rush_handling", 0.0)) * g.rush_order_value,
        "quality": revenue * g.quality_saving,
        "competitor_terms": reference * g.competitor_extra_days / 365 * g.customer_cost_of_capital})
    value = economic_value(reference, positive=drivers.iloc[:4], negative=drivers.iloc[4:],
                           reference="the competitor's price for the same basket")
    rates = ds.activity_rates.set_index("activity")
    act_cost = acts["driver_qty"] * acts["activity"].map(rates["rate"])
    avoidable = act_cost[acts["activity"].map(rates["cost_behaviour"]).isin(["variable", "fixed_avoidable"])]
    return PricingCase(givens=g, revenue=revenue, variable_cost=variable, contribution_margin=cm,
                       breakeven_volume=price_cut_breakeven(g.price_cut, cm), cut_cost=revenue * g.price_cut,
                       terms_cost=revenue * g.extra_payment_days / 365 * g.cost_of_capital, drivers=drivers,
                       value=value, value_gap=value.value - revenue, cost_to_serve=float(act_cost.sum()),
                       avoidable_cost_to_serve=float(avoidable.sum()))


# ------------------------------------------------------------------------------------------- role play
@dataclass(frozen=True)
class RolePlay:
    """The role-play numbers, as price levels (1.0 = today's invoice prices on the account's yearly
    basket) and money per year: the seller's walk-away, the buyer's ceiling, the zone between."""

    case: PricingCase
    seller_floor: float
    buyer_ceiling: float
    buyer_opening: float
    seller_target: float

    @property
    def zopa(self) -> tuple[float, float]:
        return (self.seller_floor, self.buyer_ceiling)

    @property
    def has_zopa(self) -> bool:
        return self.seller_floor < self.buyer_ceiling


def roleplay(ds: Dataset, givens: PricingGivens | None = None) -> RolePlay:
    """Seller and buyer positions for the pricing-defence role play, from the data.

    The seller's walk-away is the price level at which keeping the account at the buyer's payment terms
    earns what losing it would: revenue x level - terms cost at the longer terms = variable cost +
    avoidable cost to serve (variable and fixed-avoidable activities; stranded costs stay either way). The
    buyer's ceiling is the economic value of our offer (its alternative is the competitor). The buyer opens
    at today's level minus the cut it demands; the seller aims at today's level.

    Examples
    --------
    >>> from kamlab import synth
    >>> r = roleplay(synth.generate(n_accounts=6, years=1, seed=3))
    >>> r.buyer_opening < r.seller_target == 1.0
    True
    """
    c = pricing_case(ds, givens)
    g = c.givens
    days = g.extra_payment_days + float(ds.accounts.set_index("account_id").loc[g.account_id, "payment_terms_days"])
    floor = (c.variable_cost + c.avoidable_cost_to_serve) / (c.revenue * (1 - days / 365 * g.cost_of_capital))
    return RolePlay(case=c, seller_floor=floor, buyer_ceiling=c.evc / c.revenue, buyer_opening=1 - g.price_cut,
                    seller_target=1.0)


def roleplay_profile(ds: Dataset, givens: PricingGivens | None = None):
    """The same role play for the Unit 04 simulator (`kamlab.roleplay.BuyerSimulator`): a BuyerProfile on
    a price index where today's invoice prices are 100, with the seller's walk-away, the buyer's budget
    and opening of `roleplay` and the account's yearly units.

    Examples
    --------
    >>> from kamlab import synth
    >>> d = synth.generate(n_accounts=6, years=1, seed=3)
    >>> p, r = roleplay_profile(d), roleplay(d)
    >>> bool(np.isclose(p.zopa[0], 100 * r.seller_floor)), p.list_price
    (True, 100.0)
    """
    from kamlab.roleplay import BuyerProfile

    r = roleplay(ds, givens)
    c, g = r.case, r.case.givens
    today = int(ds.accounts.set_index("account_id").loc[g.account_id, "payment_terms_days"])
    units = float(_year_lines(ds, g.account_id, g.year)["quantity"].sum())
    ceiling = 100 * r.buyer_ceiling
    return BuyerProfile(
        name=f"{g.account_name} (the pricing-defence case)", reservation_price=ceiling,
        opening_price=min(100 * r.buyer_opening, ceiling), target_payment_days=int(today + g.extra_payment_days),
        volume_on_offer=max(units, 1.0),
        batna=f"the competitor's quote, {g.competitor_discount:.0%} below today's prices with longer terms",
        days_value=100 * 30 / 365 * g.customer_cost_of_capital, patience=6, toughness=1.5, trust=0.6,
        description="The account that contributes most asks for a cut and longer terms (case B).",
        supplier_walk_away=100 * r.seller_floor, unit_cost=100 * c.variable_cost / c.revenue, list_price=100.0,
        standard_payment_days=today, cost_of_capital=g.cost_of_capital)


# --------------------------------------------------------------------------------------------- growth
@dataclass(frozen=True)
class GrowthCase:
    """Exercise 6 and the growth unit: share of wallet and own margins by product line, headroom valued
    at the account's own margins, the joint business plan, and the gross margin contribution KPIs."""

    givens: GrowthGivens
    lines: pd.DataFrame
    headroom_value: float
    top_line: str
    jbp: growth.JBPValue
    kpis: pd.Series


def _margin_table(ds: Dataset, year: int) -> pd.DataFrame:
    ol = ds.order_lines[ds.order_lines["invoice_date"].dt.year == year]
    cost = ol["product_id"].map(ds.products.set_index("product_id")["unit_cost"])
    line = ol["product_id"].map(ds.products.set_index("product_id")["product_line"])
    sales = ol["quantity"] * ol["invoice_price"]
    pm = sales - ol["off_invoice"] - ol["freight_cost"] - ol["quantity"] * cost
    return pd.DataFrame({"account_id": ol["account_id"], "product_line": line, "sales": sales, "pocket_margin": pm})


def growth_case(ds: Dataset, givens: GrowthGivens | None = None) -> GrowthCase:
    """The growth figures for the account of `growth_givens` in the latest year.

    Per product line of its wallet: our sales, its wallet, share = sales / wallet, headroom = wallet -
    sales (not below 0), own margin = its pocket margin (invoice revenue - rebates - freight - COGS) /
    sales in the line (where it buys nothing: the line's margin across all accounts), headroom value =
    headroom x max(own margin, 0). The JBP (Initiative fields as in `growth_givens`) is valued with
    `kamlab.growth.jbp_value`. KPIs (gross margin contribution, in the latest year and the one before):
    sales, pocket_margin, pocket_margin_pct, share_of_company_margin, margin_growth,
    margin_after_cost_to_serve, share_of_wallet.

    Examples
    --------
    >>> from kamlab import synth
    >>> c = growth_case(synth.generate(n_accounts=6, years=2, seed=3))
    >>> bool(np.isclose(c.headroom_value, c.lines["headroom_value"].sum()))
    True
    """
    g = givens or growth_givens(ds)
    mt = _margin_table(ds, g.year)
    mine = mt[mt["account_id"] == g.account_id].groupby("product_line")[["sales", "pocket_margin"]].sum()
    company = mt.groupby("product_line")[["sales", "pocket_margin"]].sum()
    wallet = ds.wallets[ds.wallets["account_id"] == g.account_id].groupby("product_line")["estimated_spend"].sum()
    t = pd.DataFrame({"wallet": wallet}).join(mine, how="left").fillna(0.0)
    t["share"] = t["sales"].clip(lower=0) / t["wallet"].where(t["wallet"] > 0)
    t["share"] = t["share"].fillna(0.0)
    own = t["pocket_margin"] / t["sales"].where(t["sales"] > 0)
    fallback = company["pocket_margin"] / company["sales"].where(company["sales"] != 0)
    t["own_margin"] = own.fillna(t.index.to_series().map(fallback)).fillna(0.0)
    t["headroom"] = (t["wallet"] - t["sales"].clip(lower=0)).clip(lower=0)
    t["headroom_value"] = t["headroom"] * t["own_margin"].clip(lower=0)
    top = str(t["headroom_value"].sort_index().idxmax())
    jbp = growth.jbp_value(_initiatives(ds, g, t.loc[top]), years=g.years, discount_rate=g.discount_rate)
    return GrowthCase(givens=g, lines=t, headroom_value=float(t["headroom_value"].sum()), top_line=top, jbp=jbp,
                      kpis=_gmc_kpis(ds, g, mt, t))


def _initiatives(ds: Dataset, g: GrowthGivens, top: pd.Series) -> list[growth.Initiative]:
    moved = g.capture_share * top["headroom"]
    acts = _year_activities(ds, g.account_id, g.year)
    rates = ds.activity_rates.set_index("activity")["rate"]
    order_cost = float((acts["driver_qty"] * acts["activity"].map(rates))[
        acts["activity"].isin(["order_processing", "rush_handling"])].sum())
    purchases = float(_year_lines(ds, g.account_id, g.year).eval("quantity * invoice_price").sum())
    return [
        growth.Initiative("cross-sell", supplier_one_off=g.cross_sell_one_off,
                          supplier_yearly_gain=moved * max(float(top["own_margin"]), 0.0),
                          customer_one_off=g.customer_switch_one_off,
                          customer_yearly_gain=moved * g.consolidation_saving),
        growth.Initiative("vendor-managed inventory", supplier_one_off=g.vmi_one_off,
                          supplier_yearly_gain=g.vmi_order_saving * order_cost,
                          customer_yearly_gain=g.customer_inventory_saving * purchases),
    ]


def _gmc_kpis(ds: Dataset, g: GrowthGivens, mt: pd.DataFrame, t: pd.DataFrame) -> pd.Series:
    before = _margin_table(ds, g.year - 1)
    mine = mt[mt["account_id"] == g.account_id]
    margin, sales = float(mine["pocket_margin"].sum()), float(mine["sales"].sum())
    prev = float(before.loc[before["account_id"] == g.account_id, "pocket_margin"].sum())
    acts = _year_activities(ds, g.account_id, g.year)
    cts = float((acts["driver_qty"] * acts["activity"].map(ds.activity_rates.set_index("activity")["rate"])).sum())
    return pd.Series({
        "sales": sales, "pocket_margin": margin, "pocket_margin_pct": margin / sales if sales else np.nan,
        "share_of_company_margin": margin / float(mt["pocket_margin"].sum()),
        "margin_growth": margin / prev - 1 if prev > 0 else np.nan,
        "margin_after_cost_to_serve": margin - cts,
        "share_of_wallet": float(t["sales"].clip(lower=0).sum() / t["wallet"].sum())})


# ----------------------------------------------------------------------------------- rationalization
@dataclass(frozen=True)
class RationalizationCase:
    """The rationalization case: the worst account, what exiting it really does, and the alternatives."""

    account_id: str
    account_name: str
    net_margin: float
    exit: rationalization.Simulation
    reprice: rationalization.Simulation
    n_traps: int
    n_loss_makers: int
    price_change: float
    volume_change: float

    @property
    def exit_change(self) -> float:
        return self.exit.after_profit - self.exit.before_profit

    @property
    def naive_change(self) -> float:
        return self.exit.naive_after_profit - self.exit.before_profit

    @property
    def reprice_change(self) -> float:
        return self.reprice.after_profit - self.reprice.before_profit


def rationalization_case(ds: Dataset, *, price_change: float = 0.05, volume_change: float = -0.10
                         ) -> RationalizationCase:
    """The rationalization case on `ds` (as exercise 4): the account with the lowest net margin in
    `kamlab.rationalization.account_economics`, exited and alternatively repriced by `price_change`
    with `volume_change`.

    Examples
    --------
    >>> from kamlab import synth
    >>> c = rationalization_case(synth.generate(n_accounts=12, years=1, seed=1))
    >>> bool(np.isclose(c.naive_change - c.exit_change, c.exit.trap))
    True
    """
    e = rationalization.account_economics(ds).set_index("account_id")
    worst = str(e["net_margin"].idxmin())
    exit_sim = rationalization.simulate(ds, [rationalization.Action(worst, "exit")])
    rep = rationalization.simulate(ds, [rationalization.Action(worst, "reprice", price_change=price_change,
                                                               volume_change=volume_change)])
    name = ds.accounts.set_index("account_id").loc[worst, "name"]
    return RationalizationCase(account_id=worst, account_name=str(name), net_margin=float(e.loc[worst, "net_margin"]),
                               exit=exit_sim, reprice=rep, n_traps=len(rationalization.exit_traps(ds)),
                               n_loss_makers=int((e["net_margin"] < 0).sum()), price_change=price_change,
                               volume_change=volume_change)


# ---------------------------------------------------------------------------------------------- ethics
@dataclass(frozen=True)
class EthicsFigures:
    """The case accounts behind the ethics scenarios, chosen by rule from the data."""

    loyal: str
    loyal_name: str
    loyal_years: int
    loyal_revenue: float
    loyal_net_margin: float
    loyal_exit_effect: float
    distressed: str
    distressed_name: str
    distressed_days_late: float
    distressed_unpaid: float
    dependent: str
    dependent_name: str
    dependent_share: float
    dependent_net_margin: float
    courted: str
    courted_name: str
    courted_share: float
    courted_wallet: float
    rival_a: str
    rival_a_name: str
    rival_b: str
    rival_b_name: str
    rival_a_pocket: float
    rival_b_pocket: float
    rivals_industry: str


def ethics_figures(ds: Dataset) -> EthicsFigures:
    """The accounts of the ethics unit on `ds`, by the rules of `kamlab.rationalization` (the app's unit 08
    page shows the same accounts):

    - loyal: the longest-standing small account (segment "small", if the data has one) with a negative net
      margin, else the longest-standing small account;
    - distressed: the account that pays latest (mean days paid beyond the due date, weighted by amount;
      unpaid invoices aged to the as-of date as everywhere, `kamlab.apa.settlement_dates`), with its
      unpaid amount;
    - dependent: the account that gives us the largest share of its wallet (`kamlab.growth`);
    - courted: among the accounts with a wallet at or above the median, the one that gives us the smallest
      share (it depends on a competitor, and may use our quotes to discipline it);
    - rivals: two accounts in the same industry (competitors of each other) with the widest gap in pocket
      revenue as a share of list revenue (ties: smaller ids).

    Examples
    --------
    >>> from kamlab import synth
    >>> f = ethics_figures(synth.generate(n_accounts=12, years=1, seed=1))
    >>> f.rival_a_pocket >= f.rival_b_pocket and f.loyal_years >= 0
    True
    """
    loyal = rationalization.loyal_loss_maker(ds).iloc[0]
    distressed = rationalization.distressed_customer(ds).iloc[0]
    dependent, courted = (r for _, r in rationalization.dependent_buyers(ds).iterrows())
    a, b = (r for _, r in rationalization.rival_price_gap(ds).iterrows())
    return EthicsFigures(
        loyal=loyal["account_id"], loyal_name=loyal["name"], loyal_years=int(loyal["years_as_customer"]),
        loyal_revenue=float(loyal["invoice_revenue"]), loyal_net_margin=float(loyal["net_margin"]),
        loyal_exit_effect=float(loyal["exit_effect"]), distressed=distressed["account_id"],
        distressed_name=distressed["name"], distressed_days_late=float(distressed["days_beyond_terms"]),
        distressed_unpaid=float(distressed["unpaid_value"]), dependent=dependent["account_id"],
        dependent_name=dependent["name"], dependent_share=float(dependent["share"]),
        dependent_net_margin=float(dependent["net_margin"]), courted=courted["account_id"],
        courted_name=courted["name"], courted_share=float(courted["share"]), courted_wallet=float(courted["wallet"]),
        rival_a=a["account_id"], rival_a_name=a["name"], rival_b=b["account_id"], rival_b_name=b["name"],
        rival_a_pocket=float(a["pocket_revenue_of_list"]), rival_b_pocket=float(b["pocket_revenue_of_list"]),
        rivals_industry=a["industry"])


# ---------------------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Fig:
    """One quoted figure: its value and how it reads (money, pct, count, level, days, text)."""

    value: object
    kind: str = "money"


def _scenario_net_margin(ds: Dataset, name: str) -> float:
    from kamlab import scenarios

    return float(apa.account_pnl(scenarios.apply(ds, name))["net_margin"].sum())


def _utilization(ds: Dataset) -> pd.Series:
    from kamlab.course.givens import capacity_table

    cap = capacity_table().set_index("activity")
    acts = ds.activities[ds.activities["date"].dt.year == ds.activities["date"].dt.year.max()]
    acts = acts[acts["activity"].isin(cap.index)]
    used = (acts["driver_qty"] * acts["activity"].map(cap["minutes_per_unit"])).groupby(
        acts["activity"].map(cap["department"])).sum()
    return (used / cap.groupby("department")["practical_capacity_minutes"].first()).fillna(0.0).sort_values()


#: How many of the worst accounts case A's table shows.
CASE_A_ROWS = 5


def _rationalization_table(ds: Dataset) -> dict[str, Fig]:
    """Case A's table: the accounts with the lowest net margin, their economics by cost behaviour."""
    e = rationalization.account_economics(ds).sort_values(["net_margin", "account_id"]).head(CASE_A_ROWS)
    names = ds.accounts.set_index("account_id")["name"]
    out = {}
    for i, row in enumerate(e.itertuples(index=False), 1):
        out[f"rat.t{i}.name"] = Fig(f"{row.account_id} {names[row.account_id]}", "text")
        for col in ("invoice_revenue", "variable", "fixed_avoidable", "fixed_stranded", "net_margin", "exit_effect"):
            out[f"rat.t{i}.{col}"] = Fig(float(getattr(row, col)))
    return out


def registry(ds: Dataset) -> dict[str, Fig]:
    """Every figure the course artefacts quote, by name (the names the templates of
    `kamlab.course.content` use); computed from the domain functions on `ds`.

    Examples
    --------
    >>> from kamlab import synth
    >>> r = registry(synth.generate(n_accounts=12, years=2, seed=1))
    >>> r["apa.worst"].kind, r["company.n_accounts"].value
    ('text', 12)
    """
    p = pricing_case(ds)
    rc = rationalization_case(ds)
    return {**_company_figures(ds, apa_figures(ds)), **_pricing_figures(ds, p, roleplay(ds)),
            **_growth_figures(growth_case(ds)), **_rationalization_figures(ds, rc, p),
            **_ethics_figures(ethics_figures(ds))}


def _company_figures(ds: Dataset, a: ApaFigures) -> dict[str, Fig]:
    from kamlab import selection

    feats = selection.account_features(ds)
    top_n = max(1, min(15, len(feats) // 4))
    cmp = selection.compare_rankings(feats, selection.REVENUE_ONLY, selection.PROFIT_AND_POTENTIAL, top_n=top_n)
    util = _utilization(ds)
    pnl_base = a.net_margin
    f: dict[str, Fig] = {
        "company.name": Fig(ds.meta.get("name", "the company"), "text"), "company.currency": Fig(ds.currency, "text"),
        "company.n_accounts": Fig(a.n_accounts, "count"), "company.invoice_revenue": Fig(a.invoice_revenue),
        "company.pocket_margin": Fig(a.pocket_margin), "company.cost_to_serve": Fig(a.cost_to_serve),
        "company.net_margin": Fig(a.net_margin), "company.pocket_of_list": Fig(a.pocket_of_list, "pct"),
        "selection.top_n": Fig(top_n, "count"), "selection.n_entering": Fig(len(cmp.entering), "count"),
        "selection.entering": Fig(", ".join(map(str, cmp.entering)) or "none", "text"),
        "selection.leaving": Fig(", ".join(map(str, cmp.leaving)) or "none", "text"),
        "apa.peak": Fig(a.whale.peak_pct, "pct"), "apa.peak_share": Fig(a.whale.peak_share, "pct"),
        "apa.top_fifth": Fig(a.top_fifth_share, "pct"), "apa.n_loss": Fig(a.whale.n_loss_making, "count"),
        "apa.loss_pct": Fig(a.whale.loss_pct, "pct"), "apa.worst": Fig(a.worst, "text"),
        "apa.worst_name": Fig(a.worst_name, "text"), "apa.worst_net_margin": Fig(a.worst_net_margin),
        "apa.worst_revenue_rank": Fig(a.worst_revenue_rank, "count"), "apa.best": Fig(a.best, "text"),
        "apa.best_name": Fig(a.best_name, "text"), "apa.best_net_margin": Fig(a.best_net_margin),
        "scenario.procurement": Fig(_scenario_net_margin(ds, "procurement demands 5% off") - pnl_base),
        "scenario.rush": Fig(_scenario_net_margin(ds, "rush orders double") - pnl_base),
        "tdabc.busiest": Fig(str(util.index[-1]), "text"), "tdabc.busiest_use": Fig(float(util.iloc[-1]), "pct"),
        "tdabc.idlest": Fig(str(util.index[0]), "text"), "tdabc.idlest_use": Fig(float(util.iloc[0]), "pct"),
    }
    for key in WATERFALL_KEYS:
        f[f"apa.worst_wf.{key}"] = Fig(float(a.worst_waterfall[key]), "pct")
    for i, (name, amount) in enumerate(a.worst_leaks.items(), 1):
        f[f"apa.leak{i}"] = Fig(str(name).replace("_", " "), "text")
        f[f"apa.leak{i}_amount"] = Fig(float(amount))
    return f


def _pricing_figures(ds: Dataset, p: PricingCase, rp: RolePlay) -> dict[str, Fig]:
    g = p.givens
    f = {
        "pricing.account": Fig(g.account_id, "text"), "pricing.name": Fig(g.account_name, "text"),
        "pricing.year": Fig(g.year, "year"), "pricing.cut": Fig(g.price_cut, "pct"),
        "pricing.extra_days": Fig(g.extra_payment_days, "days"),
        "pricing.competitor_discount": Fig(g.competitor_discount, "pct"),
        "pricing.competitor_days": Fig(g.competitor_extra_days, "days"),
        "pricing.engineer_hour_value": Fig(g.engineer_hour_value), "pricing.ticket_value": Fig(g.ticket_value),
        "pricing.rush_value": Fig(g.rush_order_value), "pricing.quality_saving": Fig(g.quality_saving, "pct"),
        "pricing.customer_coc": Fig(g.customer_cost_of_capital, "pct"), "pricing.coc": Fig(g.cost_of_capital, "pct"),
        "pricing.revenue": Fig(p.revenue), "pricing.variable_cost": Fig(p.variable_cost),
        "pricing.cm": Fig(p.contribution_margin, "pct"), "pricing.breakeven": Fig(p.breakeven_volume, "pct"),
        "pricing.cut_cost": Fig(p.cut_cost), "pricing.terms_cost": Fig(p.terms_cost),
        "pricing.reference": Fig(p.competitor_price), "pricing.evc": Fig(p.evc), "pricing.gap": Fig(p.value_gap),
        "pricing.differentiation": Fig(p.value.differentiation_value),
        "pricing.cost_to_serve": Fig(p.cost_to_serve), "pricing.avoidable_cts": Fig(p.avoidable_cost_to_serve),
        "roleplay.floor": Fig(rp.seller_floor, "level"), "roleplay.ceiling": Fig(rp.buyer_ceiling, "level"),
        "roleplay.opening": Fig(rp.buyer_opening, "level"),
        "roleplay.floor_money": Fig(rp.seller_floor * p.revenue), "roleplay.ceiling_money": Fig(rp.buyer_ceiling * p.revenue),
        "roleplay.zopa_money": Fig((rp.buyer_ceiling - rp.seller_floor) * p.revenue),
        "roleplay.days_today": Fig(float(ds.accounts.set_index("account_id").loc[g.account_id, "payment_terms_days"]), "days"),
    }
    for key, value in p.drivers.items():
        f[f"pricing.driver.{key}"] = Fig(float(value))
    acts = _year_activities(ds, g.account_id, g.year).groupby("activity")["driver_qty"].sum()
    for key, act in (("engineering", "engineering_hours"), ("support", "support_ticket"), ("rush", "rush_handling")):
        f[f"pricing.qty.{key}"] = Fig(float(acts.get(act, 0.0)), "count")
    return f


def _growth_figures(gc: GrowthCase) -> dict[str, Fig]:
    gg = gc.givens
    f = {
        "growth.account": Fig(gg.account_id, "text"), "growth.name": Fig(gg.account_name, "text"),
        "growth.year": Fig(gg.year, "year"), "growth.top_line": Fig(gc.top_line, "text"),
        "growth.headroom_value": Fig(gc.headroom_value),
        "growth.top_line_value": Fig(float(gc.lines.loc[gc.top_line, "headroom_value"])),
        "growth.top_line_share": Fig(float(gc.lines.loc[gc.top_line, "share"]), "pct"),
        "growth.supplier_npv": Fig(gc.jbp.supplier_npv), "growth.customer_npv": Fig(gc.jbp.customer_npv),
        "growth.vmi_supplier_npv": Fig(float(gc.jbp.table.set_index("name").loc["vendor-managed inventory", "supplier_npv"])),
        "growth.years": Fig(gg.years, "count"), "growth.capture": Fig(gg.capture_share, "pct"),
    }
    kinds = {"sales": "money", "pocket_margin": "money", "margin_after_cost_to_serve": "money"}
    for key, value in gc.kpis.items():
        f[f"growth.kpi.{key}"] = Fig(float(value), kinds.get(key, "pct"))
    return f


def _rationalization_figures(ds: Dataset, rc: RationalizationCase, p: PricingCase) -> dict[str, Fig]:
    return {
        "rat.account": Fig(rc.account_id, "text"), "rat.name": Fig(rc.account_name, "text"),
        "rat.net_margin": Fig(rc.net_margin), "rat.exit_change": Fig(rc.exit_change),
        "rat.naive_change": Fig(rc.naive_change), "rat.stranded": Fig(rc.exit.stranded_cost),
        "rat.reprice_change": Fig(rc.reprice_change), "rat.price_change": Fig(rc.price_change, "pct"),
        "rat.volume_change": Fig(rc.volume_change, "pct"), "rat.n_traps": Fig(rc.n_traps, "count"),
        "rat.n_loss": Fig(rc.n_loss_makers, "count"),
        **_rationalization_table(ds),
        "rat.verdict": Fig("exiting does better for company profit than this repricing"
                           if rc.exit_change > rc.reprice_change else
                           "this repricing does better for company profit than exiting", "text"),
        "pricing.verdict": Fig("at or above today's prices: at today's prices the customer is better off with us, "
                               "so no cut is warranted on value" if p.value_gap >= 0 else
                               "below today's prices: value covers most of the price but not all of it, so a "
                               "concession up to the gap is defensible, and only traded for something", "text"),
    }


def _ethics_figures(ef: EthicsFigures) -> dict[str, Fig]:
    return {
        "ethics.loyal_name": Fig(ef.loyal_name, "text"), "ethics.loyal_years": Fig(ef.loyal_years, "count"),
        "ethics.loyal_revenue": Fig(ef.loyal_revenue), "ethics.loyal_net_margin": Fig(ef.loyal_net_margin),
        "ethics.loyal_exit_effect": Fig(ef.loyal_exit_effect),
        "ethics.distressed_name": Fig(ef.distressed_name, "text"),
        "ethics.distressed_days": Fig(ef.distressed_days_late, "days"), "ethics.distressed_unpaid": Fig(ef.distressed_unpaid),
        "ethics.dependent_name": Fig(ef.dependent_name, "text"), "ethics.dependent_share": Fig(ef.dependent_share, "pct"),
        "ethics.dependent_net_margin": Fig(ef.dependent_net_margin),
        "ethics.courted_name": Fig(ef.courted_name, "text"), "ethics.courted_share": Fig(ef.courted_share, "pct"),
        "ethics.courted_wallet": Fig(ef.courted_wallet),
        "ethics.rival_a_name": Fig(ef.rival_a_name, "text"), "ethics.rival_b_name": Fig(ef.rival_b_name, "text"),
        "ethics.rival_a_pocket": Fig(ef.rival_a_pocket, "pct"), "ethics.rival_b_pocket": Fig(ef.rival_b_pocket, "pct"),
        "ethics.rivals_industry": Fig(ef.rivals_industry, "text"),
    }
