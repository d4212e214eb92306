"""utils.reruns: seeds from the environment, reported results, and a notebook rerun with other seeds."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from utils import reruns


def test_seed_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(reruns.SEED_VARIABLE, raising=False)
    assert reruns.seed_from_env() == 0 and reruns.seed_from_env(5) == 5
    monkeypatch.setenv(reruns.SEED_VARIABLE, "2")
    assert reruns.seed_from_env() == 2
    monkeypatch.setenv(reruns.SEED_VARIABLE, "two")
    with pytest.raises(ValueError, match="non-negative integer"):
        reruns.seed_from_env()


def test_report_results_writes_only_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(reruns.RESULTS_VARIABLE, raising=False)
    reruns.report_results({"gap": 0.5})                                    # nothing to write to: no error
    target = tmp_path / "r.json"
    monkeypatch.setenv(reruns.RESULTS_VARIABLE, str(target))
    reruns.report_results({"gap": 0.5})
    reruns.report_results({"other": 1})
    assert json.loads(target.read_text()) == {"gap": 0.5, "other": 1.0}
    with pytest.raises(ValueError, match="finite numbers"):
        reruns.report_results({"gap": float("nan")})


def _notebook(path: Path, code: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_seeds_and_load(tmp_path: Path) -> None:
    root = str(reruns.ROOT)
    notebook = _notebook(tmp_path / "toy.ipynb", f"import sys; sys.path.insert(0, {root!r})\n"
                         "from utils.reruns import report_results, seed_from_env\n"
                         "report_results({'twice the seed': 2 * seed_from_env()})")
    data = reruns.run_seeds(notebook, [1, 3], timeout=120)
    assert data["seeds"] == {"1": {"twice the seed": 2.0}, "3": {"twice the seed": 6.0}}
    saved = tmp_path / "toy_seeds.json"
    saved.write_text(json.dumps(data))
    assert reruns.load_seed_results(notebook, saved) == {1: {"twice the seed": 2.0}, 3: {"twice the seed": 6.0}}
    _notebook(notebook, "print('the code changed')")
    with pytest.raises(ValueError, match="older code"):
        reruns.load_seed_results(notebook, saved)
    with pytest.raises(FileNotFoundError):
        reruns.load_seed_results(notebook, tmp_path / "missing.json")


def test_run_seeds_needs_reported_results(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "silent.ipynb", "x = 1")
    with pytest.raises(RuntimeError, match="reported no results"):
        reruns.run_seeds(notebook, [0], timeout=120)
    with pytest.raises(FileNotFoundError):
        reruns.run_seeds(tmp_path / "absent.ipynb", [0])
