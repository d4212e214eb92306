"""Training experiments shared by the theory notebooks (03 and 04).

:func:`recall_experiment` trains one recurrent layer type on :func:`utils.tasks.marked_recall`
for one sequence length and reports its test accuracy, overall and against the lag.

:func:`final_state_sensitivity` measures how strongly a model's last state depends on each input
step (notebook 04 writes it in view and asserts it equal to this version).

Used by notebooks 03 and 04.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from utils.tasks import marked_recall

#: Keras recurrent layer class name for each cell name the experiments accept.
CELLS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


@dataclass
class RecallResult:
    """What one :func:`recall_experiment` run measured."""

    cell: str
    length: int
    params: int
    accuracy: float
    accuracy_by_lag: dict[int, float]
    epochs: int
    best_epoch: int
    seconds_per_epoch: float
    history: dict[str, list[float]] = field(repr=False)
    model: Any = field(repr=False)
    correct: np.ndarray = field(repr=False)     # per test sequence: was the prediction right?


def build_recall_model(cell: str, length: int, units: int = 32, symbols: int = 4) -> Any:
    """Return a compiled ``Sequential``: one recurrent layer of ``cell`` type, then a softmax.

    Raises
    ------
    ValueError
        If ``cell`` is not one of :data:`CELLS`.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    import keras

    model = keras.Sequential([
        keras.Input(shape=(length, symbols + 2), name="sequence"),
        getattr(keras.layers, CELLS[cell])(units, name=cell),
        keras.layers.Dense(symbols, activation="softmax", name="symbol"),
    ], name=f"recall_{cell}_{length}")
    model.compile(optimizer=keras.optimizers.Adam(3e-3, clipnorm=1.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def recall_experiment(
    cell: str, length: int, *, units: int = 32, n_train: int = 4000, epochs: int = 100,
    seed: int = 0, stop_at: float = 0.99, patience: int = 5,
) -> RecallResult:
    """Train ``cell`` on the marked-recall task with sequences of ``length`` steps.

    The course's protocol: at most ``epochs`` epochs, early stopping once the validation loss
    has not improved for ``patience`` epochs, and the weights of the epoch with the lowest
    validation loss restored (``best_epoch``, counted from 1). Training also stops once the
    validation accuracy reaches ``stop_at`` (the task is solved). The test set (2,000
    sequences) is scored overall and for every lag from 1 to ``length - 1``.
    ``seconds_per_epoch`` is the median epoch time without the first epoch (which also pays for
    building the graph), so cells stopped after different numbers of epochs compare fairly.
    """
    import keras

    from utils.training import EpochTimer

    x_train, y_train, _ = marked_recall(n_train, length, seed=seed)
    x_val, y_val, _ = marked_recall(1000, length, seed=seed + 1)
    x_test, y_test, lag = marked_recall(2000, length, seed=seed + 2)
    keras.utils.set_random_seed(seed)
    model = build_recall_model(cell, length, units)

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            if logs and logs.get("val_accuracy", 0.0) >= stop_at:
                self.model.stop_training = True

    timer = EpochTimer()
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=64,
                        verbose=0, callbacks=[Stop(), best, timer]).history
    predicted = model.predict(x_test, verbose=0, batch_size=500).argmax(axis=1)
    correct = predicted == y_test
    by_lag = {int(k): float(correct[lag == k].mean()) for k in np.unique(lag)}
    return RecallResult(cell, length, model.count_params(), float(correct.mean()), by_lag,
                        len(history["loss"]), best.best_epoch + 1, timer.typical(), history, model, correct)


def final_state_sensitivity(model: Any, x: np.ndarray) -> np.ndarray:
    """How strongly the last hidden state depends on each input step: :math:`\\|\\partial h_T / \\partial x_t\\|_F`.

    ``model`` is a :func:`build_recall_model` model (its first layer a SimpleRNN, LSTM or GRU).
    The Jacobian is built row by row with the NumPy backward passes of :mod:`utils.scratch` (one
    pass per unit of :math:`h_T`). Returns an array of shape ``(batch, time)``.

    Raises
    ------
    ValueError
        If the first layer is not a SimpleRNN, LSTM or GRU, or ``x`` is not 3-D.
    """
    from utils import scratch

    rnn = model.layers[0]
    passes = {"SimpleRNN": scratch.simple_rnn_backward, "LSTM": scratch.lstm_backward, "GRU": scratch.gru_backward}
    kind = type(rnn).__name__
    if kind not in passes:
        raise ValueError(f"the first layer must be SimpleRNN, LSTM or GRU, got {kind}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"need x of shape (batch, time, features), got {x.shape}")
    weights = [np.asarray(w, dtype=np.float64) for w in rnn.get_weights()]
    units = weights[1].shape[0]
    squares = np.zeros(x.shape[:2])
    for j in range(units):                              # row j of dh_T/dx_t for every t
        dhs = np.zeros((*x.shape[:2], units))
        dhs[:, -1, j] = 1.0
        dx, _ = passes[kind](x, weights, dhs)
        squares += (dx ** 2).sum(axis=2)
    return np.sqrt(squares)
