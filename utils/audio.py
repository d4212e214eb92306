"""From a waveform to MFCC frames, and connected-digit strings for CTC (NumPy only).

The speech notebook computes features step by step with these functions:

1. :func:`frame_signal` cuts a waveform into overlapping frames (25 ms every 10 ms);
2. :func:`power_spectrogram` windows each frame (Hann) and takes its power spectrum;
3. :func:`mel_filterbank` pools the spectrum into bands equally spaced on the mel scale
   (:func:`hz_to_mel`), as the ear resolves pitch;
4. :func:`mfcc` takes the log of the band energies and decorrelates them with a DCT.

:func:`normalise_utterance` normalises an utterance's features (cepstral mean and variance
normalisation) and :func:`warp_frequencies` perturbs the filterbank as another speaker's
vocal tract would (data augmentation). :func:`plan_strings` and :func:`join_recordings` join recorded digits into
spoken strings for CTC, :func:`energy_segments` cuts a string back into words by its energy
(the classical pipeline's first step), and :func:`ctc_greedy_decode` turns per-frame CTC
outputs into label sequences. Used by notebooks 08 and 09.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """The mel scale (O'Shaughnessy's formula): ``2595 * log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def frame_signal(signal: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Cut ``signal`` into frames of ``frame_length`` samples every ``hop_length`` samples.

    The last frames are completed with zeros, so no sample is dropped. Returns an array of
    shape ``(frames, frame_length)``.

    Raises
    ------
    ValueError
        If ``signal`` is not 1-D or the lengths are not positive.
    """
    signal = np.asarray(signal, dtype=float)
    if signal.ndim != 1:
        raise ValueError(f"signal must be 1-D, got shape {signal.shape}")
    if frame_length <= 0 or hop_length <= 0:
        raise ValueError(f"frame_length and hop_length must be positive, got {frame_length}, {hop_length}")
    n_frames = 1 + max(0, int(np.ceil((len(signal) - frame_length) / hop_length)))
    padded = np.zeros((n_frames - 1) * hop_length + frame_length)
    padded[:len(signal)] = signal
    starts = np.arange(n_frames)[:, None] * hop_length
    return padded[starts + np.arange(frame_length)[None, :]]


def power_spectrogram(signal: np.ndarray, sample_rate: int, frame_ms: float = 25.0, hop_ms: float = 10.0,
                      n_fft: int = 512) -> np.ndarray:
    """Power spectrum ``|FFT(window * frame)|^2 / n_fft`` of every frame: shape ``(frames, n_fft // 2 + 1)``.

    Frames of ``frame_ms`` every ``hop_ms`` are multiplied by a Hann window (which tapers the
    edges, so a frame's cut does not smear its spectrum) and zero-padded to ``n_fft`` points.
    Bin ``k`` is the frequency ``k * sample_rate / n_fft``.

    Raises
    ------
    ValueError
        If a frame is longer than ``n_fft`` (and see :func:`frame_signal`).
    """
    frame_length, hop_length = int(sample_rate * frame_ms / 1000), int(sample_rate * hop_ms / 1000)
    if frame_length > n_fft:
        raise ValueError(f"a {frame_ms} ms frame has {frame_length} samples, more than n_fft = {n_fft}")
    frames = frame_signal(signal, frame_length, hop_length) * np.hanning(frame_length)
    return np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2 / n_fft


def warp_frequencies(hz: np.ndarray, alpha: float, fmax: float) -> np.ndarray:
    """Vocal tract length perturbation (Jaitly and Hinton, 2013): scale frequencies by ``alpha``.

    Frequencies below a boundary are multiplied by ``alpha``; above it, a straight line takes
    them to ``fmax``, so the warped range still ends at ``fmax``. A shorter vocal tract moves
    every resonance (formant) up by about the same factor, so this mimics another speaker.

    Raises
    ------
    ValueError
        If ``alpha`` is not between 0.5 and 2.
    """
    if not 0.5 <= alpha <= 2.0:
        raise ValueError(f"alpha must be between 0.5 and 2 (a warp of at most a factor 2), got {alpha}")
    hz = np.asarray(hz, dtype=float)
    boundary = 0.85 * fmax * min(alpha, 1.0) / alpha
    upper = fmax - (fmax - alpha * boundary) * (fmax - hz) / (fmax - boundary)
    return np.where(hz <= boundary, alpha * hz, upper)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, fmin: float = 0.0,
                   fmax: float | None = None, warp: float = 1.0) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale: shape ``(n_mels, n_fft // 2 + 1)``.

    Filter ``m`` rises from the centre of filter ``m - 1`` to its own centre and falls to the
    centre of filter ``m + 1``; each peaks at 1. With ``warp`` other than 1, the filters' edges
    move by :func:`warp_frequencies` (data augmentation).

    Raises
    ------
    ValueError
        If ``n_mels`` is not positive or the frequency range is empty or above Nyquist.
    """
    fmax = sample_rate / 2 if fmax is None else fmax
    if n_mels <= 0 or not 0 <= fmin < fmax <= sample_rate / 2:
        raise ValueError(f"need n_mels > 0 and 0 <= fmin < fmax <= {sample_rate / 2}; got {n_mels}, {fmin}, {fmax}")
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    if warp != 1.0:
        edges = warp_frequencies(edges, warp, fmax)
    bins = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lower) / (centre - lower)
    falling = (upper - bins[None, :]) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """The orthonormal DCT-II as a matrix: ``dct_matrix(n, n) @ v`` is ``scipy.fft.dct(v, norm="ortho")``."""
    k, n = np.arange(n_out)[:, None], np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[0] /= np.sqrt(2.0)
    return basis


def mfcc(signal: np.ndarray, sample_rate: int, n_mfcc: int = 13, n_mels: int = 26, n_fft: int = 512,
         frame_ms: float = 25.0, hop_ms: float = 10.0, warp: float = 1.0) -> np.ndarray:
    """Mel-frequency cepstral coefficients of every frame: shape ``(frames, n_mfcc)``.

    ``log(mel band energies + 1e-10) @ DCT``: the log compresses loudness as hearing does,
    and the DCT turns the smooth, correlated band energies into a few nearly uncorrelated
    numbers, the first of which is the frame's overall (log) energy. ``warp`` perturbs the
    filterbank (:func:`warp_frequencies`).

    Raises
    ------
    ValueError
        If ``n_mfcc > n_mels`` (and see :func:`power_spectrogram`).
    """
    if not 0 < n_mfcc <= n_mels:
        raise ValueError(f"need 0 < n_mfcc <= n_mels, got n_mfcc={n_mfcc}, n_mels={n_mels}")
    power = power_spectrogram(signal, sample_rate, frame_ms, hop_ms, n_fft)
    log_mel = np.log(power @ mel_filterbank(n_mels, n_fft, sample_rate, warp=warp).T + 1e-10)
    return log_mel @ dct_matrix(n_mfcc, n_mels).T


def normalise_utterance(features: np.ndarray, variance: bool = False) -> np.ndarray:
    """Cepstral mean normalisation: subtract each coefficient's mean over the utterance.

    A fixed filter on the way to the microphone (the room, the channel, a voice's overall
    timbre) multiplies the spectrum, so it adds a constant to every log band energy and to
    every cepstral coefficient; subtracting each coefficient's mean over the utterance
    removes it. With ``variance=True``, each coefficient is also divided by its deviation over
    the utterance (mean and variance normalisation).

    Raises
    ------
    ValueError
        If ``features`` is not ``(frames, coefficients)`` with at least one frame.
    """
    features = np.asarray(features, dtype=float)
    if features.ndim != 2 or len(features) == 0:
        raise ValueError(f"features must be (frames, coefficients) with at least one frame, got {features.shape}")
    centred = features - features.mean(axis=0)
    return (centred / (features.std(axis=0) + 1e-8) if variance else centred).astype(np.float32)


def plan_strings(n_recordings: int, passes: int, min_digits: int = 3, max_digits: int = 7,
                 seed: int = 0) -> list[np.ndarray]:
    """Cut ``passes`` shuffled copies of ``range(n_recordings)`` into strings of ``min_digits`` to ``max_digits``.

    Every recording is used exactly ``passes`` times and never twice in one string, so a
    test set's errors can be counted per recording (each recording weighs the same).

    Raises
    ------
    ValueError
        If the counts are inconsistent (fewer recordings than ``min_digits``, say).
    """
    def splits(count: int) -> bool:                # can count recordings be cut into strings of allowed sizes?
        return count == 0 or any(k * min_digits <= count <= k * max_digits for k in range(1, count // min_digits + 1))

    if passes < 1 or not 1 <= min_digits <= max_digits or not splits(n_recordings) or n_recordings == 0:
        raise ValueError(f"need passes >= 1, 1 <= min_digits <= max_digits, and recordings that can be cut into "
                         f"strings of min_digits to max_digits; got {passes}, {min_digits}, {max_digits}, "
                         f"{n_recordings} recordings")
    rng = np.random.default_rng(seed)
    strings = []
    for _ in range(passes):
        order, start = rng.permutation(n_recordings), 0
        while start < n_recordings:
            left = n_recordings - start
            sizes = [k for k in range(min_digits, min(max_digits, left) + 1) if splits(left - k)]
            size = int(rng.choice(sizes))          # never leave a remainder that no string sizes add up to
            strings.append(order[start:start + size])
            start += size
    return strings


def join_recordings(waveforms: Sequence[np.ndarray], sample_rate: int, rng: np.random.Generator,
                    pause_s: tuple[float, float] = (0.05, 0.25),
                    snr_db: tuple[float, float] = (25.0, 35.0)) -> tuple[np.ndarray, np.ndarray]:
    """Say ``waveforms`` one after another, with short pauses between them and a little noise.

    Each pause lasts a time drawn uniformly from ``pause_s``; white noise is then added over
    the whole string at a signal-to-noise ratio drawn uniformly from ``snr_db`` (relative to
    the recordings' mean power), so the pauses are quiet but not digital silence. Returns the
    waveform (float32) and each recording's ``(start, end)`` sample, shape ``(n, 2)``.

    Raises
    ------
    ValueError
        If there is no waveform, or one is empty or not 1-D.
    """
    if len(waveforms) == 0 or any(np.ndim(w) != 1 or len(w) == 0 for w in waveforms):
        raise ValueError("need at least one waveform, each 1-D and not empty")
    parts, bounds, position = [], [], 0
    for k, wave in enumerate(waveforms):
        if k:
            gap = int(rng.uniform(*pause_s) * sample_rate)
            parts.append(np.zeros(gap, dtype=np.float32))
            position += gap
        parts.append(np.asarray(wave, dtype=np.float32))
        bounds.append((position, position + len(wave)))
        position += len(wave)
    signal = np.concatenate(parts)
    power = np.mean(np.concatenate([np.asarray(w, dtype=np.float64) ** 2 for w in waveforms]))
    noise_std = np.sqrt(power) * 10 ** (-rng.uniform(*snr_db) / 20)
    return (signal + rng.normal(0.0, noise_std, len(signal))).astype(np.float32), np.array(bounds)


def energy_segments(signal: np.ndarray, sample_rate: int, threshold_db: float, min_gap_s: float,
                    min_word_s: float = 0.1, frame_ms: float = 25.0, hop_ms: float = 10.0) -> np.ndarray:
    """Find the words in ``signal`` by its energy alone: ``(start, end)`` samples of each, shape ``(n, 2)``.

    A frame is speech if its energy is more than ``threshold_db`` decibels above the noise
    floor, taken as the 10th percentile of the frames' energies (a signal with pauses is quiet
    for more than a tenth of its frames). Measuring from the floor, not from the loudest
    frame, keeps a quiet speaker's word when a loud one's is in the same signal. Runs of
    speech separated by less than ``min_gap_s`` seconds of quiet are one word (the closure
    before a "t" or "k" is a short silence inside a word), and words shorter than
    ``min_word_s`` are dropped as clicks. Quiet is counted in hops of quiet frames, and a
    frame overlapping any speech is loud, so a pause must last about one frame minus one hop
    (15 ms) longer than ``min_gap_s`` to be found. Where pauses fill less than a tenth of the
    signal, the floor is speech and words are lost: this suits strings with pauses, not
    connected speech.

    Raises
    ------
    ValueError
        If ``signal`` is not 1-D or a setting is not positive.
    """
    if threshold_db <= 0 or min_gap_s <= 0 or min_word_s < 0:
        raise ValueError(f"need threshold_db > 0, min_gap_s > 0 and min_word_s >= 0, got {threshold_db}, "
                         f"{min_gap_s}, {min_word_s}")
    frame, hop = int(sample_rate * frame_ms / 1000), int(sample_rate * hop_ms / 1000)
    energy = (frame_signal(signal, frame, hop) ** 2).sum(axis=1) + 1e-12
    level = 10 * np.log10(energy)
    speech = np.flatnonzero(level > np.percentile(level, 10) + threshold_db)
    if len(speech) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    breaks = np.flatnonzero(np.diff(speech) - 1 >= min_gap_s * 1000 / hop_ms)
    firsts = np.concatenate([[speech[0]], speech[breaks + 1]])
    lasts = np.concatenate([speech[breaks], [speech[-1]]])
    segments = np.stack([firsts * hop, np.minimum(lasts * hop + frame, len(signal))], axis=1)
    keep = segments[:, 1] - segments[:, 0] >= min_word_s * sample_rate
    return segments[keep].astype(np.int64)


def ctc_greedy_decode(probs: np.ndarray, lengths: Sequence[int] | np.ndarray, blank: int) -> list[np.ndarray]:
    """Best-path CTC decoding: the most likely label of every frame, repeats merged, blanks removed.

    ``probs`` has shape ``(batch, frames, classes)``; only the first ``lengths[i]`` frames of
    sequence ``i`` are read.

    Raises
    ------
    ValueError
        If ``probs`` is not 3-D, ``blank`` is not a class, or a length is out of range.
    """
    probs = np.asarray(probs)
    if probs.ndim != 3 or not 0 <= blank < probs.shape[2]:
        raise ValueError(f"probs must be (batch, frames, classes) with blank < classes; got {probs.shape}, "
                         f"blank={blank}")
    lengths = np.asarray(lengths)
    if len(lengths) != len(probs) or lengths.min(initial=0) < 0 or lengths.max(initial=0) > probs.shape[1]:
        raise ValueError(f"need one length in 0..{probs.shape[1]} per sequence, got {lengths.tolist()}")
    decoded = []
    for row, length in zip(probs.argmax(axis=2), lengths, strict=True):
        best = row[:length]
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        decoded.append(best[keep & (best != blank)])
    return decoded
