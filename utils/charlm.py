"""Character-level GRU language models: the model, its scoring, generation, and the checkpoint trainer.

Used by notebook 06 (text generation). The notebook writes and trains a small model in view;
this module holds the same architecture (:func:`build_model`), the scoring that both the
live model and the shipped checkpoint use (:func:`log2_probabilities`), sampling with a
temperature (:func:`generate`), and the script that trains the larger checkpoint shipped in
``checkpoints/``::

    python -m utils.charlm train --out checkpoints/shakespeare_char_gru.npz

Training is *stateless*: random windows of the training plays, each started from a zero
state. Scoring and generation carry the state along the text instead. A checkpoint is a
plain ``.npz`` (no pickles): the model's weight arrays in order, the vocabulary's characters
and the training settings as JSON. It is written atomically (a temporary file, then renamed),
so an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from utils.language import CharVocab

__all__ = ["Checkpoint", "build_model", "sample_windows", "log2_probabilities", "generate",
           "save_checkpoint", "read_checkpoint", "text_sha256", "train", "main"]

#: Id fed as the input before the first character of a text (the vocabulary's unknown id).
START_ID = 0


def build_model(vocab_size: int, hidden: int = 512, embed_dim: int = 32, dropout: float = 0.0,
                name: str = "char_gru") -> Any:
    """Embedding -> GRU (every step) -> optional dropout -> Dense logits over the vocabulary.

    The model maps ids of shape ``(batch, time)`` to logits ``(batch, time, vocab_size)``:
    the logits at step ``t`` predict the character after input ``t``.
    """
    if vocab_size < 2 or hidden < 1 or embed_dim < 1 or not 0.0 <= dropout < 1.0:
        raise ValueError(f"bad sizes: vocab_size={vocab_size}, hidden={hidden}, embed_dim={embed_dim}, "
                         f"dropout={dropout}")
    import keras

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")(ids)
    x = keras.layers.GRU(hidden, return_sequences=True, name="gru")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(ids, logits, name=name)


def sample_windows(ids: np.ndarray, count: int, length: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random windows of the training ids: inputs ``(count, length)`` and targets shifted by one."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) < length + 2:
        raise ValueError(f"need a 1-D id array longer than length + 1 = {length + 1}, got shape {ids.shape}")
    starts = rng.integers(0, len(ids) - length - 1, size=count)
    rows = starts[:, None] + np.arange(length + 1)
    windows = ids[rows].astype(np.int32)
    return windows[:, :-1], windows[:, 1:]


def log2_probabilities(model: Any, ids: np.ndarray, context: int = 100, segment: int = 1000,
                       batch_size: int = 64) -> np.ndarray:
    """log2 p(c_t | c_1..c_{t-1}) of every character of ``ids`` under a character model.

    The text is cut into segments of ``segment`` characters scored in parallel; each
    segment's state is warmed up on the ``context`` characters before it, so every character
    is predicted from at least ``context`` characters of history (all of it near the start).
    The first character is predicted from :data:`START_ID`, as the n-gram model pads with
    id 0. The positions are the same ones :meth:`KneserNeyCharModel.log2_probabilities` scores.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) == 0:
        raise ValueError(f"expected a non-empty 1-D array of ids, got shape {ids.shape}")
    if context < 0 or segment < 1:
        raise ValueError(f"context must be >= 0 and segment >= 1, got {context} and {segment}")
    inputs = np.concatenate([[START_ID], ids[:-1]]).astype(np.int32)
    starts = np.arange(0, len(ids), segment)
    width = context + segment
    windows = np.zeros((len(starts), width), dtype=np.int32)
    offsets = np.zeros(len(starts), dtype=np.int64)  # where the scored part begins in each window
    for row, s in enumerate(starts):
        begin = max(0, s - context)
        piece = inputs[begin:s + segment]
        windows[row, :len(piece)] = piece  # right padding never changes earlier outputs
        offsets[row] = s - begin
    out = np.empty(len(ids), dtype=np.float64)
    spare = -len(starts) % batch_size  # pad with empty rows so that every batch has one shape: no retracing
    windows = np.concatenate([windows, np.zeros((spare, width), dtype=np.int32)])
    for first in range(0, len(starts), batch_size):
        logits = np.asarray(model.predict_on_batch(windows[first:first + batch_size]), dtype=np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=-1))
        for k, row in enumerate(range(first, min(first + batch_size, len(starts)))):
            s, o = starts[row], offsets[row]
            n = min(segment, len(ids) - s)
            target = ids[s:s + n]
            out[s:s + n] = (logits[k, np.arange(o, o + n), target] - log_norm[k, o:o + n]) / math.log(2)
    return out


