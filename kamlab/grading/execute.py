"""Run one notebook in a sandbox and read its named answers out as JSON.

`execute(notebook, ...)` (in the grader) starts ``python -m kamlab.grading.execute`` inside a fresh
bubblewrap sandbox (`kamlab.grading.sandbox`; without one only when the instructor said
``--unsafe-no-sandbox``). The job, hidden parameters included, goes in on the worker's stdin: it is never
written to a file. The worker sets the limits for the whole tree (processes, address space and file size
per process), injects the hidden parameters with papermill, and runs the cells one by one with nbclient:
per-cell timeout (the kernel is interrupted), errors allowed (later questions still count), outputs
dropped. After every cell that mentions an answer, and in a final cell, the kernel writes the named answers
(converted by `kamlab.grading.checks.CONVERT_SOURCE`) to a file in the sandbox's private /tmp; the worker
passes them on. Results leave the sandbox by one channel only: the worker's stdout, one JSON record a line,
which the grader reads up to a size cap and parses defensively (a malformed or forged line is skipped; a
record can only describe this notebook's own run). The grader watches the wall time and the resident
memory of the whole process tree and kills the sandbox when either is exceeded; killing the sandbox's
first process ends its pid namespace, so no process outlives the run. Process ids come from the grader's
own bookkeeping, never from what the sandbox writes.

Nothing the kernel does can change another notebook's score: it can only send data about itself, which
the grader checks in its own process (`kamlab.grading.checks`).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "Execution", "execute"]

MAX_ANSWERS_BYTES = 20_000_000
MAX_CHANNEL_BYTES = 3 * MAX_ANSWERS_BYTES
_ENV = {"MPLBACKEND": "Agg", "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONHASHSEED": "0"}
_ANSWERS = "/tmp/kamlab/answers.json"


@dataclass(frozen=True)
class Limits:
    """Limits for one execution: per-cell and whole-notebook timeout (s), memory of the whole process
    tree (MiB), number of processes and threads, and the size of its private /tmp (MiB)."""

    cell_timeout: float = 60
    timeout: float = 600
    memory_mb: int = 3072
    processes: int = 64
    disk_mb: int = 512


@dataclass(frozen=True)
class Execution:
    """What running one notebook gave: the raw answers and what went wrong, cell by cell.

    `status` is "ok", "invalid notebook", "timeout", "kernel died", "out of memory" or "crashed";
    `answers` maps a name to ``{"value": json}`` or ``{"error": "..."}``; `errors` lists (cell number,
    exception name, answer names the cell mentions); `timeouts` lists the cells that hit the per-cell timeout.
    """

    status: str
    answers: dict = field(default_factory=dict)
    errors: tuple = ()
    timeouts: tuple = ()
    dead_cell: int | None = None
    seconds: float = 0.0
    detail: str = ""


# --- the code the kernel runs (kept self-contained: it runs in the participant's namespace) ------------

_EXTRACT = r'''
def _kamlab_extract(ns, names, path, limit):
    import json as _j, os as _o
    out = {}
    for name in names:
        if name in ns:
            try:
                out[name] = {"value": _kamlab_plain(ns[name])}
            except _KamlabNotPlain as e:
                out[name] = {"error": f"not plain data ({e})"}
            except Exception as e:
                out[name] = {"error": f"could not be read ({type(e).__name__})"}
    text = _j.dumps(out, allow_nan=False)
    if len(text) > limit:
        text = _j.dumps({n: {"error": "too large to read"} for n in out})
    _o.makedirs(_o.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    _o.replace(path + ".tmp", path)
'''


def _extract_source() -> str:
    from kamlab.grading.checks import CONVERT_SOURCE

    return CONVERT_SOURCE + _EXTRACT


def _extract_call(path: str, names) -> str:
    return (_extract_source() + f"_kamlab_extract(globals(), {list(names)!r}, {path!r}, {MAX_ANSWERS_BYTES})\n"
            "del _kamlab_extract, _kamlab_plain, _KamlabNotPlain\n")


# --- the worker process (inside the sandbox) -----------------------------------------------------------

def _limit_resources(job: dict) -> None:
    import resource

    memory = int(job["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    disk = int(job.get("disk_mb", 512)) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))
    if job.get("sandboxed"):  # counted per user namespace: per sandbox (as root outside it would not bind)
        n = int(job.get("processes", 64))
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


class _Channel:
    """The one way out of the sandbox: JSON records on a private copy of stdout."""

    def __init__(self):
        self.fd = os.dup(1)  # not inherited by the kernel (Python makes dups non-inheritable)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        self.last = None

    def send(self, **record) -> None:
        self.write((json.dumps(record, default=str) + "\n").encode())

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def answers(self, path: str) -> None:
        """Pass on the kernel's answers file (if it changed), read without following links."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return
        try:
            import stat

            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ANSWERS_BYTES:
                return
            text = os.read(fd, MAX_ANSWERS_BYTES + 1).decode(errors="replace")
        finally:
            os.close(fd)
        if text != self.last:
            self.last = text
            try:
                json.loads(text)
            except (ValueError, RecursionError):
                return
            self.write(('{"event": "answers", "answers": ' + text.replace("\n", " ") + "}\n").encode())


