"""The procurement role-play: negotiate price and payment terms with a simulated key-account buyer.

You are the SUPPLIER. You want a HIGH price, SHORT payment terms, a LARGE volume commitment, a LONG
contract, a POSITIVE escalator and no SLA you have not priced. The buyer wants the opposite. The buyer has
hidden values (a `BuyerProfile`): its reservation price -- the HIGHEST price per unit it will ever pay --
its target payment days, the volume it has on offer, its BATNA, what it cares about and its patience.

The zone of possible agreement (ZOPA) runs from YOUR walk-away price (`supplier_walk_away`, the lowest
price you should take) up to the BUYER's reservation price. The buyer never accepts a price above its
reservation price; every game ends within the buyer's patience (accept or walk away). Pure Python and
numpy; deterministic per seed.

    >>> sim = BuyerSimulator("price_only_procurement", seed=1)
    >>> sim.offer(price=99.0).kind
    'counter'
"""
from __future__ import annotations

import html
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.data import DataError

__all__ = ["Offer", "Response", "BuyerProfile", "PROFILES", "profile", "random_profile", "BuyerSimulator",
           "Scorecard", "supplier_moves", "zopa_wording", "buyer_style"]

RESERVE = 0.015  # the share of its maximum price a buyer keeps back in its counter-offers
LIMITS = {"price": (0.0, 1e9), "payment_days": (0, 365), "volume": (0.0, 1e12), "years": (1, 10),
          "escalator": (-0.2, 0.2)}


@dataclass(frozen=True)
class Offer:
    """Terms on the table. price: money per unit; payment_days: days the buyer has to pay; volume: units
    per year the buyer commits to (0 = no commitment); years: contract length; escalator: yearly price
    rise (fraction); sla: whether the supplier commits to the buyer's service-level agreement."""

    price: float
    payment_days: int = 30
    volume: float = 0.0
    years: int = 1
    escalator: float = 0.0
    sla: bool = False

    def describe(self) -> str:
        """One line a person reads."""
        return (f"price {fmt.money(self.price, decimals=2)}, {self.payment_days} days, volume "
                f"{fmt.number(self.volume)}, {self.years} yr, escalator {fmt.percent(self.escalator, signed=True)}, "
                f"SLA {'yes' if self.sla else 'no'}")


@dataclass(frozen=True)
class Response:
    """The buyer's answer: kind "accept", "counter" (with a counter Offer) or "walk_away", and why."""

    kind: str
    counter: Offer | None
    reason: str
    warning: str = ""

    def _repr_html_(self) -> str:
        extra = f"<br>Counter-offer: {html.escape(self.counter.describe())}" if self.counter else ""
        warn = (f"<br><b style='color:#e65100'>{html.escape(self.warning)}</b>" if self.warning else "")
        return f"<p><b>{self.kind.replace('_', ' ')}</b>: {html.escape(self.reason)}{extra}{warn}</p>"


