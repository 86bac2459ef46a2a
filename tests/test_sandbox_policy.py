"""The sandbox's command line and the refusal to grade without one (no notebook runs here)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kamlab.grading import sandbox as box

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"


def _pairs(args, flag):
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


def test_the_command_confines_everything(tmp_path):
    secret = box.package_folder() / "grading"  # pretend a secret folder sits below a read-only bind
    args = box.command(["python", "-m", "kamlab.grading.execute"], bwrap="/usr/bin/bwrap", notebook=DEMO,
                       disk_mb=100, hide=[str(secret), str(tmp_path), str(Path.home())],
                       env=box.environment({"X": "1"}))
    for flag in ("--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in args
    assert _pairs(args, "--uid") == [str(box.NOBODY)] and _pairs(args, "--gid") == [str(box.NOBODY)]
    ro = _pairs(args, "--ro-bind")
    assert str(box.package_folder()) in ro
    assert str(ROOT) not in ro and str(Path.home()) not in ro and "/" not in ro  # no repository, no home
    assert [p for p in ro if p.startswith((str(ROOT / "solutions"), str(ROOT / "tests")))] == [str(DEMO)]
    assert args[args.index(str(DEMO)) + 1] == "/job/notebook.ipynb"  # the one notebook, read-only
    assert not _pairs(args, "--bind")  # nothing of the host is writable
    assert str(secret) in _pairs(args, "--tmpfs")  # hidden although below a read-only bind
    assert str(tmp_path) not in _pairs(args, "--tmpfs")  # (not bound at all: nothing to hide)
    size = args.index("--size")
    assert args[size + 1] == str(100 * 1024 * 1024) and args[size + 2:size + 4] == ["--tmpfs", "/tmp"]
    env = dict(zip(_pairs(args, "--setenv"), [args[i + 2] for i, a in enumerate(args) if a == "--setenv"]))
    assert env["HOME"].startswith("/tmp") and env["X"] == "1"
    assert not (set(env) & {"KAMLAB_SHARED_DATA", "SSH_AUTH_SOCK", "GITHUB_TOKEN"})
    assert args[args.index("--") + 1:] == ["python", "-m", "kamlab.grading.execute"]


def test_grading_is_refused_without_a_sandbox(tmp_path, monkeypatch):
    from kamlab.grading import grade as grade_mod

    ran = []
    monkeypatch.setattr(box, "bwrap_path", lambda: None)
    monkeypatch.setattr(grade_mod, "execute", lambda *a, **k: ran.append(a))
    (tmp_path / "amy.ipynb").write_text("{}")
    with pytest.raises(box.SandboxUnavailable, match="--unsafe-no-sandbox") as err:
        grade_mod.grade(tmp_path, solution=DEMO, out=tmp_path / "out", progress=False)
    assert "read the solutions" in str(err.value) and ran == []
    assert not (tmp_path / "out").exists()


def test_the_cli_warns_what_unsafe_grading_risks(tmp_path, monkeypatch, capsys):
    from kamlab.cli import main
    from kamlab.grading import grade as grade_mod
    from kamlab.grading.execute import Execution

    monkeypatch.setattr(grade_mod, "execute", lambda *a, **k: Execution("ok", answers={}))
    monkeypatch.setattr(grade_mod, "expected_answers", lambda *a, **k: {})
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "amy.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    monkeypatch.chdir(ROOT)
    main(["grade", str(subs), "--assignment", "ex00", "--solutions", "tests/submissions/_solutions",
          "--out", str(tmp_path / "out"), "--unsafe-no-sandbox"])
    assert "runs every submission as your own user" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="bubblewrap is not installed")
def test_bwrap_works_here():
    assert box.available()
