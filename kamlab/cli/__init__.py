"""The `kamlab` command line: a thin shell over the package, one module per area.

Each area module defines `register(subparsers)`, which adds its commands with a `func` default that
takes the parsed arguments and returns an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from kamlab.data import DataError

_AREAS = ("data", "apa", "plan", "grading", "serve", "course", "join")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kamlab", description="The Key Account Profitability workbench.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for area in _AREAS:
        importlib.import_module(f"kamlab.cli.{area}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            return args.func(args) or 0
        except DataError as err:  # a finance user gets the message, not a traceback
            print(f"kamlab: {err}", file=sys.stderr)
            return 2
        except OSError as err:  # a folder that cannot be written, a file that cannot be read
            print(f"kamlab: {err.filename or ''}: {err.strerror or err}.\n    Fix: check the path and its "
                  f"permissions.", file=sys.stderr)
            return 2
        except Exception as err:  # noqa: BLE001 - never a traceback on a finance user's screen
            if os.environ.get("KAMLAB_DEBUG"):
                raise
            print(f"kamlab: unexpected error ({type(err).__name__}: {err}).\n    Fix: please report this "
                  f"message with the command; KAMLAB_DEBUG=1 shows the details.", file=sys.stderr)
            return 1
        finally:  # warnings as plain sentences, without the Python source line
            for w in caught:
                if issubclass(w.category, UserWarning):
                    print(f"kamlab: note: {w.message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
