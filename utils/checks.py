"""Checks for the exercises: a short pass line, or a short message that says what is wrong.

Usage, in a notebook, right after the exercise::

    from utils.checks import check_lstm_step

    check_lstm_step(lstm_step)   # prints "lstm_step: passed (4 checks)", or fails with one message

Each check calls your function on inputs it makes itself (with fixed seeds), compares the
result with a reference, and when they differ compares it with what the typical mistakes
give (a wrong gate order, a missing derivative, an off-by-one index, ...), so that the
message names the mistake; otherwise it reports the largest difference.

A failure raises :class:`CheckFailed`, an ``AssertionError`` whose ``_render_traceback_``
makes IPython show only the message instead of a traceback: the cell still fails, so nbval
and graders see it. An exception raised by your function, including the
``NotImplementedError`` of an unanswered exercise in a student version, becomes a
``CheckFailed`` that names it and the inputs it was called with.

Checks that need a notebook's data take it as arguments (``check_climatology(climatology,
train_days, train_temps)``); your function is still called the way the exercise says.

Used by the exercises of notebooks 01, 02, 03, 04, 05, 06, 10 and 11; tests/test_checks.py runs every
check against the reference solution taken from its notebook.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from math import comb
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from utils.scratch import simple_rnn_forward, simple_rnn_state_jacobians

__all__ = [
    "CheckFailed", "check_binomial_p_value", "check_bptt_step", "check_climatology", "check_count_stacked_params",
    "check_crossing_radius", "check_fit_scaler", "check_forget_bias_for_half_life", "check_gru_step",
    "check_last_real_state", "check_lstm_step", "check_nearest_words", "check_norm_at_distance", "check_persistence",
    "check_rnn_outputs", "check_temperature_softmax",
]

Array = NDArray[np.float64]
Mistake = tuple[str, Callable[[], Sequence[Any]]]  # message, and the outputs that mistake gives


#: Seconds a learner's function may run in one call before the check stops it.
TIME_LIMIT_S = 20
#: Characters of the learner's own printed output shown during a check; the rest is cut.
MAX_PRINTED = 2000


class _TimeUp(Exception):
    """Raised inside the learner's function when its time is up."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeUp` in the main thread after ``seconds`` (a no-op where SIGALRM does not exist)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def time_up(signum: int, frame: Any) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _show_printed(text: str) -> None:
    if len(text) > MAX_PRINTED:
        text = text[:MAX_PRINTED] + f"\n... ({len(text) - MAX_PRINTED:,d} more characters of your output not shown)\n"
    if text:
        sys.stdout.write(text)


class CheckFailed(AssertionError):
    """An exercise check failed; the message says what is wrong, in a sentence or two."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone."""
        return str(self).splitlines()


# --------------------------------------------------------------------------- machinery

def _describe(args: dict[str, Any]) -> str:
    parts = []
    for key, value in args.items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.size <= 8:
            parts.append(f"{key} = {value.tolist()}")
        elif isinstance(value, np.ndarray):
            parts.append(f"{key} of shape {value.shape}")
        elif isinstance(value, list | tuple) and all(isinstance(v, np.ndarray) for v in value):
            parts.append(f"{key} = arrays of shapes {', '.join(str(v.shape) for v in value)}")
        else:
            parts.append(f"{key} = {value!r}")
    return ", ".join(parts) if parts else "no arguments"


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "None (did you forget `return`?)"
    if isinstance(value, tuple | list):
        return f"{len(value)} values"
    shape = np.shape(value) if isinstance(value, np.ndarray | np.generic | float | int) else None
    return f"one array of shape {shape}" if shape else type(value).__name__


class _Check:
    """Calls the learner's function, counts what passed and raises :class:`CheckFailed` with a clear message."""

    def __init__(self, name: str, fn: Callable[..., Any], rtol: float = 1e-5, atol: float = 1e-7) -> None:
        if not callable(fn):
            raise CheckFailed(f"{name}: pass your function itself, check_{name}({name}), not its result "
                              f"(you passed a value of type {type(fn).__name__}).")
        self.name, self.fn, self.rtol, self.atol, self.count = name, fn, rtol, atol, 0

    def fail(self, message: str) -> NoReturn:
        raise CheckFailed(f"{self.name}: {message}")

    def passed(self) -> None:
        print(f"{self.name}: passed ({self.count} checks)")

    def call(self, args: dict[str, Any], fn: Callable[..., Any] | None = None, what: str = "your function") -> Any:
        """Call ``fn`` (the learner's function by default) on copies of ``args``, in order.

        The call is stopped after :data:`TIME_LIMIT_S` seconds (where the platform allows),
        what it prints is cut to :data:`MAX_PRINTED` characters so that the verdict stays
        visible, and a function that changes an input array in place fails with that message.
        """
        copies = {key: _copy(value) for key, value in args.items()}
        printed = io.StringIO()
        try:
            with _time_limit(TIME_LIMIT_S), contextlib.redirect_stdout(printed):
                result = (fn or self.fn)(*copies.values())
        except NotImplementedError as err:
            raise CheckFailed(f"{self.name}: not answered yet ({what} raised NotImplementedError). Replace the "
                              "`raise NotImplementedError(...)` line with your answer and run the cell again.") from err
        except _TimeUp as err:
            raise CheckFailed(f"{self.name}: no result after {TIME_LIMIT_S} s: an endless loop? ({what} was called "
                              f"with {_describe(args)}.)") from err
        except Exception as err:  # any error of the learner's code becomes a short message
            raise CheckFailed(f"{self.name}: {what} raised {type(err).__name__}: {err} "
                              f"when called with {_describe(copies)}.") from err
        finally:
            _show_printed(printed.getvalue())
        if fn is None:
            for key, value in args.items():
                if isinstance(value, np.ndarray) and not np.array_equal(value, copies[key], equal_nan=True):
                    raise CheckFailed(f"{self.name}: your function changed its input `{key}` in place; compute "
                                      "new arrays instead (for example `x = x + 1`, not `x += 1`).")
        return result

    def unpack(self, value: Any, labels: Sequence[str]) -> tuple[Any, ...]:
        if isinstance(value, np.ndarray) and value.ndim > 1 and len(value) == len(labels):
            return tuple(value)  # a stacked array unpacks like a tuple
        if not isinstance(value, tuple | list) or len(value) != len(labels):
            self.fail(f"return {len(labels)} values, ({', '.join(labels)}); you returned {_kind(value)}.")
        return tuple(value)

    def array(self, value: Any, label: str, shape: tuple[int, ...],
              hints: dict[tuple[int, ...], str] | None = None) -> Array:
        """Return ``value`` as a finite float array of ``shape``, or fail saying what it is instead."""
        wanted = "a single number" if shape == () else f"an array of shape {shape}"
        if value is None:
            self.fail(f"{label} is None: did you forget `return`?")
        if callable(value):
            self.fail(f"{label} is a function; expected {wanted}.")
        dtype = getattr(value, "dtype", None)
        if isinstance(dtype, np.dtype) and shape != ():
            if dtype.kind == "c":
                self.fail(f"{label} is complex ({dtype}); expected real numbers.")
            if dtype.kind == "f" and dtype.itemsize < 4:
                self.fail(f"{label} has dtype {dtype}, too imprecise for this check: compute in float32 or float64.")
            if dtype.kind in "iub":
                self.fail(f"{label} has the integer dtype {dtype}; expected floating-point numbers (an array made "
                          "with dtype=int, or integer division?).")
        try:
            if isinstance(value, str | bytes):
                raise TypeError("text is not a number")
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(f"{label} should be {wanted}, got a {type(value).__name__}.")
        if array.shape != shape:
            hint = (hints or {}).get(array.shape)
            if hint is None and len(shape) == 2 and array.shape == shape[::-1]:
                hint = "it looks transposed"
            self.fail(f"{label} has shape {array.shape}, expected {shape}" + (f": {hint}." if hint else "."))
        if not np.isfinite(array).all():
            self.fail(f"{label} contains NaN or infinite values.")
        self.count += 1
        return array

    def close(self, mine: Sequence[Any], other: Sequence[Any]) -> bool:
        if len(mine) != len(other):
            return False
        for a, b in zip(mine, other, strict=True):
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
            if a.shape != b.shape or not np.allclose(a, b, rtol=self.rtol, atol=self.atol):
                return False
        return True

    def diagnose(self, mine: Sequence[Any], mistakes: Iterable[Mistake]) -> None:
        """Fail with the message of the first mistake whose outputs equal ``mine``."""
        for message, compute in mistakes:
            try:
                with np.errstate(all="ignore"):
                    wrong = compute()
            except (ArithmeticError, ValueError, IndexError):
                continue  # this mistake cannot happen on these inputs
            if self.close(mine, wrong):
                self.fail(message)

    def differ(self, mine: Sequence[Array], reference: Sequence[Array], labels: Sequence[str],
               hint: str | dict[str, str] = "") -> None:
        """Fail naming the first output that differs from the reference, and by how much."""
        for label, a, b in zip(labels, mine, reference, strict=True):
            if self.close([a], [b]):
                continue
            diff = np.abs(np.asarray(a) - np.asarray(b))
            where = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))
            at = f" (at index {where})" if diff.ndim else ""
            extra = hint.get(label, "") if isinstance(hint, dict) else hint
            self.fail(f"{label} differs from the reference by up to {diff.max():.3g}{at}. {extra}".strip())

    def compare(self, mine: Sequence[Array], reference: Sequence[Array], labels: Sequence[str],
                mistakes: Iterable[Mistake] = (), hint: str | dict[str, str] = "") -> None:
        if not self.close(mine, reference):
            self.diagnose(mine, mistakes)
            self.differ(mine, reference, labels, hint)
        self.count += len(mine)


