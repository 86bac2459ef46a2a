"""`kamlab app` and `kamlab lab`: serve the workbench, or open the notebooks, without `make`.

`pip install -e .` (or the conda environment) and one command work the same on Linux, macOS and Windows.
The functions below build the command lines; their signatures hold the defaults, which the parser reads.
"""
from __future__ import annotations

import compileall
import os
import secrets
import subprocess
import sys
from pathlib import Path

__all__ = ["ServeError", "app_command", "lab_command", "project_root"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ServeError(ValueError):
    """A way of serving that would be unsafe or cannot work; the message says how to fix it."""


def project_root() -> Path:
    """The folder that holds `notebooks/` and `voila.json`: the clone kamlab runs from, else the current one."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "notebooks").is_dir() else Path.cwd()


def _notebooks(notebooks: str | os.PathLike | None) -> Path:
    path = Path(notebooks) if notebooks is not None else project_root() / "notebooks"
    if not path.is_dir():
        raise ServeError(f"{path} is not a folder of notebooks: give one, e.g. `kamlab app path/to/notebooks`")
    return path.resolve()


def app_command(notebooks: str | os.PathLike | None = None, *, port: int = 8866, host: str = "127.0.0.1",
                token: str | None = None, presenter: bool = False, board_pin: str | None = None,
                extra: tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
    """The Voila command line and the environment that serve `notebooks` as the workbench app.

    A host other than loopback lets anyone on the network in, so it needs a token. `presenter` puts
    every page in presenter mode (``KAMLAB_PRESENTER=1``); `board_pin` (default: the token) lets the
    trainer clear the workshop board; `extra` goes to Voila as it is.

    Examples
    --------
    >>> cmd, env = app_command(port=9000, presenter=True)
    >>> cmd[1:4], cmd[-2:], env["KAMLAB_PRESENTER"]
    (['-m', 'voila', '--no-browser'], ['--port=9000', '--Voila.ip=127.0.0.1'], '1')
    >>> app_command(host="0.0.0.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kamlab.cli.serve.ServeError: serving on 0.0.0.0 lets anyone on the network in: add a token, e.g. --token ...
    """
    if host not in LOOPBACK and not token:
        raise ServeError(f"serving on {host} lets anyone on the network in: add a token, "
                         f"e.g. --token {secrets.token_hex(8)}")
    cmd = [sys.executable, "-m", "voila", "--no-browser", str(_notebooks(notebooks)), f"--port={port}",
           f"--Voila.ip={host}"]
    if token:
        cmd.append(f"--Voila.token={token}")
    env = {"KAMLAB_PRESENTER": "1" if presenter else "", "KAMLAB_BOARD_PIN": board_pin or token or ""}
    return cmd + list(extra), env


def lab_command(notebooks: str | os.PathLike | None = None, *, port: int | None = None, browser: bool = True,
                extra: tuple[str, ...] = ()) -> list[str]:
    """The JupyterLab command line that opens `notebooks` (the course's, by default).

    Examples
    --------
    >>> cmd = lab_command(port=8900, browser=False)
    >>> cmd[1:3], cmd[-2:]
    (['-m', 'jupyterlab'], ['--port=8900', '--no-browser'])
    """
    cmd = [sys.executable, "-m", "jupyterlab", str(_notebooks(notebooks))]
    if port is not None:
        cmd.append(f"--port={port}")
    if not browser:
        cmd.append("--no-browser")
    return cmd + list(extra)


def _run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    """Run `cmd` in the project root (where voila.json is read from) until it ends or Ctrl+C."""
    compileall.compile_dir(Path(__file__).resolve().parents[1], quiet=2)  # kernels start faster
    env = {**os.environ, **(env or {})}
    if os.name == "posix":  # the server takes this process's place: Ctrl+C and kill reach it directly
        os.chdir(project_root())
        os.execve(cmd[0], cmd, env)
    proc = subprocess.Popen(cmd, cwd=project_root(), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


def _extra(args) -> tuple[str, ...]:
    return tuple(args.option)


def _app(args) -> int:
    try:
        cmd, env = app_command(args.notebooks, port=args.port, host=args.host, token=args.token,
                               presenter=args.presenter, board_pin=args.board_pin, extra=_extra(args))
    except ServeError as err:
        print(f"kamlab app: {err}", file=sys.stderr)
        return 2
    from kamlab.cli.join import announce

    announce(args.host, args.port, token=args.token)
    print(f"Serving the workbench on {args.host}:{args.port} (Ctrl+C stops it)")
    return _run(cmd, env)


def _lab(args) -> int:
    try:
        cmd = lab_command(args.notebooks, port=args.port, browser=not args.no_browser, extra=_extra(args))
    except ServeError as err:
        print(f"kamlab lab: {err}", file=sys.stderr)
        return 2
    return _run(cmd)


def register(sub) -> None:
    app = app_command.__kwdefaults__
    p = sub.add_parser("app", help="serve the workbench app with Voila (the trainer's and participants' pages)")
    p.add_argument("notebooks", nargs="?", help="folder of notebooks (default: the course's notebooks/)")
    p.add_argument("--port", type=int, default=app["port"], help="port (default: %(default)s)")
    p.add_argument("--host", default=app["host"],
                   help="address to listen on (default: %(default)s, this computer only); 0.0.0.0 for a classroom")
    p.add_argument("--token", default=app["token"], help="a secret participants add as ?token=...; required off loopback")
    p.add_argument("--presenter", action="store_true", default=app["presenter"],
                   help="every page in presenter mode (for a projector)")
    p.add_argument("--board-pin", default=app["board_pin"],
                   help="the PIN that lets the trainer clear the workshop board (default: the token)")
    p.add_argument("--option", action="append", default=[], metavar="=--NAME=VALUE",
                   help="an option for Voila itself, e.g. --option=--VoilaExecutor.timeout=300 (repeatable)")
    p.set_defaults(func=_app)

    lab = lab_command.__kwdefaults__
    p = sub.add_parser("lab", help="open the course notebooks in JupyterLab")
    p.add_argument("notebooks", nargs="?", help="folder of notebooks (default: the course's notebooks/)")
    p.add_argument("--port", type=int, default=lab["port"], help="port (default: JupyterLab's own)")
    p.add_argument("--no-browser", action="store_true", default=not lab["browser"], help="do not open a browser")
    p.add_argument("--option", action="append", default=[], metavar="=--NAME=VALUE",
                   help="an option for JupyterLab itself, e.g. --option=--ServerApp.ip=0.0.0.0 (repeatable)")
    p.set_defaults(func=_lab)
