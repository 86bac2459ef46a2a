"""kamlab.pricing: economic value to the customer, checked against published worked examples."""
from __future__ import annotations

import pytest

from kamlab import negotiation
from kamlab.data import DataError
from kamlab.pricing import economic_value, life_cycle_value, price_cut_breakeven, value_gap


def test_forbis_mehta_1981_exhibit_2():
    """Forbis & Mehta, "Value-based strategies for industrial products", Business Horizons 24(3), 1981,
    Exhibit 2: reference product 300; the new product adds 350 of functionality, saves 100 of start-up
    and 200 of post-purchase costs; EVC 950 (a customer is indifferent at 950)."""
    v = economic_value(300, positive={"functionality": 350, "start-up": 100, "post-purchase": 200})
    assert v.value == 950.0
    assert v.differentiation_value == 650.0 and v.negative_value == 0.0
    assert value_gap(v, 950) == 0.0 and value_gap(v, 850) == 100.0


def test_kotler_keller_caterpillar_perceived_value_pricing():
    """Kotler & Keller, Marketing Management, 13th ed. (Pearson, 2009), ch. 14 "Developing pricing strategies
    and programs", perceived-value pricing (p. 399): a Caterpillar tractor is worth 90,000 if only equivalent
    to the competitor's, plus premiums of 7,000 (durability), 6,000 (reliability), 5,000 (service) and 2,000
    (longer parts warranty): 110,000 covers its superior value; the dealer asks 100,000 (a 10,000 discount),
    so the buyer pays a 10,000 premium over the competitor for 20,000 of extra value."""
    v = economic_value(90_000, positive={"durability": 7_000, "reliability": 6_000, "service": 5_000,
                                         "parts warranty": 2_000}, reference="competitor's tractor")
    assert v.value == 110_000.0 and v.differentiation_value == 20_000.0 and v.negative_value == 0.0
    assert value_gap(v, 100_000) == 10_000.0  # the discount: what the buyer keeps of the extra value
    assert 100_000 - v.reference_value == 10_000.0  # the premium the buyer pays over the competitor
    table = v.table()
    assert table["amount"].iloc[:-1].sum() == pytest.approx(110_000) and table["amount"].iloc[-1] == 110_000


def test_forbis_mehta_life_cycle_form():
    """The same exhibit in life-cycle form: reference life-cycle cost 300 + 200 + 500 = 1,000; with ours
    the start-up and post-purchase costs are 100 and 300, so the customer pays at most 600 for ours
    (1,000 - 100 - 300) before the functionality gain, 950 with it."""
    ref = {"start-up": 200, "post-purchase": 500}
    own = {"start-up": 100, "post-purchase": 300}
    assert life_cycle_value(300, ref, own).value == 600.0
    v = life_cycle_value(300, ref, own, incremental_value=350)
    assert v.value == 950.0
    assert dict(v.positive) == {"lower start-up": 100.0, "lower post-purchase": 200.0, "incremental value": 350.0}


def test_negative_differentiation_value_lowers_the_value():
    """Nagle & Holden (2002, ch. 4): value = reference + positive - negative differentiation value."""
    v = life_cycle_value(1000, {"maintenance": 400}, {"maintenance": 200, "training": 50}, incremental_value=100)
    assert dict(v.negative) == {"higher training": 50.0}
    assert v.value == 1000 + 200 + 100 - 50
    table = v.table()
    assert table["amount"].iloc[:-1].sum() == pytest.approx(v.value)
    assert table["step"].iloc[-1] == "economic value"


def test_html_and_bad_input():
    assert "950" in economic_value(300, positive={"x": 650})._repr_html_()
    with pytest.raises(DataError, match="negative"):
        economic_value(300, positive={"x": -5})
    with pytest.raises(DataError, match="reference_value"):
        economic_value(-1)


def test_price_cut_breakeven_matches_the_general_formula():
    """Nagle & Holden's breakeven sales change -dP / (CM + dP): a 5% cut on a 25% margin needs +25%."""
    for cut, cm in [(0.05, 0.25), (0.10, 0.40), (0.02, 0.3)]:
        assert price_cut_breakeven(cut, cm) == pytest.approx(negotiation.breakeven_volume_change(-cut, cm))
    assert price_cut_breakeven(0.10, 0.40) == pytest.approx(1 / 3)
    with pytest.raises(DataError, match="variable cost"):
        price_cut_breakeven(0.3, 0.25)
