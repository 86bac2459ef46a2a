"""Benchmark: kamlab.apa.account_pnl at ERP scale against a hand-written DuckDB SQL query.

    .venv/bin/python benchmarks/bench_apa.py                 # 10M lines, 10k accounts, 1M activities
    .venv/bin/python benchmarks/bench_apa.py --lines 1000000 --accounts 1000 --activities 100000 --rounds 3

1. Generates the company with kamlab.synth, then times `account_pnl(ds)` and a DuckDB query computing
   the same per-account aggregates (revenue, discounts, rebates, freight, COGS, terms cost, one column
   per activity, net margin and both ranks) alternately, `--rounds` times each, in the same process, and
   prints both medians and the ratio (target: account_pnl <= 1.5x DuckDB). It checks both give the same
   numbers. Peak memory: the process's peak resident set during one account_pnl call (the kernel's
   VmHWM, reset just before the call) against the input frames' in-memory size
   (DataFrame.memory_usage(deep=True)); target: the growth during the call <= 3x the inputs.
2. Times import plus P&L of the real UCI Online Retail export ($KAMLAB_SHARED_DATA/online_retail,
   541,909 lines) end to end (target < 5 s).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from kamlab import apa, synth


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def sql_pnl(ds, *, cost_of_capital=0.10, days_in_year=365) -> pd.DataFrame:
    """The same per-account aggregates as account_pnl(ds), in DuckDB SQL over the pandas frames."""
    import duckdb

    acts = list(ds.activity_rates["activity"])
    act_cols = ",\n  ".join(f"coalesce(sum(cost) FILTER (WHERE activity = '{a}'), 0) AS \"{a}\"" for a in acts)
    act_sel = ", ".join(f"coalesce(a.\"{a}\", 0) AS \"{a}\"" for a in acts)
    cts = " + ".join(f"coalesce(a.\"{a}\", 0)" for a in acts)
    as_of = apa.as_of_date(ds).date().isoformat()    # unpaid invoices are aged to it (apa.settlement_dates)
    query = f"""
    WITH l AS (
      SELECT ol.account_id,
             sum(ol.quantity * ol.list_price) AS list_revenue,
             sum(ol.quantity * ol.invoice_price) AS invoice_revenue,
             sum(ol.off_invoice) AS off_invoice,
             sum(ol.freight_cost) AS freight,
             sum(ol.quantity * p.unit_cost) AS cogs
      FROM ol JOIN prod p ON ol.product_id = p.product_id
      GROUP BY ol.account_id),
    ac AS (
      SELECT act.account_id, act.activity, act.driver_qty * r.rate AS cost
      FROM act JOIN rates r ON act.activity = r.activity),
    a AS (SELECT account_id, {act_cols} FROM ac GROUP BY account_id),
    t AS (
      SELECT pay.account_id,
             sum(pay.amount * greatest(acc.payment_terms_days
                 + date_diff('day', pay.due_date,
                             coalesce(pay.paid_date, greatest(pay.due_date, DATE '{as_of}'))), 0))
               / {days_in_year} * {cost_of_capital} AS terms_cost
      FROM pay JOIN acc ON pay.account_id = acc.account_id
      GROUP BY pay.account_id),
    pnl AS (
      SELECT acc.account_id,
             coalesce(l.list_revenue, 0) AS list_revenue,
             coalesce(l.list_revenue - l.invoice_revenue, 0) AS on_invoice_discount,
             coalesce(l.invoice_revenue, 0) AS invoice_revenue,
             coalesce(l.off_invoice, 0) AS off_invoice,
             coalesce(l.freight, 0) AS freight,
             coalesce(t.terms_cost, 0) AS terms_cost,
             coalesce(l.cogs, 0) AS cogs,
             {act_sel},
             {cts} AS cost_to_serve
      FROM acc LEFT JOIN l ON acc.account_id = l.account_id
               LEFT JOIN t ON acc.account_id = t.account_id
               LEFT JOIN a ON acc.account_id = a.account_id),
    pnl2 AS (
      SELECT *, invoice_revenue - off_invoice - freight - terms_cost AS pocket_revenue,
             invoice_revenue - off_invoice - freight - terms_cost - cogs AS gross_margin,
             invoice_revenue - off_invoice - freight - terms_cost - cogs - cost_to_serve AS net_margin
      FROM pnl)
    SELECT *, gross_margin / nullif(invoice_revenue, 0) AS gross_margin_pct,
           net_margin / nullif(invoice_revenue, 0) AS net_margin_pct,
           row_number() OVER (ORDER BY invoice_revenue DESC, account_id) AS revenue_rank,
           row_number() OVER (ORDER BY net_margin DESC, account_id) AS profit_rank
    FROM pnl2 ORDER BY account_id
    """
    con = duckdb.connect()
    for name, frame in {"ol": ds.order_lines, "prod": ds.products, "act": ds.activities,
                        "rates": ds.activity_rates, "pay": ds.payments, "acc": ds.accounts}.items():
        con.register(name, frame)
    out = con.execute(query).df().set_index("account_id")
    con.close()
    return out


def input_bytes(ds) -> int:
    return int(sum(t.memory_usage(deep=True).sum() for t in ds.tables().values()))


def bench_scale(n_lines: int, n_accounts: int, n_activities: int, rounds: int, years: int) -> None:
    import duckdb

    threads = duckdb.execute("select current_setting('threads')").fetchone()[0]
    print(f"== account_pnl vs DuckDB SQL: {n_lines:,} order lines, {n_accounts:,} accounts, "
          f"{n_activities:,} activities ({os.cpu_count()} cores; DuckDB {duckdb.__version__}, "
          f"threads {threads})")
    t0 = time.perf_counter()
    ds = synth.generate(n_accounts=n_accounts, years=years, seed=2026, n_order_lines=n_lines,
                        n_activities=n_activities)
    print(f"generated in {time.perf_counter() - t0:.1f} s: order_lines {len(ds.order_lines):,}, "
          f"activities {len(ds.activities):,}, payments {len(ds.payments):,}")
    size = input_bytes(ds)
    print(f"input frames in memory: {size / 2**20:,.0f} MiB (DataFrame.memory_usage(deep=True))")

    # peak memory during one account_pnl call
    rss_before = _status_kib("VmRSS")
    can_reset = _reset_peak()
    pnl = apa.account_pnl(ds)
    hwm = _status_kib("VmHWM")
    growth = (hwm - rss_before) * 1024
    ref = sql_pnl(ds)
    cols = [c for c in ref.columns if c in pnl.columns]
    diff = (pnl[cols] - ref.loc[pnl.index, cols]).abs().max().max()
    scale = pnl["list_revenue"].abs().max()
    print(f"same numbers: max |account_pnl - SQL| = {diff:.3g} (largest list revenue {scale:,.0f})")

    t_pnl, t_sql = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        apa.account_pnl(ds)
        t_pnl.append(time.perf_counter() - t)
        t = time.perf_counter()
        sql_pnl(ds)
        t_sql.append(time.perf_counter() - t)
    m_pnl, m_sql = statistics.median(t_pnl), statistics.median(t_sql)
    print(f"account_pnl: median {m_pnl:.3f} s  (runs {', '.join(f'{x:.2f}' for x in t_pnl)})")
    print(f"DuckDB SQL : median {m_sql:.3f} s  (runs {', '.join(f'{x:.2f}' for x in t_sql)})")
    paired = statistics.median(a / b for a, b in zip(t_pnl, t_sql))
    print(f"ratio account_pnl / DuckDB = {m_pnl / m_sql:.2f}  (target <= 1.5); median of the per-round "
          f"ratios {paired:.2f}; best-of ratio {min(t_pnl) / min(t_sql):.2f}")
    peak_note = "" if can_reset else " (could not reset the peak: this is the process peak since start)"
    print(f"peak memory: process peak during account_pnl {hwm / 2**20:,.2f} GiB, growth over the "
          f"{rss_before / 2**20:,.2f} GiB before = {growth / 2**20:,.0f} MiB = {growth / size:.2f}x the "
          f"input frames (target <= 3x){peak_note}")
    print(f"process peak RSS overall (ru_maxrss, includes generation): "
          f"{__import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss / 2**20:,.2f} GiB")


ONLINE_RETAIL_COLUMNS = {"account_id": "CustomerID", "order_id": "InvoiceNo", "invoice_date": "InvoiceDate",
                         "product_id": "StockCode", "quantity": "Quantity", "invoice_price": "UnitPrice",
                         "product_name": "Description", "country": "Country"}


def bench_online_retail(rounds: int) -> None:
    from kamlab import importer

    base = Path(os.environ.get("KAMLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    src = base / "online_retail" / "online_retail.csv.gz"
    print(f"== import + account_pnl of the real Online Retail export ({src})")
    if not src.exists():
        print("   skipped: file not found (set KAMLAB_SHARED_DATA)")
        return
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        result = importer.from_order_lines(src, ONLINE_RETAIL_COLUMNS, currency="GBP", noise_codes="online_retail")
        t_imp = time.perf_counter() - t
        ds = getattr(result, "dataset", result)
        pnl = apa.account_pnl(ds)
        total = time.perf_counter() - t
        times.append(total)
        print(f"   import {t_imp:.2f} s + account_pnl {total - t_imp:.2f} s = {total:.2f} s "
              f"({len(ds.order_lines):,} lines, {len(pnl):,} accounts)")
    print(f"   median end to end {statistics.median(times):.2f} s  (target < 5 s)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lines", type=int, default=10_000_000)
    p.add_argument("--accounts", type=int, default=10_000)
    p.add_argument("--activities", type=int, default=1_000_000)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--skip-online-retail", action="store_true")
    p.add_argument("--only-online-retail", action="store_true")
    a = p.parse_args(argv)
    if not a.only_online_retail:
        bench_scale(a.lines, a.accounts, a.activities, a.rounds, a.years)
    if not a.skip_online_retail:
        bench_online_retail(max(1, min(a.rounds, 3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
