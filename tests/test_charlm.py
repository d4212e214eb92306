"""utils.charlm: windows, scoring with carried context, generation, checkpoints and the training script."""

from __future__ import annotations

import math

import numpy as np
import pytest

from utils import charlm
from utils.language import CharVocab

TEXT = "to be or not to be, that is the question.\n" * 20


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    vocab = CharVocab.from_text(TEXT)
    return charlm.build_model(len(vocab), hidden=8, embed_dim=4), vocab


def test_sample_windows_are_shifted_by_one() -> None:
    ids = np.arange(100)
    x, y = charlm.sample_windows(ids, 5, 10, np.random.default_rng(0))
    assert x.shape == y.shape == (5, 10) and x.dtype == np.int32
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="longer than"):
        charlm.sample_windows(ids[:5], 1, 10, np.random.default_rng(0))


def _full_pass(model, ids: np.ndarray) -> np.ndarray:
    inputs = np.concatenate([[charlm.START_ID], ids[:-1]])[None].astype(np.int32)
    logits = np.asarray(model.predict_on_batch(inputs), dtype=np.float64)[0]
    top = logits.max(-1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    return logp[np.arange(len(ids)), ids] / math.log(2)


def test_segments_with_enough_context_score_like_one_pass(tiny_model) -> None:
    model, vocab = tiny_model
    ids = vocab.encode(TEXT[:300])
    full = _full_pass(model, ids)
    np.testing.assert_allclose(charlm.log2_probabilities(model, ids, context=300, segment=37, batch_size=3), full,
                               rtol=1e-4, atol=1e-5)
    short = charlm.log2_probabilities(model, ids, context=5, segment=37)
    assert short.shape == full.shape and np.all(short <= 0)
    np.testing.assert_allclose(short[:37], full[:37], rtol=1e-4, atol=1e-5)  # the first segment starts at the start
    with pytest.raises(ValueError, match="non-empty"):
        charlm.log2_probabilities(model, np.zeros(0, dtype=np.int64))


def test_generate_is_seeded_and_checks_its_temperature(tiny_model) -> None:
    model, vocab = tiny_model
    a = charlm.generate(model, vocab, "to be", 30, 1.0, np.random.default_rng(1))
    b = charlm.generate(model, vocab, "to be", 30, 1.0, np.random.default_rng(1))
    assert a == b and len(a) == 30 and set(a) <= set(vocab.chars)
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            charlm.generate(model, vocab, "to", 5, bad, np.random.default_rng(0))


def test_generate_carries_the_state_like_one_pass(tiny_model) -> None:
    # With a near-zero temperature sampling is greedy; each next character must be the argmax of
    # the full model run over everything generated so far.
    model, vocab = tiny_model
    seed = "to be or"
    out = charlm.generate(model, vocab, seed, 6, 1e-6, np.random.default_rng(0))
    text = seed
    for ch in out:
        inputs = np.concatenate([[charlm.START_ID], vocab.encode(text)])[None].astype(np.int32)
        logits = np.asarray(model.predict_on_batch(inputs))[0, -1]
        logits[charlm.START_ID] = -np.inf
        assert vocab.decode([int(np.argmax(logits))]) == ch
        text += ch


def test_training_script_runs_and_its_checkpoint_round_trips(tmp_path) -> None:
    train, val = tmp_path / "train.txt", tmp_path / "val.txt"
    train.write_text(TEXT, encoding="utf-8")
    val.write_text(TEXT[:200], encoding="utf-8")
    out = tmp_path / "ck" / "tiny.npz"
    args = ["train", "--train-text", str(train), "--val-text", str(val), "--out", str(out), "--hidden", "8",
            "--embed-dim", "4", "--steps", "4", "--eval-every", "2", "--batch-size", "4", "--seq-len", "16"]
    assert charlm.main(args) == 0
    assert [p.name for p in out.parent.iterdir()] == ["tiny.npz"]  # no temporary file left behind
    ck = charlm.read_checkpoint(out)
    meta = ck.meta
    assert meta["steps"] == 4 and [h["step"] for h in meta["history"]] == [2, 4]
    assert meta["train_sha256"] == charlm.text_sha256(TEXT)
    assert meta["command"].startswith("python -m utils.charlm train")
    assert meta["val_bits"] == pytest.approx(min(h["val_bits"] for h in meta["history"]), abs=1e-4)
    ids = ck.vocab.encode(TEXT[:200])
    assert float(-charlm.log2_probabilities(ck.model, ids).mean()) == pytest.approx(meta["val_bits"], abs=1e-3)
    with pytest.raises(SystemExit):
        charlm.main(["train", "--train-text", str(train)])  # --val-text missing


def test_read_checkpoint_refuses_other_files(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable"):
        charlm.read_checkpoint(bad)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a character-model checkpoint"):
        charlm.read_checkpoint(tmp_path / "other.npz")
