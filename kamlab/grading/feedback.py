"""Feedback for each student (HTML) and the instructor's summary with a score-distribution plot.

Feedback shows points and the grader's message per question. It is built only from text the grader
wrote (never the expected values, the hidden parameters, or text the submission printed), and every
piece is HTML-escaped.
"""
from __future__ import annotations

import base64
import re
import statistics
from html import escape
from pathlib import Path

from kamlab.grading.gradebook import _csv, fmt_points, write_atomic

__all__ = ["render_feedback", "write_feedback", "feedback_names", "write_summary", "write_written", "plot_score_distribution",
           "safe_filename"]

_CSS = ("body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;color:#263238}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #cfd8dc;padding:.4em;"
        "text-align:left}.full{color:#2e7d32}.zero{color:#c62828}.part{color:#ef6c00}"
        ".scheme{background:#fff8e1;border-left:4px solid #ef6c00;padding:.2em 1em;margin:1em 0}"
        ".scheme pre{white-space:pre-wrap;font-family:inherit}")


def safe_filename(student_id: str) -> str:
    """A file name made from a student id.

    Examples
    --------
    >>> safe_filename("../jo smith")
    '___jo_smith'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "_", student_id) or "_"


def _css_class(q) -> str:
    if q.points is None:
        return ""
    return "full" if q.points >= q.max_points else ("zero" if q.points == 0 else "part")


def render_feedback(student, spec) -> str:
    """One student's feedback page."""
    labels = {a.name: a.question for a in spec.answers} | {w.name: w.question for w in spec.written}
    rows = "".join(
        f"<tr class='{_css_class(q)}'><td>{escape(labels.get(q.name) or '')}</td><td><code>{escape(q.name)}</code></td>"
        f"<td>{escape(fmt_points(q.points) or '-')} / {escape(fmt_points(q.max_points))}</td>"
        f"<td>{escape(q.message)}</td></tr>" for q in student.questions)
    notes = []
    if student.status != "ok":
        notes.append(f"<p><b>Note:</b> {escape(student.status)}. {escape(student.detail)}</p>")
    if student.late:
        notes.append("<p><b>Submitted after the deadline.</b></p>")
    title = f"{spec.assignment} {spec.title}".strip()
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}: "
            f"{escape(student.student_id)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>Student: <b>{escape(student.student_id)}</b></p>"
            f"<p>Score: <b>{escape(fmt_points(student.total))} / {escape(fmt_points(student.max_points))}</b></p>"
            f"{''.join(notes)}<table><thead><tr><th>question</th><th>answer</th><th>points</th><th>feedback</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            "<p><small>Your notebook was run again on a different data set than the one you worked on; "
            "answers must come from your analysis, not typed-in numbers.</small></p></body></html>\n")


def feedback_names(student_ids) -> dict[str, str]:
    """A distinct feedback file name per id: `safe_filename`, plus a short hash of the id where two ids
    would share a name (``jo smith`` and ``jo_smith``; names that differ only by case, for file systems
    that ignore it).

    Examples
    --------
    >>> names = feedback_names(["jo smith", "jo_smith", "amy"])
    >>> names["amy"], names["jo smith"] != names["jo_smith"]
    ('amy', True)
    """
    import hashlib

    ids = list(student_ids)
    counts: dict[str, int] = {}
    for sid in ids:
        counts[safe_filename(sid).casefold()] = counts.get(safe_filename(sid).casefold(), 0) + 1
    return {sid: safe_filename(sid) + ("" if counts[safe_filename(sid).casefold()] == 1 else
                                       "-" + hashlib.sha256(sid.encode()).hexdigest()[:8]) for sid in ids}


def write_feedback(folder, students, spec) -> Path:
    """Write feedback/<student>.html for every student (fresh: older pages are removed); returns the folder."""
    folder = Path(folder)
    if folder.is_dir():
        for old in folder.glob("*.html"):
            old.unlink()
    names = feedback_names(s.student_id for s in students)
    for s in students:
        write_atomic(folder / f"{names[s.student_id]}.html", render_feedback(s, spec))
    return folder


