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
