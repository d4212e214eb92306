"""utils.course: the repository address lives in one place and every generated cell follows it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from utils import course

ROOT = Path(__file__).resolve().parent.parent


def test_badge_points_at_the_notebook_on_colab() -> None:
    badge = course.colab_badge("01_simple_rnn.ipynb")
    assert f"github/{course.REPO_SLUG}/blob/{course.BRANCH}/notebooks/01_simple_rnn.ipynb" in badge
    assert badge.startswith("[![Open In Colab]")


def test_setup_cell_is_valid_python_and_uses_the_one_address() -> None:
    source = course.setup_cell_source(seed=3)
    compile(source, "<setup cell>", "exec")
    assert course.repo_url() in source and "setup_notebook(seed=3)" in source
    assert source.startswith(course.SETUP_MARKER)


def _notebook(tmp_path: Path, name: str, title: str, setup: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(title), nbformat.v4.new_code_cell(setup)]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_sync_rewrites_a_stale_badge_and_setup_cell(tmp_path: Path) -> None:
    stale_badge = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://old)"
    path = _notebook(tmp_path, "07_x.ipynb", f"# T\n{stale_badge}\ntext", course.SETUP_MARKER + " old")
    assert course.sync_notebook(path, write=False) is True
    assert course.sync_notebook(path) is True
    assert course.sync_notebook(path, write=False) is False
    nb = nbformat.read(path, as_version=4)
    assert course.colab_badge("07_x.ipynb") in nb.cells[0].source and nb.cells[0].source.endswith("text")
    assert nb.cells[1].source == course.setup_cell_source()


def test_sync_refuses_notebooks_without_the_generated_parts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one Colab badge"):
        course.sync_notebook(_notebook(tmp_path, "08_a.ipynb", "# T", course.SETUP_MARKER))
    badge = course.colab_badge("08_b.ipynb")
    with pytest.raises(ValueError, match="exactly one code cell starting with"):
        course.sync_notebook(_notebook(tmp_path, "08_b.ipynb", f"# T\n{badge}", "print(1)"))


def test_notebook_names_are_checked(tmp_path: Path) -> None:
    (tmp_path / "01_fine_name.ipynb").write_text("{}")
    assert [p.name for p in course.notebooks(tmp_path)] == ["01_fine_name.ipynb"]
    (tmp_path / "Untitled.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="NN_short_topic"):
        course.notebooks(tmp_path)


def _requirements(path: Path) -> dict[str, str]:
    lines = (re.sub(r"#.*", "", line).strip() for line in path.read_text().splitlines())
    return {re.split(r"[<>=!~ ]", line, maxsplit=1)[0].lower(): line for line in lines if line}


def test_colab_requirements_are_a_subset_of_the_main_ones() -> None:
    main = _requirements(ROOT / "requirements.txt")
    colab = _requirements(ROOT / "requirements-colab.txt")
    assert colab, "requirements-colab.txt is empty"
    for name, line in colab.items():
        assert main.get(name) == line, f"{name}: {line!r} in requirements-colab.txt, {main.get(name)!r} in requirements"


def test_env_reads_its_minimums_from_requirements_txt() -> None:
    from utils.env import REQUIRED, RUNTIME_PACKAGES, read_minimums

    main = _requirements(ROOT / "requirements.txt")
    assert set(REQUIRED) == set(RUNTIME_PACKAGES), "every package the notebooks import needs a lower bound"
    for name, minimum in REQUIRED.items():
        assert f">={minimum}" in main[name]
    assert read_minimums(ROOT / "requirements.txt") == REQUIRED | {
        n: v for n, v in read_minimums().items() if n not in RUNTIME_PACKAGES}


def test_colab_requirements_carry_every_runtime_bound() -> None:
    from utils.env import RUNTIME_PACKAGES

    assert set(_requirements(ROOT / "requirements-colab.txt")) == set(RUNTIME_PACKAGES)


def _release(version: str) -> tuple[int, ...]:
    parts = tuple(int(p) for p in version.split("."))
    return parts + (0,) * (3 - len(parts))


def test_lowest_constraints_pin_every_lower_bound() -> None:
    from utils.env import read_minimums

    pins = dict(re.findall(r"^([\w.-]+)==(\S+)", (ROOT / "constraints-lowest.txt").read_text(), re.M))
    minimums = read_minimums(ROOT / "requirements.txt")
    assert set(pins) == set(minimums), "constraints-lowest.txt must pin exactly the packages of requirements.txt"
    for name, pin in pins.items():
        assert _release(pin) == _release(minimums[name]), f"{name}: pinned {pin}, lower bound {minimums[name]}"


def test_read_minimums_names_a_missing_file(tmp_path: Path) -> None:
    from utils.env import read_minimums

    with pytest.raises(FileNotFoundError, match="clone it again"):
        read_minimums(tmp_path / "requirements.txt")
    (tmp_path / "r.txt").write_text("a>=1.2,<2  # x\n# b>=3\nc==4\nD_e >= 0.5.13\n")
    assert read_minimums(tmp_path / "r.txt") == {"a": "1.2", "d_e": "0.5.13"}


def test_readme_states_the_python_and_the_tested_stacks() -> None:
    from utils.env import PYTHON_MINIMUM

    readme = (ROOT / "README.md").read_text()
    assert f"Python {PYTHON_MINIMUM} or newer" in readme
    assert "## Tested environments" in readme and "bash .ci/lowest" in readme
    assert "bash .ci/lowest" in (ROOT / ".ci" / "run").read_text()
