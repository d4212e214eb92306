"""utils.plotting: the shared figures draw what they promise and reject bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyBboxPatch

from utils import plotting


@pytest.mark.parametrize("steps", [1, 4])
def test_unrolled_rnn_has_one_box_per_node(steps: int) -> None:
    ax = plotting.draw_unrolled_rnn(steps)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 3 * (steps + 1)  # x, h, y for the folded net and every step
    labels = {t.get_text() for t in ax.texts}
    assert {rf"$h_{{{steps}}}$", r"$W_{hh}$", r"$h_0$"} <= labels
    plt.close("all")


def test_unrolled_rnn_rejects_silly_lengths() -> None:
    with pytest.raises(ValueError, match="between 1 and 8"):
        plotting.draw_unrolled_rnn(0)


def test_plot_history() -> None:
    logs = {"loss": [3, 2, 1], "val_loss": [3, 2.5, 2], "accuracy": [0.1, 0.5, 0.9]}
    loss_ax, accuracy_ax = plotting.plot_history(logs, metrics=("loss", "accuracy"))
    assert len(loss_ax.lines) == 2 and len(accuracy_ax.lines) == 1  # no val_accuracy logged
    assert list(loss_ax.lines[1].get_ydata()) == [3, 2.5, 2]
    with pytest.raises(KeyError, match="has \\['loss', 'val_loss'\\]"):
        plotting.plot_history({"loss": [1], "val_loss": [1]}, metrics=("accuracy",))
    with pytest.raises(ValueError, match="one axis per metric"):
        plotting.plot_history(logs, metrics=("loss", "accuracy"), axes=[loss_ax])
    plt.close("all")


def test_plot_hidden_states() -> None:
    ax = plotting.plot_hidden_states(np.zeros((10, 4)), title="h")
    assert ax.images[0].get_array().shape == (4, 10) and len(ax.get_figure().axes) == 2  # with a colour bar
    _, bare = plt.subplots()
    assert len(plotting.plot_hidden_states(np.zeros((3, 2)), ax=bare, colorbar=False).get_figure().axes) == 1
    with pytest.raises(ValueError, match="shape \\(time, units\\)"):
        plotting.plot_hidden_states(np.zeros((2, 10, 4)))
    plt.close("all")


def test_lstm_cell_diagram_names_every_gate() -> None:
    ax = plotting.draw_lstm_cell()
    labels = {t.get_text() for t in ax.texts}
    assert {r"$f_t$", r"$i_t$", r"$g_t$", r"$o_t$", r"$c_{t-1}$", r"$c_t$", r"$h_{t-1}$", r"$x_t$"} <= labels
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 6  # the cell outline, four gates, tanh(c_t)
    plt.close("all")


def test_gru_cell_diagram_names_every_gate() -> None:
    ax = plotting.draw_gru_cell()
    labels = {t.get_text() for t in ax.texts}
    assert {r"$z_t$", r"$r_t$", r"$\tilde h_t$", r"$h_{t-1}$", r"$h_t$", r"$x_t$", r"$1-$"} <= labels
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 5  # the cell outline, two gates, 1 - z, the candidate's tanh
    plt.close("all")


def test_plot_confusion_writes_every_nonzero_count() -> None:
    counts = np.array([[3, 1, 0], [0, 2, 0], [1, 0, 4]])
    ax = plotting.plot_confusion(counts, ["a", "b", "c"], title="t")
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "2", "3", "4"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"] and ax.get_title() == "t"
    plt.close("all")
    with pytest.raises(ValueError, match="square"):
        plotting.plot_confusion(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="class name"):
        plotting.plot_confusion(np.zeros((2, 2)), ["a"])


def test_animate_clips_gives_one_frame_per_time_step() -> None:
    import io

    from PIL import Image

    clips = np.zeros((2, 3, 8, 8), dtype=np.uint8)
    clips[:, 1] = 255
    png = plotting.animate_clips(clips, ["one", "two"], interval_ms=120)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"acTL" in png          # an animated PNG
    image = Image.open(io.BytesIO(png))
    assert image.n_frames == 3 and image.info.get("loop") == 0
    shades = []
    for t in range(3):
        image.seek(t)
        shades.append(np.asarray(image.convert("L")).mean())
        assert image.info["duration"] == 120
    assert shades[1] > shades[0] and np.isclose(shades[0], shades[2])   # the white frame is frame 2
    with pytest.raises(ValueError, match="one title each"):
        plotting.animate_clips(clips[:, :0], ["one", "two"])
    with pytest.raises(ValueError, match="one title each"):
        plotting.animate_clips(clips, ["one"])
    with pytest.raises(ValueError, match="shape"):
        plotting.animate_clips(clips[0], ["one", "two", "three"])


def test_plot_clip_strips_one_row_per_clip() -> None:
    clips = np.zeros((3, 6, 8, 8), dtype=np.uint8)
    fig = plotting.plot_clip_strips(clips, ["a", "b", "c"], every=2)
    axes = np.array(fig.axes).reshape(3, 3)
    assert [ax.get_title() for ax in axes[0]] == ["t = 1", "t = 3", "t = 5"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["a", "b", "c"]
    plt.close("all")
    with pytest.raises(ValueError, match="one label each"):
        plotting.plot_clip_strips(clips, ["a"])


def test_plot_attention_labels_rows_columns_and_strong_cells() -> None:
    weights = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    ax = plotting.plot_attention(weights, ["seventy", "five"], ["fünf", "und", "siebzig"], title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["seventy", "five"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fünf", "und", "siebzig"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.5", "0.5", "0.8", "0.9"]
    plt.close("all")
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_attention(weights.T, ["seventy", "five"], ["fünf", "und", "siebzig"])
