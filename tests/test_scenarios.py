"""Scenario presets: each is pure, does what its name says, and open_dataset picks the right source."""
from __future__ import annotations

import pandas as pd
import pytest

from kamlab import data, scenarios
from kamlab.data import DataError, Dataset


def toy_dataset() -> Dataset:
    """Four accounts, hand-made so every number below can be checked by eye. A is the largest."""
    d = pd.to_datetime
    accounts = pd.DataFrame({
        "account_id": ["A", "B", "C", "D"], "name": ["Alpha", "Beta", "Gamma", "Delta"],
        "industry": ["x"] * 4, "region": ["n"] * 4, "segment": ["large", "large", "mid", "small"],
        "customer_since": d(["2020-01-01"] * 4), "lifecycle_stage": [4, 3, 2, 6],
        "relationship_stage": ["cooperative", "basic", "basic", "exploratory"],
        "market_leader": [True, False, False, False], "key_market": [True, True, False, False],
        "global_presence": [True, False, False, False], "payment_terms_days": [30, 30, 60, 30],
        "churn_risk": [0.1, 0.2, 0.3, 0.4], "service_tier": ["platinum", "gold", "silver", "bronze"]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "name": ["Pump", "Valve"],
                             "product_line": ["pumps", "valves"], "list_price": [100.0, 50.0],
                             "unit_cost": [60.0, 20.0]})
    acc = ["A", "A", "A", "A", "B", "B", "C", "D"]
    lines = pd.DataFrame({
        "line_id": range(1, 9), "order_id": ["O1", "O1", "O2", "O3", "O4", "O5", "O6", "O7"],
        "invoice_date": d(["2024-01-05", "2024-01-05", "2024-02-01", "2024-03-01", "2024-01-10",
                           "2024-02-10", "2024-03-03", "2024-03-04"]),
        "account_id": acc, "product_id": ["P1", "P2", "P1", "P1", "P1", "P2", "P2", "P1"],
        "quantity": [100.0, 50.0, 80.0, 60.0, 40.0, 30.0, 20.0, 5.0],
        "list_price": [100.0, 50.0, 100.0, 100.0, 100.0, 50.0, 50.0, 100.0],
        "invoice_price": [80.0, 40.0, 80.0, 80.0, 90.0, 45.0, 48.0, 100.0],
        "off_invoice": [100.0, 20.0, 80.0, 60.0, 10.0, 0.0, 0.0, 0.0],
        "freight_cost": [50.0, 10.0, 40.0, 30.0, 20.0, 10.0, 10.0, 15.0],
        "rush": [True, False, False, False, True, False, False, False],
        "custom": [False] * 8})
    activities = pd.DataFrame({"date": d(["2024-01-05", "2024-02-01", "2024-01-10", "2024-03-03"]),
                               "account_id": ["A", "A", "B", "C"],
                               "activity": ["rush_order", "sales_visit", "rush_order", "sales_visit"],
                               "driver_qty": [2.0, 3.0, 1.0, 1.0]})
    rates = pd.DataFrame({"activity": ["rush_order", "sales_visit"], "driver_unit": ["order", "visit"],
                          "rate": [150.0, 400.0], "cost_behaviour": ["variable", "fixed_avoidable"]})
    amounts = (lines.quantity * lines.invoice_price).groupby(lines.order_id).sum()
    first = lines.groupby("order_id").agg(account_id=("account_id", "first"), date=("invoice_date", "first"))
    payments = pd.DataFrame({"order_id": amounts.index, "account_id": first.account_id.values,
                             "amount": amounts.values, "due_date": first.date.values + pd.Timedelta(days=30),
                             "paid_date": first.date.values + pd.Timedelta(days=40)})
    payments.loc[payments.order_id == "O7", "paid_date"] = pd.NaT
    wallets = pd.DataFrame({"account_id": ["A", "B", "C", "D"], "product_line": ["pumps"] * 4,
                            "estimated_spend": [50000.0, 20000.0, 5000.0, 2000.0]})
    return Dataset(accounts, products, lines, activities, rates, payments, wallets,
                   meta={"name": "Toy Co", "currency": "EUR"})


@pytest.fixture()
def toy():
    return toy_dataset()


def _snapshot(ds):
    return {k: t.copy(deep=True) for k, t in ds.tables().items()}, dict(ds.meta)


def test_every_scenario_is_pure_and_tags_meta(toy):
    tables, meta = _snapshot(toy)
    for name in scenarios.names():
        out = scenarios.apply(toy, name)
        assert out.meta["scenario"] == name
        assert set(out.tables()) == set(toy.tables())
    for k, t in toy.tables().items():
        pd.testing.assert_frame_equal(t, tables[k])
    assert toy.meta == meta


