"""The Voila app's page kernel: ipykernel without pyarrow and debugpy (kamlab.app.page_kernel)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_client import KernelManager

from kamlab.app.page_kernel import LEFT_OUT, PageKernelSpecManager

ROOT = Path(__file__).resolve().parent.parent


def test_voila_runs_its_pages_in_the_page_kernel():
    conf = json.loads((ROOT / "voila.json").read_text())
    assert conf["VoilaConfiguration"]["kernel_spec_manager_class"] == "kamlab.app.page_kernel.PageKernelSpecManager"


def test_the_python_kernel_spec_starts_through_the_page_kernel():
    spec = PageKernelSpecManager().get_kernel_spec("python3")
    assert "kamlab.app.page_kernel" in spec.argv and "ipykernel_launcher" not in spec.argv
    assert "{connection_file}" in spec.argv and spec.metadata["debugger"] is False


def _run_in_page_kernel(code: str) -> str:
    km = KernelManager(kernel_name="python3", kernel_spec_manager=PageKernelSpecManager())
    km.start_kernel()
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        out = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(out)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_page_kernel_runs_pandas_without_the_left_out_modules():
    shown = _run_in_page_kernel(
        "import sys, pandas as pd\n"
        f"print(sorted(m for m in {LEFT_OUT!r} if sys.modules.get(m) is not None))\n"
        "print(pd.Series(['a', 'b']).dtype.storage)\n"
        "import kamlab as kl\nprint(len(kl.apa.account_pnl(kl.scenarios.open_dataset())))")
    left, storage, accounts = shown.split()
    assert left == "[]" and storage == "python" and int(accounts) > 0


@pytest.mark.slow
def test_a_page_kernel_reads_the_case_data_as_the_full_kernel_does():
    """The shared reader falls back on pandas' C reader where pyarrow is left out: same rows, same P&L."""
    from kamlab import apa, data

    code = ("import kamlab as kl\nds = kl.data.load_sample()\n"
            "print(len(ds.order_lines), repr(float(kl.apa.account_pnl(ds)['net_margin'].sum())))")
    rows, net = _run_in_page_kernel(code).split()
    ds = data.load_sample()
    assert int(rows) == len(ds.order_lines)
    assert float(net) == pytest.approx(float(apa.account_pnl(ds)["net_margin"].sum()), rel=1e-12)