def _sigmoid(v: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * v))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


# --------------------------------------------------------------------------- 01 simple RNN

def _stacked_params(d: int, n1: int, n2: int, m: int) -> int:
    return n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * (n2 + 1)


def check_count_stacked_params(fn: Callable[[int, int, int, int], int]) -> None:
    """Notebook 01, exercise 1: ``count_stacked_params(d, n1, n2, m)`` for SimpleRNN, SimpleRNN, Dense."""
    check = _Check("count_stacked_params", fn, rtol=0, atol=0)
    cases = [(1, 1, 1, 1), (3, 4, 5, 2), (13, 32, 16, 10), (7, 2, 9, 3)]
    mine = []
    for d, n1, n2, m in cases:
        value = check.array(check.call({"d": d, "n1": n1, "n2": n2, "m": m}), "your count", ())
        mine.append(float(value))
    formulas: list[tuple[str, Callable[[int, int, int, int], int]]] = [
        ("the second layer reads the first layer's n1 states, not the d input features: "
         "it has n2 * (n1 + n2 + 1) parameters.", lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (d + n2 + 1)
         + m * (n2 + 1)),
        ("the recurrent layers' biases are missing: SimpleRNN(n) on d features has n * (d + n + 1) parameters.",
         lambda d, n1, n2, m: n1 * (d + n1) + n2 * (n1 + n2) + m * (n2 + 1)),
        ("the Dense layer's bias is missing: Dense(m) on n2 inputs has m * (n2 + 1) parameters.",
         lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * n2),
        ("the biases are missing: every layer has one bias per unit.",
         lambda d, n1, n2, m: n1 * (d + n1) + n2 * (n1 + n2) + m * n2),
        ("the recurrent kernels are missing: each SimpleRNN(n) also has an n x n matrix from its previous state.",
         lambda d, n1, n2, m: n1 * (d + 1) + n2 * (n1 + 1) + m * (n2 + 1)),
        ("the Dense layer reads the second layer's n2 units, so it has m * (n2 + 1) parameters.",
         lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1) + m * (n1 + 1)),
        ("the Dense layer is missing from your count: it has m * (n2 + 1) parameters.",
         lambda d, n1, n2, m: n1 * (d + n1 + 1) + n2 * (n1 + n2 + 1)),
    ]
    reference = [float(_stacked_params(*case)) for case in cases]
    if not check.close(mine, reference):
        check.diagnose(mine, [(message, lambda f=f: [f(*case) for case in cases]) for message, f in formulas])
        k = next(k for k in range(len(cases)) if mine[k] != reference[k])
        d, n1, n2, m = cases[k]
        check.fail(f"for d={d}, n1={n1}, n2={n2}, m={m} you count {mine[k]:g}, but the model has "
                   f"{reference[k]:g} parameters. Count each layer as inputs x units + units x units + units.")
    check.passed()


