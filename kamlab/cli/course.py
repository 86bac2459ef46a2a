"""`kamlab guide`: the facilitator guide, and with --pack the whole printable course, from a data set.

    kamlab guide --out guide.html [--data FOLDER] [--pack FOLDER]
"""
from __future__ import annotations


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
    p = sub.add_parser("guide", help="write the facilitator guide (and with --pack every handout, case and brief)",
                       description="Render the facilitator guide from a data set; every figure it quotes is "
                                   "computed from the data. --pack also writes the handouts, the case studies "
                                   "and their debriefs, the role-play briefs and the ethics unit.")
    p.add_argument("--out", metavar="FILE", default="guide.html", help="the guide's HTML file (default: guide.html)")
    p.add_argument("--data", metavar="FOLDER", default=None,
                   help="dataset folder (written by `kamlab import` or kamlab.data.save); default: the case company")
    p.add_argument("--pack", metavar="FOLDER", default=None,
                   help="also write the whole printable course (guide, handouts, cases, briefs, ethics) here")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from kamlab import data
    from kamlab.course import figures, render

    ds = data.load(args.data) if args.data else data.load_sample()
    figs = figures.registry(ds)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render.render_guide(figures=figs), encoding="utf-8")
    print(out)
    if args.pack:
        for path in render.write_pack(args.pack, figures=figs):
            print(path)
    return 0
