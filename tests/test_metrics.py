"""utils.metrics: confusion matrices, per-class accuracy and the epoch timer."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils.metrics import EpochTimer, confusion_matrix, edit_distance, error_rate, per_class_accuracy


def test_confusion_matrix_counts_true_by_predicted() -> None:
    counts = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6 and counts.dtype == np.int64


def test_per_class_accuracy_is_the_recall_and_nan_for_absent_classes() -> None:
    accs = per_class_accuracy(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)
    assert accs[:2].tolist() == [0.5, 1.0] and np.isnan(accs[2])


@pytest.mark.parametrize(("y_true", "y_pred", "message"), [
    (np.array([0, 1]), np.array([0]), "differ in length"),
    (np.array([0, 3]), np.array([0, 1]), "0..2"),
    (np.array([0.0, 1.0]), np.array([0, 1]), "integer class indices"),
    (np.array([[0, 1]]), np.array([0, 1]), "1-D"),
])
def test_bad_labels_are_refused(y_true: np.ndarray, y_pred: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, 3)


def test_epoch_timer_records_every_epoch() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    timer = EpochTimer()
    model.fit(np.zeros((8, 2)), np.zeros(8), epochs=3, verbose=0, callbacks=[timer])
    assert len(timer.seconds) == 3 and all(s > 0 for s in timer.seconds)
    assert timer.typical() == float(np.median(timer.seconds[1:]))
    with pytest.raises(ValueError, match="no epoch"):
        EpochTimer().typical()


@pytest.mark.parametrize(("ref", "hyp", "distance"), [
    ("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("abc", "abc", 0),
    ([1, 2, 3], [1, 3], 1), ([1, 2, 3], [1, 2, 4, 3], 1), ([1, 2], [2, 1], 2),
])
def test_edit_distance(ref, hyp, distance: int) -> None:
    assert edit_distance(ref, hyp) == distance == edit_distance(hyp, ref)


def test_error_rate_is_corpus_level() -> None:
    assert error_rate(["abcd", "ef"], ["abxd", "ef"]) == pytest.approx(1 / 6)
    assert error_rate([["one", "two"]], [["one", "two", "two", "three"]]) == 1.0     # insertions count
    with pytest.raises(ValueError, match="one hypothesis per reference"):
        error_rate(["a"], [])
    with pytest.raises(ValueError, match="empty"):
        error_rate([""], ["a"])
