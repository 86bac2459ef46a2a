"""The procurement role-play: determinism, the buyer's hard limits, always ending, the scorecard."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kamlab import roleplay as rp
from kamlab.data import DataError


def _play(sim, prices, **terms):
    responses = []
    for price in prices:
        responses.append(sim.offer(price=price, **terms))
        if sim.done:
            break
    return responses


def test_deterministic_per_seed():
    a = _play(rp.BuyerSimulator("price_only_procurement", seed=4), [99, 96, 93, 91, 89, 87])
    b = _play(rp.BuyerSimulator("price_only_procurement", seed=4), [99, 96, 93, 91, 89, 87])
    assert a == b
    other = [_play(rp.BuyerSimulator("price_only_procurement", seed=s), [99, 96, 93]) for s in range(6)]
    assert len({tuple(r.counter.price for r in o) for o in other}) > 1  # the seed matters


def test_response_is_frozen_and_has_one_sentence():
    r = rp.BuyerSimulator("partnership_buyer", seed=0).offer(price=99.0)
    assert r.kind == "counter" and isinstance(r.counter, rp.Offer)
    assert r.reason.endswith(".") and r.reason.count(". ") == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.kind = "accept"
    assert r.counter.price <= 99.0  # a buyer never counters above what you asked


def test_never_above_reservation_even_on_the_last_round():
    prof = dataclasses.replace(rp.profile("price_only_procurement"), patience=3)
    sim = rp.BuyerSimulator(prof, seed=1)
    rs = _play(sim, [prof.reservation_price + 0.01] * 5, payment_days=prof.target_payment_days)
    assert [r.kind for r in rs] == ["counter", "counter", "walk_away"]
    sim = rp.BuyerSimulator(prof, seed=1)
    rs = _play(sim, [prof.reservation_price] * 5, payment_days=prof.target_payment_days)
    assert rs[-1].kind == "accept" and len(rs) <= prof.patience


def test_big_box_needs_its_sla():
    prof = rp.profile("big_box_retailer")
    sim = rp.BuyerSimulator(prof, seed=2)
    rs = _play(sim, [60.0] * prof.patience, payment_days=90, years=2)
    assert rs[-1].kind == "walk_away"  # a give-away price, but no SLA
    assert "service-level" in rs[0].reason and rs[0].counter.sla
    sim = rp.BuyerSimulator(prof, seed=2)
    assert sim.offer(price=60.0, payment_days=90, years=2, sla=True).kind == "accept"


def test_trainer_sets_hidden_values():
    prof = dataclasses.replace(rp.profile("partnership_buyer"), reservation_price=120.0, opening_price=119.0)
    sim = rp.BuyerSimulator(prof, seed=0)
    assert sim.offer(price=110.0, payment_days=45, years=3, sla=True).kind == "accept"
    with pytest.raises(DataError):
        dataclasses.replace(prof, opening_price=130.0)


@pytest.mark.parametrize("bad", [dict(price=-5.0), dict(price=0.0), dict(price=90, payment_days=400),
                                 dict(price=90, years=0), dict(price=90, escalator=3.0),
                                 dict(price=float("nan")), dict(price="ninety"), dict(price=90, sla="yes"),
                                 dict(price=90, volume=-1)])
def test_nonsense_offers_raise_data_error(bad):
    sim = rp.BuyerSimulator("price_only_procurement", seed=0)
    with pytest.raises(DataError):
        sim.offer(**bad)
    assert sim.round == 0 and sim.offer(price=95.0).kind == "counter"  # a bad offer costs no round


def test_offers_after_the_end_are_refused():
    sim = rp.BuyerSimulator("partnership_buyer", seed=0)
    sim.offer(price=50.0, payment_days=45, years=3, sla=True)
    assert sim.done and sim.outcome == "deal"
    with pytest.raises(DataError, match="over"):
        sim.offer(price=90.0)


def test_property_random_games_never_crash_never_exceed_reservation_always_end():
    rng = np.random.default_rng(2024)
    games, outcomes = 2000, {}
    for g in range(games):
        prof = rp.random_profile(int(rng.integers(1_000_000))) if g % 2 else rp.profile(
            list(rp.PROFILES)[g % len(rp.PROFILES)])
        sim = rp.BuyerSimulator(prof, seed=g)
        for _ in range(prof.patience + 2):
            offer = dict(price=float(rng.uniform(-10, 150)), payment_days=int(rng.integers(-10, 400)),
                         volume=float(rng.choice([0, 1000, prof.volume_on_offer, 10 * prof.volume_on_offer])),
                         years=int(rng.integers(0, 12)), escalator=float(rng.uniform(-0.3, 0.3)),
                         sla=bool(rng.random() < 0.5))
            if rng.random() < 0.5:  # half the offers are sensible ones
                offer.update(price=float(rng.uniform(55, 110)), payment_days=int(rng.integers(0, 121)),
                             years=int(rng.integers(1, 6)), escalator=float(rng.uniform(-0.05, 0.08)))
            try:
                r = sim.offer(**offer)
            except DataError:
                continue
            assert r.kind in {"accept", "counter", "walk_away"} and r.reason
            if r.kind == "accept":
                assert offer["price"] <= prof.reservation_price
                assert sim.deal.price <= prof.reservation_price
            if r.kind == "counter":
                assert r.counter.price <= prof.reservation_price and r.counter.price <= offer["price"]
            if sim.done:
                break
        assert sim.round <= prof.patience
        if sim.round == prof.patience:
            assert sim.done  # the buyer's last round always decides
        card = sim.scorecard()
        assert 0.0 <= card.relationship_health <= 1.0
        outcomes[card.outcome] = outcomes.get(card.outcome, 0) + 1
    assert outcomes.get("deal", 0) > 100 and outcomes.get("no deal", 0) > 100, outcomes


def test_scorecard_zopa_share_and_trades():
    prof = rp.profile("partnership_buyer")
    sim = rp.BuyerSimulator(prof, seed=3)
    sim.offer(price=99.0, payment_days=30, years=1)
    sim.offer(price=97.0, payment_days=45, years=3, sla=True)   # two concessions traded for a 3-year contract
    sim.offer(price=96.0)                                        # a concession given away
    for price in (94, 93, 92, 91, 90):
        if sim.done:
            break
        sim.offer(price=price)
    card = sim.scorecard()
    assert card.concessions_traded == 3  # price, payment days and SLA, for the longer contract
    assert card.concessions_given_away >= 1
    if card.outcome == "deal":
        expected = (sim.net_price(card.deal) - prof.supplier_walk_away) / (prof.reservation_price
                                                                           - prof.supplier_walk_away)
        assert card.margin_captured == pytest.approx(expected)
        assert 0 < card.margin_captured <= 1
    assert "margin captured" in card.to_html(reveal=True)
    assert "captured" not in card._repr_html_() and f"{prof.reservation_price:,.2f}" not in card._repr_html_()
    assert list(sim.history.columns)[:2] == ["round", "price"] and len(sim.history) == card.rounds


def test_net_price_accounts_for_terms():
    sim = rp.BuyerSimulator("price_only_procurement", seed=0)
    base = rp.Offer(price=80.0, payment_days=30)
    longer = rp.Offer(price=80.0, payment_days=60)
    assert sim.net_price(longer) == pytest.approx(80 * (1 - 0.10 * 30 / 365))
    assert sim.net_price(base) == 80.0
    assert sim.net_price(rp.Offer(price=80.0, sla=True)) == 78.0


def test_profiles_and_random_profile():
    assert {"price_only_procurement", "partnership_buyer", "big_box_retailer"} <= set(rp.PROFILES)
    assert rp.random_profile(5) != rp.random_profile(6)
    with pytest.raises(DataError, match="unknown buyer profile"):
        rp.profile("nice_buyer")
    with pytest.raises(DataError):
        rp.BuyerSimulator("nice_buyer")


# -- hidden limits stay hidden until the debrief -------------------------------------------------------
def _page_text(widget) -> str:
    """Everything a participant's browser receives from a panel: widget values, labels, output texts."""
    import ipywidgets as W

    parts = [str(getattr(widget, "value", "")), str(getattr(widget, "description", "")),
             str(getattr(widget, "options", ""))]
    if isinstance(widget, W.Output):
        for out in widget.outputs:
            parts += [str(v) for k, v in out.get("data", {}).items() if not k.startswith("image/")]
            parts.append(str(out.get("text", "")))
    if isinstance(widget, W.Box):
        parts += [_page_text(c) for c in widget.children]
    return "\n".join(parts)