@dataclass(frozen=True)
class BuyerProfile:
    """The buyer's hidden values (a trainer sets them with `dataclasses.replace`).

    reservation_price : the HIGHEST price per unit this buyer will pay, with its target terms met (the top
        of the ZOPA). Missing terms it values lower the price it will pay; nothing raises it above this.
    opening_price : the price the buyer anchors on in its first counter-offers (below reservation).
    target_payment_days : payment terms the buyer wants; fewer days cost it `days_value` per unit per 30 days.
    volume_on_offer : units per year the buyer can commit; it never commits more.
    batna : the buyer's best alternative, in words (its reservation price reflects it).
    sla_required : the buyer will not sign without your SLA; sla_value: what an SLA is worth to it per unit.
    preferred_years, years_value : contract length it wants, and the price per unit per year away from it.
    escalator_aversion : how strongly it discounts an escalator (1 = at its average cost over the contract).
    commitment_value : price per unit it deducts for committing its whole volume on offer.
    patience : rounds before it must decide; toughness: > 1 concedes late (boulware), < 1 early.
    trust : starting relationship health 0..1.
    supplier_walk_away, unit_cost, list_price, standard_payment_days, sla_cost_per_unit, cost_of_capital:
        the SUPPLIER's side (known to the participant): lowest acceptable price, variable cost, list price,
        standard terms, what an SLA costs per unit and the cost of capital for longer terms.
    """

    name: str
    reservation_price: float
    opening_price: float
    target_payment_days: int
    volume_on_offer: float
    batna: str
    sla_required: bool = False
    sla_value: float = 0.0
    preferred_years: int = 1
    years_value: float = 0.0
    escalator_aversion: float = 1.0
    commitment_value: float = 0.0
    days_value: float = 0.5
    patience: int = 6
    toughness: float = 1.5
    trust: float = 0.6
    description: str = ""
    supplier_walk_away: float = 70.0
    unit_cost: float = 60.0
    list_price: float = 100.0
    standard_payment_days: int = 30
    sla_cost_per_unit: float = 2.0
    cost_of_capital: float = 0.10

    def __post_init__(self):
        if not 0 < self.opening_price <= self.reservation_price:
            raise DataError("opening_price must be > 0 and not above reservation_price (the buyer's maximum)")
        if self.patience < 1 or self.volume_on_offer <= 0:
            raise DataError("patience must be >= 1 round and volume_on_offer > 0")
        if not 0 <= self.trust <= 1 or self.toughness <= 0:
            raise DataError("trust must be in 0..1 and toughness > 0")

    @property
    def priorities(self) -> tuple[str, ...]:
        """The terms this buyer cares about, most first (by their values in this profile; a must-have SLA first).

        Examples
        --------
        >>> profile("big_box_retailer").priorities[0]
        'sla'
        """
        worth = {"sla": np.inf if self.sla_required else self.sla_value, "payment_days": self.days_value,
                 "years": self.years_value, "escalator": self.escalator_aversion,
                 "volume": self.commitment_value}
        return tuple(sorted((k for k, v in worth.items() if v > 0), key=lambda k: -worth[k]))

    @property
    def zopa(self) -> tuple[float, float]:
        """(supplier walk-away price, buyer reservation price); empty when the first is above the second."""
        return (self.supplier_walk_away, self.reservation_price)


_SUPPLIER = dict(supplier_walk_away=70.0, unit_cost=60.0, list_price=100.0)

PROFILES: dict[str, BuyerProfile] = {
    "price_only_procurement": BuyerProfile(
        name="price_only_procurement", reservation_price=88.0, opening_price=74.0, target_payment_days=60,
        volume_on_offer=20_000, batna="a second-source quote at about 86 per unit", preferred_years=1,
        years_value=0.5, escalator_aversion=1.5, commitment_value=2.0, days_value=0.8, patience=5,
        toughness=2.5, trust=0.5,
        description="A procurement department measured on price savings; it concedes late and little.",
        **_SUPPLIER),
    "partnership_buyer": BuyerProfile(
        name="partnership_buyer", reservation_price=94.0, opening_price=82.0, target_payment_days=45,
        volume_on_offer=15_000, batna="re-qualifying a competitor (a year of work)",
        sla_value=3.0, preferred_years=3, years_value=1.5, escalator_aversion=0.6, commitment_value=0.0,
        days_value=0.4, patience=8, toughness=0.8, trust=0.75,
        description="A buyer who wants a long-term partner, values an SLA and a multi-year contract.",
        **_SUPPLIER),
    "big_box_retailer": BuyerProfile(
        name="big_box_retailer", reservation_price=84.0, opening_price=70.0, target_payment_days=90,
        volume_on_offer=40_000, batna="our private label made by a contract manufacturer",
        sla_required=True, sla_value=4.0, preferred_years=2, years_value=0.8, escalator_aversion=2.0,
        commitment_value=1.0, days_value=1.2, patience=6, toughness=2.0, trust=0.45,
        description="A big-box retailer demanding price cuts, 90-day terms and a delivery SLA with penalties.",
        **_SUPPLIER),
    "cash_strapped_distributor": BuyerProfile(
        name="cash_strapped_distributor", reservation_price=92.0, opening_price=80.0, target_payment_days=75,
        volume_on_offer=8_000, batna="a smaller local supplier with 60-day terms", preferred_years=1,
        years_value=0.3, escalator_aversion=1.0, commitment_value=0.5, days_value=2.5, patience=6,
        toughness=1.2, trust=0.6,
        description="A distributor short of cash: payment terms matter more to it than the last euro.",
        **_SUPPLIER),
}


