"""Rerun a notebook with other seeds and collect the numbers it reports: ``python -m utils.reruns``.

A notebook that wants its findings checked across seeds reads its seed with :func:`seed_from_env`
(``RNN_COURSE_SEED``, default 0) and hands the numbers to compare to :func:`report_results`,
which writes them to the JSON file named by ``RNN_COURSE_RESULTS`` and does nothing otherwise.
The command runs the notebook once per seed, each in a fresh kernel, and writes every seed's
numbers to one JSON file in ``results/``, together with a hash of the notebook's code, so that
the notebook can show them beside its own run and refuse a file made from older code::

    python -m utils.reruns notebooks/09_speech_ctc.ipynb --seeds 1 2

Rerun the command whenever the notebook's code changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

SEED_VARIABLE = "RNN_COURSE_SEED"
RESULTS_VARIABLE = "RNN_COURSE_RESULTS"
ROOT = Path(__file__).resolve().parents[1]


def seed_from_env(default: int = 0) -> int:
    """The seed a notebook should use: ``RNN_COURSE_SEED`` if set (by :func:`run_seeds`), else ``default``.

    Raises
    ------
    ValueError
        If the variable is set but is not a non-negative integer.
    """
    value = os.environ.get(SEED_VARIABLE)
    if value is None:
        return default
    if not value.strip().isdigit():
        raise ValueError(f"{SEED_VARIABLE} must be a non-negative integer, got {value!r}")
    return int(value)


def report_results(results: dict[str, float]) -> None:
    """Add ``results`` (name -> number) to the file named by ``RNN_COURSE_RESULTS``; without it, do nothing.

    Raises
    ------
    ValueError
        If a name is not a string or a value is not a finite number.
    """
    clean = {}
    for name, value in results.items():
        number = float(value)
        if not isinstance(name, str) or number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"results must map names to finite numbers, got {name!r}: {value!r}")
        clean[name] = number
    path = os.environ.get(RESULTS_VARIABLE)
    if not path:
        return
    target = Path(path)
    known = json.loads(target.read_text()) if target.exists() else {}
    target.write_text(json.dumps({**known, **clean}, indent=1, sort_keys=True))


def code_hash(notebook: str | Path) -> str:
    """sha256 of the notebook's code cells in order: it changes whenever the code does, not with outputs or prose."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    code = "\n\0\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return hashlib.sha256(code.encode()).hexdigest()


def results_path(notebook: str | Path) -> Path:
    """Where the seeds' results of ``notebook`` live: ``results/<notebook name>_seeds.json``."""
    return ROOT / "results" / f"{Path(notebook).stem}_seeds.json"


def run_seeds(notebook: str | Path, seeds: list[int], timeout: int = 1200) -> dict:
    """Run ``notebook`` once per seed in a fresh kernel; return ``{"code_sha256": ..., "seeds": {seed: results}}``.

    Raises
    ------
    FileNotFoundError
        If the notebook does not exist.
    RuntimeError
        If a run reports no results (the notebook does not call :func:`report_results`).
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    collected = {}
    for seed in seeds:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "results.json"
            saved = {k: os.environ.get(k) for k in (SEED_VARIABLE, RESULTS_VARIABLE)}
            os.environ.update({SEED_VARIABLE: str(seed), RESULTS_VARIABLE: str(out)})
            try:
                nb = nbformat.read(notebook, as_version=4)
                NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(notebook.parent)}}).execute()
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            if not out.exists():
                raise RuntimeError(f"{notebook.name} reported no results with seed {seed}: "
                                   "does it call report_results?")
            collected[str(seed)] = json.loads(out.read_text())
    return {"notebook": notebook.name, "code_sha256": code_hash(notebook), "seeds": collected}


def load_seed_results(notebook: str | Path, path: str | Path | None = None) -> dict[int, dict[str, float]]:
    """The other seeds' results for ``notebook`` (``{seed: {name: number}}``), checked against its current code.

    Raises
    ------
    FileNotFoundError
        If the results file is missing.
    ValueError
        If the file was made from other code than the notebook's (rerun ``python -m utils.reruns``).
    """
    path = Path(path) if path is not None else results_path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"no results file {path}: run python -m utils.reruns {notebook} --seeds ...")
    data = json.loads(path.read_text())
    if data.get("code_sha256") != code_hash(notebook):
        raise ValueError(f"{path.name} was made from older code of {Path(notebook).name}: "
                         f"run python -m utils.reruns {notebook} --seeds {' '.join(data.get('seeds', {}))}")
    return {int(seed): values for seed, values in data["seeds"].items()}


def main(argv: list[str] | None = None) -> int:
    """Command line: run a notebook with the given seeds and write its results file."""
    parser = argparse.ArgumentParser(prog="python -m utils.reruns", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    args = parser.parse_args(argv)
    data = run_seeds(args.notebook, args.seeds)
    target = results_path(args.notebook)
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target.relative_to(ROOT)}: seeds {', '.join(data['seeds'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
