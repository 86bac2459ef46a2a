"""The `kamlab` command line: a thin shell over the package, one module per area.

Each area module defines `register(subparsers)`, which adds its commands with a `func` default that
takes the parsed arguments and returns an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from kamlab.data import DataError

_AREAS = ("data", "apa", "plan", "grading", "join")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kamlab", description="The Key Account Profitability workbench.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for area in _AREAS:
        importlib.import_module(f"kamlab.cli.{area}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except DataError as err:  # a finance user gets the message, not a traceback
        print(f"kamlab: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
