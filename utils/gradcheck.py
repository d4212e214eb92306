"""Numerical gradient checking: central differences and the relative error used to compare.

Used by notebook 02 (and the unit tests of :mod:`utils.scratch`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray


def numerical_gradient(f: Callable[[], float], array: NDArray[np.floating], eps: float = 1e-6) -> NDArray[np.floating]:
    r"""Central-difference gradient of the scalar ``f()`` with respect to every entry of ``array``.

    ``array`` is changed in place, one entry at a time, and restored:
    :math:`\partial f / \partial a_i \approx (f(a + \epsilon e_i) - f(a - \epsilon e_i)) / 2\epsilon`,
    whose error shrinks like :math:`\epsilon^2`. Use float64: in float32 the rounding error of
    ``f`` swamps the difference.

    Raises
    ------
    ValueError
        If ``array`` is not a floating-point NumPy array, or ``eps`` is not positive.
    """
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        raise ValueError("array must be a floating-point NumPy array (it is perturbed in place)")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    r"""Return :math:`\|a - b\| / (\|a\| + \|b\|)`: 0 when equal, 1 when opposite; 0 for two zeros.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
