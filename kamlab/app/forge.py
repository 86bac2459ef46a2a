"""Page kernels forked from one warm process: a visit costs a page's cells, not a Python start.

Every page visit in the app starts a kernel (Voila hands the visitor a preheated one and starts the next).
Measured on the 2-core laptop (benchmarks/README.md, "Sixth session"): a visit costs about 4.6 s of CPU,
of which about 1.3 s is a new Python importing ipykernel, pandas, matplotlib and kamlab before the page's
first cell runs. A class of 25 hopping between pages asks for more CPU than two cores have, and pages
then waited two minutes.

The forge is one process, started by the server on the first kernel it needs, that imports all that once
and then forks a kernel per request (Linux's copy-on-write fork: milliseconds, and the imported modules'
memory is shared between the kernels until one writes to it). `ForgeProvisioner` is the kernel
provisioner (jupyter_client's documented extension point, named in the page kernel's spec) that asks
the forge instead of starting ``python -m kamlab.app.page_kernel``; the kernel it gets is that command,
run in the forked process with the environment, folder and arguments the server asked for.

A kernel waits for a starting forge at most until 15 s after the forge's start; past that, and where the
forge cannot serve (not Linux, no ``pidfd_open``, it failed to start or to answer), the provisioner starts
the kernel the usual way and logs why. Lifetimes are chained: the forge exits when
the server is gone, and each kernel (ipykernel's parent poller) when the forge is gone.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

__all__ = ["ForgeProvisioner", "ForkedKernel", "PROVISIONER", "available"]

PROVISIONER = "kamlab-forge"  # the entry point's name (pyproject.toml), named in the page kernel's spec
PAGE_KERNEL = "kamlab.app.page_kernel"
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipywidgets", "numpy", "pandas", "matplotlib.pyplot",
           "matplotlib_inline.backend_inline", "kamlab", "kamlab.app", "kamlab.widgets", "kamlab.plots",
           "kamlab.apa", "kamlab.synth")
START_S = 60.0  # the forge's imports, on a loaded laptop: one not up by then is stopped
WAIT_S = 15.0  # a kernel asked for while the forge starts waits until this long after its start, no longer
RETRY_S = 300.0  # after the forge failed, kernels start the usual way for this long before it is tried again
_SOCKET_DIR_MAX = 80  # longer folder names leave too little of a socket path's 107 bytes (TMPDIR may be deep)
_log = logging.getLogger(__name__)


def available() -> bool:
    """Whether kernels are forked here: on Linux (copy-on-write fork, a pidfd to watch a kernel we did not
    start), unless ``KAMLAB_FORGE=0`` (every kernel a new process, as before; benchmarks compare the two)."""
    return sys.platform == "linux" and hasattr(os, "pidfd_open") and os.environ.get("KAMLAB_FORGE", "1") != "0"


# -- the server's side --------------------------------------------------------------------------------


class ForkedKernel:
    """What `LocalProvisioner` uses of a ``Popen``, for a kernel the forge forked.

    The kernel is the forge's child, not ours, so its end is watched through a pidfd (Linux 5.3) rather
    than ``waitpid``; its exit status stays with the forge, and reads as 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._fd, self.returncode = None, 0

    def poll(self) -> int | None:
        return self.wait(timeout=0)

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and select.select([self._fd], [], [], timeout)[0]:
            os.close(self._fd)
            self._fd, self.returncode = None, 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForgeNotReady(RuntimeError):
    """The forge is still starting (or failed a moment ago): this kernel starts the usual way."""


class _Forge:
    """The server's handle on its forge process: started on first use, started anew if it died or its
    socket went (a forge left behind keeps its kernels and ends with the server).

    A kernel waits for a starting forge only until `WAIT_S` after its start (a forge is up in a few
    seconds: the preheated pages at the server's start are forked too); after that, kernels start the usual
    way. One that is not up within `START_S`, or fails to answer, is stopped if it never came up and given
    up on for `RETRY_S`.
    """

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.path: Path | None = None
        self.ready = False
        self.started = 0.0
        self.retry_at = 0.0  # after a failure, no forge is asked before this (time.monotonic())

    async def fork(self, argv: list[str], env: dict, cwd: str, wait_s: float | None = None) -> int:
        """Ask the forge for a kernel running `argv`; its pid. `wait_s`: until how long after its start to
        wait for a forge that is starting (`WAIT_S`; the tests wait longer)."""
        if time.monotonic() < self.retry_at:
            raise ForgeNotReady("the kernel forge failed a moment ago")
        try:
            await self._until_ready(argv[0], WAIT_S if wait_s is None else wait_s)
            return await self._ask(argv, env, cwd)
        except ForgeNotReady:
            raise
        except Exception:
            self.retry_at = time.monotonic() + RETRY_S
            if not self.ready and self.proc is not None:
                self.proc.kill()  # one that never came up has no kernels: it goes (and is started anew later)
                self.proc.wait()
                self.proc = None
                shutil.rmtree(self.path.parent, ignore_errors=True)  # its folder, with no socket in it
            raise

    async def _until_ready(self, python: str, wait_s: float) -> None:
        if self.proc is not None and not self.ready and self.proc.poll() is not None:
            raise RuntimeError(f"the kernel forge exited while starting (exit code {self.proc.returncode})")
        if self.proc is None or (self.ready and (self.proc.poll() is not None or not self.path.exists())):
            self._start(python)
        deadline = self.started + wait_s  # counted from the start: the pool's kernels wait once, together
        while not self.path.exists():  # the forge binds its socket once its imports are done
            if self.proc.poll() is not None or time.monotonic() > self.started + START_S:
                raise RuntimeError(f"the kernel forge did not start within {START_S:g} s "
                                   f"(exit code {self.proc.poll()})")
            if time.monotonic() >= deadline:
                raise ForgeNotReady("the kernel forge is starting")
            await asyncio.sleep(0.05)
        self.ready = True

    async def _ask(self, argv: list[str], env: dict, cwd: str) -> int:
        reader, writer = await asyncio.open_unix_connection(str(self.path))
        try:
            writer.write(json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode() + b"\n")
            await writer.drain()
            reply = json.loads(await asyncio.wait_for(reader.readline(), 10))
        finally:
            writer.close()
        return int(reply["pid"])

    def _start(self, python: str) -> None:
        folder = Path(tempfile.mkdtemp(prefix="kamlab-forge-"))  # 0700: only this user can ask for kernels
        if len(str(folder)) > _SOCKET_DIR_MAX and Path("/tmp").is_dir():  # a socket's path has 107 bytes at most
            folder.rmdir()
            folder = Path(tempfile.mkdtemp(prefix="kamlab-forge-", dir="/tmp"))
        self.path, self.ready, self.started = folder / "forge.sock", False, time.monotonic()
        self.proc = subprocess.Popen([python, "-m", __name__, str(self.path)], stdin=subprocess.DEVNULL)
        _log.info("kernel forge started (pid %d)", self.proc.pid)


