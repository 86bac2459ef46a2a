"""The printable course renders headless, and every number it quotes is a computed figure.

The pack is rendered once per module from the shipped data set; each quoted figure is a span whose text
must equal the registry's formatted value, some figures are recomputed here straight from the domain
functions, and once the spans are taken out no digit may be left in the text except clock times,
durations, unit and exercise numbers, laws and citation years.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from kamlab import apa, data, negotiation, rationalization, scenarios
from kamlab.cli import main
from kamlab.course import figures, render
from kamlab.data import DataError

_SPAN = re.compile(r'<span class="fig" data-fig="([a-z0-9_.]+)">(.*?)</span>')
_ALLOWED = [r"\d{2}:\d{2}-\d{2}:\d{2}", r"\d{2}:\d{2}", r"\bDay \d\b", r"\b[Uu]nits? \d{2}\b", r"\bunit\d{2}\b",
            r"\bex0\d\b", r"\b0\d_[a-z_]+", r"Handouts 01-03", r"Article 102", r"\(1936\)", r"\bO\d\b",
            r"\b(19|20)\d\d[);]", r"/ 365\b", *(re.escape(n) for n in scenarios.names())]


@pytest.fixture(scope="module")
def ds():
    return data.load_sample()


@pytest.fixture(scope="module")
def figs(ds):
    return figures.registry(ds)


@pytest.fixture(scope="module")
def pack(figs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    paths = render.write_pack(folder, figures=figs)
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in paths}


def test_every_artefact_is_written(pack):
    assert sorted(pack) == sorted(render.ARTEFACTS)
    for name, page in pack.items():
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>"), name
        assert "{{" not in page and "nan" not in _text(page).lower().split(), name


def test_every_quoted_figure_is_the_registry_value(pack, figs):
    seen = set()
    for name, page in pack.items():
        for key, shown in _SPAN.findall(page):
            assert unescape(shown) == render.format_figure(figs[key], "EUR"), (name, key)
            seen.add(key)
    assert len(seen) > 100


def _text(page: str) -> str:
    body = _SPAN.sub(" ", page.split("<body>", 1)[1])
    body = re.sub(r"<[^>]+>", " ", body)
    return unescape(body)


def test_no_number_is_typed_into_a_text(pack):
    for name, page in pack.items():
        text = _text(page)
        for pattern in _ALLOWED:
            text = re.sub(pattern, " ", text)
        loose = re.findall(r"\S*\d\S*", text)
        assert not loose, f"{name}: numbers outside the computed figures: {loose[:10]}"


def _quoted(pack, key: str) -> str:
    for page in pack.values():
        for k, shown in _SPAN.findall(page):
            if k == key:
                return unescape(shown)
    raise AssertionError(f"{key} is not quoted anywhere")


def test_quoted_numbers_agree_with_the_domain_functions(pack, ds):
    pnl = apa.account_pnl(ds)
    whale = apa.whale_summary(pnl["net_margin"])
    assert _quoted(pack, "apa.peak") == f"{whale.peak_pct:.1%}"
    assert _quoted(pack, "apa.top_fifth") == f"{whale.top20_pct:.1%}"
    assert _quoted(pack, "apa.n_loss") == str(int((pnl["net_margin"] < 0).sum()))
    assert _quoted(pack, "apa.worst_net_margin") == f"EUR {pnl['net_margin'].min():,.0f}"
    econ = rationalization.account_economics(ds).set_index("account_id")
    sim = rationalization.simulate(ds, [rationalization.Action(econ["net_margin"].idxmin(), "exit")])
    assert _quoted(pack, "rat.exit_change") == f"EUR {sim.after_profit - sim.before_profit:,.0f}"
    assert _quoted(pack, "rat.stranded") == f"EUR {sim.stranded_cost:,.0f}"
    worst5 = econ.sort_values("net_margin").head(5)
    for i, (account, row) in enumerate(worst5.iterrows(), 1):  # case A's table
        assert _quoted(pack, f"rat.t{i}.name").startswith(account)
        assert _quoted(pack, f"rat.t{i}.fixed_stranded") == f"EUR {row['fixed_stranded']:,.0f}"
    terms = negotiation.deal_terms_for_account(ds, _quoted(pack, "pricing.account"))
    assert _quoted(pack, "pricing.cm") == f"{terms.contribution_margin:.1%}"
    assert _quoted(pack, "pricing.breakeven") == f"{negotiation.breakeven_volume_change(-0.05, terms.contribution_margin):.1%}"


def test_the_briefs_keep_each_side_confidential(pack):
    seller, buyer = pack["briefs/seller.html"], pack["briefs/buyer.html"]
    assert 'data-fig="roleplay.floor"' in seller and 'data-fig="roleplay.ceiling"' not in seller
    assert 'data-fig="roleplay.ceiling"' in buyer and 'data-fig="roleplay.floor"' not in buyer
    assert 'data-fig="roleplay.floor"' in pack["briefs/debrief.html"]
    assert "rat.exit_change" not in pack["cases/rationalization.html"]
    assert "rat.exit_change" in pack["cases/rationalization_debrief.html"]


def test_the_guide_maps_every_objective_and_unit(pack):
    guide = pack["guide.html"]
    for oid in ("O1", "O8"):
        assert f"<td>{oid}</td>" in guide
    for unit in ("01", "02", "03", "04", "05", "06", "07"):
        assert f"Unit {unit}:" in guide
    for law in ("Robinson-Patman", "Article 102"):
        assert law in guide and law in pack["ethics.html"]


def test_unknown_names_raise():
    with pytest.raises(DataError, match="unknown figure"):
        render.fill("{{nothing.here}}", {})
    with pytest.raises(DataError, match="no unit"):
        render.render_handout("99", figures={"company.currency": figures.Fig("EUR", "text")})


def test_kamlab_guide_command(tmp_path, capsys):
    out = tmp_path / "guide.html"
    assert main(["guide", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count('class="fig"') > 50
    assert str(out) in capsys.readouterr().out
