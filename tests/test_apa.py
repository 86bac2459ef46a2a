"""kamlab.apa: exact reconciliation on a hand-checkable company, literature numbers, and the case data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import apa
from kamlab.data import DataError

MONEY = ["list_revenue", "on_invoice_discount", "invoice_revenue", "off_invoice", "freight", "terms_cost",
         "pocket_revenue", "cogs", "gross_margin", "cost_to_serve", "net_margin"]


@pytest.fixture(scope="module")
def toy():
    return apa.worked_example()


def _input_totals(ds, cost_of_capital=0.10, days_in_year=365):
    """The company totals computed straight from the input tables, row by row (the reference)."""
    ol = ds.order_lines
    uc = ol["product_id"].map(ds.products.set_index("product_id")["unit_cost"])
    rate = ds.activities["activity"].map(ds.activity_rates.set_index("activity")["rate"])
    p = ds.payments
    terms = p["account_id"].map(ds.accounts.set_index("account_id")["payment_terms_days"])
    # one convention for unpaid invoices: aged to the data's as-of date once overdue
    as_of = pd.Timestamp(ds.meta.get("as_of") or max(ds.order_lines["invoice_date"].max(), ds.activities["date"].max(),
                                                     p["paid_date"].max()))
    settled = p["paid_date"].fillna(p["due_date"].clip(lower=as_of))
    days = (terms + (settled - p["due_date"]).dt.days).clip(lower=0)
    out = {
        "list_revenue": (ol["quantity"] * ol["list_price"]).sum(),
        "invoice_revenue": (ol["quantity"] * ol["invoice_price"]).sum(),
        "off_invoice": ol["off_invoice"].sum(),
        "freight": ol["freight_cost"].sum(),
        "cogs": (ol["quantity"] * uc).sum(),
        "terms_cost": (p["amount"] * days / days_in_year * cost_of_capital).sum(),
        "cost_to_serve": (ds.activities["driver_qty"] * rate).sum(),
    }
    out["on_invoice_discount"] = out["list_revenue"] - out["invoice_revenue"]
    out["pocket_revenue"] = out["invoice_revenue"] - out["off_invoice"] - out["freight"] - out["terms_cost"]
    out["gross_margin"] = out["pocket_revenue"] - out["cogs"]
    out["net_margin"] = out["gross_margin"] - out["cost_to_serve"]
    return out


# ---------------------------------------------------------------------------- account P&L, known numbers

def test_worked_example_by_hand(toy):
    pnl = apa.account_pnl(toy)
    a1, a2 = pnl.loc["A1"], pnl.loc["A2"]
    # A1: 10 x 100 + 20 x 50 list, 10 x 90 + 20 x 45 invoiced, paid 60 days after the invoice
    assert a1["list_revenue"] == 2000 and a1["invoice_revenue"] == 1800 and a1["on_invoice_discount"] == 200
    assert a1["off_invoice"] == 20 and a1["freight"] == 15 and a1["cogs"] == 10 * 60 + 20 * 20
    assert a1["terms_cost"] == pytest.approx(1800 * 60 / 365 * 0.10, rel=1e-12)
    assert a1["sales_visit"] == 500 and a1["cost_to_serve"] == 500
    assert a1["net_margin"] == pytest.approx(1800 - 20 - 15 - 1800 * 60 / 365 * 0.1 - 1000 - 500, rel=1e-12)
    # A2: 5 pumps at 80, one returned (negative line); the 400 invoice is unpaid, due 9 June and aged to
    # the as-of date (19 July, the last date in the data): 60 + 40 days; the credit note was paid on time
    assert a2["list_revenue"] == 400 and a2["invoice_revenue"] == 320 and a2["cogs"] == 240
    assert a2["terms_cost"] == pytest.approx((400 * 100 - 80 * 60) / 365 * 0.10, rel=1e-12)
    assert a2["cost_to_serve"] == 150 + 3 * 40
    assert a2["gross_margin_pct"] == pytest.approx(a2["gross_margin"] / 320)
    assert list(pnl["revenue_rank"]) == [1, 2] and list(pnl["profit_rank"]) == [1, 2]


def test_columns_in_documented_order(toy):
    pnl = apa.account_pnl(toy)
    expected = (list(apa.MONEY_COLUMNS) + ["pocket_margin_pct", "gross_margin_pct"] + list(toy.activity_rates["activity"])
                + ["cost_to_serve", "net_margin", "net_margin_pct", "revenue_rank", "profit_rank"])
    assert list(pnl.columns) == expected
    assert pnl.index.name == "account_id"


@pytest.mark.parametrize("by", ["account", ("account", "product_line")])
@pytest.mark.parametrize("period", [None, "Q", "Y"])
def test_reconciles_with_input_tables(toy, by, period):
    pnl = apa.account_pnl(toy, by=by, period=period, cost_of_capital=0.12, days_in_year=360)
    ref = _input_totals(toy, 0.12, 360)
    for col in MONEY:
        assert pnl[col].sum() == pytest.approx(ref[col], rel=1e-12, abs=1e-9), col
    acts = toy.activity_rates["activity"]
    assert np.allclose(pnl[list(acts)].sum(axis=1), pnl["cost_to_serve"])


def test_product_line_split_by_invoice_revenue_share(toy):
    pnl = apa.account_pnl(toy, by=("account", "product_line"))
    a1 = pnl.loc["A1"]
    # A1 bought 900 of pumps and 900 of valves: its 500 of visits split 50/50
    assert a1.loc["pumps", "sales_visit"] == pytest.approx(250)
    assert a1.loc["valves", "sales_visit"] == pytest.approx(250)
    assert pnl.index.names == ["account_id", "product_line"]


def test_periods_and_ranks_within_period(toy):
    pnl = apa.account_pnl(toy, period="Q")
    assert pnl.index.names == ["account_id", "period"]
    assert {str(p) for p in pnl.index.get_level_values("period")} == {"2025Q1", "2025Q2"}
    # one account per quarter -> each is rank 1 in its quarter
    assert (pnl["revenue_rank"] == 1).all()
    a2q2 = pnl.loc[("A2", pd.Period("2025Q2"))]
    assert a2q2["invoice_revenue"] == 320


def test_rank_ties_go_to_the_smaller_account_id(toy):
    ds = toy.replace(order_lines=toy.order_lines.assign(account_id="A1"), payments=toy.payments.assign(account_id="A1"),
                     activities=toy.activities.iloc[:0])
    pnl = apa.account_pnl(ds)  # A2 has no sales
    assert pnl.loc["A2", "invoice_revenue"] == 0
    two = toy.replace(activities=toy.activities.iloc[:0], payments=toy.payments.iloc[:0],
                      order_lines=pd.concat([toy.order_lines.iloc[[0]], toy.order_lines.iloc[[0]].assign(
                          account_id="A2", line_id=9)]))
    p2 = apa.account_pnl(two).loc[["A2", "A1"]]
    assert p2.loc["A1", "net_margin"] == p2.loc["A2", "net_margin"]
    assert p2.loc["A1", "profit_rank"] == 1 and p2.loc["A2", "profit_rank"] == 2


def test_cost_of_capital_scales_terms_cost(toy):
    base = apa.account_pnl(toy)["terms_cost"]
    double = apa.account_pnl(toy, cost_of_capital=0.20)["terms_cost"]
    assert np.allclose(double, 2 * base)


def test_unknown_account_is_a_data_error(toy):
    bad = toy.replace(order_lines=toy.order_lines.assign(account_id=["A1", "A1", "A2", "ZZ"]))
    with pytest.raises(DataError, match="ZZ"):
        apa.account_pnl(bad)


def test_bad_options(toy):
    with pytest.raises(DataError):
        apa.account_pnl(toy, period="M")
    with pytest.raises(DataError):
        apa.account_pnl(toy, by="region")
    with pytest.raises(DataError):
        apa.account_pnl(toy, cost_of_capital=10)


def test_inputs_not_mutated(toy):
    before = {k: v.copy() for k, v in toy.tables().items()}
    apa.account_pnl(toy, by=("account", "product_line"), period="Q")
    apa.profit_leaks(toy)
    for k, v in toy.tables().items():
        pd.testing.assert_frame_equal(v, before[k])


def test_with_activity_rates_moves_net_margin_as_pnl_says(toy):
    base = apa.account_pnl(toy)
    doubled = apa.account_pnl(apa.with_activity_rates(toy, {"support_ticket": 2.0}))
    assert doubled.loc["A2", "net_margin"] == pytest.approx(base.loc["A2", "net_margin"] - 120)
    assert doubled.loc["A1", "net_margin"] == base.loc["A1", "net_margin"]
    with pytest.raises(DataError):
        apa.with_activity_rates(toy, {"golf": 2.0})


def test_pnl_totals(toy):
    tot = apa.pnl_totals(apa.account_pnl(toy))
    assert tot["net_margin"] == pytest.approx(_input_totals(toy)["net_margin"])
    assert tot["net_margin_pct"] == pytest.approx(tot["net_margin"] / 2120)


# ---------------------------------------------------------------------------- waterfall and band

def test_waterfall_steps_add_up(toy):
    w = apa.price_waterfall(toy)
    s = w.steps.set_index("step")
    assert w.units == 34
    leaks = s.loc[s["kind"] == "leak", "per_unit"]
    assert s.loc["list price", "per_unit"] + leaks.iloc[:4].sum() == pytest.approx(s.loc["pocket price", "per_unit"])
    assert s.loc["pocket margin", "per_unit"] == pytest.approx(s.loc["pocket price", "per_unit"] + leaks.iloc[4])
    assert s.loc["list price", "fraction_of_list"] == 1
    shown = w._repr_html_()                      # a finance table: shares as percents, money in the currency
    assert "<table" in shown and "100.0%" in shown and f"{s.loc['list price', 'amount']:,.0f} {toy.currency}" in shown


def test_waterfall_one_account_one_line(toy):
    w = apa.price_waterfall(toy, account_id="A1", product_line="pumps")
    s = w.steps.set_index("step")
    assert s.loc["list price", "per_unit"] == 100 and s.loc["invoice price", "per_unit"] == 90
    assert s.loc["off-invoice rebates", "per_unit"] == -2 and s.loc["freight", "per_unit"] == -1
    with pytest.raises(DataError):
        apa.price_waterfall(toy, account_id="nobody")


def test_waterfall_by_account_fractions(toy):
    wba = apa.waterfall_by_account(apa.account_pnl(toy))
    assert wba.loc["A1", "invoice_revenue_of_list"] == pytest.approx(0.9)


def test_pocket_price_band(toy):
    band = apa.pocket_price_band(toy)
    assert len(band.values) == 3  # the return is left out
    assert band.percentiles.index.tolist() == [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    assert band.percentiles[0.5] == pytest.approx(np.median(band.values))
    acc = apa.pocket_price_band(toy, by="account")
    assert acc.values["A1"] == pytest.approx(apa.account_pnl(toy).loc["A1", "pocket_revenue"] / 2000)


# ---------------------------------------------------------------------------- literature checks

def test_tdabc_kaplan_anderson_2004():
    r = apa.tdabc(560_000, 700_000, {"order": 8, "inquiry": 44, "credit check": 50},
                  {"order": 49_000, "inquiry": 1_400, "credit check": 2_500})
    assert r.rate == pytest.approx(0.80, rel=1e-9)
    assert r.unit_costs.tolist() == pytest.approx([6.40, 35.20, 40.00], rel=1e-9)
    assert r.used == pytest.approx(578_600, rel=1e-9)
    assert round(r.utilization, 4) == 0.8266
    assert r.assigned_cost == pytest.approx(462_880, rel=1e-9)
    assert r.unused == pytest.approx(121_400, rel=1e-9) and r.unused_cost == pytest.approx(97_120, rel=1e-9)
    shown = r._repr_html_()
    assert "Utilisation" in shown and "82.7%" in shown and "462,880" in shown and "0.8266" not in shown


def test_whale_summary_kanthal_shape():
    s = apa.whale_summary([150, 75, 0, 0, 0, 0, 0, 0, 0, -125])
    assert s.peak_pct == pytest.approx(2.25, rel=1e-12) and s.peak_share == pytest.approx(0.20)
    assert s.top20_pct == pytest.approx(2.25, rel=1e-12) and s.loss_pct == pytest.approx(1.25, rel=1e-12)
    assert s.subsidy_ratio == pytest.approx(125 / 225, rel=1e-12)
    shown = s._repr_html_()
    assert "Whale" in shown and "225.0%" in shown and "55.6%" in shown and "2.25" not in shown


def test_whale_curve_order_and_ties():
    profits = pd.Series({"B": 10.0, "A": 10.0, "C": -5.0, "D": 20.0})
    curve = apa.whale_curve(profits)
    assert curve["account_id"].tolist() == ["D", "A", "B", "C"]
    assert curve["cum_profit_pct"].iloc[-1] == pytest.approx(1.0)
    with pytest.raises(DataError):
        apa.whale_curve([-1.0, -2.0])


def test_cashflow_metrics_textbook_example():
    m = apa.cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10)
    assert round(m.payback, 3) == 3.222 and round(m.discounted_payback, 3) == 3.878
    assert round(m.npv, 2) == 102.92 and round(m.irr, 4) == 0.2424
    assert m.payback == pytest.approx(3 + 20 / 90, rel=1e-12)
    npv_at_irr = sum(f / (1 + m.irr) ** t for t, f in enumerate([-200, 40, 60, 80, 90, 90, 70]))
    assert abs(npv_at_irr) < 1e-8
    assert m.cumulative.tolist() == [-200, -160, -100, -20, 70, 160, 230]


def test_cashflow_never_pays_back():
    m = apa.cashflow_metrics([-100, 10, 10], 0.1)
    assert np.isnan(m.payback) and np.isnan(m.discounted_payback)
    assert m.irr < 0


def test_relationship_cashflow(toy):
    m = apa.relationship_cashflow(toy, "A1", acquisition_cost=100)
    assert m.cash_flows.index.tolist() == ["acquisition", "2025"]
    assert m.cash_flows.iloc[1] == pytest.approx(apa.account_pnl(toy).loc["A1", "net_margin"])


# ---------------------------------------------------------------------------- leaks and the matrix

def test_profit_leaks_finds_known_leaks(toy):
    leaks = apa.profit_leaks(toy)
    assert list(leaks.columns) == ["account_id", "leak", "amount", "explanation", "overlap", "additive"]
    found = set(zip(leaks["account_id"], leaks["leak"]))
    # A2 got 20% off (limit lowered to 15%), has 150 of rush handling and pays no premium,
    # its rebates are 30/320 = 9.4% of revenue; A1 paid 30 days late.
    strict = apa.profit_leaks(toy, rules={"discount_limit": 0.15})
    assert ("A2", "discount beyond authority") in set(zip(strict["account_id"], strict["leak"]))
    row = strict[(strict["account_id"] == "A2") & (strict["leak"] == "discount beyond authority")].iloc[0]
    assert row["amount"] == pytest.approx(0.05 * 500)
    assert ("A2", "rush/custom work not charged") in found
    assert ("A2", "rebates above policy") in found
    late = leaks[(leaks["account_id"] == "A1") & (leaks["leak"] == "late payment")].iloc[0]
    assert late["amount"] == pytest.approx(1800 * 30 / 365 * 0.10)
    assert (leaks["amount"].diff().dropna() <= 0).all()
    with pytest.raises(DataError):
        apa.profit_leaks(toy, rules={"nonsense": 1})


def test_cost_to_serve_matrix(toy):
    m = apa.cost_to_serve_matrix(apa.account_pnl(toy))
    assert m.table.loc["A1", "quadrant"] == "passive" and m.table.loc["A2", "quadrant"] == "aggressive"
    m2 = apa.cost_to_serve_matrix(apa.account_pnl(toy), price_split=0.5, cost_split=0.0)
    assert set(m2.table["quadrant"]) == {"carriage trade"}
    assert int(m.counts.sum()) == 2


def test_cost_to_serve_matrix_counts_freight_and_terms_once(toy):
    """More freight moves an account along the cost axis only; its price realisation does not change."""
    ol = toy.order_lines
    heavy = toy.replace(order_lines=ol.assign(freight_cost=ol["freight_cost"] + 100.0))
    a = apa.cost_to_serve_matrix(apa.account_pnl(toy)).table
    b = apa.cost_to_serve_matrix(apa.account_pnl(heavy)).table
    assert np.allclose(a["price_realisation"], b["price_realisation"])
    assert (b["cost_to_serve_pct"] > a["cost_to_serve_pct"]).all()
    pnl = apa.account_pnl(toy)
    assert np.allclose(a["price_realisation"], (pnl["invoice_revenue"] - pnl["off_invoice"]) / pnl["list_revenue"])


# ---------------------------------------------------------------------------- the case company

def test_case_company_reconciles(small):
    for by in ("account", ("account", "product_line")):
        for period in (None, "Q"):
            pnl = apa.account_pnl(small, by=by, period=period)
            ref = _input_totals(small)
            for col in MONEY:
                assert pnl[col].sum() == pytest.approx(ref[col], rel=1e-9), (by, period, col)
    pnl = apa.account_pnl(small)
    assert len(pnl) == len(small.accounts)
    assert sorted(pnl["profit_rank"]) == list(range(1, len(pnl) + 1))


def test_case_company_whale_and_leaks(small):
    pnl = apa.account_pnl(small)
    s = apa.whale_summary(pnl["net_margin"])
    assert s.peak_pct >= 1.0
    leaks = apa.profit_leaks(small)
    assert len(leaks) > 0 and leaks["amount"].gt(0).all()


# ---------------------------------------------------------------------------- export and the CLI

def test_workbook_opens_with_pandas_and_has_three_sheets(small, tmp_path):
    from kamlab import export

    files = export.write_apa_workbook(small, tmp_path / "apa.xlsx",
                                      extra_sheets={"account_plan": pd.DataFrame({"x": [1]})})
    sheets = pd.read_excel(files[0], sheet_name=None)
    assert list(sheets) == ["Account P&L", "Waterfall by account", "Profit leaks", "account_plan",
                            "Assumptions and reconciliation"]
    book = sheets["Account P&L"]
    assert len(book) == len(small.accounts) + 1 and book["Account"].iloc[-1] == "Total"  # the totals row
    net = f"Net margin ({small.currency})"
    assert book[net].iloc[:-1].sum() == pytest.approx(apa.account_pnl(small)["net_margin"].sum(), rel=1e-9)
    assert book[net].iloc[-1] == pytest.approx(book[net].iloc[:-1].sum(), rel=1e-9)
    import openpyxl

    ws = openpyxl.load_workbook(files[0])["Account P&L"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}" \
        f"{len(small.accounts) + 1}"
    # the pages' formats (kamlab.format): whole money units with separators, percents with one decimal
    assert ws.cell(2, header.index(net) + 1).number_format == "#,##0;-#,##0"
    assert ws.cell(2, header.index("Net margin, % of revenue") + 1).number_format == "0.0%"
    with pytest.raises(DataError):
        export.write_apa_workbook(small, tmp_path / "x.xlsx", extra_sheets={"profit_leaks": book})


def test_cli_apa_xlsx_and_csv(small, tmp_path, capsys):
    from kamlab import data
    from kamlab.cli import main

    folder = data.save(small, tmp_path / "company")
    assert main(["apa", "--data", str(folder), "--out", str(tmp_path / "apa.xlsx")]) == 0
    assert set(pd.read_excel(tmp_path / "apa.xlsx", sheet_name=None)) == {
        "Account P&L", "Waterfall by account", "Profit leaks", "Assumptions and reconciliation"}
    assert main(["apa", "--data", str(folder), "--out", str(tmp_path / "csv"), "--format", "csv",
                 "--cost-of-capital", "0.2"]) == 0
    pnl = pd.read_csv(tmp_path / "csv" / "account_pnl.csv")
    expected = apa.account_pnl(data.load(folder), cost_of_capital=0.2)["terms_cost"].sum()
    assert pnl["terms_cost"].sum() == pytest.approx(expected, rel=1e-9)
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "account_pnl.csv", "assumptions.csv", "profit_leaks.csv", "waterfall_by_account.csv"]
    assert main(["apa", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "y.xlsx")]) == 2


@pytest.mark.parametrize("dtype", ["object", "category"])
def test_id_columns_of_any_dtype(small, dtype):
    lines = small.order_lines.assign(account_id=small.order_lines["account_id"].astype(dtype),
                                     product_id=small.order_lines["product_id"].astype(dtype))
    pnl = apa.account_pnl(small.replace(order_lines=lines))
    pd.testing.assert_frame_equal(pnl, apa.account_pnl(small))


def test_irr_is_the_root_nearest_zero_and_lists_every_root():
    """numpy-financial's convention: [-100, 100, 0, -7] -> -8.33%, not the lowest root (-67.9%)."""
    m = apa.cashflow_metrics([-100, 100, 0, -7], 0.10)
    assert m.irr == pytest.approx(-0.0833, abs=1e-4)
    assert m.multiple_irrs and m.irrs[0] == pytest.approx(-0.6789, abs=1e-4)
    assert "several IRRs" in m._repr_html_()
    for r in m.irrs:
        assert abs(sum(f / (1 + r) ** t for t, f in enumerate([-100, 100, 0, -7]))) < 1e-9
    single = apa.cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10)
    assert len(single.irrs) == 1 and not single.multiple_irrs


