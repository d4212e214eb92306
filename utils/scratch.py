"""NumPy reference implementations of recurrent layers, written to match Keras exactly.

Conventions shared by every function in this module:

* ``x`` has shape ``(batch, time, features)``;
* ``weights`` is exactly what the matching Keras layer's ``get_weights()`` returns, so a
  trained Keras layer can be checked against these functions;
* hidden states are returned for every step, shape ``(batch, time, units)``;
* computation happens in the dtype of ``x`` promoted with the weights (pass float64 for
  gradient checks).

Keras stores input weights as ``kernel`` with shape ``(features, units)`` and multiplies
``x_t @ kernel``: in the textbook notation :math:`W_{xh} x_t` this kernel is :math:`W_{xh}^T`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _as_sequence_batch(x: ArrayLike) -> NDArray[np.floating]:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"x must have shape (batch, time, features), got an array of rank {x.ndim} "
            f"with shape {x.shape}"
        )
    if x.shape[1] == 0:
        raise ValueError("x must have at least one time step")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def _check_simple_rnn_weights(
    weights: Sequence[ArrayLike], features: int
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
    if len(weights) != 3:
        raise ValueError(
            "weights must be [kernel (features, units), recurrent_kernel (units, units), "
            f"bias (units,)] as SimpleRNN.get_weights() returns; got {len(weights)} arrays"
        )
    kernel, recurrent, bias = (np.asarray(w) for w in weights)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must have shape (features, units), got {kernel.shape}")
    units = kernel.shape[1]
    if kernel.shape[0] != features:
        raise ValueError(
            f"kernel has shape {kernel.shape}: its first axis must equal the number of input "
            f"features ({features})"
        )
    if recurrent.shape != (units, units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, units) = ({units}, {units}), "
            f"got {recurrent.shape}"
        )
    if bias.shape != (units,):
        raise ValueError(f"bias must have shape (units,) = ({units},), got {bias.shape}")
    return kernel, recurrent, bias


def _initial_state(
    h0: ArrayLike | None, batch: int, units: int, dtype: np.dtype
) -> NDArray[np.floating]:
    if h0 is None:
        return np.zeros((batch, units), dtype=dtype)
    h0 = np.asarray(h0, dtype=dtype)
    if h0.shape != (batch, units):
        raise ValueError(
            f"h0 must have shape (batch, units) = ({batch}, {units}), got {h0.shape}"
        )
    return h0


def simple_rnn_forward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    h0: ArrayLike | None = None,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    r"""Run a simple (Elman) RNN over a batch of sequences, as ``keras.layers.SimpleRNN``.

    For every step :math:`t`:

    .. math:: h_t = \tanh(x_t K + h_{t-1} R + b)

    with :math:`K` = ``kernel``, :math:`R` = ``recurrent_kernel``, :math:`b` = ``bias``.

    Parameters
    ----------
    x
        Inputs, shape ``(batch, time, features)``.
    weights
        ``[kernel (features, units), recurrent_kernel (units, units), bias (units,)]``,
        exactly as ``keras.layers.SimpleRNN(units).get_weights()`` returns them.
    h0
        Initial hidden state, shape ``(batch, units)``; zeros if omitted (as in Keras).

    Returns
    -------
    hs
        Every hidden state, shape ``(batch, time, units)`` (Keras' ``return_sequences=True``).
    h_last
        The last hidden state, shape ``(batch, units)`` (Keras' default output).

    Raises
    ------
    ValueError
        If ``x`` is not 3-D, or the weights or ``h0`` have shapes that do not fit ``x``.
    """
    x = _as_sequence_batch(x)
    kernel, recurrent, bias = _check_simple_rnn_weights(weights, x.shape[2])
    dtype = np.result_type(x, kernel, recurrent, bias)
    batch, steps, _ = x.shape
    units = kernel.shape[1]
    h = _initial_state(h0, batch, units, dtype)
    hs = np.empty((batch, steps, units), dtype=dtype)
    x_proj = x @ kernel + bias  # the input part of every step, computed in one product
    for t in range(steps):
        h = np.tanh(x_proj[:, t] + h @ recurrent)
        hs[:, t] = h
    return hs, h