def _mentions(cell, names) -> list[str]:
    return [n for n in names if n in cell.source]


def run_job(job: dict, channel: _Channel) -> None:
    """Worker side: execute the notebook described by `job` and send what happened on `channel`."""
    os.environ.update(_ENV)
    _limit_resources(job)
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from papermill.parameterize import parameterize_notebook

    names = job["names"]
    try:
        nb = nbformat.read(job["notebook"], as_version=4)
        cells = nb["cells"]
        if not isinstance(cells, list) or not all(c.get("cell_type") in ("code", "markdown", "raw")
                                                   and isinstance(c.get("source", ""), str) for c in cells):
            raise ValueError("its cells are not notebook cells")
        for c in cells:
            meta = c.get("metadata", {})
            if not isinstance(meta, dict) or not isinstance(meta.get("tags", []), list):
                raise ValueError("a cell has malformed metadata")
            c.setdefault("metadata", nbformat.NotebookNode()).setdefault("tags", [])
    except Exception as err:  # not JSON, not a notebook
        channel.send(event="invalid", message=f"{type(err).__name__}: {str(err)[:200]}")
        return
    nb.metadata.setdefault("papermill", {})
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = parameterize_notebook(nb, job["parameters"], kernel_name="python3", language="python")
    answers = job["answers"]
    final = nbformat.v4.new_code_cell(_extract_call(answers, names))
    final.metadata["tags"] = ["kamlab-extract"]
    nb.cells.append(final)
    current = {"number": 0}

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):  # keep no outputs: bounded memory
            return None

        async def _async_handle_timeout(self, timeout, cell=None):
            channel.send(event="timeout", cell=current["number"])
            return await super()._async_handle_timeout(timeout, cell)

    def on_error(cell, cell_index, execute_reply):
        ename = str(execute_reply["content"].get("ename", "Error"))
        channel.send(event="error", cell=current["number"], ename=ename[:60], names=_mentions(cell, names))

    def on_executed(cell, cell_index, execute_reply):  # exit()/quit() ask the kernel to shut down
        payload = (execute_reply or {}).get("content", {}).get("payload", [])
        if any(p.get("source") == "ask_exit" for p in payload if isinstance(p, dict)):
            current["exit"] = True

    client = Client(nb, kernel_name="python3", timeout=job["cell_timeout"], allow_errors=True,
                    interrupt_on_timeout=True, record_timing=False, startup_timeout=120,
                    iopub_timeout=10, shell_timeout_interval=1, on_cell_error=on_error,
                    on_cell_executed=on_executed, resources={"metadata": {"path": job["workdir"]}})
    number = 0
    with client.setup_kernel(cwd=job["workdir"]):
        channel.send(event="kernel")
        for index, cell in enumerate(nb.cells):
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" not in tags and "kamlab-extract" not in tags:
                number += 1  # the cell's position in the participant's notebook
            if cell.cell_type != "code":
                continue
            current["number"] = number
            try:
                client.execute_cell(cell, index)
                if current.get("exit"):
                    raise DeadKernelError("the notebook asked its kernel to exit")
                if _mentions(cell, names) and "kamlab-extract" not in tags:
                    probe = nbformat.v4.new_code_cell(_extract_call(answers, names))
                    client.execute_cell(probe, index, store_history=False)
                    channel.answers(answers)
                elif "kamlab-extract" in tags:
                    channel.answers(answers)
            except DeadKernelError:
                channel.answers(answers)
                channel.send(event="dead", cell=number)
                return
    channel.send(event="done")