def check_rnn_outputs(fn: Callable[[Array, list, list], Array]) -> None:
    """Notebook 01, exercise 2: ``rnn_outputs(x, rnn_weights, dense_weights)``, one output per step."""
    check = _Check("rnn_outputs", fn)
    rng = np.random.default_rng(1)
    batch, steps, d, n, m = 3, 6, 3, 5, 2
    x = rng.normal(size=(batch, steps, d))
    rnn_weights = [rng.normal(0, 0.5, (d, n)), rng.normal(0, 0.5, (n, n)), rng.normal(0, 0.3, n)]
    dense_kernel, dense_bias = rng.normal(0, 0.5, (n, m)), rng.normal(0, 0.5, m)
    hints = {(batch, m): "that is one output per sequence; return one for every step, from all the hidden states",
             (batch, steps, n): "these look like the hidden states: apply the Dense layer to them",
             (steps, batch, m): "the batch and time axes are swapped",
             (batch, 1, m): "return an output for every step, from every hidden state"}
    mine = check.array(check.call({"x": x, "rnn_weights": rnn_weights, "dense_weights": [dense_kernel, dense_bias]}),
                       "your output", (batch, steps, m), hints)
    hs, h_last = simple_rnn_forward(x, rnn_weights)
    reference = hs @ dense_kernel + dense_bias
    shifted = np.concatenate([np.zeros((batch, 1, n)), hs[:, :-1]], axis=1) @ dense_kernel + dense_bias
    logits = np.exp(reference - reference.max(axis=-1, keepdims=True))
    mistakes: list[Mistake] = [
        ("the Dense layer's bias is missing: y_t = h_t @ dense_kernel + dense_bias.", lambda: [hs @ dense_kernel]),
        ("the outputs are linear: y_t = h_t @ dense_kernel + dense_bias, with no tanh.", lambda: [np.tanh(reference)]),
        ("the outputs are linear: y_t = h_t @ dense_kernel + dense_bias, with no softmax.",
         lambda: [logits / logits.sum(axis=-1, keepdims=True)]),
        ("every step uses the last hidden state; y_t must use that step's h_t (all of hs).",
         lambda: [np.broadcast_to((h_last @ dense_kernel + dense_bias)[:, None], reference.shape)]),
        ("your outputs are one step late: y_t uses h_t, the state after reading x_t.", lambda: [shifted]),
    ]
    check.compare([mine], [reference], ["your output"], mistakes,
                  "It should be simple_rnn_forward's hidden states times dense_kernel, plus dense_bias.")
    check.passed()


# --------------------------------------------------------------------------- 02 backpropagation through time

def _bptt_grads(delta: Array, h_prev: Array, x_t: Array, kernel: Array, recurrent: Array) -> list[Array]:
    return [delta @ recurrent.T, x_t.T @ delta, h_prev.T @ delta, delta.sum(axis=0), delta @ kernel.T]


def check_bptt_step(fn: Callable[..., tuple]) -> None:
    """Notebook 02, exercise 1: ``bptt_step(dh, h_t, h_prev, x_t, kernel, recurrent)``, one step of BPTT."""
    check = _Check("bptt_step", fn)
    rng = np.random.default_rng(7)
    batch, d, n = 3, 4, 4  # d == n: a kernel/recurrent mix-up gives wrong values, which the check can name
    x_t, h_prev, dh = rng.normal(size=(batch, d)), np.tanh(rng.normal(size=(batch, n))), rng.normal(size=(batch, n))
    kernel, recurrent, bias = rng.normal(0, 0.5, (d, n)), rng.normal(0, 0.5, (n, n)), rng.normal(0, 0.1, n)
    h_t = np.tanh(x_t @ kernel + h_prev @ recurrent + bias)
    labels = ["dh_prev", "dkernel", "drecurrent", "dbias", "dx"]
    shapes = [(batch, n), (d, n), (n, n), (n,), (batch, d)]
    result = check.unpack(check.call({"dh": dh, "h_t": h_t, "h_prev": h_prev, "x_t": x_t, "kernel": kernel,
                                      "recurrent": recurrent}), labels)
    bias_hints = {(batch, n): "sum delta over the batch, delta.sum(axis=0)",
                  (batch,): "sum over the batch (axis 0), not over the units"}
    mine = [check.array(value, label, shape, bias_hints if label == "dbias" else None)
            for value, label, shape in zip(result, labels, shapes, strict=True)]
    delta = dh * (1 - h_t ** 2)
    reference = _bptt_grads(delta, h_prev, x_t, kernel, recurrent)
    if check.close(mine, reference):
        check.count += len(mine)
        check.passed()
        return
    grads = lambda dlt: _bptt_grads(dlt, h_prev, x_t, kernel, recurrent)  # noqa: E731
    check.diagnose(mine, [
        ("the tanh derivative is missing: delta = dh * (1 - h_t ** 2), and every gradient is computed from delta.",
         lambda: grads(dh)),
        ("the tanh derivative uses h_prev; it is 1 - h_t ** 2, from this step's new state.",
         lambda: grads(dh * (1 - h_prev ** 2))),
        ("the derivative of tanh is 1 - h_t ** 2 (squared), not 1 - h_t.", lambda: grads(dh * (1 - h_t))),
        ("h_t is already tanh(...): the derivative is 1 - h_t ** 2, without another tanh.",
         lambda: grads(dh * (1 - np.tanh(h_t) ** 2))),
        ("h_t * (1 - h_t) is the sigmoid's derivative; tanh's is 1 - h_t ** 2.", lambda: grads(dh * h_t * (1 - h_t))),
        ("every gradient has the wrong sign.", lambda: [-g for g in reference]),
    ])
    per_output: dict[str, list[tuple[str, Array]]] = {
        "dh_prev": [("dh_prev = delta @ recurrent.T: the step computed h_prev @ recurrent, so the gradient goes back "
                     "through its transpose.", delta @ recurrent),
                    ("dh_prev flows back through recurrent (which multiplied h_prev), not kernel.", delta @ kernel.T),
                    ("dh_prev must use delta = dh * (1 - h_t ** 2), not dh: the gradient passes through tanh first.",
                     dh @ recurrent.T)],
        "dkernel": [("dkernel is transposed: x_t.T @ delta has kernel's layout (features, units).", delta.T @ x_t),
                    ("kernel multiplies x_t, so dkernel = x_t.T @ delta (you used h_prev).", h_prev.T @ delta),
                    ("dkernel must use delta = dh * (1 - h_t ** 2), not dh.", x_t.T @ dh)],
        "drecurrent": [("drecurrent is transposed: h_prev.T @ delta has recurrent's layout (units, units).",
                        delta.T @ h_prev),
                       ("recurrent multiplies the previous state: drecurrent = h_prev.T @ delta, not h_t.T @ delta.",
                        h_t.T @ delta),
                       ("recurrent multiplies h_prev, so drecurrent = h_prev.T @ delta (you used x_t).", x_t.T @ delta),
                       ("drecurrent must use delta = dh * (1 - h_t ** 2), not dh.", h_prev.T @ dh)],
        "dbias": [("dbias is the sum of delta over the batch, delta.sum(axis=0), not the mean.", delta.mean(axis=0)),
                  ("dbias must use delta = dh * (1 - h_t ** 2), not dh.", dh.sum(axis=0))],
        "dx": [("dx flows back through kernel (which multiplied x_t), not recurrent: dx = delta @ kernel.T.",
                delta @ recurrent.T),
               ("dx = delta @ kernel.T: the step computed x_t @ kernel, so the gradient goes back through its "
                "transpose.",
                delta @ kernel),
               ("dx must use delta = dh * (1 - h_t ** 2), not dh.", dh @ kernel.T)],
    }
    def right_one(k: int) -> str | None:  # the reference output that mine[k] equals, if any
        return next((other for j, other in enumerate(labels) if check.close([mine[k]], [reference[j]])), None)

    found = [right_one(k) for k in range(len(labels))]
    misplaced = [(label, other) for label, other in zip(labels, found, strict=True) if other not in (None, label)]
    if misplaced and None not in found and sorted(found) == sorted(labels):  # a true reordering of the five
        check.fail(f"your {misplaced[0][0]} is the right {misplaced[0][1]}: return (dh_prev, dkernel, drecurrent, "
                   "dbias, dx) in this order.")
    for k, label in enumerate(labels):
        if found[k] != label:
            check.diagnose([mine[k]], [(message, lambda v=value: [v]) for message, value in per_output[label]])
            if found[k] is not None:
                check.fail(f"your {label} is the right {found[k]}: return (dh_prev, dkernel, drecurrent, dbias, dx) "
                           "in this order.")
    check.differ(mine, reference, labels, "With delta = dh * (1 - h_t ** 2), see section 2's backward loop.")


