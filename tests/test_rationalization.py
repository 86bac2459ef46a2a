"""Rationalization and control: the exit arithmetic, the portfolio simulation with stranded costs,
threshold candidates, control rules, the audit and the dashboard."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import rationalization as rz
from kamlab.data import DataError, Dataset

RATES = [("order_processing", "order", 10.0, "variable"), ("sales_visit", "visit", 50.0, "fixed_avoidable"),
         ("dedicated_team", "day", 100.0, "fixed_stranded"), ("rush_handling", "order", 30.0, "variable")]


def make_ds(lines, acts, *, late_days=None) -> Dataset:
    """A hand-built company: lines are (date, account, product, qty, invoice_price[, off_invoice, freight]),
    acts are (date, account, activity, driver_qty). Products P1 (L1, list 10, cost 6), P2 (L2, list 20, cost 10)."""
    late_days = late_days or {}
    accs = sorted({l[1] for l in lines} | {a[1] for a in acts})
    accounts = pd.DataFrame({
        "account_id": accs, "name": [f"Account {a}" for a in accs], "industry": "food", "region": "north",
        "segment": "large", "customer_since": pd.Timestamp("2020-01-01"), "lifecycle_stage": 4,
        "relationship_stage": "cooperative", "market_leader": False, "key_market": True,
        "global_presence": False, "payment_terms_days": 30, "churn_risk": 0.1, "service_tier": "gold"})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "name": ["Widget", "Gadget"], "product_line": ["L1", "L2"],
                             "list_price": [10.0, 20.0], "unit_cost": [6.0, 10.0]})
    rows = []
    for i, l in enumerate(lines):
        date, acc, prod, q, price, off, fr = (*l, 0.0, 0.0)[:7] if len(l) == 5 else (*l, 0.0)[:7]
        rows.append({"line_id": i + 1, "order_id": f"O{i + 1}", "invoice_date": pd.Timestamp(date), "account_id": acc,
                     "product_id": prod, "quantity": float(q), "list_price": 10.0 if prod == "P1" else 20.0,
                     "invoice_price": float(price), "off_invoice": float(off), "freight_cost": float(fr),
                     "rush": False, "custom": False})
    ol = pd.DataFrame(rows)
    activities = pd.DataFrame([{"date": pd.Timestamp(d), "account_id": a, "activity": k, "driver_qty": float(q)}
                               for d, a, k, q in acts])
    rates = pd.DataFrame(RATES, columns=["activity", "driver_unit", "rate", "cost_behaviour"])
    due = ol["invoice_date"] + pd.Timedelta(days=30)
    payments = pd.DataFrame({"order_id": ol["order_id"], "account_id": ol["account_id"],
                             "amount": ol["quantity"] * ol["invoice_price"], "due_date": due,
                             "paid_date": due + pd.to_timedelta(ol["account_id"].map(late_days).fillna(0), unit="D")})
    wallets = pd.DataFrame([{"account_id": a, "product_line": pl, "estimated_spend": 20000.0}
                            for a in accs for pl in ("L1", "L2")])
    return Dataset(accounts, products, ol, activities, rates, payments, wallets, meta={"currency": "EUR"})


@pytest.fixture
def case() -> Dataset:
    """A loses 2,100 on a fully allocated view but carries a 4,000 stranded dedicated team."""
    lines = [("2024-01-15", "A", "P1", 1000, 8.0), ("2024-01-20", "B", "P2", 500, 20.0),
             ("2024-02-01", "C", "P1", 200, 10.0)]
    acts = [("2024-01-15", "A", "dedicated_team", 40), ("2024-01-15", "A", "order_processing", 10),
            ("2024-01-20", "B", "sales_visit", 4), ("2024-01-20", "B", "order_processing", 5),
            ("2024-02-01", "C", "order_processing", 2)]
    return make_ds(lines, acts, late_days={"C": 40})


# ---------------------------------------------------------------- exit arithmetic (the course's example)

def test_exit_impact_example():
    r = rz.exit_impact(200_000, 150_000, 30_000, 40_000)
    assert (r.allocated_profit, r.profit_change, r.stranded_cost) == (-20_000, -20_000, 40_000)
    assert r.naive_profit_change == 20_000
    assert "lowers" in r._repr_html_()


def test_exit_impact_avoidable_fixed_turns_it_around():
    r = rz.exit_impact(200_000, 150_000, 30_000, 40_000, avoidable_fixed=40_000)
    assert (r.profit_change, r.stranded_cost) == (20_000, 0)
    with pytest.raises(DataError, match="avoidable_fixed"):
        rz.exit_impact(1, 0, 0, 10, avoidable_fixed=20)


# ---------------------------------------------------------------- economics and simulation

def test_account_economics_splits_by_behaviour(case):
    e = rz.account_economics(case, cost_of_capital=0.0).set_index("account_id")
    assert e.loc["A", "fixed_stranded"] == 4000 and e.loc["A", "variable"] == 100
    assert e.loc["B", "fixed_avoidable"] == 200
    assert e["net_margin"].to_dict() == {"A": -2100, "B": 4750, "C": 780}
    assert e.loc["A", "exit_effect"] == -1900


def test_exit_traps(case):
    t = rz.exit_traps(case, cost_of_capital=0.0)
    assert t["account_id"].tolist() == ["A"]


def test_exit_of_loss_maker_with_stranded_costs_lowers_profit(case):
    """The lesson: firing the account that loses 2,100 costs the company 1,900."""
    sim = rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("A", "exit")])
    assert sim.before_profit == pytest.approx(3430)
    assert sim.after_profit == pytest.approx(1530)
    assert sim.after_profit < sim.before_profit
    assert sim.naive_after_profit == pytest.approx(3430 + 2100)      # the trap: expects a rise
    assert sim.trap == pytest.approx(4000)
    assert sim.stranded_cost == 4000
    after = sim.after.set_index("account_id")
    assert after.loc["B", "stranded_reallocated"] == pytest.approx(4000 * 10000 / 12000)
    assert after.loc["C", "stranded_reallocated"] == pytest.approx(4000 * 2000 / 12000)
    assert after.loc["A", ["revenue", "cogs_variable", "cogs_fixed", "net_margin"]].tolist() == [0, 0, 0, 0]
    assert sim.reconciles
    assert "naive" in sim._repr_html_()


def test_absorbed_overhead_in_cost_of_goods_stays_when_the_account_goes(case):
    """meta['cogs_fixed_share'] splits the cost of goods: the fixed share is stranded by an exit."""
    share = dict.fromkeys(case.products["product_line"], 0.25)
    ds = case.replace(meta={**case.meta, "cogs_fixed_share": share})
    e = rz.account_economics(ds, cost_of_capital=0.0).set_index("account_id")
    plain = rz.account_economics(case, cost_of_capital=0.0).set_index("account_id")
    assert e.loc["A", "cogs_fixed"] == pytest.approx(0.25 * plain.loc["A", "cogs"])
    assert (e["net_margin"] == plain["net_margin"]).all()            # the full-cost P&L does not change
    assert e.loc["A", "exit_effect"] == pytest.approx(plain.loc["A", "exit_effect"] - e.loc["A", "cogs_fixed"])
    sim = rz.simulate(ds, cost_of_capital=0.0, actions=[rz.Action("A", "exit")])
    assert sim.stranded_cost == pytest.approx(4000 + e.loc["A", "cogs_fixed"]) and sim.reconciles
    with pytest.raises(DataError, match="fractions"):
        rz.account_economics(ds.replace(meta={"cogs_fixed_share": dict.fromkeys(share, 1.5)}))


def test_exit_matches_exit_impact(case):
    sim = rz.simulate(case, cost_of_capital=0.0, actions=rz.Action("A", "exit"))
    r = rz.exit_impact(8000, 6000, 100, 4000)
    assert sim.effects.loc[0, "profit_effect"] == pytest.approx(r.profit_change)
    assert sim.effects.loc[0, "naive_effect"] == pytest.approx(r.naive_profit_change)


def test_before_plus_effects_equals_after_for_mixed_actions(case):
    acts = [rz.Action("A", "reprice", price_change=0.10, volume_change=-0.20),
            rz.Action("B", "cut_cost", lever="tier_down", reduction=0.5),
            rz.Action("C", "channel", reduction=0.6, channel_discount=0.05)]
    sim = rz.simulate(case, cost_of_capital=0.0, actions=acts)
    eff = sim.effects.set_index("account_id")["profit_effect"]
    # A: revenue 8000*0.8 + 8000*0.8*0.10 = 7040; cogs 4800; variable 80; stranded 4000 -> -1840 (+260)
    assert eff["A"] == pytest.approx(260)
    assert eff["B"] == pytest.approx(100)      # half of the 200 avoidable sales visits
    assert eff["C"] == pytest.approx(-100 + 12)  # channel keeps 5% of 2000, variable cost 20 -> 8
    assert sim.before_profit + eff.sum() == pytest.approx(sim.after_profit)
    assert sim.reconciles and sim.stranded_cost == 0


def test_cut_cost_never_removes_stranded_cost(case):
    sim = rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("A", "cut_cost", lever="tier_down", reduction=1.0)])
    assert sim.effects.loc[0, "profit_effect"] == 0      # the dedicated team is stranded


def test_bad_actions(case):
    with pytest.raises(DataError, match="unknown account"):
        rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("Z", "exit")])
    with pytest.raises(DataError, match="two actions"):
        rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("A", "exit"), rz.Action("A", "reprice")])
    with pytest.raises(DataError, match="unknown action kind"):
        rz.Action("A", "fire")
    with pytest.raises(DataError, match="lever"):
        rz.Action("A", "cut_cost", lever="magic")


# ---------------------------------------------------------------- candidates, rules, audit, dashboard

@pytest.fixture
def slipping() -> Dataset:
    """Account D's price (and margin) falls every quarter of 2024; E stays healthy."""
    lines, acts = [], []
    for q, price in enumerate([9.0, 8.0, 7.0, 6.0]):
        date = f"2024-{3 * q + 1:02d}-10"
        lines += [(date, "D", "P1", 100, price), (date, "E", "P2", 100, 20.0)]
        acts += [(date, "D", "order_processing", 5), (date, "E", "order_processing", 5)]
    return make_ds(lines, acts, late_days={"D": 25})


