"""Every notebook follows the course conventions (CONTRIBUTING.md) and was saved after a clean run.

nbval (configured in pyproject.toml) executes the notebooks; these tests read the saved files.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from utils import course

NOTEBOOKS = course.notebooks()
START_UP_NOISE = ("cuInit", "oneDNN", "absl::InitializeLog", "cpu_feature_guard", "cuda_")


def test_there_are_notebooks() -> None:
    assert [p.name[:2] for p in NOTEBOOKS][:2] == ["00", "01"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def nb(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    notebook = nbformat.read(request.param, as_version=4)
    notebook.metadata["path"] = request.param
    return notebook


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_title_cell(nb: nbformat.NotebookNode) -> None:
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "## Learning objectives" in first.source or "Learning objectives" in first.source
    assert re.search(r"budget:\s*\d+\s*s", first.source), "state the run time and its budget in the title cell"
    assert course.sync_notebook(nb.metadata["path"], write=False) is False, "run `python -m utils.course sync`"


def test_setup_cell_comes_first(nb: nbformat.NotebookNode) -> None:
    assert _code(nb)[0].source.startswith(course.SETUP_MARKER)


MAX_CELL_LINES = 40


def test_code_cells_are_short(nb: nbformat.NotebookNode) -> None:
    # CONTRIBUTING.md: short cells, each one step of the argument (the generated setup cell aside).
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not cell.source.startswith(course.SETUP_MARKER):
            lines = len(cell.source.strip().split("\n"))
            assert lines <= MAX_CELL_LINES, f"cell {index} has {lines} lines: split it (at most {MAX_CELL_LINES})"


def test_sections(nb: nbformat.NotebookNode) -> None:
    text = _markdown(nb)
    for heading in ("## Exercises", "## Summary"):
        assert heading in text, f"missing section {heading!r}"
    assert "$" in text, "explain with some math (LaTeX) before the code"


def test_exercise_solutions_are_marked(nb: nbformat.NotebookNode) -> None:
    regions = 0
    for cell in nb.cells:
        begins = [m.start() for m in re.finditer(r"### BEGIN SOLUTION", cell.source)]
        ends = [m.start() for m in re.finditer(r"### END SOLUTION", cell.source)]
        assert len(begins) == len(ends) and all(b < e for b, e in zip(begins, ends, strict=True)), cell.source[:80]
        regions += len(begins)
    assert regions >= 2, "every notebook has at least two exercises with marked solutions"


def test_saved_after_a_clean_run(nb: nbformat.NotebookNode) -> None:
    counts = [c.execution_count for c in _code(nb)]
    assert None not in counts, "some code cells were never run"
    assert counts == list(range(1, len(counts) + 1)), "run the notebook top to bottom in a fresh kernel"
    for cell in _code(nb):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", cell.source[:80]
            if output.get("name") == "stderr":
                assert not any(n in output.text for n in START_UP_NOISE), output.text[:200]


def test_some_outputs_are_compared(nb: nbformat.NotebookNode) -> None:
    checked = [c for c in _code(nb) if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert checked, "mark the cells with deterministic, meaningful output with # NBVAL_CHECK_OUTPUT"


def test_size(nb: nbformat.NotebookNode) -> None:
    assert Path(nb.metadata["path"]).stat().st_size < 3_000_000


def test_readme_lists_every_notebook() -> None:
    readme = (course.ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"add {path.name} to the README's table"
