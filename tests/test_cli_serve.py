"""`kamlab app` and `kamlab lab`: the command lines they build, the defaults they read from the
functions' signatures, the token rule, and one real start of the app on a free port."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kamlab.cli import build_parser, main, serve

ROOT = Path(__file__).resolve().parent.parent


def _args(*argv):
    return build_parser().parse_args(list(argv))


def test_the_parser_reads_its_defaults_from_the_signatures():
    args = _args("app")
    defaults = serve.app_command.__kwdefaults__
    assert (args.port, args.host, args.token, args.presenter) == (
        defaults["port"], defaults["host"], defaults["token"], defaults["presenter"])
    assert _args("lab").no_browser is (not serve.lab_command.__kwdefaults__["browser"])


def test_the_app_serves_the_course_notebooks_with_the_makefile_options():
    cmd, env = serve.app_command()
    assert cmd[:4] == [sys.executable, "-m", "voila", "--no-browser"]
    assert Path(cmd[4]) == ROOT / "notebooks"
    assert cmd[5:] == ["--port=8866", "--Voila.ip=127.0.0.1"]
    assert env == {"KAMLAB_PRESENTER": "", "KAMLAB_BOARD_PIN": ""}


def test_a_classroom_needs_a_token():
    with pytest.raises(serve.ServeError, match="add a token"):
        serve.app_command(host="0.0.0.0")
    cmd, env = serve.app_command(host="0.0.0.0", token="s3cret", port=9000, presenter=True)
    assert cmd[-3:] == ["--port=9000", "--Voila.ip=0.0.0.0", "--Voila.token=s3cret"]
    assert env["KAMLAB_PRESENTER"] == "1"
    for host in serve.LOOPBACK:
        assert "--Voila.token" not in " ".join(serve.app_command(host=host)[0])


def test_the_command_refuses_an_open_classroom_with_exit_code_2(capsys):
    assert main(["app", "--host", "0.0.0.0"]) == 2
    assert "add a token" in capsys.readouterr().err


def test_a_missing_folder_is_named(tmp_path, capsys):
    assert main(["lab", str(tmp_path / "nowhere")]) == 2
    assert "nowhere is not a folder of notebooks" in capsys.readouterr().err


def test_further_options_reach_voila(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(serve, "_run", lambda cmd, env=None: seen.update(cmd=cmd, env=env) or 0)
    assert main(["app", str(tmp_path), "--port", "9100", "--presenter", "--option=--VoilaConfiguration.x=1"]) == 0
    assert seen["cmd"][4:] == [str(tmp_path.resolve()), "--port=9100", "--Voila.ip=127.0.0.1",
                               "--VoilaConfiguration.x=1"]
    assert seen["env"] == {"KAMLAB_PRESENTER": "1", "KAMLAB_BOARD_PIN": ""}


def test_the_board_pin_defaults_to_the_token():
    assert serve.app_command(host="0.0.0.0", token="s3cret")[1]["KAMLAB_BOARD_PIN"] == "s3cret"
    assert serve.app_command(token="s3cret", board_pin="42")[1]["KAMLAB_BOARD_PIN"] == "42"


def test_lab_opens_the_notebooks_in_jupyterlab(monkeypatch):
    seen = {}
    monkeypatch.setattr(serve, "_run", lambda cmd, env=None: seen.update(cmd=cmd) or 0)
    assert main(["lab", "--no-browser", "--port", "8901"]) == 0
    assert seen["cmd"] == [sys.executable, "-m", "jupyterlab", str(ROOT / "notebooks"), "--port=8901",
                           "--no-browser"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_kamlab_app_serves_the_welcome_page(tmp_path):
    """`python -m kamlab app` (what `make app` and a Windows participant run) serves the notebooks."""
    port = _free_port()
    log = open(tmp_path / "app.log", "w")
    # no preheated kernels: this test needs the server, not eight warm pages
    proc = subprocess.Popen([sys.executable, "-m", "kamlab", "app", "--port", str(port),
                             "--option=--VoilaConfiguration.preheat_kernel=False"],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        url, deadline, page = f"http://127.0.0.1:{port}/voila/render/00_welcome.ipynb", time.monotonic() + 240, None
        while page is None and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            try:
                page = urllib.request.urlopen(url, timeout=60).read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, (tmp_path / "app.log").read_text()
        assert "<title>00_welcome" in page and "jp-RenderedMarkdown" in page, page[-2000:]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) is not None
        log.close()
