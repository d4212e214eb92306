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

Used by notebooks 01, 02, 03, 04 and 06; each notebook first writes the computation in view and
asserts it equal to this module's version.
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
    state: ArrayLike | None, batch: int, units: int, dtype: np.dtype, name: str = "h0"
) -> NDArray[np.floating]:
    if state is None:
        return np.zeros((batch, units), dtype=dtype)
    state = np.asarray(state, dtype=dtype)
    if state.shape != (batch, units):
        raise ValueError(f"{name} must have shape (batch, units) = ({batch}, {units}), got {state.shape}")
    return state


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


# --------------------------------------------------------------------------- helpers

def _sigmoid(z: NDArray[np.floating]) -> NDArray[np.floating]:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic function


def _check_gated_weights(
    weights: Sequence[ArrayLike], features: int, gates: int, layer: str, bias_shapes: dict[str, tuple[int, ...]]
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating], int]:
    """Validate ``[kernel, recurrent_kernel, bias]`` of a gated layer with ``gates`` blocks."""
    if len(weights) != 3:
        raise ValueError(
            f"weights must be [kernel (features, {gates}*units), recurrent_kernel (units, {gates}*units), bias] "
            f"as {layer}.get_weights() returns; got {len(weights)} arrays"
        )
    kernel, recurrent, bias = (np.asarray(w) for w in weights)
    if kernel.ndim != 2 or kernel.shape[1] % gates:
        raise ValueError(f"kernel must have shape (features, {gates}*units), got {kernel.shape}")
    units = kernel.shape[1] // gates
    if kernel.shape[0] != features:
        raise ValueError(
            f"kernel has shape {kernel.shape}: its first axis must equal the number of input features ({features})"
        )
    if recurrent.shape != (units, gates * units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, {gates}*units) = ({units}, {gates * units}), "
            f"got {recurrent.shape}"
        )
    expected = {name: tuple(units * -k if k < 0 else k for k in shape) for name, shape in bias_shapes.items()}
    if bias.shape not in expected.values():
        wanted = " or ".join(f"{shape} ({name})" for name, shape in expected.items())
        raise ValueError(f"bias must have shape {wanted}, got {bias.shape}")
    return kernel, recurrent, bias, units


def _check_dhs(dhs: ArrayLike, shape: tuple[int, int, int], dtype: np.dtype) -> NDArray[np.floating]:
    dhs = np.asarray(dhs, dtype=dtype)
    if dhs.shape != shape:
        raise ValueError(f"dhs must have the hidden states' shape (batch, time, units) = {shape}, got {dhs.shape}")
    return dhs


def _backward_buffers(
    cache: dict[str, NDArray[np.floating]], weights: Sequence[ArrayLike], dhs: ArrayLike
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating], list[NDArray[np.floating]],
           NDArray[np.floating]]:
    """Return ``x``, the checked ``dhs``, and zeroed ``dx``, weight gradients and ``dh_next``."""
    x, hs = cache["x"], cache["h"]
    dhs = _check_dhs(dhs, hs.shape, hs.dtype)
    grads = [np.zeros(np.shape(w), dtype=hs.dtype) for w in weights]
    return x, dhs, np.zeros(x.shape, dtype=hs.dtype), grads, np.zeros(hs[:, 0].shape, dtype=hs.dtype)


# --------------------------------------------------------------------------- simple RNN, backward

def simple_rnn_backward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    dhs: ArrayLike,
    h0: ArrayLike | None = None,
) -> tuple[NDArray[np.floating], list[NDArray[np.floating]]]:
    r"""Backpropagation through time for :func:`simple_rnn_forward`.

    ``dhs[:, t]`` is the gradient of the loss with respect to :math:`h_t` coming *directly*
    from that step's output (for a loss on the last state only, it is zero except at the last
    step). Walking back from the last step, the gradient reaching :math:`h_t` is
    ``dhs[:, t]`` plus what flows back from :math:`h_{t+1}`:

    .. math::
        \delta_t = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2), \qquad
        \frac{\partial L}{\partial h_{t-1}} \mathrel{+}= \delta_t R^\top

    and every step adds :math:`x_t^\top \delta_t`, :math:`h_{t-1}^\top \delta_t` and
    :math:`\sum \delta_t` to the gradients of the kernel, recurrent kernel and bias.

    Returns
    -------
    dx
        Gradient with respect to ``x``, shape ``(batch, time, features)``.
    grads
        ``[dkernel, drecurrent_kernel, dbias]``, shaped like ``weights``.
    """
    x = _as_sequence_batch(x)
    kernel, recurrent, bias = _check_simple_rnn_weights(weights, x.shape[2])
    hs, _ = simple_rnn_forward(x, weights, h0)
    dtype = hs.dtype
    batch, steps, _ = x.shape
    units = kernel.shape[1]
    dhs = _check_dhs(dhs, hs.shape, dtype)
    h_prev_all = np.concatenate([_initial_state(h0, batch, units, dtype)[:, None], hs[:, :-1]], axis=1)
    dx = np.zeros(x.shape, dtype=dtype)
    dkernel, drecurrent, dbias = (np.zeros(w.shape, dtype=dtype) for w in (kernel, recurrent, bias))
    dh_next = np.zeros((batch, units), dtype=dtype)
    for t in reversed(range(steps)):
        delta = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)  # through tanh
        dkernel += x[:, t].T @ delta
        drecurrent += h_prev_all[:, t].T @ delta
        dbias += delta.sum(axis=0)
        dx[:, t] = delta @ kernel.T
        dh_next = delta @ recurrent.T
    return dx, [dkernel, drecurrent, dbias]


