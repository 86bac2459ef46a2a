"""Lazy namespaces: `kl.plots.X` and `kl.widgets.X` import only X's unit, and the name tables agree
with the units' own `__all__`."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

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


LAZY_PACKAGES = ("kamlab", "kamlab.plots", "kamlab.widgets", "kamlab.grading")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_no_exported_name_is_also_a_submodule(name):
    """Importing a submodule makes it an attribute of its package: a function exported lazily under the
    same name would be the function on one access and the module on the next."""
    package = importlib.import_module(name)
    units = {unit.name for unit in pkgutil.iter_modules(package.__path__)}
    for exported in set(package.__all__) & units:
        assert getattr(package, exported) is importlib.import_module(f"{name}.{exported}"), exported


def test_grading_grade_is_the_same_thing_on_every_access():
    """kl.grading.grade was the function first and the module once `import kamlab.grading.grade` had run (as
    the command line does): now it is the module every time, and its `grade` is callable every time."""
    out = subprocess.run([sys.executable, "-c", (
        "import kamlab as kl\n"
        "first = kl.grading.grade\n"
        "import kamlab.grading.grade\n"
        "import kamlab.grading.grade as by_import\n"
        "assert kl.grading.grade is first is by_import, (first, kl.grading.grade)\n"
        "for _ in range(2):\n"
        "    try:\n"
        "        kl.grading.grade.grade('no-such-folder')\n"
        "    except kl.data.DataError as err:\n"
        "        print(err)\n"
        "assert callable(kl.grading.assign.assign) and callable(kl.grading.validate.validate)\n")],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["say which assignment to grade: --assignment ex02"] * 2


def test_apa_tdabc_is_the_function_whatever_was_imported_first():
    """kamlab.apa imports its modules when it is imported, so the function `tdabc` replaces the module
    `kamlab.apa.tdabc` on the package once and for all (only `import kamlab.apa.tdabc as m` gives the
    function too; the module is `sys.modules["kamlab.apa.tdabc"]`)."""
    out = subprocess.run([sys.executable, "-c", (
        "import kamlab.apa.tdabc, kamlab as kl\n"
        "assert kl.apa.tdabc(100, 200, {'a': 1}, {'a': 10}).rate == 0.5\n"
        "assert kl.apa.tdabc(100, 200, {'a': 1}, {'a': 10}).rate == 0.5\n")],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_attach_refuses_an_export_named_like_a_submodule():
    from kamlab._lazy import attach

    with pytest.raises(ValueError, match="'grade' is both a submodule and a name"):
        attach("kamlab.grading", submodules=["grade"], submod_attrs={"grade": ["grade"]})
    with pytest.raises(ValueError, match="'grade' is both"):
        attach("kamlab.grading", submod_attrs={"grade": ["grade"]})


def test_one_lazy_mechanism():
    """Every package's lazy names come from kamlab._lazy: no hand-written module __getattr__ elsewhere."""
    root = Path(kamlab.__file__).parent
    hand_written = [str(p.relative_to(root)) for p in root.rglob("*.py")
                    if p.name != "_lazy.py" and "def __getattr__" in p.read_text()]
    assert hand_written == []


def test_importing_the_grading_package_loads_none_of_its_modules():
    loaded = _modules_after("import kamlab.grading")
    assert not {m for m in loaded if m.startswith("kamlab.grading.")}
    loaded = _modules_after("import kamlab as kl\nkl.grading.self_check")
    assert {m for m in loaded if m.startswith("kamlab.grading.")} == {"kamlab.grading.checks"}