def plot_score_distribution(totals, *, max_points: float | None = None, ax=None, bins: int = 10, **kw):
    """Histogram of total scores (one bar per score band), mean marked; returns the Axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_score_distribution([3, 5, 5, 8], max_points=10, ax=ax) is ax
    True
    >>> plt.close(fig)
    """
    from kamlab.plots.style import PALETTE, get_ax

    ax = get_ax(ax)
    totals = list(totals)
    top = max_points if max_points else (max(totals) if totals else 1)
    ax.hist(totals, bins=bins, range=(0, top), color=kw.pop("color", PALETTE["accent"]), edgecolor="white", **kw)
    if totals:
        mean = statistics.fmean(totals)
        ax.axvline(mean, color=PALETTE["neutral"], linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(loc="upper left")
    ax.set_xlabel(f"total points (of {top:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return ax


def _summary_rows(students, spec) -> list[list]:
    names = [a.name for a in spec.answers] + [w.name for w in spec.written]
    maxima = {a.name: a.points for a in spec.answers} | {w.name: w.points for w in spec.written}
    rows = [["question", "max_points", "scored", "mean", "median", "full_marks", "zero"]]
    for n in names + ["total"]:
        if n == "total":
            pts, top = [s.total for s in students], (students[0].max_points if students else spec.max_points)
        else:
            pts = [q.points for s in students for q in s.questions if q.name == n and q.points is not None]
            top = maxima[n]
        rows.append([n, fmt_points(top), len(pts), fmt_points(statistics.fmean(pts)) if pts else "",
                     fmt_points(statistics.median(pts)) if pts else "", sum(p >= top for p in pts),
                     sum(p == 0 for p in pts)])
    return rows


def _attention(students, notes) -> str:
    """The part of the summary an instructor must read: every submission that was not ok, every manual
    override, and the notes on the inputs (uploads set aside, look-alike ids, missing times)."""
    items = [f"<li><b>{escape(s.student_id)}</b>: {escape(s.status)}. {escape(s.detail)}</li>"
             for s in students if s.status != "ok"]
    overrides = [f"<li><b>{escape(s.student_id)}</b> {escape(q.name)}: {escape(fmt_points(q.points))} / "
                 f"{escape(fmt_points(q.max_points))} ({escape(q.message)})</li>"
                 for s in students for q in s.questions if q.manual and q.points is not None]
    parts = []
    if items:
        parts.append(f"<h2>Not ok ({len(items)})</h2><ul>{''.join(items)}</ul>")
    if overrides:
        parts.append(f"<h2>Manual scores ({len(overrides)})</h2><ul>{''.join(overrides)}</ul>")
    if notes:
        parts.append("<h2>Inputs</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    return "".join(parts)


def write_summary(out, students, spec, *, notes=()) -> dict:
    """Write summary.csv, summary.png (score distribution) and summary.html; returns their paths."""
    from matplotlib.figure import Figure

    out = Path(out)
    rows = _summary_rows(students, spec)
    csv_path = write_atomic(out / "summary.csv", _csv(rows))
    fig = Figure(figsize=(9, 5))
    plot_score_distribution([s.total for s in students], max_points=spec.max_points, ax=fig.subplots())
    fig.tight_layout()
    png = out / "summary.png"
    tmp = out / ".summary.png.tmp"
    fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    tmp.replace(png)
    statuses = {}
    for s in students:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    table = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows[1:])
    head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
    img = base64.b64encode(png.read_bytes()).decode()
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(spec.assignment)} summary</title>"
            f"<style>{_CSS}</style></head><body><h1>{escape(spec.assignment)} {escape(spec.title)}: summary</h1>"
            f"<p>{len(students)} submissions; "
            + ", ".join(f"{escape(k)}: {v}" for k, v in sorted(statuses.items()))
            + f"; late: {sum(s.late for s in students)}</p>"
            f"{_attention(students, notes)}"
            f"<img alt='score distribution' src='data:image/png;base64,{img}'>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{table}</tbody></table></body></html>\n")
    return {"summary_csv": csv_path, "summary_png": png, "summary_html": write_atomic(out / "summary.html", html)}


def _scheme_html(w) -> str:
    """The mark scheme of written question `w` (escaped), or a warning that the solution has none."""
    if not w.scheme:
        return ("<div class='scheme'><p class='zero'><b>No mark scheme</b> in the solution notebook for this "
                "question: `kamlab validate` names what to add.</p></div>")
    return f"<div class='scheme'><h3>Mark scheme</h3><pre>{escape(w.scheme)}</pre></div>"


def write_written(path, students, spec) -> Path:
    """written.html: each written question, its mark scheme (from the solution), then every student's answer
    (escaped) and current score. The page is the instructor's only: feedback pages never show a scheme."""
    sections = []
    for w in spec.written:
        items = [_scheme_html(w), f"<h3>Answers ({len(students)})</h3>" if students else ""]
        for s in students:
            text = dict(s.written).get(w.name, "")
            q = next((q for q in s.questions if q.name == w.name), None)
            pts = fmt_points(q.points) if q is not None and q.points is not None else "not scored"
            items.append(f"<h3>{escape(s.student_id)} <small>({escape(pts)} / {escape(fmt_points(w.points))})</small></h3>"
                         f"<pre style='white-space:pre-wrap'>{escape(text) or '<i>no answer found</i>'}</pre>")
        sections.append(f"<h2>{escape(w.question)} <code>{escape(w.name)}</code> ({escape(fmt_points(w.points))} points)</h2>"
                        + "".join(items))
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(spec.assignment)} written answers</title>"
            f"<style>{_CSS}</style></head><body><h1>{escape(spec.assignment)}: written answers</h1>"
            "<p>Score them in manual_scores.csv (student_id, question, points, comment) and grade again.</p>"
            + "".join(sections) + "</body></html>\n")
    return write_atomic(path, html)
