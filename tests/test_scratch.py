"""utils.scratch: the NumPy simple RNN must equal keras.layers.SimpleRNN and the formula."""

from __future__ import annotations

import numpy as np
import pytest

from utils.env import quiet_tensorflow_import
from utils.scratch import simple_rnn_forward

tf = quiet_tensorflow_import()
import keras  # noqa: E402  (after the quiet TensorFlow import)


def random_weights(features: int, units: int, seed: int = 0, dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.normal(0, 0.5, (features, units)).astype(dtype),
        rng.normal(0, 0.5, (units, units)).astype(dtype),  # not symmetric: catches R vs R.T
        rng.normal(0, 0.5, (units,)).astype(dtype),
    ]


def test_hand_computed_two_steps() -> None:
    # One input feature, one unit: every number can be checked by hand.
    x = np.array([[[1.0], [2.0]]])
    kernel, recurrent, bias = np.array([[0.5]]), np.array([[-1.0]]), np.array([0.1])
    h1 = np.tanh(0.5 * 1.0 + 0.1)
    h2 = np.tanh(0.5 * 2.0 - 1.0 * h1 + 0.1)
    hs, h_last = simple_rnn_forward(x, [kernel, recurrent, bias])
    np.testing.assert_allclose(hs[0, :, 0], [h1, h2], rtol=0, atol=1e-15)
    np.testing.assert_allclose(h_last, [[h2]], rtol=0, atol=1e-15)


def test_every_term_of_the_formula() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 2))
    kernel, recurrent, bias = random_weights(2, 5, seed=2)
    h0 = rng.normal(size=(3, 5))
    hs, _ = simple_rnn_forward(x, [kernel, recurrent, bias], h0=h0)
    h = h0
    for t in range(4):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        np.testing.assert_allclose(hs[:, t], h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("steps", [1, 7])
@pytest.mark.parametrize("with_h0", [False, True])
def test_equals_keras_simple_rnn(steps: int, with_h0: bool) -> None:
    rng = np.random.default_rng(steps)
    batch, features, units = 4, 3, 5
    x = rng.normal(size=(batch, steps, features)).astype(np.float32)
    h0 = rng.normal(size=(batch, units)).astype(np.float32) if with_h0 else None
    layer = keras.layers.SimpleRNN(units, return_sequences=True, return_state=True)
    layer.build((None, steps, features))
    layer.set_weights(random_weights(features, units, seed=steps, dtype=np.float32))
    if with_h0:
        keras_hs, keras_last = layer(x, initial_state=[h0])
    else:
        keras_hs, keras_last = layer(x)
    hs, h_last = simple_rnn_forward(x, layer.get_weights(), h0=h0)
    assert hs.shape == (batch, steps, units) and h_last.shape == (batch, units)
    assert np.max(np.abs(hs - keras.ops.convert_to_numpy(keras_hs))) <= 1e-5
    assert np.max(np.abs(h_last - keras.ops.convert_to_numpy(keras_last))) <= 1e-5


def test_keeps_float64() -> None:
    x = np.ones((1, 2, 3))
    hs, _ = simple_rnn_forward(x, random_weights(3, 2))
    assert hs.dtype == np.float64


@pytest.mark.parametrize(
    ("x_shape", "weights", "h0", "message"),
    [
        ((2, 3), random_weights(3, 4), None, "rank 2"),
        ((1, 2, 3), random_weights(5, 4), None, "first axis must equal the number of input features"),
        ((1, 2, 3), random_weights(3, 4)[:2], None, "got 2 arrays"),
        ((1, 2, 3), [np.zeros((3, 4)), np.zeros((4, 3)), np.zeros(4)], None, "recurrent_kernel"),
        ((1, 2, 3), [np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(3)], None, "bias"),
        ((1, 2, 3), random_weights(3, 4), np.zeros((2, 4)), "h0 must have shape"),
        ((1, 0, 3), random_weights(3, 4), None, "at least one time step"),
    ],
)
def test_bad_input_says_what_was_expected(x_shape, weights, h0, message) -> None:
    with pytest.raises(ValueError, match=message):
        simple_rnn_forward(np.zeros(x_shape), weights, h0=h0)