def generate(model: Any, vocab: CharVocab, seed_text: str, length: int, temperature: float,
             rng: np.random.Generator) -> str:
    """Sample ``length`` characters after ``seed_text``, carrying the GRU state from step to step.

    The model's weights are run by :func:`utils.scratch.gru_forward` in NumPy, one character
    at a time: the state after the seed text is kept and updated, never recomputed. Logits
    are divided by ``temperature`` before the softmax: below 1 sharpens the distribution,
    above 1 flattens it.
    """
    from utils.scratch import gru_forward

    if temperature <= 0 or not math.isfinite(temperature):
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    table = np.asarray(model.get_layer("embedding").get_weights()[0], dtype=np.float64)
    gru_weights = [np.asarray(w, dtype=np.float64) for w in model.get_layer("gru").get_weights()]
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in model.get_layer("logits").get_weights())
    ids = np.concatenate([[START_ID], vocab.encode(seed_text)])
    hs, h = gru_forward(table[ids][None], gru_weights)
    out = []
    for _ in range(length):
        logits = (h[0] @ kernel + bias) / temperature
        p = np.exp(logits - logits.max())
        p[START_ID] = 0.0  # never emit the unknown marker
        p /= p.sum()
        nxt = int(rng.choice(len(p), p=p))
        out.append(nxt)
        _, h = gru_forward(table[[nxt]][None], gru_weights, h0=h)
    return vocab.decode(out)


def text_sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes: the fingerprint of the data a checkpoint was trained on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- checkpoints

@dataclass
class Checkpoint:
    """A trained character model read from disk, with its vocabulary and training settings."""

    model: Any
    vocab: CharVocab
    meta: dict[str, Any]


def save_checkpoint(path: Path | str, model: Any, vocab: CharVocab, meta: dict[str, Any]) -> str:
    """Write the model's weights, vocabulary and ``meta`` to ``path`` atomically; return its sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"w{i:02d}": np.asarray(w, dtype=np.float32) for i, w in enumerate(model.get_weights())}
    arrays["chars"] = np.array(vocab.chars, dtype="<U1")
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_checkpoint(path: Path | str) -> Checkpoint:
    """Rebuild the model saved by :func:`save_checkpoint` (no pickles are read).

    Raises
    ------
    ValueError
        If the file is not a checkpoint of this module (missing arrays, wrong shapes).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path} is not a readable .npz checkpoint ({err})") from err
    if "chars" not in arrays or "meta" not in arrays:
        raise ValueError(f"{path} is not a character-model checkpoint: no 'chars' or 'meta' array")
    meta = json.loads(str(arrays["meta"]))
    vocab = CharVocab([str(c) for c in arrays["chars"]])
    model = build_model(len(vocab), hidden=int(meta["hidden"]), embed_dim=int(meta["embed_dim"]),
                        dropout=float(meta.get("dropout", 0.0)))
    weights = [arrays[k] for k in sorted(k for k in arrays if k.startswith("w"))]
    expected = [tuple(w.shape) for w in model.get_weights()]
    if [tuple(w.shape) for w in weights] != expected:
        raise ValueError(f"{path}: weight shapes {[w.shape for w in weights]} do not fit the model {expected}")
    model.set_weights(weights)
    return Checkpoint(model, vocab, meta)


# --------------------------------------------------------------------------- training