# --------------------------------------------------------------------------- LSTM

def _lstm_scan(
    x: ArrayLike, weights: Sequence[ArrayLike], h0: ArrayLike | None, c0: ArrayLike | None
) -> dict[str, NDArray[np.floating]]:
    """Run the LSTM and keep everything the backward pass needs, each of shape (batch, time, units)."""
    x = _as_sequence_batch(x)
    kernel, recurrent, bias, units = _check_gated_weights(weights, x.shape[2], 4, "LSTM", {"LSTM": (-4,)})
    dtype = np.result_type(x, kernel, recurrent, bias)
    batch, steps, _ = x.shape
    h = _initial_state(h0, batch, units, dtype)
    c = _initial_state(c0, batch, units, dtype, name="c0")
    names = ("i", "f", "g", "o", "c", "h", "h_prev", "c_prev")
    cache = {k: np.empty((batch, steps, units), dtype=dtype) for k in names}
    x_proj = x @ kernel + bias
    for t in range(steps):
        z = x_proj[:, t] + h @ recurrent
        i, f = _sigmoid(z[:, :units]), _sigmoid(z[:, units:2 * units])
        g, o = np.tanh(z[:, 2 * units:3 * units]), _sigmoid(z[:, 3 * units:])
        cache["h_prev"][:, t], cache["c_prev"][:, t] = h, c
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in (("i", i), ("f", f), ("g", g), ("o", o), ("c", c), ("h", h)):
            cache[name][:, t] = value
    cache["x"] = x
    return cache


def lstm_forward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    h0: ArrayLike | None = None,
    c0: ArrayLike | None = None,
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
    r"""Run an LSTM over a batch of sequences, as ``keras.layers.LSTM``.

    With :math:`z_t = x_t K + h_{t-1} R + b` split into four blocks in Keras' order
    (input gate :math:`i`, forget gate :math:`f`, candidate :math:`g`, output gate :math:`o`):

    .. math::
        i_t = \sigma(z^i_t),\ f_t = \sigma(z^f_t),\ g_t = \tanh(z^g_t),\ o_t = \sigma(z^o_t),\\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).

    Parameters
    ----------
    x
        Inputs, shape ``(batch, time, features)``.
    weights
        ``[kernel (features, 4*units), recurrent_kernel (units, 4*units), bias (4*units,)]``,
        as ``keras.layers.LSTM(units).get_weights()`` returns them.
    h0, c0
        Initial hidden and cell states, shape ``(batch, units)``; zeros if omitted.

    Returns
    -------
    hs, h_last, c_last
        Every hidden state ``(batch, time, units)``, and the last hidden and cell states.
    """
    cache = _lstm_scan(x, weights, h0, c0)
    return cache["h"], cache["h"][:, -1], cache["c"][:, -1]


def lstm_gate_activations(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    h0: ArrayLike | None = None,
    c0: ArrayLike | None = None,
) -> dict[str, NDArray[np.floating]]:
    """Return the LSTM's gates and states at every step: keys ``i, f, g, o, c, h``.

    Each value has shape ``(batch, time, units)``; see :func:`lstm_forward`.
    """
    cache = _lstm_scan(x, weights, h0, c0)
    return {k: cache[k] for k in ("i", "f", "g", "o", "c", "h")}