def test_leaks_of_one_account_add_up_with_overlaps_counted_once(sample):
    """Discount beyond authority, pocket price below band and pricing opportunity measure one price gap:
    the account's total counts the group once (its largest finding), never the sum of the three."""
    leaks = apa.profit_leaks(sample)
    totals = apa.leak_totals(leaks)
    for acc, g in leaks.groupby("account_id"):
        expected = g.groupby("overlap")["amount"].max().sum()
        assert totals[acc] == pytest.approx(expected)
        price = g[g["overlap"] == "price gap"]
        if len(price) > 1:
            assert totals[acc] < g["amount"].sum()
    assert set(leaks.loc[leaks["leak"] == "late payment", "overlap"]) <= {"late payment"}


def test_account_plan_counts_overlapping_leaks_once(sample):
    from kamlab import plan

    leaks = apa.profit_leaks(sample)
    price = leaks[leaks["overlap"] == "price gap"].groupby("account_id").size()
    acc = price.idxmax()
    p = plan.account_plan(sample, acc)
    fixes = p.levers[p.levers["lever"].str.startswith("fix: ")]
    mine = leaks[leaks["account_id"] == acc]
    groups = mine.set_index("leak")["overlap"]
    assert groups.reindex(fixes["lever"].str[5:]).is_unique     # one lever per overlap group


