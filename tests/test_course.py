"""kamlab.course: the cases' givens and every figure the artefacts quote agree with the domain functions."""
from __future__ import annotations

import numpy as np
import pytest

from kamlab import apa, data, growth, negotiation, rationalization, synth
from kamlab.course import content, figures, givens
from kamlab.pricing import economic_value


@pytest.fixture(scope="module")
def ds():
    return data.load_sample()


@pytest.fixture(scope="module")
def small():
    return synth.generate(n_accounts=20, years=2, seed=2026)


def test_capacity_table_reproduces_the_activity_rates():
    cap = givens.capacity_table().set_index("activity")
    rates = synth.activity_rates().set_index("activity")["rate"]
    derived = cap["cost_of_capacity"] / cap["practical_capacity_minutes"] * cap["minutes_per_unit"]
    assert np.allclose(derived.round(2), rates.loc[derived.index])


def test_the_pricing_account_is_the_one_we_can_least_afford_to_lose(ds):
    """What an account takes with it if it leaves: the exit effect of kamlab.rationalization, in the year."""
    g = givens.pricing_givens(ds)
    assert g.year == ds.order_lines["invoice_date"].max().year
    year = ds.replace(order_lines=ds.order_lines[ds.order_lines["invoice_date"].dt.year == g.year],
                      activities=ds.activities[ds.activities["date"].dt.year == g.year],
                      payments=ds.payments.iloc[:0])
    econ = rationalization.account_economics(year).set_index("account_id")
    assert g.account_id == econ["exit_effect"].idxmin()