def lstm_backward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    dhs: ArrayLike,
    h0: ArrayLike | None = None,
    c0: ArrayLike | None = None,
) -> tuple[NDArray[np.floating], list[NDArray[np.floating]]]:
    r"""Backpropagation through time for :func:`lstm_forward`.

    ``dhs`` is the gradient of the loss with respect to every hidden state (as in
    :func:`simple_rnn_backward`). The cell state carries its own gradient back in time,
    multiplied only by the forget gate at each step: :math:`\partial c_{t-1} = \partial c_t \odot f_t`.

    Returns
    -------
    dx
        Gradient with respect to ``x``, shape ``(batch, time, features)``.
    grads
        ``[dkernel, drecurrent_kernel, dbias]``, shaped like ``weights``.
    """
    cache = _lstm_scan(x, weights, h0, c0)
    kernel, recurrent = np.asarray(weights[0]), np.asarray(weights[1])
    x, dhs, dx, (dkernel, drecurrent, dbias), dh_next = _backward_buffers(cache, weights, dhs)
    dc_next = np.zeros_like(dh_next)
    for t in reversed(range(x.shape[1])):
        i, f, g, o, c = (cache[k][:, t] for k in ("i", "f", "g", "o", "c"))
        tanh_c = np.tanh(c)
        dh = dhs[:, t] + dh_next
        dc = dc_next + dh * o * (1.0 - tanh_c ** 2)
        dz = np.concatenate([
            dc * g * i * (1.0 - i),                    # input gate
            dc * cache["c_prev"][:, t] * f * (1.0 - f),  # forget gate
            dc * i * (1.0 - g ** 2),                   # candidate
            dh * tanh_c * o * (1.0 - o),               # output gate
        ], axis=1)
        dkernel += x[:, t].T @ dz
        drecurrent += cache["h_prev"][:, t].T @ dz
        dbias += dz.sum(axis=0)
        dx[:, t] = dz @ kernel.T
        dh_next = dz @ recurrent.T
        dc_next = dc * f
    return dx, [dkernel, drecurrent, dbias]


# --------------------------------------------------------------------------- GRU

def _gru_scan(
    x: ArrayLike, weights: Sequence[ArrayLike], h0: ArrayLike | None, reset_after: bool
) -> dict[str, NDArray[np.floating]]:
    """Run the GRU and keep everything the backward pass needs."""
    x = _as_sequence_batch(x)
    bias_shape = {"reset_after=True": (2, -3)} if reset_after else {"reset_after=False": (-3,)}
    kernel, recurrent, bias, units = _check_gated_weights(weights, x.shape[2], 3, "GRU", bias_shape)
    dtype = np.result_type(x, kernel, recurrent, bias)
    batch, steps, _ = x.shape
    h = _initial_state(h0, batch, units, dtype)
    input_bias = bias[0] if reset_after else bias
    recurrent_bias = bias[1] if reset_after else np.zeros(3 * units, dtype=dtype)
    cache = {k: np.empty((batch, steps, units), dtype=dtype) for k in ("z", "r", "hh", "rec_h", "h", "h_prev")}
    x_proj = x @ kernel + input_bias
    n = units
    for t in range(steps):
        xz, xr, xh = x_proj[:, t, :n], x_proj[:, t, n:2 * n], x_proj[:, t, 2 * n:]
        if reset_after:
            rec = h @ recurrent + recurrent_bias
            z, r = _sigmoid(xz + rec[:, :n]), _sigmoid(xr + rec[:, n:2 * n])
            rec_h = rec[:, 2 * n:]
            hh = np.tanh(xh + r * rec_h)
        else:
            z = _sigmoid(xz + h @ recurrent[:, :n])
            r = _sigmoid(xr + h @ recurrent[:, n:2 * n])
            rec_h = (r * h) @ recurrent[:, 2 * n:]
            hh = np.tanh(xh + rec_h)
        cache["h_prev"][:, t] = h
        h = z * h + (1.0 - z) * hh
        for name, value in (("z", z), ("r", r), ("hh", hh), ("rec_h", rec_h), ("h", h)):
            cache[name][:, t] = value
    cache["x"] = x
    return cache


def gru_forward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    h0: ArrayLike | None = None,
    reset_after: bool = True,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    r"""Run a GRU over a batch of sequences, as ``keras.layers.GRU``.

    Keras' gate order is update :math:`z`, reset :math:`r`, candidate :math:`\tilde h`:

    .. math::
        z_t = \sigma(x_t K_z + h_{t-1} R_z + b_z),\quad r_t = \sigma(x_t K_r + h_{t-1} R_r + b_r),\\
        h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t,

    with the candidate
    :math:`\tilde h_t = \tanh(x_t K_h + b_h + r_t \odot (h_{t-1} R_h + b'_h))` when
    ``reset_after=True`` (Keras' default, bias of shape ``(2, 3*units)``: input biases, then
    recurrent biases), and the original GRU's
    :math:`\tilde h_t = \tanh(x_t K_h + (r_t \odot h_{t-1}) R_h + b_h)` when
    ``reset_after=False`` (bias of shape ``(3*units,)``).

    Returns
    -------
    hs, h_last
        Every hidden state ``(batch, time, units)`` and the last one ``(batch, units)``.
    """
    cache = _gru_scan(x, weights, h0, reset_after)
    return cache["h"], cache["h"][:, -1]


