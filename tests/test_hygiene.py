"""The workbench's own hygiene: notebooks stripped and thin, parameters cells, links that resolve, pure
domain modules, voila.json, and environment.yml in step with pyproject.toml."""
from __future__ import annotations

import ast
import json
import os
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HOME = ROOT / "notebooks" / "00_welcome.ipynb"
UNITS = ("01_selection_matrix_workshop", "02_account_profitability_analysis",
         "03_cost_to_serve_and_resource_allocation", "04_negotiation_scenarios",
         "05_growth_share_of_wallet_jbp", "06_rationalization_and_control", "07_account_plan",
         "08_ethics_of_rationalization")
PARAMETERS = {"data_folder": None, "seed": None, "scenario": "baseline", "presenter": False}
MAX_CELL_LINES = 12
FORBIDDEN_IN_DOMAIN = {"matplotlib", "ipywidgets", "IPython", "seaborn", "traitlets", "voila"}

ids = [p.stem for p in NOTEBOOKS]


def _nb(path):
    return nbformat.read(path, as_version=4)


def test_the_landing_page_exists():
    assert HOME.exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(path):
    for i, cell in enumerate(_nb(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_one_parameters_cell_with_the_four_parameters(path):
    cells = [c for c in _nb(path).cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{path.name}: exactly one cell tagged 'parameters', found {len(cells)}"
    assert cells[0].cell_type == "code"
    values = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.unparse(node)
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values == PARAMETERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebooks_are_thin(path):
    for i, cell in enumerate(_nb(path).cells):
        if cell.cell_type == "code":
            n = len(cell.source.strip().splitlines())
            assert n <= MAX_CELL_LINES, (f"{path.name} cell {i} has {n} lines: move the logic into kamlab "
                                         f"(a notebook cell is at most {MAX_CELL_LINES} lines)")
            assert "import *" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_page_has_the_header(path):
    """The header (scenario, data switch, presenter, the links home/previous/next) comes from kl.app.workbench."""
    src = "\n".join(c.source for c in _nb(path).cells if c.cell_type == "code")
    assert re.search(r"kl\.(?:app|widgets)\.workbench\(\s*data_folder\s*,\s*seed=seed\s*,\s*scenario=scenario\s*,"
                     r"\s*presenter=presenter", src), f"{path.name} does not build the page header"
    assert _nb(path).metadata.get("kernelspec", {}).get("name") == "python3"


def _home_links() -> list[str]:
    text = "\n".join(c.source for c in _nb(HOME).cells if c.cell_type == "markdown")
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'href="([^"]+)"', text)


def test_landing_page_links_resolve():
    links = [l.split("?")[0].split("#")[0] for l in _home_links() if not re.match(r"[a-z]+:", l)]
    assert links, "the landing page links to no unit"
    for link in links:
        assert not link.startswith("/"), f"{link}: use relative links, so they work in Voila and Lab"
        assert (HOME.parent / link).is_file(), f"the landing page links to {link}, which does not exist"


def test_landing_page_links_every_unit():
    linked = {Path(l.split("?")[0]).stem for l in _home_links()}
    assert set(UNITS) <= linked
    present = {p.stem for p in NOTEBOOKS if re.match(r"\d\d_", p.stem) and p.stem != HOME.stem}
    assert present <= linked, f"units not linked from the landing page: {sorted(present - linked)}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module.split(".")[0] for n in ast.walk(tree)
             if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    return mods


# kamlab/format.py is the formatting service (STYLE.md: "money, percent, labels"), not a domain module: its
# matplotlib tick formatters import matplotlib inside the function, which the test below holds.
DOMAIN_MODULES = sorted(p for p in [*(ROOT / "kamlab").glob("*.py"), *(ROOT / "kamlab" / "apa").glob("*.py")]
                        if p.name != "format.py")


def test_format_imports_matplotlib_only_inside_functions():
    """kamlab.format serves pages without charts: matplotlib only where a tick formatter is asked for."""
    tree = ast.parse((ROOT / "kamlab" / "format.py").read_text())
    top = {a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    top |= {n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
    assert "matplotlib" not in top
    assert not _imports(ROOT / "kamlab" / "format.py") & {"ipywidgets", "traitlets", "IPython"}


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: str(p.relative_to(ROOT / "kamlab")))
def test_domain_modules_import_no_plotting_or_widgets(path):
    bad = _imports(path) & FORBIDDEN_IN_DOMAIN
    assert not bad, f"kamlab/{path.name} imports {sorted(bad)}: domain modules stay pandas/numpy/scipy"


def test_the_purity_check_can_fail(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("def f():\n    import matplotlib.pyplot as plt\n")
    assert _imports(f) & FORBIDDEN_IN_DOMAIN == {"matplotlib"}


def test_voila_json_is_safe_for_a_classroom():
    conf = json.loads((ROOT / "voila.json").read_text())
    assert conf["Voila"]["ip"] == "127.0.0.1"
    assert conf["VoilaConfiguration"]["strip_sources"] is True
    assert conf["VoilaConfiguration"]["show_tracebacks"] is False
    assert 0 < conf["VoilaExecutor"]["timeout"] <= 300
    # nbclient drops a cell's outputs that arrive over iopub_timeout after its reply (4 s by default):
    # with 30 pages starting at once on two cores, whole pages came up without their widgets
    assert conf["VoilaExecutor"]["iopub_timeout"] >= 30
    assert conf["MappingKernelManager"]["cull_idle_timeout"] > 0
    assert conf["MappingKernelManager"]["cull_interval"] > 0


def test_voila_preheats_only_the_course_pages():
    """Preheating runs notebooks before anyone asks: never the solutions (hidden seeds) or the test
    suite's deliberately malicious submissions, when Voila serves the whole repository."""
    conf = json.loads((ROOT / "voila.json").read_text())
    assert conf["VoilaConfiguration"]["preheat_kernel"] is True
    patterns = conf["VoilaKernelManager"]["preheat_denylist"]

    def denied(path):  # as Voila matches them: on the notebook's absolute path
        name = f"/srv/kamlab/{path}"
        return any(p in name or re.match(p, name) for p in patterns)

    for path in ("solutions/ex01.ipynb", "exercises/ex01.ipynb", "tests/submissions/ex00/x.ipynb",
                 ".venv/lib/python3.11/site-packages/pkg/demo.ipynb", "artifacts/run.ipynb"):
        assert denied(path), path
    for nb in [*NOTEBOOKS, ROOT / "benchmarks" / "one_slider.ipynb"]:
        assert not denied(nb.relative_to(ROOT).as_posix()), nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_page_applies_its_query_string_last(path):
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert "".join(code[-1]["source"]).startswith("wb.ready()")


def test_voila_is_pinned_high_enough():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.fullmatch(r"voila>=0\.5\.(6|[7-9]|\d\d)|voila>=0\.([6-9]|\d\d).*", d) for d in deps)


def test_artifacts_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "/artifacts/" in ignored or "artifacts/" in ignored
    assert "/workshop/" in ignored or "workshop/" in ignored


def _req(spec: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2).replace(" ", "").replace("==", "=")


DEV_TOOLS = {"pytest", "nbval", "playwright", "pytest-playwright", "duckdb", "ruff"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _conda_env(path: Path) -> tuple[dict[str, str], list[str]]:
    """The conda dependencies of an environment file (name -> version spec), and its pip lines."""
    import yaml

    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing")
    have, pip = {}, []
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs kamlab itself
            pip += dep["pip"]
            continue
        name, spec = _req(dep)
        have[name] = spec
    return have, pip


def _compare(have: dict, wanted: dict, what: str) -> None:
    assert have == wanted, (f"only in {what}: {sorted(set(have) - set(wanted))}; "
                            f"only in pyproject.toml: {sorted(set(wanted) - set(have))}; "
                            f"different versions: {sorted(k for k in have if k in wanted and have[k] != wanted[k])}")


def test_environment_yml_is_the_participants_and_matches_pyproject():
    """What a participant needs for the notebooks and the app, and no test tools."""
    have, pip = _conda_env(ROOT / "environment.yml")
    python = have.pop("python"), have.pop("pip")
    _compare(have, dict(_req(d) for d in _project()["dependencies"]), "environment.yml")
    assert not DEV_TOOLS & set(have)
    assert pip == ["-c constraints.txt", "-e ."], pip
    assert python[0] == "=3.11"


def test_environment_dev_yml_adds_the_dev_extra():
    project = _project()
    wanted = dict(_req(d) for d in project["dependencies"])
    wanted.update(_req(d) for d in project["optional-dependencies"]["dev"])
    have, pip = _conda_env(ROOT / "environment-dev.yml")
    del have["python"], have["pip"]
    _compare(have, wanted, "environment-dev.yml")
    assert DEV_TOOLS <= set(have)
    assert pip == ["-c constraints.txt", "-e .[dev]"], pip


def test_dev_tools_are_only_in_the_dev_extra():
    assert not DEV_TOOLS & {_req(d)[0] for d in _project()["dependencies"]}
    assert DEV_TOOLS <= {_req(d)[0] for d in _project()["optional-dependencies"]["dev"]}


def test_binder_uses_the_participant_environment_and_opens_the_welcome_page():
    binder, pip = _conda_env(ROOT / "binder" / "environment.yml")
    participant, _ = _conda_env(ROOT / "environment.yml")
    assert binder == participant and not pip, "binder/environment.yml: environment.yml without its pip section"
    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    assert re.search(r"^python -m pip install --no-deps -e \.$", post.read_text(), re.M)
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", (ROOT / "README.md").read_text())
    assert links, "README.md has no Binder link"
    for link in links:
        target = re.search(r"(?:labpath|urlpath)=([^&)]+)", link).group(1)
        path = target.replace("%2F", "/").removeprefix("voila/render/")
        assert (ROOT / path).is_file(), f"the Binder link opens {path}, which does not exist"
    assert any("00_welcome.ipynb" in link for link in links)


def test_pre_commit_runs_the_pinned_ruff_and_strips_notebooks():
    import yaml

    conf = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    repos = {r["repo"].rsplit("/", 1)[1]: r for r in conf["repos"]}
    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M).group(1)
    assert repos["ruff-pre-commit"]["rev"] == f"v{pinned}", "the hook's ruff is the ruff make test runs"
    assert {h["id"] for h in repos["ruff-pre-commit"]["hooks"]} >= {"ruff"}
    assert {h["id"] for h in repos["nbstripout"]["hooks"]} == {"nbstripout"}


def _kamlab_imports(path: Path) -> set[str]:
    """The kamlab subpackages a module imports (kamlab.plots, kamlab.widgets, ...), lazily or not."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0]
    return {".".join(m.split(".")[:2]) for m in names if m.startswith("kamlab.")}


@pytest.mark.parametrize("layer, forbidden", [
    (DOMAIN_MODULES, {"kamlab.plots", "kamlab.widgets"}),
    (sorted((ROOT / "kamlab" / "plots").glob("*.py")), {"kamlab.widgets"}),
], ids=["domain", "plots"])
def test_imports_flow_one_way(layer, forbidden):
    """widgets -> plots -> domain -> data: a lower layer never reaches up."""
    bad = {str(p.relative_to(ROOT)): sorted(_kamlab_imports(p) & forbidden) for p in layer}
    assert not {k: v for k, v in bad.items() if v}


def test_one_version_everywhere():
    """pyproject.toml, kamlab.__version__, CITATION.cff and the newest CHANGELOG section agree."""
    import yaml

    import kamlab

    version = _project()["version"]
    assert kamlab.__version__ == version
    assert str(yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"]) == version
    newest = re.search(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M).group(1)
    assert newest == version, f"CHANGELOG.md's newest section is {newest}, the package is {version}"


def test_the_licences_are_there():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert _project()["license"] == {"text": "MIT"}
    content = (ROOT / "LICENSE-content.md").read_text()
    assert "CC BY 4.0" in content and "datasets/case_company/" in content


def test_no_markdown_writes_money_with_a_dollar_sign():
    """Voila typesets ``$...$`` as maths even when escaped (``\\$``: its markdown drops the backslash
    before MathJax reads the page), so "\\$560,000 a quarter ... \\$0.80" came out as italic run-together
    words on unit 03. Money in a page's text carries a currency code (USD 560,000); maths stays ``$...$``."""
    bad = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            text = "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""
            if re.search(r"\\\$|\$\s?\d", text):
                bad.append(f"{nb.name} cell {i}")
    assert not bad, bad
