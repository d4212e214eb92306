"""Small synthetic sequence tasks that isolate one mechanism (memory over a known distance).

The theory notebooks use them as controlled experiments: unlike real data, the distance over
which the network must remember is set exactly. Every generator is deterministic given
``seed``.

Used by notebooks 02 and 03 (and, through :mod:`utils.experiments`, 04).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _check(n: int, length: int) -> None:
    if n < 1 or length < 2:
        raise ValueError(f"need n >= 1 sequences of length >= 2, got n={n}, length={length}")


def adding_problem(n: int, length: int, seed: int = 0) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The adding problem (Hochreiter & Schmidhuber, 1997).

    Each sequence has two channels: random numbers in [0, 1), and a marker that is 1 at
    exactly two random steps. The target is the sum of the two marked numbers. Predicting the
    mean (1.0) gives a mean squared error of 1/6.

    Returns ``x`` of shape ``(n, length, 2)`` and ``y`` of shape ``(n, 1)``.
    """
    _check(n, length)
    rng = np.random.default_rng(seed)
    x = np.zeros((n, length, 2), dtype=np.float32)
    x[..., 0] = rng.uniform(0, 1, (n, length))
    marked = np.argsort(rng.uniform(size=(n, length)), axis=1)[:, :2]  # two distinct steps per row
    x[np.arange(n)[:, None], marked, 1] = 1.0
    y = (x[..., 0] * x[..., 1]).sum(axis=1, keepdims=True)
    return x, y.astype(np.float32)


def delayed_echo(n: int, length: int, delay: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Random bits to be repeated ``delay`` steps later.

    Returns ``x`` of shape ``(n, length, 1)`` with bits in {0, 1} and ``y`` of shape
    ``(n, length)`` with ``y[:, t] = x[:, t - delay, 0]`` for ``t >= delay`` and 0 before
    (those first steps have nothing to echo and should not be scored).

    Raises
    ------
    ValueError
        If ``delay`` is not between 1 and ``length - 1``.
    """
    _check(n, length)
    if not 1 <= delay < length:
        raise ValueError(f"delay must be between 1 and length - 1 = {length - 1}, got {delay}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n, length, 1)).astype(np.float64)
    y = np.zeros((n, length))
    y[:, delay:] = x[:, :-delay, 0]
    return x, y


def marked_recall(
    n: int, length: int, symbols: int = 4, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64]]:
    """Recall the one marked symbol of a sequence when asked at the end.

    Steps ``0 .. length-2`` each carry a random symbol (one-hot over ``symbols`` channels);
    exactly one of them is *marked* (channel ``symbols`` is 1 there), at a uniformly random
    position. The last step carries only the query flag (channel ``symbols + 1``). The target
    is the marked symbol; the *lag* is the number of steps from the mark to the query, between
    1 and ``length - 1``. Every later symbol arrives on the same channels as the one to be kept,
    so a network has to protect what it stored from being overwritten. Chance accuracy is
    ``1 / symbols``.

    Returns ``x`` of shape ``(n, length, symbols + 2)``, the targets ``y`` of shape ``(n,)``
    and the lags of shape ``(n,)``.
    """
    _check(n, length)
    if symbols < 2:
        raise ValueError(f"need at least 2 symbols, got {symbols}")
    rng = np.random.default_rng(seed)
    x = np.zeros((n, length, symbols + 2), dtype=np.float32)
    stream = rng.integers(0, symbols, (n, length - 1))
    rows = np.arange(n)
    x[rows[:, None], np.arange(length - 1)[None], stream] = 1.0
    marked = rng.integers(0, length - 1, n)
    x[rows, marked, symbols] = 1.0
    x[:, -1, symbols + 1] = 1.0
    return x, stream[rows, marked].astype(np.int64), (length - 1 - marked).astype(np.int64)