def profile(name: str) -> BuyerProfile:
    """A named preset (see PROFILES).

    Examples
    --------
    >>> profile("big_box_retailer").sla_required
    True
    """
    if name not in PROFILES:
        raise DataError(f"unknown buyer profile {name!r}; choose one of {', '.join(PROFILES)} or random_profile(seed)")
    return PROFILES[name]


def random_profile(seed: int) -> BuyerProfile:
    """A buyer with random hidden values, the same for the same seed.

    Examples
    --------
    >>> random_profile(3) == random_profile(3)
    True
    """
    rng = np.random.default_rng(seed)
    reservation = round(float(rng.uniform(78, 96)), 2)
    return BuyerProfile(
        name=f"random_{seed}", reservation_price=reservation,
        opening_price=round(reservation * float(rng.uniform(0.80, 0.92)), 2),
        target_payment_days=int(rng.choice([30, 45, 60, 75, 90])),
        volume_on_offer=float(rng.choice([5_000, 10_000, 20_000, 40_000])),
        batna="our alternative supplier",
        sla_required=bool(rng.random() < 0.3), sla_value=round(float(rng.uniform(0, 4)), 2),
        preferred_years=int(rng.integers(1, 4)), years_value=round(float(rng.uniform(0, 1.5)), 2),
        escalator_aversion=round(float(rng.uniform(0.5, 2.0)), 2),
        commitment_value=round(float(rng.uniform(0, 2)), 2), days_value=round(float(rng.uniform(0.2, 2.5)), 2),
        patience=int(rng.integers(3, 9)), toughness=round(float(rng.uniform(0.7, 2.5)), 2),
        trust=round(float(rng.uniform(0.4, 0.8)), 2), description="A buyer you have not met before.",
        **_SUPPLIER)


def _validate(offer: Offer) -> Offer:
    values = {}
    for name, (lo, hi) in LIMITS.items():
        v = getattr(offer, name)
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
            raise DataError(f"{name} must be a number, got {v!r}")
        if not lo <= v <= hi:
            raise DataError(f"{name} must be between {lo:g} and {hi:g}, got {v:g}"
                            + (" (fractions: 0.03 for 3%)" if name == "escalator" else ""))
        values[name] = v
    if values["price"] <= 0:
        raise DataError(f"price must be > 0, got {values['price']:g}")
    if not isinstance(offer.sla, (bool, np.bool_)):
        raise DataError(f"sla must be True or False, got {offer.sla!r}")
    return Offer(price=float(values["price"]), payment_days=int(round(values["payment_days"])),
                 volume=float(values["volume"]), years=int(round(values["years"])),
                 escalator=float(values["escalator"]), sla=bool(offer.sla))


# What a move is from the SUPPLIER's side: +1 means that dimension moved in our favour (a get).
_SUPPLIER_DIRECTION = {"price": +1, "payment_days": -1, "volume": +1, "years": +1, "escalator": +1, "sla": -1}
_TERM_WORDS = {"price": "price", "payment_days": "payment terms", "volume": "volume commitment",
               "years": "contract length", "escalator": "escalator", "sla": "SLA"}


def supplier_moves(previous: Offer, current: Offer) -> tuple[list[str], list[str]]:
    """(concessions, gets) of the supplier between two of its offers, by term name."""
    gives, gets = [], []
    for term, sign in _SUPPLIER_DIRECTION.items():
        delta = float(getattr(current, term)) - float(getattr(previous, term))
        if abs(delta) > 1e-9:
            (gets if delta * sign > 0 else gives).append(term)
    return gives, gets