def _norm_at_distance(rho: float, x_probe: Array, k_probe: Array, q: Array, transpose: bool = True,
                      norm_ord: int | str = 2, last: bool = False, first_only: bool = False) -> float:
    recurrent = (rho * q).T if transpose else rho * q
    jac = simple_rnn_state_jacobians(x_probe, [k_probe, recurrent, np.zeros(q.shape[0])])
    block = jac[:, -1] if last else jac[:, 0]
    norms = np.linalg.norm(block[:1] if first_only else block, ord=norm_ord, axis=(1, 2))
    return float(norms.mean())


def check_norm_at_distance(fn: Callable[[float], float], x_probe: Array, k_probe: Array, q: Array) -> None:
    """Notebook 02, exercise 2: ``norm_at_distance(rho)`` for the probe RNN of section 4 (its data as arguments)."""
    check = _Check("norm_at_distance", fn)
    radii = (1.0, 1.3)
    mine = [float(check.array(check.call({"rho": rho}), "your norm", ())) for rho in radii]
    ref = lambda **options: [_norm_at_distance(rho, x_probe, k_probe, q, **options) for rho in radii]  # noqa: E731
    check.compare(mine, ref(), [f"norm_at_distance({rho})" for rho in radii], [
        ("jac[:, -1] is the identity (the last state against itself); distance 59 is jac[:, 0].",
         lambda: ref(last=True)),
        ("use the spectral norm, np.linalg.norm(..., ord=2, axis=(1, 2)), not the Frobenius norm.",
         lambda: ref(norm_ord="fro")),
        ("Keras' recurrent_kernel is W_hh transposed: pass (rho * Q).T.", lambda: ref(transpose=False)),
        ("average the norm over all probe sequences, not just the first.", lambda: ref(first_only=True)),
    ], "Use simple_rnn_state_jacobians(x_probe, [k_probe, (rho * Q).T, zeros]) and the mean spectral norm of "
       "jac[:, 0].")
    check.passed()


def check_crossing_radius(fn: Callable[[], float], norm_at_distance: Callable[[float], float]) -> None:
    """Notebook 02, exercise 2: ``crossing_radius()``, where your (checked) ``norm_at_distance`` crosses 1."""
    check = _Check("crossing_radius", fn)
    rho = float(check.array(check.call({}), "your radius", ()))
    if not 0.5 <= rho <= 3.0:
        check.fail(f"you found rho = {rho:.3g}, outside the search interval [0.5, 3.0].")
    below, above = (float(check.array(check.call({"rho": r}, norm_at_distance, "norm_at_distance"),
                                      f"norm_at_distance({r:.3f})", ())) for r in (rho - 0.01, rho + 0.01))
    if above < 1:
        check.fail(f"at rho + 0.01 = {rho + 0.01:.3f} the norm is still {above:.3g} < 1: the crossing lies at a larger "
                   "radius. When the norm at mid is below 1, the crossing is above mid: move low up.")
    if below > 1:
        check.fail(f"at rho - 0.01 = {rho - 0.01:.3f} the norm is already {below:.3g} > 1: the crossing lies at a "
                   "smaller radius. When the norm at mid is above 1, the crossing is below mid: move high down.")
    check.count += 1
    check.passed()


# --------------------------------------------------------------------------- 03 LSTM

_LSTM_BLOCKS = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}
_GRU_BLOCKS = {"z": "update gate", "r": "reset gate", "h": "candidate"}
_TERMS = {"x": "x_t", "h": "h_prev", "b": "its bias"}


def _blocks(order: str, n: int, terms: dict[str, Array], skip: frozenset[tuple[str, str]]) -> dict[str, Array]:
    """Slice each block's pre-activation, leaving out the ``(block or "*", term)`` pairs in ``skip``."""
    out = {}
    for k, name in enumerate(order):
        part = slice(k * n, (k + 1) * n)
        out[name] = sum((value[..., part] for term, value in terms.items()
                         if (name, term) not in skip and ("*", term) not in skip), start=np.zeros(()))
    return out


def _lstm_step(x: Array, h: Array, c: Array, kernel: Array, recurrent: Array, bias: Array, *, order: str = "ifgo",
               skip: frozenset[tuple[str, str]] = frozenset(), gate: Callable = _sigmoid, cand: Callable = np.tanh,
               cell: str = "right", out: str = "right") -> list[Array]:
    z = _blocks(order, h.shape[1], {"x": x @ kernel, "h": h @ recurrent, "b": bias}, skip)
    i, f, g, o = gate(z["i"]), gate(z["f"]), cand(z["g"]), gate(z["o"])
    c_t = {"right": f * c + i * g, "no forget": i * g, "no input gate": f * c + g, "coupled": f * c + (1 - f) * g,
           "h_prev": f * h + i * g}[cell]
    h_t = {"right": o * np.tanh(c_t), "no tanh": o * c_t, "no output gate": np.tanh(c_t), "c_prev": o * np.tanh(c)}[out]
    return [h_t, c_t]


