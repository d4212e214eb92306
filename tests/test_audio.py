"""utils.audio: framing, spectra, the mel filterbank, MFCCs, normalisation, warping, digit strings and CTC decoding."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from utils.audio import (
    ctc_greedy_decode,
    dct_matrix,
    energy_segments,
    frame_signal,
    hz_to_mel,
    join_recordings,
    mel_filterbank,
    mel_to_hz,
    mfcc,
    normalise_utterance,
    plan_strings,
    power_spectrogram,
    warp_frequencies,
)


def test_mel_scale() -> None:
    assert abs(float(hz_to_mel(1000.0)) - 1000.0) < 0.1          # the scale is built so that 1 kHz is 1000 mel
    hz = np.array([0.0, 100.0, 4000.0])
    assert np.allclose(mel_to_hz(hz_to_mel(hz)), hz)
    assert np.all(np.diff(hz_to_mel(np.linspace(0, 8000, 50))) > 0)


def test_frame_signal_keeps_every_sample() -> None:
    frames = frame_signal(np.arange(10.0), frame_length=4, hop_length=3)
    assert frames.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert frame_signal(np.arange(5.0), 4, 3).tolist() == [[0, 1, 2, 3], [3, 4, 0, 0]]
    assert frame_signal(np.arange(2.0), 4, 3).shape == (1, 4)
    with pytest.raises(ValueError, match="1-D"):
        frame_signal(np.zeros((2, 2)), 4, 3)
    with pytest.raises(ValueError, match="positive"):
        frame_signal(np.zeros(5), 0, 3)


def test_power_spectrum_peaks_at_the_tone() -> None:
    rate, n_fft = 8000, 512
    tone = np.sin(2 * np.pi * (40 * rate / n_fft) * np.arange(rate) / rate)  # exactly bin 40
    power = power_spectrogram(tone, rate, n_fft=n_fft)
    assert power.shape == (99, n_fft // 2 + 1)             # 1 + ceil((8000 - 200) / 80) frames
    assert (power[5:-5].argmax(axis=1) == 40).all()
    with pytest.raises(ValueError, match="n_fft"):
        power_spectrogram(tone, rate, frame_ms=100, n_fft=512)


def test_mel_filterbank_shape_and_triangles() -> None:
    bank = mel_filterbank(26, 512, 8000)
    assert bank.shape == (26, 257) and bank.min() == 0.0
    assert np.all(bank.max(axis=1) > 0.5) and bank.max() <= 1.0
    assert np.all(np.diff(bank.argmax(axis=1)) >= 0)                 # centres rise with the filter index
    assert (np.count_nonzero(bank, axis=0) <= 2).all()                # neighbouring triangles overlap by half
    with pytest.raises(ValueError, match="fmax"):
        mel_filterbank(26, 512, 8000, fmax=5000)


def test_dct_matrix_is_scipys_orthonormal_dct() -> None:
    v = np.random.default_rng(0).normal(size=26)
    assert np.allclose(dct_matrix(26, 26) @ v, scipy.fft.dct(v, norm="ortho"))
    assert np.allclose(dct_matrix(26, 26) @ dct_matrix(26, 26).T, np.eye(26))
    assert np.allclose(dct_matrix(13, 26) @ v, scipy.fft.dct(v, norm="ortho")[:13])


def test_mfcc_loudness_moves_only_the_first_coefficient() -> None:
    t = np.arange(4000) / 8000
    tones = np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 1336 * t)
    signal = tones + 0.01 * np.random.default_rng(0).normal(size=len(tones))   # some energy in every band
    quiet, loud = mfcc(signal, 8000), mfcc(4 * signal, 8000)
    assert quiet.shape == (len(frame_signal(signal, 200, 80)), 13)
    shift = loud - quiet                        # 16 times the power: log(16) more in every band, then the DCT
    assert np.allclose(shift[:, 0], np.log(16) * np.sqrt(26), atol=1e-3)
    assert np.allclose(shift[:, 1:], 0, atol=1e-3)
    with pytest.raises(ValueError, match="n_mfcc"):
        mfcc(signal, 8000, n_mfcc=30)


def test_plan_strings_uses_every_recording_once_per_pass() -> None:
    for n, passes in [(3, 1), (11, 2), (300, 3)]:
        strings = plan_strings(n, passes, min_digits=3, max_digits=7, seed=1)
        assert all(3 <= len(s) <= 7 and len(set(s.tolist())) == len(s) for s in strings)
        assert np.array_equal(np.bincount(np.concatenate(strings), minlength=n), np.full(n, passes))
    again = plan_strings(300, 3, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(plan_strings(300, 3, seed=1), again, strict=True))
    for n in range(3, 60):                         # narrow ranges too: every part within the sizes asked for
        for low, high in [(3, 4), (2, 3), (4, 5), (3, 3)]:
            if any(k * low <= n <= k * high for k in range(1, n // low + 1)):
                parts = plan_strings(n, 1, min_digits=low, max_digits=high, seed=n)
                assert all(low <= len(p) <= high for p in parts) and sum(map(len, parts)) == n
            else:
                with pytest.raises(ValueError, match="can be cut"):
                    plan_strings(n, 1, min_digits=low, max_digits=high)
    with pytest.raises(ValueError, match="min_digits"):
        plan_strings(2, 1)
    with pytest.raises(ValueError, match="min_digits"):
        plan_strings(10, 1, min_digits=4, max_digits=3)


def test_join_recordings_puts_quiet_pauses_between_the_words() -> None:
    rng = np.random.default_rng(0)
    words = [np.sin(np.arange(n) / 3).astype(np.float32) for n in (800, 1200, 600)]
    signal, bounds = join_recordings(words, 8000, rng, pause_s=(0.1, 0.2), snr_db=(30, 30))
    assert signal.dtype == np.float32 and bounds.shape == (3, 2) and bounds[-1, 1] == len(signal)
    assert np.array_equal(bounds[:, 1] - bounds[:, 0], [800, 1200, 600])
    gaps = bounds[1:, 0] - bounds[:-1, 1]
    assert ((gaps >= 800) & (gaps <= 1600)).all()
    speech = np.concatenate([signal[a:b] for a, b in bounds])
    clean = np.concatenate(words)
    snr = 10 * np.log10(np.mean(clean ** 2) / np.mean((speech - clean) ** 2))
    assert abs(snr - 30) < 0.5
    pause = signal[bounds[0, 1]:bounds[1, 0]]
    assert 0 < np.abs(pause).max() < 0.2, "pauses hold a little noise"
    with pytest.raises(ValueError, match="at least one waveform"):
        join_recordings([], 8000, rng)
    with pytest.raises(ValueError, match="not empty"):
        join_recordings([np.zeros(0)], 8000, rng)


def _burst(n: int) -> np.ndarray:
    return np.sin(np.arange(n) / 2).astype(np.float32)


def test_energy_segments_finds_words_between_pauses() -> None:
    rng = np.random.default_rng(1)
    # a word with a 40 ms closure inside it, then a 150 ms pause, then a second word
    word = np.concatenate([_burst(1600), np.zeros(320, np.float32), _burst(1200)])
    signal, bounds = join_recordings([word, _burst(2000)], 8000, rng, pause_s=(0.15, 0.15), snr_db=(30, 30))
    found = energy_segments(signal, 8000, threshold_db=10, min_gap_s=0.08)
    assert found.shape == (2, 2)
    assert np.all(np.abs(found - bounds) <= 200 + 80), "each word's edges within a frame and a hop"
    split = energy_segments(signal, 8000, threshold_db=10, min_gap_s=0.02)
    assert len(split) == 3, "a shorter minimum gap cuts the first word at its closure"
    assert len(energy_segments(signal, 8000, 10, 0.08, min_word_s=0.3)) == 1, "short words dropped"
    # a word 25 dB quieter than its neighbour, both well above the noise: both found
    mixed, _ = join_recordings([_burst(2000), 0.056 * _burst(2000)], 8000, rng, pause_s=(0.15, 0.15), snr_db=(45, 45))
    assert len(energy_segments(mixed, 8000, 10, 0.08)) == 2, "a quiet word is still found above the noise floor"
    with pytest.raises(ValueError, match="threshold_db"):
        energy_segments(signal, 8000, threshold_db=0, min_gap_s=0.1)
    with pytest.raises(ValueError, match="min_gap_s > 0"):
        energy_segments(signal, 8000, threshold_db=10, min_gap_s=0)


def test_ctc_greedy_decode_merges_repeats_then_drops_blanks() -> None:
    blank = 3
    path = [0, 0, 3, 0, 1, 1, 3, 3, 2, 2]                       # -> 0 0 1 2: a blank separates the two 0s
    probs = np.eye(4)[path][None]
    assert ctc_greedy_decode(probs, [10], blank)[0].tolist() == [0, 0, 1, 2]
    assert ctc_greedy_decode(probs, [4], blank)[0].tolist() == [0, 0]
    assert ctc_greedy_decode(probs, [3], blank)[0].tolist() == [0]
    assert ctc_greedy_decode(probs, [0], blank)[0].tolist() == []
    with pytest.raises(ValueError, match="blank"):
        ctc_greedy_decode(probs, [10], 4)
    with pytest.raises(ValueError, match="one length"):
        ctc_greedy_decode(probs, [11], blank)


def test_normalise_utterance_removes_a_fixed_channel() -> None:
    features = np.random.default_rng(0).normal(size=(50, 13)) * 3 + 7
    centred, scaled = normalise_utterance(features), normalise_utterance(features, variance=True)
    assert centred.dtype == scaled.dtype == np.float32
    assert np.allclose(centred.mean(axis=0), 0, atol=1e-5) and np.allclose(centred.std(axis=0), features.std(axis=0))
    assert np.allclose(scaled.std(axis=0), 1, atol=1e-4)
    channel = np.linspace(-2, 2, 13)                           # a fixed filter adds a constant to each coefficient
    assert np.allclose(normalise_utterance(features + channel), centred, atol=1e-5)
    assert np.isfinite(normalise_utterance(np.ones((3, 13)), variance=True)).all()   # no division by 0
    for bad in (np.zeros(13), np.zeros((0, 13))):
        with pytest.raises(ValueError, match="frames, coefficients"):
            normalise_utterance(bad)


def test_warp_frequencies_scales_below_the_boundary_and_keeps_the_range() -> None:
    hz = np.linspace(0, 4000, 81)
    for alpha in (0.9, 1.0, 1.1):
        warped = warp_frequencies(hz, alpha, 4000)
        assert warped[0] == 0 and np.isclose(warped[-1], 4000) and np.all(np.diff(warped) > 0)
        low = hz < 0.85 * 4000 * min(alpha, 1) / alpha
        assert np.allclose(warped[low], alpha * hz[low])
    with pytest.raises(ValueError, match="alpha"):
        warp_frequencies(hz, 3.0, 4000)
    raised = mel_filterbank(26, 512, 8000, warp=1.1)
    assert raised.shape == (26, 257) and (raised.argmax(axis=1) >= mel_filterbank(26, 512, 8000).argmax(axis=1)).all()
    signal = np.random.default_rng(1).normal(size=4000)
    assert not np.allclose(mfcc(signal, 8000, warp=1.1), mfcc(signal, 8000))
    assert np.allclose(mfcc(signal, 8000, warp=1.0), mfcc(signal, 8000))
