"""kamlab.plots.apa: every plot returns the axes it was given and draws what it should."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kamlab import apa  # noqa: E402
from kamlab.plots import apa as P  # noqa: E402


@pytest.fixture(scope="module")
def pnl(small):
    return apa.account_pnl(small)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_plot_account_pnl(pnl):
    fig, ax = plt.subplots()
    assert P.plot_account_pnl(pnl, ax=ax, top=3, bottom=2) is ax
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    best = pnl["net_margin"].idxmax()
    assert labels[0] == best  # top bar is the most profitable account
    assert any("%" in t for t in _texts(ax))  # money and % labels
    worst = pnl["net_margin"].min()
    assert min(p.get_width() for p in ax.patches) == pytest.approx(worst)


def test_plot_waterfall(small):
    w = apa.price_waterfall(small)
    fig, ax = plt.subplots()
    assert P.plot_waterfall(w, ax=ax) is ax
    assert len(ax.patches) == len(w.steps) == 9
    assert [t.get_text() for t in ax.get_xticklabels()] == w.steps["step"].tolist()
    # the pocket price bar stands at the pocket price per unit
    assert ax.patches[6].get_height() == pytest.approx(w.pocket_price)
    assert "100.0%" in _texts(ax)[0]


def test_plot_whale_curve(pnl):
    curve = apa.whale_curve(pnl["net_margin"])
    fig, ax = plt.subplots()
    assert P.plot_whale_curve(curve, ax=ax) is ax
    line = ax.lines[0]
    assert len(line.get_xdata()) == len(pnl) + 1  # the origin plus one point per account
    assert line.get_ydata()[-1] == pytest.approx(1.0)
    assert any("peak" in t for t in _texts(ax))


def test_plot_pocket_price_band(small):
    band = apa.pocket_price_band(small)
    fig, ax = plt.subplots()
    assert P.plot_pocket_price_band(band, ax=ax, bins=20) is ax
    assert len(ax.patches) == 20
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(1.0)  # shares of list revenue
    assert len(ax.lines) == 3 and any(t.startswith("p10") for t in _texts(ax))


def test_plot_cost_to_serve_breakdown(small, pnl):
    fig, ax = plt.subplots()
    assert P.plot_cost_to_serve_breakdown(pnl, ax=ax, top=4) is ax
    n_act = len(small.activity_rates)
    assert len(ax.patches) == 4 * n_act
    assert len(ax.get_legend().get_texts()) == n_act
    assert all("revenue" in t for t in _texts(ax))


def test_plot_cost_to_serve_matrix(pnl):
    m = apa.cost_to_serve_matrix(pnl)
    fig, ax = plt.subplots()
    assert P.plot_cost_to_serve_matrix(m, ax=ax, label=3) is ax
    assert len(ax.collections[0].get_offsets()) == len(m.table)
    quadrant_texts = [t for t in _texts(ax) if "(" in t]
    assert len(quadrant_texts) == 4
    assert ax.get_xlabel().startswith("cost to serve")


def test_plot_relationship_cashflow(small, pnl):
    acc = pnl["invoice_revenue"].idxmax()
    m = apa.relationship_cashflow(small, acc, acquisition_cost=10_000)
    fig, ax = plt.subplots()
    assert P.plot_relationship_cashflow(m, ax=ax) is ax
    assert len(ax.patches) == len(m.cash_flows)
    assert np.allclose(ax.lines[0].get_ydata(), m.cumulative)
    assert "NPV" in ax.get_title()


def test_plots_use_current_axes_by_default(pnl):
    fig, ax = plt.subplots()
    assert P.plot_account_pnl(pnl) is ax
