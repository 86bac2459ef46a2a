"""kamlab.plots.style and every plot's text: finance formats, currency, presenter sizes from the first render."""
from __future__ import annotations

import io
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kamlab import allocation as al
from kamlab import apa, growth, value
from kamlab import format as fmt
from kamlab import negotiation as ng
from kamlab import rationalization as rz
from kamlab import selection as sel
from kamlab.plots import allocation as pal
from kamlab.plots import apa as papa
from kamlab.plots import growth as pgr
from kamlab.plots import negotiation as png
from kamlab.plots import rationalization as prz
from kamlab.plots import selection as psel
from kamlab.plots import style

# a notebook printout in a chart: scientific notation, a long float, nan/inf, a code name with underscores
BAD_TEXT = re.compile(r"\de[+-]\d|\d\.\d{5,}|\bnan\b|\binf\b|[a-z]_[a-z]", re.I)


@pytest.fixture(autouse=True)
def _house_style():
    yield
    mpl.rcdefaults()


def test_set_style_presenter_scales_size_and_fonts_together():
    style.set_style()
    w, h = mpl.rcParams["figure.figsize"]
    font = mpl.rcParams["font.size"]
    assert (w, h) == fmt.figure_size() and mpl.rcParams["figure.dpi"] == style.DPI
    style.set_style(presenter=True)
    assert tuple(mpl.rcParams["figure.figsize"]) == pytest.approx((w * 1.5, h * 1.5))
    assert mpl.rcParams["font.size"] == pytest.approx(font * 1.5)
    assert style.font_scale() == pytest.approx(fmt.PRESENTER_SCALE)
    # a wide presenter chart fills >= 80% of the content width of a 1920 px screen (~1840 px)
    fig, ax = style.subplots()
    assert fig.get_size_inches()[0] * fig.dpi >= 0.8 * 1840
    # the text stays readable from the back of the room: tick labels >= 20 px
    assert mpl.rcParams["xtick.labelsize"] * style.DPI / 72 >= 20
    plt.close(fig)
    style.set_style()
    fig, ax = style.subplots("half")
    assert tuple(fig.get_size_inches()) == pytest.approx(fmt.figure_size("half"))
    plt.close(fig)


def test_style_money_and_percent_are_the_format_service():
    """Charts format through kamlab.format itself: style keeps no money/percent of its own (issue 12)."""
    assert not hasattr(style, "money") and not hasattr(style, "percent")
    assert fmt.money(1234567, "GBP", compact=True) == "1.23M GBP" and fmt.money(999_999, compact=True) == "1M"
    fig, ax = plt.subplots()
    style.money_axis(ax.yaxis, "EUR")
    style.percent_axis(ax.xaxis)
    ax.plot([0, 0.0001], [2.4125e6, 2.4275e6])
    fig.canvas.draw()
    ys = [t.get_text() for t in ax.get_yticklabels()]
    xs = [t.get_text() for t in ax.get_xticklabels()]
    assert len(set(ys)) == len(ys) and all(s.endswith("M EUR") for s in ys)
    assert len(set(xs)) == len(xs) and all(s.endswith("%") for s in xs)
    plt.close(fig)


def _drawn_text(ax) -> list[str]:
    ax.figure.canvas.draw()
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    for axis in (ax.xaxis, ax.yaxis):
        lo, hi = sorted(axis.get_view_interval())
        ticks = [(t.get_position(), t.get_text()) for t in axis.get_ticklabels()]
        texts += [s for (x, y), s in ticks if lo <= (x if axis is ax.xaxis else y) <= hi]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]


def _repeated_ticks(ax) -> list[str]:
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        if not hasattr(axis.get_major_formatter(), "_plan"):   # only the finance formatters' axes
            continue
        lo, hi = sorted(axis.get_view_interval())
        labels = [t.get_text() for t in axis.get_ticklabels()
                  if lo <= (t.get_position()[0] if axis is ax.xaxis else t.get_position()[1]) <= hi]
        if len(set(labels)) != len(labels):
            out += labels
    return out