def _gate_mistakes(step: Callable[..., list[Array]], names: dict[str, str], terms: str) -> list[Mistake]:
    """A whole layer, or one block, that leaves out one of its terms (x_t, h_prev or the bias)."""
    mistakes: list[Mistake] = []
    for term in terms:
        what = "the recurrent term h_prev @ recurrent_kernel is missing" if term == "h" else \
            "the input term x_t @ kernel is missing" if term == "x" else "the bias is missing"
        mistakes.append((f"every block ignores {_TERMS[term]}: {what}.",
                         lambda t=term: step(skip=frozenset({("*", t)}))))
    for block, term in itertools.product(names, terms):
        mistakes.append((f"the {names[block]} ignores {_TERMS[term]}: every block's pre-activation is "
                         "x_t @ kernel + h_prev @ recurrent_kernel + bias, sliced to that block.",
                         lambda b=block, t=term: step(skip=frozenset({(b, t)}))))
    return mistakes


def _order_mistakes(step: Callable[..., list[Array]], right: str, names: dict[str, str]) -> list[Mistake]:
    keras = ", ".join(f"{b} ({names[b]})" for b in right)
    orders = ["".join(order) for order in itertools.permutations(right)]
    return [(f"the blocks are unpacked in the order {', '.join(order)}, but Keras stores them as {keras}.",
             lambda o=order: step(order=o)) for order in orders if order != right]


def check_lstm_step(fn: Callable[..., tuple]) -> None:
    """Notebook 03, exercise 1: ``lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)`` -> ``(h_t, c_t)``."""
    check = _Check("lstm_step", fn)
    rng = np.random.default_rng(11)
    batch, d, n = 4, 3, 5
    args = {"x_t": rng.normal(size=(batch, d)), "h_prev": rng.normal(size=(batch, n)),
            "c_prev": rng.normal(size=(batch, n)), "kernel": rng.normal(0, 0.5, (d, 4 * n)),
            "recurrent_kernel": rng.normal(0, 0.5, (n, 4 * n)), "bias": rng.normal(0, 0.5, 4 * n)}
    labels = ["h_t", "c_t"]
    result = check.unpack(check.call(args), labels)
    mine = [check.array(value, label, (batch, n)) for value, label in zip(result, labels, strict=True)]
    step = lambda **options: _lstm_step(*args.values(), **options)  # noqa: E731
    reference = step()
    mistakes: list[Mistake] = [
        ("(h_t, c_t) are returned in the wrong order: return h_t first, then c_t.", lambda: reference[::-1]),
        *_order_mistakes(step, "ifgo", _LSTM_BLOCKS),
        ("c_t is missing the forget term: c_t = f * c_prev + i * g.", lambda: step(cell="no forget")),
        ("the candidate is not scaled by the input gate: c_t = f * c_prev + i * g.",
         lambda: step(cell="no input gate")),
        ("c_t uses 1 - f in place of the input gate: c_t = f * c_prev + i * g.", lambda: step(cell="coupled")),
        ("c_t = f * c_prev + i * g uses the previous cell state c_prev, not h_prev.", lambda: step(cell="h_prev")),
        ("h_t is missing the tanh: h_t = o * tanh(c_t).", lambda: step(out="no tanh")),
        ("h_t ignores the output gate: h_t = o * tanh(c_t).", lambda: step(out="no output gate")),
        ("h_t must use the new cell state: h_t = o * tanh(c_t), not tanh(c_prev).", lambda: step(out="c_prev")),
        ("the candidate g uses a sigmoid; it takes tanh (values from -1 to 1), the gates take sigmoids.",
         lambda: step(cand=_sigmoid)),
        ("the gates use tanh; gates take a sigmoid (values from 0 to 1), only the candidate takes tanh.",
         lambda: step(gate=np.tanh)),
        *_gate_mistakes(step, _LSTM_BLOCKS, "xhb"),
    ]
    c_right = check.close([mine[1]], [reference[1]])
    check.compare(mine, reference, labels, mistakes, {
        "h_t": "c_t is right, so look at h_t = o * tanh(c_t)." if c_right else
               "c_t is wrong as well, and h_t = o * tanh(c_t) is computed from it: fix c_t first.",
        "c_t": "c_t = f * c_prev + i * g, with i, f, o sigmoids and g a tanh of the blocks of "
               "x_t @ kernel + h_prev @ recurrent_kernel + bias.",
    })
    check.passed()


def check_forget_bias_for_half_life(fn: Callable[[int], float]) -> None:
    """Notebook 03, exercise 2: ``forget_bias_for_half_life(steps)``, the b_f that keeps half of c_0 after ``steps``."""
    check = _Check("forget_bias_for_half_life", fn)
    cases = (60, 10, 1, 200)
    mine = [float(check.array(check.call({"steps": steps}), "your bias", ())) for steps in cases]
    keep = [0.5 ** (1 / s) for s in cases]
    reference = [_logit(f) for f in keep]
    by_case = lambda f: lambda: [f(s, k) for s, k in zip(cases, keep, strict=True)]  # noqa: E731
    mistakes: list[Mistake] = [
        ("that is the keep probability per step, f = sigmoid(b_f); the bias is its logit, log(f / (1 - f)).",
         by_case(lambda s, k: k)),
        ("that is log(f); but f = sigmoid(b_f), so invert the sigmoid: b_f = log(f / (1 - f)).",
         by_case(lambda s, k: np.log(k))),
        ("sign error: b_f = log(f / (1 - f)), and f close to 1 needs a large positive bias.",
         by_case(lambda s, k: -_logit(k))),
        ("the gate acts once per step, so it must keep 0.5 ** (1 / steps) per step, not 0.5 ** steps.",
         by_case(lambda s, k: _logit(0.5 ** s))),
        ("the per-step keep probability is 0.5 ** (1 / steps); 0.5 / steps is not the steps-th root of 0.5.",
         by_case(lambda s, k: _logit(0.5 / s))),
        ("1 - 0.5 / steps only approximates the keep probability; use 0.5 ** (1 / steps) exactly.",
         by_case(lambda s, k: _logit(1 - 0.5 / s))),
        ("the cell is multiplied by f exactly `steps` times: use 0.5 ** (1 / steps), not steps + 1.",
         by_case(lambda s, k: _logit(0.5 ** (1 / (s + 1))))),
    ]
    if not check.close(mine, reference):
        check.diagnose(mine, mistakes)
    for steps, b in zip(cases, mine, strict=True):
        kept = _sigmoid(np.float64(b)) ** steps
        if abs(kept - 0.5) > 1e-6:
            check.fail(f"with b_f = {b:.4g} the forget gate is sigmoid(b_f) = {_sigmoid(np.float64(b)):.5f}, so after "
                       f"{steps} steps the cell keeps {kept:.3g} of its value, not 0.5.")
        check.count += 1
    check.passed()


# --------------------------------------------------------------------------- 04 GRU and masking