@dataclass(frozen=True)
class Scorecard:
    """How the supplier did. margin_captured: (net price - walk-away) / (reservation - walk-away), the share
    of the ZOPA the supplier kept (below 0: a deal under your walk-away; NaN without a deal); net_price: the
    deal price less what its payment days beyond standard, its SLA and (plus) its escalator are worth per
    unit (NaN without a deal). `notes` are safe to show during the game; `debrief` notes name the buyer's
    hidden limits and belong to the debrief (`to_html(reveal=True)`)."""

    outcome: str
    rounds: int
    deal: Offer | None
    net_price: float
    zopa: tuple[float, float]
    margin_captured: float
    concessions_traded: int
    concessions_given_away: int
    relationship_health: float
    notes: tuple[str, ...]
    debrief: tuple[str, ...] = ()

    def to_html(self, *, reveal: bool = False) -> str:
        """The scorecard; the ZOPA, the share captured and the debrief notes only with `reveal` (after the game)."""
        deal = html.escape(self.deal.describe()) if self.deal else "no deal"
        net = f"net price {fmt.money(self.net_price, decimals=2)}" if self.deal else "no deal, so no net price"
        lines = [f"<b>Outcome: {self.outcome}</b> after {self.rounds} round(s) ({deal})",
                 f"Concessions traded: <b>{self.concessions_traded}</b> · given away: "
                 f"<b>{self.concessions_given_away}</b> · relationship health "
                 f"{fmt.percent(self.relationship_health, digits=0)}"
                 + (f" · {net}" if self.outcome != "in progress" else "")]
        notes = list(self.notes)
        if reveal:
            cap = ("no deal, nothing captured" if np.isnan(self.margin_captured)
                   else f"margin captured: <b>{fmt.percent(self.margin_captured, digits=0)}</b> of it")
            lines.append(f"Debrief: the ZOPA was {fmt.money(self.zopa[0], decimals=2)} (your walk-away) to "
                         f"{fmt.money(self.zopa[1], decimals=2)} (the buyer's maximum); {cap}")
            notes = list(self.debrief) + notes
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        return f"<div class='kamlab-scorecard'>{'<br>'.join(lines)}<ul>{items}</ul></div>"

    def _repr_html_(self) -> str:
        return self.to_html(reveal=False)


def zopa_wording(captured: float) -> str:
    """What a share of the ZOPA means, in words that match the number.

    Examples
    --------
    >>> zopa_wording(0.55)
    'You kept 55% of the zone of agreement: a little more than half.'
    >>> zopa_wording(0.8)
    'You kept 80% of the zone of agreement: most of it.'
    """
    if captured < 0:
        return "The deal is below your walk-away price: you would have done better without it."
    pct = fmt.percent(captured, digits=0)
    if captured < 0.4:
        return f"You kept {pct} of the zone of agreement; the buyer kept most of it: open higher and concede more slowly."
    if captured < 0.5:
        return f"You kept {pct} of the zone of agreement: a little less than half."
    if captured < 0.6:
        return f"You kept {pct} of the zone of agreement: a little more than half."
    if captured < 0.75:
        return f"You kept {pct} of the zone of agreement: clearly more than half."
    return f"You kept {pct} of the zone of agreement: most of it."


def buyer_style(p: BuyerProfile) -> str:
    """How a buyer talks, from its hidden values: "demanding" (must have an SLA), "cash" (payment terms
    matter most), "partner" (trusting), "price" (a tough procurement department), else "neutral".

    Examples
    --------
    >>> [buyer_style(profile(n)) for n in PROFILES]
    ['price', 'partner', 'demanding', 'cash']
    """
    if p.sla_required:
        return "demanding"
    if p.days_value >= 2.0:
        return "cash"
    if p.trust >= 0.7:
        return "partner"
    return "price" if p.toughness >= 2.0 else "neutral"


