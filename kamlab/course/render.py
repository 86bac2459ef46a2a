"""Printable HTML for the course: the facilitator guide, one-page handouts, the case studies and their
trainer debriefs, the role-play briefs and the ethics unit, rendered from `kamlab.course.content` with
the figures of `kamlab.course.figures.registry`.

Every figure is written as ``<span class="fig" data-fig="NAME">...</span>``, so a test can find each
quoted number, recompute it, and check that no other number is in the text.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from kamlab.course import content
from kamlab.course.figures import Fig, registry
from kamlab.data import DataError, Dataset

__all__ = ["format_figure", "fill", "render_guide", "render_handout", "render_case", "render_debrief",
           "render_brief", "render_ethics", "write_pack", "ARTEFACTS"]

_PLACEHOLDER = re.compile(r"\{\{([a-z0-9_.]+)\}\}")
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;border-bottom:3px solid #1f4e79;padding-bottom:.3rem}h2{color:#1f4e79;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eef3f8}.fig{font-weight:600;white-space:nowrap}
.answer{color:#2d5d2d}.box{border:1px solid #1f4e79;padding:.6rem 1rem;margin:.8rem 0;background:#f7fafc}
.confidential{color:#a00;font-weight:700;text-transform:uppercase;letter-spacing:.05em}
@media print{body{margin:0;max-width:none}.page{page-break-after:always}a{color:inherit}}
"""

#: The pack `write_pack` writes, relative to its folder.
ARTEFACTS = ("guide.html", "ethics.html", "cases/rationalization.html", "cases/rationalization_debrief.html",
             "cases/pricing_defence.html", "cases/pricing_defence_debrief.html", "briefs/seller.html",
             "briefs/buyer.html", "briefs/observer.html", "briefs/debrief.html",
             *(f"handouts/unit{u['id']}.html" for u in content.UNITS), "handouts/ethics.html")


def format_figure(fig: Fig, currency: str = "EUR") -> str:
    """A figure as a reader sees it: money with the currency and no decimals, fractions as percents.

    Examples
    --------
    >>> format_figure(Fig(-1234.5)), format_figure(Fig(0.1234, "pct")), format_figure(Fig(30.0, "days"))
    ('EUR -1,234', '12.3%', '30 days')
    """
    v, kind = fig.value, fig.kind
    if kind == "money":
        return f"{currency} {float(v):,.0f}"
    if kind in ("pct", "level"):
        return f"{float(v):.1%}"
    if kind == "count":
        return f"{int(v):,}"
    if kind == "days":
        return f"{float(v):.0f} days"
    if kind in ("year", "text"):
        return str(v)
    raise DataError(f"unknown figure kind {kind!r}")


def fill(template: str, figures: dict[str, Fig], currency: str = "EUR") -> str:
    """Replace each ``{{name}}`` by its formatted figure in a span; an unknown name raises.

    Examples
    --------
    >>> fill("a loss of {{x}}", {"x": Fig(-5.0)})
    'a loss of <span class="fig" data-fig="x">EUR -5</span>'
    """
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in figures:
            raise DataError(f"the course text quotes an unknown figure {name!r}")
        return f'<span class="fig" data-fig="{name}">{html.escape(format_figure(figures[name], currency))}</span>'

    return _PLACEHOLDER.sub(sub, template)


def _page(title: str, body: str, figures: dict[str, Fig]) -> str:
    company = html.escape(str(figures["company.name"].value))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><div class='page'><h1>{html.escape(title)}</h1>"
            f"<p><i>{company}: every figure is computed from the data set when this page is made.</i></p>"
            f"{body}</div></body></html>")


def _ul(items, f) -> str:
    return "<ul>" + "".join(f"<li>{f(i)}</li>" for i in items) + "</ul>"


def _context(ds: Dataset | None, figures: dict[str, Fig] | None):
    if figures is None:
        if ds is None:
            raise DataError("give a data set or its figures (kamlab.course.figures.registry)")
        figures = registry(ds)
    return figures, str(figures["company.currency"].value)


def _agenda(t) -> str:
    out = []
    for day in (1, 2):
        rows = "".join(f"<tr><td>{s}-{e}</td><td>{html.escape(title)}</td><td>{html.escape(method)}</td>"
                       f"<td>{html.escape(where)}</td><td>{', '.join(objs)}</td></tr>"
                       for d, s, e, title, method, where, objs in content.AGENDA if d == day)
        out.append(f"<h3>Day {day}</h3><table><tr><th>time</th><th>session</th><th>method</th><th>where</th>"
                   f"<th>objectives</th></tr>{rows}</table>")
    return "".join(out)