def _cases(ds):
    """(name, draw) for every plot function of kamlab.plots, drawn on ds with its currency."""
    cur = ds.currency
    pnl = apa.account_pnl(ds)
    feats = sel.account_features(ds)
    scored = sel.score(feats, sel.PROFIT_AND_POTENTIAL)
    sim = rz.simulate(ds, [rz.Action(pnl["net_margin"].idxmin(), "exit")])
    dash = rz.dashboard_metrics(ds)
    sow = growth.share_of_wallet(ds)
    req, cap = al.engineering_case()
    deal = (ng.Deal().give("price", -0.03, trade="v").get("volume", 0.1, trade="v").give("payment_days", 30)
            .margin_effect(ng.DealTerms(price=10.0, unit_cost=6.0, volume=10_000, payment_days=30,
                                        cost_of_capital=0.10)))
    cases = {
        "account_pnl": lambda ax: papa.plot_account_pnl(pnl, ax=ax, currency=cur),
        "waterfall": lambda ax: papa.plot_waterfall(apa.price_waterfall(ds), ax=ax),
        "whale_curve": lambda ax: papa.plot_whale_curve(apa.whale_curve(pnl["net_margin"]), ax=ax),
        "pocket_price_band": lambda ax: papa.plot_pocket_price_band(apa.pocket_price_band(ds), ax=ax),
        "cost_to_serve_breakdown": lambda ax: papa.plot_cost_to_serve_breakdown(pnl, ax=ax, currency=cur),
        "cost_to_serve_matrix": lambda ax: papa.plot_cost_to_serve_matrix(apa.cost_to_serve_matrix(pnl), ax=ax),
        "relationship_cashflow": lambda ax: papa.plot_relationship_cashflow(
            apa.cashflow_metrics([-200, 40, 60, 80, 90, 90, 70], 0.10), ax=ax, currency=cur),
        "scores": lambda ax: psel.plot_scores(scored, weights=sel.PROFIT_AND_POTENTIAL, ax=ax),
        "ranking_comparison": lambda ax: psel.plot_ranking_comparison(
            sel.compare_rankings(feats, sel.REVENUE_ONLY, sel.PROFIT_AND_POTENTIAL, top_n=4), ax=ax),
        "portfolio_matrix": lambda ax: psel.plot_portfolio_matrix(sel.portfolio_matrix(scored), ax=ax),
        "allocations": lambda ax: pal.plot_allocations([al.allocate(req, cap, method=m)
                                                         for m in ("greedy", "optimal")], ax=ax),
        "service_tiers": lambda ax: pal.plot_service_tiers(al.service_tiers(value.risk_adjusted_score(ds)),
                                                           ax=ax, currency=cur),
        "risk_adjusted_npv": lambda ax: pal.plot_risk_adjusted_npv(
            value.risk_adjusted_npv(100, [60, 60, 60], 0.8, 0.1), ax=ax, currency=cur),
        "compensation": lambda ax: pal.plot_compensation(al.compensation_comparison(pnl), ax=ax, currency=cur),
        "breakeven": lambda ax: png.plot_breakeven(ng.breakeven_table([0.3, 0.4], np.linspace(-0.2, 0.2, 9)),
                                                   ax=ax, highlight=(-0.1, 1 / 3)),
        "escalator": lambda ax: png.plot_escalator(ng.escalator_schedule(100.0, 4, escalator=0.05,
                                                                         discount_rate=0.1), ax=ax, currency=cur),
        "sla_cost": lambda ax: png.plot_sla_cost(
            ng.sla_cost_curve([0.85, 0.95, 0.99], 5_000, demand_mean=1000, demand_sd=150, capacity_unit_cost=40),
            current=0.95, ax=ax, currency=cur),
        "share_of_wallet": lambda ax: pgr.plot_share_of_wallet(sow, ax=ax, currency=cur),
        "cross_sell": lambda ax: pgr.plot_cross_sell(growth.cross_sell_opportunities(ds), ax=ax, currency=cur),
        "price_volume_mix": lambda ax: pgr.plot_price_volume_mix(growth.period_price_volume_mix(ds), ax=ax,
                                                                 currency=cur),
        "simulation": lambda ax: prz.plot_simulation(sim, ax=ax, currency=cur),
        "stranded_costs": lambda ax: prz.plot_stranded_costs(sim, ax=ax, currency=cur),
        "margin_trend": lambda ax: prz.plot_margin_trend(dash, ax=ax),
        "violations": lambda ax: prz.plot_violations(dash.violations, ax=ax, currency=cur),
    }
    cases["give_get"] = lambda ax: png.plot_give_get(deal, ax=ax, currency=cur)
    return cases


@pytest.fixture(scope="module")
def cases(small):
    return _cases(small)


