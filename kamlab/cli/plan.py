"""`kamlab plan ACCOUNT --data FOLDER --out plan.html`: the one-page account plan."""
from __future__ import annotations

import sys
from pathlib import Path


def _plan(args) -> int:
    from kamlab import data, plan
    from kamlab.plots.rationalization import plan_page

    ds = data.load(args.data) if args.data else data.load_sample()
    if not args.data:  # never analyse the sample company in silence
        print(f"kamlab: note: no --data given: using the shipped case company ({ds.meta.get('name', 'sample')}); "
              f"name your dataset folder with --data FOLDER.", file=sys.stderr)
    options = {} if args.cost_of_capital is None else {"cost_of_capital": args.cost_of_capital}
    p = plan.account_plan(ds, args.account, **options)
    plan_page(p, args.out, charts=not args.no_charts)
    print(f"wrote {args.out}")
    if args.xlsx:
        from kamlab import export

        export.write_apa_workbook(ds, args.xlsx, extra_sheets={"Account plan": p.to_frame()})
        print(f"wrote {args.xlsx}")
    return 0


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
    p = sub.add_parser("plan", help="write the one-page plan of one key account as HTML")
    p.add_argument("account", metavar="ACCOUNT", help="account id, e.g. A001")
    p.add_argument("--data", type=Path, default=None, help="dataset folder (default: the shipped case company)")
    p.add_argument("--out", type=Path, default=Path("plan.html"), help="HTML file to write (default plan.html)")
    p.add_argument("--xlsx", type=Path, default=None,
                   help="also write the APA workbook with an 'Account plan' sheet")
    p.add_argument("--cost-of-capital", type=float, default=None,
                   help="yearly cost of capital, a fraction (default: account_plan's)")
    p.add_argument("--no-charts", action="store_true", help="tables only, no embedded charts")
    p.set_defaults(func=_plan)