def _objectives() -> str:
    rows = []
    for oid, text in content.OBJECTIVES.items():
        sessions = [f"Day {d} {s} {html.escape(title)} ({html.escape(where)})"
                    for d, s, _, title, _, where, objs in content.AGENDA if oid in objs]
        rows.append(f"<tr><td>{oid}</td><td>{html.escape(text)}</td><td>{'<br>'.join(sessions)}</td></tr>")
    methods = "".join(f"<tr><td>{html.escape(m)}</td><td>{html.escape(w)}</td></tr>"
                      for m, w in content.METHODS.items())
    return (f"<table><tr><th></th><th>objective</th><th>sessions</th></tr>{''.join(rows)}</table>"
            f"<h3>Methods</h3><table><tr><th>method</th><th>where it lives</th></tr>{methods}</table>")


def _unit_section(u: dict, t) -> str:
    show = "".join(f"<tr><td>{t(where)}</td><td>{t(notice)}</td></tr>" for where, notice in u["show"])
    qa = "".join(f"<li><b>{t(q)}</b><br><span class='answer'>Model answer: {t(a)}</span></li>"
                 for q, a in u["questions"])
    return (f"<h2>Unit {u['id']}: {html.escape(u['title'])}</h2>"
            f"<p><b>Learning goal.</b> {t(u['goal'])}</p>"
            f"<p><b>Page:</b> <code>notebooks/{u['notebook']}.ipynb</code> in the app (Voila).</p>"
            f"<h3>What to show in the app</h3><table><tr><th>scenario and control</th><th>what the room should "
            f"notice</th></tr>{show}</table><h3>Discussion questions</h3><ol>{qa}</ol>"
            f"<h3>Common participant mistakes</h3>{_ul(u['mistakes'], t)}")


