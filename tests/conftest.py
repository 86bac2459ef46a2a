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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