def main(argv=None) -> int:
    """``python -m kamlab.grading.execute``: read the job (JSON) from stdin, run it."""
    job = json.loads(sys.stdin.read())
    channel = _Channel()
    os.makedirs(os.path.dirname(job["answers"]), exist_ok=True)
    os.chdir(job["workdir"])
    run_job(job, channel)
    return 0


# --- the grader side -----------------------------------------------------------------------------------

def _read_channel(stream, sink: list, state: dict) -> None:
    """Read the worker's records up to MAX_CHANNEL_BYTES (then drain and drop the rest)."""
    total = 0
    while True:
        line = stream.readline(MAX_ANSWERS_BYTES + 1_000_000)  # bounded even without a newline
        if not line:
            break
        total += len(line)
        if total > MAX_CHANNEL_BYTES:
            state["overflow"] = True
            continue
        sink.append(line)


def _read_tail(stream, state: dict, keep: int = 4000) -> None:
    tail = b""
    for chunk in iter(lambda: stream.read(65536), b""):
        tail = (tail + chunk)[-keep:]
    state["stderr"] = tail.decode(errors="replace")


def _parse(lines: list[bytes]) -> tuple[list[dict], dict]:
    """Events and the last answers from the channel's lines; anything malformed is skipped."""
    events, answers = [], {}
    for line in lines:
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(record, dict) or not isinstance(record.get("event"), str):
            continue
        if record["event"] == "answers":
            got = record.get("answers")
            if isinstance(got, dict):
                answers = {k: v for k, v in got.items() if isinstance(k, str) and isinstance(v, dict)}
        else:
            events.append(record)
    return events, answers


def _int(value):
    return value if type(value) is int else None


def _tree(pid: int):
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _tree_rss(procs) -> int:
    import psutil

    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _kill(proc: subprocess.Popen) -> None:
    """Kill the execution: the worker's process group (bwrap, or the worker), then every descendant
    the grader can still see (without a sandbox), by the pids of the grader's own Popen."""
    import psutil

    victims = _tree(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # started with start_new_session: its own group
    except (ProcessLookupError, PermissionError):
        pass
    for p in victims:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=5)


