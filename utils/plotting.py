"""Figures shared by several notebooks (matplotlib only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def _box(ax: Axes, xy: tuple[float, float], text: str, color: str, width: float = 0.8) -> None:
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.3), width, 0.6, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor="black", linewidth=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], label: str = "",
           style: str = "-|>", color: str = "black") -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linewidth=1.2, shrinkA=0, shrinkB=0))
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        if abs(end[1] - start[1]) < 1e-9:  # horizontal: label above the arrow
            ax.text(mx, my + 0.1, label, fontsize=9, color=color, ha="center", va="bottom")
        else:  # vertical: label to the right
            ax.text(mx + 0.08, my, label, fontsize=9, color=color, va="center")


def draw_unrolled_rnn(steps: int = 4, ax: Axes | None = None, show_outputs: bool = True) -> Axes:
    """Draw a simple RNN folded (left) and unrolled over ``steps`` time steps (right).

    Inputs :math:`x_t` sit at the bottom, hidden states :math:`h_t` in the middle and
    outputs :math:`y_t` on top; the same weights :math:`W_{xh}, W_{hh}, W_{hy}` label every
    step, which is the point of the picture.

    Raises
    ------
    ValueError
        If ``steps`` is not between 1 and 8.
    """
    if not 1 <= steps <= 8:
        raise ValueError(f"steps must be between 1 and 8, got {steps}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 + 1.6 * steps, 3.6))
    x_c, h_c, y_c = "#dbe9f6", "#fde2c8", "#d9f0d3"
    # Folded network with its self-loop.
    _box(ax, (0, 0), r"$x_t$", x_c)
    _box(ax, (0, 1.5), r"$h_t$", h_c)
    _arrow(ax, (0, 0.3), (0, 1.2), r"$W_{xh}$")
    ax.add_patch(FancyArrowPatch((0.45, 1.62), (0.45, 1.38),
                                 connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=6",
                                 arrowstyle="-|>", mutation_scale=14, linewidth=1.2))
    ax.text(1.0, 1.5, r"$W_{hh}$", fontsize=9, va="center")
    if show_outputs:
        _box(ax, (0, 3.0), r"$y_t$", y_c)
        _arrow(ax, (0, 1.8), (0, 2.7), r"$W_{hy}$")
    ax.text(1.9, 1.5, "=", fontsize=22, ha="center", va="center")
    # Unrolled network.
    x0 = 3.6
    for t in range(steps):
        cx = x0 + 1.6 * t
        _box(ax, (cx, 0), rf"$x_{{{t + 1}}}$", x_c)
        _box(ax, (cx, 1.5), rf"$h_{{{t + 1}}}$", h_c)
        _arrow(ax, (cx, 0.3), (cx, 1.2), r"$W_{xh}$")
        if show_outputs:
            _box(ax, (cx, 3.0), rf"$y_{{{t + 1}}}$", y_c)
            _arrow(ax, (cx, 1.8), (cx, 2.7), r"$W_{hy}$")
        if t == 0:
            ax.text(cx - 1.1, 1.5, r"$h_0$", fontsize=11, ha="center", va="center")
            _arrow(ax, (cx - 0.9, 1.5), (cx - 0.4, 1.5))
        else:
            _arrow(ax, (cx - 1.2, 1.5), (cx - 0.4, 1.5), r"$W_{hh}$")
    ax.set_xlim(-0.7, x0 + 1.6 * (steps - 1) + 0.7)
    ax.set_ylim(-0.6, 3.6 if show_outputs else 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_history(history: Mapping[str, Sequence[float]] | object,
                 metrics: Sequence[str] = ("loss",), axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Plot training and validation curves from a Keras ``History`` (or its ``.history``).

    One panel per name in ``metrics``, side by side; each shows the training curve and, when
    present, ``val_<name>``. Returns the panels.

    Raises
    ------
    KeyError
        If a metric is not in the history.
    ValueError
        If ``axes`` is given with a length other than ``len(metrics)``.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError("history must be a keras History or a mapping of metric -> values")
    missing = [name for name in metrics if name not in logs]
    if missing:
        raise KeyError(f"{missing} not in the history; it has {sorted(logs)}")
    if axes is None:
        _, grid = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
        axes = list(grid[0])
    if len(axes) != len(metrics):
        raise ValueError(f"need one axis per metric ({len(metrics)}), got {len(axes)}")
    for ax, name in zip(axes, metrics, strict=True):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker="o", label="training")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], marker="s", label="validation")
        ax.set(xlabel="epoch", title=name)
        ax.legend()
    return list(axes)


def plot_hidden_states(hs: np.ndarray, ax: Axes | None = None, title: str = "") -> Axes:
    """Draw hidden states of shape ``(time, units)`` as a heat map (units down, time across).

    Raises
    ------
    ValueError
        If ``hs`` is not 2-D.
    """
    hs = np.asarray(hs)
    if hs.ndim != 2:
        raise ValueError(f"hs must have shape (time, units), got {hs.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * hs.shape[1] + 1.2))
    image = ax.imshow(hs.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xlabel("time step")
    ax.set_ylabel("hidden unit")
    ax.grid(False)
    if title:
        ax.set_title(title)
    fig: Figure = ax.get_figure()  # type: ignore[assignment]
    fig.colorbar(image, ax=ax, label=r"$h_t$ (tanh, in $[-1, 1]$)")
    return ax
