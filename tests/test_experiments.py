"""utils.experiments: a tiny run has the promised structure."""

from __future__ import annotations

import pytest

from utils.env import quiet_tensorflow_import
from utils.experiments import build_recall_model, recall_experiment

quiet_tensorflow_import()


def test_recall_experiment_reports_what_it_promises() -> None:
    result = recall_experiment("gru", 6, units=4, n_train=128, epochs=2, seed=3)
    assert result.cell == "gru" and result.length == 6 and 1 <= result.epochs <= 2
    assert sorted(result.accuracy_by_lag) == [1, 2, 3, 4, 5]
    assert 0.0 <= result.accuracy <= 1.0 and result.seconds_per_epoch > 0
    gru_params = 3 * 4 * (6 + 4) + 2 * 3 * 4  # three blocks of kernel and recurrent kernel, two biases
    assert result.params == result.model.count_params() == gru_params + (4 * 4 + 4)
    assert len(result.history["val_accuracy"]) == result.epochs


def test_unknown_cell() -> None:
    with pytest.raises(ValueError, match="cell must be one of"):
        build_recall_model("transformer", 5)
