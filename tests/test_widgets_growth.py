"""The share-of-wallet / cross-sell panel and the JBP builder, driven headlessly."""
from __future__ import annotations

import pytest
from panel_capture import Capture

from kamlab import growth
from kamlab.widgets import growth as wg

_capture: Capture | None = None


@pytest.fixture(autouse=True)
def _record(monkeypatch):
    global _capture
    _capture = Capture(monkeypatch, wg)


def shown(panel, kind, out=None):
    return _capture.shown(panel, kind, out=out)


def test_share_of_wallet_panel(small):
    p = wg.share_of_wallet_panel(small, top=5)
    assert set(p.sow["account_id"]) == set(small.wallets["account_id"])
    assert len(p.opportunities) <= 5
    assert shown(p, "figure")[0][0].startswith("Share of wallet")
    assert shown(p, "figure", out=p.opp_out)[0][0].startswith("Cross-sell")
    acc = p.controls["account"].options[1][1]
    p.controls["account"].value = acc
    assert set(p.sow["account_id"]) == {acc} and "product_line" in p.sow
    assert set(p.opportunities["account_id"]) <= {acc}
    p.controls["n_brands"].value = 2
    p.controls["rank"].value = 1
    assert "66.7%" in p.war.value
    p.controls["year"].value = p.controls["year"].options[0]


def test_jbp_builder_without_data():
    p = wg.jbp_panel()
    assert p.jbp is None
    c = p.controls
    c["name"].value = "VMI"
    c["supplier_one_off"].value = 30_000
    c["supplier_yearly_gain"].value = 20_000
    c["customer_yearly_gain"].value = 25_000
    c["add"].click()
    assert p.jbp.both_win and p.jbp.table.loc[0, "name"] == "VMI"
    assert "VMI" in shown(p, "html")[0] and "both win" in shown(p, "figure")[0][0]
    c["discount_rate"].value = 0.0
    assert p.jbp.supplier_npv == pytest.approx(30_000)
    c["name"].value = "Giveaway"
    for k in ("supplier_one_off", "supplier_yearly_gain", "customer_yearly_gain"):
        c[k].value = 0
    c["supplier_yearly_cost"].value = 50_000
    c["add"].click()
    assert not p.jbp.table.set_index("name").loc["Giveaway", "mutual"]
    assert "not mutual" in p.summary.value
    c["remove_last"].click()
    assert len(p.jbp.table) == 1


def test_jbp_builder_suggests_from_data(small):
    p = wg.jbp_panel(small)
    acc = p.controls["account"].options[0][1]
    p.controls["account"].value = p.controls["account"].options[1][1]
    p.controls["account"].value = acc
    assert p.initiatives and all(isinstance(i, growth.Initiative) for i in p.initiatives)
    assert p.jbp is not None


def test_jbp_builder_without_data_hides_only_the_account_picker():
    p = wg.jbp_panel()
    assert p.controls["account"].layout.display == "none"
    assert all(p.controls[k].layout.display != "none" for k in ("name", "years", "discount_rate", "supplier_one_off"))


def test_the_opportunities_slider_redraws_only_the_cross_sell_chart(small):
    p = wg.share_of_wallet_panel(small, top=5)
    sow_before, shown_before = p.sow, _capture._by_output[id(p.out)]
    p.controls["top"].value = 3
    assert len(p.opportunities) <= 3
    assert shown(p, "figure", out=p.opp_out)[0][0].startswith("Cross-sell")
    assert p.sow is sow_before and _capture._by_output[id(p.out)] is shown_before  # not redrawn
