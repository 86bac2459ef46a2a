"""`kamlab generate` (the case company) and `kamlab import` (bring your own order-lines export).

    kamlab generate --out datasets/case_company
    kamlab import export.csv --map account_id=CustomerID --map order_id=InvoiceNo ... --out my_company

The full `kamlab import` example on the UCI Online Retail export is in `kamlab.importer`'s docstring.
Defaults live in the signatures of `kamlab.synth.generate` and `kamlab.importer.from_order_lines`;
this module reads them, never repeats them.
"""
from __future__ import annotations

import argparse
import inspect
import textwrap
import warnings

from kamlab.data import DataError

GENERATE_OUT = "datasets/case_company"
_GENERATE_OPTS = (("n_accounts", "--n-accounts", int), ("years", "--years", int), ("seed", "--seed", int))


def register(sub) -> None:
    """Add `generate` and `import` to the `kamlab` parser."""
    defaults = _synth_defaults()
    gen = sub.add_parser("generate", help="write the seeded case company as a dataset folder",
                         description="Generate the case company with kamlab.synth.generate and save it.")
    for name, flag, kind in _GENERATE_OPTS:
        shown = f" (default: {defaults[name]})" if name in defaults else ""
        gen.add_argument(flag, dest=name, type=kind, default=None, help=f"{name.replace('_', ' ')}{shown}")
    gen.add_argument("--out", default=GENERATE_OUT, help=f"folder to write (default: {GENERATE_OUT})")
    gen.set_defaults(func=generate)

    imp = sub.add_parser("import", help="build a dataset folder from one order-lines export (CSV, CSV.gz, Excel)",
                         description="Map an export's columns onto kamlab's order lines, fill in the rest with "
                                     "stated assumptions, and write a validated dataset folder.",
                         epilog=_import_epilog(),
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("source", help="the export: .csv, .csv.gz or .xlsx")
    imp.add_argument("--map", action="append", default=[], metavar="TARGET=COLUMN",
                     help="kamlab column = your export's column, e.g. account_id=CustomerID (repeat)")
    imp.add_argument("--assume", action="append", default=[], metavar="NAME=VALUE",
                     help="change an assumption, e.g. unit_cost_share=0.55 or currency=GBP (repeat)")
    imp.add_argument("--out", required=True, help="dataset folder to write")
    imp.set_defaults(func=import_export)


def _import_epilog() -> str:
    from kamlab import importer

    targets = (f"Targets for --map: required {', '.join(importer.REQUIRED)}; optional "
               f"{', '.join(importer.OPTIONAL)}.")
    assume = "Assumptions for --assume, with their defaults: " + ", ".join(
        f"{k}={v}" for k, v in _import_defaults().items()) + ". See `kamlab.importer` for what each means."
    return "\n\n".join(textwrap.fill(p, 100) for p in (targets, assume))


def _synth_defaults() -> dict:
    from kamlab import synth

    params = inspect.signature(synth.generate).parameters
    return {n: p.default for n, p in params.items() if p.default is not inspect.Parameter.empty}


def _import_defaults() -> dict:
    from kamlab import importer

    params = inspect.signature(importer.from_order_lines).parameters
    return {n: p.default for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def generate(args) -> int:
    """Generate the case company and save it; prints what was written."""
    from kamlab import data, synth

    given = {name: getattr(args, name) for name, _, _ in _GENERATE_OPTS if getattr(args, name) is not None}
    ds = synth.generate(**given)
    folder = data.save(ds, args.out)
    print(f"wrote {folder}: " + ", ".join(f"{n} {len(t):,}" for n, t in ds.tables().items()))
    return 0


def import_export(args) -> int:
    """Import an export, print the assumptions and reconciliation, and save the dataset folder."""
    from kamlab import data, importer

    columns = _pairs(args.map, "--map", "TARGET=COLUMN, e.g. --map account_id=CustomerID")
    assumptions = _assumptions(_pairs(args.assume, "--assume", "NAME=VALUE, e.g. --assume currency=GBP"))
    with warnings.catch_warnings():  # the reader's notes are printed in the report below, as sentences
        warnings.simplefilter("ignore", UserWarning)
        result = importer.from_order_lines(args.source, columns, **assumptions)
    folder = data.save(result.dataset, args.out)
    result.set_aside.to_csv(folder / "set_aside.csv", index=False, date_format="%Y-%m-%d")
    result.reconciliation.table.round({"amount": 2}).to_csv(folder / "reconciliation.csv", index=False)
    print(result.report())
    print(f"wrote {folder} (plus set_aside.csv and reconciliation.csv); open it with kamlab.data.load({str(folder)!r})")
    return 0


def _pairs(items: list[str], flag: str, example: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise DataError(f"{flag} {item!r}: expected {example}.")
        out[key.strip()] = value.strip()
    return out


def _assumptions(given: dict[str, str]) -> dict:
    defaults = _import_defaults()
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise DataError(f"--assume {', '.join(unknown)}: unknown assumption.\n    Fix: use one of "
                        f"{', '.join(defaults)}.")
    return {name: _convert(name, text, defaults[name]) for name, text in given.items()}


def _convert(name: str, text: str, default):
    """A --assume value in the type of the signature's default ("a:0.5,b:0.6" for a mapping)."""
    try:
        if name == "unit_cost_share" and ":" in text:
            pairs = dict(part.rsplit(":", 1) for part in text.split(","))
            return {k.strip(): float(v) for k, v in pairs.items()}
        if name == "header_row":
            return int(text)
        if name in ("sep", "thousands") and text.lower() in ("space", "tab", "semicolon", "comma", "none"):
            return {"space": " ", "tab": "\t", "semicolon": ";", "comma": ","}.get(text.lower(), "none")
        if isinstance(default, bool):
            return text.lower() in ("true", "yes", "1")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        raise DataError(f"--assume {name}={text}: expected a {type(default).__name__} like {default!r}.") from None
    return text
