"""Action-recognition clips that the course generates itself, deterministically.

No package on the index ships labelled video, so notebook 12 uses short grey clips of a
shape performing one of seven actions, made here from a seed:

====================  ==================================================
class                 what the shape does
====================  ==================================================
move left / right     slides horizontally, at a random speed and height
grow / shrink         scales up or down by a random factor, in place
rotate clockwise /    turns by 150-270 degrees about a point beside it,
rotate anticlockwise  like a clock hand (clockwise as seen on the screen)
stay                  stays put, with a small jitter
====================  ==================================================

Each clip also has a random shape (five asymmetric polygons), size, brightness and position,
a random static clutter of small blobs, and pixel noise. The second class of each pair is
made by reversing the frames of a clip of the first class drawn from the same parameters, so
the two classes of a pair have exactly the same distribution of *sets* of frames: they
differ only in the order of the frames, and a model that ignores order cannot tell them
apart (notebook 12 proves it).

Clips are ``uint8`` arrays of shape ``(frames, size, size)``; the whole set is a
:class:`ClipSet`. The same arguments give the same bytes on every machine
(:func:`clips_sha256`, checked against ``datasets/catalogue.json`` by the tests).

Used by notebook 12.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from matplotlib.path import Path as PolygonPath

CLASSES: tuple[str, ...] = ("move left", "move right", "grow", "shrink", "rotate clockwise",
                            "rotate anticlockwise", "stay")
#: Pairs of classes that differ only in the order of their frames (the second is the first reversed).
ORDER_PAIRS: tuple[tuple[int, int], ...] = ((1, 0), (2, 3), (5, 4))
#: For each class, the class of the same clip played backwards ("stay" stays "stay").
REVERSED_CLASS: tuple[int, ...] = (1, 0, 3, 2, 5, 4, 6)
#: Asymmetric shapes (no rotational or mirror symmetry that would hide the action), in units of their size.
SHAPES: dict[str, np.ndarray] = {
    "L": np.array([[-0.6, -1.0], [-0.1, -1.0], [-0.1, 0.5], [0.7, 0.5], [0.7, 1.0], [-0.6, 1.0]]),
    "F": np.array([[-0.6, -1.0], [0.8, -1.0], [0.8, -0.55], [-0.1, -0.55], [-0.1, -0.15], [0.5, -0.15],
                   [0.5, 0.3], [-0.1, 0.3], [-0.1, 1.0], [-0.6, 1.0]]),
    "arrow": np.array([[-1.0, -0.3], [0.2, -0.3], [0.2, -0.8], [1.0, 0.0], [0.2, 0.8], [0.2, 0.3], [-1.0, 0.3]]),
    "wedge": np.array([[-0.9, -0.9], [0.9, -0.2], [-0.2, 0.9]]),
    "P": np.array([[-0.6, -1.0], [0.7, -1.0], [0.7, 0.1], [-0.05, 0.1], [-0.05, 1.0], [-0.6, 1.0]]),
}
_SUPERSAMPLE = 3  # sub-pixels per pixel side, for anti-aliased edges


@dataclass(frozen=True)
class ClipSet:
    """Clips with their labels and the parameters that made them.

    Attributes
    ----------
    clips : uint8 array, shape ``(n, frames, size, size)``
    labels : int array, shape ``(n,)``, indices into :data:`CLASSES`
    shapes : the name of each clip's shape (a key of :data:`SHAPES`)
    speeds : each clip's amount of motion per frame, in the unit of its action (pixels for
        moving, size ratio for growing, degrees for rotating, 0 for staying)
    """

    clips: np.ndarray
    labels: np.ndarray
    shapes: np.ndarray
    speeds: np.ndarray

    @property
    def class_names(self) -> tuple[str, ...]:
        """The action names, indexed by label."""
        return CLASSES

    def __len__(self) -> int:
        return len(self.labels)


def render_shape(shape: np.ndarray, centre: tuple[float, float], scale: float, angle: float,
                 size: int) -> np.ndarray:
    """Return the coverage (0 to 1) of each pixel of a ``size`` x ``size`` frame by a polygon.

    ``shape`` holds the polygon's vertices in its own units, ``scale`` is its half-size in
    pixels, ``angle`` turns it anticlockwise on the screen (radians), and ``centre`` is
    ``(x, y)`` in pixels with ``y`` pointing down, as images are shown. Edges are
    anti-aliased by sampling each pixel at 3 x 3 points.

    Raises
    ------
    ValueError
        If ``shape`` is not an ``(k, 2)`` array with ``k >= 3`` or ``size``/``scale`` is not positive.
    """
    shape = np.asarray(shape, dtype=float)
    if shape.ndim != 2 or shape.shape[1] != 2 or len(shape) < 3:
        raise ValueError(f"shape must be a (k, 2) array of k >= 3 vertices, got shape {shape.shape}")
    if size <= 0 or scale <= 0:
        raise ValueError(f"size and scale must be positive, got size={size}, scale={scale}")
    c, s = np.cos(angle), np.sin(angle)
    # Anticlockwise on screen with y pointing down: x' = x cos + y sin, y' = -x sin + y cos.
    turned = shape @ np.array([[c, -s], [s, c]])
    vertices = turned * scale + np.asarray(centre, dtype=float)
    coverage = np.zeros((size, size))
    # Only the pixels of the polygon's bounding box can be covered.
    (x0, y0), (x1, y1) = np.clip(np.floor(vertices.min(0)), 0, size), np.clip(np.ceil(vertices.max(0)), 0, size)
    x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
    if x1 <= x0 or y1 <= y0:
        return coverage
    xx, yy = np.meshgrid(x0 + (np.arange((x1 - x0) * _SUPERSAMPLE) + 0.5) / _SUPERSAMPLE,
                         y0 + (np.arange((y1 - y0) * _SUPERSAMPLE) + 0.5) / _SUPERSAMPLE)
    inside = PolygonPath(vertices).contains_points(np.column_stack([xx.ravel(), yy.ravel()]))
    coverage[y0:y1, x0:x1] = inside.reshape(y1 - y0, _SUPERSAMPLE, x1 - x0, _SUPERSAMPLE).mean(axis=(1, 3))
    return coverage


def _clutter(rng: np.random.Generator, size: int) -> np.ndarray:
    """A static background: a dim gradient and 2-4 small blobs of random brightness."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    background = rng.uniform(0.0, 0.15) * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1) + 1)
    for _ in range(rng.integers(2, 5)):
        cx, cy, radius = rng.uniform(0, size, 2).tolist() + [rng.uniform(1.0, 2.5)]
        blob = np.exp(-(((xx * size - cx) ** 2 + (yy * size - cy) ** 2) / (2 * radius ** 2)))
        background = background + rng.uniform(0.2, 0.5) * blob
    return background