def train(train_text: str, val_text: str, out: Path | str, *, hidden: int = 512, embed_dim: int = 32,
          dropout: float = 0.1, steps: int = 5000, batch_size: int = 128, seq_len: int = 100,
          learning_rate: float = 2e-3, eval_every: int = 250, seed: int = 0,
          command: str = "", log: Any = sys.stdout) -> dict[str, Any]:
    """Train a character GRU on random windows of ``train_text`` and save the best one to ``out``.

    Adam with gradient clipping (norm 1) and a cosine learning-rate decay over ``steps``
    batches. Every ``eval_every`` batches the model is scored on ``val_text`` (bits per
    character); the weights with the lowest validation score are the ones saved (early
    stopping's "restore the best weights"). Returns the metadata written into the checkpoint.
    """
    import keras

    if steps < 1 or eval_every < 1:
        raise ValueError(f"steps and eval_every must be positive, got {steps} and {eval_every}")
    keras.utils.set_random_seed(seed)
    vocab = CharVocab.from_text(train_text)
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    model = build_model(len(vocab), hidden=hidden, embed_dim=embed_dim, dropout=dropout)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(seed)
    best_bits, best_weights, best_step, history = math.inf, model.get_weights(), 0, []
    started, done = time.perf_counter(), 0
    while done < steps:
        n = min(eval_every, steps - done)
        x, y = sample_windows(train_ids, n * batch_size, seq_len, rng)
        fit = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        done += n
        bits = float(-log2_probabilities(model, val_ids).mean())
        history.append({"step": done, "train_bits": float(fit.history["loss"][-1]) / math.log(2),
                        "val_bits": bits, "seconds": round(time.perf_counter() - started, 1)})
        print(json.dumps(history[-1]), file=log, flush=True)
        if bits < best_bits:
            best_bits, best_weights, best_step = bits, model.get_weights(), done
    model.set_weights(best_weights)
    meta = {
        "hidden": hidden, "embed_dim": embed_dim, "dropout": dropout, "steps": steps,
        "batch_size": batch_size, "seq_len": seq_len, "learning_rate": learning_rate, "seed": seed,
        "best_step": best_step, "val_bits": round(best_bits, 4), "parameters": int(model.count_params()),
        "train_chars": len(train_text), "train_sha256": text_sha256(train_text),
        "val_sha256": text_sha256(val_text), "train_seconds": round(time.perf_counter() - started, 1),
        "command": command, "history": history,
        "versions": {"keras": keras.__version__, "numpy": np.__version__},
    }
    meta["sha256"] = save_checkpoint(out, model, vocab, meta)
    print(json.dumps({k: meta[k] for k in ("best_step", "val_bits", "train_seconds", "sha256")}), file=log)
    return meta


def joined_plays(plays: dict[str, str]) -> str:
    """The plays of one split as one text, in sorted order of their names."""
    return "".join(plays[name] for name in sorted(plays))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m utils.charlm train [options]`` (``--help`` lists them)."""
    parser = argparse.ArgumentParser(prog="python -m utils.charlm", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("train", help="train a character GRU on Shakespeare's training plays")
    p.add_argument("--out", type=Path, default=Path("checkpoints/shakespeare_char_gru.npz"))
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--embed-dim", type=int, default=32)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seq-len", type=int, default=100)
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-text", type=Path, help="a UTF-8 file to train on instead of the training plays")
    p.add_argument("--val-text", type=Path, help="a UTF-8 file to validate on instead of the validation plays")
    args = parser.parse_args(argv)
    if (args.train_text is None) != (args.val_text is None):
        parser.error("give both --train-text and --val-text, or neither")
    if args.train_text is not None:
        train_text = args.train_text.read_text(encoding="utf-8")
        val_text = args.val_text.read_text(encoding="utf-8")
    else:
        from utils.data import load_shakespeare

        plays = load_shakespeare()
        train_text, val_text = joined_plays(plays["train"]), joined_plays(plays["val"])
    command = "python -m utils.charlm " + " ".join(sys.argv[1:] if argv is None else argv)
    train(train_text, val_text, args.out, hidden=args.hidden, embed_dim=args.embed_dim, dropout=args.dropout,
          steps=args.steps, batch_size=args.batch_size, seq_len=args.seq_len,
          learning_rate=args.learning_rate, eval_every=args.eval_every, seed=args.seed, command=command)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
