"""Training helpers that need Keras (used by notebooks 05, 07, 08, 09, 10 and 12).

:class:`EpochTimer` times epochs; :func:`length_batches` batches variable-length sequences by
length (notebook 08); :func:`fresh_start` trains a compiled model again from new weights
(notebooks 05, 07, 08, 10 and 12, and the unheard-speaker script of :mod:`utils.speech`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import keras
import numpy as np
import tensorflow as tf


class EpochTimer(keras.callbacks.Callback):
    """A Keras callback that records the wall-clock seconds of every training epoch.

    ``timer = EpochTimer(); model.fit(..., callbacks=[timer])``; then ``timer.seconds`` lists
    the epochs' durations and ``timer.typical()`` is their median without the first epoch,
    which also pays for tracing the model into a graph.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the clock (Keras calls this)."""
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Record the epoch's seconds (Keras calls this)."""
        self.seconds.append(time.perf_counter() - self._start)

    def typical(self) -> float:
        """Median seconds per epoch, leaving out the first epoch when there are several.

        Raises
        ------
        ValueError
            If no epoch was recorded.
        """
        if not self.seconds:
            raise ValueError("no epoch recorded: pass the timer to model.fit(callbacks=[timer])")
        return float(np.median(self.seconds[1:] if len(self.seconds) > 1 else self.seconds))


def length_batches(sequences: Sequence[np.ndarray], labels: np.ndarray, batch_size: int,
                   shuffle_seed: int | None = None,
                   transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
                   ) -> tuple[tf.data.Dataset, np.ndarray]:
    """Batches of sequences of similar length, zero-padded at the end: ``(dataset, order)``.

    Sorting by length before batching means that each batch is padded only to its own
    longest sequence, not to the longest of all, so a recurrent layer with masking runs far
    fewer steps. With ``shuffle_seed`` the batches come in a new order every epoch (for
    training); without it, in order of length, and ``order`` gives the sequence behind each
    row of the concatenated predictions: ``p[order] = model.predict(dataset)`` puts them back
    in the sequences' own order. ``transform(sequence, rng)``, if given, changes each training
    sequence afresh every epoch (data augmentation): it may change the sequence's length (each
    batch is padded to its longest transformed sequence; batches still group sequences by their
    original length) and its feature size (for example, from power spectra to MFCCs).

    Sequences are integer token ids (shape ``(steps,)``; 0 is padding) or float frames
    (shape ``(steps, features)``; an all-zero frame is padding). Labels keep their dtype.

    Raises
    ------
    ValueError
        If there are no sequences, the counts differ, a sequence is empty, the sequences do
        not share a feature size, or ``batch_size`` is not positive.
    """
    if len(sequences) == 0 or len(sequences) != len(labels):
        raise ValueError(f"need one label per sequence (at least one); got {len(sequences)} sequences and "
                         f"{len(labels)} labels")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    arrays = [np.asarray(s) for s in sequences]
    if min(len(a) for a in arrays) == 0 or len({a.shape[1:] for a in arrays}) != 1:
        raise ValueError("every sequence needs at least one step, and all the same feature shape; got shapes "
                         f"{sorted({a.shape[1:] for a in arrays})} and a shortest length {min(len(a) for a in arrays)}")
    labels = np.asarray(labels)
    example = arrays[0] if transform is None else np.asarray(transform(arrays[0], np.random.default_rng(0)))
    tail, dtype = example.shape[1:], (np.int32 if np.issubdtype(example.dtype, np.integer) else np.float32)
    order = np.argsort([len(a) for a in arrays], kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    epoch = [0]

    def generate() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        chosen = list(batches)
        rng = np.random.default_rng((shuffle_seed if shuffle_seed is not None else 0, epoch[0]))
        if shuffle_seed is not None:
            rng.shuffle(chosen)
            epoch[0] += 1
        for batch in chosen:
            rows = [arrays[i] if transform is None else np.asarray(transform(arrays[i], rng)) for i in batch]
            x = np.zeros((len(batch), max(len(r) for r in rows), *tail), dtype=dtype)
            for k, r in enumerate(rows):
                x[k, :len(r)] = r
            yield x, labels[batch]

    spec = (tf.TensorSpec((None, None, *tail), tf.as_dtype(dtype)),
            tf.TensorSpec((None, *labels.shape[1:]), tf.as_dtype(labels.dtype)))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))  # Keras knows the epoch's end
    return dataset, np.concatenate(batches)


def fresh_start(model: keras.Model, fresh: keras.Model) -> None:
    """Give a compiled ``model`` the initial weights of ``fresh`` (same architecture) and reset its optimiser.

    Training the same architecture again (another seed, other data) this way reuses the
    compiled model's training and prediction graphs instead of building new ones, which
    costs seconds per run on a CPU. Adam's step count and moments go back to zero; the
    learning rate is kept.

    Raises
    ------
    ValueError
        If the two models' variables do not match in number and shape.
    """
    if [v.shape for v in model.variables] != [v.shape for v in fresh.variables]:
        raise ValueError(f"{fresh.name} does not have the variables of {model.name}: build it with the same function")
    for target, source in zip(model.variables, fresh.variables, strict=True):
        target.assign(source)
    for variable in model.optimizer.variables:
        if not variable.path.endswith("learning_rate"):
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