def test_candidates_consecutive_periods(slipping):
    # D's net margin %: (900-600-50)/900=.278, (800-650)/800=.1875, (700-650)/700=.071, (600-650)/600<0
    c = rz.candidates(slipping, cost_of_capital=0.0, margin_floor=0.10, periods=2)
    assert c["account_id"].tolist() == ["D"] and c.loc[0, "periods_below"] == 2
    assert c.loc[0, "run_net_margin"] == pytest.approx(50 - 50)
    assert rz.candidates(slipping, cost_of_capital=0.0, margin_floor=0.10, periods=3).empty
    assert rz.candidates(slipping, cost_of_capital=0.0, margin_floor=0.20, periods=3)["account_id"].tolist() == ["D"]


def test_audit_each_rule(slipping):
    rules = [rz.Rule("margin_floor", 0.20), rz.Rule("discount_authority", 0.25),
             rz.Rule("dso_beyond_terms", 10), rz.Rule("pocket_below_band", 0.5),
             rz.Rule("margin_decline", 0.10, periods=3)]
    v = rz.audit(slipping, rules)
    assert set(v["account_id"]) == {"D"}
    got = v.set_index("kind")["amount"]
    # whole-data margin of D: (3000 - 2400 - 200 - terms) / 3000 -> shortfall to 20% of 3000 = 200 + terms,
    # terms_cost = 3000 invoiced x 55 days taken (30 terms + 25 late) / 365 x 10%
    assert got["margin_floor"] == pytest.approx(200 + 3000 * 55 / 365 * 0.10)
    # lines at 7 and 6 are 30% and 40% off list: (0.05 + 0.15) * 1000 = 200
    assert got["discount_authority"] == pytest.approx(200)
    # 25 days late on 3000 invoiced at 10% a year
    assert got["dso_beyond_terms"] == pytest.approx(3000 * 25 / 365 * 0.10)
    # margin % fell from .2778 to -.0833 over 3 quarters, on 600 of latest revenue
    assert got["margin_decline"] == pytest.approx((250 / 900 + 50 / 600) * 600)
    assert "pocket_below_band" in got  # P1's P50 band; D's cheapest lines sit below
    assert v["consequence"].str.len().min() > 10
    assert v["amount"].is_monotonic_decreasing