def _gru_step(x: Array, h: Array, kernel: Array, recurrent: Array, bias: Array, *, order: str = "zrh",
              skip: frozenset[tuple[str, str]] = frozenset(), reset: str = "after", biases: str = "both",
              swap_z: bool = False, gate: Callable = _sigmoid, cand: Callable = np.tanh,
              out: str = "h") -> list[Array]:
    b_in, b_rec = {"both": (bias[0], bias[1]), "input": (bias[0], 0 * bias[1]), "recurrent": (0 * bias[0], bias[1]),
                   "swapped": (bias[1], bias[0])}[biases]
    n = h.shape[1]
    xs = _blocks(order, n, {"x": x @ kernel, "b": np.broadcast_to(b_in, (x.shape[0], 3 * n))}, skip)
    hs = _blocks(order, n, {"h": h @ recurrent}, skip)
    bs = _blocks(order, n, {"b": np.broadcast_to(b_rec, (x.shape[0], 3 * n))}, frozenset())
    z, r = gate(xs["z"] + hs["z"] + bs["z"]), gate(xs["r"] + hs["r"] + bs["r"])
    if reset == "before":  # the original GRU: reset h_prev, then multiply by the candidate's recurrent block
        part = slice(order.index("h") * n, (order.index("h") + 1) * n)
        rec_h = 0 * hs["h"] if ("h", "h") in skip else (r * h) @ recurrent[:, part]
        pre = xs["h"] + rec_h + bs["h"]
    else:
        pre = {"after": xs["h"] + r * (hs["h"] + bs["h"]), "bias outside": xs["h"] + r * hs["h"] + bs["h"],
               "none": xs["h"] + hs["h"] + bs["h"]}[reset]
    candidate = cand(pre)
    if out == "candidate":
        return [candidate]
    return [(1 - z) * h + z * candidate if swap_z else z * h + (1 - z) * candidate]


def check_gru_step(fn: Callable[..., Array]) -> None:
    """Notebook 04, exercise 1: ``gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)`` with ``reset_after=True``."""
    check = _Check("gru_step", fn)
    rng = np.random.default_rng(5)
    batch, d, n = 4, 3, 5
    args = {"x_t": rng.normal(size=(batch, d)), "h_prev": rng.normal(size=(batch, n)),
            "kernel": rng.normal(0, 0.5, (d, 3 * n)), "recurrent_kernel": rng.normal(0, 0.5, (n, 3 * n)),
            "bias": rng.normal(0, 0.5, (2, 3 * n))}
    mine = check.array(check.call(args), "h_t", (batch, n))
    step = lambda **options: _gru_step(*args.values(), **options)  # noqa: E731
    original = ("this is the original GRU, with the reset applied before the product, (r * h_prev) @ R_h; Keras' "
                "default reset_after=True applies it after: r * (h_prev @ R_h + b_h).")
    check.compare([mine], step(), ["h_t"], [
        (original, lambda: step(reset="before")),
        (original, lambda: step(reset="before", biases="input")),
        ("z and 1 - z are swapped: h_t = z * h_prev + (1 - z) * candidate.", lambda: step(swap_z=True)),
        *_order_mistakes(step, "zrh", _GRU_BLOCKS),
        ("the recurrent bias bias[1] is missing: it is added to h_prev @ recurrent_kernel.",
         lambda: step(biases="input")),
        ("the input bias bias[0] is missing: it is added to x_t @ kernel.", lambda: step(biases="recurrent")),
        ("bias[0] is the input bias (added to x_t @ kernel) and bias[1] the recurrent one; you swapped them.",
         lambda: step(biases="swapped")),
        ("the candidate's recurrent bias goes inside the reset: tanh(x_h + r * (h_prev @ R_h + b_h)).",
         lambda: step(reset="bias outside")),
        ("the candidate ignores the reset gate: tanh(x_h + r * (h_prev @ R_h + b_h)).", lambda: step(reset="none")),
        ("you returned the candidate; h_t = z * h_prev + (1 - z) * candidate.", lambda: step(out="candidate")),
        ("the candidate uses a sigmoid; it takes tanh, the gates take sigmoids.", lambda: step(cand=_sigmoid)),
        ("the gates use tanh; z and r take a sigmoid, only the candidate takes tanh.", lambda: step(gate=np.tanh)),
        *_gate_mistakes(step, _GRU_BLOCKS, "xh"),
    ], "Check the block order z, r, h and the two biases: bias[0] with x_t, bias[1] with h_prev.")
    check.passed()


def check_last_real_state(fn: Callable[[Array, Array], Array]) -> None:
    """Notebook 04, exercise 2: ``last_real_state(hs, lengths)``, each sequence's state at its last real step."""
    check = _Check("last_real_state", fn)
    rng = np.random.default_rng(9)
    batch, steps, units = 4, 6, 3
    hs = rng.normal(size=(batch, steps, units))
    rows = np.arange(batch)
    for lengths in (np.array([3, 5, 1, 4]), np.array([6, 1, 2, 6])):
        hints = {(batch, batch, units): "hs[:, lengths - 1] takes every sequence at every length; pair each row "
                                        "with its own length, hs[np.arange(len(hs)), lengths - 1]",
                 (batch, steps, units): "return one state per sequence",
                 (units,): "return one state per sequence"}
        mine = check.array(check.call({"hs": hs, "lengths": lengths}), "your result", (batch, units), hints)
        check.compare([mine], [hs[rows, lengths - 1]], ["your result"], [
            ("off by one: a sequence of length L has its last real state at index L - 1.",
             lambda lengths=lengths: [hs[rows, lengths]]),
            ("off by one: a sequence of length L has its last real state at index L - 1, not L - 2.",
             lambda lengths=lengths: [hs[rows, lengths - 2]]),
            ("hs[:, -1] is the state after the padding; take each sequence's state at index length - 1.",
             lambda: [hs[:, -1]]),
            ("hs[:, 0] is the first state; take each sequence's state at index length - 1.", lambda: [hs[:, 0]]),
            ("every sequence must use its own length, not the longest one.",
             lambda lengths=lengths: [hs[:, lengths.max() - 1]]),
            ("the sequences are post-padded (real steps first), so the last real step is at index length - 1.",
             lambda lengths=lengths: [hs[rows, steps - lengths]]),
        ], "Take hs[b, lengths[b] - 1] for every sequence b.")
    check.passed()


# --------------------------------------------------------------------------- 05 sentiment