def test_apa_figures_agree_with_kamlab_apa(ds):
    f = figures.apa_figures(ds)
    pnl = apa.account_pnl(ds)
    w = apa.whale_summary(pnl["net_margin"])
    assert f.worst == pnl["net_margin"].idxmin() and f.best == pnl["net_margin"].idxmax()
    assert f.whale.peak_pct == pytest.approx(w.peak_pct)
    cum = pnl["net_margin"].sort_values(ascending=False).cumsum() / pnl["net_margin"].sum()
    assert f.top_fifth_share == pytest.approx(cum.iloc[-(-len(pnl) // 5) - 1])
    if len(pnl) % 5 == 0:  # then the first fifth is a whole number of accounts and kamlab's top 20% agrees
        assert f.top_fifth_share == pytest.approx(w.top20_pct)
    steps = apa.price_waterfall(ds, account_id=f.worst).steps.set_index("step")["fraction_of_list"]
    assert f.worst_waterfall["pocket_revenue"] == pytest.approx(steps["pocket price"])
    assert f.worst_waterfall["on_invoice_discount"] == pytest.approx(-steps["on-invoice discount"])
    assert f.worst_leaks.is_monotonic_decreasing and len(f.worst_leaks) == 3


def test_pricing_case_agrees_with_negotiation_and_pricing(ds):
    c = figures.pricing_case(ds)
    g = c.givens
    terms = negotiation.deal_terms_for_account(ds, g.account_id)  # its last 12 months = the last calendar year here
    assert c.contribution_margin == pytest.approx(terms.contribution_margin, rel=1e-9)
    assert c.breakeven_volume == pytest.approx(negotiation.breakeven_volume_change(-g.price_cut, c.contribution_margin))
    assert c.terms_cost == pytest.approx(negotiation.terms_cost(c.revenue, g.extra_payment_days, g.cost_of_capital))
    acts = ds.activities[(ds.activities["account_id"] == g.account_id) & (ds.activities["date"].dt.year == g.year)]
    q = acts.groupby("activity")["driver_qty"].sum()
    ref = c.revenue * (1 - g.competitor_discount)
    v = economic_value(ref, positive={"e": q.get("engineering_hours", 0) * g.engineer_hour_value,
                                      "s": q.get("support_ticket", 0) * g.ticket_value,
                                      "r": q.get("rush_handling", 0) * g.rush_order_value,
                                      "q": c.revenue * g.quality_saving},
                       negative={"t": ref * g.competitor_extra_days / 365 * g.customer_cost_of_capital})
    assert c.evc == pytest.approx(v.value) and c.value_gap == pytest.approx(v.value - c.revenue)


@pytest.mark.parametrize("seed", [None, 2026, 7305, 11])
def test_the_roleplay_zone_of_agreement_is_real(ds, seed):
    d = ds if seed is None else synth.generate(n_accounts=20, years=2, seed=seed)
    r = figures.roleplay(d)
    assert r.has_zopa and r.seller_floor < r.buyer_ceiling
    c = r.case
    days = r.case.givens.extra_payment_days + float(
        d.accounts.set_index("account_id").loc[c.givens.account_id, "payment_terms_days"])
    # at the walk-away the seller's contribution after avoidable costs and the longer terms is zero
    at_floor = (r.seller_floor * c.revenue * (1 - days / 365 * c.givens.cost_of_capital) - c.variable_cost
                - c.avoidable_cost_to_serve)
    assert at_floor == pytest.approx(0.0, abs=1e-6)


def test_growth_case_agrees_with_kamlab_growth(ds):
    c = figures.growth_case(ds)
    g = c.givens
    wallets = ds.wallets.groupby("account_id")["estimated_spend"].sum()
    assert g.account_id == wallets.idxmax()
    sow = growth.share_of_wallet(ds, year=g.year)
    mine = sow[sow["account_id"] == g.account_id].set_index("product_line")
    assert np.allclose(c.lines["wallet"], mine.loc[c.lines.index, "wallet"])
    assert np.allclose(c.lines["share"], mine.loc[c.lines.index, "share"])
    assert c.kpis["sales"] == pytest.approx(mine["sales"].sum())
    again = growth.jbp_value(c.jbp.table[["name", *[k for k in growth.Initiative.__dataclass_fields__ if k != "name"]]],
                             years=g.years, discount_rate=g.discount_rate)
    assert again.supplier_npv == pytest.approx(c.jbp.supplier_npv)
    assert c.headroom_value == pytest.approx((c.lines["headroom"] * c.lines["own_margin"].clip(lower=0)).sum())


def test_rationalization_case_is_exercise_four(ds):
    c = figures.rationalization_case(ds)
    e = rationalization.account_economics(ds).set_index("account_id")
    sim = rationalization.simulate(ds, [rationalization.Action(e["net_margin"].idxmin(), "exit")])
    assert c.account_id == e["net_margin"].idxmin()
    assert c.exit_change == pytest.approx(sim.after_profit - sim.before_profit)
    assert c.naive_change - c.exit_change == pytest.approx(sim.trap)


def test_ethics_accounts_follow_their_rules(ds):
    f = figures.ethics_figures(ds)
    acc = ds.accounts.set_index("account_id")
    assert acc.loc[f.loyal_name == acc["name"]].iloc[0]["segment"] == "small"
    assert acc.loc[acc["name"] == f.rival_a_name, "industry"].iloc[0] == f.rivals_industry
    assert acc.loc[acc["name"] == f.rival_b_name, "industry"].iloc[0] == f.rivals_industry
    sow = growth.share_of_wallet(ds, by="account").set_index("account_id")["share"]
    assert f.dependent_share == pytest.approx(sow.max())


def test_every_placeholder_of_the_content_is_a_registry_figure(small):
    import re

    reg = figures.registry(small)
    texts = repr((content.UNITS, content.CASES, content.ROLEPLAY, content.ETHICS))
    names = set(re.findall(r"\{\{([a-z0-9_.]+)\}\}", texts))
    assert names and names <= set(reg), sorted(names - set(reg))


def test_objectives_and_methods_are_all_scheduled():
    scheduled = {o for *_, objs in content.AGENDA for o in objs}
    assert scheduled == set(content.OBJECTIVES)
    assert len(content.METHODS) == 6
    for day in (1, 2):
        rows = [r for r in content.AGENDA if r[0] == day]
        assert rows[0][1] == "09:00" and rows[-1][2] == "17:00"
        assert all(a[2] == b[1] for a, b in zip(rows, rows[1:])), "the sessions of a day follow each other"


def test_the_units_name_existing_notebooks():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for u in content.UNITS:
        assert (root / "notebooks" / f"{u['notebook']}.ipynb").exists()


def test_registry_values_are_finite_numbers_or_text(small):
    for name, fig in figures.registry(small).items():
        if fig.kind in ("text", "year"):
            assert str(fig.value), name
        else:
            assert np.isfinite(float(fig.value)), name


def test_the_course_package_lists_exactly_what_its_modules_export():
    import importlib
    import pkgutil

    from kamlab import course

    exported = []
    for unit in pkgutil.iter_modules(course.__path__):
        module = importlib.import_module(f"kamlab.course.{unit.name}")
        exported += module.__all__
        for name in module.__all__:
            assert getattr(course, name) is getattr(module, name)
    assert sorted(exported) == sorted(course.__all__)


def test_every_written_question_has_a_mark_scheme_and_the_exercise_hides_it():
    """The mark scheme sits in the written answer's cell of the solution and is gone from the exercise."""
    from pathlib import Path

    import nbformat

    from kamlab.grading import authoring

    root = Path(__file__).resolve().parent.parent
    for sol in sorted((root / "solutions").glob("ex*.ipynb")):
        nb = nbformat.read(sol, as_version=4)
        ex = nbformat.read(root / "exercises" / sol.name, as_version=4)
        for w in authoring.read_spec(nb).written:
            tag = f"written:{w.name}"
            cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
            assert "BEGIN MARK SCHEME" in cell.source and "Model answer" in cell.source, (sol.name, w.name)
            ex_cell = next(c for c in ex.cells if tag in c.metadata.get("tags", []))
            assert "MARK SCHEME" not in ex_cell.source and "Model answer" not in ex_cell.source


def test_the_simulator_plays_the_same_role_play(ds):
    from kamlab.roleplay import BuyerSimulator

    r, p = figures.roleplay(ds), figures.roleplay_profile(ds)
    assert p.zopa == pytest.approx((100 * r.seller_floor, 100 * r.buyer_ceiling))
    sim = BuyerSimulator(p, seed=1)
    response = sim.offer(price=100.0, payment_days=p.standard_payment_days)
    assert response.kind in {"accept", "counter", "walk_away"}


def test_the_debrief_verdicts_follow_the_numbers(ds):
    r = figures.registry(ds)
    assert ("no cut is warranted" in r["pricing.verdict"].value) == (r["pricing.gap"].value >= 0)
    assert ("exiting does better" in r["rat.verdict"].value) == (r["rat.exit_change"].value > r["rat.reprice_change"].value)
