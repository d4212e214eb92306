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


# ----------------------------------------------------------------------------- backward passes and gated cells
from utils.gradcheck import numerical_gradient, relative_error  # noqa: E402
from utils.scratch import (  # noqa: E402
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    lstm_gate_activations,
    simple_rnn_backward,
    simple_rnn_state_jacobians,
)

B, T, D, N = 2, 4, 3, 3


def gated_weights(kind: str, seed: int, dtype=np.float64, reset_after: bool = True) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    gates = {"lstm": 4, "gru": 3}[kind]
    bias_shape = (2, 3 * N) if (kind == "gru" and reset_after) else (gates * N,)
    return [rng.normal(0, 0.6, (D, gates * N)).astype(dtype), rng.normal(0, 0.6, (N, gates * N)).astype(dtype),
            rng.normal(0, 0.6, bias_shape).astype(dtype)]


# Each case: (name, forward(x, weights, state) -> hs, backward(x, weights, dhs, state), weights(seed), states)
CASES = {
    "simple_rnn": (lambda x, w, s: simple_rnn_forward(x, w, *s)[0], simple_rnn_backward,
                   lambda seed: random_weights(D, N, seed), 1),
    "lstm": (lambda x, w, s: lstm_forward(x, w, *s)[0], lstm_backward, lambda seed: gated_weights("lstm", seed), 2),
    "gru_reset_after": (lambda x, w, s: gru_forward(x, w, *s, reset_after=True)[0],
                        lambda x, w, dhs, *s: gru_backward(x, w, dhs, *s, reset_after=True),
                        lambda seed: gated_weights("gru", seed, reset_after=True), 1),
    "gru_reset_before": (lambda x, w, s: gru_forward(x, w, *s, reset_after=False)[0],
                         lambda x, w, dhs, *s: gru_backward(x, w, dhs, *s, reset_after=False),
                         lambda seed: gated_weights("gru", seed, reset_after=False), 1),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("steps", [1, T])
@pytest.mark.parametrize("with_state", [False, True])
def test_backward_matches_finite_differences(case: str, steps: int, with_state: bool) -> None:
    forward, backward, make_weights, n_states = CASES[case]
    rng = np.random.default_rng(steps + 10 * with_state)
    x = rng.normal(size=(B, steps, D))
    weights = make_weights(steps)
    states = [rng.normal(size=(B, N)) for _ in range(n_states)] if with_state else []
    upstream = rng.normal(size=(B, steps, N))  # dL/dh_t for the loss L = sum(upstream * hs)

    def loss() -> float:
        return float(np.sum(upstream * forward(x, weights, states)))

    dx, grads = backward(x, weights, upstream, *states)
    assert relative_error(dx, numerical_gradient(loss, x)) <= 1e-6
    for name, w, g in zip(("kernel", "recurrent_kernel", "bias"), weights, grads, strict=True):
        assert g.shape == w.shape
        assert relative_error(g, numerical_gradient(loss, w)) <= 1e-6, name


def keras_layer(case: str, dtype: str, steps: int):
    kind = case.split("_")[0]
    layer = {"simple": lambda: keras.layers.SimpleRNN(N, return_sequences=True, dtype=dtype),
             "lstm": lambda: keras.layers.LSTM(N, return_sequences=True, dtype=dtype),
             "gru": lambda: keras.layers.GRU(N, return_sequences=True, dtype=dtype,
                                             reset_after=case == "gru_reset_after")}[kind]()
    layer.build((None, steps, D))
    return layer


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("steps", [1, T])
@pytest.mark.parametrize("with_state", [False, True])
def test_forward_and_backward_match_keras(case: str, steps: int, with_state: bool) -> None:
    forward, backward, make_weights, n_states = CASES[case]
    rng = np.random.default_rng(steps)
    # Forward in float32, as a learner would run it: max abs difference <= 1e-5.
    layer = keras_layer(case, "float32", steps)
    layer.set_weights([w.astype(np.float32) for w in make_weights(steps)])
    x = rng.normal(size=(B, steps, D)).astype(np.float32)
    states = [rng.normal(size=(B, N)).astype(np.float32) for _ in range(n_states)] if with_state else []
    keras_hs = layer(x, initial_state=states) if states else layer(x)
    hs = forward(x, layer.get_weights(), states)
    assert np.max(np.abs(hs - keras.ops.convert_to_numpy(keras_hs))) <= 1e-5
    # Backward against TensorFlow's automatic differentiation of the Keras layer, in float64.
    layer64 = keras_layer(case, "float64", steps)
    layer64.set_weights(make_weights(steps))
    x64 = tf.constant(x.astype(np.float64))
    states64 = [tf.constant(s.astype(np.float64)) for s in states]
    upstream = rng.normal(size=(B, steps, N))
    with tf.GradientTape() as tape:
        tape.watch(x64)
        out = layer64(x64, initial_state=states64) if states64 else layer64(x64)
        loss = tf.reduce_sum(out * upstream)
    tf_dx, *tf_grads = tape.gradient(loss, [x64, *layer64.trainable_weights])
    dx, grads = backward(x64.numpy(), layer64.get_weights(), upstream, *[s.numpy() for s in states64])
    assert relative_error(dx, tf_dx.numpy()) <= 1e-10
    for g, tg in zip(grads, tf_grads, strict=True):
        assert relative_error(g, keras.ops.convert_to_numpy(tg)) <= 1e-10


def test_lstm_gates_are_consistent_with_the_states() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(B, T, D))
    gates = lstm_gate_activations(x, gated_weights("lstm", 5))
    hs, h_last, c_last = lstm_forward(x, gated_weights("lstm", 5))
    assert set(gates) == {"i", "f", "g", "o", "c", "h"}
    np.testing.assert_allclose(gates["h"], hs)
    np.testing.assert_allclose(gates["h"], gates["o"] * np.tanh(gates["c"]))
    expected_c = gates["f"][:, 1:] * gates["c"][:, :-1] + (gates["i"] * gates["g"])[:, 1:]
    np.testing.assert_allclose(gates["c"][:, 1:], expected_c)
    for name in "ifo":
        assert ((gates[name] > 0) & (gates[name] < 1)).all()
    np.testing.assert_allclose(c_last, gates["c"][:, -1])
    np.testing.assert_allclose(h_last, hs[:, -1])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lstm_forward(np.zeros((1, 2, D)), gated_weights("gru", 0)), "shape \\(features, 4\\*units\\)"),
        (lambda: lstm_forward(np.zeros((1, 2, D)), gated_weights("lstm", 0), c0=np.zeros((1, 5))), "c0 must have"),
        (lambda: gru_forward(np.zeros((1, 2, D)), gated_weights("gru", 0, reset_after=True), reset_after=False),
         "reset_after=False"),
        (lambda: gru_forward(np.zeros((1, 2, D)), gated_weights("gru", 0, reset_after=False)), "reset_after=True"),
        (lambda: simple_rnn_backward(np.zeros((1, 2, D)), random_weights(D, N), np.zeros((1, 3, N))), "dhs must"),
        (lambda: gru_forward(np.zeros((1, 2, 5)), gated_weights("gru", 0)), "first axis must equal"),
    ],
)
def test_gated_bad_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("with_h0", [False, True])
def test_state_jacobians_match_finite_differences(with_h0: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, D))
    weights = random_weights(D, N, seed=3)
    h0 = rng.normal(size=(2, N)) if with_h0 else None
    hs, _ = simple_rnn_forward(x, weights, h0)
    jac = simple_rnn_state_jacobians(x, weights, h0)
    assert jac.shape == (2, 5, N, N)
    np.testing.assert_allclose(jac[:, -1], np.broadcast_to(np.eye(N), (2, N, N)))
    for t in range(4):  # d h_T / d h_t: restart the recurrence from h_t and perturb it
        for b in range(2):
            start = hs[b:b + 1, t].copy()
            for j in range(N):
                def last_state_unit(j=j, b=b, t=t, start=start) -> float:
                    return float(simple_rnn_forward(x[b:b + 1, t + 1:], weights, start)[1][0, j])
                row = numerical_gradient(last_state_unit, start)[0]
                assert relative_error(row, jac[b, t, j]) <= 1e-6