def _unit_rows(m: Array) -> Array:
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def check_nearest_words(fn: Callable[[str, Sequence[str], Array, int], list[str]]) -> None:
    """Notebook 05, exercise 1: ``nearest_words(word, words, vectors, k)``, the k most cosine-similar others."""
    check = _Check("nearest_words", fn)
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(12)]
    vectors = rng.normal(size=(12, 5)) * rng.uniform(0.2, 5.0, size=(12, 1))  # lengths differ a lot
    vectors[7] = 3.0 * vectors[2] + 0.01 * rng.normal(size=5)  # w7 points where w2 points, but is longer

    def ranked(scores: Array, query: int, k: int, drop_self: bool = True, descending: bool = True) -> list[str]:
        order = [int(i) for i in np.argsort(-scores if descending else scores, kind="stable")
                 if not (drop_self and i == query)]
        return [words[i] for i in order[:k]]

    for query, k in ((2, 3), (0, 4), (11, 1)):
        got = check.call({"word": words[query], "words": list(words), "vectors": vectors, "k": k})
        if not isinstance(got, list | tuple) or not all(isinstance(w, str) for w in got):
            check.fail(f"return a list of {k} words (strings); you returned {_kind(got)}.")
        got = list(got)
        cosine = _unit_rows(vectors) @ _unit_rows(vectors)[query]
        reference = ranked(cosine, query, k)
        if got != reference:
            mistakes = [
                (f"{words[query]!r} itself is in your list: leave the word out of its own neighbours.",
                 ranked(cosine, query, k, drop_self=False)),
                ("that ranks by dot product, which favours long vectors; cosine similarity divides by both lengths.",
                 ranked(vectors @ vectors[query], query, k)),
                ("that ranks by Euclidean distance, which depends on the vectors' lengths; use cosine similarity.",
                 ranked(-np.linalg.norm(vectors - vectors[query], axis=1), query, k)),
                ("those are the least similar words: sort by similarity from the highest down.",
                 ranked(cosine, query, k, descending=False)),
            ]
            for message, wrong in mistakes:
                if got == wrong:
                    check.fail(message)
            check.fail(f"for {words[query]!r} with k={k} you give {got}; the {k} most cosine-similar other words "
                       f"are {reference}.")
        check.count += 1
    check.passed()


# --------------------------------------------------------------------------- 06 text generation

def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max())
    return e / e.sum()


def check_temperature_softmax(fn: Callable[[Array, float], Array]) -> None:
    """Notebook 06, exercise 1: ``temperature_softmax(logits, temperature)``, the distribution sampled from."""
    check = _Check("temperature_softmax", fn, rtol=1e-6, atol=1e-9)
    rng = np.random.default_rng(6)
    cases = [(rng.normal(size=7) * 3, 1.0), (rng.normal(size=7) * 3, 0.5), (rng.normal(size=9) * 2, 2.0),
             (np.array([2.0, 1.0, 0.0, -1.0]), 0.05)]
    for logits, temperature in cases:
        args = {"logits": logits, "temperature": temperature}
        mine = check.array(check.call(args), "your probabilities", logits.shape)
        reference = _softmax(logits / temperature)
        check.compare([mine], [reference], ["your probabilities"], mistakes=[
            ("that multiplies the logits by the temperature; divide them by it (T > 1 must flatten the distribution).",
             lambda z=logits, t=temperature: [_softmax(z * t)]),
            ("the temperature is not used: divide the logits by it before the softmax.",
             lambda z=logits: [_softmax(z)]),
            ("the probabilities do not sum to 1: divide by the sum of the exponentials.",
             lambda z=logits, t=temperature: [np.exp(z / t)]),
            ("that divides the probabilities, not the logits, by the temperature.",
             lambda z=logits, t=temperature: [_softmax(z) / t]),
        ], hint="p_i = exp(z_i / T) / sum_j exp(z_j / T).")
    large = np.array([1000.0, 999.0, 0.0])
    with np.errstate(all="ignore"):
        got = np.asarray(check.call({"logits": large, "temperature": 1.0}), dtype=np.float64)
    if got.shape != large.shape or not np.isfinite(got).all():
        check.fail("for logits [1000, 999, 0] your result is not finite: exp(1000) overflows. Subtract the largest "
                   "logit before taking exponentials (it cancels in the ratio).")
    check.compare([got], [_softmax(large)], ["your probabilities for logits [1000, 999, 0]"])
    check.passed()


# --------------------------------------------------------------------------- 10 weather forecasting

def check_persistence(fn: Callable[[Array, Array, int], Array]) -> None:
    """Notebook 10, exercise 1: ``persistence(temps, origins, horizon)``, on a synthetic series."""
    check = _Check("persistence", fn)
    rng = np.random.default_rng(10)
    temps = np.round(15 + 5 * rng.normal(size=40), 1)
    for origins, horizon in ((np.array([3, 10, 11, 25, 33]), 4), (np.array([0, 30]), 1)):
        count = len(origins)
        hints = {(horizon, count): "rows are origins and columns horizons: shape (len(origins), horizon)",
                 (count,): "repeat the forecast for each of the `horizon` days: shape (len(origins), horizon)"}
        args = {"temps": temps, "origins": origins, "horizon": horizon}
        mine = check.array(check.call(args), "your forecast", (count, horizon), hints)
        reference = np.repeat(temps[origins][:, None], horizon, axis=1)
        check.compare([mine], [reference], ["your forecast"], [
            ("those are the true temperatures of the target days: a forecast made at an origin may use only days "
             "up to the origin.", lambda origins=origins, horizon=horizon:
             [temps[origins[:, None] + np.arange(1, horizon + 1)]]),
            ("you used the day after the origin; persistence repeats the origin's own temperature, temps[origin].",
             lambda origins=origins, horizon=horizon: [np.repeat(temps[origins + 1][:, None], horizon, axis=1)]),
            ("you used the day before the origin; persistence repeats the origin's own temperature, temps[origin].",
             lambda origins=origins, horizon=horizon: [np.repeat(temps[origins - 1][:, None], horizon, axis=1)]),
            ("that is the average of the past; persistence repeats the origin's own temperature, temps[origin].",
             lambda origins=origins, horizon=horizon: [np.repeat(
                 np.array([temps[:o + 1].mean() for o in origins])[:, None], horizon, axis=1)]),
        ], "Row k should repeat temps[origins[k]] for every horizon.")
        for k, origin in enumerate(origins):
            tampered = temps.copy()
            tampered[origin + 1:] = 99.0  # change every day after this origin
            again = check.array(check.call({"temps": tampered, "origins": origins[k:k + 1], "horizon": horizon}),
                                "your forecast", (1, horizon))
            if not check.close([again], [reference[k:k + 1]]):
                check.fail(f"your forecast from day {origin} changed when the days after it changed: "
                           "it reads the future.")
    check.passed()


