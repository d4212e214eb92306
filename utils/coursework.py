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

Put the student notebooks anywhere inside a clone of the course (for example in
``notebooks/``), or set ``RNN_COURSE_ROOT``, so that their setup cell finds ``utils``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from utils.course import notebooks

BEGIN = re.compile(r"^(?P<indent>[ \t]*)(?:<!--\s*)?### BEGIN SOLUTION(?:\s*-->)?\s*$")
END = re.compile(r"^[ \t]*(?:<!--\s*)?### END SOLUTION(?:\s*-->)?\s*$")
CODE_STUB = (
    "{indent}# Your answer here: replace these two lines (see the exercise above).\n"
    "{indent}raise NotImplementedError(\"exercise not answered yet\")"
)
MARKDOWN_PROMPT = "**Your answer.** *Write your answer here, then compare it in class.*"


def _solution_regions(lines: list[str], where: str) -> list[tuple[int, int, str]]:
    """Return ``(begin, end, indent)`` line indices of every solution region in ``lines``.

    Raises
    ------
    ValueError
        If the markers are unbalanced or nested.
    """
    regions, start, indent = [], None, ""
    for i, line in enumerate(lines):
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
    """Return the student version of the notebook at ``path`` (the file is not changed)."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        cell.source = strip_solutions(cell.source, cell.cell_type, where=f"{path.name}, cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def write_student_versions(out_dir: Path, only: str | None = None) -> list[Path]:
    """Write student versions of every notebook (or of notebook ``only``, e.g. ``"01"``) to ``out_dir``.

    Raises
    ------
    ValueError
        If ``only`` names no notebook.
    """
    chosen = [p for p in notebooks() if only is None or p.name.startswith(f"{only}_")]
    if not chosen:
        raise ValueError(f"no notebook numbered {only!r}; there are {[p.name[:2] for p in notebooks()]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in chosen:
        target = out_dir / path.name
        nbformat.write(student_version(path), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m utils.coursework student OUTDIR [--only NN]``."""
    parser = argparse.ArgumentParser(prog="python -m utils.coursework", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write student versions of the notebooks")
    student.add_argument("out_dir", type=Path, help="folder to write them to")
    student.add_argument("--only", metavar="NN", help="only the notebook with this number, e.g. 01")
    args = parser.parse_args(argv)
    for path in write_student_versions(args.out_dir, args.only):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
