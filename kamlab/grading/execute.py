"""Run one notebook in a sandboxed subprocess and read its named answers out as JSON.

`execute(notebook, ...)` (in the grader) starts ``python -m kamlab.grading.execute JOB`` in a new
session. That worker sets its memory limit (RLIMIT_AS, inherited by the kernel it starts), injects the
hidden parameters with papermill, and runs the cells one by one with nbclient: per-cell timeout (the
kernel is interrupted), errors allowed (later questions still count), outputs dropped (a notebook that
prints 100 MB costs nothing to keep). After every cell that mentions an answer, and in a final cell the
grader appends, the kernel writes the named answers to a JSON file the grader chose, so answers given
before a kernel died still count. Only plain JSON data crosses (numbers, strings, lists, tagged sets,
mappings, Series and DataFrames): an object with an always-true ``==`` is reported as not plain data.
The grader kills the whole process tree when the whole-notebook timeout passes.

Nothing the kernel does can change a score: it can only write data, which the grader checks in its own
process (`kamlab.grading.checks`).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "Execution", "execute"]

MAX_ANSWERS_BYTES = 20_000_000
_ENV = {"MPLBACKEND": "Agg", "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONHASHSEED": "0"}


@dataclass(frozen=True)
class Limits:
    """Per-cell timeout and whole-notebook timeout (seconds), memory limit (MiB of address space)."""

    cell_timeout: float = 60
    timeout: float = 600
    memory_mb: int = 3072


@dataclass(frozen=True)
class Execution:
    """What running one notebook gave: the raw answers and what went wrong, cell by cell.

    `status` is "ok", "invalid notebook", "timeout", "kernel died" or "crashed"; `answers` maps a name to
    ``{"value": json}`` or ``{"error": "..."}``; `errors` lists (cell number, exception name, answer
    names the cell mentions); `timeouts` lists the cells that hit the per-cell timeout.
    """

    status: str
    answers: dict = field(default_factory=dict)
    errors: tuple = ()
    timeouts: tuple = ()
    dead_cell: int | None = None
    submitted_at: str | None = None
    seconds: float = 0.0
    detail: str = ""


# --- the code the kernel runs (kept self-contained: it runs in the participant's namespace) ------------

_EXTRACT = r'''
def _kamlab_extract(ns, names, path, limit):
    import json as _j, math as _m, os as _o, sys as _s
    class _NotPlain(Exception):
        pass
    def conv(x, depth=0):
        if depth > 30:
            raise _NotPlain("nested too deeply")
        t = type(x)
        if x is None or t is bool or t is int or t is str:
            return x
        if t is float:
            return x if _m.isfinite(x) else {"$float": repr(x)}
        if t is list or t is tuple:
            return [conv(v, depth + 1) for v in x]
        if t is set or t is frozenset:
            return {"$set": sorted((conv(v, depth + 1) for v in x), key=_j.dumps)}
        if t is dict:
            return {"$dict": [[conv(k, depth + 1), conv(v, depth + 1)] for k, v in x.items()]}
        np = _s.modules.get("numpy")
        if np is not None:
            if t is np.ndarray:
                return conv(x.tolist(), depth + 1)
            if t.__module__ == "numpy" and isinstance(x, np.generic):
                return conv(x.item(), depth + 1)
        pd = _s.modules.get("pandas")
        if pd is not None:
            if t is pd.DataFrame:
                return {"$frame": {"columns": conv(list(x.columns), depth + 1),
                                   "index": conv(list(x.index), depth + 1),
                                   "data": conv(x.to_numpy(dtype=object).tolist(), depth + 1)}}
            if t is pd.Series:
                return {"$series": {"name": conv(x.name, depth + 1), "index": conv(list(x.index), depth + 1),
                                    "values": conv(x.to_numpy(dtype=object).tolist(), depth + 1)}}
            if t is pd.Index or t is pd.RangeIndex:
                return conv(list(x), depth + 1)
            if t is pd.Timestamp:
                return x.isoformat()
            if x is pd.NA or x is pd.NaT:
                return None
        raise _NotPlain(f"an object of type {t.__name__}")
    out = {}
    for name in names:
        if name in ns:
            try:
                out[name] = {"value": conv(ns[name])}
            except _NotPlain as e:
                out[name] = {"error": f"not plain data ({e})"}
            except Exception as e:
                out[name] = {"error": f"could not be read ({type(e).__name__})"}
    text = _j.dumps(out, allow_nan=False)
    if len(text) > limit:
        text = _j.dumps({n: {"error": "too large to read"} for n in out})
    with open(path + ".tmp", "w") as f:
        f.write(text)
    _o.replace(path + ".tmp", path)
'''


def _extract_call(path: str, names) -> str:
    return (_EXTRACT + f"_kamlab_extract(globals(), {list(names)!r}, {path!r}, {MAX_ANSWERS_BYTES})\n"
            "del _kamlab_extract\n")


# --- the worker process ----------------------------------------------------------------------------------

def _limit_resources(memory_mb: int) -> None:
    import resource

    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


def _event(log, **kw) -> None:
    log.write(json.dumps(kw, default=str) + "\n")
    log.flush()


def _mentions(cell, names) -> list[str]:
    return [n for n in names if n in cell.source]


def run_job(job: dict) -> None:
    """Worker side: execute the notebook described by `job` (a dict read from the job file)."""
    os.environ.update(_ENV)
    _limit_resources(job["memory_mb"])
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from papermill.parameterize import parameterize_notebook

    names = job["names"]
    with open(job["events"], "a") as log:
        try:
            nb = nbformat.read(job["notebook"], as_version=4)
            cells = nb["cells"]
            if not isinstance(cells, list) or not all(c.get("cell_type") in ("code", "markdown", "raw")
                                                       and isinstance(c.get("source", ""), str)
                                                       for c in cells):
                raise ValueError("its cells are not notebook cells")
            for c in cells:
                if not isinstance(c.get("metadata", {}), dict) or not isinstance(c.get("metadata", {}).get("tags", []), list):
                    raise ValueError("a cell has malformed metadata")
                c.setdefault("metadata", nbformat.NotebookNode()).setdefault("tags", [])
        except Exception as err:  # not JSON, not a notebook
            _event(log, event="invalid", message=f"{type(err).__name__}: {str(err)[:200]}")
            return
        meta = nb.get("metadata", {})
        kl_meta = meta.get("kamlab") if isinstance(meta.get("kamlab"), dict) else {}
        _event(log, event="meta", submitted_at=kl_meta.get("submitted_at") or meta.get("submitted_at"))
        nb.metadata.setdefault("papermill", {})
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb = parameterize_notebook(nb, job["parameters"], kernel_name="python3", language="python")
        final = nbformat.v4.new_code_cell(_extract_call(job["answers"], names))
        final.metadata["tags"] = ["kamlab-extract"]
        nb.cells.append(final)

        class Client(NotebookClient):
            def output(self, outs, msg, display_id, cell_index):  # keep no outputs: bounded memory
                return None

            async def _async_handle_timeout(self, timeout, cell=None):
                _event(log, event="timeout", cell=current["number"])
                return await super()._async_handle_timeout(timeout, cell)

        def on_error(cell, cell_index, execute_reply):
            ename = str(execute_reply["content"].get("ename", "Error"))
            _event(log, event="error", cell=current["number"], ename=ename[:60], names=_mentions(cell, names))

        def on_executed(cell, cell_index, execute_reply):  # exit()/quit() ask the kernel to shut down
            payload = (execute_reply or {}).get("content", {}).get("payload", [])
            if any(p.get("source") == "ask_exit" for p in payload if isinstance(p, dict)):
                current["exit"] = True

        client = Client(nb, kernel_name="python3", timeout=job["cell_timeout"], allow_errors=True,
                        interrupt_on_timeout=True, record_timing=False, startup_timeout=120,
                        iopub_timeout=10, shell_timeout_interval=1, on_cell_error=on_error,
                        on_cell_executed=on_executed,
                        resources={"metadata": {"path": job["workdir"]}})
        current = {"number": 0}
        number = 0
        with client.setup_kernel(cwd=job["workdir"]):
            pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
            _event(log, event="kernel", pid=pid)
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
                        probe = nbformat.v4.new_code_cell(_extract_call(job["answers"], names))
                        client.execute_cell(probe, index, store_history=False)
                except DeadKernelError:
                    _event(log, event="dead", cell=number)
                    return
        _event(log, event="done")


def _worker(job: dict, log_path: str) -> None:
    """Entry point of the forked worker: own session, output to a log file, then run the job."""
    os.setsid()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(job["workdir"])
    run_job(job)


_PRELOAD = ["kamlab.grading.execute", "nbformat", "nbclient", "jupyter_client", "papermill.parameterize"]


def _context():
    """A forkserver that has imported the notebook machinery once (importing it costs seconds),
    so each job is a fresh, cheap fork."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run_job(json.loads(Path(argv[0]).read_text()))
    return 0