CASE_NAMES = [  # every plot_* function of kamlab.plots, keys of _cases
    "account_pnl", "waterfall", "whale_curve", "pocket_price_band", "cost_to_serve_breakdown",
    "cost_to_serve_matrix", "relationship_cashflow", "scores", "ranking_comparison", "portfolio_matrix",
    "allocations", "service_tiers", "risk_adjusted_npv", "compensation", "breakeven", "escalator", "sla_cost",
    "share_of_wallet", "cross_sell", "price_volume_mix", "simulation", "stranded_costs", "margin_trend",
    "violations", "give_get"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_plot_returns_its_axes_and_reads_as_finance(cases, name):
    style.set_style(presenter=True)
    fig, ax = style.subplots()
    assert cases[name](ax) is ax
    texts = _drawn_text(ax)
    bad = [t for t in texts if BAD_TEXT.search(t)]
    assert bad == [], bad
    assert _repeated_ticks(ax) == []
    # as the inline backend shows it (PNG, bbox_inches="tight"): >= 80% of a 1920 px screen's content
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    width = int.from_bytes(buf.getvalue()[16:20], "big")          # the PNG header's IHDR width
    assert width >= 0.8 * 1840, width
    plt.close(fig)


@pytest.mark.parametrize("name", ["account_pnl", "cost_to_serve_breakdown", "relationship_cashflow",
                                  "share_of_wallet", "stranded_costs", "violations", "escalator"])
def test_money_charts_name_the_currency(cases, small, name):
    fig, ax = plt.subplots()
    cases[name](ax)
    assert small.currency in " ".join([ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
    plt.close(fig)


def test_margin_trend_keeps_a_readable_scale_when_a_quarter_is_near_zero():
    """Online Retail: a quarter with a few returns and almost no sales has a net margin of -1,157%."""
    periods = ["2010Q4", "2011Q1", "2011Q2", "2011Q3", "2011Q4"]
    margins = pd.DataFrame([[0.12, 0.10, 0.11, 0.09, -11.566], [0.05, 0.06, 0.04, 0.05, 0.03]],
                           index=pd.Index(["12346", "12347"], name="account_id"), columns=periods)
    dash = type("D", (), {"margins": margins,
                          "trend": pd.DataFrame({"slope": [-1.0, 0.0]}, index=margins.index)})()
    fig, ax = plt.subplots()
    assert prz.plot_margin_trend(dash, ax=ax) is ax
    lo, hi = ax.get_ylim()
    assert lo > -1 and hi < 1                                 # the ordinary quarters stay readable
    texts = _drawn_text(ax)
    assert any("off the scale: 12346 in 2011Q4 -1,157%" in t for t in texts)
    assert _repeated_ticks(ax) == [] and not [t for t in texts if BAD_TEXT.search(t)]
    plt.close(fig)


@pytest.mark.parametrize("lo, hi", [(2.4125e6, 2.4275e6), (0.0, 9.7e6), (-1.2e3, 4.1e5), (3.1e6, 3.1e6 + 5)])
def test_money_ticks_on_online_retail_like_ranges(lo, hi):
    fig, ax = plt.subplots()
    ax.barh([0, 1], [lo, hi])
    ax.set_xlim(min(lo, 0) if hi - lo > 1e5 else lo, hi)
    style.money_axis(ax.xaxis, "GBP")
    fig.canvas.draw()
    assert _repeated_ticks(ax) == []
    assert not [t for t in _drawn_text(ax) if BAD_TEXT.search(t)]
    plt.close(fig)


@pytest.fixture(scope="module")
def retail(shared_data):
    """The UCI Online Retail export (541,909 lines, 4,363 customers, GBP), imported once."""
    from kamlab import importer

    columns = {"account_id": "CustomerID", "order_id": "InvoiceNo", "invoice_date": "InvoiceDate",
               "product_id": "StockCode", "quantity": "Quantity", "invoice_price": "UnitPrice",
               "product_name": "Description", "country": "Country"}
    return importer.from_order_lines(shared_data / "online_retail" / "online_retail.csv.gz", columns,
                                     currency="GBP", noise_codes="online_retail").dataset


@pytest.mark.slow
def test_every_plot_reads_sensibly_on_online_retail(retail):
    """Real data: near-zero quarters, returns, thousands of customers. Every chart keeps distinct ticks,
    finance text, a readable ratio scale, and draws in a few seconds at most."""
    import time

    style.set_style(presenter=True)
    slow, bad = {}, {}
    for name, draw in _cases(retail).items():
        fig, ax = style.subplots()
        start = time.perf_counter()
        assert draw(ax) is ax
        texts = _drawn_text(ax)
        took = time.perf_counter() - start
        if took > 15:                       # the portfolio matrix named all 4,363 accounts: 42 s
            slow[name] = round(took, 1)
        found = [t for t in texts if BAD_TEXT.search(t)] + _repeated_ticks(ax)
        if found:
            bad[name] = found
        if name in ("margin_trend", "cost_to_serve_matrix"):
            lo, hi = ax.get_ylim() if name == "margin_trend" else ax.get_xlim()
            assert -5 < lo and hi < 5, (name, lo, hi)           # ratios, not 1e15 %
        plt.close(fig)
    assert bad == {} and slow == {}