def _limits(prof) -> list[str]:
    res = prof.reservation_price
    return [f"{res:,.2f}", f"{res:.1f}", "ZOPA", "zone of possible", "reservation"]


@pytest.mark.parametrize("name", ["price_only_procurement", "partnership_buyer", "big_box_retailer",
                                  "cash_strapped_distributor"])
def test_page_never_shows_the_hidden_limits_before_the_debrief(name, monkeypatch):
    from kamlab.widgets import negotiation as wn

    monkeypatch.setenv("QUERY_STRING", "")
    prof = rp.profile(name)
    p = wn.roleplay_panel(profile=name, seed=5)
    page = [_page_text(p), _page_text(p.debrief)]
    prices = [99.5, 97.5, 95.5, 93.5, 91.5, 89.5, 87.5, 85.5, 83.5]
    for price in prices:
        p.controls["price"].value = price
        p.controls["sla"].value = prof.sla_required
        p.button.click()
        page += [_page_text(p), _page_text(p.debrief)]
        if p.sim.done:
            break
    assert p.sim.done
    text = "\n".join(page)
    for secret in _limits(prof):
        assert secret not in text, secret
    assert "nan" not in text.replace("financ", "")
    assert p.debrief_button.layout.display == "none"  # a participant has no debrief button
    assert p.reveal()  # the trainer's debrief (a notebook, or ?trainer=1) shows them after the game
    assert f"{prof.reservation_price:,.2f}" in _page_text(p.debrief)


