"""utils.training: length-bucketed batches and training a compiled model afresh (the timer: test_metrics)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils.training import fresh_start, length_batches


def _frames(lengths: list[int], features: int = 3) -> list[np.ndarray]:
    return [np.full((n, features), float(n), dtype=np.float32) for n in lengths]


def test_length_batches_pad_each_batch_to_its_own_longest() -> None:
    lengths = [5, 2, 9, 3, 7, 2]
    dataset, order = length_batches(_frames(lengths), np.arange(6), batch_size=2)
    batches = list(dataset.as_numpy_iterator())
    assert [x.shape for x, _ in batches] == [(2, 2, 3), (2, 5, 3), (2, 9, 3)]
    assert order.tolist() == [1, 5, 3, 0, 4, 2]                       # stable sort by length
    assert np.concatenate([y for _, y in batches]).tolist() == order.tolist()
    x, _ = batches[1]
    assert (x[0, :3] == 3).all() and (x[0, 3:] == 0).all()              # padded with zeros after the frames
    assert dataset.cardinality() == 3


def test_length_batches_token_ids_and_a_new_order_every_epoch() -> None:
    sequences = [np.arange(1, n + 1) for n in range(1, 41)]
    dataset, _ = length_batches(sequences, np.zeros(40, dtype=np.float32), batch_size=4, shuffle_seed=0)
    first = [x.shape[1] for x, _ in dataset.as_numpy_iterator()]
    second = [x.shape[1] for x, _ in dataset.as_numpy_iterator()]
    assert sorted(first) == sorted(second) and first != second
    x, y = next(iter(dataset.as_numpy_iterator()))
    assert x.dtype == np.int32 and y.dtype == np.float32


def test_length_batches_transform_may_change_the_features_each_epoch() -> None:
    def noisy_mean(seq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return seq.mean(axis=1, keepdims=True) + rng.normal(size=(len(seq), 1))

    dataset, _ = length_batches(_frames([4, 6]), np.array([0, 1]), 2, shuffle_seed=1, transform=noisy_mean)
    one, two = (next(iter(dataset.as_numpy_iterator()))[0] for _ in range(2))
    assert one.shape == (2, 6, 1) and not np.allclose(one, two)


@pytest.mark.parametrize(("sequences", "labels", "size", "message"), [
    ([], [], 2, "one label per sequence"),
    (_frames([2, 3]), [0], 2, "one label per sequence"),
    (_frames([2, 3]), [0, 1], 0, "batch_size"),
    ([np.zeros((0, 3)), np.zeros((2, 3))], [0, 1], 2, "at least one step"),
    ([np.zeros((2, 3)), np.zeros((2, 4))], [0, 1], 2, "feature shape"),
])
def test_length_batches_bad_input(sequences: list, labels: list, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        length_batches(sequences, np.array(labels), size)


def _model() -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


def test_fresh_start_restores_weights_and_resets_the_optimiser() -> None:
    keras.utils.set_random_seed(0)
    model = _model()
    x, y = np.random.default_rng(0).normal(size=(32, 4)), np.zeros((32, 1))
    model.fit(x, y, epochs=2, verbose=0)
    keras.utils.set_random_seed(1)
    fresh = _model()
    fresh_start(model, fresh)
    for a, b in zip(model.weights, fresh.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(model.optimizer.iterations.numpy()) == 0
    assert np.isclose(float(model.optimizer.learning_rate.numpy()), 0.01)
    with pytest.raises(ValueError, match="same function"):
        fresh_start(model, keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))