def _forward_motion(kind: str, rng: np.random.Generator, frames: int, size: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Centres ``(frames, 2)``, scales and angles of the first class of a pair (or of 'stay')."""
    t = np.linspace(0.0, 1.0, frames) ** rng.uniform(0.7, 1.4)      # uneven speed within a clip
    angle0 = rng.uniform(0, 2 * np.pi)
    if kind == "move":
        scale = rng.uniform(3.5, 5.0)
        distance = rng.uniform(0.35, 0.6) * size
        x0 = rng.uniform(scale + 1, size - scale - 1 - distance)
        y = rng.uniform(scale + 1, size - scale - 1)
        centres = np.column_stack([x0 + distance * t, np.full(frames, y)])
        return centres, np.full(frames, scale), np.full(frames, angle0), distance / (frames - 1)
    if kind == "grow":
        small, ratio = rng.uniform(2.5, 3.5), rng.uniform(2.0, 3.0)
        margin = small * ratio + 1
        centre = rng.uniform(margin, size - margin, 2)
        scales = small * ratio ** t
        return np.tile(centre, (frames, 1)), scales, np.full(frames, angle0), ratio ** (1 / (frames - 1))
    if kind == "rotate":
        # Like a clock hand: the shape turns about a pivot beside it, so it also travels along an arc.
        scale, radius = rng.uniform(3.5, 5.0), rng.uniform(6.0, 9.0)
        pivot = rng.uniform(radius + scale + 1, size - radius - scale - 1, 2)
        turn = np.deg2rad(rng.uniform(150, 270))
        phi = angle0 + turn * t                                        # anticlockwise on screen: phi grows
        centres = pivot + radius * np.column_stack([np.cos(phi), -np.sin(phi)])
        return centres, np.full(frames, scale), phi, np.rad2deg(turn) / (frames - 1)
    if kind == "stay":
        scale = rng.uniform(3.5, 7.0)
        centre = rng.uniform(scale + 2, size - scale - 2, 2)
        jitter = rng.normal(0, 0.4, (frames, 2))
        return centre + jitter, np.full(frames, scale), np.full(frames, angle0), 0.0
    raise ValueError(f"unknown motion {kind!r}")


_MOTION = {0: ("move", True), 1: ("move", False), 2: ("grow", False), 3: ("grow", True),
           4: ("rotate", True), 5: ("rotate", False), 6: ("stay", False)}


def make_clip(label: int, rng: np.random.Generator, frames: int = 16, size: int = 32,
              noise: float = 0.08) -> tuple[np.ndarray, str, float]:
    """Make one clip of class ``label``; return ``(clip, shape name, speed)``.

    ``clip`` is a ``uint8`` array of shape ``(frames, size, size)``.

    Raises
    ------
    ValueError
        If ``label`` is not a class index, ``frames < 2`` or ``size < 16``.
    """
    if label not in _MOTION:
        raise ValueError(f"label must be one of 0..{len(CLASSES) - 1}, got {label}")
    if frames < 2 or size < 16:
        raise ValueError(f"need frames >= 2 and size >= 16, got frames={frames}, size={size}")
    kind, reverse = _MOTION[label]
    shape_name = list(SHAPES)[rng.integers(len(SHAPES))]
    centres, scales, angles, speed = _forward_motion(kind, rng, frames, size)
    brightness = rng.uniform(0.55, 0.9)
    background = _clutter(rng, size)
    video = np.stack([background + brightness * render_shape(SHAPES[shape_name], tuple(c), s, a, size)
                      for c, s, a in zip(centres, scales, angles, strict=True)])
    video = video + rng.normal(0, noise, video.shape)
    if reverse:
        video = video[::-1]
    return np.clip(np.round(video * 255), 0, 255).astype(np.uint8), shape_name, float(speed)


def make_action_clips(n_per_class: int, frames: int = 16, size: int = 32, noise: float = 0.08,
                      seed: int = 0) -> ClipSet:
    """Make ``n_per_class`` clips of every class in :data:`CLASSES`, interleaved by class.

    Clip ``i`` has label ``i % 7``; every clip has its own random generator, seeded from
    ``(seed, i)``, so the first clips are the same whatever ``n_per_class`` is.

    Raises
    ------
    ValueError
        If ``n_per_class`` is not positive (and see :func:`make_clip`).
    """
    if n_per_class <= 0:
        raise ValueError(f"n_per_class must be positive, got {n_per_class}")
    n = n_per_class * len(CLASSES)
    clips = np.empty((n, frames, size, size), dtype=np.uint8)
    labels = np.arange(n) % len(CLASSES)
    shapes, speeds = np.empty(n, dtype=object), np.empty(n)
    for i, label in enumerate(labels):
        clips[i], shapes[i], speeds[i] = make_clip(int(label), np.random.default_rng([seed, i]), frames, size, noise)
    return ClipSet(clips, labels, shapes, speeds)


def clips_sha256(clip_set: ClipSet) -> str:
    """The sha256 of the clips' bytes followed by the labels' (as int64): a fingerprint of the data."""
    digest = hashlib.sha256(np.ascontiguousarray(clip_set.clips).tobytes())
    digest.update(np.asarray(clip_set.labels, dtype=np.int64).tobytes())
    return digest.hexdigest()
