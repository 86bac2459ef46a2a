"""`kamlab apa`: write the Account Profitability Analysis workbook for a dataset folder.

    kamlab apa --data FOLDER --out apa.xlsx [--format xlsx|csv] [--cost-of-capital 0.10]
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
    p = sub.add_parser("apa", help="write the account P&L, waterfall by account and profit leaks",
                       description="Account Profitability Analysis of a dataset folder: the account P&L, "
                                   "the price waterfall by account and the profit leaks, as an Excel "
                                   "workbook (three sheets) or as CSV files.")
    p.add_argument("--data", metavar="FOLDER", default=None,
                   help="dataset folder (written by `kamlab import` or kamlab.data.save); default: the case company")
    p.add_argument("--out", metavar="FILE", default="apa.xlsx",
                   help="output workbook (xlsx), or the base name / folder of the CSVs (default: apa.xlsx)")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="xlsx (default) or csv")
    p.add_argument("--cost-of-capital", type=float, default=None, metavar="RATE",
                   help="yearly cost of capital for the terms cost, a fraction (default: account_pnl's)")
    p.set_defaults(func=run)


def run(args) -> int:
    from kamlab import apa, data, export

    ds = data.load(args.data) if args.data else data.load_sample()
    if not args.data:  # never analyse the sample company in silence
        print(f"kamlab: note: no --data given: using the shipped case company ({ds.meta.get('name', 'sample')}); "
              f"name your dataset folder with --data FOLDER.", file=sys.stderr)
    coc = args.cost_of_capital if args.cost_of_capital is not None else apa.DEFAULT_COST_OF_CAPITAL
    files = export.write_apa_workbook(ds, args.out, fmt=args.format, cost_of_capital=coc)
    for f in files:
        print(f)
    return 0
