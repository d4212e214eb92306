"""utils.env: seeding, the quiet TensorFlow import, the noise filter and the environment report."""

from __future__ import annotations

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


def test_tensorflow_imports_without_start_up_noise() -> None:
    result = run_python("""
        from utils.env import setup_notebook
        tf = setup_notebook(seed=1)
        print(tf.reduce_sum(tf.ones(3)).numpy())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3.0"
    for noise in ("absl::InitializeLog", "cuInit", "oneDNN", "cpu_feature_guard", "cuda"):
        assert noise not in result.stderr, result.stderr


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
