"""Videos of one digit each, under a moving occluder, pixel noise, or the shuffled control.

Every video shows one digit of a :class:`spikesyn.digits.DigitSet` for ``n_frames`` frames; the
condition decides what happens to it:

=================  =========================================================================
condition          frames
=================  =========================================================================
"untransformed"    the clean digit in every frame
"occlude_erase"    a vertical bar sweeps across the digit and sets what it covers to 0
"occlude_bright"   the same bar sets what it covers to 1
"noise"            fresh Gaussian pixel noise of std ``noise_std`` on every frame, clipped
                   to [0, 1]
"shuffled"         the occlude_erase videos with their frames permuted across videos at
                   each frame index, among videos whose bar moves the same way
=================  =========================================================================

The bar is full height and ``occluder_width`` times the image width wide. It enters from
outside one side and leaves at the other at constant speed: its leading edge is at the image
border in the first frame and its trailing edge at the opposite border in the last, so the
first and last frames are clear and, with the default width of 0.8, the middle frames hide
most of the digit. The direction (left to right or right to left) is drawn per video from the
seed. A pixel column the bar covers only in part is blended by the covered fraction ``c``:
erasing gives ``x (1 - c)``, bright gives ``x (1 - c) + c``. ``hidden`` records, per frame, the
fraction of the clean digit's ink (its summed pixel values) under the bar, each column weighted
by ``c``.

The shuffled control keeps, at every frame index, the bar position of its slot (videos that
share a direction have identical bar positions) but takes each frame from another video, chosen
so that consecutive frames of a video come from different source videos whenever the direction
group has more than one video: continuity of the digit is gone, the occlusion profile is not.
Its per-frame labels are in ``frame_labels``.

With ``drift`` > 0 the digit also moves ``drift`` pixels per frame in every condition, in a
direction drawn per video, bouncing off the image edges so that its ink stays inside (bilinear
resampling of the digit, the same path as the "translate" transform of
:mod:`spikesyn.datasets`); occluder and noise then act on the moving digit and ``hidden``
refers to the moved clean digit.

Which digits the videos show, the directions, the drift and the noise come from independent
streams of ``seed``: the same seed gives the same digits, directions and drift in every
condition, so conditions compare paired.

Examples
--------
>>> from spikesyn.digits import load_digits
>>> from spikesyn.digit_videos import make_videos
>>> test = load_digits(split="test", n_test=5)
>>> v = make_videos(test, "occlude_erase", n_videos=8, n_frames=10, seed=1)
>>> v.frames.shape, v.hidden.shape
((8, 10, 196), (8, 10))
>>> float(v.hidden[:, 0].max()), bool(v.hidden.max(axis=1).min() > 0.7)
(0.0, True)
>>> s = make_videos(test, "shuffled", n_videos=8, n_frames=10, seed=1)
>>> bool((s.frame_digit_index[:, 1:] != s.frame_digit_index[:, :-1]).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikesyn.checks import integer_in, real_in
from spikesyn.datasets import DatasetError, _translation_path, _warp
from spikesyn.digits import DigitSet

__all__ = ["CONDITIONS", "OCCLUDED", "VideoSet", "make_videos", "bar_cover"]

#: Conditions :func:`make_videos` can build.
CONDITIONS = ("untransformed", "occlude_erase", "occlude_bright", "noise", "shuffled")
#: Conditions with a moving bar.
OCCLUDED = ("occlude_erase", "occlude_bright", "shuffled")
#: Most videos and frames one call builds.
MAX_VIDEOS = 100_000
MAX_FRAMES = 10_000
#: Largest drift, in pixels per frame.
MAX_DRIFT = 2.0


@dataclass(frozen=True, eq=False)
class VideoSet:
    """Videos of digits, one condition of :func:`make_videos`.

    Attributes
    ----------
    frames : ndarray, shape (n_videos, n_frames, size * size), float64 in [0, 1]
    labels : ndarray, shape (n_videos,), int64
        Label of the digit the video was built from (for "shuffled", of the occlude_erase video
        in its slot: score shuffled videos with ``frame_labels``).
    hidden : ndarray, shape (n_videos, n_frames)
        Fraction of the frame's clean digit ink under the bar (0 without a bar).
    condition : str
    size : int
        Image side in pixels.
    digit_index : ndarray, shape (n_videos,), int64
        Index into the DigitSet of each video's digit.
    frame_labels : ndarray, shape (n_videos, n_frames), int64
        Label of the digit each frame shows (``labels`` repeated except for "shuffled").
    frame_digit_index : ndarray, shape (n_videos, n_frames), int64
        Index into the DigitSet of the digit each frame shows.
    direction : ndarray, shape (n_videos,), int64
        +1: the bar moves left to right, -1: right to left, 0: no bar.
    occluder_width : float
        Bar width as a fraction of the image width.
    drift : float
        Pixels per frame the digit moves (0: it stays put).

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> v = make_videos(load_digits(split="test", n_test=2), "noise", n_videos=3, n_frames=4)
    >>> v.n_videos, v.n_frames, v.frame_labels.shape
    (3, 4, (3, 4))
    """

    frames: np.ndarray
    labels: np.ndarray
    hidden: np.ndarray
    condition: str
    size: int
    digit_index: np.ndarray
    frame_labels: np.ndarray
    frame_digit_index: np.ndarray
    direction: np.ndarray
    occluder_width: float
    drift: float = 0.0

    @property
    def n_videos(self):
        return self.frames.shape[0]

    @property
    def n_frames(self):
        return self.frames.shape[1]

    def __len__(self):
        return self.n_videos


def bar_cover(size, n_frames, occluder_width, direction):
    """Covered fraction of each pixel column, frame by frame, for one sweep of the bar.

    Parameters
    ----------
    size : int
        Image width in pixels.
    n_frames : int
    occluder_width : float
        Bar width as a fraction of ``size``, in (0, 1].
    direction : {+1, -1}
        +1: left to right, -1: right to left.

    Returns
    -------
    ndarray, shape (n_frames, size), values in [0, 1]

    Examples
    --------
    >>> bar_cover(4, 3, 0.5, +1)
    array([[0., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    """
    width = occluder_width * size
    steps = np.arange(n_frames) / max(n_frames - 1, 1)
    left = -width + steps * (size + width)          # left edge, left-to-right sweep
    if direction < 0:
        left = size - width - left                  # mirror image
    right = left + width
    cols = np.arange(size)
    cover = np.minimum(cols + 1, right[:, None]) - np.maximum(cols, left[:, None])
    return np.clip(cover, 0.0, 1.0)


def _check_digits(digits):
    if not isinstance(digits, DigitSet):
        raise DatasetError(f"digits must be a DigitSet (from spikesyn.digits.load_digits), "
                           f"got {type(digits).__name__}")
    if len(digits) == 0:
        raise DatasetError("digits is empty: no digit to make videos of")
    return digits


def _drifting(image, n_frames, drift, direction_deg):
    """(n_frames, H, W): ``image`` moving ``drift`` px per frame, bouncing off the edges."""
    if drift == 0 or not np.any(image > 1e-3):
        return np.repeat(image[None], n_frames, axis=0)
    offsets = _translation_path(image, n_frames, drift, direction_deg)
    return np.stack([_warp(image, 0.0, 1.0, offset) for offset in offsets])


def _choose_digits(rng, n_digits, n_videos):
    """Digit indices for the videos: without replacement until every digit has been used."""
    rounds = -(-n_videos // n_digits)
    return np.concatenate([rng.permutation(n_digits) for _ in range(rounds)])[:n_videos]


def _derangement(rng, n):
    """A random permutation of range(n) with no fixed point (n >= 2), by rejection."""
    while True:
        p = rng.permutation(n)
        if not np.any(p == np.arange(n)):
            return p


def _shuffle_sources(rng, direction, n_frames):
    """(n_videos, n_frames) source video of each frame slot, within each direction group.

    Frame t of slot v comes from video ``src[v, t]`` of the same direction; ``src[:, t]`` is a
    permutation of each group and ``src[v, t] != src[v, t - 1]`` when the group has two or more
    videos (each step composes the previous assignment with a derangement).
    """
    n_videos = direction.size
    src = np.empty((n_videos, n_frames), dtype=np.int64)
    for d in (-1, 1):
        group = np.flatnonzero(direction == d)
        if group.size == 0:
            continue
        current = group[rng.permutation(group.size)]
        src[group, 0] = current
        for t in range(1, n_frames):
            if group.size > 1:
                current = current[_derangement(rng, group.size)]
            src[group, t] = current
    return src


def make_videos(digits, condition, n_videos=300, n_frames=20, occluder_width=0.8, noise_std=0.3,
                seed=0, drift=0.0):
    """Build ``n_videos`` videos of ``n_frames`` frames of the digits in one condition.

    Parameters
    ----------
    digits : DigitSet
        Digits to show (usually a "test" split); video ``v`` shows ``digits[digit_index[v]]``.
    condition : str
        One of :data:`CONDITIONS` (see the module docstring).
    n_videos : int, optional
        Digits are drawn from ``seed`` without replacement while there are unused ones left.
    n_frames : int, optional
    occluder_width : float, optional
        Bar width as a fraction of the image width, in (0, 1].
    noise_std : float, optional
        Standard deviation of the pixel noise of "noise" (grey levels in [0, 1]), >= 0.
    seed : int, optional
    drift : float, optional
        Pixels per frame the digit moves, in [0, 2] (0: it stays put).

    Returns
    -------
    VideoSet

    Raises
    ------
    DatasetError
        An unknown condition or an argument out of range, before any frame is built.

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> digits = load_digits(split="test", n_test=3)
    >>> b = make_videos(digits, "occlude_bright", n_videos=4, n_frames=6)
    >>> e = make_videos(digits, "occlude_erase", n_videos=4, n_frames=6)
    >>> bool((b.digit_index == e.digit_index).all() and (b.hidden == e.hidden).all())
    True
    >>> make_videos(digits, "rotate")
    Traceback (most recent call last):
    ...
    spikesyn.errors.DatasetError: condition must be one of ['untransformed', 'occlude_erase', \
'occlude_bright', 'noise', 'shuffled'], got 'rotate'
    """
    digits = _check_digits(digits)
    if condition not in CONDITIONS:
        raise DatasetError(f"condition must be one of {list(CONDITIONS)}, got {condition!r}")
    n_videos = integer_in(n_videos, "n_videos", 1, MAX_VIDEOS, error=DatasetError)
    n_frames = integer_in(n_frames, "n_frames", 1, MAX_FRAMES, error=DatasetError)
    occluder_width = real_in(occluder_width, "occluder_width", 0.0, 1.0, low_open=True, error=DatasetError)
    noise_std = real_in(noise_std, "noise_std", 0.0, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    drift = real_in(drift, "drift", 0.0, MAX_DRIFT, error=DatasetError)

    choice_rng, direction_rng, noise_rng, shuffle_rng, drift_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5))
    size = digits.size
    digit_index = _choose_digits(choice_rng, len(digits), n_videos)
    drawn_direction = np.where(direction_rng.random(n_videos) < 0.5, 1, -1)
    clean = np.asarray(digits.images, dtype=np.float64)[digit_index]       # (n_videos, P)
    labels = np.asarray(digits.labels, dtype=np.int64)[digit_index]
    drift_direction = drift_rng.uniform(0.0, 360.0, n_videos)
    # the clean (possibly moving) digit of every frame: (n_videos, n_frames, size, size)
    clean_frames = np.stack([_drifting(clean[i].reshape(size, size), n_frames, drift,
                                       drift_direction[i]) for i in range(n_videos)])

    frame_digit_index = np.repeat(digit_index[:, None], n_frames, axis=1)
    hidden = np.zeros((n_videos, n_frames))
    direction = np.zeros(n_videos, dtype=np.int64)
    if condition in ("untransformed", "noise"):
        frames = clean_frames.reshape(n_videos, n_frames, -1)
        if condition == "noise":
            frames = np.clip(frames + noise_rng.normal(0.0, noise_std, frames.shape), 0.0, 1.0)
    else:
        direction = drawn_direction
        # covered fraction of each column: (n_videos, n_frames, 1, size), one row per direction
        covers = {d: bar_cover(size, n_frames, occluder_width, d) for d in (-1, 1)}
        cover = np.stack([covers[d] for d in direction])[:, :, None, :]
        value = 1.0 if condition == "occlude_bright" else 0.0
        frames = (clean_frames * (1.0 - cover) + value * cover).reshape(n_videos, n_frames, -1)
        ink = clean_frames.sum(axis=(2, 3))
        hidden = (clean_frames * cover).sum(axis=(2, 3)) / np.where(ink > 0, ink, 1.0)
        if condition == "shuffled":
            src = _shuffle_sources(shuffle_rng, direction, n_frames)
            t = np.arange(n_frames)[None, :]
            frames, hidden = frames[src, t], hidden[src, t]
            frame_digit_index = digit_index[src]
    frame_labels = np.asarray(digits.labels, dtype=np.int64)[frame_digit_index]
    arrays = dict(frames=np.ascontiguousarray(frames), labels=labels, hidden=hidden,
                  digit_index=digit_index, frame_labels=frame_labels,
                  frame_digit_index=frame_digit_index, direction=direction)
    for array in arrays.values():
        array.flags.writeable = False
    return VideoSet(condition=condition, size=size, occluder_width=occluder_width, drift=drift,
                    **arrays)
