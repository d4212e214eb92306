"""The run-time budget rule of conftest.py: flag over 1x, fail over the slack (default 2x)."""

import pytest

import conftest


@pytest.fixture
def timed(monkeypatch):
    monkeypatch.setattr(conftest, "_seconds", {"a.ipynb": 100.0, "b.ipynb": 250.0, "c.ipynb": 50.0})
    return {"a.ipynb": 120, "b.ipynb": 120, "c.ipynb": None}


def test_over_budget_flags_and_fails_by_the_slack(timed):
    assert conftest._over_budget(timed) == ["b.ipynb"]
    assert conftest._over_budget(timed, 2.0) == ["b.ipynb"]          # 250 s > 2 x 120 s
    assert conftest._over_budget(timed, 2.5) == []
    assert conftest._over_budget({"a.ipynb": 90, "c.ipynb": None}, 1.0) == ["a.ipynb"]


def test_budget_slack_reads_the_environment(monkeypatch):
    monkeypatch.delenv("RNN_COURSE_BUDGET_SLACK", raising=False)
    assert conftest.budget_slack() == 2.0
    monkeypatch.setenv("RNN_COURSE_BUDGET_SLACK", "1")
    assert conftest.budget_slack() == 1.0
    for bad in ("0.5", "fast", "nan"):
        monkeypatch.setenv("RNN_COURSE_BUDGET_SLACK", bad)
        with pytest.raises(pytest.UsageError, match="RNN_COURSE_BUDGET_SLACK"):
            conftest.budget_slack()
