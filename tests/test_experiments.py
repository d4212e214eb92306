"""utils.experiments: a tiny run has the promised structure."""

from __future__ import annotations

import pytest

from utils.env import quiet_tensorflow_import
from utils.experiments import build_recall_model, recall_experiment
from utils.tasks import marked_recall

quiet_tensorflow_import()


def test_recall_experiment_reports_what_it_promises() -> None:
    result = recall_experiment("gru", 6, units=4, n_train=128, epochs=2, seed=3)
    assert result.cell == "gru" and result.length == 6 and 1 <= result.epochs <= 2
    assert sorted(result.accuracy_by_lag) == [1, 2, 3, 4, 5]
    assert 0.0 <= result.accuracy <= 1.0 and result.seconds_per_epoch > 0
    gru_params = 3 * 4 * (6 + 4) + 2 * 3 * 4  # three blocks of kernel and recurrent kernel, two biases
    assert result.params == result.model.count_params() == gru_params + (4 * 4 + 4)
    assert len(result.history["val_accuracy"]) == result.epochs
    x_test, y_test, _ = marked_recall(2000, 6, seed=5)                       # the test set of seed 3
    assert result.correct.shape == (2000,) and result.correct.mean() == result.accuracy
    assert (result.correct == (result.model.predict(x_test, verbose=0).argmax(axis=1) == y_test)).all()


def test_recall_experiment_restores_the_best_epoch() -> None:
    import numpy as np

    result = recall_experiment("simple_rnn", 8, units=3, n_train=64, epochs=6, seed=1, stop_at=1.1, patience=2)
    losses = result.history["val_loss"]
    assert result.best_epoch == int(np.argmin(losses)) + 1 <= result.epochs
    x_val, y_val = marked_recall(1000, 8, seed=2)[:2]                      # the validation set of seed 1
    restored = float(result.model.evaluate(x_val, y_val, verbose=0)[0])
    assert np.isclose(restored, min(losses), rtol=1e-4), "the weights of the best epoch are restored"


def test_unknown_cell() -> None:
    with pytest.raises(ValueError, match="cell must be one of"):
        build_recall_model("transformer", 5)


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_final_state_sensitivity_equals_tensorflow(cell: str) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    from utils.experiments import final_state_sensitivity

    keras.utils.set_random_seed(0)
    model = build_recall_model(cell, 7, units=5)
    x, _, _ = marked_recall(4, 7, seed=1)
    x_tf = tf.constant(x, dtype=tf.float64)
    layer = model.layers[0]
    twin = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    twin.build((None, 7, x.shape[2]))
    twin.set_weights(layer.get_weights())
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        h_last = twin(x_tf)
    jacobian = tape.batch_jacobian(h_last, x_tf).numpy()          # (batch, units, time, features)
    expected = np.sqrt((jacobian ** 2).sum(axis=(1, 3)))
    assert np.allclose(final_state_sensitivity(model, x), expected, rtol=1e-9)


def test_final_state_sensitivity_rejects_bad_input() -> None:
    import numpy as np

    from utils.experiments import final_state_sensitivity

    model = build_recall_model("lstm", 5, units=3)
    with pytest.raises(ValueError, match="batch, time, features"):
        final_state_sensitivity(model, np.zeros((2, 5)))
