"""From a waveform to MFCC frames, and connected-digit strings for CTC (NumPy only).

The speech notebook computes features step by step with these functions:

1. :func:`frame_signal` cuts a waveform into overlapping frames (25 ms every 10 ms);
2. :func:`power_spectrogram` windows each frame (Hann) and takes its power spectrum;
3. :func:`mel_filterbank` pools the spectrum into bands equally spaced on the mel scale
   (:func:`hz_to_mel`), as the ear resolves pitch;
4. :func:`mfcc` takes the log of the band energies and decorrelates them with a DCT.

:func:`dtmf` synthesises the tones a telephone keypad makes, a signal that needs no
recording. :func:`connected_digits` joins recorded digits into strings for CTC, and
:func:`ctc_greedy_decode` turns per-frame CTC outputs into label sequences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Keypad tones (Hz): each key sounds one low (row) and one high (column) frequency together.
DTMF_ROWS = (697.0, 770.0, 852.0, 941.0)
DTMF_COLUMNS = (1209.0, 1336.0, 1477.0)
DTMF_KEYS = {"1": (0, 0), "2": (0, 1), "3": (0, 2), "4": (1, 0), "5": (1, 1), "6": (1, 2),
             "7": (2, 0), "8": (2, 1), "9": (2, 2), "*": (3, 0), "0": (3, 1), "#": (3, 2)}


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """The mel scale (O'Shaughnessy's formula): ``2595 * log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def dtmf(keys: str, sample_rate: int = 8000, tone_ms: float = 120.0, gap_ms: float = 60.0) -> np.ndarray:
    """Synthesise the keypad tones of ``keys`` (digits, ``*``, ``#``), with silence between them.

    Raises
    ------
    ValueError
        If a key is not on the keypad or the durations are not positive.
    """
    unknown = sorted(set(keys) - set(DTMF_KEYS))
    if unknown or not keys:
        raise ValueError(f"keys must be a non-empty string of 0-9, * and #; got {keys!r}")
    if tone_ms <= 0 or gap_ms < 0:
        raise ValueError(f"tone_ms must be positive and gap_ms non-negative, got {tone_ms}, {gap_ms}")
    t = np.arange(int(sample_rate * tone_ms / 1000)) / sample_rate
    gap = np.zeros(int(sample_rate * gap_ms / 1000))
    pieces = []
    for key in keys:
        row, column = DTMF_KEYS[key]
        pieces += [0.5 * np.sin(2 * np.pi * DTMF_ROWS[row] * t) + 0.5 * np.sin(2 * np.pi * DTMF_COLUMNS[column] * t),
                   gap]
    return np.concatenate([gap, *pieces])


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


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale: shape ``(n_mels, n_fft // 2 + 1)``.

    Filter ``m`` rises from the centre of filter ``m - 1`` to its own centre and falls to the
    centre of filter ``m + 1``; each peaks at 1.

    Raises
    ------
    ValueError
        If ``n_mels`` is not positive or the frequency range is empty or above Nyquist.
    """
    fmax = sample_rate / 2 if fmax is None else fmax
    if n_mels <= 0 or not 0 <= fmin < fmax <= sample_rate / 2:
        raise ValueError(f"need n_mels > 0 and 0 <= fmin < fmax <= {sample_rate / 2}; got {n_mels}, {fmin}, {fmax}")
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
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
         frame_ms: float = 25.0, hop_ms: float = 10.0) -> np.ndarray:
    """Mel-frequency cepstral coefficients of every frame: shape ``(frames, n_mfcc)``.

    ``log(mel band energies + 1e-10) @ DCT``: the log compresses loudness as hearing does,
    and the DCT turns the smooth, correlated band energies into a few nearly uncorrelated
    numbers, the first of which is the frame's overall (log) energy.

    Raises
    ------
    ValueError
        If ``n_mfcc > n_mels`` (and see :func:`power_spectrogram`).
    """
    if not 0 < n_mfcc <= n_mels:
        raise ValueError(f"need 0 < n_mfcc <= n_mels, got n_mfcc={n_mfcc}, n_mels={n_mels}")
    power = power_spectrogram(signal, sample_rate, frame_ms, hop_ms, n_fft)
    log_mel = np.log(power @ mel_filterbank(n_mels, n_fft, sample_rate).T + 1e-10)
    return log_mel @ dct_matrix(n_mfcc, n_mels).T


def connected_digits(sequences: Sequence[np.ndarray], labels: np.ndarray, n_strings: int, min_digits: int = 3,
                     max_digits: int = 7, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Join random recordings into digit strings: ``(features, digit labels)`` per string.

    Each string has between ``min_digits`` and ``max_digits`` recordings, drawn (with
    replacement) from ``sequences`` only: build the test strings from the test recordings.

    Raises
    ------
    ValueError
        If the counts are inconsistent or there are no recordings.
    """
    if len(sequences) == 0 or len(sequences) != len(labels):
        raise ValueError(f"need as many labels as recordings (at least one); got {len(sequences)} and {len(labels)}")
    if n_strings <= 0 or not 1 <= min_digits <= max_digits:
        raise ValueError(f"need n_strings > 0 and 1 <= min_digits <= max_digits; got {n_strings}, {min_digits}, "
                         f"{max_digits}")
    rng = np.random.default_rng(seed)
    features, targets = [], []
    for _ in range(n_strings):
        picks = rng.integers(len(sequences), size=rng.integers(min_digits, max_digits + 1))
        features.append(np.concatenate([sequences[i] for i in picks]))
        targets.append(np.asarray(labels)[picks])
    return features, targets


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