def test_trainer_debrief_only_after_the_game(monkeypatch):
    from kamlab.widgets import negotiation as wn

    monkeypatch.setenv("QUERY_STRING", "trainer=1")
    p = wn.roleplay_panel(profile="partnership_buyer", seed=0)
    p.controls["price"].value = 99.0
    p.button.click()
    assert not p.reveal() and p.debrief_button.layout.display == "none"
    assert "94.00" not in _page_text(p.debrief)
    p.controls["price"].value = 60.0
    p.controls.update()
    p.controls["years"].value, p.controls["sla"].value, p.controls["payment_days"].value = 3, True, 45
    p.button.click()
    assert p.sim.done and p.debrief_button.layout.display == "flex"
    p.debrief_button.click()
    assert "94.00" in p.debrief_html.value and "no deal, so no net price" not in p.debrief_html.value


# -- only real trades count ----------------------------------------------------------------------------
def test_an_ask_the_buyer_cannot_commit_to_is_no_trade():
    prof = rp.profile("price_only_procurement")  # can commit at most 20,000 units a year
    sim = rp.BuyerSimulator(prof, seed=1)
    sim.offer(price=99.0)
    r = sim.offer(price=97.0, volume=30_000)  # gives price, asks volume the buyer says it cannot commit
    assert "cannot commit" in r.reason
    card = sim.scorecard()
    assert (card.concessions_traded, card.concessions_given_away) == (0, 1)
    sim.offer(price=95.0, years=2)  # gives price, gets a 2-year contract: a real trade
    card = sim.scorecard()
    assert (card.concessions_traded, card.concessions_given_away) == (1, 1)


def test_dropping_a_must_have_sla_is_no_get_and_two_gives_for_one_real_get_are_two_trades():
    big = rp.BuyerSimulator("big_box_retailer", seed=0)
    big.offer(price=99.0, sla=True)
    big.offer(price=98.0, sla=False)
    assert (big.scorecard().concessions_traded, big.scorecard().concessions_given_away) == (0, 1)
    partner = rp.BuyerSimulator("partnership_buyer", seed=0)
    partner.offer(price=99.0, payment_days=30, years=1)
    partner.offer(price=98.0, payment_days=45, years=2)
    assert (partner.scorecard().concessions_traded, partner.scorecard().concessions_given_away) == (2, 0)


def test_summary_words_match_the_share():
    assert "most" not in rp.zopa_wording(0.55) and "more than half" in rp.zopa_wording(0.55)
    assert "most of it" in rp.zopa_wording(0.8)
    assert "buyer kept most" in rp.zopa_wording(0.3)
    assert "below your walk-away" in rp.zopa_wording(-0.1)


def test_no_deal_scorecard_has_no_nan():
    prof = dataclasses.replace(rp.profile("price_only_procurement"), patience=2)
    sim = rp.BuyerSimulator(prof, seed=0)
    sim.offer(price=99.0)
    sim.offer(price=99.0)
    card = sim.scorecard()
    assert card.outcome == "no deal"
    for page in (card.to_html(), card.to_html(reveal=True)):
        assert "nan" not in page and "no deal, so no net price" in page


# -- a buyer worth playing -----------------------------------------------------------------------------
def test_the_buyer_varies_its_lines_and_warns_before_its_patience_runs_out():
    for name in rp.PROFILES:
        prof = rp.profile(name)
        sim = rp.BuyerSimulator(prof, seed=2)
        rs = _play(sim, [130.0] * prof.patience, payment_days=prof.target_payment_days, sla=True,
                   years=prof.preferred_years)
        counters = [r for r in rs if r.kind == "counter"]
        reasons = [r.reason for r in counters]
        assert len(set(reasons)) >= min(len(reasons), 3), (name, reasons)  # no line five times over
        assert all(a != b for a, b in zip(reasons, reasons[1:]))
        assert [bool(r.warning) for r in counters] == [i == prof.patience - 2 for i in range(len(counters))]
        assert rs[-1].kind == "walk_away"
    first = {name: rp.BuyerSimulator(name, seed=0).offer(price=130.0).reason for name in rp.PROFILES}
    assert len(set(first.values())) >= 3  # each profile speaks its own way


def test_counter_offers_follow_the_profile_and_the_state():
    days = {name: rp.BuyerSimulator(name, seed=0).offer(price=99.0, payment_days=30, years=1).counter
            for name in rp.PROFILES}
    assert len({(c.payment_days, c.years) for c in days.values()}) >= 3
    assert days["partnership_buyer"].years == 3 and days["price_only_procurement"].years == 1
    # a buyer for whom payment terms are not the top priority meets you part of the way late in the game
    prof = rp.profile("partnership_buyer")
    sim = rp.BuyerSimulator(prof, seed=0)
    early = sim.offer(price=99.0, payment_days=30, years=3, sla=True).counter
    for _ in range(prof.patience - 3):
        late = sim.offer(price=99.0, payment_days=30, years=3, sla=True).counter
    assert early.payment_days == prof.target_payment_days and late.payment_days < early.payment_days
