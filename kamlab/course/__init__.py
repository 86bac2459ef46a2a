"""The course a trainer runs: the givens of the cases and exercises (chosen from the data by rule), the
figures every text quotes (computed from the domain functions at render time), and the printable
artefacts: facilitator guide, participant handouts, case studies, role-play briefs, ethics unit.

The templates live here, in the package, rather than in a top-level ``cases/`` folder: every artefact is
rendered from the data (no number is ever typed into a text), so a template is useless without the code
that computes its figures, and a pip-installed kamlab can then print the whole course with
``kamlab guide --out guide.html --pack course/``.

    givens    which account a case is about and the stated assumptions (pure)
    figures   every number the artefacts quote, from kamlab's domain functions (pure)
    content   the texts: agenda, units, cases, briefs, ethics (templates with named figures)
    render    HTML pages from content + figures
"""
from __future__ import annotations

from kamlab._lazy import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "givens": ("capacity_table", "latest_year", "PricingGivens", "pricing_givens", "GrowthGivens",
               "growth_givens"),
    "figures": ("pocket_margin_column", "ApaFigures", "apa_figures", "PricingCase", "pricing_case", "GrowthCase",
                "growth_case", "RationalizationCase", "rationalization_case", "RolePlay", "roleplay", "roleplay_profile",
                "EthicsFigures",
                "ethics_figures", "Fig", "registry"),
    "content": ("OBJECTIVES", "METHODS", "AGENDA", "UNITS", "CASES", "ROLEPLAY", "ETHICS", "RUNNING"),
    "render": ("format_figure", "fill", "render_guide", "render_handout", "render_case", "render_debrief",
               "render_brief", "render_ethics", "write_pack", "ARTEFACTS"),
})
