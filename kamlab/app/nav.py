"""The course's pages in order, and links between them that keep the page's state (scenario, presenter,
data) in their query string."""
from __future__ import annotations

import html
from urllib.parse import urlencode

__all__ = ["PAGES", "HOME", "link", "neighbours", "course_map_html", "nav_html"]

HOME = "00_welcome.ipynb"
PAGES = (
    (HOME, "Welcome"),
    ("01_selection_matrix_workshop.ipynb", "1 · Selecting key accounts"),
    ("02_account_profitability_analysis.ipynb", "2 · Account profitability"),
    ("03_cost_to_serve_and_resource_allocation.ipynb", "3 · Cost-to-serve and resources"),
    ("04_negotiation_scenarios.ipynb", "4 · Negotiating for margin"),
    ("05_growth_share_of_wallet_jbp.ipynb", "5 · Growth and joint plans"),
    ("06_rationalization_and_control.ipynb", "6 · Rationalization and control"),
    ("07_account_plan.ipynb", "7 · The account plan"),
    ("08_ethics_of_rationalization.ipynb", "8 · The ethics of rationalization"),
)


def link(page: str, query: dict[str, str]) -> str:
    """A relative link to `page` carrying `query`.

    Examples
    --------
    >>> link("07_account_plan.ipynb", {"scenario": "lose the top account", "presenter": "1"})
    '07_account_plan.ipynb?scenario=lose+the+top+account&presenter=1'
    """
    return page + (f"?{urlencode(query)}" if query else "")


def neighbours(page: str | None) -> tuple[str | None, str | None]:
    """The pages before and after `page` in the course (None at either end or for an unknown page)."""
    names = [p for p, _ in PAGES]
    if page not in names:
        return None, None
    i = names.index(page)
    return (names[i - 1] if i > 0 else None), (names[i + 1] if i + 1 < len(names) else None)


def _title(page: str) -> str:
    return dict(PAGES).get(page, page)


def nav_html(page: str | None, query: dict[str, str]) -> str:
    """Course home, previous and next unit, as links that keep `query`."""
    prev, nxt = neighbours(page)
    parts = []
    if page != HOME:
        parts.append(f'<a class="kamlab-home" href="{html.escape(link(HOME, query))}">&#8962; Course home</a>')
    if prev and prev != HOME:
        parts.append(f'<a class="kamlab-prev" href="{html.escape(link(prev, query))}">&larr; '
                     f"{html.escape(_title(prev))}</a>")
    if nxt:
        parts.append(f'<a class="kamlab-next" href="{html.escape(link(nxt, query))}">'
                     f"{html.escape(_title(nxt))} &rarr;</a>")
    return '<nav class="kamlab-nav">' + " · ".join(parts) + "</nav>"


def course_map_html(query: dict[str, str]) -> str:
    """Every unit as a link that keeps `query` (the welcome page's course map)."""
    items = "".join(f'<li><a href="{html.escape(link(p, query))}">{html.escape(t)}</a></li>'
                    for p, t in PAGES if p != HOME)
    return f'<ol class="kamlab-course-map">{items}</ol>'
