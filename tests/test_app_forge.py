"""The kernel forge (`kamlab.app.forge`): the app's page kernels forked from one warm process.

What the app relies on: a forked kernel is the page kernel (no pyarrow), runs in the folder and with the
environment the server asked for, is watched, interrupted and shut down like any kernel, and ends when
the server does; a malformed request forks nothing; where the forge cannot serve, kernels start the usual way.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from jupyter_client.manager import AsyncKernelManager

from kamlab.app import forge
from kamlab.app.page_kernel import PageKernelSpecManager

pytestmark = pytest.mark.skipif(not forge.available(), reason="kernels are forked on Linux only")

PROBE = """import json, os, sys, numpy
print(json.dumps({"cwd": os.getcwd(), "mark": os.environ.get("KAMLAB_TEST_MARK"), "pid": os.getpid(),
                  "no_pyarrow": sys.modules.get("pyarrow", 0) is None, "draw": int(numpy.random.randint(10**9)),
                  "case_read": "kamlab.data" in sys.modules}))"""


async def _probe(km: AsyncKernelManager) -> dict:
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        out = []
        await kc.execute_interactive(PROBE, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        return json.loads("".join(out))
    finally:
        kc.stop_channels()


def _manager() -> AsyncKernelManager:
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=PageKernelSpecManager())


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_page_kernel_spec_names_the_forge_unless_switched_off(monkeypatch):
    spec = PageKernelSpecManager().get_kernel_spec("python3")
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == forge.PROVISIONER
    monkeypatch.setenv("KAMLAB_FORGE", "0")
    assert "kernel_provisioner" not in PageKernelSpecManager().get_kernel_spec("python3").metadata


@pytest.fixture()
def forge_up():
    """The forge running and bound (a kernel asked for while it starts is started the usual way)."""
    asyncio.run(forge._FORGE._until_ready(sys.executable, wait_s=60))


def test_a_forked_kernel_is_the_page_kernel_where_and_as_the_server_asked(tmp_path, forge_up):
    async def go():
        kms = [_manager(), _manager()]
        for km in kms:
            await km.start_kernel(cwd=str(tmp_path), env={**os.environ, "KAMLAB_TEST_MARK": "asked"})
        try:
            return [await _probe(km) for km in kms], [(km.provisioner, km.provisioner.process) for km in kms]
        finally:
            for km in kms:
                await km.shutdown_kernel(now=False)

    probes, provisioners = asyncio.run(go())
    forge_pid = forge._FORGE.proc.pid
    for probe, (prov, process) in zip(probes, provisioners):
        assert isinstance(prov, forge.ForgeProvisioner) and isinstance(process, forge.ForkedKernel)
        assert process.pid == probe["pid"]
        assert probe["cwd"] == str(tmp_path) and probe["mark"] == "asked" and probe["no_pyarrow"]
        assert probe["case_read"]  # the forge read the case company before forking
        assert _wait_gone(probe["pid"], 10), "a shut-down kernel's process is gone"
    assert probes[0]["draw"] != probes[1]["draw"], "each kernel has its own random state"
    assert psutil.Process(forge_pid).is_running(), "the forge serves on"


def test_an_interrupt_reaches_a_forked_kernel(tmp_path, forge_up):
    async def go():
        km = _manager()
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            msg_id = kc.execute("import time; time.sleep(60)")
            await asyncio.sleep(1.0)
            t0 = time.monotonic()
            await km.interrupt_kernel()
            while True:
                reply = await kc.get_shell_msg(timeout=20)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"], time.monotonic() - t0
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    content, seconds = asyncio.run(go())
    assert content["status"] == "error" and content["ename"] == "KeyboardInterrupt" and seconds < 10


def _page_kernel(tmp_path, name: str) -> int:
    argv = [sys.executable, "-m", forge.PAGE_KERNEL, "-f", str(tmp_path / f"{name}.json")]
    return asyncio.run(forge._FORGE.fork(argv, dict(os.environ), str(tmp_path), wait_s=60))


def _ask_forge(line: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(forge._FORGE.path))
        s.sendall(line + b"\n")
        return s.recv(100)


def test_malformed_requests_fork_nothing_and_the_forge_serves_on(tmp_path):
    first = _page_kernel(tmp_path, "first")
    assert (forge._FORGE.path.parent.stat().st_mode & 0o777) == 0o700, "only the server's user may ask"
    the_forge = psutil.Process(forge._FORGE.proc.pid)
    assert the_forge.num_threads() == 1, "it forks from one thread: no lock held by another thread"
    before = {p.pid for p in the_forge.children()}
    answers = [_ask_forge(line) for line in (
        b"not json",
        json.dumps({"argv": ["/bin/sh", "-c", "touch x"], "env": {}, "cwd": str(tmp_path)}).encode(),
        json.dumps({"argv": [sys.executable, "-m", forge.PAGE_KERNEL], "env": {}, "cwd": "/nowhere"}).encode(),
        json.dumps({"argv": [sys.executable, "-m", forge.PAGE_KERNEL], "env": {"A": 1}, "cwd": "/"}).encode())]
    assert answers == [b""] * 4, "no kernel for a malformed request"
    assert {p.pid for p in the_forge.children()} == before and not (tmp_path / "x").exists()
    second = _page_kernel(tmp_path, "second")
    assert {p.pid for p in the_forge.children()} == before | {second} and first in before
    for pid in (first, second):
        os.kill(pid, signal.SIGKILL)


def _plain_kernel_starts(tmp_path, n: int) -> list[tuple[dict, int]]:
    """Start `n` page kernels one after another: each one's probe and parent pid."""
    async def go():
        out = []
        for _ in range(n):
            km = _manager()
            await km.start_kernel(cwd=str(tmp_path))
            try:
                probe = await _probe(km)
                out.append((probe, psutil.Process(probe["pid"]).ppid()))
            finally:
                await km.shutdown_kernel(now=True)
        return out

    return asyncio.run(go())