def test_audit_clean_and_bad_rule(case):
    assert rz.audit(case, [rz.Rule("discount_authority", 0.5)]).empty
    with pytest.raises(DataError, match="unknown rule"):
        rz.Rule("vibes", 1)


def test_dashboard_metrics(slipping):
    d = rz.dashboard_metrics(slipping, cost_of_capital=0.0, rules=[rz.Rule("margin_floor", 0.20)])
    assert d.margins.shape == (2, 4)
    assert d.trend.loc["D", "direction"] == "falling" and d.trend.loc["E", "direction"] == "flat"
    assert d.trend.loc["D", "slope"] < -0.1
    assert d.violations["account_id"].tolist() == ["D"]
    assert "Control dashboard" in d._repr_html_()


def test_inputs_not_mutated(case):
    before = {k: v.copy() for k, v in case.tables().items()}
    rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("A", "exit")])
    rz.audit(case)
    for k, v in case.tables().items():
        pd.testing.assert_frame_equal(v, before[k])


def test_simulate_on_generated_data_reconciles(small):
    eco = rz.account_economics(small)
    worst = eco.sort_values("net_margin")["account_id"].iloc[:2].tolist()
    sim = rz.simulate(small, [rz.Action(worst[0], "exit"), rz.Action(worst[1], "reprice", price_change=0.05,
                                                                       volume_change=-0.1)])
    assert sim.reconciles
    assert np.isclose(sim.after["stranded_reallocated"].sum(), sim.stranded_cost)