def test_pocket_margin_is_named_and_gross_margin_contribution_is_the_kpi(toy):
    """The margin after freight and financing is pocket margin; the course's gross margin contribution is
    net sales less cost of goods, with its share of the company's and its yield per unit of serve cost."""
    pnl = apa.account_pnl(toy)
    assert (pnl["pocket_margin"] == pnl["pocket_revenue"] - pnl["cogs"]).all()
    k = apa.gross_margin_contribution(pnl)
    # A1: 1800 - 20 rebates - 1000 cogs = 780; A2: 320 - 30 - 240 = 50
    assert k["gross_margin_contribution"].tolist() == [780.0, 50.0]
    assert k["share_of_company_gross_margin"].sum() == pytest.approx(1.0)
    serve = pnl["cost_to_serve"] + pnl["freight"] + pnl["terms_cost"]
    assert np.allclose(k["gross_margin_per_cost_to_serve"], k["gross_margin_contribution"] / serve)
    assert (k["gross_margin_contribution"] > pnl["pocket_margin"]).all()     # before freight and financing


def test_waterfall_in_fractions_of_list_and_per_product(sample):
    """A mixed basket's waterfall is read in fractions of list price; per unit only for one product."""
    acc = sample.order_lines["account_id"].value_counts().index[0]
    w = apa.price_waterfall(sample, account_id=acc)
    shown = w._repr_html_()
    assert not w.per_unit_meaningful and "per_unit" not in shown and "Per unit" not in shown
    f = w.steps.set_index("step")["fraction_of_list"]
    assert f["list price"] == 1.0
    assert f["list price"] + f[w.steps["kind"].eq("leak").to_numpy()].sum() == pytest.approx(f["pocket margin"])
    lines = sample.order_lines[(sample.order_lines["account_id"] == acc) & (sample.order_lines["quantity"] > 0)]
    prod = lines["product_id"].value_counts().index[0]
    one = apa.price_waterfall(sample, account_id=acc, product_id=prod)
    assert one.per_unit_meaningful
    listed = lines.loc[lines["product_id"] == prod, "list_price"]
    ol = sample.order_lines
    mine = ol[(ol["account_id"] == acc) & (ol["product_id"] == prod)]
    assert one.steps.set_index("step").loc["list price", "per_unit"] == pytest.approx(
        (mine["quantity"] * mine["list_price"]).sum() / mine["quantity"].sum())
    assert listed.min() - 1e-9 <= one.steps.set_index("step").loc["list price", "per_unit"]


def test_capacity_report_needs_the_supplied_capacity(toy, sample):
    """Without meta['tdabc'] (an imported data set) the report says what to pass; with it, used + unused =
    supplied, and losing an account leaves its capacity unused, not gone."""
    with pytest.raises(DataError, match="supplied"):
        apa.capacity_report(toy)
    from kamlab import scenarios

    cap = apa.capacity_report(sample)
    assert np.allclose(cap["used"] + cap["unused"], cap["practical_capacity"])
    lost = apa.capacity_report(scenarios.lose_top_account(sample))
    assert lost["cost_supplied"].sum() == pytest.approx(cap["cost_supplied"].sum())
    assert lost["cost_unused"].sum() > cap["cost_unused"].sum()