@pytest.mark.parametrize("how", ["exits", "hangs"])
def test_kernels_hardly_wait_for_the_forge_and_a_failed_one_is_not_asked_again(tmp_path, monkeypatch, how):
    """A forge that exits at once or never comes up: every page gets a plain kernel, waiting at most until
    `WAIT_S` after the forge's start; the hung forge is stopped after `START_S`, and neither is started
    again for the pages after (a forge per page, or a minute's wait per page, had made the first pages late)."""
    broken, starts = forge._Forge(), []
    code = "raise SystemExit(3)" if how == "exits" else "import time; time.sleep(600)"

    def start(python):
        starts.append(subprocess.Popen([python, "-c", code]))
        (tmp_path / "forge").mkdir()
        broken.proc, broken.path, broken.started = starts[-1], tmp_path / "forge" / "never.sock", time.monotonic()

    monkeypatch.setattr(broken, "_start", start)
    monkeypatch.setattr(forge, "_FORGE", broken)
    monkeypatch.setattr(forge, "START_S", 4.0)
    monkeypatch.setattr(forge, "WAIT_S", 1.0)

    if how == "hangs":  # a page's kernel waits for a starting forge until WAIT_S after its start, no longer
        ask = [sys.executable, "-m", forge.PAGE_KERNEL]
        for most in (forge.WAIT_S + 0.5, 0.5):
            t0 = time.monotonic()
            with pytest.raises(forge.ForgeNotReady):
                asyncio.run(broken.fork(ask, {}, str(tmp_path)))
            assert time.monotonic() - t0 < most
    first = _plain_kernel_starts(tmp_path, 1)
    time.sleep(max(0.0, broken.started + forge.START_S + 0.5 - time.monotonic()))  # past the forge's time
    later = _plain_kernel_starts(tmp_path, 2)
    assert all(parent == os.getpid() and probe["no_pyarrow"] for probe, parent in first + later), \
        "plain page kernels, started by this process"
    assert len(starts) == 1, "the failed forge is not started again for the next pages"
    assert starts[0].poll() is not None, "a forge that never came up is stopped, not left running"
    assert not (tmp_path / "forge").exists(), "and its socket's folder is gone"
    assert broken.retry_at > time.monotonic() + forge.RETRY_S / 2, "and given up on for a while"


def test_the_forge_and_its_kernels_end_with_the_server(tmp_path):
    """A server killed outright (no shutdown) leaves no forge and no kernel behind."""
    server = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import asyncio, os, sys, time
        from kamlab.app import forge
        f = forge._FORGE
        pid = asyncio.run(f.fork([sys.executable, "-m", forge.PAGE_KERNEL, "-f", {str(tmp_path / "k.json")!r}],
                                 dict(os.environ), {str(tmp_path)!r}, wait_s=60))
        print(f.proc.pid, pid, f.path.parent, flush=True)
        time.sleep(120)
        """)], stdout=subprocess.PIPE, text=True)
    forge_pid, kernel_pid, folder = server.stdout.readline().split()
    forge_pid, kernel_pid, folder = int(forge_pid), int(kernel_pid), Path(folder)
    assert (folder / "forge.sock").exists()
    assert _wait_gone(kernel_pid, 0) is False and psutil.Process(kernel_pid).ppid() == forge_pid
    deadline = time.monotonic() + 10  # the child names itself first thing after the fork
    while psutil.Process(kernel_pid).cmdline()[1:3] != ["-m", forge.PAGE_KERNEL] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert psutil.Process(kernel_pid).cmdline()[1:3] == ["-m", forge.PAGE_KERNEL], "ps shows the kernel's command"
    server.send_signal(signal.SIGKILL)
    server.wait()
    assert _wait_gone(forge_pid, 10), "the forge ends within seconds of the server"
    assert _wait_gone(kernel_pid, 10), "its kernels end within seconds of the forge"
    assert not folder.exists(), "the forge takes its socket and folder with it"


def test_forked_kernel_tracks_a_process_it_did_not_start():
    proc = subprocess.Popen(["sleep", "30"])
    kernel = forge.ForkedKernel(proc.pid)
    assert kernel.poll() is None and kernel.wait(timeout=0.1) is None
    kernel.terminate()
    proc.wait()
    assert kernel.wait(timeout=5) == 0 and kernel.poll() == 0
    kernel.kill()  # after the end: nothing to signal, no error


def test_a_forge_whose_socket_went_is_replaced_and_its_kernels_live_on(tmp_path):
    """A cleaner emptied /tmp under a running server: the next page gets a new forge, at once."""
    first = _page_kernel(tmp_path, "before")
    old_forge, old_path = forge._FORGE.proc, forge._FORGE.path
    old_path.unlink()
    t0 = time.monotonic()
    second = _page_kernel(tmp_path, "after")
    assert forge._FORGE.proc.pid != old_forge.pid and psutil.Process(second).ppid() == forge._FORGE.proc.pid
    assert time.monotonic() - t0 < 30, "no wait for the lost socket"
    assert old_forge.poll() is None and not _gone(first), "the old forge and its kernel live on"
    for pid in (first, second):
        os.kill(pid, signal.SIGKILL)