def render_guide(ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """The facilitator guide: objectives and methods mapped to sessions, the two-day agenda with timings,
    each unit (goal, what to show in the app with the data's numbers, questions with model answers,
    common mistakes), how to run the board, the role-play and the debriefs, the cases and the ethics unit.
    """
    figures, cur = _context(ds, figures)

    def t(s: str) -> str:
        return fill(s, figures, cur)

    cases = "".join(f"<h3>{html.escape(c['title'])}</h3><p>{t(c['story'][0])}</p><p><b>Trainer debrief.</b></p>"
                    f"{_ul(c['debrief'], t)}" for c in content.CASES.values())
    running = "".join(f"<h3>{html.escape(h)}</h3><p>{html.escape(p)}</p>" for h, p in content.RUNNING)
    pack = _ul(ARTEFACTS, lambda a: f"<a href='{a}'>{a}</a>")
    body = (f"<div class='box'>Run the course from this guide, the app (<code>make app</code>), the exercises "
            f"(<code>kamlab assign</code>) and the printed pack (<code>kamlab guide --pack DIR</code>):"
            f"{pack}</div>"
            f"<h2>Objectives and where they are taught</h2>{_objectives()}"
            f"<h2>The two-day agenda</h2>{_agenda(t)}"
            + "".join(_unit_section(u, t) for u in content.UNITS)
            + f"<h2>Running the room</h2>{running}<h2>The case studies</h2>{cases}"
            f"<h2>The role-play</h2>{_ul(content.ROLEPLAY['debrief']['body'], t)}"
            f"<h2>Ethics unit</h2>{_ethics_body(t)}")
    return _page("Facilitator guide: Prioritizing Key Account Management for Profitable Environments", body,
                 figures)


def render_handout(unit_id: str, ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """A one-page participant handout for a unit (concept, formula, the case figure), or for the ethics
    unit with ``unit_id="ethics"``."""
    figures, cur = _context(ds, figures)

    def t(s: str) -> str:
        return fill(s, figures, cur)

    if unit_id == "ethics":
        e = content.ETHICS
        body = (f"<p>{t(e['intro'])}</p>" + _ul([s["title"] + ": " + s["situation"] for s in e["scenarios"]], t)
                + f"<h2>Communicating an exit or a re-tiering</h2>{_ul(e['communication'], t)}")
        return _page("Handout: " + e["title"], body, figures)
    units = {u["id"]: u for u in content.UNITS}
    if unit_id not in units:
        raise DataError(f"no unit {unit_id!r}; units: {', '.join(units)} or 'ethics'")
    u = units[unit_id]
    body = (f"<h2>The idea</h2><p>{t(u['concept'])}</p><h2>The formula</h2><p class='box'>{t(u['formula'])}</p>"
            f"<h2>In the case</h2><p>{t(u['figure'])}</p><h2>Ask yourself</h2>"
            f"{_ul([q for q, _ in u['questions']], t)}")
    return _page(f"Handout, unit {u['id']}: {u['title']}", body, figures)


def _case(name: str) -> dict:
    if name not in content.CASES:
        raise DataError(f"no case {name!r}; cases: {', '.join(content.CASES)}")
    return content.CASES[name]


def render_case(name: str, ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """A case study for participants: the story, the data they need, the questions."""
    figures, cur = _context(ds, figures)
    c = _case(name)

    def t(s: str) -> str:
        return fill(s, figures, cur)

    body = ("".join(f"<p>{t(p)}</p>" for p in c["story"]) + f"<h2>Your data</h2>{_ul(c['data'], t)}"
            + _case_table(c.get("table"), figures, t)
            + f"<h2>Questions</h2><ol>{''.join(f'<li>{t(q)}</li>' for q in c['questions'])}</ol>")
    return _page(c["title"], body, figures)


def _case_table(spec: dict | None, figures: dict[str, Fig], t) -> str:
    if not spec:
        return ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in spec["columns"])
    rows, i = [], 1
    while f"{spec['rows'].format(i=i)}.{spec['columns'][0][1]}" in figures:
        prefix = spec["rows"].format(i=i)
        rows.append("<tr>" + "".join(f"<td>{t('{{' + prefix + '.' + col + '}}')}</td>" for _, col in spec["columns"])
                    + "</tr>")
        i += 1
    return (f"<table><caption>{html.escape(spec['caption'])}</caption><tr>{head}</tr>{''.join(rows)}</table>")


def render_debrief(name: str, ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """The trainer's debrief of a case: the questions and the answers from the data."""
    figures, cur = _context(ds, figures)
    c = _case(name)

    def t(s: str) -> str:
        return fill(s, figures, cur)

    body = (f"<p class='confidential'>Trainer only</p><h2>Questions</h2>{_ul(c['questions'], t)}"
            f"<h2>Debrief</h2>{_ul(c['debrief'], t)}")
    return _page(c["title"] + ": trainer debrief", body, figures)


def render_brief(role: str, ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """A role-play sheet: ``seller``, ``buyer`` (confidential briefs), ``observer`` or ``debrief``."""
    figures, cur = _context(ds, figures)
    if role not in content.ROLEPLAY:
        raise DataError(f"no role-play sheet {role!r}; sheets: {', '.join(content.ROLEPLAY)}")
    r = content.ROLEPLAY[role]

    def t(s: str) -> str:
        return fill(s, figures, cur)

    if role == "observer":
        body = "<table><tr><th>watch for</th><th>notes</th></tr>" + "".join(
            f"<tr><td>{t(i)}</td><td style='width:45%'>&nbsp;</td></tr>" for i in r["items"]) + "</table>"
    else:
        flag = "<p class='confidential'>Confidential: do not show the other side</p>" if role in ("seller", "buyer") else ""
        body = flag + "".join(f"<p>{t(p)}</p>" for p in r["body"])
    return _page(r["title"], body, figures)


def _ethics_body(t) -> str:
    e = content.ETHICS
    scen = "".join(f"<h3>{html.escape(s['title'])}</h3><p>{t(s['situation'])}</p>{_ul(s['prompts'], t)}"
                   f"<p class='answer'><b>For the trainer:</b> {t(s['guidance'])}</p>" for s in e["scenarios"])
    return (f"<p>{t(e['intro'])}</p>{scen}<h3>Communicating an exit or a re-tiering</h3>"
            f"{_ul(e['communication'], t)}")


def render_ethics(ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> str:
    """The ethics unit: scenarios on the case's accounts, prompts, guidance, and how to communicate."""
    figures, cur = _context(ds, figures)
    return _page(content.ETHICS["title"], _ethics_body(lambda s: fill(s, figures, cur)), figures)


def write_pack(folder: str | Path, ds: Dataset | None = None, *, figures: dict[str, Fig] | None = None) -> list[Path]:
    """Write every artefact of `ARTEFACTS` under `folder` (created); returns the paths written."""
    figures, _ = _context(ds, figures)
    folder = Path(folder)
    pages = {"guide.html": render_guide(figures=figures), "ethics.html": render_ethics(figures=figures),
             "handouts/ethics.html": render_handout("ethics", figures=figures)}
    for name in content.CASES:
        pages[f"cases/{name}.html"] = render_case(name, figures=figures)
        pages[f"cases/{name}_debrief.html"] = render_debrief(name, figures=figures)
    for role in content.ROLEPLAY:
        pages[f"briefs/{role}.html"] = render_brief(role, figures=figures)
    for u in content.UNITS:
        pages[f"handouts/unit{u['id']}.html"] = render_handout(u["id"], figures=figures)
    written = []
    for rel in ARTEFACTS:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages[rel], encoding="utf-8")
        written.append(path)
    return written
