"""The Voila app in a real browser (Debian's Chromium driven by Playwright).

For every page in notebooks/: it renders with no error output and no "Loading widget..." left, and
moving one control changes a shown number or figure. Screenshots of every page go to
artifacts/screenshots/ (git-ignored). The landing page's links reach every unit, and each unit's header
link leads back home.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("KAMLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RENDER_TIMEOUT_MS = 120_000
FIRST_TRY_MS = 60_000  # a page not rendered by then is reloaded once (see `render`)
CHANGE_TIMEOUT_MS = 20_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ERROR_SELECTORS = (
    '[data-mime-type="application/vnd.jupyter.stderr"]',
    '[data-mime-type="application/vnd.jupyter.error"]',
    ".kamlab-error",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Voila exited with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"Voila did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory, voila_log):
    """One Voila for the session, on a free loopback port, with the repository's voila.json."""
    port = _free_port()
    env = {**os.environ, "KAMLAB_BOARD": str(tmp_path_factory.mktemp("board") / "board.sqlite"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    env.pop("QUERY_STRING", None)
    log = open(voila_log(), "w")
    proc = subprocess.Popen([sys.executable, "-m", "voila", "notebooks", "--no-browser", f"--port={port}",
                             "--Voila.ip=127.0.0.1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} ('make browser' installs it with apt)")
        pytest.skip(f"Chromium is not at {CHROMIUM}: 'sudo apt-get install chromium' to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def tab(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    except BaseException:
        raise
    finally:
        context.close()


@contextmanager
def shot_on_failure(page, name: str):
    """Keep a screenshot of the page when the block fails (artifacts/screenshots/FAILED-<name>.png)."""
    try:
        yield
    except BaseException:
        try:
            _shot(page, f"FAILED-{name}")
        except Exception:  # noqa: BLE001 - the failure itself is what matters
            pass
        raise


def render(page, url: str) -> None:
    """Open a page and wait until Voila has run it and every widget is drawn (one more try after a stall)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
    except PlaywrightTimeout:
        warnings.warn(f"{url}: no page within {RENDER_TIMEOUT_MS // 1000} s, asked again once (issue 18's stall)",
                      stacklevel=2)
        page.goto(url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
    settle(page)


def settle(page) -> None:
    """`wait_rendered`, reloading once a page that is not rendered within a minute, as a trainer would,
    with a warning. Issue 18's two-minute stall (a cell's execute_reply lost after its outputs were
    complete) is handled in the server by `kamlab.app.executor`; this reload is the safety net, and
    tests/test_app_classroom.py holds every page to a cold start's time without one."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        wait_rendered(page, timeout=FIRST_TRY_MS)
    except PlaywrightTimeout:
        warnings.warn(f"{page.url}: not rendered within {FIRST_TRY_MS // 1000} s, reloaded once (issue 18's stall)",
                      stacklevel=2)
        page.reload(wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
        wait_rendered(page)


def wait_rendered(page, timeout: int = RENDER_TIMEOUT_MS) -> None:
    """Wait until the page's header is there, no widget is still loading and the page has loaded."""
    page.wait_for_selector(".kamlab-header", state="visible", timeout=timeout)
    page.wait_for_function(
        """() => !document.body.innerText.includes('Loading widget')
                 && !document.querySelector('#loading, .voila-spinner-color1')
                 && document.querySelectorAll('.jp-Cell').length > 0""",
        timeout=timeout)
    page.wait_for_load_state("load", timeout=timeout)


def assert_no_errors(page) -> None:
    for sel in ERROR_SELECTORS:
        found = page.locator(sel)
        if found.count():
            raise AssertionError(f"the page shows an error ({sel}): {found.first.inner_text()[:500]}")
    text = page.inner_text("body")
    for bad in ("Traceback", "could not be shown", "Execution error", "Loading widget"):
        assert bad not in text, f"the page shows {bad!r}"


PAGE_STATE_JS = (Path(__file__).parent / "page_state.js").read_text()


def content_state(page) -> str:
    """What a person sees below the header: text, images and charts, to tell whether anything changed."""
    return page.evaluate(PAGE_STATE_JS)


def _digest(state: str) -> str:
    return hashlib.sha1(state.encode()).hexdigest()


def _number(text: str) -> float | None:
    m = re.search(r"-?\d+(?:[.,]\d+)?", text.replace(",", ""))
    return float(m.group(0)) if m else None


def _candidates(v: float) -> list[float]:
    out = [v * 0.5, v * 2, v + 1, v - 1, 0.0, 1.0]
    return [c for c in out if abs(c - v) > 1e-9]


def _wait_changed(page, before: str, timeout_ms: int) -> bool:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if _digest(content_state(page)) != before:
            return True
        page.wait_for_timeout(150)
    return False


def move_one_control(page, *, allow_header: bool = False) -> str:
    """Move sliders (through their readouts) and dropdowns outside the header, one at a time, until what
    the page shows changes; returns a description of the control that did it."""
    tried = 0
    readouts = page.locator(".widget-slider .widget-readout")
    for i in range(readouts.count()):
        ro = readouts.nth(i)
        if not ro.is_visible() or ro.evaluate("el => !!el.closest('.kamlab-header')"):
            continue
        v = _number(ro.inner_text())
        if v is None:
            continue
        tried += 1
        for new in _candidates(v)[:3]:
            before = _digest(content_state(page))
            ro.click()
            ro.fill(f"{new:g}")
            ro.press("Enter")
            if _wait_changed(page, before, CHANGE_TIMEOUT_MS if tried == 1 else 6000):
                return f"slider readout {v:g} -> {new:g}"
        if tried >= 3:
            break
    selects = page.locator(".widget-dropdown select")
    for i in range(selects.count()):
        sel = selects.nth(i)
        in_header = sel.evaluate("el => !!el.closest('.kamlab-header')")
        if not sel.is_visible() or (in_header and not allow_header):
            continue
        options = sel.locator("option")
        if options.count() < 2:
            continue
        current = sel.evaluate("el => el.selectedIndex")
        target = 3 if in_header and options.count() > 3 else (current + 1) % options.count()
        before = _digest(content_state(page))
        sel.select_option(index=target)
        if _wait_changed(page, before, CHANGE_TIMEOUT_MS):
            return f"dropdown -> {options.nth(target).inner_text()}"
    raise AssertionError("no slider or dropdown changed what the page shows")


def _shot(page, name: str) -> Path:
    """A screenshot of the whole page: Voila scrolls inside #rendered_cells, so grow the viewport to fit."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => { const c = document.querySelector('#rendered_cells');
                                      return c ? c.scrollHeight : document.body.scrollHeight; }""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 40, size["height"]), 12000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_page_renders_and_reacts(tab, voila_url, nb):
    with shot_on_failure(tab, nb.stem):
        render(tab, f"{voila_url}/voila/render/{nb.name}")
        assert_no_errors(tab)
        assert _shot(tab, nb.stem).stat().st_size > 10_000
        is_home = nb.stem == "00_welcome"
        what = move_one_control(tab, allow_header=is_home)
        assert what
        assert_no_errors(tab)
        _shot(tab, f"{nb.stem}--after")
        if not is_home:  # and back home through the header's link
            home = tab.locator(".kamlab-header a.kamlab-home")
            assert home.get_attribute("href") == "00_welcome.ipynb"
            home.click()
            tab.wait_for_url("**/voila/render/00_welcome.ipynb", wait_until="commit", timeout=RENDER_TIMEOUT_MS)
            tab.wait_for_selector(".kamlab-tour", state="visible", timeout=RENDER_TIMEOUT_MS)


def test_presenter_mode_from_the_query_string(tab, voila_url):
    render(tab, f"{voila_url}/voila/render/00_welcome.ipynb?presenter=1")
    assert_no_errors(tab)
    assert tab.locator(".kamlab-presenter").count() == 1
    size = tab.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.jp-RenderedMarkdown p')).fontSize)")
    assert size >= 18
    _shot(tab, "00_welcome--presenter")


def test_landing_page_links_reach_every_unit(tab, voila_url):
    """Every link on the landing page resolves to a page that exists (each is rendered by the test above,
    which also follows its header's link back home); one is followed by a real click."""
    render(tab, f"{voila_url}/voila/render/00_welcome.ipynb")
    links = tab.eval_on_selector_all(".jp-RenderedMarkdown a[href$='.ipynb']",
                                     "els => els.map(a => [a.getAttribute('href'), a.href])")
    existing = [(href, url) for href, url in links if (ROOT / "notebooks" / href).is_file()]
    if not existing and not os.environ.get("CI"):
        pytest.skip("no unit notebook exists yet")
    missing = [href for href, _ in links if (href, _) not in existing]
    assert not missing, f"the landing page links to pages that do not exist: {missing}"
    units = {p.name for p in NOTEBOOKS if p.stem != "00_welcome"}
    assert units <= {href for href, _ in links}, f"units not linked: {sorted(units - {h for h, _ in links})}"
    for href, url in links:
        assert url == f"{voila_url}/voila/render/{href}", f"{href} resolves to {url}"
    first = existing[0][0]
    tab.click(f".jp-RenderedMarkdown a[href='{first}']")
    tab.wait_for_url(f"**/voila/render/{first}", wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    settle(tab)
    assert_no_errors(tab)


# -- one live model per page (issue 12) -------------------------------------------------------------------
UNITS = [p for p in NOTEBOOKS if p.stem != "00_welcome"]
FOLLOW_TIMEOUT_S = float(os.environ.get("KAMLAB_FOLLOW_TIMEOUT", "300"))
PRINTOUTS = re.compile(r"e\+0\d|dtype:|rows × \d+ columns|rows x \d+ columns|\d\.\d{6,}|\{'[^']*': |\bnan\b|\binf\b")

LIVE_STATE_JS = """() => [...document.querySelectorAll('.kamlab-live')].map(el => {
    const svgs = [...el.querySelectorAll('svg')].map(s => s.innerHTML.length + ':' + s.innerHTML.slice(-2000));
    return el.innerText + '|' + svgs.join('|'); })"""


@pytest.fixture(scope="session")
def retail_folder(tmp_path_factory):
    """The real Online Retail export imported once per session (as tests/test_import.py does)."""
    shared = Path(os.environ.get("KAMLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
    source = shared / "online_retail" / "online_retail.csv.gz"
    if not source.is_file():
        pytest.skip(f"no Online Retail export at {source}")
    out = tmp_path_factory.mktemp("retail") / "online_retail"
    cols = {"account_id": "CustomerID", "order_id": "InvoiceNo", "invoice_date": "InvoiceDate",
            "product_id": "StockCode", "quantity": "Quantity", "invoice_price": "UnitPrice",
            "product_name": "Description", "country": "Country"}
    args = [sys.executable, "-m", "kamlab", "import", str(source), "--out", str(out), "--assume", "currency=GBP"]
    for target, column in cols.items():
        args += ["--map", f"{target}={column}"]
    subprocess.run(args, check=True, cwd=ROOT, capture_output=True)
    return out


def live_states(page) -> list[str]:
    return page.evaluate(LIVE_STATE_JS)


def wait_settled(page, before: list[str], timeout_s: float = FOLLOW_TIMEOUT_S) -> list[str]:
    """Poll the live outputs until the header's "Updating the page" mark has come and gone and three
    successive reads agree (a page whose outputs all changed is done; one whose outputs did not change
    is done once the mark is gone)."""
    start = time.monotonic()
    deadline, reads, busy_seen = start + timeout_s, [], False
    while time.monotonic() < deadline:
        page.wait_for_timeout(700)
        if page.locator(".kamlab-busy").count():  # the header says the page is still following the change
            busy_seen, reads = True, []
            continue
        reads = (reads + [live_states(page)])[-3:]
        if len(reads) == 3 and reads[0] == reads[1] == reads[2] and (
                reads[-1] != before or busy_seen or time.monotonic() - start > 15):
            return reads[-1]
    return reads[-1] if reads else before


def printouts(page) -> list[str]:
    text = "\n".join(page.eval_on_selector_all(".kamlab-live, .kamlab-fixed", "els => els.map(e => e.innerText)"))
    return sorted({m.group(0) for m in PRINTOUTS.finditer(text)})


@pytest.mark.parametrize("nb", UNITS, ids=[p.stem for p in UNITS])
def test_page_follows_its_header(tab, voila_url, retail_folder, nb):
    """Switch the scenario, then the data folder: every live output follows; none reads like a printout."""
    with shot_on_failure(tab, f"{nb.stem}--follow"):
        render(tab, f"{voila_url}/voila/render/{nb.name}")
        base = live_states(tab)
        fixed = tab.locator(".kamlab-fixed").count()
        controlled = tab.locator(".kamlab-controlled").count()  # outputs of the room's own inputs
        assert not printouts(tab), f"{nb.stem} shows notebook printouts: {printouts(tab)}"
        scen, by_scenario = base, 0
        # losing the top account leaves a page about other accounts as it was (unit 08): then a scenario
        # that moves every account's prices must move it
        for scenario in ("lose the top account", "rebates up 50%"):
            tab.locator(".kamlab-header select").first.select_option(scenario)
            scen = wait_settled(tab, scen)
            by_scenario = sum(a != b for a, b in zip(base, scen))
            if by_scenario or not base:
                break
        tab.locator(".kamlab-header input[type=text]").fill(str(retail_folder))
        tab.locator(".kamlab-header button", has_text="Load data").click()
        data = wait_settled(tab, scen)
        by_data = sum(a != b for a, b in zip(scen, data))
        print(f"{nb.stem}: {len(base)} live outputs, {by_scenario} changed with the scenario, {by_data} with "
              f"the data; {fixed} fixed illustrations, {controlled} outputs of the room's inputs")
        _shot(tab, f"{nb.stem}--retail")
        assert "GBP" in tab.locator(".kamlab-summary").inner_text()
        assert by_data == len(base), f"{len(base) - by_data} of {len(base)} live outputs kept the old data"
        if base:
            assert by_scenario >= 1
        assert not printouts(tab), f"{nb.stem} on imported data shows printouts: {printouts(tab)}"


def test_presenter_mode_fits_a_projector(chromium, voila_url):
    """1920x1080 with ?presenter=1: no clipped label or readout, charts fill the content width at once."""
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        for nb in ("02_account_profitability_analysis.ipynb", "06_rationalization_and_control.ipynb"):
            render(page, f"{voila_url}/voila/render/{nb}?presenter=1")
            page.wait_for_selector(".kamlab-presenter", timeout=RENDER_TIMEOUT_MS)
            page.wait_for_timeout(1500)
            clipped = page.eval_on_selector_all(
                ".widget-label, .widget-readout, .jupyter-button, .kamlab-live td, .kamlab-live th",
                "els => els.filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
            assert not clipped, f"{nb}: clipped text {clipped[:10]}"
            ratios = page.eval_on_selector_all(".kamlab-chart svg", """els => els.map(s => {
                const cell = s.closest('.jp-OutputArea-output') || s.parentElement;
                return s.getBoundingClientRect().width / cell.getBoundingClientRect().width; })""")
            assert ratios and min(ratios) >= 0.8, f"{nb}: charts at {ratios} of the content width"
            _shot(page, f"{Path(nb).stem}--presenter-1920")
    finally:
        context.close()


def test_navigation_keeps_the_state(tab, voila_url):
    render(tab, f"{voila_url}/voila/render/02_account_profitability_analysis.ipynb"
                "?scenario=lose+the+top+account&presenter=1")
    nxt = tab.locator(".kamlab-header a.kamlab-next")
    assert "scenario=lose+the+top+account" in nxt.get_attribute("href")
    assert "presenter=1" in nxt.get_attribute("href")
    assert "presenter=1" in tab.locator(".kamlab-header a.kamlab-prev").get_attribute("href")
    nxt.click()
    tab.wait_for_url("**/03_cost_to_serve_and_resource_allocation.ipynb?*", wait_until="commit",
                     timeout=RENDER_TIMEOUT_MS)
    settle(tab)
    tab.wait_for_function("() => document.querySelector('.kamlab-header select').value !== undefined")
    assert "lose the top account" in tab.locator(".kamlab-summary").inner_text()
    assert tab.locator(".kamlab-presenter").count() == 1
