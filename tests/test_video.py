"""utils.video: the generated action clips are deterministic, well formed, and order-only pairs are exact reversals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from utils.data import CATALOGUE_PATH
from utils.video import (
    CLASSES,
    ORDER_PAIRS,
    REVERSED_CLASS,
    SHAPES,
    clips_sha256,
    make_action_clips,
    make_clip,
    render_shape,
)


@pytest.fixture(scope="module")
def small() -> object:
    return make_action_clips(3, frames=8, size=32)


def test_shapes_labels_and_types(small) -> None:
    assert small.clips.shape == (21, 8, 32, 32) and small.clips.dtype == np.uint8
    assert small.labels.tolist() == [i % 7 for i in range(21)]
    assert set(small.shapes) <= set(SHAPES) and len(small) == 21
    assert small.class_names == CLASSES and len(CLASSES) == 7
    assert (small.speeds[small.labels == CLASSES.index("stay")] == 0).all()
    assert (small.speeds[small.labels != CLASSES.index("stay")] > 0).all()


def test_same_seed_same_bytes_other_seed_other_bytes(small) -> None:
    assert clips_sha256(make_action_clips(3, frames=8, size=32)) == clips_sha256(small)
    assert clips_sha256(make_action_clips(3, frames=8, size=32, seed=1)) != clips_sha256(small)
    # Each clip has its own generator: asking for more clips does not change the first ones.
    more = make_action_clips(4, frames=8, size=32)
    assert np.array_equal(more.clips[:7], small.clips[:7])


def test_fingerprint_in_the_catalogue() -> None:
    entry = json.loads(CATALOGUE_PATH.read_text())["generated"]["action_clips"]
    params = entry["parameters"]
    sample = make_action_clips(params["fingerprint_n_per_class"], frames=params["frames"], size=params["size"],
                               noise=params["noise"], seed=params["seed"])
    assert clips_sha256(sample) == entry["fingerprint_sha256"], "the generator's output changed: update the catalogue"


def test_second_class_of_a_pair_is_the_first_reversed() -> None:
    for forward, backward in ORDER_PAIRS:
        a = make_clip(forward, np.random.default_rng(5), frames=10)[0]
        b = make_clip(backward, np.random.default_rng(5), frames=10)[0]
        assert np.array_equal(a[::-1], b), (CLASSES[forward], CLASSES[backward])
        assert REVERSED_CLASS[forward] == backward and REVERSED_CLASS[backward] == forward
    assert REVERSED_CLASS[CLASSES.index("stay")] == CLASSES.index("stay")
    assert sorted(REVERSED_CLASS) == list(range(len(CLASSES)))


def _centroid(frame: np.ndarray) -> np.ndarray:
    weights = frame.astype(float)
    yy, xx = np.mgrid[0:frame.shape[0], 0:frame.shape[1]]
    return np.array([(weights * xx).sum(), (weights * yy).sum()]) / weights.sum()


def test_actions_do_what_their_names_say() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        right = make_clip(CLASSES.index("move right"), rng, noise=0.0)[0].astype(float)
        right -= right.min(axis=0)                                  # without noise the clutter is static: remove it
        assert _centroid(right[-1])[0] > _centroid(right[0])[0] + 5
        grow = make_clip(CLASSES.index("grow"), rng, noise=0.0)[0].astype(float)
        grow -= grow.min(axis=0)
        assert grow[-1].sum() > 2 * grow[0].sum()


def test_render_shape_coverage_and_rotation_direction() -> None:
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    frame = render_shape(square, (16, 16), 4, 0.0, 32)
    assert frame.shape == (32, 32) and abs(frame.sum() - 64) < 1e-9 and frame.max() == 1.0
    bar = np.array([[0, -0.2], [1, -0.2], [1, 0.2], [0, 0.2]])          # points right from the centre
    turned = render_shape(bar, (16, 16), 8, np.pi / 2, 32)              # anticlockwise on screen: points up
    # Pixel (row i, column j) covers [j, j + 1) x [i, i + 1): the centre x = 16 is between columns 15 and 16.
    assert _centroid(turned)[1] < 14 and abs(_centroid(turned)[0] - 15.5) < 0.1
    assert render_shape(square, (-20, -20), 4, 0.0, 32).sum() == 0      # entirely off the frame


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"label": 7}, "label must be"), ({"label": 0, "frames": 1}, "frames >= 2"),
    ({"label": 0, "size": 8}, "size >= 16"),
])
def test_bad_clip_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_clip(rng=np.random.default_rng(0), **kwargs)


def test_bad_shape_and_counts() -> None:
    with pytest.raises(ValueError, match="vertices"):
        render_shape(np.zeros((2, 2)), (5, 5), 1, 0, 16)
    with pytest.raises(ValueError, match="positive"):
        render_shape(np.zeros((3, 2)), (5, 5), 0, 0, 16)
    with pytest.raises(ValueError, match="n_per_class"):
        make_action_clips(0)
