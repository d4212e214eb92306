"""utils.metrics: confusion matrices, per-class accuracy and the epoch timer."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils.metrics import confusion_matrix, edit_distance, error_rate, per_class_accuracy, word_errors
from utils.training import EpochTimer


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


def test_mcnemar_counts_only_the_discordant_examples() -> None:
    from math import comb

    from utils.metrics import mcnemar_p

    a = np.array([True] * 50 + [True] * 8 + [False] * 2 + [False] * 40)
    b = np.array([True] * 50 + [False] * 8 + [True] * 2 + [False] * 40)
    expected = 2 * sum(comb(10, k) for k in range(8, 11)) / 2 ** 10  # 8 wins of 10 discordant, two-sided
    assert mcnemar_p(a, b) == pytest.approx(expected)
    assert mcnemar_p(a, a) == 1.0
    with pytest.raises(ValueError, match="boolean"):
        mcnemar_p(a.astype(int), b)


def test_paired_bootstrap_centres_on_the_mean_and_widens_with_blocks() -> None:
    from utils.metrics import paired_bootstrap

    rng = np.random.default_rng(0)
    d = np.repeat(rng.normal(0.1, 1.0, 200), 10)  # runs of 10 equal values: neighbours are not independent
    mean, low, high = paired_bootstrap(d, n_boot=500)
    assert mean == pytest.approx(d.mean()) and low < mean < high
    _, block_low, block_high = paired_bootstrap(d, n_boot=500, block=10)
    assert block_high - block_low > 2 * (high - low)  # sqrt(10) wider in theory
    assert paired_bootstrap(d, n_boot=50, seed=3) == paired_bootstrap(d, n_boot=50, seed=3)
    with pytest.raises(ValueError, match="block"):
        paired_bootstrap(d, block=0)
    with pytest.raises(ValueError, match="non-empty"):
        paired_bootstrap(np.zeros(0))


def test_paired_bootstrap_blocks_are_circular_and_use_every_item() -> None:
    from utils.metrics import paired_bootstrap

    d = np.random.default_rng(1).normal(size=359)                 # 359 = 12 blocks of 28 + 23
    n_boot, block, seed = 300, 28, 5
    starts = np.random.default_rng(seed).integers(0, len(d), size=(n_boot, 13))
    by_hand = [d[np.concatenate([(s + np.arange(block)) % len(d) for s in row])[:len(d)]].mean() for row in starts]
    assert np.allclose(paired_bootstrap(d, n_boot=n_boot, block=block, seed=seed)[1:],
                       np.quantile(by_hand, [0.025, 0.975]))
    tail = np.r_[np.zeros(336), np.full(23, 10.0)]                # only the last, partial block differs from zero
    mean, low, high = paired_bootstrap(tail, n_boot=2000, block=block)
    assert mean == pytest.approx(230 / 359) and low < mean < high  # the items after the last whole block count


def test_metrics_is_numpy_only_and_still_offers_the_timer() -> None:
    import subprocess
    import sys

    code = "import sys, utils.metrics; assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=__import__("pathlib").Path(__file__).parent.parent)
    from utils import metrics, training  # the timer needs Keras: imported here, in the test process

    assert metrics.EpochTimer is training.EpochTimer


def test_word_errors_share_out_the_edit_distance() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        ref = rng.integers(0, 4, size=rng.integers(1, 7)).tolist()
        hyp = rng.integers(0, 4, size=rng.integers(0, 8)).tolist()
        errors = word_errors(ref, hyp)
        assert errors.shape == (len(ref),) and errors.min() >= 0
        assert errors.sum() == edit_distance(ref, hyp)
    assert word_errors("a b c".split(), "a x c".split()).tolist() == [0, 1, 0]      # substitution
    assert word_errors("a b c".split(), "a c".split()).tolist() == [0, 1, 0]        # deletion
    assert word_errors("a b c".split(), "a y b c".split()).tolist() == [0, 1, 0]    # insertion: next word
    assert word_errors("a b".split(), "a b z".split()).tolist() == [0, 1]           # at the end: last word
    assert word_errors(["a"], []).tolist() == [1]
    with pytest.raises(ValueError, match="reference is empty"):
        word_errors([], ["a"])


def test_diebold_mariano_one_step_is_the_paired_t_test() -> None:
    from scipy.stats import ttest_rel

    from utils.metrics import diebold_mariano

    rng = np.random.default_rng(0)
    a, b = rng.gamma(2.0, size=80), rng.gamma(2.2, size=80)
    mean, statistic, p = diebold_mariano(a, b)
    expected = ttest_rel(a, b)
    assert mean == pytest.approx(np.mean(a - b))
    assert statistic == pytest.approx(expected.statistic) and p == pytest.approx(expected.pvalue)
    assert diebold_mariano(b, a)[1] == pytest.approx(-statistic)


def test_diebold_mariano_widens_for_overlapping_multi_step_errors() -> None:
    from utils.metrics import diebold_mariano

    rng = np.random.default_rng(1)
    shocks = rng.normal(size=406)
    d = 0.15 + np.convolve(shocks, np.ones(7), mode="valid")     # MA(6) differences, as 7-step errors give
    _, naive_stat, naive_p = diebold_mariano(d, np.zeros_like(d), horizon=1)
    _, stat, p = diebold_mariano(d, np.zeros_like(d), horizon=7)
    assert abs(stat) < abs(naive_stat) and p > naive_p       # positive autocorrelation: less evidence
    clear = diebold_mariano(np.full(50, 1.0) + rng.normal(0, 0.1, 50), np.full(50, 2.0), horizon=3)
    assert clear[0] == pytest.approx(-1.0, abs=0.05) and clear[2] < 1e-10


def test_diebold_mariano_rejects_bad_input() -> None:
    from utils.metrics import diebold_mariano

    with pytest.raises(ValueError, match="one length"):
        diebold_mariano(np.ones(10), np.ones(9))
    with pytest.raises(ValueError, match="horizon"):
        diebold_mariano(np.ones(10), np.zeros(10), horizon=0)
    with pytest.raises(ValueError, match="all equal"):
        diebold_mariano(np.ones(10), np.zeros(10))
    with pytest.raises(ValueError, match="finite"):
        diebold_mariano(np.array([1.0, np.nan, 2, 3]), np.ones(4))
