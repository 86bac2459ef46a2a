"""The one-page account plan: contents, HTML page, workbook sheet, CLI."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from kamlab import data
from kamlab import plan as kplan
from kamlab.cli import main
from kamlab.data import DataError
from kamlab.plots.rationalization import plan_page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def a_plan(small):
    acc = small.order_lines.groupby("account_id")["quantity"].sum().idxmax()
    return kplan.account_plan(small, acc)


def test_plan_contents(small, a_plan):
    p = a_plan
    from kamlab import apa

    pnl = apa.account_pnl(small)
    assert p.pnl["net_margin"] == pytest.approx(pnl.loc[p.account_id, "net_margin"])
    assert p.waterfall["step"].iloc[0] == "list price" and p.waterfall["step"].iloc[-1] == "pocket margin"
    assert p.position["cost-to-serve quadrant"] in ("carriage trade", "passive", "aggressive", "bargain basement")
    assert p.position["posture"] in ("invest", "build", "maintain", "minimise")
    assert p.tier["tier today"] == small.accounts.set_index("account_id").loc[p.account_id, "service_tier"]
    assert p.lifecycle["stage_name"] in kplan.LIFECYCLE_STAGES.values()
    assert set(p.leaks["account_id"]) <= {p.account_id}
    assert set(p.growth["account_id"]) <= {p.account_id}
    assert 0 <= p.share_of_wallet
    assert "price +2%" in set(p.levers["lever"]) or p.pnl["net_margin"] < 0
    assert len(p.jbp.table) >= 1
    assert isinstance(p.risks, tuple)


def test_plan_html_and_frame(a_plan, tmp_path):
    body = a_plan._repr_html_()
    for section in ("P&amp;L", "Price waterfall", "Position, tier and life cycle", "Profit leaks",
                    "Growth opportunities", "Negotiation levers", "Joint business plan", "Risks"):
        assert section in body
    page = a_plan.to_html(tmp_path / "p.html")
    assert (tmp_path / "p.html").read_text() == page and page.startswith("<!DOCTYPE html>")
    frame = a_plan.to_frame()
    assert list(frame.columns) == ["section", "item", "value"]
    assert {"P&L", "waterfall (per unit)", "position", "tier", "life cycle", "lever", "JBP"} <= set(frame["section"])
    assert frame.loc[frame["item"] == "net_margin", "value"].iloc[0] == pytest.approx(a_plan.pnl["net_margin"])


def test_plan_page_embeds_charts(a_plan, tmp_path):
    page = plan_page(a_plan, tmp_path / "plan.html")
    assert page.count("data:image/png;base64,") >= 2
    assert (tmp_path / "plan.html").stat().st_size > 10_000


def test_unknown_account_lists_valid_ids(small):
    with pytest.raises(DataError, match="not in this dataset.*A00"):
        kplan.account_plan(small, "NOPE")


def test_given_initiatives_are_used(small, a_plan):
    p = kplan.account_plan(small, a_plan.account_id, initiatives=[{"name": "Giveaway", "supplier_one_off": 1000}])
    assert not p.jbp.both_win and "Not yet mutual" in p._repr_html_()


def test_cli_plan(small, tmp_path, capsys):
    folder = data.save(small, tmp_path / "ds")
    acc = small.accounts["account_id"].iloc[0]
    out = tmp_path / "plan.html"
    assert main(["plan", acc, "--data", str(folder), "--out", str(out), "--no-charts"]) == 0
    assert acc in out.read_text()
    assert main(["plan", "ZZZ", "--data", str(folder), "--out", str(out)]) == 2
    assert "valid ids include" in capsys.readouterr().err


def test_plan_sheet_in_apa_workbook(a_plan, small, tmp_path):
    export = pytest.importorskip("kamlab.export")
    path = tmp_path / "apa.xlsx"
    export.write_apa_workbook(small, path, extra_sheets={"Account plan": a_plan.to_frame()})
    sheet = pd.read_excel(path, sheet_name="Account plan")
    assert len(sheet) == len(a_plan.to_frame())


@pytest.mark.parametrize("module", ["growth", "rationalization", "plan"])
def test_domain_modules_never_import_plotting(module):
    tree = ast.parse((ROOT / "kamlab" / f"{module}.py").read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(n.split(".")[0] in ("matplotlib", "ipywidgets", "seaborn") or n.startswith("kamlab.plots")
                   or n.startswith("kamlab.widgets") for n in names)
