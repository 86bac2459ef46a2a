"""Shared fixtures: the shipped case company, a small generated one, and the real exports."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample():
    """The shipped case company (datasets/case_company)."""
    from kamlab import data

    return data.load_sample()


@pytest.fixture(scope="session")
def small():
    """A small generated company: quick to compute on, different from the shipped one."""
    from kamlab import synth

    return synth.generate(n_accounts=12, years=2, seed=7)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real exports in ../shared/data. Missing in CI is a failure; elsewhere a skip."""
    path = Path(os.environ.get("KAMLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "online_retail").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"KAMLAB_SHARED_DATA={path} has no online_retail/: CI must provide ../shared/data")
        pytest.skip("the real exports are not here: set KAMLAB_SHARED_DATA to ../shared/data")
    return path


_VOILA_LOG = pytest.StashKey[Path]()  # the log of the Voila started last
LOG_TAIL_LINES = 60


@pytest.fixture(scope="session")
def voila_log(request, tmp_path_factory):
    """A new file for a Voila server's log, for the browser tests: a failing one shows the log's last lines
    in its report (CI keeps nothing else of the server)."""
    def new_log() -> Path:
        path = tmp_path_factory.mktemp("voila") / "voila.log"
        request.config.stash[_VOILA_LOG] = path
        return path

    return new_log


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    log = item.config.stash.get(_VOILA_LOG, None)
    if report.failed and item.get_closest_marker("browser") and log is not None and log.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL_LINES:]
        report.sections.append((f"Voila's log, last {LOG_TAIL_LINES} lines ({log})", "\n".join(tail)))
    return report


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
