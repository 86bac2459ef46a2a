"""Classroom hop: a class of participants walking through the app at once, against one Voila server
started as `make app` starts it (the repository's voila.json: preheated pages, the classroom kernel manager,
the culler), in Debian's Chromium driven by Playwright.

Each simulated participant (default 25, starting `--stagger` seconds apart) opens the course home, then
visits every unit page in turn by the pages' links (a unit's own link when the page has one, else back home
by the header's link and on from there), staying `--dwell` seconds on each (default 60). Everything is
bounded: a page not usable within `--page-bound` seconds counts as not usable (the participant then types
the next page's address, as someone would, rather than clicking on a page that never came up), and the
run stops after `--bound` seconds whatever happens.

Reported: pages usable (target: all), p50/p95 time from the click to a usable page, the total memory of the
server and its kernels (RSS, and PSS where readable: shared libraries split between the processes) sampled
every 10 s and at the end, and live kernels against open pages (each participant's last page stays open; at
the end, after `--settle` seconds, target: live kernels <= open pages + the preheat pool). Target for
memory: never above 4 GB. The yardstick is the cold start of one kernel on the same machine in the same run
(a kernel started and asked for its first reply before the class arrives), and the times are also given as
multiples of it. Also reported: where the CPU went (the server, the kernel forge and kernels, the
simulated browsers), since the class shares the server's cores here. `KAMLAB_FORGE=0` runs the class
with every kernel started as a new process (no kernel forge, `kamlab.app.forge`), for comparison.

Usage: .venv/bin/python benchmarks/bench_classroom.py [--participants 25] [--stagger 4] [--dwell 60]
       [--page-bound 120] [--bound 1500] [--settle 150]
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows while it runs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
HOME = "00_welcome.ipynb"
CHROMIUM = os.environ.get("KAMLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY_JS = """() => document.querySelectorAll('.jp-Cell').length > 0
    && document.querySelectorAll('.widget-box, .widget-html, .widget-button').length > 0
    && !document.body.innerText.includes('Loading widget')
    && !document.querySelector('#loading, .voila-spinner-color1')"""
MEMORY_BOUND_MB = 4096


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernels(server: psutil.Process) -> list[psutil.Process]:
    out = []
    for child in server.children(recursive=True):
        try:
            cmd = child.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "-f" in cmd and any(c.endswith(".json") for c in cmd):
            out.append(child)
    return out


def memory(server: psutil.Process) -> tuple[float, float, int]:
    """(RSS MB, PSS MB, live kernels) of the server and every process under it."""
    rss = pss = 0.0
    for proc in [server, *server.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return rss / 2**20, pss / 2**20, len(kernels(server))


def pct(values, q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def yardstick_cold_start() -> float:
    """Seconds for one kernel to start and answer its first execute request (the same kernel the app uses)."""
    from jupyter_client.manager import start_new_kernel

    t0 = time.monotonic()
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute_interactive("import kamlab, ipywidgets", timeout=120)
        return time.monotonic() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def cpu_seconds(server: psutil.Process, seen: dict[int, tuple[str, float]]) -> None:
    """Record the CPU seconds so far of the server, of every process under it (the kernel forge and the
    kernels) and of the browser (every other process under this one), by pid: a process's last reading
    stands for its whole life (sampled every 10 s, a kernel that ends loses at most its last 10 s)."""
    groups = [("server", [server]), ("kernels", server.children(recursive=True))]
    mine = {server.pid, *(c.pid for c in groups[1][1])}
    groups.append(("browser", [c for c in psutil.Process().children(recursive=True) if c.pid not in mine]))
    for group, procs in groups:
        for proc in procs:
            try:
                t = proc.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            seen[proc.pid] = (group, t.user + t.system)


def start_voila(tmp: Path, log_path, **env) -> tuple[subprocess.Popen, int]:
    """Voila as `make app` starts it (the repository's voila.json) on a free port, its board and log in
    `tmp`, with `env` added to this environment; the process and its port."""
    port = free_port()
    env = {**os.environ, "KAMLAB_BOARD": str(tmp / "board.sqlite"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", **env}
    env.pop("QUERY_STRING", None)
    with open(log_path, "w") as log:  # the server keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, "-m", "voila", "notebooks", "--no-browser", f"--port={port}",
                                 "--Voila.ip=127.0.0.1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, port


def stop_voila(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


class Class:
    def __init__(self, server: psutil.Process):
        self.server = server
        self.t0 = time.monotonic()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.tti: list[float] = []
        self.failed: list[str] = []
        self.open_pages = 0
        self.samples: list[tuple[float, float, float, int, int]] = []

    async def sample_every(self, seconds: float, t0: float) -> None:
        while True:
            await asyncio.to_thread(cpu_seconds, self.server, self.cpu)
            rss, pss, n = await asyncio.to_thread(memory, self.server)
            self.samples.append((time.monotonic() - t0, rss, pss, n, self.open_pages))
            print(f"  t={self.samples[-1][0]:6.0f} s  server+kernels RSS {rss:7.0f} MB  PSS {pss:7.0f} MB  "
                  f"kernels {n:3d}  open pages {self.open_pages:3d}")
            await asyncio.sleep(seconds)

    async def go(self, page, nb: str, action, bound: float, who: int) -> bool:
        t0 = time.monotonic()
        try:
            await action()
            await page.wait_for_url(f"**/{nb}*", timeout=bound * 1000)
            await page.wait_for_function(READY_JS, timeout=bound * 1000)
        except Exception as err:  # noqa: BLE001 - a page that did not come up is the measurement
            why = str(err).strip().splitlines()[0][:90] if str(err).strip() else ""
            self.failed.append(f"participant {who + 1}, {nb[:2]} at t={t0 - self.t0:.0f} s: "
                               f"{type(err).__name__} {why}")
            return False
        if time.monotonic() - t0 > bound:  # each wait had the bound; together they may not
            self.failed.append(f"participant {who + 1}, {nb[:2]} at t={t0 - self.t0:.0f} s: usable only after "
                               f"{time.monotonic() - t0:.0f} s")
            return False
        self.tti.append(time.monotonic() - t0)
        return True

    async def participant(self, browser, base: str, who: int, args) -> None:
        ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
        page = await ctx.new_page()
        self.open_pages += 1

        def by_address(nb):
            return lambda: page.goto(f"{base}/voila/render/{nb}", wait_until="domcontentloaded",
                                     timeout=args.page_bound * 1000)

        def click(nb):  # the page bound counts from the click (Playwright's own default is 30 s)
            return page.locator(f"a[href$='{nb}']").first.click(timeout=args.page_bound * 1000)

        ok = await self.go(page, HOME, by_address(HOME), args.page_bound, who)
        for nb in [n for n in NOTEBOOKS if n != HOME]:
            if not ok:  # a page that never came up: the participant types the next page's address
                ok = await self.go(page, nb, by_address(nb), args.page_bound, who)
                continue
            await asyncio.sleep(args.dwell)
            if await page.locator(f"a[href$='{nb}']").count() == 0:
                ok = await self.go(page, HOME, lambda: click(HOME), args.page_bound, who)
            ok = await self.go(page, nb, lambda nb=nb: click(nb), args.page_bound, who)
        print(f"  participant {who + 1} done")
        # the last page stays open (as on a participant's laptop)


async def run(args) -> int:
    from playwright.async_api import async_playwright

    cold = await asyncio.to_thread(yardstick_cold_start)
    print(f"yardstick: one kernel's cold start {cold:.1f} s")
    from kamlab.app import forge

    print(f"kernel forge: {'on' if forge.available() else 'off'}")
    tmp = Path(tempfile.mkdtemp(prefix="kamlab_bench_classroom_"))
    voila, port = start_voila(tmp, os.environ.get("KAMLAB_BENCH_VOILA_LOG", tmp / "voila.log"))
    server = psutil.Process(voila.pid)
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    try:
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            await asyncio.sleep(0.2)
        klass = Class(server)
        sampler = asyncio.create_task(klass.sample_every(10, t0))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

            async def staggered(i):
                await asyncio.sleep(i * args.stagger)
                await klass.participant(browser, base, i, args)

            try:
                await asyncio.wait_for(asyncio.gather(*(staggered(i) for i in range(args.participants))),
                                       timeout=args.bound)
            except asyncio.TimeoutError:
                print(f"  stopped at the bound ({args.bound} s)")
            print(f"every participant is on its last page; settling {args.settle} s")
            await asyncio.sleep(args.settle)
            rss, pss, n = memory(server)
            klass.samples.append((time.monotonic() - t0, rss, pss, n, klass.open_pages))
            sampler.cancel()
            await browser.close()
    finally:
        stop_voila(voila)

    usable = len(klass.tti)
    loads = usable + len(klass.failed)  # every page each participant opened (units, and home between them)
    peak_rss = max(s[1] for s in klass.samples)
    peak_pss = max(s[2] for s in klass.samples)
    end = klass.samples[-1]
    pool = len(NOTEBOOKS)
    print("\n== Classroom hop ==")
    print(f"participants {args.participants}, stagger {args.stagger} s, dwell {args.dwell} s, "
          f"{len(NOTEBOOKS)} pages each")
    print(f"pages usable: {usable} of {loads} opened, every unit and the home page between them "
          f"({len(klass.failed)} not usable: {klass.failed[:20]})")
    if klass.tti:
        p50, p95 = statistics.median(klass.tti), pct(klass.tti, 0.95)
        print(f"time to interactive: p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(klass.tti):.1f} s "
              f"(= {p50 / cold:.1f}x / {p95 / cold:.1f}x the yardstick cold start {cold:.1f} s)")
    print(f"memory, server + kernels: peak RSS {peak_rss:.0f} MB, peak PSS {peak_pss:.0f} MB; at the end RSS "
          f"{end[1]:.0f} MB, PSS {end[2]:.0f} MB (bound {MEMORY_BOUND_MB} MB)")
    wall = end[0]
    by_group = {g: sum(c for gg, c in klass.cpu.values() if gg == g) for g in ("server", "kernels", "browser")}
    print(f"CPU over the run ({wall:.0f} s on {psutil.cpu_count()} cores = {wall * psutil.cpu_count():.0f} "
          f"core-seconds): " + ", ".join(f"{g} {c:.0f} s ({c / max(loads, 1):.2f} s a page)"
                                         for g, c in by_group.items()))
    print(f"at the end: {end[3]} live kernels for {end[4]} open pages and a preheat pool of {pool} "
          f"(target <= {end[4] + pool})")
    ok = (not klass.failed and usable >= args.participants * len(NOTEBOOKS) and peak_pss <= MEMORY_BOUND_MB
          and end[3] <= end[4] + pool)
    print("TARGETS MET" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=25)
    ap.add_argument("--stagger", type=float, default=4.0, help="seconds between two participants' arrivals")
    ap.add_argument("--dwell", type=float, default=60.0, help="seconds on each page")
    ap.add_argument("--page-bound", type=float, default=120.0, help="seconds a page has to become usable")
    ap.add_argument("--bound", type=float, default=1500.0, help="seconds for the whole class")
    ap.add_argument("--settle", type=float, default=150.0, help="seconds after the class before the final count")
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
