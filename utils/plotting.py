"""Figures shared by several notebooks (matplotlib only).

Used by notebooks 01, 03, 07, 08, 09 and 12.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch


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


def _node(ax: Axes, xy: tuple[float, float], text: str, color: str = "white", radius: float = 0.32) -> None:
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", linewidth=1.0, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=11, zorder=4)


def _line(ax: Axes, points: Sequence[tuple[float, float]], arrow: bool = True, color: str = "black",
          lw: float = 1.3) -> None:
    xs, ys = zip(*points, strict=True)
    ax.plot(xs[:-1] if arrow else xs, ys[:-1] if arrow else ys, color=color, lw=lw, zorder=1)
    if arrow:
        _arrow(ax, points[-2], points[-1], color=color)
        ax.patches[-1].set_zorder(2)
        ax.patches[-1].set_linewidth(lw)


def draw_lstm_cell(ax: Axes | None = None) -> Axes:
    """Draw one LSTM step: the cell-state line on top, the four gates below it.

    The forget gate :math:`f_t` scales the old cell state, the input gate :math:`i_t` scales
    the candidate :math:`g_t` that is added to it, and the output gate :math:`o_t` decides
    how much of :math:`\\tanh(c_t)` becomes the new hidden state :math:`h_t`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.6))
    sigma_c, tanh_c = "#fde2c8", "#dbe9f6"
    ax.add_patch(FancyBboxPatch((0.3, 0.3), 9.4, 5.6, boxstyle="round,pad=0.1", facecolor="#f7f7f7",
                                edgecolor="grey", linewidth=1.0, zorder=0))
    # Cell state: c_{t-1} -> x f -> + i*g -> c_t
    ax.text(-0.9, 5.0, r"$c_{t-1}$", fontsize=12, va="center", ha="center")
    ax.text(10.9, 5.0, r"$c_t$", fontsize=12, va="center", ha="center")
    _line(ax, [(-0.4, 5.0), (2.18, 5.0)], color="tab:green", lw=2.5)
    _line(ax, [(2.82, 5.0), (5.18, 5.0)], color="tab:green", lw=2.5)
    _line(ax, [(5.82, 5.0), (10.4, 5.0)], color="tab:green", lw=2.5)
    _node(ax, (2.5, 5.0), r"$\times$")
    _node(ax, (5.5, 5.0), "+")
    # Hidden state and input join into one bus feeding the gates.
    ax.text(-0.9, 1.0, r"$h_{t-1}$", fontsize=12, va="center", ha="center")
    ax.text(1.0, -0.7, r"$x_t$", fontsize=12, va="center", ha="center")
    ax.plot([-0.4, 8.0], [1.0, 1.0], color="black", lw=1.3)
    _line(ax, [(1.0, -0.4), (1.0, 1.0)], arrow=False)
    gates = [(2.5, r"$\sigma$", sigma_c, r"$f_t$"), (4.5, r"$\sigma$", sigma_c, r"$i_t$"),
             (6.0, "tanh", tanh_c, r"$g_t$"), (8.0, r"$\sigma$", sigma_c, r"$o_t$")]
    for x, text, color, label in gates:
        _line(ax, [(x, 1.0), (x, 1.95)])
        _box(ax, (x, 2.35), text, color, width=0.9)
        ax.text(x - 0.8, 3.0, label, fontsize=11)
    _line(ax, [(2.5, 2.75), (2.5, 4.68)])                      # f_t -> x
    _node(ax, (5.25, 3.75), r"$\times$")
    _line(ax, [(4.5, 2.75), (4.5, 3.75), (4.93, 3.75)])        # i_t -> x
    _line(ax, [(6.0, 2.75), (6.0, 3.75), (5.57, 3.75)])        # g_t -> x
    _line(ax, [(5.25, 4.07), (5.25, 4.72)])                    # i*g -> +
    # Output: h_t = o_t * tanh(c_t)
    _line(ax, [(9.0, 5.0), (9.0, 4.35)])
    _box(ax, (9.0, 3.95), "tanh", tanh_c, width=0.9)
    _node(ax, (9.0, 2.35), r"$\times$")
    _line(ax, [(9.0, 3.55), (9.0, 2.67)])
    _line(ax, [(8.5, 2.35), (8.68, 2.35)])                      # o_t -> x
    _line(ax, [(9.32, 2.35), (10.4, 2.35), (10.4, 1.0), (10.9, 1.0)])
    ax.text(11.2, 1.0, r"$h_t$", fontsize=12, va="center")
    _line(ax, [(10.4, 2.35), (10.4, 6.4)])
    ax.text(10.4, 6.6, r"$h_t$ (output)", fontsize=10, ha="center")
    ax.set_xlim(-1.5, 12.0)
    ax.set_ylim(-1.1, 7.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_gru_cell(ax: Axes | None = None) -> Axes:
    """Draw one GRU step in the layout of :func:`draw_lstm_cell`: the state line on top, the gates below.

    The bus under the gates carries :math:`h_{t-1}` and :math:`x_t`; the reset product takes only
    :math:`h_{t-1}` from it and the candidate's tanh adds only :math:`x_t` (small labels say so).
    The update gate :math:`z_t` keeps a share of the old state, :math:`z_t \\odot h_{t-1}`, and lets
    :math:`1 - z_t` of the candidate :math:`\\tilde h_t` in; the reset gate :math:`r_t` decides how much
    of :math:`h_{t-1}` the candidate sees. (Keras' convention; Olah's diagram swaps :math:`z` and
    :math:`1 - z`.)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.6))
    sigma_c, tanh_c = "#fde2c8", "#dbe9f6"
    ax.add_patch(FancyBboxPatch((0.3, 0.3), 8.4, 5.6, boxstyle="round,pad=0.1", facecolor="#f7f7f7",
                                edgecolor="grey", linewidth=1.0, zorder=0))
    # State line: h_{t-1} -> x z -> + (1-z)*candidate -> h_t
    ax.text(-0.9, 5.0, r"$h_{t-1}$", fontsize=12, va="center", ha="center")
    _line(ax, [(-0.4, 5.0), (1.88, 5.0)], color="tab:green", lw=2.5)
    _line(ax, [(2.52, 5.0), (6.68, 5.0)], color="tab:green", lw=2.5)
    _line(ax, [(7.32, 5.0), (9.4, 5.0)], color="tab:green", lw=2.5)
    ax.text(9.9, 5.0, r"$h_t$", fontsize=12, va="center", ha="center")
    _node(ax, (2.2, 5.0), r"$\times$")
    _node(ax, (7.0, 5.0), "+")
    # h_{t-1} also goes down to the bus that feeds the gates, joined by x_t.
    _line(ax, [(0.8, 5.0), (0.8, 1.0)], arrow=False)
    ax.text(1.4, -0.7, r"$x_t$", fontsize=12, va="center", ha="center")
    _line(ax, [(1.4, -0.4), (1.4, 1.0)], arrow=False)
    ax.plot([0.8, 6.2], [1.0, 1.0], color="black", lw=1.3)
    for x, label in ((2.2, r"$z_t$"), (3.5, r"$r_t$")):
        _line(ax, [(x, 1.0), (x, 1.95)])
        _box(ax, (x, 2.35), r"$\sigma$", sigma_c, width=0.9)
        ax.text(x - 0.75, 2.95, label, fontsize=11)
    _line(ax, [(2.2, 2.75), (2.2, 4.68)])                       # z_t -> x on the state line
    # 1 - z_t scales the candidate.
    _line(ax, [(2.2, 3.6), (4.6, 3.6)])
    _box(ax, (5.05, 3.6), r"$1-$", "white", width=0.8)
    _node(ax, (7.0, 3.6), r"$\times$")
    _line(ax, [(5.45, 3.6), (6.68, 3.6)])
    _line(ax, [(7.0, 3.92), (7.0, 4.68)])                       # (1-z)*candidate -> +
    # Candidate: tanh of x_t and r_t * h_{t-1}.
    _node(ax, (5.4, 1.6), r"$\times$")
    _line(ax, [(3.5, 2.75), (3.5, 3.1), (4.4, 3.1), (4.4, 1.6), (5.08, 1.6)])   # r_t
    _line(ax, [(5.4, 1.0), (5.4, 1.28)])                        # h_{t-1} (only) from the bus
    ax.text(5.5, 0.72, r"$h_{t-1}$", fontsize=8, va="center")
    _line(ax, [(5.72, 1.6), (7.0, 1.6), (7.0, 1.95)])
    _line(ax, [(6.2, 1.0), (6.6, 1.0), (6.6, 1.6)], arrow=False)  # x_t (only) from the bus
    ax.text(6.7, 1.2, r"$x_t$", fontsize=8, va="center")
    _box(ax, (7.0, 2.35), "tanh", tanh_c, width=0.9)
    ax.text(7.55, 2.85, r"$\tilde h_t$", fontsize=11)
    _line(ax, [(7.0, 2.75), (7.0, 3.28)])
    ax.set_xlim(-1.5, 10.5)
    ax.set_ylim(-1.1, 6.4)
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


def plot_hidden_states(hs: np.ndarray, ax: Axes | None = None, title: str = "", colorbar: bool = True) -> Axes:
    """Draw hidden states of shape ``(time, units)`` as a heat map (units down, time across).

    Colours run from -1 (blue) to 1 (red), the range of ``tanh``; ``colorbar=False`` leaves
    the scale out (to keep the panel aligned with others below it).

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
    if colorbar:
        fig: Figure = ax.get_figure()  # type: ignore[assignment]
        fig.colorbar(image, ax=ax, label=r"$h_t$ (tanh, in $[-1, 1]$)")
    return ax


def plot_confusion(counts: np.ndarray, class_names: Sequence[str], ax: Axes | None = None, title: str = "") -> Axes:
    """Draw a confusion matrix of counts (true class down, predicted class across), each row shaded by its share.

    Raises
    ------
    ValueError
        If ``counts`` is not square or does not match ``class_names``.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or len(class_names) != len(counts):
        raise ValueError(f"counts must be square with one row per class name; got shape {counts.shape} "
                         f"for {len(class_names)} names")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * len(counts) + 2, 0.55 * len(counts) + 1.5))
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(counts):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                    color="white" if shares[i, j] > 0.6 else "black")
    ticks = np.arange(len(counts))
    ax.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(ticks, class_names, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def animate_clips(clips: np.ndarray, titles: Sequence[str], interval_ms: int = 150,
                  panel_inches: float = 1.3) -> bytes:
    """Return an animated PNG (APNG, looping) of clips shown side by side, frame by frame.

    ``clips`` has shape ``(n, frames, height, width)`` (grey, shown with a fixed 0-255 scale
    for ``uint8``); display the result with ``IPython.display.Image(data=..., format="png")``.
    An animated PNG is a plain image: it plays in Jupyter, Colab and on GitHub's renderer, needs
    no JavaScript and no trusted notebook, and a viewer that cannot animate shows its first frame.

    Raises
    ------
    ValueError
        If ``clips`` is not 4-D, has no frame, or ``titles`` does not have one title per clip.
    """
    import io

    from PIL import Image

    clips = np.asarray(clips)
    if clips.ndim != 4 or len(titles) != len(clips) or clips.shape[1] == 0:
        raise ValueError(f"clips must have shape (n, frames, height, width) with one title each; got shape "
                         f"{clips.shape} and {len(titles)} titles")
    top = 255 if clips.dtype == np.uint8 else float(clips.max())
    fig, axes = plt.subplots(1, len(clips), figsize=(panel_inches * len(clips), panel_inches + 0.4), squeeze=False,
                             dpi=64)  # a small, sharp image per frame keeps the notebook light
    images = []
    for ax, clip, title in zip(axes[0], clips, titles, strict=True):
        images.append(ax.imshow(clip[0], cmap="gray", vmin=0, vmax=top, interpolation="nearest"))
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    frames = []
    for t in range(clips.shape[1]):
        for image, clip in zip(images, clips, strict=True):
            image.set_data(clip[t])
        fig.canvas.draw()
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()))
    plt.close(fig)
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=interval_ms, loop=0,
                   optimize=True)
    return out.getvalue()


def plot_clip_strips(clips: np.ndarray, row_labels: Sequence[str], every: int = 2,
                     panel_inches: float = 1.0) -> Figure:
    """Show clips as image strips: one row per clip, every ``every``-th frame across, time to the right.

    ``clips`` has shape ``(n, frames, height, width)`` (grey; ``uint8`` is shown on a fixed
    0-255 scale). Returns the figure.

    Raises
    ------
    ValueError
        If ``clips`` is not 4-D, ``row_labels`` does not have one label per clip, or ``every < 1``.
    """
    clips = np.asarray(clips)
    if clips.ndim != 4 or len(row_labels) != len(clips) or every < 1:
        raise ValueError(f"clips must have shape (n, frames, height, width) with one label each and every >= 1; "
                         f"got shape {clips.shape}, {len(row_labels)} labels, every={every}")
    shown = list(range(0, clips.shape[1], every))
    top = 255 if clips.dtype == np.uint8 else float(clips.max())
    fig, axes = plt.subplots(len(clips), len(shown), squeeze=False,
                             figsize=(panel_inches * len(shown) + 1.5, panel_inches * len(clips)))
    for row, (clip, label) in enumerate(zip(clips, row_labels, strict=True)):
        for col, t in enumerate(shown):
            axes[row, col].imshow(clip[t], cmap="gray", vmin=0, vmax=top, interpolation="nearest")
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
            if row == 0:
                axes[row, col].set_title(f"t = {t + 1}", fontsize=8)
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def plot_attention(weights: np.ndarray, source_tokens: Sequence[str], target_tokens: Sequence[str],
                   ax: Axes | None = None, title: str = "") -> Axes:
    """Draw attention weights as a heat map: one row per output token, one column per input token.

    ``weights[i, j]`` is how much output token ``i`` attended to input token ``j``; each row
    should sum to one. Cells of 0.3 or more are labelled with their weight.

    Raises
    ------
    ValueError
        If ``weights`` does not have shape ``(len(target_tokens), len(source_tokens))``.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(target_tokens), len(source_tokens)):
        raise ValueError(f"weights must have shape (targets, sources) = ({len(target_tokens)}, "
                         f"{len(source_tokens)}), got {weights.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * len(source_tokens) + 1.5, 0.4 * len(target_tokens) + 1.2))
    ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(weights):
        if value >= 0.3:
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.6 else "black")
    ax.set_xticks(np.arange(len(source_tokens)), source_tokens, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(target_tokens)), target_tokens, fontsize=8)
    ax.set(xlabel="input (attended to)", ylabel="output")
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