_FORGE = _Forge()


def _forgeable(cmd: list[str]) -> bool:
    return available() and len(cmd) >= 3 and cmd[1:3] == ["-m", PAGE_KERNEL]


class ForgeProvisioner(LocalProvisioner):
    """`LocalProvisioner`, except that a page kernel is forked from the forge instead of started afresh."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        if not _forgeable(cmd):
            return await super().launch_kernel(cmd, **kwargs)
        try:
            pid = await _FORGE.fork(cmd, dict(kwargs.get("env") or os.environ), kwargs.get("cwd") or os.getcwd())
        except ForgeNotReady as why:
            _log.info("%s: starting the kernel as a new process", why)
            return await super().launch_kernel(cmd, **kwargs)
        except Exception as err:  # noqa: BLE001 - any failure of the forge: start the kernel the usual way
            _log.warning("kernel forge unavailable (%s): starting the kernel as a new process", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the kernel leads its own session and process group (setsid)
        self.cwd = kwargs.get("cwd", Path.cwd())
        return self.connection_info


# -- the forge's side ---------------------------------------------------------------------------------


def _preload() -> None:
    from kamlab.app.page_kernel import LEFT_OUT

    for name in LEFT_OUT:
        sys.modules.setdefault(name, None)  # as the page kernel: no pyarrow, no debugpy
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # no BLAS threads at fork time (a page's arrays are small)
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    from kamlab import data

    data.preload_sample()  # most pages show the case company: each kernel starts with it read


def _become_kernel(request: dict) -> None:
    """In the forked child: run the page kernel as ``python -m kamlab.app.page_kernel ARGS`` would."""
    code = 1
    try:
        import setproctitle

        # ps and psutil show the kernel's command line (set before environ changes: it moves environ)
        setproctitle.setproctitle(" ".join(request["argv"]))
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        argv = request["argv"]
        # ipykernel read JPY_PARENT_PID when the forge imported it: name the forge as the parent to watch
        sys.argv = [PAGE_KERNEL, *argv[3:], f"--IPKernelApp.parent_handle={os.getppid()}"]
        import numpy

        numpy.random.seed()  # the legacy global generator would repeat the forge's state in every kernel
        from kamlab.app import page_kernel

        page_kernel.main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0
    except BaseException:  # noqa: BLE001 - the kernel's own crash: report it, never run on as the forge
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _checked(request) -> dict:
    """The request, if it asks for a page kernel in an existing folder (else ValueError: nothing is forked)."""
    argv, env, cwd = (request.get(k) if isinstance(request, dict) else None for k in ("argv", "env", "cwd"))
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and argv[1:3] == ["-m", PAGE_KERNEL]):
        raise ValueError(f"not a page kernel's command: {argv!r}")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError("the environment must map names to strings")
    if not (isinstance(cwd, str) and os.path.isdir(cwd)):
        raise ValueError(f"no folder {cwd!r}")
    return request


def serve(path: Path) -> None:
    """The forge: import once, then fork a kernel for every request on the socket at `path`."""
    parent = os.getppid()
    if sys.path and sys.path[0] in ("", os.getcwd()):  # not there with PYTHONSAFEPATH
        del sys.path[0]  # the server's folder, put first by `python -m`; a kernel's path starts at its notebook
    _preload()
    gc.freeze()  # the kernels' garbage collector leaves the forge's objects alone: their pages stay shared
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished kernels are reaped at once (no zombies)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops the forge
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path) + ".new")
    listener.listen(64)
    os.rename(str(path) + ".new", path)  # the socket appears only once it accepts
    listener.settimeout(1.0)
    try:
        _serve_requests(listener, parent)
    finally:  # the server is gone: the socket and its folder go too
        path.unlink(missing_ok=True)
        path.parent.rmdir()


def _serve_requests(listener: socket.socket, parent: int) -> None:
    while os.getppid() == parent:  # the server is gone: so is the forge
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            try:
                conn.settimeout(10)
                request = _checked(json.loads(conn.makefile("r").readline()))
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    conn.close()
                    _become_kernel(request)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            except (OSError, ValueError) as err:  # one bad request; the server falls back for it
                print(f"kernel forge: request failed: {err}", file=sys.stderr)

if __name__ == "__main__":
    serve(Path(sys.argv[1]))
