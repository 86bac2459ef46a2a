"""Every course notebook executes top to bottom, headless, with the shipped data and with a generated
company (a second seed), within a time budget. Executed copies are kept under artifacts/executed/.

The shipped-data run uses the app's page kernel (kamlab.app.page_kernel: no pyarrow, no debugpy), the
second run JupyterLab's own kernel, so both kernels a participant meets run every page.

The runs go two at a time (the machines have two cores); each gets papermill's per-cell timeout.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUT = ROOT / "artifacts" / "executed"
RUNS = {"shipped": {}, "seed7": {"seed": 7}}
PAGE_KERNEL_RUNS = {"shipped"}
CELL_TIMEOUT_S = 120      # one cell may take at most this long
NOTEBOOK_BUDGET_S = 240   # a whole notebook (kernel start included) at most this long
WORKERS = 2

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

CASES = [(nb, run) for nb in NOTEBOOKS for run in RUNS]


def _page_kernel_manager():
    """A kernel manager that starts kernels as the Voila app does (voila.json's kernel spec manager)."""
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    from kamlab.app.page_kernel import PageKernelSpecManager

    class PageKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _page_specs(self):
            return PageKernelSpecManager(parent=self)

    return PageKernelManager


def _execute(nb: Path, run: str) -> dict:
    import papermill as pm

    kernel = {"kernel_manager_class": _page_kernel_manager()} if run in PAGE_KERNEL_RUNS else {}

    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"{nb.stem}--{run}.ipynb"
    start = time.perf_counter()
    try:
        result = pm.execute_notebook(str(nb), str(target), parameters=RUNS[run], kernel_name="python3",
                                     cwd=str(nb.parent), execution_timeout=CELL_TIMEOUT_S,
                                     progress_bar=False, log_output=False, report_mode=False, **kernel)
        error = None
    except Exception as err:  # noqa: BLE001 - reported by the test below, with the notebook's name
        result, error = None, err
    return {"nb": result, "error": error, "seconds": time.perf_counter() - start, "path": target}


@pytest.fixture(scope="module")
def executed():
    """Run every (notebook, run) pair, WORKERS at a time, once for the whole module."""
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.pop("QUERY_STRING", None)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {case: pool.submit(_execute, *case) for case in CASES}
        return {case: f.result() for case, f in futures.items()}


def test_notebooks_were_found():
    assert any(p.name == "00_welcome.ipynb" for p in NOTEBOOKS)


def _problems(nb) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            if "Traceback" in text:
                found.append(f"cell {i}: traceback on stderr")
            html = "".join(out.get("data", {}).get("text/html", ""))
            if "kamlab-error" in html:
                found.append(f"cell {i}: shows an error box: {html[:200]}")
    # live outputs (kamlab.app) and panels show what they computed inside Output widgets
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        for out in model.get("state", {}).get("outputs", []) or []:
            html = "".join(out.get("data", {}).get("text/html", "")) if isinstance(out, dict) else ""
            if "kamlab-error" in html:
                found.append(f"an output shows an error box: {html[:300]}")
    return found


@pytest.mark.parametrize("nb,run", CASES, ids=[f"{nb.stem}-{run}" for nb, run in CASES])
def test_notebook_executes(executed, nb, run):
    res = executed[(nb, run)]
    assert res["error"] is None, f"{nb.name} ({run}) failed; see {res['path']}:\n{res['error']}"
    assert not _problems(res["nb"]), _problems(res["nb"])
    assert res["seconds"] < NOTEBOOK_BUDGET_S, f"{nb.name} ({run}) took {res['seconds']:.0f} s"
    injected = [c for c in res["nb"].cells if "injected-parameters" in c.metadata.get("tags", [])]
    if RUNS[run]:
        assert injected and "seed = 7" in injected[0].source


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_pages_ask_for_no_code_and_follow_the_header(nb):
    """An app page: no instruction to run or edit code, no dollar amount typeset as maths, and every
    code cell after the header shows a live output, a marked illustration, a panel or a control."""
    import json
    import re

    cells = json.loads(nb.read_text())["cells"]
    for i, cell in enumerate(cells):
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            assert not re.search(r"(?<!\\)\$\d", src), f"{nb.name} cell {i}: escape dollar amounts (\\$)"
            assert not re.search(r"\b[Rr]un (this|the) cell|JupyterLab|`kl\.|`panel\.", src), \
                f"{nb.name} cell {i} asks for code"
    code = [("".join(c["source"]), i) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert any("kl.app.workbench(" in src for src, _ in code)
    for src, i in code[2:-1]:  # after the parameters and the header, before wb.ready()
        last = src.strip().splitlines()[-1]
        # board_view refreshes from the shared board; plan_downloads builds the plan on screen when clicked;
        # play.debrief is the role-play panel's own debrief widget
        assert re.search(r"wb\.(show|illustration|course_map)\(|"
                         r"kl\.widgets\.(\w+_panel|dataset_tour|board_view|plan_downloads)\(|"
                         r"^\s*(play|panel)(\.\w+)?\s*$|"
                         r"kl\.app\.refreshable\(|^\s*\)|^\s+", last), f"{nb.name} cell {i} shows no live output: {last}"