# The buyer's lines: by style, then by situation ("far": the price is well above its budget, "close").
_PRICE_LINES = {
    "price": {
        "far": ["At {price} we would rather look at {batna}.",
                "That price is far from the market; you will have to do much better.",
                "My savings target does not survive a price like {price}.",
                "Your price is well above what we can justify to our management."],
        "close": ["We are getting closer, but the price still has to come down.",
                  "Sharpen your pencil on price and we can talk.",
                  "Another step on price and I can take this to my category manager.",
                  "Your price is still above our budget for this category."]},
    "partner": {
        "far": ["We want to work with you, but {price} is hard to defend internally.",
                "For a long-term partner that price is steep; help us get there.",
                "At {price} my colleagues will ask why we do not look at {batna}."],
        "close": ["We are close; a little more on price and we have a partnership.",
                  "This is nearly right; can you meet us a bit on price?",
                  "We like where this is going, and price is the last gap."]},
    "demanding": {
        "far": ["At {price} our shelf price does not work; you know our volumes.",
                "That is not a price for a partner of our size; we expect much better.",
                "We can have {batna} for far less than {price}."],
        "close": ["Closer, but our buyers need a sharper price to list you.",
                  "Take another bite out of the price and we move forward.",
                  "We are not there yet on price; our margin targets are firm."]},
    "cash": {
        "far": ["At {price} we simply cannot make the numbers work.",
                "That price is out of reach for us; {batna} looks better.",
                "We are tight on cash, and {price} is too much."],
        "close": ["We are closer; a bit more on price, or on payment terms, would do it.",
                  "If the price moves a little, we can close this.",
                  "Almost there: the price or the terms have to give a little."]},
    "neutral": {
        "far": ["Your price is well above what we can justify to our management.",
                "That price is far from the market; you will have to do much better.",
                "At {price} we would rather look at {batna}."],
        "close": ["We are getting closer, but the price still has to come down.",
                  "Your price is still above our budget for this category.",
                  "Sharpen your pencil on price and we can talk."]},
}
_LATE_LINES = ["We are nearly there; one more step on price closes it.",
               "Let us finish this: meet us on price and we sign.",
               "We have moved a long way; now it is your turn on price."]
_TENSE_LINES = ["Frankly, this is taking too long and our patience is thinning.",
                "We are losing confidence that we can agree.",
                "You are not moving, and that does not help the relationship."]
_TERM_LINES = {
    "sla": ["We cannot sign without a service-level agreement on delivery.",
            "A delivery service-level agreement is a must for us; without it there is no deal.",
            "No service-level agreement, no contract: our stores cannot run out."],
    "sla_soft": ["We would value a service-level agreement on delivery.",
                 "Put a delivery SLA on the table and the price looks different."],
    "volume": ["We cannot commit to more than {volume} units a year.",
               "{volume} units a year is the most we can promise; we cannot commit to more."],
    "payment_days": ["Our standard is {days}-day payment terms, and yours are shorter.",
                     "We pay at {days} days; shorter terms are a problem for us.",
                     "Cash is tight: we need {days} days to pay."],
    "escalator": ["A yearly price escalator is a problem for our budget.",
                  "We cannot budget a price that rises every year.",
                  "Drop the escalator and we can talk about the rest."],
    "years": ["We want a {years}-year contract, not {offered}.",
              "A {years}-year term suits us better than {offered}."],
}
_WARNINGS = ["We need to close this in the next round, or we go with {batna}.",
             "One more round: after that we take {batna}."]


