"""Metrics shared by the application notebooks, NumPy only: confusion matrices, per-class accuracy, edit
distance and error rates, paired tests (McNemar, bootstrap, Diebold-Mariano).

Used by notebooks 05 (McNemar, bootstrap), 06 (block bootstrap), 07 (McNemar), 08 and 09 (error rates,
confusion), 10 and 11 (Diebold-Mariano) and 12 (per-class accuracy, McNemar). The epoch timer, which needs
Keras, is in :mod:`utils.training`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _labels(values: np.ndarray, n_classes: int, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what} must be a 1-D array of integer class indices, got dtype {array.dtype}, "
                         f"shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        raise ValueError(f"{what} must lie in 0..{n_classes - 1}, got values from {array.min()} to {array.max()}")
    return array


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of class ``i`` predicted as class ``j``.

    Raises
    ------
    ValueError
        If the label arrays differ in length, are not integer class indices, or fall outside
        ``0..n_classes - 1``.
    """
    y_true, y_pred = _labels(y_true, n_classes, "y_true"), _labels(y_pred, n_classes, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} and {len(y_pred)}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """The share of each class's examples predicted correctly (the recall of each class); NaN for an absent class."""
    counts = confusion_matrix(y_true, y_pred, n_classes)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(counts) / totals, np.nan)


def _edit_costs(reference: Sequence, hypothesis: Sequence) -> np.ndarray:
    """Levenshtein table: entry ``[i, j]`` is the cost of turning ``reference[:i]`` into ``hypothesis[:j]``."""
    cost = np.zeros((len(reference) + 1, len(hypothesis) + 1), dtype=np.int64)
    cost[:, 0], cost[0, :] = np.arange(len(reference) + 1), np.arange(len(hypothesis) + 1)
    for i in range(1, len(reference) + 1):
        for j in range(1, len(hypothesis) + 1):
            cost[i, j] = min(cost[i - 1, j] + 1,                                             # deletion
                             cost[i, j - 1] + 1,                                             # insertion
                             cost[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]))   # substitution or match
    return cost


def edit_distance(reference: Sequence, hypothesis: Sequence) -> int:
    """The Levenshtein distance: the fewest substitutions, deletions and insertions that turn one sequence
    into the other."""
    return int(_edit_costs(reference, hypothesis)[-1, -1])


