"""Training helpers that need Keras (used by notebooks 07, 08, 09 and 12): the epoch timer."""

from __future__ import annotations

import time

import keras
import numpy as np


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
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
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
