"""Benchmark: import a 2-million-line export with `kamlab.importer.from_order_lines`.

The export is made here: the UCI Online Retail file ($KAMLAB_SHARED_DATA/online_retail) repeated until it
has at least `--lines` lines (8 columns, about 150 MB of CSV). The yardstick, timed alternately in the
same run, is the fastest plain reader found here: DuckDB's `read_csv` (every column as text, all rows
materialised as an Arrow table), else pyarrow.csv. Each run is a fresh Python process, so the peak memory
(ru_maxrss) is that run's alone.

    .venv/bin/python benchmarks/bench_import.py [--lines 2000000] [--rounds 3]

Prints the medians (wall and CPU time), the ratios kamlab / reader, and the peak memory of each. Targets: <= 10 s and
<= 1.2 GB peak for the import.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RETAIL_MAP = {"account_id": "CustomerID", "order_id": "InvoiceNo", "invoice_date": "InvoiceDate",
              "product_id": "StockCode", "quantity": "Quantity", "invoice_price": "UnitPrice",
              "product_name": "Description", "country": "Country"}

KAMLAB = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from kamlab import importer
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t = time.perf_counter()
r = importer.from_order_lines(sys.argv[1], json.loads(sys.argv[2]), currency="GBP", noise_codes="online_retail")
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": int(r.reconciliation.table["lines"].sum()),
                  "cpu": use.ru_utime + use.ru_stime - cpu0, "peak_mib": use.ru_maxrss / 1024}))
"""

READER = """
import json, resource, sys, time
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t = time.perf_counter()
try:
    import duckdb
    name = "duckdb read_csv (all_varchar) -> arrow"
    table = duckdb.sql(f"select * from read_csv('{sys.argv[1]}', all_varchar=true, header=true)").fetch_arrow_table()
except ImportError:
    import pyarrow.csv as pacsv
    name = "pyarrow.csv.read_csv"
    table = pacsv.read_csv(sys.argv[1])
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": table.num_rows, "reader": name,
                  "cpu": use.ru_utime + use.ru_stime - cpu0, "peak_mib": use.ru_maxrss / 1024}))
"""


def make_export(folder: Path, lines: int) -> Path:
    source = Path(os.environ.get("KAMLAB_SHARED_DATA", "../shared/data")) / "online_retail" / "online_retail.csv.gz"
    head, _, body = gzip.decompress(source.read_bytes()).partition(b"\n")
    repeats = -(-lines // body.count(b"\n"))
    path = folder / "export_2m.csv"
    with path.open("wb") as out:
        out.write(head + b"\n")
        for _ in range(repeats):
            out.write(body)
    return path


def run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"a benchmark run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = make_export(Path(tmp), args.lines)
        print(f"export: {path.stat().st_size / 2**20:,.0f} MiB")
        kam, rdr = [], []
        for i in range(args.rounds):  # alternate, so both see the same machine
            rdr.append(run(READER, str(path)))
            kam.append(run(KAMLAB, str(path), json.dumps(RETAIL_MAP)))
            print(f"round {i + 1}: kamlab {kam[-1]['seconds']:.2f} s (CPU {kam[-1]['cpu']:.2f} s), "
                  f"{kam[-1]['peak_mib']:,.0f} MiB; {rdr[-1]['reader']} {rdr[-1]['seconds']:.2f} s "
                  f"(CPU {rdr[-1]['cpu']:.2f} s), {rdr[-1]['peak_mib']:,.0f} MiB", flush=True)
    k = statistics.median(r["seconds"] for r in kam)
    y = statistics.median(r["seconds"] for r in rdr)
    print(f"lines: {kam[0]['rows']:,} (reader: {rdr[0]['rows']:,})")
    print(f"kamlab import: median {k:.2f} s, peak {max(r['peak_mib'] for r in kam):,.0f} MiB "
          f"(targets <= 10 s, <= 1,200 MB)")
    print(f"{rdr[0]['reader']}: median {y:.2f} s, peak {max(r['peak_mib'] for r in rdr):,.0f} MiB")
    kc = statistics.median(r["cpu"] for r in kam)
    yc = statistics.median(r["cpu"] for r in rdr)
    print(f"ratio kamlab / plain reader: {k / y:.1f}x wall, {kc / yc:.1f}x CPU (CPU medians {kc:.2f} s / "
          f"{yc:.2f} s; on a busy machine CPU time is the steadier figure, and a quiet machine's wall time for "
          f"the import is at most its CPU time plus waiting for the disk)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
