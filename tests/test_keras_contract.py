"""The Keras and TensorFlow behaviour the notebooks rely on, one small test per feature (issue 18).

A version of Keras or TensorFlow that breaks one of these breaks notebook cells; this module
names the feature in seconds instead. Each test states which notebooks use the feature.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from utils.env import quiet_tensorflow_import

tf = quiet_tensorflow_import()
import keras  # noqa: E402


def test_attention_with_masks_and_unequal_lengths() -> None:
    # Notebook 07: Luong attention from Keras layers, source and target of different lengths.
    rng = np.random.default_rng(0)
    query = keras.Input((None, 4), name="query")
    value = keras.Input((None, 4), name="value")
    context, scores = keras.layers.Attention(name="attention")([query, value], return_attention_scores=True)
    model = keras.Model([query, value], [context, scores])          # in a functional model (Keras >= 3.8)
    q, v = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype("float32")
    value_mask = np.array([[True] * 5, [True, True, False, False, False]])
    layer = model.get_layer("attention")
    out, weights = layer([q, v], mask=[None, value_mask], return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 4) and tuple(weights.shape) == (2, 3, 5)
    weights = np.asarray(weights)
    assert np.allclose(weights.sum(axis=-1), 1, atol=1e-6)
    assert np.allclose(weights[1, :, 2:], 0), "masked source positions get no weight"
    expected = np.exp(q[1] @ v[1, :2].T)
    assert np.allclose(weights[1, :, :2], expected / expected.sum(axis=1, keepdims=True), atol=1e-5)
    context_all, _ = model.predict([q, v], verbose=0)
    assert context_all.shape == (2, 3, 4)


def test_bidirectional_gru_returns_both_final_states() -> None:
    # Notebooks 04 and 07: Bidirectional(GRU(return_state=True)) gives the outputs and two states.
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32")
    layer = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True, return_state=True))
    outputs, forward, backward = layer(x)
    assert tuple(outputs.shape) == (2, 6, 8) and tuple(forward.shape) == (2, 4) == tuple(backward.shape)
    assert np.allclose(np.asarray(outputs)[:, -1, :4], forward, atol=1e-6)
    assert np.allclose(np.asarray(outputs)[:, 0, 4:], backward, atol=1e-6)


def test_masking_reaches_the_recurrent_layer_and_the_average() -> None:
    # Notebooks 04, 05 and 08: zero padding is skipped by a masked GRU and by the average over time.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4, 3)).astype("float32")
    padded = np.concatenate([x, np.zeros((1, 3, 3), dtype="float32")], axis=1)
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Masking(0.0),
                              keras.layers.GRU(5, return_sequences=True), keras.layers.GlobalAveragePooling1D()])
    assert np.allclose(model(x), model(padded), atol=1e-6)
    ids = np.array([[3, 1, 2, 0, 0]])
    embedded = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(5, 3, mask_zero=True),
                                 keras.layers.Bidirectional(keras.layers.GRU(4))])
    assert np.allclose(embedded(ids), embedded(ids[:, :3]), atol=1e-6)


def test_ctc_loss_equals_the_sum_over_alignments() -> None:
    # Notebook 09: keras.ops.ctc_loss (Keras >= 3.0.2), with the blank as the last class.
    rng = np.random.default_rng(3)
    frames, classes = 4, 3                                   # symbols 0, 1 and the blank 2
    logits = rng.normal(size=(1, frames, classes)).astype("float32")
    log_p = logits[0] - np.log(np.exp(logits[0]).sum(axis=1, keepdims=True))
    target = [0, 1]

    def collapse(path: tuple[int, ...]) -> list[int]:
        merged = [s for k, s in enumerate(path) if k == 0 or s != path[k - 1]]
        return [s for s in merged if s != classes - 1]

    total = sum(np.exp(sum(log_p[t, s] for t, s in enumerate(path)))
                for path in itertools.product(range(classes), repeat=frames) if collapse(path) == target)
    loss = keras.ops.ctc_loss(np.array([target], dtype="int32"), logits, np.array([2], dtype="int32"),
                              np.array([frames], dtype="int32"), mask_index=classes - 1)
    assert np.isclose(float(np.asarray(loss)[0]), -np.log(total), rtol=1e-4)


def test_tensorflow_ctc_with_sparse_labels_equals_keras_ctc() -> None:
    # Notebook 09 trains with tf.nn.ctc_loss on sparse transcripts (TensorFlow's compiled kernel on the CPU),
    # after checking it equals keras.ops.ctc_loss; transcripts of different lengths, the blank last.
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(2, 9, 4)).astype("float32")
    labels = np.array([[0, 1, 1], [2, -1, -1]], dtype="int32")       # -1: padding
    lengths = np.array([9, 6], dtype="int32")
    where = tf.where(labels >= 0)
    sparse = tf.SparseTensor(where, tf.gather_nd(labels, where), tf.shape(labels, out_type="int64"))
    fast = tf.nn.ctc_loss(sparse, logits, None, lengths, logits_time_major=False, blank_index=3)
    dense = keras.ops.ctc_loss(np.maximum(labels, 0), logits, (labels >= 0).sum(axis=1), lengths, mask_index=3)
    assert np.allclose(np.asarray(fast), np.asarray(dense), rtol=1e-5)


def test_ctc_decoding_greedy_and_beam_search() -> None:
    # Notebook 09: keras.ops.ctc_decode (Keras >= 3.3) merges repeats and drops blanks.
    path = [0, 0, 2, 1, 1, 2, 1]                            # blank = 2: decodes to 0 1 1
    probs = np.full((1, len(path), 3), 0.01, dtype="float32")
    probs[0, np.arange(len(path)), path] = 0.98
    for strategy in ("greedy", "beam_search"):
        decoded, _ = keras.ops.ctc_decode(probs, np.array([len(path)]), strategy=strategy, beam_width=4,
                                          mask_index=2)
        first = np.asarray(decoded[0])[0]
        assert first[first >= 0].tolist() == [0, 1, 1], strategy


def test_time_distributed_over_a_model() -> None:
    # Notebook 12: a per-frame CNN, a Sequential model, applied to every frame of a clip (Keras >= 3.4).
    frame_model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, padding="same"),
                                    keras.layers.GlobalAveragePooling2D()])
    clips = np.random.default_rng(4).normal(size=(2, 5, 8, 8, 1)).astype("float32")
    out = keras.layers.TimeDistributed(frame_model)(clips)
    assert tuple(out.shape) == (2, 5, 2)
    assert np.allclose(np.asarray(out)[1, 3], frame_model(clips[1, 3:4])[0], atol=1e-5)


def test_set_random_seed_makes_initial_weights_and_dropout_repeat() -> None:
    # Every notebook: keras.utils.set_random_seed seeds weights and Keras' own random ops.
    def draw() -> tuple[np.ndarray, np.ndarray]:
        keras.utils.set_random_seed(7)
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        dropped = keras.layers.Dropout(0.5)(np.ones((1, 20), dtype="float32"), training=True)
        return np.asarray(layer.kernel), np.asarray(dropped)

    (k1, d1), (k2, d2) = draw(), draw()
    assert np.array_equal(k1, k2) and np.array_equal(d1, d2)


def test_a_dataset_from_a_generator_with_a_known_length() -> None:
    # utils.training.length_batches: batches of varying length; Keras needs the epoch's length.
    def generate():
        for n in (2, 5):
            yield np.ones((3, n), dtype="int32"), np.zeros(3, dtype="int32")

    spec = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.int32))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(2))
    assert int(dataset.cardinality()) == 2
    assert [x.shape[1] for x, _ in dataset.as_numpy_iterator()] == [2, 5]


@pytest.mark.parametrize("reset_after", [True, False])
def test_both_gru_variants_have_the_documented_weights(reset_after: bool) -> None:
    # Notebook 04: the two GRU formulations and their bias shapes.
    layer = keras.layers.GRU(4, reset_after=reset_after)
    layer.build((None, None, 3))
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (3, 12) and recurrent.shape == (4, 12)
    assert bias.shape == ((2, 12) if reset_after else (12,))


def test_global_clipnorm_scales_the_whole_gradient() -> None:
    # Notebook 02: SGD(global_clipnorm=...) clips the norm of all gradients together (Pascanu's rule).
    weights = [keras.Variable(np.zeros(3, dtype="float32")), keras.Variable(np.zeros(4, dtype="float32"))]
    grads = [np.full(3, 30.0, dtype="float32"), np.full(4, 40.0, dtype="float32")]
    keras.optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients(zip(grads, weights, strict=True))
    step = np.concatenate([np.asarray(w) for w in weights])
    assert np.isclose(np.linalg.norm(step), 1.0, atol=1e-5)
    assert np.allclose(step / np.linalg.norm(step), -np.concatenate(grads) / np.linalg.norm(np.concatenate(grads)))


def test_stateful_layer_carries_its_state_until_reset() -> None:
    # Notebook 02 (prose): a stateful layer is truncated BPTT across batches; reset_states() starts anew.
    x = np.random.default_rng(2).normal(size=(2, 3, 1)).astype("float32")
    layer = keras.layers.SimpleRNN(4, stateful=True)
    first = np.asarray(layer(x))
    assert not np.allclose(np.asarray(layer(x)), first), "the second call starts from the first's state"
    layer.reset_states()
    assert np.allclose(np.asarray(layer(x)), first, atol=1e-6)


def test_repeat_vector_and_layer_config_round_trip() -> None:
    # Notebook 04: RepeatVector for one-to-many; a layer rebuilt from its config in float64 (utils tests).
    assert tuple(keras.layers.RepeatVector(6)(np.zeros((2, 5), dtype="float32")).shape) == (2, 6, 5)
    gru = keras.layers.GRU(3)
    gru.build((None, 4, 2))
    twin = keras.layers.GRU.from_config({**gru.get_config(), "dtype": "float64"})
    twin.build((None, 4, 2))
    twin.set_weights(gru.get_weights())
    assert twin.compute_dtype == "float64"