def execute(notebook: str | Path, *, parameters: dict, names, limits: Limits = Limits(), sandbox: bool = True,
            hide=()) -> Execution:
    """Run `notebook` fresh in its own sandbox (or, with ``sandbox=False``, an unconfined subprocess).

    `hide` lists folders that must stay invisible even below a read-only bind (the grader passes the
    solutions, submissions and output folders and the home directory).

    Examples
    --------
    >>> Execution("ok").status
    'ok'
    """
    from kamlab.grading import sandbox as box

    start = time.monotonic()
    notebook = Path(notebook).resolve()
    argv = [sys.executable, "-m", "kamlab.grading.execute"]
    job = {"parameters": dict(parameters), "names": list(names), "cell_timeout": limits.cell_timeout,
           "memory_mb": limits.memory_mb, "processes": limits.processes, "disk_mb": limits.disk_mb}
    scratch = None
    if sandbox:
        bwrap = box.available()
        job.update(notebook="/job/notebook.ipynb", workdir=box.WORKDIR, answers=_ANSWERS, sandboxed=True)
        env = box.environment(_ENV)
        cmd = box.command(argv, bwrap=bwrap, notebook=notebook, disk_mb=limits.disk_mb, hide=hide, env=env)
        cwd = None
    else:
        scratch = Path(tempfile.mkdtemp(prefix="kamlab-unsafe-"))
        (scratch / "work").mkdir()
        job.update(notebook=str(notebook), workdir=str(scratch / "work"), answers=str(scratch / "answers.json"))
        cmd, cwd = argv, str(scratch / "work")
        env = {**os.environ, **_ENV}
    try:
        return _run(cmd, cwd, env, job, limits, start)
    finally:
        if scratch is not None:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


def _run(cmd, cwd, env, job: dict, limits: Limits, start: float) -> Execution:
    proc = subprocess.Popen(cmd, cwd=cwd, env=env if cwd is not None else None, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    lines: list = []
    state: dict = {}
    readers = [threading.Thread(target=_read_channel, args=(proc.stdout, lines, state), daemon=True),
               threading.Thread(target=_read_tail, args=(proc.stderr, state), daemon=True)]
    for t in readers:
        t.start()
    timed_out = out_of_memory = False
    try:
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except OSError:
            pass
        limit = limits.memory_mb * 1024 * 1024
        while proc.poll() is None:
            if time.monotonic() - start > limits.timeout:
                timed_out = True
                break
            if _tree_rss(_tree(proc.pid)) > limit:
                out_of_memory = True
                break
            time.sleep(0.2)
    finally:
        _kill(proc)
        proc.wait()
        for t in readers:
            t.join(10)
    events, answers = _parse(lines)
    return _outcome(events, answers, proc.returncode, timed_out, out_of_memory, limits, state, start)


def _printable(text, limit: int = 300) -> str:
    """Text from the sandbox made safe to print and show: no control characters (terminal escapes)."""
    return "".join(c if c.isprintable() else "?" for c in str(text)[:limit])


def _outcome(events, answers, exitcode, timed_out, out_of_memory, limits, state, start) -> Execution:
    kinds = {e.get("event") for e in events}
    dead = next((_int(e.get("cell")) for e in events if e.get("event") == "dead"), None)
    invalid = next((_printable(e.get("message", "")) for e in events if e.get("event") == "invalid"), None)
    if invalid is not None:
        status, detail = "invalid notebook", invalid
    elif out_of_memory:
        status, detail = "out of memory", (f"the notebook's processes together used more than "
                                           f"{limits.memory_mb} MiB and were stopped")
    elif timed_out:
        status, detail = "timeout", f"the whole notebook took longer than {limits.timeout:g} s"
    elif dead is not None:
        status, detail = "kernel died", f"the kernel died in cell {dead}"
    elif "done" in kinds:
        status, detail = "ok", ""
    else:
        status, detail = "crashed", f"the grading process ended early (exit {exitcode})"
        if "MemoryError" in state.get("stderr", ""):
            detail += ": out of memory"
    if state.get("overflow"):
        detail = (detail + "; " if detail else "") + "it sent more than the grader reads, the rest was ignored"
    errors = []
    for e in events:
        if e.get("event") == "error":
            mentioned = e.get("names", ())
            errors.append((_int(e.get("cell")), _printable(e.get("ename", "Error"), 60),
                           tuple(n for n in mentioned if isinstance(n, str)) if isinstance(mentioned, list) else ()))
    return Execution(
        status=status, answers=answers, errors=tuple(errors),
        timeouts=tuple(_int(e.get("cell")) for e in events if e.get("event") == "timeout"),
        dead_cell=dead, seconds=time.monotonic() - start, detail=detail)


if __name__ == "__main__":
    sys.exit(main())