# --- the grader side -----------------------------------------------------------------------------------

def _kill_tree(pid: int, extra_pids=()) -> None:
    import psutil

    victims = []
    try:
        victims = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        pass
    for pid in extra_pids:
        try:
            p = psutil.Process(pid)
            if p not in victims:
                victims.append(p)
        except (psutil.Error, ValueError, TypeError):
            pass
    try:
        os.killpg(pid, signal.SIGKILL)  # the worker made itself a session (and group) leader
    except (ProcessLookupError, PermissionError):
        pass
    for p in victims:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=5)


def _read_events(path: Path) -> list[dict]:
    events = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return events


def _read_answers(path: Path) -> dict:
    if not path.exists() or path.stat().st_size > MAX_ANSWERS_BYTES * 2:
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}


def execute(notebook: str | Path, *, parameters: dict, names, limits: Limits = Limits()) -> Execution:
    """Run `notebook` fresh in its own temporary working directory and subprocess; read its answers.

    Examples
    --------
    >>> Execution("ok").status
    'ok'
    """
    start = time.monotonic()
    state = Path(tempfile.mkdtemp(prefix="kamlab-grade-"))
    workdir = Path(tempfile.mkdtemp(prefix="kamlab-work-"))
    job = {"notebook": str(Path(notebook).resolve()), "parameters": dict(parameters), "names": list(names),
           "answers": str(state / "answers.json"), "events": str(state / "events.jsonl"),
           "workdir": str(workdir), "cell_timeout": limits.cell_timeout, "memory_mb": limits.memory_mb}
    try:
        return _run(job, state, limits, start)
    finally:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def _run(job: dict, state: Path, limits: Limits, start: float) -> Execution:
    (state / "job.json").write_text(json.dumps(job))
    proc = _context().Process(target=_worker, args=(job, str(state / "worker.log")), daemon=False)
    proc.start()
    proc.join(limits.timeout)
    timed_out = proc.exitcode is None
    events = _read_events(state / "events.jsonl")
    _kill_tree(proc.pid, [e.get("pid") for e in events if e.get("event") == "kernel"])
    proc.join(5)
    events = _read_events(state / "events.jsonl")
    answers = _read_answers(state / "answers.json")
    kinds = {e.get("event") for e in events}
    dead = next((e.get("cell") for e in events if e.get("event") == "dead"), None)
    invalid = next((e.get("message", "") for e in events if e.get("event") == "invalid"), None)
    if invalid is not None:
        status, detail = "invalid notebook", invalid
    elif timed_out:
        status, detail = "timeout", f"the whole notebook took longer than {limits.timeout:g} s"
    elif dead is not None:
        status, detail = "kernel died", f"the kernel died in cell {dead}"
    elif "done" in kinds:
        status, detail = "ok", ""
    else:
        tail = (state / "worker.log").read_bytes()[-400:].decode(errors="replace") if (
            state / "worker.log").exists() else ""
        status, detail = "crashed", f"the grading process ended early (exit {proc.exitcode})"
        if "MemoryError" in tail:
            detail += ": out of memory"
    meta = next((e for e in events if e.get("event") == "meta"), {})
    return Execution(
        status=status, answers=answers,
        errors=tuple((e.get("cell"), e.get("ename"), tuple(e.get("names", ()))) for e in events
                     if e.get("event") == "error"),
        timeouts=tuple(e.get("cell") for e in events if e.get("event") == "timeout"),
        dead_cell=dead, submitted_at=meta.get("submitted_at"), seconds=time.monotonic() - start,
        detail=detail)


if __name__ == "__main__":
    sys.exit(main())
