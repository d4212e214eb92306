"""utils.tasks and utils.gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

from utils.gradcheck import numerical_gradient, relative_error
from utils.tasks import adding_problem, delayed_echo


def test_adding_problem() -> None:
    x, y = adding_problem(50, 12, seed=1)
    assert x.shape == (50, 12, 2) and y.shape == (50, 1) and x.dtype == np.float32
    assert (x[..., 1].sum(axis=1) == 2).all()  # exactly two markers per sequence
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1))
    assert (adding_problem(50, 12, seed=1)[0] == x).all() and not (adding_problem(50, 12, seed=2)[0] == x).all()
    with pytest.raises(ValueError, match="length >= 2"):
        adding_problem(5, 1)


def test_delayed_echo() -> None:
    x, y = delayed_echo(4, 10, delay=3, seed=0)
    assert x.shape == (4, 10, 1) and y.shape == (4, 10)
    np.testing.assert_array_equal(y[:, 3:], x[:, :-3, 0])
    assert (y[:, :3] == 0).all() and set(np.unique(x)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="delay must be between 1 and length - 1 = 9"):
        delayed_echo(4, 10, delay=10)


def test_numerical_gradient_of_a_known_function() -> None:
    a = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda: float(np.sum(a ** 3)), a)
    np.testing.assert_allclose(grad, 3 * np.array([1.0, -2.0, 0.5]) ** 2, rtol=1e-8)
    np.testing.assert_array_equal(a, [1.0, -2.0, 0.5])  # restored
    with pytest.raises(ValueError, match="floating-point"):
        numerical_gradient(lambda: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="eps must be positive"):
        numerical_gradient(lambda: 0.0, a, eps=0)


def test_relative_error() -> None:
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == 1.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="cannot compare"):
        relative_error(np.ones(2), np.ones(3))


def test_marked_recall() -> None:
    from utils.tasks import marked_recall

    x, y, lag = marked_recall(200, 9, symbols=3, seed=4)
    assert x.shape == (200, 9, 5) and y.shape == (200,) and lag.shape == (200,)
    assert (x[:, :-1, :3].sum(axis=-1) == 1).all() and (x[:, -1, :3] == 0).all()  # one symbol per step
    assert (x[:, :, 3].sum(axis=1) == 1).all() and (x[:, -1, 4] == 1).all()       # one mark, one query
    marked = x[:, :, 3].argmax(axis=1)
    np.testing.assert_array_equal(lag, 8 - marked)
    np.testing.assert_array_equal(y, x[np.arange(200), marked, :3].argmax(axis=1))
    assert lag.min() >= 1 and lag.max() <= 8 and len(set(lag)) == 8
    with pytest.raises(ValueError, match="at least 2 symbols"):
        marked_recall(5, 5, symbols=1)
