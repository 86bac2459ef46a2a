"""Generate exercises/ from solutions/: solutions replaced by placeholders, mark schemes removed.

The output is deterministic (same cell ids as the solution, outputs and execution counts cleared,
metadata reduced to the kernel and the public answer spec), so a test can hold exercises/ equal to
what `assign` would write now (`stale` lists the differences; ``kamlab assign --check`` exits 1).
"""
from __future__ import annotations

from pathlib import Path

from kamlab.data import DataError
from kamlab.grading import authoring

__all__ = ["make_exercise", "exercise_text", "assign", "stale", "exercises_folder"]

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def exercises_folder(solutions: Path) -> Path:
    return solutions.parent / "exercises"


def make_exercise(solution):
    """The participant's version of a solution notebook (a new NotebookNode; the input is not changed).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("### BEGIN SOLUTION\\nq1 = 6 * 7\\n### END SOLUTION")
    >>> sol = nbformat.v4.new_notebook(cells=[cell], metadata={"kamlab": {
    ...     "assignment": "ex00", "hidden_parameters": {"seed": 1}, "answers": [{"name": "q1", "points": 1}]}})
    >>> ex = make_exercise(sol)
    >>> ex.cells[0].source, ex.cells[0]["id"] == cell["id"], "hidden_parameters" in ex.metadata["kamlab"]
    ('q1 = None  # your code here', True, False)
    """
    import nbformat

    spec = authoring.read_spec(solution)
    cells = []
    for cell in solution.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        meta = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(authoring.strip_solution(cell.source, spec.names), metadata=meta)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(authoring.strip_mark_scheme(cell.source), metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=meta)
        if "id" not in cell:
            raise DataError("the solution notebook's cells have no ids: save it with nbformat >= 4.5")
        new["id"] = cell["id"]
        cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
        "kamlab": authoring.public_spec(spec)})
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def exercise_text(solution_path: str | Path) -> str:
    """The exact text `assign` writes for one solution notebook."""
    import nbformat

    nb = make_exercise(nbformat.read(solution_path, as_version=4))
    return nbformat.writes(nb) + "\n"


def _pairs(solutions: Path, exercises: Path):
    for path in sorted(solutions.glob("ex*.ipynb")):
        yield path, exercises / path.name


def assign(solutions: str | Path | None = None, exercises: str | Path | None = None) -> list[Path]:
    """Write exercises/<name>.ipynb for every solutions/ex*.ipynb; remove exercises with no solution."""
    from kamlab.grading.grade import solutions_folder

    solutions = Path(solutions) if solutions is not None else solutions_folder()
    exercises = Path(exercises) if exercises is not None else exercises_folder(solutions)
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for src, dst in _pairs(solutions, exercises):
        text = exercise_text(src)
        if not dst.exists() or dst.read_text() != text:
            dst.write_text(text)
        written.append(dst)
    for old in exercises.glob("ex*.ipynb"):
        if not (solutions / old.name).exists():
            old.unlink()
    return written


def stale(solutions: str | Path | None = None, exercises: str | Path | None = None) -> list[str]:
    """Names of exercises that differ from what `assign` would write now (or are missing or orphaned)."""
    from kamlab.grading.grade import solutions_folder

    solutions = Path(solutions) if solutions is not None else solutions_folder()
    exercises = Path(exercises) if exercises is not None else exercises_folder(solutions)
    out = [dst.name for src, dst in _pairs(solutions, exercises)
           if not dst.exists() or dst.read_text() != exercise_text(src)]
    out += [p.name for p in exercises.glob("ex*.ipynb") if not (solutions / p.name).exists()]
    return sorted(out)
