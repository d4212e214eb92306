"""utils.coursework: student versions keep everything but the solutions, and stop at the first exercise."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from utils import course, coursework
from utils.coursework import (
    LOOSE_MARKER,
    STUDENT_DIR,
    check_out_dir,
    looks_like_marker,
    main,
    solution_lines,
    strip_solutions,
    student_version,
    write_student_versions,
)

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
    near_misses = [line for line in text.splitlines() if looks_like_marker(line)]
    assert not near_misses, f"marker-like lines left in the student version: {near_misses[:3]}"
    assert text.count("raise NotImplementedError") >= 2
    assert all(not c.get("outputs") and c.execution_count is None for c in student.cells if c.cell_type == "code")
    unchanged = [(a.cell_type, a.source) for a, b in zip(original.cells, student.cells, strict=True)
                 if "SOLUTION" not in a.source and a.source != b.source]
    assert not unchanged, "cells without solutions must be unchanged"


@pytest.mark.parametrize("near_miss", ["## BEGIN SOLUTION", "### begin solution", "#### BEGIN SOLUTION",
                                       "### BEGIN SOLUTION ###", "<!-- ## END SOLUTION -->", "# BEGIN_SOLUTION",
                                       "x = 1  ### END SOLUTION"])
def test_near_miss_markers_are_errors_that_say_where(near_miss: str) -> None:
    source = f"def f():\n    {near_miss}\n    return 42\n"
    with pytest.raises(ValueError, match=r"nb.ipynb, cell 3, line 2: .*looks like a solution marker"):
        strip_solutions(source, "code", where="nb.ipynb, cell 3")


def test_the_loose_pattern_sees_every_near_miss_and_every_marker() -> None:
    for line in ("### BEGIN SOLUTION", "<!-- ### END SOLUTION -->", "## begin solution", "#BEGIN SOLUTIONS"):
        assert LOOSE_MARKER.search(line), line
    assert not LOOSE_MARKER.search("# the solution begins with x")
    assert not looks_like_marker("Solutions sit between `### BEGIN SOLUTION` and `### END SOLUTION` lines")


def _course_copy(tmp_path, monkeypatch) -> object:
    """A copy of notebooks 00 and 01 in a temporary course folder, which coursework then uses."""
    folder = tmp_path / "course" / "notebooks"
    folder.mkdir(parents=True)
    for path in NOTEBOOKS[:2]:
        shutil.copy(path, folder / path.name)
    monkeypatch.setattr(coursework, "NOTEBOOK_DIR", folder)
    monkeypatch.setattr(coursework, "STUDENT_DIR", folder / "student")
    monkeypatch.setattr(coursework, "notebooks", lambda: course.notebooks(folder))
    return folder


def test_the_course_notebooks_folder_is_refused(tmp_path, monkeypatch, capsys) -> None:
    folder = _course_copy(tmp_path, monkeypatch)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for out in (folder, folder / "mine", folder / ".." / "notebooks"):
        with pytest.raises(ValueError, match="reference solutions"):
            write_student_versions(out)
    assert main(["student", str(folder)]) == 2 and "refusing" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing was touched
    written = write_student_versions(folder / "student")
    assert [p.parent for p in written] == [folder / "student"] * 2


def test_real_student_folder_is_allowed_ignored_by_git_and_not_collected() -> None:
    assert check_out_dir(STUDENT_DIR) == STUDENT_DIR.resolve()
    assert check_out_dir(STUDENT_DIR / "week1") == (STUDENT_DIR / "week1").resolve()
    from conftest import collect_ignore_glob

    for path in ("notebooks/student/01_simple_rnn.ipynb", "notebooks/01_simple_rnn-Copy1.ipynb"):
        assert any(fnmatch.fnmatch(path, pattern) for pattern in collect_ignore_glob), path
    if shutil.which("git") and (course.ROOT / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", "-q", "notebooks/student/01_simple_rnn.ipynb"],
                                 cwd=course.ROOT, check=False)
        assert ignored.returncode == 0, "notebooks/student/ must be git-ignored"


def test_existing_notebooks_are_not_overwritten_without_force(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    answered = out / NOTEBOOKS[1].name
    answered.write_text("a learner's answers", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--force"):
        write_student_versions(out)
    assert main(["student", str(out), "--only", "01"]) == 2 and "not overwriting" in capsys.readouterr().err
    assert answered.read_text(encoding="utf-8") == "a learner's answers"
    assert [p.name for p in out.iterdir()] == [answered.name]  # and nothing else was written
    assert main(["student", str(out), "--only", "01", "--force"]) == 0
    assert nbformat.read(answered, as_version=4).cells


def test_nothing_is_written_when_one_notebook_fails(tmp_path, monkeypatch) -> None:
    folder = _course_copy(tmp_path, monkeypatch)
    (folder / NOTEBOOKS[1].name).write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValueError, match=f"{NOTEBOOKS[1].name} is not a readable notebook"):
        write_student_versions(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_jupyter_copies_are_ignored(tmp_path) -> None:
    shutil.copy(NOTEBOOKS[0], tmp_path / NOTEBOOKS[0].name)
    shutil.copy(NOTEBOOKS[0], tmp_path / NOTEBOOKS[0].name.replace(".ipynb", "-Copy1.ipynb"))
    assert [p.name for p in course.notebooks(tmp_path)] == [NOTEBOOKS[0].name]


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
