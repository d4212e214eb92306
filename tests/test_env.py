"""utils.env: seeding, the quiet TensorFlow import, the noise filter and the environment report."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from utils import env

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_seed_everything_repeats_random_streams() -> None:
    env.seed_everything(7)
    first = (random.random(), np.random.rand())  # noqa: NPY002
    env.seed_everything(7)
    assert (random.random(), np.random.rand()) == first  # noqa: NPY002


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed: object) -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        env.seed_everything(seed)  # type: ignore[arg-type]


def test_package_checks_report_missing_and_old_packages() -> None:
    checks = {c.name: c for c in env.package_checks({"numpy": "1.0", "numpy_too_new": "1.0", "pytest": "999"})}
    assert checks["numpy"].ok
    assert not checks["numpy_too_new"].ok and checks["numpy_too_new"].found == "not installed"
    assert not checks["pytest"].ok and "PROBLEM" in str(checks["pytest"])


def test_version_tuple() -> None:
    assert env._version_tuple("2.21.0rc1") == (2, 21, 0)
    assert env._version_tuple("3.10") == (3, 10)


def test_noise_filter_drops_only_known_noise() -> None:
    result = run_python("""
        import os, time
        from utils.env import filter_native_stderr
        filter_native_stderr([r"harmless chatter"])
        os.write(2, b"E0000 harmless chatter about attributes\\n")
        os.write(2, b"W0000 a real warning\\n")
        time.sleep(0.3)
    """)
    assert "a real warning" in result.stderr
    assert "harmless chatter" not in result.stderr


def test_environment_report_without_tensorflow() -> None:
    names = [c.name for c in env.environment_report()]
    assert names[0] == "python" and "tensorflow" in names and "cpu cores" in names


def test_version_problems_name_missing_old_and_already_imported_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.version_problems({"numpy": "1.0"}) == []
    problems = env.version_problems({"numpy": "999", "no_such_package_here": "1.0"})
    assert any(p.startswith(f"numpy {np.__version__}") and ">= 999" in p for p in problems)
    assert any("no_such_package_here not installed" in p for p in problems)
    # An upgrade on disk does not help a module already imported at an old version: say "restart".
    old = type(sys)("fake_pkg_for_env_test")
    old.__version__ = "1.0"
    monkeypatch.setitem(sys.modules, "fake_pkg_for_env_test", old)
    monkeypatch.setattr(env, "package_checks", lambda required: [])
    assert any("already imported" in p and "restart" in p for p in env.version_problems({"fake-pkg-for-env-test": "2"}))


def test_ensure_versions_says_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    env.ensure_versions({"numpy": "1.0"})  # nothing to do: no error
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    with pytest.raises(RuntimeError, match=r"numpy .* 999(.|\n)*-m pip install -r .*requirements\.txt(.|\n)*restart"):
        env.ensure_versions({"numpy": "999"})


def test_ensure_versions_installs_on_colab_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    monkeypatch.setattr(env.subprocess, "run", lambda cmd, check: calls.append(cmd))
    with pytest.raises(RuntimeError, match="requirements-colab.txt(.|\n)*Runtime > Restart session"):
        env.ensure_versions({"numpy": "999"})
    assert calls and calls[0][-1].endswith("requirements-colab.txt")


def _fake_course(folder: Path) -> Path:
    (folder / "utils").mkdir(parents=True)
    (folder / "utils" / "course.py").write_text("")
    return folder


def test_course_location_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RNN_COURSE_ROOT", raising=False)
    assert env.course_location_problems(ROOT / "notebooks") == []
    assert env.course_location_problems(tmp_path) == []  # outside any course: nothing to compare with
    other = _fake_course(tmp_path / "older-clone")
    assert "another copy of the course" in " ".join(env.course_location_problems(other / "notebooks"))
    monkeypatch.setenv("RNN_COURSE_ROOT", str(tmp_path / "nowhere"))
    assert "RNN_COURSE_ROOT" in " ".join(env.course_location_problems(ROOT))
    monkeypatch.setenv("RNN_COURSE_ROOT", str(ROOT))
    assert env.course_location_problems(other) == []  # RNN_COURSE_ROOT names this course: it wins over the cwd
    stray = type(sys)("utils.stray")
    stray.__file__ = str(other / "utils" / "stray.py")
    monkeypatch.setitem(sys.modules, "utils.stray", stray)
    assert "loaded from" in " ".join(env.course_location_problems(ROOT))


def _start_setup_cell(cwd: Path, before: str = "", **environ: str) -> subprocess.Popen[str]:
    from utils.course import setup_cell_source

    ready = "\nprint('ready', tf.__version__, tf.reduce_sum(tf.ones(3)).numpy())"       # TensorFlow works
    code = before + "\n" + setup_cell_source(seed=1) + ready
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={k: v for k, v in os.environ.items() if k != "RNN_COURSE_ROOT"} | environ)


def _finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()                                  # as subprocess.run does: no process left behind
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _run_setup_cell(cwd: Path, before: str = "", **environ: str) -> subprocess.CompletedProcess[str]:
    return _finish(_start_setup_cell(cwd, before, **environ))


def test_setup_cell_finds_the_course_quietly_and_warns_about_a_wrong_root(tmp_path: Path) -> None:
    started = [_start_setup_cell(ROOT / "notebooks"),                                    # the three run at once
               _start_setup_cell(ROOT / "notebooks", RNN_COURSE_ROOT=str(tmp_path)),
               _start_setup_cell(tmp_path, RNN_COURSE_ROOT=str(ROOT))]                   # Jupyter outside the course
    try:
        ok, wrong, elsewhere = (_finish(process) for process in started)
    finally:
        for process in started:                          # one timed out: stop the others too
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert ok.returncode == 0 and "ready" in ok.stdout and ok.stdout.strip().endswith(" 3.0"), ok.stderr
    assert "Warning" not in ok.stderr, ok.stderr
    for noise in ("absl::InitializeLog", "cuInit", "oneDNN", "cpu_feature_guard", "cuda"):    # TensorFlow's start-up
        assert noise not in ok.stderr, ok.stderr
    assert wrong.returncode == 0 and "ready" in wrong.stdout, wrong.stderr
    assert "RNN_COURSE_ROOT" in wrong.stderr and "does not hold the course" in wrong.stderr
    assert elsewhere.returncode == 0 and "ready" in elsewhere.stdout, elsewhere.stderr


def test_setup_cell_names_a_foreign_utils_imported_first(tmp_path: Path) -> None:
    (tmp_path / "utils.py").write_text("HELLO = 1\n")  # a learner's own utils.py, imported before the setup cell
    first = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import utils"
    result = _run_setup_cell(ROOT / "notebooks", before=first)
    assert result.returncode != 0 and "No module named 'utils.env'" in result.stderr
    # In Jupyter the traceback shows the failing line, whose comment says what to do.
    from utils.course import setup_cell_source

    line = next(x for x in setup_cell_source().splitlines() if x.startswith("from utils.env import"))
    assert "restart the kernel" in line
