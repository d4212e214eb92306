"""utils.checks: every check passes the notebooks' reference solutions and names each deliberate mistake.

Each reference implementation below has the logic of the notebook's solution; each wrong one
differs from it in exactly one term, and its check must fail with the expected diagnosis (a
check that passes a wrong answer is a bug).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from math import comb

import numpy as np
import pytest

from utils import checks
from utils.checks import CheckFailed
from utils.scratch import gru_forward, lstm_forward, simple_rnn_backward, simple_rnn_forward, simple_rnn_state_jacobians


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def assert_passes(check: Callable[..., None], fn: Callable, capsys: pytest.CaptureFixture[str], *data) -> None:
    check(fn, *data)
    out = capsys.readouterr().out.strip()
    assert out.endswith("checks)") and ": passed (" in out and "\n" not in out, out


def assert_fails(check: Callable[..., None], fn: Callable, match: str, *data) -> None:
    with pytest.raises(CheckFailed, match=match) as info:
        check(fn, *data)
    message = str(info.value)
    assert len(message) < 400 and message.count("\n") == 0, message  # short: one or two sentences


# --------------------------------------------------------------------------- the machinery

def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c_t = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_t), c_t


def test_a_function_that_raises_is_reported_with_its_inputs() -> None:
    def typo(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        raise TypeError("unsupported operand type(s)")

    with pytest.raises(CheckFailed, match=r"raised TypeError: unsupported operand.*x_t of shape \(4, 3\)") as info:
        checks.check_lstm_step(typo)
    assert isinstance(info.value.__cause__, TypeError)


def test_a_shape_error_of_numpy_is_reported_as_raised() -> None:
    def transposed(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        return lstm_step(x_t, h_prev, c_prev, kernel.T, recurrent_kernel, bias)

    assert_fails(checks.check_lstm_step, transposed, r"raised ValueError: .*kernel of shape \(3, 20\)")


def test_an_unanswered_stub_says_not_answered_yet() -> None:
    def stub(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        # Your answer here: replace these two lines (see the exercise above).
        raise NotImplementedError("exercise not answered yet")

    with pytest.raises(CheckFailed, match="not answered yet.*NotImplementedError"):
        checks.check_lstm_step(stub)


def test_wrong_output_shape_is_named() -> None:
    assert_fails(checks.check_lstm_step, lambda *a: (lstm_step(*a)[0][:, :2], lstm_step(*a)[1]),
                 r"h_t has shape \(4, 2\), expected \(4, 5\)")
    assert_fails(checks.check_lstm_step, lambda *a: lstm_step(*a)[0], r"return 2 values, \(h_t, c_t\)")
    assert_fails(checks.check_lstm_step, lambda *a: (lstm_step(*a)[0].T, lstm_step(*a)[1]), "looks transposed")
    assert_fails(checks.check_lstm_step, lambda *a: None, r"None \(did you forget `return`\?\)")


def test_a_stacked_pair_unpacks_like_a_tuple(capsys) -> None:
    assert_passes(checks.check_lstm_step, lambda *a: np.stack(lstm_step(*a)), capsys)


def test_passing_the_result_instead_of_the_function() -> None:
    assert_fails(checks.check_count_stacked_params, 42, r"pass your function itself.*of type int\)")


def test_check_failed_shows_only_its_message_in_ipython() -> None:
    error = CheckFailed("lstm_step: c_t is missing the forget term.\nSecond line.")
    assert isinstance(error, AssertionError)  # the cell still fails, for nbval and graders
    assert error._render_traceback_() == ["lstm_step: c_t is missing the forget term.", "Second line."]


def test_a_result_near_but_not_equal_reports_the_largest_difference() -> None:
    assert_fails(checks.check_lstm_step, lambda *a: (lstm_step(*a)[0] + 0.01, lstm_step(*a)[1]),
                 r"h_t differs from the reference by up to 0\.01 \(at index \(\d, \d\)\)\. c_t is right")


def test_the_checks_own_cells_equal_the_scratch_layers() -> None:
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    w = [rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)]
    _, h_ref, c_ref = lstm_forward(x[:, None], w, h0=h, c0=c)
    assert np.allclose(checks._lstm_step(x, h, c, *w), [h_ref, c_ref])
    w = [rng.normal(size=(3, 12)), rng.normal(size=(4, 12)), rng.normal(size=(2, 12))]
    assert np.allclose(checks._gru_step(x, h, *w)[0], gru_forward(x[:, None], w, h0=h)[1])
    original = gru_forward(x[:, None], [w[0], w[1], w[2][0]], h0=h, reset_after=False)[1]
    assert np.allclose(checks._gru_step(x, h, *w, reset="before", biases="input")[0], original)
    kernel, recurrent, bias = rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    h_t = simple_rnn_forward(x[:, None], [kernel, recurrent, bias], h)[0][:, 0]
    dh = rng.normal(size=(2, 4))
    dx, grads = simple_rnn_backward(x[:, None], [kernel, recurrent, bias], dh[:, None], h)
    mine = checks._bptt_grads(dh * (1 - h_t ** 2), h, x, kernel, recurrent)
    assert all(np.allclose(a, b) for a, b in zip(mine[1:], [*grads, dx[:, 0]], strict=True))


# --------------------------------------------------------------------------- 01 ex 1: count_stacked_params

def count_stacked_params(d: int, n1: int, n2: int, m: int) -> int:
    return n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * (n2 + 1)


def test_count_stacked_params_passes(capsys) -> None:
    assert_passes(checks.check_count_stacked_params, count_stacked_params, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (d + n2 + 1) + m * (n2 + 1), "n1 states, not the d input"),
    (lambda d, n1, n2, m: n1 * (d + n1) + n2 * (n1 + n2) + m * (n2 + 1), "recurrent layers' biases are missing"),
    (lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * n2, "Dense layer's bias is missing"),
    (lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * (n1 + 1), "reads the second layer's n2"),
    (lambda d, n1, n2, m: n1 * (d + 1) + n2 * (n1 + 1) + m * (n2 + 1), "recurrent kernels are missing"),
    (lambda d, n1, n2, m: n1 * (d + n1) + n2 * (n1 + n2) + m * n2, "the biases are missing"),
    (lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1), "Dense layer is missing"),
    (lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 2) + m * (n2 + 1),
     r"for d=1, n1=1, n2=1, m=1 you count 9, but the model has 8"),
    (lambda d, n1, n2, m: None, "your count is None"),
    (lambda d, n1, n2, m: "8", r"your count should be a single number, got a str"),
])
def test_count_stacked_params_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_count_stacked_params, wrong, match)


def test_count_formula_equals_keras() -> None:
    from utils.env import quiet_tensorflow_import

    quiet_tensorflow_import()
    import keras

    for d, n1, n2, m in [(3, 4, 5, 2), (7, 2, 9, 3)]:
        model = keras.Sequential([keras.Input(shape=(None, d)), keras.layers.SimpleRNN(n1, return_sequences=True),
                                  keras.layers.SimpleRNN(n2), keras.layers.Dense(m)])
        assert checks._stacked_params(d, n1, n2, m) == model.count_params()


# --------------------------------------------------------------------------- 01 ex 2: rnn_outputs

def rnn_outputs(x, rnn_weights, dense_weights):
    hs, _ = simple_rnn_forward(x, rnn_weights)
    dense_kernel, dense_bias = dense_weights
    return hs @ dense_kernel + dense_bias


def test_rnn_outputs_passes(capsys) -> None:
    assert_passes(checks.check_rnn_outputs, rnn_outputs, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda x, rw, dw: simple_rnn_forward(x, rw)[0] @ dw[0], "Dense layer's bias is missing"),
    (lambda x, rw, dw: simple_rnn_forward(x, rw)[1] @ dw[0] + dw[1], r"shape \(3, 2\).*one output per sequence"),
    (lambda x, rw, dw: np.tanh(simple_rnn_forward(x, rw)[0] @ dw[0] + dw[1]), "with no tanh"),
    (lambda x, rw, dw: simple_rnn_forward(x, rw)[0], r"shape \(3, 6, 5\).*hidden states"),
    (lambda x, rw, dw: np.exp(rnn_outputs(x, rw, dw)) / np.exp(rnn_outputs(x, rw, dw)).sum(-1, keepdims=True),
     "with no softmax"),
    (lambda x, rw, dw: np.repeat((simple_rnn_forward(x, rw)[1] @ dw[0] + dw[1])[:, None], x.shape[1], axis=1),
     "every step uses the last hidden state"),
    (lambda x, rw, dw: np.concatenate([np.zeros_like(x[:, :1, :1]) @ np.zeros((1, len(dw[1]))) + dw[1],
                                       simple_rnn_forward(x, rw)[0][:, :-1] @ dw[0] + dw[1]], axis=1),
     "one step late"),
    (lambda x, rw, dw: simple_rnn_forward(x, [rw[0], rw[1], 0 * rw[2]])[0] @ dw[0] + dw[1],
     "your output differs from the reference"),
])
def test_rnn_outputs_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_rnn_outputs, wrong, match)


# --------------------------------------------------------------------------- 02 ex 1: bptt_step

def bptt_step(dh, h_t, h_prev, x_t, kernel, recurrent):
    delta = dh * (1 - h_t ** 2)
    return delta @ recurrent.T, x_t.T @ delta, h_prev.T @ delta, delta.sum(axis=0), delta @ kernel.T


BPTT_TERMS = {  # bptt_step's five results from delta, as in the solution
    "dh_prev": lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ R.T,
    "dkernel": lambda dh, h_t, h_prev, x_t, K, R, delta: x_t.T @ delta,
    "drecurrent": lambda dh, h_t, h_prev, x_t, K, R, delta: h_prev.T @ delta,
    "dbias": lambda dh, h_t, h_prev, x_t, K, R, delta: delta.sum(axis=0),
    "dx": lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ K.T,
}


def bptt_with(**change):
    """bptt_step with delta, or one of its five results, computed by ``change[name]`` instead."""
    def step(dh, h_t, h_prev, x_t, kernel, recurrent):
        delta = change.get("delta", lambda dh, h_t, *_: dh * (1 - h_t ** 2))(dh, h_t, h_prev, x_t, kernel, recurrent)
        terms = {**BPTT_TERMS, **{k: v for k, v in change.items() if k != "delta"}}
        return tuple(term(dh, h_t, h_prev, x_t, kernel, recurrent, delta) for term in terms.values())
    return step


def test_bptt_step_passes(capsys) -> None:
    assert_passes(checks.check_bptt_step, bptt_step, capsys)


@pytest.mark.parametrize("wrong, match", [
    (bptt_with(delta=lambda dh, *a: dh), "tanh derivative is missing"),
    (bptt_with(delta=lambda dh, h_t, h_prev, *a: dh * (1 - h_prev ** 2)), "tanh derivative uses h_prev"),
    (bptt_with(delta=lambda dh, h_t, *a: dh * (1 - h_t)), r"squared\), not 1 - h_t"),
    (bptt_with(delta=lambda dh, h_t, *a: -dh * (1 - h_t ** 2)), "wrong sign"),
    (bptt_with(delta=lambda dh, h_t, *a: dh * (1 - np.tanh(h_t) ** 2)), "without another tanh"),
    (bptt_with(delta=lambda dh, h_t, *a: dh * h_t * (1 - h_t)), "the sigmoid's derivative"),
    (bptt_with(dkernel=lambda dh, h_t, h_prev, x_t, K, R, delta: x_t.T @ dh), "dkernel must use delta"),
    (bptt_with(drecurrent=lambda dh, h_t, h_prev, x_t, K, R, delta: x_t.T @ delta), r"\(you used x_t\)"),
    (bptt_with(drecurrent=lambda dh, h_t, h_prev, x_t, K, R, delta: h_prev.T @ dh), "drecurrent must use delta"),
    (bptt_with(dbias=lambda dh, h_t, h_prev, x_t, K, R, delta: dh.sum(axis=0)), "dbias must use delta"),
    (bptt_with(dx=lambda dh, h_t, h_prev, x_t, K, R, delta: dh @ K.T), "dx must use delta"),
    (bptt_with(dh_prev=lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ R), r"dh_prev = delta @ recurrent\.T"),
    (bptt_with(dh_prev=lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ K.T), "through recurrent .*not kernel"),
    (bptt_with(dh_prev=lambda dh, h_t, h_prev, x_t, K, R, delta: dh @ R.T), "dh_prev must use delta"),
    (bptt_with(dkernel=lambda dh, h_t, h_prev, x_t, K, R, delta: delta.T @ x_t), "dkernel is transposed"),
    (bptt_with(dkernel=lambda dh, h_t, h_prev, x_t, K, R, delta: h_prev.T @ delta), r"kernel multiplies x_t"),
    (bptt_with(drecurrent=lambda dh, h_t, h_prev, x_t, K, R, delta: h_t.T @ delta), r"not h_t\.T @ delta"),
    (bptt_with(drecurrent=lambda dh, h_t, h_prev, x_t, K, R, delta: delta.T @ h_prev), "drecurrent is transposed"),
    (bptt_with(dbias=lambda dh, h_t, h_prev, x_t, K, R, delta: delta), r"dbias has shape \(3, 4\).*sum delta over"),
    (bptt_with(dbias=lambda dh, h_t, h_prev, x_t, K, R, delta: delta.sum(axis=1)), r"dbias has shape \(3,\)"),
    (bptt_with(dbias=lambda dh, h_t, h_prev, x_t, K, R, delta: delta.mean(axis=0)), "not the mean"),
    (bptt_with(dx=lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ R.T), "dx flows back through kernel"),
    (bptt_with(dx=lambda dh, h_t, h_prev, x_t, K, R, delta: delta @ K), r"dx = delta @ kernel\.T"),
    (lambda *a: (bptt_step(*a)[4], *bptt_step(*a)[1:4], bptt_step(*a)[0]), "your dh_prev is the right dx"),
    (bptt_with(dx=lambda dh, h_t, h_prev, x_t, K, R, delta: 2 * delta @ K.T), "dx differs from the reference"),
])
def test_bptt_step_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_bptt_step, wrong, match)


# --------------------------------------------------------------------------- 02 ex 2: norm_at_distance, crossing_radius

N_UNITS, STEPS = 32, 60
Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(N_UNITS, N_UNITS)))
X_PROBE = np.random.default_rng(2).normal(size=(20, STEPS, 4))
K_PROBE = np.random.default_rng(3).normal(0, 0.3, (4, N_UNITS))


def norm_at_distance(rho: float) -> float:
    jac = simple_rnn_state_jacobians(X_PROBE, [K_PROBE, (rho * Q).T, np.zeros(N_UNITS)])
    return float(np.linalg.norm(jac[:, 0], ord=2, axis=(1, 2)).mean())


def crossing_radius(low: float = 0.5, high: float = 3.0) -> float:
    while high - low > 0.005:
        mid = (low + high) / 2
        low, high = (mid, high) if norm_at_distance(mid) < 1 else (low, mid)
    return (low + high) / 2


def norm_with(index: int = 0, norm_ord=2, transpose: bool = True, stat=np.mean) -> Callable[[float], float]:
    def norm(rho: float) -> float:
        recurrent = (rho * Q).T if transpose else rho * Q
        jac = simple_rnn_state_jacobians(X_PROBE, [K_PROBE, recurrent, np.zeros(N_UNITS)])
        return float(stat(np.linalg.norm(jac[:, index], ord=norm_ord, axis=(1, 2))))
    return norm


def test_norm_and_crossing_pass(capsys) -> None:
    assert_passes(checks.check_norm_at_distance, norm_at_distance, capsys, X_PROBE, K_PROBE, Q)
    assert_passes(checks.check_crossing_radius, crossing_radius, capsys, norm_at_distance)


@pytest.mark.parametrize("wrong, match", [
    (norm_with(index=-1), "identity"),
    (norm_with(norm_ord="fro"), "spectral norm"),
    (norm_with(transpose=False), r"W_hh transposed"),
    (norm_with(stat=lambda v: v[0]), "all probe sequences"),
    (norm_with(stat=np.max), r"norm_at_distance\(1\.0\) differs from the reference"),
])
def test_norm_at_distance_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_norm_at_distance, wrong, match, X_PROBE, K_PROBE, Q)


def test_crossing_radius_diagnoses() -> None:
    def flipped(low: float = 0.5, high: float = 3.0) -> float:
        while high - low > 0.005:
            mid = (low + high) / 2
            low, high = (low, mid) if norm_at_distance(mid) < 1 else (mid, high)
        return (low + high) / 2

    rho_star = crossing_radius()
    assert_fails(checks.check_crossing_radius, flipped, r"at rho - 0\.01 = 2\.98\d .*smaller radius", norm_at_distance)
    assert_fails(checks.check_crossing_radius, lambda: rho_star + 0.05, "smaller radius", norm_at_distance)
    assert_fails(checks.check_crossing_radius, lambda: rho_star - 0.05, "larger radius.*move low up", norm_at_distance)
    assert_fails(checks.check_crossing_radius, lambda: 5.0, "outside the search interval", norm_at_distance)
    assert_fails(checks.check_crossing_radius, crossing_radius, "norm_at_distance raised ZeroDivisionError",
                 lambda rho: 1 / 0)


# --------------------------------------------------------------------------- 03 ex 1: lstm_step

def lstm_with(order: str = "ifgo", drop: tuple[str, str] | None = None, cand=np.tanh, gate=sigmoid,
              cell: Callable | None = None, out: Callable | None = None) -> Callable:
    """lstm_step written with per-block slices, so that one block or term can be changed."""
    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        n = h_prev.shape[1]
        blocks = {}
        for k, name in enumerate(order):
            part = slice(k * n, (k + 1) * n)
            terms = {"x": x_t @ kernel[:, part], "h": h_prev @ recurrent_kernel[:, part], "b": bias[part]}
            blocks[name] = sum(v for t, v in terms.items() if drop not in ((name, t), ("*", t)))
        i, f, g, o = gate(blocks["i"]), gate(blocks["f"]), cand(blocks["g"]), gate(blocks["o"])
        c_t = (cell or (lambda i, f, g, c, h: f * c + i * g))(i, f, g, c_prev, h_prev)
        h_t = (out or (lambda o, c_t, c: o * np.tanh(c_t)))(o, c_t, c_prev)
        return h_t, c_t
    return step


def test_lstm_step_passes(capsys) -> None:
    assert_passes(checks.check_lstm_step, lstm_step, capsys)
    assert_passes(checks.check_lstm_step, lstm_with(), capsys)


@pytest.mark.parametrize("wrong, match", [
    (lstm_with(order="fiog"), "unpacked in the order f, i, o, g, but Keras stores them as i"),
    (lstm_with(order="figo"), "unpacked in the order f, i, g, o"),
    (lstm_with(order="ifog"), "unpacked in the order i, f, o, g"),
    (lstm_with(cell=lambda i, f, g, c, h: i * g), "c_t is missing the forget term"),
    (lstm_with(cell=lambda i, f, g, c, h: f * c + g), "not scaled by the input gate"),
    (lstm_with(cell=lambda i, f, g, c, h: f * c + (1 - f) * g), "uses 1 - f in place of the input gate"),
    (lstm_with(cell=lambda i, f, g, c, h: f * h + i * g), "uses the previous cell state c_prev, not h_prev"),
    (lstm_with(out=lambda o, c_t, c: o * c_t), r"h_t is missing the tanh"),
    (lstm_with(out=lambda o, c_t, c: np.tanh(c_t)), "h_t ignores the output gate"),
    (lstm_with(out=lambda o, c_t, c: o * np.tanh(c)), "h_t must use the new cell state"),
    (lstm_with(cand=sigmoid), "candidate g uses a sigmoid"),
    (lstm_with(gate=np.tanh), "the gates use tanh"),
    (lstm_with(drop=("*", "h")), "every block ignores h_prev: the recurrent term"),
    (lstm_with(drop=("*", "b")), "every block ignores its bias"),
    (lstm_with(drop=("f", "h")), "the forget gate ignores h_prev"),
    (lstm_with(drop=("g", "x")), "the candidate ignores x_t"),
    (lambda *a: lstm_step(*a)[::-1], r"returned in the wrong order"),
])
def test_lstm_step_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_lstm_step, wrong, match)


@pytest.mark.parametrize("order", ["".join(p) for p in itertools.permutations("ifgo") if "".join(p) != "ifgo"])
def test_lstm_step_names_every_wrong_gate_order(order) -> None:
    assert_fails(checks.check_lstm_step, lstm_with(order=order), f"unpacked in the order {', '.join(order)},")


@pytest.mark.parametrize("block, term", list(itertools.product("ifgo", "xhb")))
def test_lstm_step_names_every_block_that_ignores_a_term(block, term) -> None:
    names = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}
    what = {"x": "x_t", "h": "h_prev", "b": "its bias"}
    assert_fails(checks.check_lstm_step, lstm_with(drop=(block, term)), f"the {names[block]} ignores {what[term]}")


# --------------------------------------------------------------------------- 03 ex 2: forget_bias_for_half_life

def forget_bias_for_half_life(steps: int) -> float:
    keep_per_step = 0.5 ** (1 / steps)
    return float(np.log(keep_per_step / (1 - keep_per_step)))


def test_forget_bias_passes(capsys) -> None:
    assert_passes(checks.check_forget_bias_for_half_life, forget_bias_for_half_life, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda steps: 0.5 ** (1 / steps), "that is the keep probability"),
    (lambda steps: float(np.log(0.5 ** (1 / steps))), r"that is log\(f\)"),
    (lambda steps: -forget_bias_for_half_life(steps), "sign error"),
    (lambda steps: float(np.log(0.5 ** steps / (1 - 0.5 ** steps))), r"not 0\.5 \*\* steps"),
    (lambda steps: forget_bias_for_half_life(steps + 1), r"not steps \+ 1"),
    (lambda steps: float(np.log((1 - 0.5 / steps) / (0.5 / steps))), "only approximates"),
    (lambda steps: float(np.log((0.5 / steps) / (1 - 0.5 / steps))), "not the steps-th root"),
    (lambda steps: forget_bias_for_half_life(steps - 1), r"raised ZeroDivisionError: .* steps = 1\."),
    (lambda steps: forget_bias_for_half_life(steps) + 0.1, r"after 60 steps the cell keeps 0\.\d+ of its value"),
    (lambda steps: np.array([forget_bias_for_half_life(steps)]), r"shape \(1,\), expected \(\)"),
])
def test_forget_bias_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_forget_bias_for_half_life, wrong, match)


# --------------------------------------------------------------------------- 04 ex 1: gru_step

def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=-1)
    h_z, h_r, h_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)
    z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    candidate = np.tanh(x_h + r * h_h)
    return z * h_prev + (1 - z) * candidate


def gru_with(order: str = "zrh", drop: tuple[str, str] | None = None, rows: tuple[int, int] = (0, 1),
             use: str = "xhbB", candidate_of: Callable | None = None, mix: Callable | None = None) -> Callable:
    """gru_step written with per-block slices; ``use`` lists x, h, b (input bias), B (recurrent bias)."""
    def step(x_t, h_prev, kernel, recurrent_kernel, bias):
        n = h_prev.shape[1]
        xs, hs, bs, parts = {}, {}, {}, {}
        for k, name in enumerate(order):
            part = parts[name] = slice(k * n, (k + 1) * n)
            xs[name] = ((x_t @ kernel[:, part]) * ("x" in use and drop != (name, "x"))
                        + bias[rows[0]][part] * ("b" in use))
            hs[name] = (h_prev @ recurrent_kernel[:, part]) * ("h" in use and drop != (name, "h"))
            bs[name] = bias[rows[1]][part] * ("B" in use)
        z, r = sigmoid(xs["z"] + hs["z"] + bs["z"]), sigmoid(xs["r"] + hs["r"] + bs["r"])
        default = lambda r: np.tanh(xs["h"] + r * (hs["h"] + bs["h"]))  # noqa: E731
        candidate = (candidate_of or (lambda r, *_: default(r)))(r, xs, hs, bs, h_prev, recurrent_kernel[:, parts["h"]])
        return (mix or (lambda z, h, c: z * h + (1 - z) * c))(z, h_prev, candidate)
    return step


def gru_step_with_tanh_gates(x_t, h_prev, kernel, recurrent_kernel, bias):
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=-1)
    h_z, h_r, h_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)
    z, r = np.tanh(x_z + h_z), np.tanh(x_r + h_r)
    candidate = np.tanh(x_h + r * h_h)
    return z * h_prev + (1 - z) * candidate


def test_gru_step_passes(capsys) -> None:
    assert_passes(checks.check_gru_step, gru_step, capsys)
    assert_passes(checks.check_gru_step, gru_with(), capsys)


@pytest.mark.parametrize("wrong, match", [
    (gru_with(candidate_of=lambda r, xs, hs, bs, h, rh: np.tanh(xs["h"] + (r * h) @ rh + bs["h"])), "original GRU"),
    (gru_with(mix=lambda z, h, c: (1 - z) * h + z * c), "z and 1 - z are swapped"),
    (lambda x_t, h_prev, kernel, recurrent_kernel, bias:  # Keras' reset_after=False with the input bias only
     gru_forward(x_t[:, None], [kernel, recurrent_kernel, bias[0]], h0=h_prev, reset_after=False)[1], "original GRU"),
    (gru_with(use="xhb"), r"recurrent bias bias\[1\] is missing"),
    (gru_with(use="xhB"), r"input bias bias\[0\] is missing"),
    (gru_with(rows=(1, 0)), "you swapped them"),
    (gru_with(order="rzh"), "unpacked in the order r, z, h, but Keras stores them as z"),
    (gru_with(order="zhr"), "unpacked in the order z, h, r"),
    (gru_with(candidate_of=lambda r, xs, hs, bs, *_: np.tanh(xs["h"] + r * hs["h"] + bs["h"])), "inside the reset"),
    (gru_with(candidate_of=lambda r, xs, hs, bs, *_: np.tanh(xs["h"] + hs["h"] + bs["h"])), "ignores the reset gate"),
    (gru_with(mix=lambda z, h, c: c), "you returned the candidate"),
    (gru_with(candidate_of=lambda r, xs, hs, bs, *_: sigmoid(xs["h"] + r * (hs["h"] + bs["h"]))),
     "candidate uses a sigmoid"),
    (gru_with(drop=("z", "h")), "the update gate ignores h_prev"),
    (lambda x_t, h_prev, kernel, recurrent_kernel, bias: gru_step_with_tanh_gates(x_t, h_prev, kernel,
                                                                                  recurrent_kernel, bias),
     "the gates use tanh"),
    (gru_with(drop=("r", "x")), "the reset gate ignores x_t"),
    (gru_with(use="xbB"), "every block ignores h_prev"),
    (gru_with(mix=lambda z, h, c: z * h + (1 - z) * c + 1e-3), r"h_t differs from the reference by up to 0\.001"),
])
def test_gru_step_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_gru_step, wrong, match)


@pytest.mark.parametrize("order", ["rzh", "rhz", "hzr", "hrz", "zhr"])
def test_gru_step_names_every_wrong_block_order(order) -> None:
    assert_fails(checks.check_gru_step, gru_with(order=order), f"unpacked in the order {', '.join(order)},")


# --------------------------------------------------------------------------- 04 ex 2: last_real_state

def last_real_state(hs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return hs[np.arange(len(hs)), np.asarray(lengths) - 1]


def test_last_real_state_passes(capsys) -> None:
    assert_passes(checks.check_last_real_state, last_real_state, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda hs, lengths: hs[np.arange(len(hs)), lengths], "off by one: .* index L - 1"),
    (lambda hs, lengths: hs[np.arange(len(hs)), lengths - 2], "not L - 2"),
    (lambda hs, lengths: hs[:, -1], "after the padding"),
    (lambda hs, lengths: hs[:, lengths - 1], r"shape \(4, 4, 3\).*pair each row with its own length"),
    (lambda hs, lengths: hs[:, lengths.max() - 1], "its own length, not the longest"),
    (lambda hs, lengths: hs[np.arange(len(hs)), hs.shape[1] - lengths], "post-padded"),
    (lambda hs, lengths: hs[:, 0], "first state"),
])
def test_last_real_state_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_last_real_state, wrong, match)


# --------------------------------------------------------------------------- 10 ex 1: persistence

def persistence(temps: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(temps[origins][:, None], horizon, axis=1)


def test_persistence_passes(capsys) -> None:
    assert_passes(checks.check_persistence, persistence, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda temps, origins, horizon: temps[origins[:, None] + np.arange(1, horizon + 1)], "true temperatures"),
    (lambda temps, origins, horizon: np.repeat(temps[origins + 1][:, None], horizon, axis=1), "day after the origin"),
    (lambda temps, origins, horizon: np.repeat(temps[origins - 1][:, None], horizon, axis=1), "day before the origin"),
    (lambda temps, origins, horizon: np.repeat(temps[origins][None, :], horizon, axis=0), "rows are origins"),
    (lambda temps, origins, horizon: temps[origins], r"shape \(5,\).*repeat the forecast"),
    (lambda temps, origins, horizon: np.repeat(np.array([temps[:o + 1].mean() for o in origins])[:, None],
                                               horizon, axis=1), "average of the past"),
    (lambda temps, origins, horizon: persistence(temps, origins, horizon) + (temps.max() > 50), "reads the future"),
])
def test_persistence_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_persistence, wrong, match)


# --------------------------------------------------------------------------- 10 ex 2: climatology

TRAIN_DAYS = np.concatenate([np.arange(1, 367), np.arange(1, 366)])          # 2012 (leap year) and 2013
TRAIN_TEMPS = 15 - 8 * np.cos(2 * np.pi * TRAIN_DAYS / 365.25) + np.random.default_rng(4).normal(0, 3, len(TRAIN_DAYS))


def climatology_with(width: int = 3, year: int | None = 365, stat=None, days=TRAIN_DAYS, temps=TRAIN_TEMPS):
    def climatology(target_days: np.ndarray) -> np.ndarray:
        distance = np.abs(target_days[:, None] - days[None, :])
        near = (np.minimum(distance, year - distance) if year else distance) <= width
        if stat is not None:
            return np.array([stat(temps[row]) for row in near])
        return (near * temps).sum(axis=1) / near.sum(axis=1)
    return climatology


def test_climatology_passes(capsys) -> None:
    assert_passes(checks.check_climatology, climatology_with(), capsys, TRAIN_DAYS, TRAIN_TEMPS)


@pytest.mark.parametrize("wrong, match", [
    (climatology_with(year=None), "wraps round the year's end"),
    (climatology_with(width=2), r"both ends included \(<= 3\)"),
    (climatology_with(stat=np.median), "not their median"),
    (climatology_with(year=366), "with 365 days"),
    (climatology_with(width=7), "not 7"),
    (climatology_with(days=TRAIN_DAYS[:366], temps=TRAIN_TEMPS[:366]), "your forecast differs from the reference"),
    (lambda target_days: float(climatology_with()(target_days).mean()), "one forecast per target day"),
])
def test_climatology_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_climatology, wrong, match, TRAIN_DAYS, TRAIN_TEMPS)


# --------------------------------------------------------------------------- 11 ex 1: fit_scaler

def fit_scaler(train_values: np.ndarray):
    mean_, std_ = float(np.mean(train_values)), float(np.std(train_values))
    return lambda values: (np.asarray(values) - mean_) / std_


def test_fit_scaler_passes(capsys) -> None:
    assert_passes(checks.check_fit_scaler, fit_scaler, capsys)
    sample_std = lambda train: lambda v: (v - train.mean()) / train.std(ddof=1)  # noqa: E731
    assert_passes(checks.check_fit_scaler, sample_std, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda train: lambda v: (v - v.mean()) / v.std(), "scaled with its own mean"),
    (lambda train: lambda v: (v - train.mean()), "divide by the standard deviation"),
    (lambda train: lambda v: (v - train.mean()) / train.var(), "not the variance"),
    (lambda train: lambda v: v / train.std(), "subtract the mean"),
    (lambda train: lambda v: (v - train.min()) / (train.max() - train.min()), "min-max"),
    (lambda train: lambda v: (v - np.concatenate([train, v]).mean()) / np.concatenate([train, v]).std(), "mixes"),
    (lambda train: (train - train.mean()) / train.std(), "must return a function.*not a ndarray"),
    (lambda train: lambda v: (v - np.median(train)) / train.std(), "the scaled training data differs"),
])
def test_fit_scaler_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_fit_scaler, wrong, match)


# --------------------------------------------------------------------------- 11 ex 2: binomial_p_value

def binomial_p_value(correct: int, n: int) -> float:
    distance = abs(correct - n / 2)
    return float(min(1.0, sum(comb(n, k) for k in range(n + 1) if abs(k - n / 2) >= distance) / 2 ** n))


def test_binomial_p_value_passes(capsys) -> None:
    assert_passes(checks.check_binomial_p_value, binomial_p_value, capsys)


def _normal_approximation(correct: int, n: int) -> float:
    from math import erf, sqrt

    z = abs(correct - n / 2) / sqrt(n / 4)
    return 1 - erf(z / sqrt(2))


@pytest.mark.parametrize("wrong, match", [
    (lambda c, n: sum(comb(n, k) for k in range(c, n + 1)) / 2 ** n, r"one-sided \(only the upper tail"),
    (lambda c, n: sum(comb(n, k) for k in range(c + 1)) / 2 ** n, r"one-sided \(only the lower tail"),
    (lambda c, n: sum(comb(n, k) for k in range(1, n + 1) if abs(k - n / 2) >= abs(c - n / 2)) / 2 ** n,
     "leaves out k = 0 or k = n"),
    (lambda c, n: sum(comb(n, k) for k in range(n + 1) if abs(k - n / 2) > abs(c - n / 2)) / 2 ** n, ">=, not >"),
    (lambda c, n: 2 * sum(comb(n, k) for k in range(max(c, n - c), n + 1)) / 2 ** n, "cap it at 1"),
    (lambda c, n: sum(comb(n, k) for k in range(n) if abs(k - n / 2) >= abs(c - n / 2)) / 2 ** n,
     "leaves out k = 0 or k = n"),
    (lambda c, n: comb(n, c) / 2 ** n, "probability of exactly"),
    (lambda c, n: float(sum(comb(n, k) for k in range(n + 1) if abs(k - n / 2) >= abs(c - n / 2))),
     r"divide the number of outcomes by 2 \*\* n"),
    (_normal_approximation, r"for correct=10, n=10 you give 0\.00156.*not the exact binomial probability"),
])
def test_binomial_p_value_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_binomial_p_value, wrong, match)


# --------------------------------------------------------------------------- 05 ex 1: nearest_words

def nearest_words(word, words, vectors, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit[words.index(word)]
    order = [i for i in np.argsort(-similarity, kind="stable") if words[i] != word]
    return [words[i] for i in order[:k]]


def test_nearest_words_passes(capsys) -> None:
    assert_passes(checks.check_nearest_words, nearest_words, capsys)


def _ranked_by(score):
    def fn(word, words, vectors, k):
        s = score(vectors, vectors[words.index(word)])
        return [words[i] for i in np.argsort(-s, kind="stable") if words[i] != word][:k]
    return fn


@pytest.mark.parametrize("wrong, match", [
    (lambda word, words, vectors, k: [words[i] for i in np.argsort(
        -(vectors / np.linalg.norm(vectors, axis=1, keepdims=True)) @ (vectors[words.index(word)]
          / np.linalg.norm(vectors[words.index(word)])), kind="stable")][:k], "itself is in your list"),
    (_ranked_by(lambda v, q: v @ q), "dot product"),
    (_ranked_by(lambda v, q: -np.linalg.norm(v - q, axis=1)), "Euclidean"),
    (_ranked_by(lambda v, q: -(v @ q) / np.linalg.norm(v, axis=1)), "least similar"),
    (lambda word, words, vectors, k: np.array(nearest_words(word, words, vectors, k)), "return a list"),
    (lambda word, words, vectors, k: nearest_words(word, words, vectors, k)[:-1] + ["w0"], "most cosine-similar"),
])
def test_nearest_words_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_nearest_words, wrong, match)


# --------------------------------------------------------------------------- 06 ex 1: temperature_softmax

def temperature_softmax(logits, temperature):
    z = logits / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def test_temperature_softmax_passes(capsys) -> None:
    assert_passes(checks.check_temperature_softmax, temperature_softmax, capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda z, t: temperature_softmax(z * t * t, t), "multiplies the logits by the temperature"),
    (lambda z, t: temperature_softmax(z * t, t), "temperature is not used"),
    (lambda z, t: np.exp(z / t - (z / t).max()) * 0 + np.exp(z / t), "do not sum to 1"),
    (lambda z, t: temperature_softmax(z * t, t) / t, "divides the probabilities"),
    (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "overflows"),
    (lambda z, t: temperature_softmax(z, t)[:-1], "shape"),
])
def test_temperature_softmax_diagnoses(wrong, match) -> None:
    assert_fails(checks.check_temperature_softmax, wrong, match)


# --------------------------------------------------------------------------- checks that learners trust

def test_an_endless_loop_is_stopped_with_a_message(monkeypatch) -> None:
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.3)

    def forever(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        while True:
            pass

    with pytest.raises(CheckFailed, match=r"no result after 0.3 s: an endless loop\?"):
        checks.check_lstm_step(forever)


@pytest.mark.parametrize("dtype, match", [(np.float16, "float16, too imprecise"), (np.int64, "integer dtype"),
                                          (np.complex128, "complex")])
def test_wrong_dtypes_are_named(dtype, match) -> None:
    def cast(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
        return h.astype(dtype), c.astype(dtype)

    assert_fails(checks.check_lstm_step, cast, match)


def test_changing_an_input_in_place_fails_with_that_message() -> None:
    def in_place(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
        c_prev *= 0.0
        return h, c

    assert_fails(checks.check_lstm_step, in_place, "changed its input `c_prev` in place")


def test_huge_printed_output_does_not_bury_the_verdict(capsys) -> None:
    def chatty(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        print("x" * 100_000)
        return lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)

    checks.check_lstm_step(chatty)
    out = capsys.readouterr().out
    assert len(out) < checks.MAX_PRINTED + 200 and "more characters of your output not shown" in out
    assert out.rstrip().endswith("lstm_step: passed (4 checks)")


def test_the_h_t_hint_is_only_given_when_c_t_is_right() -> None:
    def both_wrong(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
        return h + 0.37, c + 0.21

    with pytest.raises(CheckFailed) as info:
        checks.check_lstm_step(both_wrong)
    assert "c_t is right" not in str(info.value) and "fix c_t first" in str(info.value)

    def h_wrong(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
        return h + 0.37, c

    assert_fails(checks.check_lstm_step, h_wrong, "c_t is right, so look at h_t")


# --------------------------------------------------------------------------- the notebooks' own solutions

from utils import course  # noqa: E402
from utils.coursework import graded_solutions  # noqa: E402

# What the notebooks' solutions read from their notebook besides their arguments: this file's data.
NOTEBOOK_DATA = {"x_probe": X_PROBE, "k_probe": K_PROBE, "Q": Q, "n_units": N_UNITS,
                 "train_days": TRAIN_DAYS, "train_temps": TRAIN_TEMPS}
GRADED = [(path, graded) for path in course.notebooks() for graded in graded_solutions(path)]


def test_every_checked_exercise_is_found() -> None:
    names = {name for _, graded in GRADED for name in graded.functions}
    for expected in ("count_stacked_params", "lstm_step", "gru_step", "climatology", "binomial_p_value",
                     "nearest_words", "temperature_softmax"):
        assert expected in names, expected


@pytest.mark.parametrize(("path", "graded"), GRADED, ids=[f"{p.name[:2]}-{'-'.join(g.functions)}" for p, g in GRADED])
def test_the_notebooks_reference_solution_passes_its_check(path, graded, capsys) -> None:
    # The solution is the notebook's own code, so a change in a notebook is checked here at once.
    namespace = {"np": np, **NOTEBOOK_DATA}
    from utils.scratch import simple_rnn_state_jacobians

    namespace["simple_rnn_state_jacobians"] = simple_rnn_state_jacobians
    for statement in graded.imports:
        exec(statement, namespace)  # the course's own notebook code
    for source in graded.functions.values():
        exec(source, namespace)
    for call in graded.checks:
        exec(call, namespace)
        out = capsys.readouterr().out.strip().splitlines()
        assert out and ": passed (" in out[-1], f"{path.name}: {call} printed {out[-1:] or 'nothing'}"
