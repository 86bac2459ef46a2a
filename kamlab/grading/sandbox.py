"""The sandbox every graded notebook runs in: Debian's bubblewrap (``bwrap``), one per execution.

`command(...)` returns the argument list that starts the execution worker (and through it the kernel)
inside a fresh set of namespaces:

- user: the sandbox runs as ``nobody`` (uid/gid 65534) with no capabilities and cannot make further
  user namespaces (``--disable-userns``), also when the grader runs as root (CI);
- mount: an empty root with read-only views of the system (``/usr``, a short list of ``/etc`` files),
  of the Python installation and the virtual environment, and of the ``kamlab`` package folder only;
  one private writable ``/tmp`` (a tmpfs with a size cap) that holds the working folder, home and the
  kernel's runtime files. Nothing else exists: not ``solutions/``, not the submissions, not the output
  folder, not the home directory, not the repository around the package. Folders the grader names as
  secret are also covered by an empty tmpfs when they happen to sit under a read-only bind;
- pid: its own process list (``/proc`` shows the sandbox only), so it can neither see nor signal the
  grader, the other sandboxes or their kernels; when the grader kills the sandbox's first process
  the kernel tears the whole namespace down, so nothing outlives the run (``--die-with-parent`` too);
- network, IPC, UTS: no network at all (a loopback of its own, which the worker and its kernel use),
  no shared memory with anything outside.

Limits for the whole tree are set by the worker before any notebook code runs (`kamlab.grading.execute`):
RLIMIT_NPROC (counted per user namespace, so per sandbox), RLIMIT_AS and RLIMIT_FSIZE per process, and
the grader watches the resident memory of the whole process tree and kills the sandbox above the limit.
The grader also kills it at the wall-time limit.

Where no ``bwrap`` works (macOS, Windows, a Linux without it or without user namespaces), the grader
refuses to grade unless the instructor passes ``--unsafe-no-sandbox`` (`SandboxUnavailable` says what
that risks).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kamlab.data import DataError

__all__ = ["SandboxUnavailable", "available", "bwrap_path", "command", "package_folder", "UNSAFE_WARNING",
           "SANDBOX_ROOT", "WORKDIR"]

SANDBOX_ROOT = "/tmp"
WORKDIR = "/tmp/work"
NOBODY = 65534
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "fonts", "nsswitch.conf",
        "passwd", "group", "hosts", "mime.types", "matplotlibrc", "alternatives")

UNSAFE_WARNING = (
    "grading without a sandbox runs every submission as your own user: a submission can then read the "
    "solutions and the answer key, write the gradebook and other students' feedback, edit the kamlab "
    "package or the virtual environment for later runs, signal or patch other students' kernels, use the "
    "network, and leave processes running after the grader exits. Use it only for submissions you trust.")


class SandboxUnavailable(DataError):
    """No working bubblewrap sandbox on this machine (and ``--unsafe-no-sandbox`` was not given)."""


def bwrap_path() -> str | None:
    """The ``bwrap`` executable, or None."""
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def _probe(bwrap: str) -> str:
    """'' if `bwrap` can start a sandbox here, else why not."""
    try:
        run = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--uid", str(NOBODY), "--gid",
                              str(NOBODY), "--ro-bind", "/usr", "/usr", *_symlinks(), "--proc", "/proc",
                              "--dev", "/dev", "--tmpfs", "/tmp", "true"],
                             capture_output=True, timeout=30, text=True)
    except (OSError, subprocess.SubprocessError) as err:
        return f"{bwrap} could not run: {err}"
    return "" if run.returncode == 0 else f"{bwrap} failed: {run.stderr.strip()[:300]}"


@functools.lru_cache(maxsize=None)
def _supports(bwrap: str, option: str) -> bool:
    try:
        return option in subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False


def available() -> str:
    """Check that a sandbox can start; returns the ``bwrap`` path or raises `SandboxUnavailable`."""
    bwrap = bwrap_path()
    if not sys.platform.startswith("linux"):
        why = f"there is no bubblewrap sandbox on {sys.platform}"
    elif bwrap is None:
        why = ("bubblewrap is not installed (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
               "`make test` installs it when run as root)")
    else:
        why = _probe(bwrap)
        if not why:
            return bwrap
        why += " (user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1)"
    raise SandboxUnavailable(f"cannot sandbox the submissions: {why}. Refusing to grade; pass "
                             f"--unsafe-no-sandbox only if you accept that {UNSAFE_WARNING}")


def package_folder() -> Path:
    """The folder of the kamlab package the grader runs (the only part of the repository bound in)."""
    return Path(__file__).resolve().parents[1]


def _symlinks() -> list[str]:
    """/bin, /lib, ... as on the host: symlinks into /usr on a merged-/usr system, bind mounts otherwise."""
    args = []
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _python_roots() -> list[str]:
    """The folders Python needs: the installation, the environment, and what site-packages points to."""
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(r for r in roots if os.path.isdir(r) and r != "/")


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def command(argv: list[str], *, bwrap: str, notebook: Path, disk_mb: int, hide=(), env: dict) -> list[str]:
    """The ``bwrap`` command line that runs `argv` on `notebook` (read-only at /job/notebook.ipynb).

    `hide` lists host paths (solutions, submissions, output folder, home) that must not be visible even if
    they lie below a folder bound read-only; `env` is the whole environment inside (nothing else passes).
    """
    args = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--uid", str(NOBODY),
            "--gid", str(NOBODY), "--hostname", "sandbox", "--cap-drop", "ALL"]
    if _supports(bwrap, "--disable-userns"):
        args += ["--disable-userns"]
    args += ["--ro-bind", "/usr", "/usr", *_symlinks(), "--proc", "/proc", "--dev", "/dev"]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    pkg = str(package_folder())
    bound = ["/usr", *_python_roots(), pkg]
    for root in bound[1:]:
        args += ["--ro-bind", root, root]
    args += ["--size", str(int(disk_mb) * 1024 * 1024), "--tmpfs", SANDBOX_ROOT,
             "--dir", WORKDIR, "--dir", f"{SANDBOX_ROOT}/home", "--dir", f"{SANDBOX_ROOT}/kamlab"]
    for path in hide:
        real = os.path.realpath(path)
        if _under(real, bound) and os.path.exists(real):
            args += ["--tmpfs", real] if os.path.isdir(real) else ["--ro-bind", "/dev/null", real]
    args += ["--ro-bind", str(Path(notebook).resolve()), "/job/notebook.ipynb", "--chdir", WORKDIR,
             "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, str(value)]
    return args + ["--", *argv]


def environment(extra: dict) -> dict:
    """The environment inside the sandbox: a fixed list, never the grader's (which may hold secrets)."""
    venv_bin = os.path.join(sys.prefix, "bin")
    return {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": f"{SANDBOX_ROOT}/home",
            "TMPDIR": SANDBOX_ROOT, "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(package_folder().parent), "JUPYTER_RUNTIME_DIR": f"{SANDBOX_ROOT}/kamlab/runtime",
            "JUPYTER_DATA_DIR": f"{SANDBOX_ROOT}/kamlab/data", "JUPYTER_CONFIG_DIR": f"{SANDBOX_ROOT}/kamlab/config",
            "JUPYTER_PLATFORM_DIRS": "1", "IPYTHONDIR": f"{SANDBOX_ROOT}/kamlab/ipython",
            "MPLCONFIGDIR": f"{SANDBOX_ROOT}/kamlab/mpl", **extra}
