"""`kamlab assign`, `kamlab validate` and `kamlab grade`: thin shells over kamlab.grading."""
from __future__ import annotations

import json
import sys


def _assign(args) -> int:
    from kamlab.grading.assign import assign, stale

    if args.check:
        out = stale(args.solutions, args.exercises)
        for name in out:
            print(f"stale: exercises/{name} (run `kamlab assign`)", file=sys.stderr)
        return 1 if out else 0
    for path in assign(args.solutions, args.exercises):
        print(path)
    return 0


def _validate(args) -> int:
    from kamlab.grading.validate import validate

    report = validate(args.solutions, args.exercises, assignments=args.assignment or None,
                      workers=args.workers)
    print(report)
    return 0 if report.ok else 1


def _grade(args) -> int:
    from kamlab.grading.grade import grade

    hidden = json.loads(args.hidden_parameters) if args.hidden_parameters else {}
    if args.hidden_seed is not None:
        hidden["seed"] = args.hidden_seed
    if args.unsafe_no_sandbox:
        from kamlab.grading.sandbox import UNSAFE_WARNING

        print(f"kamlab: WARNING: --unsafe-no-sandbox: {UNSAFE_WARNING}", file=sys.stderr)
    report = grade(args.submissions, assignment=args.assignment, out=args.out, workers=args.workers,
                   deadline=args.deadline, times=args.times, manual_scores=args.manual_scores,
                   hidden_parameters=hidden or None, cell_timeout=args.cell_timeout, timeout=args.timeout,
                   memory_mb=args.memory_mb, solutions=args.solutions, roster=args.roster, lms=args.lms,
                   lms_column=args.lms_column, sandbox=not args.unsafe_no_sandbox)
    statuses = {}
    for s in report.students:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for s in report.students:
        if s.status != "ok":
            print(f"not ok: {s.student_id}: {s.status}. {s.detail}", file=sys.stderr)
    print(f"{len(report.students)} submissions graded ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})"
          f" -> {report.files['gradebook']}")
    return 0


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
    p = sub.add_parser("assign", help="generate exercises/ from solutions/")
    p.add_argument("--solutions", default=None, help="solutions folder (default ./solutions)")
    p.add_argument("--exercises", default=None, help="exercises folder (default beside solutions)")
    p.add_argument("--check", action="store_true", help="only check that exercises/ is up to date (exit 1 if not)")
    p.set_defaults(func=_assign)

    p = sub.add_parser("validate", help="every solution earns full marks, every untouched exercise zero")
    p.add_argument("assignment", nargs="*", help="assignments to validate (default all)")
    p.add_argument("--solutions", default=None)
    p.add_argument("--exercises", default=None)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_validate)

    p = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    p.add_argument("submissions", help="a folder of .ipynb files (one per student; id = file name) or one file")
    p.add_argument("--assignment", required=True, help="e.g. ex02")
    p.add_argument("--out", default="grades", help="output folder (gradebook.csv, feedback/, summary)")
    p.add_argument("--workers", type=int, default=2, help="notebooks run at once")
    p.add_argument("--deadline", default=None,
                   help="ISO date-time WITH a timezone (2026-03-01T23:59:00+01:00); needs --times")
    p.add_argument("--times", default=None,
                   help="CSV student_id,submitted_at exported by the course platform (never notebook metadata)")
    p.add_argument("--roster", default=None, help="the class list exported from the LMS (see --lms)")
    p.add_argument("--lms", default=None, choices=["canvas", "moodle", "blackboard"],
                   help="also write gradebook_<lms>.csv in that system's import format (needs --roster)")
    p.add_argument("--lms-column", default=None,
                   help="the grade column's header in the LMS file (Blackboard: end it with |COLUMN_ID)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade without the bubblewrap sandbox (only for trusted notebooks: see the README)")
    p.add_argument("--manual-scores", default=None,
                   help="CSV student_id,question,points,comment (default OUT/manual_scores.csv)")
    p.add_argument("--hidden-seed", type=int, default=None,
                   help="the data seed to grade on (default: the assignment's hidden seed); keep it secret")
    p.add_argument("--hidden-parameters", default=None, help="JSON of further hidden parameters")
    p.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell")
    p.add_argument("--timeout", type=float, default=None, help="seconds per notebook")
    p.add_argument("--memory-mb", type=int, default=None, help="memory limit per notebook (MiB)")
    p.add_argument("--solutions", default=None, help="solutions folder (default ./solutions)")
    p.set_defaults(func=_grade)
