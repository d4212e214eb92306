"""Student versions of the notebooks: reference solutions removed, everything else kept.

Every exercise's reference solution sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines (in Markdown answer cells, inside HTML comments:
``<!-- ### BEGIN SOLUTION -->``). A student version replaces each such region

* in a code cell by a stub at the same indentation that says what to do and raises
  ``NotImplementedError``, so the function signature above it is kept and the check cell
  after it fails until the learner writes an answer;
* in a Markdown cell by a prompt to write the answer;

and clears every output. Command line::

    python -m utils.coursework student OUTDIR            # every notebook
    python -m utils.coursework student OUTDIR --only 01  # one notebook

Put the student notebooks anywhere inside a clone of the course, or set ``RNN_COURSE_ROOT``,
so that their setup cell finds ``utils``. The dedicated folder ``notebooks/student/`` is
git-ignored and not collected by pytest; any other folder inside ``notebooks/`` is refused,
so the course's own notebooks (and their solutions) can never be overwritten. Existing
notebooks in the output folder are not overwritten unless ``--force`` is given, and every
student version is built in memory before the first file is written.

Used by no notebook: it is the instructors' command line (student versions) and the tests' source
of the notebooks' reference solutions.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from utils.course import NOTEBOOK_DIR, SETUP_MARKER, notebooks

#: The one folder inside ``notebooks/`` where student versions may be written (git-ignored, not collected).
STUDENT_DIR = NOTEBOOK_DIR / "student"
BEGIN = re.compile(r"^(?P<indent>[ \t]*)(?:<!--\s*)?### BEGIN SOLUTION(?:\s*-->)?\s*$")
END = re.compile(r"^[ \t]*(?:<!--\s*)?### END SOLUTION(?:\s*-->)?\s*$")
CODE_STUB = (
    "{indent}# Your answer here: replace these two lines (see the exercise above).\n"
    "{indent}raise NotImplementedError(\"exercise not answered yet\")"
)
#: Anything that looks like a marker: caught so that a near miss never copies a solution into a student version.
LOOSE_MARKER = re.compile(r"(?i)#+\s*(?:begin|end)[\s_-]*solutions?")


def looks_like_marker(line: str) -> bool:
    """True if ``line`` holds something like a solution marker (outside `inline code` quotes)."""
    return bool(LOOSE_MARKER.search(re.sub(r"`[^`]*`", "", line)))


MARKDOWN_PROMPT = "**Your answer.** *Write your answer here, then compare it in class.*"


def _solution_regions(lines: list[str], where: str) -> list[tuple[int, int, str]]:
    """Return ``(begin, end, indent)`` line indices of every solution region in ``lines``.

    Raises
    ------
    ValueError
        If the markers are unbalanced or nested, or a line looks like a marker but is not one.
    """
    regions, start, indent = [], None, ""
    for i, line in enumerate(lines):
        if looks_like_marker(line) and not (BEGIN.match(line) or END.match(line)):
            raise ValueError(f"{where}, line {i + 1}: {line.strip()!r} looks like a solution marker but is not "
                             "exactly '### BEGIN SOLUTION' or '### END SOLUTION' (alone on its line; in Markdown "
                             "'<!-- ### BEGIN SOLUTION -->'); fix it so the solution is not copied to students")
        if match := BEGIN.match(line):
            if start is not None:
                raise ValueError(f"{where}: nested '### BEGIN SOLUTION' at line {i + 1}")
            start, indent = i, match.group("indent")
        elif END.match(line):
            if start is None:
                raise ValueError(f"{where}: '### END SOLUTION' without a BEGIN at line {i + 1}")
            regions.append((start, i, indent))
            start = None
    if start is not None:
        raise ValueError(f"{where}: '### BEGIN SOLUTION' at line {start + 1} is never closed")
    return regions


def strip_solutions(source: str, cell_type: str, where: str = "cell") -> str:
    """Return ``source`` with every solution region replaced by a stub (code) or a prompt."""
    lines = source.split("\n")
    for begin, end, indent in reversed(_solution_regions(lines, where)):
        replacement = CODE_STUB.format(indent=indent) if cell_type == "code" else MARKDOWN_PROMPT
        lines[begin:end + 1] = replacement.split("\n")
    return "\n".join(lines)


def solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Return the stripped, non-empty lines that appear only inside solution regions."""
    inside, outside = set(), set()
    for cell in nb.cells:
        lines = cell.source.split("\n")
        regions = _solution_regions(lines, "cell")
        covered = {i for begin, end, _ in regions for i in range(begin + 1, end)}
        marker_lines = {i for begin, end, _ in regions for i in (begin, end)}
        for i, line in enumerate(lines):
            text = line.strip()
            if not text or i in marker_lines:
                continue
            (inside if i in covered else outside).add(text)
    return inside - outside


