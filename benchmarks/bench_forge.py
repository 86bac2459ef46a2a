"""Kernel forge against new kernel processes: what a page visit costs the server, with and without it.

Two Voila servers in turn, as `make app` starts them (the repository's voila.json), one with the kernel
forge (`kamlab.app.forge`, the default on Linux) and one with ``KAMLAB_FORGE=0`` (every page kernel a new
Python process: the yardstick). In each, after the preheated pool has warmed, one Chromium tab opens every
page `--rounds` times in turn and waits `--dwell` seconds on each (Voila refills the pool behind it: that
new kernel is the visit's main cost).

Reported for each: CPU seconds a visit costs the kernels (the forge and every kernel under the server; each
process's last reading every 0.2 s stands for its life) and the server; the server tree's memory (PSS:
shared pages split between the processes) after warming and at the end; the mean time from the address to
a usable page. Then the forge's ratios to the yardstick.

Usage: .venv/bin/python benchmarks/bench_forge.py [--rounds 2] [--dwell 12] [--warm 50]
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_classroom as bc  # noqa: E402 - the same server, browser and readiness as the classroom hop

print = functools.partial(print, flush=True)  # noqa: A001

ROOT = bc.ROOT


def _sample(server: psutil.Process, seen: dict, stop: threading.Event) -> None:
    while not stop.is_set():
        for proc in [server, *server.children(recursive=True)]:
            try:
                t = proc.cpu_times()
            except psutil.Error:
                continue
            seen[proc.pid] = (proc.pid == server.pid, t.user + t.system)
        time.sleep(0.2)


def _cpu(seen: dict) -> tuple[float, float]:
    """(server, kernels) CPU seconds so far."""
    server = sum(c for is_server, c in seen.values() if is_server)
    return server, sum(c for is_server, c in seen.values() if not is_server)


async def one_server(forge: bool, args) -> dict:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="kamlab_bench_forge_"))
    voila, port = bc.start_voila(tmp, tmp / "voila.log", KAMLAB_FORGE="1" if forge else "0")
    server, seen, stop = psutil.Process(voila.pid), {}, threading.Event()
    threading.Thread(target=_sample, args=(server, seen, stop), daemon=True).start()
    try:
        await asyncio.sleep(args.warm)  # the pool of nine pages warms
        warm_pss = bc.memory(server)[1]
        s0, k0 = _cpu(seen)
        ttis = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=bc.CHROMIUM, args=bc.CHROMIUM_ARGS, headless=True)
            page = await (await browser.new_context(viewport={"width": 1366, "height": 768})).new_page()
            for _ in range(args.rounds):
                for nb in bc.NOTEBOOKS:
                    t0 = time.monotonic()
                    await page.goto(f"http://127.0.0.1:{port}/voila/render/{nb}", wait_until="domcontentloaded")
                    await page.wait_for_function(bc.READY_JS, timeout=120_000)
                    ttis.append(time.monotonic() - t0)
                    await asyncio.sleep(args.dwell)
            await browser.close()
        await asyncio.sleep(args.dwell)  # the last refill
        s1, k1 = _cpu(seen)
        visits = len(ttis)
        return {"kernels": (k1 - k0) / visits, "server": (s1 - s0) / visits, "warm_pss": warm_pss,
                "end_pss": bc.memory(server)[1], "tti": sum(ttis) / visits, "visits": visits}
    finally:
        stop.set()
        bc.stop_voila(voila)


async def run(args) -> int:
    results = {}
    for forge in (False, True):
        name = "forge" if forge else "new processes (yardstick)"
        results[forge] = r = await one_server(forge, args)
        print(f"{name:28s} per visit: kernels {r['kernels']:.2f} s CPU, server {r['server']:.2f} s CPU; "
              f"time to usable {r['tti']:.2f} s; PSS after warming {r['warm_pss']:.0f} MB, at the end "
              f"{r['end_pss']:.0f} MB ({r['visits']} visits)")
    new, forged = results[False], results[True]
    print(f"forge / yardstick: kernel CPU a visit {forged['kernels'] / new['kernels']:.2f}, "
          f"PSS after warming {forged['warm_pss'] / new['warm_pss']:.2f}, "
          f"time to usable {forged['tti'] / new['tti']:.2f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2, help="times each page is opened")
    ap.add_argument("--dwell", type=float, default=12.0, help="seconds on each page (the pool refills)")
    ap.add_argument("--warm", type=float, default=50.0, help="seconds for the preheated pool to warm")
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
