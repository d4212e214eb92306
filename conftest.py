"""Repository-wide pytest hooks: report (and budget) the run time of every notebook.

Each notebook states its budget in its title cell, e.g. ``(budget: 60 s)``: its run time on
the 2-core machine where the course is measured. After the run, the time nbval spent on each
notebook (kernel start plus every cell) is printed beside its budget, and a notebook over it is
flagged. Identical 2-core machines differ by up to 2x from one day to the next (measured: the
same commit's notebook 05 took 141 s and 306 s in two clean-clone runs on 2026-12-03), so the
run *fails* only when a notebook takes more than ``RNN_COURSE_BUDGET_SLACK`` (default 2) times
its budget; set it to 1 to hold a run to the budgets exactly, or RNN_COURSE_IGNORE_BUDGET=1 to
never fail on time (a much slower machine).
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


def budget_slack() -> float:
    """The factor over its budget at which a notebook fails the run (``RNN_COURSE_BUDGET_SLACK``, default 2)."""
    raw = os.environ.get("RNN_COURSE_BUDGET_SLACK", "2")
    try:
        slack = float(raw)
    except ValueError:
        slack = float("nan")
    if not slack >= 1:
        raise pytest.UsageError(f"RNN_COURSE_BUDGET_SLACK must be a number >= 1, got {raw!r}")
    return slack


def _over_budget(budgets: dict[str, int | None], slack: float = 1.0) -> list[str]:
    return sorted(p for p, b in budgets.items() if b is not None and _seconds[p] > slack * b)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _seconds:
        return
    budgets = _budgets(Path(config.rootpath))
    over, failing = _over_budget(budgets), _over_budget(budgets, budget_slack())
    terminalreporter.write_sep("=", "notebook run times (2-core budget in brackets)")
    for path, seconds in sorted(_seconds.items()):
        budget = budgets[path]
        flag = "  OVER BUDGET" if path in over else ""
        flag += f" (more than {budget_slack():g}x: fails the run)" if path in failing else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  [{budget if budget else '?':>4} s]  {path}{flag}")
    terminalreporter.write_line(f"{sum(_seconds.values()):7.1f} s  in all")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Runs before the terminal summary: this is where an over-budget run is made to fail.
    if os.environ.get("RNN_COURSE_IGNORE_BUDGET") == "1":
        return
    slack = budget_slack()
    over = _over_budget(_budgets(Path(session.config.rootpath)), slack)
    if over and session.exitstatus == 0:
        session.exitstatus = 1
        print(f"\nnotebook(s) over {slack:g}x their run-time budget: {', '.join(over)} "
              "(set RNN_COURSE_IGNORE_BUDGET=1 on a much slower machine)")