# ---------------------------------------------------------------- plots

def test_plots_draw_what_they_should(case, slipping):
    import matplotlib.pyplot as plt

    from kamlab.plots import rationalization as pr

    fig, axes = plt.subplots(2, 2)
    sim = rz.simulate(case, cost_of_capital=0.0, actions=[rz.Action("A", "exit")])
    ax = pr.plot_simulation(sim, ax=axes[0, 0])
    assert ax is axes[0, 0]
    assert [p.get_height() for p in ax.patches] == pytest.approx([3430, -1900, 1530])
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(sim.naive_after_profit)
    ax = pr.plot_stranded_costs(sim, ax=axes[0, 1])
    assert ax is axes[0, 1] and [p.get_width() for p in ax.patches] == pytest.approx([4000 * 10 / 12, 4000 * 2 / 12])
    assert ax.get_yticklabels()[0].get_text() == "B"
    d = rz.dashboard_metrics(slipping, cost_of_capital=0.0, rules=[rz.Rule("margin_floor", 0.2),
                                                                  rz.Rule("dso_beyond_terms", 10)])
    ax = pr.plot_margin_trend(d, ax=axes[1, 0], top=1)
    assert ax is axes[1, 0] and ax.get_legend().get_texts()[0].get_text() == "D"
    ax = pr.plot_violations(d.violations, ax=axes[1, 1])
    assert ax is axes[1, 1] and len(ax.patches) == 2
    plt.close(fig)


def test_case_company_has_the_exit_trap(sample):
    """The shipped case must let the course show it: some loss-making account whose exit lowers profit."""
    traps = rz.exit_traps(sample)
    assert len(traps), "the case company has no loss-making account with stranded costs above its loss"
    sim = rz.simulate(sample, [rz.Action(traps["account_id"].iloc[0], "exit")])
    assert sim.after_profit < sim.before_profit < sim.naive_after_profit
    assert sim.reconciles


def test_audit_ages_unpaid_invoices_to_the_as_of_date(case):
    """An invoice not yet due on the as-of date is not late, however far the latest due date lies; an
    overdue unpaid one is late by as-of - due (kamlab.apa.settlement_dates, one convention)."""
    pay = case.payments.copy()
    as_of = pd.Timestamp("2025-12-31")
    # the account's invoices: unpaid, due after the as-of date; one far-future due date in the file
    pay["paid_date"] = pay["paid_date"].where(pay["account_id"] != "A")
    pay.loc[pay["account_id"] == "A", "due_date"] = as_of + pd.Timedelta(days=20)
    pay.loc[pay.index[pay["account_id"] == "A"][:1], "due_date"] = as_of + pd.Timedelta(days=300)
    ds = case.replace(payments=pay, meta={**case.meta, "as_of": str(as_of.date())})
    v = rz.audit(ds, [rz.Rule("dso_beyond_terms", 0)])
    assert "A" not in set(v["account_id"])
    overdue = pay.assign(due_date=pay["due_date"].where(pay["account_id"] != "A", as_of - pd.Timedelta(days=30)))
    v = rz.audit(ds.replace(payments=overdue), [rz.Rule("dso_beyond_terms", 10)])
    assert "A" in set(v["account_id"]) and "30 days" in v.set_index("account_id").loc["A", "detail"]


# ---------------------------------------------------------------- the ethics unit's accounts, by rule

