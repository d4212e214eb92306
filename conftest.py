"""Repository-wide pytest hooks: report (and budget) the run time of every notebook.

Each notebook states its budget in its title cell, e.g. ``(budget: 60 s)``. After the run,
the time nbval spent on each notebook (kernel start plus every cell) is printed beside its
budget; a notebook over budget fails the run, unless RNN_COURSE_IGNORE_BUDGET=1 is set
(for slow machines).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

# Never collected on a plain `python -m pytest`: student versions written for learners
# (`python -m utils.coursework student notebooks/student`) and Jupyter's duplicates
# ("01_simple_rnn-Copy1.ipynb"). A path named on the command line is still run, which is how
# an instructor grades a learner's notebook.
collect_ignore_glob = ["notebooks/student/*", "notebooks/*-Copy*.ipynb"]

BUDGET = re.compile(r"budget:\s*(\d+)\s*s", re.IGNORECASE)
_seconds: dict[str, float] = defaultdict(float)


def notebook_budget(path: Path) -> int | None:
    """Return the run-time budget in seconds stated in a notebook's first cell, if any."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    if not cells:
        return None
    match = BUDGET.search("".join(cells[0].get("source", "")))
    return int(match.group(1)) if match else None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def _budgets(root: Path) -> dict[str, int | None]:
    return {path: notebook_budget(root / path) for path in _seconds}


def _over_budget(budgets: dict[str, int | None]) -> list[str]:
    return sorted(p for p, b in budgets.items() if b is not None and _seconds[p] > b)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not _seconds:
        return
    budgets = _budgets(Path(config.rootpath))
    over = _over_budget(budgets)
    terminalreporter.write_sep("=", "notebook run times (2-core budget in brackets)")
    for path, seconds in sorted(_seconds.items()):
        budget = budgets[path]
        flag = "  OVER BUDGET" if path in over else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  [{budget if budget else '?':>4} s]  {path}{flag}")
    terminalreporter.write_line(f"{sum(_seconds.values()):7.1f} s  in all")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Runs before the terminal summary: this is where an over-budget run is made to fail.
    if os.environ.get("RNN_COURSE_IGNORE_BUDGET") == "1":
        return
    over = _over_budget(_budgets(Path(session.config.rootpath)))
    if over and session.exitstatus == 0:
        session.exitstatus = 1
        print(f"\nnotebook(s) over their run-time budget: {', '.join(over)} "
              "(set RNN_COURSE_IGNORE_BUDGET=1 on a slow machine)")
