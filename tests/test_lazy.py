"""Lazy namespaces: `kl.plots.X` and `kl.widgets.X` import only X's unit, and the name tables agree
with the units' own `__all__`."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import kamlab
from kamlab import plots, widgets


@pytest.mark.parametrize("package", [plots, widgets], ids=lambda p: p.__name__)
def test_the_package_lists_exactly_what_its_units_export(package):
    exported = []
    for unit in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{unit.name}")
        exported += module.__all__
        for name in module.__all__:
            assert getattr(package, name) is getattr(module, name)
    assert sorted(exported) == sorted(package.__all__)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'plot_nothing'"):
        plots.plot_nothing  # noqa: B018
    with pytest.raises(AttributeError):
        kamlab.nothing  # noqa: B018


def test_a_unit_is_reachable_as_a_submodule():
    assert widgets.selection.__name__ == "kamlab.widgets.selection"
    assert plots.apa.plot_waterfall is plots.plot_waterfall


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_welcome_page_loads_no_charts_or_other_units():
    loaded = _modules_after("import kamlab as kl\nwb = kl.widgets.workbench(None, home=None)\n"
                            "kl.widgets.dataset_tour(wb.workbench)")
    assert "matplotlib.pyplot" not in loaded and "scipy" not in loaded
    assert not {m for m in loaded if m.startswith("kamlab.widgets.")} - {"kamlab.widgets.app",
                                                                         "kamlab.widgets.common"}


def test_a_unit_page_loads_only_its_own_panels():
    loaded = _modules_after("import kamlab as kl\nkl.widgets.price_defence_panel")
    units = {m.rsplit(".", 1)[1] for m in loaded if m.startswith(("kamlab.widgets.", "kamlab.plots."))}
    assert units <= {"negotiation", "common", "style"}, units
