"""The course's fixed facts in one place, and the cells generated from them.

Every notebook starts with the same two generated pieces:

* an "Open in Colab" badge in its first (title) cell, built from :data:`REPO_SLUG`;
* a setup cell (:func:`setup_cell_source`) that finds the course folder, makes ``utils``
  importable, clones the repository when running in Colab, and calls
  :func:`utils.env.setup_notebook` (which checks versions and where ``utils`` came from).

Used by notebook 00 (the list of notebooks), by ``python -m utils.course sync`` and by the tests; the
setup cells it writes import :mod:`utils.env`, not this module.

The repository address lives only here. After changing it (for a fork, say), run::

    python -m utils.course sync

which rewrites the badge and the setup cell of every notebook; ``tests/test_notebooks.py``
fails while any notebook is out of date.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

#: GitHub "owner/name" of the course repository.
REPO_SLUG = "rnn-course/rnn-course"
#: Branch the Colab badges and the Colab clone use.
BRANCH = "main"
#: Where Colab clones the repository.
COLAB_DIR = "/content/rnn-course"
#: Seed used by every notebook unless it says otherwise.
DEFAULT_SEED = 42

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
#: Copies Jupyter makes ("File > Duplicate"): a learner's, never part of the course.
JUPYTER_COPY = re.compile(r"-Copy\d+\.ipynb$")
SETUP_MARKER = "# Course setup"
BADGE_MARKER = "colab-badge.svg"


def repo_url() -> str:
    """Return the HTTPS clone address of the course repository."""
    return f"https://github.com/{REPO_SLUG}.git"


def notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """Return the course notebooks (``NN_topic.ipynb``) in order, ignoring Jupyter's ``-Copy1`` duplicates.

    Raises
    ------
    ValueError
        If an ``.ipynb`` file in ``directory`` does not follow the naming convention.
    """
    found = sorted(p for p in directory.glob("*.ipynb") if not JUPYTER_COPY.search(p.name))
    bad = [p.name for p in found if not NOTEBOOK_NAME.match(p.name)]
    if bad:
        raise ValueError(f"notebook names must look like 'NN_short_topic.ipynb', got {bad}")
    return found


def colab_badge(notebook_name: str) -> str:
    """Return the Markdown "Open in Colab" badge for ``notebook_name``."""
    url = (
        f"https://colab.research.google.com/github/{REPO_SLUG}/blob/{BRANCH}/"
        f"notebooks/{notebook_name}"
    )
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/{BADGE_MARKER})]({url})"
    )


def setup_cell_source(seed: int = DEFAULT_SEED) -> str:
    """Return the source of the setup cell shared by every notebook.

    The cell can only find ``utils`` before importing it, so the search for the course folder stays in
    the cell (two lines); everything else (version checks, warnings, seeds) is in
    :func:`utils.env.setup_notebook`.
    """
    return f'''{SETUP_MARKER} (the same in every notebook; `python -m utils.course sync` writes it). Put the course
# folder on the path: RNN_COURSE_ROOT if set, else the folder Jupyter runs in or one above it, else (on Colab)
# a new clone. setup_notebook then checks package versions, seeds everything and quiets TensorFlow's start-up logs.
import os, pathlib, subprocess, sys

if "google.colab" in sys.modules and not os.path.isdir("{COLAB_DIR}"):
    subprocess.run(["git", "clone", "-q", "--depth", "1", "-b", "{BRANCH}", "{repo_url()}",
                    "{COLAB_DIR}"], check=True)
sys.path.insert(0, str(next((p for s in (os.environ.get("RNN_COURSE_ROOT", "."), ".", "{COLAB_DIR}")
                             for p in (pathlib.Path(s).resolve(), *pathlib.Path(s).resolve().parents)
                             if (p / "utils" / "course.py").is_file()), ".")))
from utils.env import setup_notebook  # fails? Start Jupyter in the course folder, or restart the kernel

tf = setup_notebook(seed={seed})'''


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def sync_notebook(path: Path, write: bool = True) -> bool:
    """Bring the badge and the setup cell of one notebook up to date.

    Returns ``True`` if the notebook was (or, with ``write=False``, would be) changed.

    Raises
    ------
    ValueError
        If the notebook has no Markdown title cell with a badge, or no setup cell.
    """
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    if not cells or cells[0].get("cell_type") != "markdown":
        raise ValueError(f"{path.name}: the first cell must be the Markdown title cell")
    title = _source(cells[0])
    badge_lines = [line for line in title.splitlines() if BADGE_MARKER in line]
    if len(badge_lines) != 1:
        raise ValueError(f"{path.name}: the title cell must hold exactly one Colab badge line")
    new_title = title.replace(badge_lines[0], colab_badge(path.name))
    setup = [c for c in cells if c.get("cell_type") == "code" and _source(c).startswith(SETUP_MARKER)]
    if len(setup) != 1:
        raise ValueError(f"{path.name}: expected exactly one code cell starting with {SETUP_MARKER!r}")
    new_setup = setup_cell_source()
    changed = new_title != title or _source(setup[0]) != new_setup
    if changed and write:
        cells[0]["source"] = new_title
        setup[0]["source"] = new_setup
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m utils.course sync [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m utils.course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="rewrite every notebook's badge and setup cell")
    sync.add_argument("--check", action="store_true", help="only report; exit 1 if out of date")
    args = parser.parse_args(argv)
    stale = [p.name for p in notebooks() if sync_notebook(p, write=not args.check)]
    verb = "out of date" if args.check else "updated"
    print(f"{len(stale)} notebook(s) {verb}: {', '.join(stale) or '-'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