def test_the_required_presets_exist():
    required = {"baseline", "procurement demands 5% off", "rush orders double", "lose the top account",
                "rebates up 50%", "customers pay 30 days later", "cost of capital up"}
    assert required <= set(scenarios.SCENARIOS)
    assert scenarios.names()[0] == "baseline"


def test_top_accounts_by_invoice_revenue(toy):
    assert scenarios.top_accounts(toy, 2) == ["A", "B"]


def test_procurement_discount_hits_the_top_accounts_only(toy):
    out = scenarios.procurement_discount(toy, top_n=1)
    a = toy.order_lines.account_id == "A"
    assert (out.order_lines.loc[a, "invoice_price"] == toy.order_lines.loc[a, "invoice_price"] * 0.95).all()
    assert (out.order_lines.loc[~a, "invoice_price"] == toy.order_lines.loc[~a, "invoice_price"]).all()
    assert (out.order_lines.list_price == toy.order_lines.list_price).all()
    pa = toy.payments.account_id == "A"
    assert out.payments.loc[pa, "amount"].sum() == pytest.approx(0.95 * toy.payments.loc[pa, "amount"].sum())
    assert out.meta["scenario_accounts"] == ["A"]
    # the named preset: the five largest (all four here)
    named = scenarios.apply(toy, "procurement demands 5% off")
    assert named.order_lines.invoice_price.sum() == pytest.approx(0.95 * toy.order_lines.invoice_price.sum())


def test_rush_orders_double_per_account(toy):
    out = scenarios.apply(toy, "rush orders double")
    before = toy.order_lines.groupby("account_id").rush.sum()
    after = out.order_lines.groupby("account_id").rush.sum()
    assert after["A"] == 2 and after["B"] == 2 and after["C"] == 0 and after["D"] == 0
    assert after.sum() == 2 * before.sum()
    rush = out.activities.activity == "rush_order"
    assert out.activities.loc[rush, "driver_qty"].tolist() == [4.0, 2.0]
    assert out.activities.loc[~rush, "driver_qty"].tolist() == toy.activities.loc[~rush, "driver_qty"].tolist()


def test_lose_the_top_account_removes_every_row(toy):
    out = scenarios.apply(toy, "lose the top account")
    for name, t in out.tables().items():
        if "account_id" in t.columns:
            assert "A" not in set(t.account_id), name
    assert len(out.accounts) == 3 and len(out.order_lines) == 4
    assert out.products.equals(toy.products)


def test_rebates_payments_and_cost_of_capital(toy):
    assert scenarios.apply(toy, "rebates up 50%").order_lines.off_invoice.sum() == pytest.approx(
        1.5 * toy.order_lines.off_invoice.sum())
    late = scenarios.apply(toy, "customers pay 30 days later").payments
    shift = (late.paid_date - toy.payments.paid_date).dt.days
    assert (shift.dropna() == 30).all() and late.paid_date.isna().sum() == 1
    assert (late.due_date == toy.payments.due_date).all()
    assert scenarios.cost_of_capital(toy) is None
    assert scenarios.cost_of_capital(scenarios.apply(toy, "cost of capital up")) == 0.15
    assert scenarios.apply(toy, "cost-to-serve rates up 20%").activity_rates.rate.tolist() == [180.0, 480.0]


def test_unknown_scenario_is_a_readable_error(toy):
    with pytest.raises(DataError, match="choose one of"):
        scenarios.apply(toy, "everything is on fire")


def test_open_dataset_reads_a_folder(toy, tmp_path):
    folder = data.save(toy, tmp_path / "toy")
    ds = scenarios.open_dataset(folder, scenario="rebates up 50%")
    assert list(ds.accounts.account_id) == ["A", "B", "C", "D"]
    assert ds.meta["scenario"] == "rebates up 50%"


def test_open_dataset_errors_are_readable(tmp_path):
    with pytest.raises(DataError, match="no dataset folder"):
        scenarios.open_dataset(tmp_path / "nowhere")
    (tmp_path / "half").mkdir()
    with pytest.raises(DataError, match="lacks"):
        scenarios.open_dataset(tmp_path / "half")
    with pytest.raises(DataError, match="not both"):
        scenarios.open_dataset(tmp_path, seed=1)


def test_open_dataset_by_seed_and_default():
    pytest.importorskip("kamlab.synth")
    a = scenarios.open_dataset(seed=11)
    b = scenarios.open_dataset(seed=11)
    assert a.order_lines.equals(b.order_lines)
    if data.SAMPLE_FOLDER.joinpath("accounts.csv").exists():
        assert len(scenarios.open_dataset().accounts) > 0


def test_scenarios_module_stays_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(scenarios))
    mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert mods <= {"__future__", "dataclasses", "pathlib", "typing", "pandas", "kamlab"}