def student_version(path: Path) -> nbformat.NotebookNode:
    """Return the student version of the notebook at ``path`` (the file is not changed).

    Raises
    ------
    ValueError
        If the notebook is not valid JSON / nbformat (the message names it), or a solution
        marker is malformed.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises JSON, validation and reader errors of several types
        raise ValueError(f"{path} is not a readable notebook ({type(err).__name__}: {err})") from err
    for index, cell in enumerate(nb.cells):
        cell.source = strip_solutions(cell.source, cell.cell_type, where=f"{path.name}, cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


@dataclass(frozen=True)
class GradedSolution:
    """A reference solution in a notebook and the ``utils.checks`` calls that grade it."""

    notebook: str
    cell: int
    functions: dict[str, str]   # function name -> its source (``def`` to its end)
    checks: list[str]           # the check calls of the cell, e.g. "check_lstm_step(lstm_step)"
    imports: list[str]          # the import statements of the notebook up to this cell (setup cell excluded)


def graded_solutions(path: Path) -> list[GradedSolution]:
    """The code cells of a notebook that hold a reference solution and call a ``check_...`` function.

    The tests run each solution, taken from the notebook itself, through its check, so the
    notebook and the checks cannot drift apart.
    """
    nb = nbformat.read(path, as_version=4)
    found: list[GradedSolution] = []
    imports: list[str] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.source.startswith(SETUP_MARKER):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: no imports to take from this cell
            continue
        imports += [ast.get_source_segment(cell.source, node) or "" for node in tree.body
                    if isinstance(node, ast.Import | ast.ImportFrom)]
        if not _solution_regions(cell.source.split("\n"), f"{path.name}, cell {index}"):
            continue
        functions = {node.name: ast.get_source_segment(cell.source, node) or "" for node in tree.body
                     if isinstance(node, ast.FunctionDef)}
        checks = [ast.get_source_segment(cell.source, node) or "" for node in tree.body
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                  and isinstance(node.value.func, ast.Name) and node.value.func.id.startswith("check_")]
        if checks:
            found.append(GradedSolution(path.name, index, functions, checks, list(imports)))
    return found


def check_out_dir(out_dir: Path) -> Path:
    """Return ``out_dir`` resolved, refusing the course's ``notebooks/`` folder and folders inside it.

    The one exception is :data:`STUDENT_DIR` (and folders inside it), which git ignores and
    pytest does not collect.

    Raises
    ------
    ValueError
        If writing there could overwrite or mix with the course's own notebooks.
    """
    target = out_dir.resolve()
    course_dir, student_dir = NOTEBOOK_DIR.resolve(), STUDENT_DIR.resolve()
    inside_course = target == course_dir or course_dir in target.parents
    inside_student = target == student_dir or student_dir in target.parents
    if inside_course and not inside_student:
        raise ValueError(f"refusing to write student versions to {out_dir}: it is (or is inside) the course's "
                         f"notebooks/ folder, whose notebooks hold the reference solutions. Use "
                         f"{STUDENT_DIR.relative_to(NOTEBOOK_DIR.parent)} (git-ignored, not collected by the tests) "
                         "or a folder outside notebooks/")
    return target


def write_student_versions(out_dir: Path, only: str | None = None, force: bool = False) -> list[Path]:
    """Write student versions of every notebook (or of notebook ``only``, e.g. ``"01"``) to ``out_dir``.

    All versions are built first; nothing is written if any of them fails. A notebook that
    already exists in ``out_dir`` (a learner's answered copy, perhaps) is not overwritten
    unless ``force`` is true.

    Raises
    ------
    ValueError
        If ``only`` names no notebook, ``out_dir`` is refused (:func:`check_out_dir`), or a
        notebook cannot be read.
    FileExistsError
        If a target notebook exists and ``force`` is false.
    """
    chosen = [p for p in notebooks() if only is None or p.name.startswith(f"{only}_")]
    if not chosen:
        raise ValueError(f"no notebook numbered {only!r}; there are {[p.name[:2] for p in notebooks()]}")
    target_dir = check_out_dir(out_dir)
    existing = [target_dir / p.name for p in chosen if (target_dir / p.name).exists()]
    if existing and not force:
        raise FileExistsError(f"not overwriting {len(existing)} existing notebook(s) in {out_dir} "
                              f"({', '.join(p.name for p in existing)}): they may hold a learner's answers. "
                              "Choose another folder, or pass --force to replace them")
    versions = [(target_dir / path.name, student_version(path)) for path in chosen]
    target_dir.mkdir(parents=True, exist_ok=True)
    for target, nb in versions:
        nbformat.write(nb, target)
    return [target for target, _ in versions]


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m utils.coursework student OUTDIR [--only NN] [--force]``."""
    parser = argparse.ArgumentParser(prog="python -m utils.coursework", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write student versions of the notebooks")
    student.add_argument("out_dir", type=Path, help="folder to write them to")
    student.add_argument("--only", metavar="NN", help="only the notebook with this number, e.g. 01")
    student.add_argument("--force", action="store_true", help="replace notebooks that already exist in OUTDIR")
    args = parser.parse_args(argv)
    try:
        written = write_student_versions(args.out_dir, args.only, force=args.force)
    except (ValueError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