def gru_backward(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    dhs: ArrayLike,
    h0: ArrayLike | None = None,
    reset_after: bool = True,
) -> tuple[NDArray[np.floating], list[NDArray[np.floating]]]:
    """Backpropagation through time for :func:`gru_forward` (both ``reset_after`` variants).

    Returns
    -------
    dx
        Gradient with respect to ``x``, shape ``(batch, time, features)``.
    grads
        ``[dkernel, drecurrent_kernel, dbias]``, shaped like ``weights``.
    """
    cache = _gru_scan(x, weights, h0, reset_after)
    kernel, recurrent = np.asarray(weights[0]), np.asarray(weights[1])
    x, dhs, dx, (dkernel, drecurrent, dbias), dh_next = _backward_buffers(cache, weights, dhs)
    n = dh_next.shape[1]
    for t in reversed(range(x.shape[1])):
        z, r, hh, rec_h, h_prev = (cache[k][:, t] for k in ("z", "r", "hh", "rec_h", "h_prev"))
        dh = dhs[:, t] + dh_next
        dh_prev = dh * z
        da_h = dh * (1.0 - z) * (1.0 - hh ** 2)          # candidate pre-activation
        da_z = dh * (h_prev - hh) * z * (1.0 - z)
        if reset_after:
            da_r = da_h * rec_h * r * (1.0 - r)
            d_input = np.concatenate([da_z, da_r, da_h], axis=1)
            d_rec = np.concatenate([da_z, da_r, da_h * r], axis=1)
            drecurrent += h_prev.T @ d_rec
            dbias[0] += d_input.sum(axis=0)
            dbias[1] += d_rec.sum(axis=0)
            dh_prev = dh_prev + d_rec @ recurrent.T
        else:
            d_rh = da_h @ recurrent[:, 2 * n:].T              # gradient reaching r * h_prev
            da_r = d_rh * h_prev * r * (1.0 - r)
            d_input = np.concatenate([da_z, da_r, da_h], axis=1)
            drecurrent[:, :n] += h_prev.T @ da_z
            drecurrent[:, n:2 * n] += h_prev.T @ da_r
            drecurrent[:, 2 * n:] += (r * h_prev).T @ da_h
            dbias += d_input.sum(axis=0)
            dh_prev = dh_prev + d_rh * r + da_z @ recurrent[:, :n].T + da_r @ recurrent[:, n:2 * n].T
        dkernel += x[:, t].T @ d_input
        dx[:, t] = d_input @ kernel.T
        dh_next = dh_prev
    return dx, [dkernel, drecurrent, dbias]


# --------------------------------------------------------------------------- gradient flow

def simple_rnn_state_jacobians(
    x: ArrayLike, weights: Sequence[ArrayLike], h0: ArrayLike | None = None
) -> NDArray[np.floating]:
    r"""Return :math:`\partial h_T / \partial h_t` for every step :math:`t = 1, \dots, T`.

    Shape ``(batch, time, units, units)``; entry ``[b, t]`` is the Jacobian of the last state
    with respect to the state after step ``t + 1`` (so ``[b, -1]`` is the identity). It is the
    product of one factor per step in between,

    .. math:: \frac{\partial h_T}{\partial h_t} = \prod_{s=t+1}^{T} \operatorname{diag}(1 - h_s^2)\, W_{hh},

    which is why gradients through many steps shrink or grow geometrically.
    """
    x = _as_sequence_batch(x)
    _, recurrent, _ = _check_simple_rnn_weights(weights, x.shape[2])
    hs, _ = simple_rnn_forward(x, weights, h0)
    batch, steps, units = hs.shape
    w_hh = recurrent.T  # column convention: dh_s = diag(1 - h_s^2) W_hh dh_{s-1}
    jac = np.empty((batch, steps, units, units), dtype=hs.dtype)
    current = np.broadcast_to(np.eye(units, dtype=hs.dtype), (batch, units, units)).copy()
    jac[:, -1] = current
    for t in range(steps - 1, 0, -1):
        step = (1.0 - hs[:, t] ** 2)[:, :, None] * w_hh  # d h_{t+1} / d h_t, 0-based indices
        current = current @ step
        jac[:, t - 1] = current
    return jac
