"""utils.coursework: student versions keep everything but the solutions, and stop at the first exercise."""

from __future__ import annotations

import os
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from utils import course
from utils.coursework import main, solution_lines, strip_solutions, student_version, write_student_versions

NOTEBOOKS = course.notebooks()


def test_code_region_becomes_a_stub_that_keeps_the_signature() -> None:
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n\nprint(f(1))"
    stripped = strip_solutions(source, "code")
    assert stripped.startswith("def f(x):\n    # Your answer here")
    assert '    raise NotImplementedError("exercise not answered yet")' in stripped
    assert "x + 1" not in stripped and stripped.endswith("\n\nprint(f(1))")
    compile(stripped, "<stub>", "exec")


def test_markdown_region_becomes_a_prompt() -> None:
    source = "Question?\n<!-- ### BEGIN SOLUTION -->\n**Reference answer.** Because.\n<!-- ### END SOLUTION -->"
    stripped = strip_solutions(source, "markdown")
    assert "Because" not in stripped and stripped.startswith("Question?\n**Your answer.**")


@pytest.mark.parametrize("bad", ["### BEGIN SOLUTION\nx", "x\n### END SOLUTION",
                                 "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="SOLUTION"):
        strip_solutions(bad, "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_solution_text_survives(path) -> None:
    original = nbformat.read(path, as_version=4)
    secret = solution_lines(original)
    assert secret, "every notebook has exercises with reference solutions"
    student = student_version(path)
    text = "\n".join(cell.source for cell in student.cells)
    leaked = [line for line in secret if line in text]
    assert not leaked, f"solution lines left in the student version: {leaked[:3]}"
    assert text.count("raise NotImplementedError") >= 2
    assert all(not c.get("outputs") and c.execution_count is None for c in student.cells if c.cell_type == "code")
    unchanged = [(a.cell_type, a.source) for a, b in zip(original.cells, student.cells, strict=True)
                 if "SOLUTION" not in a.source and a.source != b.source]
    assert not unchanged, "cells without solutions must be unchanged"


def test_command_line_writes_one_or_all(tmp_path, capsys) -> None:
    assert main(["student", str(tmp_path / "one"), "--only", "01"]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == [NOTEBOOKS[1].name]
    written = write_student_versions(tmp_path / "all")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    with pytest.raises(ValueError, match="no notebook numbered '99'"):
        write_student_versions(tmp_path / "none", only="99")


def _stated_seconds(path) -> int:
    """The run time a notebook's title cell states ("about N s")."""
    title = nbformat.read(path, as_version=4).cells[0].source
    return int(re.search(r"about (\d+) s", title).group(1))


# Executing a student version runs its whole notebook up to the exercises: by default only the
# quick notebooks (stated run time up to 15 s: 00 today), to keep the test suite under 15 minutes; every notebook with
# RNN_COURSE_STUDENT_RUNS=all (what a maintainer runs after changing utils.coursework or a check).
RUN_ALL = os.environ.get("RNN_COURSE_STUDENT_RUNS", "") == "all"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_notebook_stops_at_its_first_exercise(tmp_path, path) -> None:
    if not RUN_ALL and _stated_seconds(path) > 15:
        pytest.skip("a long notebook: set RNN_COURSE_STUDENT_RUNS=all to execute its student version")
    # Executed as a learner would run it, in the real notebooks' folder so that its setup cell finds utils.
    (target,) = write_student_versions(tmp_path, only=path.name[:2])
    nb = nbformat.read(target, as_version=4)
    first_stub = next(i for i, c in enumerate(nb.cells) if "raise NotImplementedError" in c.source)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(course.NOTEBOOK_DIR)}})
    with pytest.raises(CellExecutionError, match="NotImplementedError") as stopped:
        client.execute()
    executed = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is not None]
    assert executed[-1] == first_stub  # every cell before the first exercise ran; it stopped there
    if "check_" in nb.cells[first_stub].source:  # a utils.checks check: a short message, not a traceback
        assert "not answered yet" in str(stopped.value) and "most recent call last" not in str(stopped.value)