def word_errors(reference: Sequence, hypothesis: Sequence) -> np.ndarray:
    """The edit distance shared out over the reference's items: one count per reference item.

    A minimal alignment is traced back; a substituted or deleted item counts against itself,
    and an inserted one against the reference item that follows it (the last item, at the
    end). The counts add up to :func:`edit_distance`, so errors can be summed per recording
    when each reference item is one recording.

    Raises
    ------
    ValueError
        If ``reference`` is empty.
    """
    n, m = len(reference), len(hypothesis)
    if n == 0:
        raise ValueError("the reference is empty: there is nothing to charge the errors to")
    cost = _edit_costs(reference, hypothesis)
    errors = np.zeros(n, dtype=np.int64)
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i, j] == cost[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            errors[i - 1] += reference[i - 1] != hypothesis[j - 1]      # match or substitution
            i, j = i - 1, j - 1
        elif i > 0 and cost[i, j] == cost[i - 1, j] + 1:
            errors[i - 1] += 1                                          # deletion
            i -= 1
        else:
            errors[min(i, n - 1)] += 1                                  # insertion before item i
            j -= 1
    return errors


def error_rate(references: Sequence[Sequence], hypotheses: Sequence[Sequence]) -> float:
    """Corpus error rate: total edit distance over the total length of the references.

    With characters as the items this is the character error rate (CER); with words, the
    word error rate (WER). It can exceed 1 when the hypotheses insert many items.

    Raises
    ------
    ValueError
        If the lists differ in length or the references are all empty.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"need one hypothesis per reference, got {len(hypotheses)} for {len(references)}")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("the references are empty: the error rate is undefined")
    return sum(edit_distance(r, h) for r, h in zip(references, hypotheses, strict=True)) / total


def mcnemar_p(correct_a: np.ndarray, correct_b: np.ndarray) -> float:
    """Two-sided exact McNemar test of two classifiers on the same examples.

    ``correct_a`` and ``correct_b`` say, per example, whether each classifier was right. Only
    the examples where exactly one of them is right count; under the null hypothesis (equally
    accurate) each of those is won by ``a`` with probability 1/2, so the p-value is the
    two-sided binomial tail of ``a``'s wins among them (1 when there are none).

    Raises
    ------
    ValueError
        If the arrays differ in shape or are not boolean.
    """
    a, b = np.asarray(correct_a), np.asarray(correct_b)
    if a.shape != b.shape or a.ndim != 1 or a.dtype != bool or b.dtype != bool:
        raise ValueError(f"need two boolean 1-D arrays of the same length, got {a.dtype}{a.shape} and "
                         f"{b.dtype}{b.shape}")
    from scipy.stats import binomtest

    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    return 1.0 if a_only + b_only == 0 else float(binomtest(a_only, a_only + b_only).pvalue)


def paired_bootstrap(differences: np.ndarray, n_boot: int = 2000, block: int = 1, seed: int = 0,
                     level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired per-item differences and its bootstrap confidence interval.

    ``differences[i]`` is model A's score minus model B's on item ``i`` of the same test set.
    Items are resampled with replacement; with ``block > 1`` whole consecutive blocks of that
    many items are resampled instead (a block bootstrap, for neighbouring items that are not
    independent, such as the characters of a text). The blocks are circular (Politis and
    Romano, 1992): a block may start at any item and wraps round from the last item to the
    first, and each resample is cut to ``len(differences)`` items, so every item counts equally
    however the length divides by ``block``. Returns ``(mean, low, high)``.

    Raises
    ------
    ValueError
        If ``differences`` is not a non-empty 1-D array or the settings are out of range.
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or len(d) == 0 or not np.isfinite(d).all():
        raise ValueError(f"differences must be a non-empty 1-D array of finite numbers, got shape {d.shape}")
    if n_boot < 1 or not 1 <= block <= len(d) or not 0 < level < 1:
        raise ValueError(f"need n_boot >= 1, 1 <= block <= {len(d)} and 0 < level < 1")
    rng = np.random.default_rng(seed)
    n = len(d)
    if block == 1:
        means = d[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    else:
        n_blocks = -(-n // block)                                   # enough blocks to cover n items
        sizes = np.full(n_blocks, block)
        sizes[-1] = n - (n_blocks - 1) * block                      # the last block is cut to fit
        running = np.concatenate([[0.0], np.cumsum(np.concatenate([d, d[:block - 1]]))])   # wrapped round
        starts = rng.integers(0, n, size=(n_boot, n_blocks))
        means = (running[starts + sizes] - running[starts]).sum(axis=1) / n
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(d.mean()), float(low), float(high)


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> tuple[float, float, float]:
    """Diebold-Mariano test of equal forecast accuracy, with Harvey et al.'s small-sample correction.

    ``loss_a[i]`` and ``loss_b[i]`` are two forecasts' losses (absolute error, say) on the same
    target ``i``, in time order. Errors of ``horizon``-step forecasts made on consecutive days
    overlap, so the loss differences ``d`` are autocorrelated up to lag ``horizon - 1``: the
    variance of their mean is the HAC estimate ``(g_0 + 2 sum_{k<horizon} g_k) / n`` (``g_k``
    the lag-``k`` autocovariance), with the Newey-West weights if that sum is not positive. The
    statistic, scaled by ``sqrt((n + 1 - 2h + h(h - 1)/n) / n)``, is compared with Student's t on
    ``n - 1`` degrees of freedom (for ``horizon=1`` this is the paired t-test). Returns
    ``(mean of loss_a - loss_b, statistic, two-sided p-value)``; negative means ``a`` is better.

    Raises
    ------
    ValueError
        If the losses are not finite 1-D arrays of one length (at least 3 more than ``horizon``),
        if ``horizon < 1``, or if the differences are all equal (the test is undefined).
    """
    a, b = np.asarray(loss_a, dtype=np.float64), np.asarray(loss_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError(f"need two finite 1-D loss arrays of one length, got shapes {a.shape} and {b.shape}")
    if horizon < 1 or len(a) < horizon + 3:
        raise ValueError(f"need horizon >= 1 and at least horizon + 3 losses, got horizon {horizon}, {len(a)} losses")
    d = a - b
    n, centred = len(d), d - d.mean()
    gamma = np.array([centred[k:] @ centred[:n - k] / n for k in range(horizon)])
    variance = gamma[0] + 2 * gamma[1:].sum()
    if variance <= 0:                                      # the rectangular kernel can go negative: use Bartlett's
        variance = gamma[0] + 2 * (gamma[1:] * (1 - np.arange(1, horizon) / horizon)).sum()
    if not variance > 1e-300:
        raise ValueError("the loss differences are all equal: the test is undefined")
    correction = np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(correction * d.mean() / np.sqrt(variance / n))
    from scipy.stats import t as student_t

    return float(d.mean()), statistic, float(2 * student_t.sf(abs(statistic), df=n - 1))


def __getattr__(name: str) -> object:
    """``EpochTimer`` moved to :mod:`utils.training` (it needs Keras); this keeps old imports working."""
    if name == "EpochTimer":
        from utils.training import EpochTimer

        return EpochTimer
    raise AttributeError(f"module 'utils.metrics' has no attribute {name!r}")
