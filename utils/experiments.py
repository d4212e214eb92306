"""Training experiments shared by the theory notebooks (03 and 04).

:func:`recall_experiment` trains one recurrent layer type on :func:`utils.tasks.marked_recall`
for one sequence length and reports its test accuracy, overall and against the lag.
"""

from __future__ import annotations

import time
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
    seconds_per_epoch: float
    history: dict[str, list[float]] = field(repr=False)
    model: Any = field(repr=False)


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
    cell: str, length: int, *, units: int = 32, n_train: int = 4000, epochs: int = 15,
    seed: int = 0, stop_at: float = 0.99,
) -> RecallResult:
    """Train ``cell`` on the marked-recall task with sequences of ``length`` steps.

    Training stops early once the validation accuracy reaches ``stop_at``. The test set
    (2,000 sequences) is scored overall and for every lag from 1 to ``length - 1``.
    """
    import keras

    x_train, y_train, _ = marked_recall(n_train, length, seed=seed)
    x_val, y_val, _ = marked_recall(1000, length, seed=seed + 1)
    x_test, y_test, lag = marked_recall(2000, length, seed=seed + 2)
    keras.utils.set_random_seed(seed)
    model = build_recall_model(cell, length, units)

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            if logs and logs.get("val_accuracy", 0.0) >= stop_at:
                self.model.stop_training = True

    start = time.perf_counter()
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=64,
                        verbose=0, callbacks=[Stop()]).history
    seconds = time.perf_counter() - start
    predicted = model.predict(x_test, verbose=0, batch_size=500).argmax(axis=1)
    correct = predicted == y_test
    by_lag = {int(k): float(correct[lag == k].mean()) for k in np.unique(lag)}
    return RecallResult(cell, length, model.count_params(), float(correct.mean()), by_lag,
                        len(history["loss"]), seconds / len(history["loss"]), history, model)