class BuyerSimulator:
    """A simulated key-account buyer. Make offers with `offer(...)`; read `history`; `scorecard()` at the end.

    The buyer values your offer's terms (`limit`): its reservation price, less what it loses on payment
    days shorter than its target, a missing SLA, an escalator, a contract length it does not want and a
    volume commitment. Its current aspiration (`ask`) starts near its opening price and rises towards
    that limit as rounds pass (late for a tough buyer). It accepts a price at or below its aspiration;
    in its last round (patience) it accepts anything at or below its limit and otherwise walks away.
    A price at or above 125% of its reservation price, or a supplier who does not move, hurts the
    relationship; at health below 0.15 it walks away early.

    Examples
    --------
    >>> sim = BuyerSimulator("partnership_buyer", seed=7)
    >>> r = sim.offer(price=90.0, payment_days=45, years=3, sla=True)
    >>> r.kind in {"accept", "counter", "walk_away"}, sim.done in (True, False)
    (True, True)
    """

    def __init__(self, profile: BuyerProfile | str = "price_only_procurement", *, seed: int = 0):
        self.profile = PROFILES.get(profile) if isinstance(profile, str) else profile
        if not isinstance(self.profile, BuyerProfile):
            raise DataError(f"unknown buyer profile {profile!r}; choose one of {', '.join(PROFILES)}")
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._noise = self._rng.uniform(-0.03, 0.03, size=self.profile.patience + 1)
        self.round = 0
        self.health = float(self.profile.trust)
        self.outcome: str | None = None
        self.deal: Offer | None = None
        self._log: list[dict] = []
        self._offers: list[Offer] = []
        self._said: list[str] = []

    # ---- the buyer's valuation (hidden) -------------------------------------------------------------
    def limit(self, offer: Offer) -> float:
        """The highest price the buyer would pay with these terms (never above reservation_price)."""
        p = self.profile
        if offer.volume > p.volume_on_offer or (p.sla_required and not offer.sla):
            return -np.inf
        penalty = p.days_value * max(0, p.target_payment_days - offer.payment_days) / 30
        penalty += 0.0 if offer.sla else p.sla_value
        penalty += p.reservation_price * offer.escalator * (offer.years - 1) / 2 * p.escalator_aversion
        penalty += p.years_value * abs(offer.years - p.preferred_years)
        penalty += p.commitment_value * offer.volume / p.volume_on_offer
        return min(p.reservation_price, p.reservation_price - penalty)

    def _progress(self) -> float:
        p = self.profile
        base = (self.round / p.patience) ** p.toughness
        return float(np.clip(base + self._noise[min(self.round, p.patience)], 0.0, 1.0))

    def ask(self, offer: Offer) -> float:
        """The buyer's current aspiration for these terms: its opening gap closes towards `limit`."""
        p = self.profile
        gap = (p.reservation_price - p.opening_price) * (1 - self._progress())
        return self.limit(offer) - gap

    # ---- playing -----------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """True once the buyer has accepted or walked away."""
        return self.outcome is not None

    def offer(self, price=None, payment_days=None, volume=None, years=None, escalator=None, sla=None,
              *, offer: Offer | None = None) -> Response:
        """Make an offer (keywords, or a ready `Offer`); unspecified terms keep your last offer's values.

        Raises DataError for nonsense (a negative price, 400 payment days, ...) or after the game ended.
        """
        if self.done:
            raise DataError(f"the negotiation is over ({self.outcome}); start a new BuyerSimulator to play again")
        last = self._offers[-1] if self._offers else Offer(price=self.profile.list_price,
                                                           payment_days=self.profile.standard_payment_days)
        if offer is None:
            if price is None and not self._offers:
                raise DataError("your first offer needs a price")
            given = dict(price=price, payment_days=payment_days, volume=volume, years=years,
                         escalator=escalator, sla=sla)
            offer = replace(last, **{k: v for k, v in given.items() if v is not None})
        offer = _validate(offer)
        self.round += 1
        response = self._respond(offer)
        self._offers.append(offer)
        self._log.append({"round": self.round, "price": offer.price, "payment_days": offer.payment_days,
                          "volume": offer.volume, "years": offer.years, "escalator": offer.escalator,
                          "sla": offer.sla, "response": response.kind,
                          "counter_price": response.counter.price if response.counter else np.nan,
                          "counter_payment_days": response.counter.payment_days if response.counter else np.nan,
                          "reason": response.reason, "warning": response.warning, "health": self.health})
        return response

    def _respond(self, offer: Offer) -> Response:
        p = self.profile
        self._update_health(offer)
        limit, ask = self.limit(offer), self.ask(offer)
        last_round = self.round >= p.patience
        if self.health < 0.15:
            return self._end("walk_away", None, "This negotiation has cost us too much goodwill; we are going with "
                             f"{p.batna}.")
        if np.isfinite(limit) and offer.price <= ask:
            return self._end("accept", offer, f"{fmt.money(offer.price, decimals=2)} with these terms works for us; "
                             "we have a deal.")
        if last_round:
            if np.isfinite(limit) and offer.price <= limit:
                return self._end("accept", offer, "We are out of time and this is within our budget, so we accept.")
            return self._end("walk_away", None, f"We are out of time and your offer does not beat {p.batna}.")
        counter = self._counter(offer)
        warning = ""
        if self.round == p.patience - 1:
            warning = self._say(_WARNINGS, batna=p.batna)
        return Response("counter", counter, self._reason(offer), warning)

    def _end(self, kind: str, deal: Offer | None, reason: str) -> Response:
        self.outcome = "deal" if kind == "accept" else "no deal"
        self.deal = deal
        self.health = float(np.clip(self.health + (0.1 if kind == "accept" else -0.3), 0, 1))
        return Response(kind, None, reason)

    def _counter(self, offer: Offer) -> Offer:
        """The buyer's counter: its must-haves in full; on terms it cares less about it meets you part of
        the way as rounds pass (by its priorities); the price is its current aspiration for those terms."""
        p = self.profile
        progress = self._progress()
        top = p.priorities[:1]
        days = offer.payment_days
        if offer.payment_days < p.target_payment_days:
            share = 1.0 if "payment_days" in top else 1.0 - 0.6 * progress
            days = int(5 * round((offer.payment_days + share * (p.target_payment_days - offer.payment_days)) / 5))
        years = offer.years
        if p.years_value > 0 and offer.years != p.preferred_years and (p.years_value >= 0.5 or progress < 0.5):
            years = p.preferred_years
        escalator = min(offer.escalator, 0.0)
        if offer.escalator > 0 and p.escalator_aversion < 1.5 and progress >= 0.5:
            escalator = round(offer.escalator / 2, 3)  # it would live with half of it late in the game
        terms = Offer(price=offer.price, payment_days=days, volume=min(offer.volume, p.volume_on_offer),
                      years=years, escalator=escalator, sla=offer.sla or p.sla_required or p.sla_value > 0)
        # it keeps a reserve: a counter never names its limit (it accepts up to the limit, it does not offer it)
        price = min(self.ask(terms), self.limit(terms) - RESERVE * p.reservation_price, offer.price)
        if not np.isfinite(price):
            price = offer.price
        return replace(terms, price=min(max(float(np.floor(price * 100) / 100), 0.01), offer.price))

    def _say(self, options: list[str], **fields) -> str:
        """A line from `options` this buyer has not said yet (else not the last one it said)."""
        unused = [o for o in options if o not in self._said]
        pool = unused or [o for o in options if not self._said or o != self._said[-1]] or options
        line = pool[int(self._rng.integers(len(pool)))]
        self._said.append(line)
        return line.format(**fields)

    def _reason(self, offer: Offer) -> str:
        p = self.profile
        gaps = {
            "sla": (np.inf if p.sla_required else p.sla_value) if not offer.sla else 0.0,
            "volume": np.inf if offer.volume > p.volume_on_offer else 0.0,
            "payment_days": p.days_value * max(0, p.target_payment_days - offer.payment_days) / 30,
            "escalator": p.reservation_price * max(offer.escalator, 0) * (offer.years - 1) / 2 * p.escalator_aversion,
            "years": p.years_value * abs(offer.years - p.preferred_years),
        }
        fields = dict(price=fmt.money(offer.price, decimals=2), batna=p.batna, volume=fmt.number(p.volume_on_offer),
                      days=p.target_payment_days, years=p.preferred_years, offered=offer.years)
        term, gap = max(gaps.items(), key=lambda kv: kv[1])
        if gap == 0 or (np.isfinite(gap) and offer.price > 1.1 * p.reservation_price):
            if self.health < 0.35:
                return self._say(_TENSE_LINES, **fields)
            lines = _PRICE_LINES[buyer_style(p)]
            if offer.price > 1.1 * p.reservation_price:
                return self._say(lines["far"], **fields)
            late = self._progress() >= 0.6
            return self._say(lines["close"] + (_LATE_LINES if late else []), **fields)
        key = "sla_soft" if term == "sla" and not p.sla_required else term
        return self._say(_TERM_LINES[key], **fields)

    def _update_health(self, offer: Offer) -> None:
        p = self.profile
        delta = -0.10 if offer.price >= 1.25 * p.reservation_price else 0.0
        if self._offers:
            gives, gets = supplier_moves(self._offers[-1], offer)
            delta += -0.05 if not gives else 0.03 * len(gives)
            delta += -0.02 * len(gets) if not gives else 0.0
        self.health = float(np.clip(self.health + delta, 0.0, 1.0))

    # ---- results -----------------------------------------------------------------------------------
    @property
    def history(self) -> pd.DataFrame:
        """One row per round: your offer, the buyer's response, its counter price and the health after it."""
        cols = ["round", "price", "payment_days", "volume", "years", "escalator", "sla", "response",
                "counter_price", "counter_payment_days", "reason", "warning", "health"]
        return pd.DataFrame(self._log, columns=cols)

    def net_price(self, offer: Offer) -> float:
        """What the offer's price is worth to the supplier per unit at standard terms: less the financing of
        payment days beyond standard, less the SLA's cost, plus the average escalation over the contract."""
        p = self.profile
        extra_days = offer.payment_days - p.standard_payment_days
        return (offer.price * (1 - p.cost_of_capital * extra_days / 365)
                - (p.sla_cost_per_unit if offer.sla else 0.0)
                + offer.price * offer.escalator * (offer.years - 1) / 2)

    def _real_get(self, term: str, offer: Offer) -> bool:
        """A get the buyer can actually give: not volume beyond what it can commit, not dropping a
        must-have SLA (an ask the buyer said it cannot commit to is no trade)."""
        p = self.profile
        if term == "volume":
            return offer.volume <= p.volume_on_offer
        if term == "sla":
            return not p.sla_required
        return True

    def scorecard(self) -> Scorecard:
        """The supplier's result: concessions traded vs given away, relationship (safe during the game), and
        the ZOPA share captured with the debrief notes (`Scorecard.to_html(reveal=True)` after the game).

        A move that gives something is traded when the same offer gets something the buyer can give
        (`_real_get`); otherwise it is given away.
        """
        p = self.profile
        traded = given = 0
        for prev, cur in zip(self._offers, self._offers[1:]):
            gives, gets = supplier_moves(prev, cur)
            if any(self._real_get(t, cur) for t in gets):
                traded += len(gives)
            else:
                given += len(gives)
        low, high = p.zopa
        net = self.net_price(self.deal) if self.deal else np.nan
        captured = (net - low) / (high - low) if self.deal and high > low else np.nan
        notes, debrief = [], []
        if self.deal and not np.isnan(captured):
            debrief.append(zopa_wording(float(captured)))
        if self.outcome == "no deal" and high > low:
            debrief.append("There was a deal to be had between your walk-away and the buyer's maximum.")
        if given:
            notes.append(f"{given} concession(s) given away without getting anything the buyer could give back.")
        if traded:
            notes.append(f"{traded} concession(s) traded for something in return: give-get.")
        if not self.done:
            notes.append("The negotiation is still open.")
        return Scorecard(outcome=self.outcome or "in progress", rounds=self.round, deal=self.deal,
                         net_price=float(net), zopa=(low, high), margin_captured=float(captured),
                         concessions_traded=traded, concessions_given_away=given,
                         relationship_health=self.health, notes=tuple(notes), debrief=tuple(debrief))