def check_climatology(fn: Callable[[Array], Array], train_days: Array, train_temps: Array) -> None:
    """Notebook 10, exercise 2: ``climatology(target_days)``, given the training days and temperatures it uses."""
    check = _Check("climatology", fn, rtol=1e-9, atol=1e-9)
    train_days, train_temps = np.asarray(train_days), np.asarray(train_temps, dtype=np.float64)
    targets = np.array([1, 2, 4, 60, 200, 300, 362, 365, 366])
    mine = check.array(check.call({"target_days": targets}), "your forecast", targets.shape,
                       {(): "return one forecast per target day"})

    def average(width: int = 3, year: int | None = 365, stat: Callable = np.mean) -> list[Array]:
        distance = np.abs(targets[:, None] - train_days[None, :])
        if year is not None:
            distance = np.minimum(distance, year - distance)
        return [np.array([stat(train_temps[row <= width]) for row in distance])]

    check.compare([mine], average(), ["your forecast"], [
        ("around 1 January the window wraps round the year's end: day 1 is within 3 days of day 364.",
         lambda: average(year=None)),
        ("the window is the days within 3 of the target's, both ends included (<= 3).", lambda: average(width=2)),
        ("use the training days within 3 (a week in all), not 7, of the target's day of year.",
         lambda: average(width=7)),
        ("wrap the calendar with 365 days, as the reference does: min(distance, 365 - distance).",
         lambda: average(year=366)),
        ("average the temperatures (np.mean), not their median.", lambda: average(stat=np.median)),
    ], "Average train_temps over the training days whose day of year is within 3 of the target's.")
    check.passed()


# --------------------------------------------------------------------------- 11 stock returns

def check_fit_scaler(fn: Callable[[Array], Callable[[Array], Array]]) -> None:
    """Notebook 11, exercise 1: ``fit_scaler(train_values)`` returns a function that scales with training statistics."""
    check = _Check("fit_scaler", fn)
    rng = np.random.default_rng(11)
    train, test = rng.normal(3.0, 2.0, 200), rng.normal(5.0, 4.0, 50)
    scaler = check.call({"train_values": train})
    if not callable(scaler):
        check.fail(f"fit_scaler must return a function that scales any array, not a {type(scaler).__name__}: "
                   "for example `return lambda values: (values - mean) / std`.")
    scale = lambda values, what: check.array(  # noqa: E731
        check.call({"values": values}, scaler, "your scaler"), what, values.shape)
    mine = [scale(train, "the scaled training data"), scale(test, "the scaled test data")]
    labels = ["the scaled training data", "the scaled test data"]
    both = lambda f: lambda: [f(train), f(test)]  # noqa: E731
    mean, std = train.mean(), train.std()
    references = [both(lambda v: (v - mean) / std)(), both(lambda v: (v - mean) / train.std(ddof=1))()]
    if not any(check.close(mine, reference) for reference in references):
        check.diagnose(mine, [
            ("the test data was scaled with its own mean and deviation: use the training statistics only.",
             both(lambda v: (v - v.mean()) / v.std())),
            ("your scaler mixes the training data into the statistics of the data it scales: use the training "
             "statistics only.", both(lambda v: (v - np.concatenate([train, v]).mean())
                                      / np.concatenate([train, v]).std())),
            ("divide by the standard deviation: (values - mean) / std.", both(lambda v: v - mean)),
            ("subtract the mean: (values - mean) / std.", both(lambda v: v / std)),
            ("divide by the standard deviation, not the variance.", both(lambda v: (v - mean) / std ** 2)),
            ("that is min-max scaling; standardise instead: (values - mean) / std.",
             both(lambda v: (v - train.min()) / (train.max() - train.min()))),
        ])
        check.differ(mine, references[0], labels, "Scale with the training mean and standard deviation.")
    check.count += 2
    single, pair = scale(test[:1], "the scaled value"), scale(test[:2], "the scaled values")
    if not check.close([single[0]], [pair[0]]):
        check.fail("a value's scaled form must not depend on what else is in the array: use training statistics only.")
    check.count += 1
    check.passed()


def _two_sided(correct: int, n: int, strict: bool = False, ks: Iterable[int] | None = None) -> float:
    distance = abs(correct - n / 2)
    ks = range(n + 1) if ks is None else ks
    far = [k for k in ks if (abs(k - n / 2) > distance if strict else abs(k - n / 2) >= distance)]
    return sum(comb(n, k) for k in far) / 2 ** n


def check_binomial_p_value(fn: Callable[[int, int], float]) -> None:
    """Notebook 11, exercise 2: ``binomial_p_value(correct, n)``, the exact two-sided binomial test."""
    check = _Check("binomial_p_value", fn, rtol=1e-9, atol=1e-12)
    cases = [(5, 10), (10, 10), (2, 10), (8, 10), (0, 10), (7, 20), (31, 50), (6, 11), (5, 11), (120, 219)]
    mine = [float(check.array(check.call({"correct": c, "n": n}), "your p-value", ())) for c, n in cases]
    reference = [min(1.0, _two_sided(c, n)) for c, n in cases]
    upper = lambda c, n: sum(comb(n, k) for k in range(c, n + 1)) / 2 ** n  # noqa: E731
    lower = lambda c, n: sum(comb(n, k) for k in range(c + 1)) / 2 ** n  # noqa: E731
    each = lambda f: lambda: [f(c, n) for c, n in cases]  # noqa: E731
    if not check.close(mine, reference):
        check.diagnose(mine, [
            ("that is one-sided (only the upper tail, at least `correct` right); the test is two-sided: count the "
             "outcomes at least as far from n / 2 on both sides.", each(upper)),
            ("that is one-sided (only the lower tail); the test is two-sided: count the outcomes at least as far "
             "from n / 2 on both sides.", each(lower)),
            ("for correct = n / 2 doubling a tail gives more than 1: a p-value is a probability, cap it at 1.",
             each(lambda c, n: 2 * upper(max(c, n - c), n))),
            ("the tail must include outcomes exactly as far from n / 2 as `correct` (>=, not >).",
             each(lambda c, n: _two_sided(c, n, strict=True))),
            ("off by one: your sum leaves out k = 0 or k = n; range(n + 1) covers 0, ..., n.",
             each(lambda c, n: _two_sided(c, n, ks=range(n)))),  # by symmetry, the same as leaving out k = 0
            ("that is the probability of exactly `correct` right; the p-value adds every outcome at least as far "
             "from n / 2.", each(lambda c, n: comb(n, c) / 2 ** n)),
            ("divide the number of outcomes by 2 ** n, the number of equally likely sequences.",
             each(lambda c, n: _two_sided(c, n) * 2 ** n)),
        ])
        k = next(k for k in range(len(cases)) if not check.close([mine[k]], [reference[k]]))
        (c, n), p = cases[k], mine[k]
        problem = "a p-value is a probability, at most 1" if p > 1 else "it is not the exact binomial probability"
        check.fail(f"for correct={c}, n={n} you give {p:.6g} but the p-value is {reference[k]:.6g}: {problem}.")
    check.count += len(cases)
    check.passed()