def test_loyal_loss_maker_is_the_longest_standing_small_account_that_loses_money(sample, case):
    row = rz.loyal_loss_maker(sample).iloc[0]
    e = rz.account_economics(sample).set_index("account_id")
    acc = sample.accounts.set_index("account_id")
    small_losers = acc[(acc["segment"] == "small") & (e["net_margin"].reindex(acc.index) < 0)]
    assert row["segment"] == "small" and row["net_margin"] < 0
    assert row["customer_since"] == small_losers["customer_since"].min()
    assert row["exit_effect"] == pytest.approx(e.loc[row["account_id"], "exit_effect"])
    assert row["years_as_customer"] == sample.order_lines["invoice_date"].max().year - row["customer_since"].year
    # nobody small here: every account is in the pool; A loses money and all started together -> A (smallest id)
    assert rz.loyal_loss_maker(case)["account_id"].iloc[0] == "A"
    accounts = case.accounts.assign(customer_since=pd.to_datetime(["2021-01-01", "2019-01-01", "2018-01-01"]))
    assert rz.loyal_loss_maker(case.replace(accounts=accounts))["account_id"].iloc[0] == "A"  # C is older, profitable
    profitable = case.replace(accounts=accounts, activities=case.activities[case.activities["account_id"] != "A"])
    assert rz.loyal_loss_maker(profitable, segment=None)["account_id"].iloc[0] == "C"  # no loser: the oldest


def test_late_payment_follows_the_one_convention_and_picks_the_latest_payer(sample, case):
    from kamlab import selection

    lp = rz.late_payment(case).set_index("account_id")
    assert lp.loc["C", "days_beyond_terms"] == 40 and lp.loc["A", "days_beyond_terms"] == 0
    assert rz.distressed_customer(case)["account_id"].iloc[0] == "C"
    feats = selection.account_features(sample)["days_beyond_terms"]
    got = rz.late_payment(sample).set_index("account_id")["days_beyond_terms"]
    assert np.allclose(got, feats.reindex(got.index))
    d = rz.distressed_customer(sample).iloc[0]
    pays = sample.payments[sample.payments["account_id"] == d["account_id"]]
    assert d["days_beyond_terms"] == pytest.approx(feats.max())
    assert d["unpaid_value"] == pytest.approx(pays.loc[pays["paid_date"].isna() & (pays["amount"] > 0), "amount"].sum())


def test_dependent_buyers_by_share_of_wallet(sample):
    from kamlab import growth

    sow = growth.share_of_wallet(sample, by="account").set_index("account_id")
    d = rz.dependent_buyers(sample).set_index("depends_on")
    assert d.loc["us", "share"] == pytest.approx(sow["share"].max())
    big = sow[sow["wallet"] >= sow["wallet"].median()]
    assert d.loc["a competitor", "share"] == pytest.approx(big["share"].min())
    assert d.loc["a competitor", "wallet"] >= sow["wallet"].median()
    with pytest.raises(DataError, match="no wallet estimates"):
        rz.dependent_buyers(sample.replace(wallets=sample.wallets.iloc[:0]))


def test_rival_price_gap_is_the_widest_gap_between_two_accounts_of_one_industry(sample, case):
    from itertools import combinations

    from kamlab import apa

    pnl = apa.account_pnl(sample)
    pocket = (pnl["pocket_revenue"] / pnl["list_revenue"]).dropna()
    industry = sample.accounts.set_index("account_id")["industry"]
    widest = max(abs(pocket[a] - pocket[b]) for a, b in combinations(pocket.index, 2) if industry[a] == industry[b])
    r = rz.rival_price_gap(sample)
    assert r["pocket_revenue_of_list"].iloc[0] - r["pocket_revenue_of_list"].iloc[1] == pytest.approx(widest)
    assert industry[r["account_id"].iloc[0]] == industry[r["account_id"].iloc[1]] == r["industry"].iloc[0]
    alone = case.accounts.assign(industry=["food", "steel", "paper"])
    with pytest.raises(DataError, match="two competing customers"):
        rz.rival_price_gap(case.replace(accounts=alone))


def test_scenario_accounts_are_named_or_shown_by_id(case):
    blank = case.accounts.assign(name=["", None, "Account C"])
    assert rz._names(case.replace(accounts=blank), ["A", "B", "C"]) == ["A", "B", "Account C"]


def test_compare_options_simulates_each_action_alone(sample):
    acc = rz.loyal_loss_maker(sample)["account_id"].iloc[0]
    actions = [rz.Action(acc, "channel"), rz.Action(acc, "exit")]
    table = rz.compare_options(sample, actions)
    for a, (_, row) in zip(actions, table.iterrows()):
        sim = rz.simulate(sample, [a])
        assert row["profit_effect"] == pytest.approx(sim.after_profit - sim.before_profit)
    exit_row = table.set_index("action").loc["exit"]
    assert exit_row["profit_effect"] == pytest.approx(rz.loyal_loss_maker(sample)["exit_effect"].iloc[0])
