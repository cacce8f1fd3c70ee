"""Objects that move, turn and hide: a small, download-free data set for sequence learning.

Each class is a glyph drawn procedurally in numpy (anti-aliased strokes on a black background), so
the pixels are identical on every machine and with every matplotlib version. Training uses a few
static, untransformed exemplars per class (:func:`make_training_set`); testing uses sequences in
which one object transforms continuously frame by frame (:func:`make_sequence`,
:func:`make_test_set`).

Transforms (the ``transform`` argument, with the keyword that sets its amount):

============  ===========================================================================
name          what happens over the frames of a sequence
============  ===========================================================================
"static"      nothing (a control: every frame is the starting image)
"translate"   the object moves ``shift`` pixels per frame in direction ``direction``
              (degrees, counter-clockwise from +x; drawn from the seed when None), starting at
              its place and bouncing off the frame's edges so it never leaves the image
"rotate"      the object turns ``rotation`` degrees per frame (counter-clockwise as
              displayed, about the image centre), starting at 0
"scale"       the object's size goes geometrically from 1 at the first frame to ``scale``
              at the last (about the image centre)
"occlude"     a straight bar lying across the image sweeps over the object along
              ``occluder_direction`` (degrees, drawn from the seed when None), from one side
              of the object to the other, once over the sequence; its width is
              chosen so that at its widest cover it hides a fraction ``occlusion`` of the
              object's pixel mass; covered pixels take the value ``occluder_value``
"noise"       fresh Gaussian pixel noise of std ``noise`` on every frame (clipped to [0, 1]
              when ``clip`` is True)
"mixed"       the five transforms above at once: one warp (translate + rotate + scale), then the
              occluder, then the noise, each with its own amount
============  ===========================================================================

Every function is deterministic by its ``seed`` (numpy's PCG64 generator, the same on every
platform). Bad arguments raise :class:`DatasetError` (a ``ValueError``) naming the parameter and
its valid range, before any work is done.

Examples
--------
>>> from spikesyn.datasets import make_training_set, make_test_set
>>> train = make_training_set(n_classes=4, exemplars_per_class=3, size=24, seed=1)
>>> train.images.shape, train.labels.tolist()
((12, 24, 24), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
>>> test = make_test_set(n_classes=4, size=24, n_frames=10, seed=1)
>>> test.frames.shape                      # 6 transforms x 4 classes sequences of 10 frames
(24, 10, 24, 24)
>>> test.transform_names
('translate', 'rotate', 'scale', 'occlude', 'noise', 'mixed')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from spikesyn.checks import integer_in
from spikesyn.errors import DatasetError

__all__ = [
    "DatasetError", "ImageSet", "SequenceSet", "SHAPE_NAMES", "TRANSFORMS", "DEFAULT_AMOUNTS",
    "SIZE_RANGE", "MAX_CLASSES", "class_names", "make_classes", "make_training_set",
    "make_sequence", "make_test_set", "make_labelled_set",
]


#: Smallest and largest image side, in pixels.
SIZE_RANGE = (12, 128)
#: Most classes :func:`make_classes` can draw (14 named shapes, then random stroke glyphs).
MAX_CLASSES = 64
#: Largest number of frames in one sequence.
MAX_FRAMES = 10_000

#: Transforms a sequence can show (see the module docstring).
TRANSFORMS = ("static", "translate", "rotate", "scale", "occlude", "noise", "mixed")
#: Transforms of :func:`make_test_set` unless told otherwise.
TEST_TRANSFORMS = ("translate", "rotate", "scale", "occlude", "noise", "mixed")

#: Amount of each transform when the caller gives none.
DEFAULT_AMOUNTS = {
    "shift": 1.0,              # pixels per frame
    "direction": None,         # degrees; None: drawn from the seed
    "rotation": 10.0,          # degrees per frame
    "scale": 1.5,              # size factor at the last frame
    "occlusion": 0.6,          # largest hidden fraction of the object's pixel mass
    "occluder_direction": None,  # degrees; None: drawn from the seed
    "occluder_value": 0.0,     # grey level of the occluder
    "noise": 0.3,              # std of the pixel noise
    "clip": True,              # clip noisy pixels to [0, 1]
}

# valid ranges of the numeric amounts: (low, high), both included
_AMOUNT_RANGES = {
    "shift": (0.0, 64.0),
    "direction": (-360.0, 360.0),
    "rotation": (-180.0, 180.0),
    "scale": (0.1, 3.0),
    "occlusion": (0.0, 1.0),
    "occluder_direction": (-360.0, 360.0),
    "occluder_value": (0.0, 1.0),
    "noise": (0.0, 2.0),
}

# The object is drawn inside a disc of radius _GLYPH_RADIUS * size about the image centre, so it
# stays in the image when it turns, and up to a scale of about 1.6.
_GLYPH_RADIUS = 0.3


# --------------------------------------------------------------------------------------------
# glyphs: strokes in a unit frame (x right, y up), all points within the unit disc
# --------------------------------------------------------------------------------------------

def _arc(cx, cy, r, a0, a1, n=32):
    t = np.radians(np.linspace(a0, a1, n))
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


def _wave():
    x = np.linspace(-0.85, 0.85, 33)
    return np.column_stack([x, 0.42 * np.sin(2 * np.pi * x / 1.13)])


def _spiral():
    t = np.linspace(0.0, 1.0, 48)
    a = np.radians(90 + 540 * t)
    r = 0.85 - 0.65 * t
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


_SHAPES = {
    "circle": [_arc(0, 0, 0.8, 0, 360, 48)],
    "square": [np.array([(-0.65, -0.65), (0.65, -0.65), (0.65, 0.65), (-0.65, 0.65),
                         (-0.65, -0.65)])],
    "triangle": [np.array([(0, 0.85), (0.75, -0.55), (-0.75, -0.55), (0, 0.85)])],
    "plus": [np.array([(-0.85, 0), (0.85, 0)]), np.array([(0, -0.85), (0, 0.85)])],
    "arrow": [np.array([(-0.8, 0), (0.8, 0)]), np.array([(0.3, 0.5), (0.8, 0), (0.3, -0.5)])],
    "ell": [np.array([(-0.45, 0.85), (-0.45, -0.6), (0.6, -0.6)])],
    "tee": [np.array([(-0.7, 0.6), (0.7, 0.6)]), np.array([(0, 0.6), (0, -0.85)])],
    "zigzag": [np.array([(-0.65, 0.65), (0.65, 0.65), (-0.65, -0.65), (0.65, -0.65)])],
    "wave": [_wave()],
    "wye": [np.array([(0, 0), (0, -0.85)]), np.array([(0, 0), (-0.6, 0.65)]),
            np.array([(0, 0), (0.6, 0.65)])],
    "aitch": [np.array([(-0.6, 0.75), (-0.6, -0.75)]), np.array([(0.6, 0.75), (0.6, -0.75)]),
              np.array([(-0.6, 0), (0.6, 0)])],
    "comb": [np.array([(0.6, 0.75), (-0.55, 0.75), (-0.55, -0.75), (0.6, -0.75)]),
             np.array([(-0.55, 0), (0.4, 0)])],
    "cup": [_arc(0, 0.15, 0.7, 180, 360, 32), np.array([(-0.7, 0.15), (-0.7, 0.7)]),
            np.array([(0.7, 0.15), (0.7, 0.7)])],
    "spiral": [_spiral()],
}

#: Names of the fixed shapes, in class order (classes beyond these are random stroke glyphs).
SHAPE_NAMES = tuple(_SHAPES)

# random glyphs are accepted only if no more similar (cosine of pixels at _REF_SIZE) than this
# to any earlier class
_MAX_SIMILARITY = 0.6
_REF_SIZE = 32


def _stroke_width(size):
    return max(1.2, size / 14.0)


def _render(strokes, size, width=None, offset=(0.0, 0.0)):
    """Rasterise polylines (unit frame) to a (size, size) image in [0, 1], anti-aliased."""
    width = _stroke_width(size) if width is None else width
    c = (size - 1) / 2.0
    R = _GLYPH_RADIUS * size
    segs = []
    for line in strokes:
        line = np.asarray(line, dtype=float)
        pts = np.column_stack([c - line[:, 1] * R + offset[0], c + line[:, 0] * R + offset[1]])
        segs.append(np.stack([pts[:-1], pts[1:]], axis=1))
    segs = np.concatenate(segs)                          # (M, 2 ends, 2 coords (row, col))
    rr, cc = np.mgrid[0:size, 0:size]
    P = np.column_stack([rr.ravel(), cc.ravel()]).astype(float)[:, None, :]   # (N, 1, 2)
    A, B = segs[None, :, 0, :], segs[None, :, 1, :]
    AB = B - A
    L2 = np.maximum((AB ** 2).sum(-1), 1e-12)
    t = np.clip(((P - A) * AB).sum(-1) / L2, 0.0, 1.0)
    d = np.sqrt((((A + t[..., None] * AB) - P) ** 2).sum(-1)).min(axis=1)
    img = np.clip(width / 2.0 + 0.5 - d, 0.0, 1.0)
    return img.reshape(size, size)


def _random_glyph(rng):
    """Two or three random strokes (polylines or arcs) inside the unit disc."""
    strokes = []
    for _ in range(int(rng.integers(2, 4))):
        if rng.random() < 0.3:
            r = rng.uniform(0.3, 0.7)
            cx, cy = rng.uniform(-0.85 + r, 0.85 - r, size=2) * (1 / np.sqrt(2))
            a0 = rng.uniform(0, 360)
            strokes.append(_arc(cx, cy, r, a0, a0 + rng.uniform(120, 300), 24))
        else:
            n = int(rng.integers(2, 5))
            rad = 0.85 * np.sqrt(rng.uniform(0.15, 1.0, n))
            ang = rng.uniform(0, 2 * np.pi, n)
            strokes.append(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)]))
    return strokes


def _unit(img):
    v = img.ravel()
    return v / max(np.linalg.norm(v), 1e-12)


def _class_strokes(n_classes, seed):
    strokes = [_SHAPES[name] for name in SHAPE_NAMES[:n_classes]]
    if n_classes > len(SHAPE_NAMES):
        rng = np.random.default_rng([int(seed), 7919])
        refs = [_unit(_render(s, _REF_SIZE)) for s in strokes]
        while len(strokes) < n_classes:
            cand = _random_glyph(rng)
            v = _unit(_render(cand, _REF_SIZE))
            if max(float(v @ r) for r in refs) <= _MAX_SIMILARITY:
                strokes.append(cand)
                refs.append(v)
    return strokes


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------

def _check_amounts(amounts):
    unknown = sorted(set(amounts) - set(DEFAULT_AMOUNTS))
    if unknown:
        raise DatasetError(f"unknown transform amount(s) {unknown}; "
                           f"valid: {sorted(DEFAULT_AMOUNTS)}")
    out = dict(DEFAULT_AMOUNTS)
    out.update(amounts)
    for name, (lo, hi) in _AMOUNT_RANGES.items():
        v = out[name]
        if v is None and name in ("direction", "occluder_direction"):
            continue
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise DatasetError(f"{name} must be a number in [{lo}, {hi}], got {v!r}") from None
        if isinstance(v, bool) or not np.isfinite(fv) or not lo <= fv <= hi:
            raise DatasetError(f"{name} must be a number in [{lo}, {hi}], got {v!r}")
        out[name] = fv
    if not isinstance(out["clip"], (bool, np.bool_)):
        raise DatasetError(f"clip must be True or False, got {out['clip']!r}")
    return out


def _check_transform(transform):
    if transform not in TRANSFORMS:
        raise DatasetError(f"transform must be one of {list(TRANSFORMS)}, got {transform!r}")
    return transform


def _check_image(image):
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:
        raise DatasetError(f"image must be a 2-D array (rows, cols), got shape {img.shape}")
    lo, hi = SIZE_RANGE
    if not (lo <= img.shape[0] <= hi and lo <= img.shape[1] <= hi):
        raise DatasetError(f"image sides must be in [{lo}, {hi}] pixels, got shape {img.shape}")
    if not np.all(np.isfinite(img)) or img.min() < 0 or img.max() > 1:
        raise DatasetError("image values must be finite and in [0, 1]")
    if img.sum() <= 0:
        raise DatasetError("image has no object pixels (all zero): nothing to transform")
    return img


# --------------------------------------------------------------------------------------------
# classes and training exemplars
# --------------------------------------------------------------------------------------------

def class_names(n_classes, seed=0):
    """Names of the first ``n_classes`` classes: the fixed shapes, then ``glyph14``, ``glyph15``...

    Examples
    --------
    >>> class_names(3)
    ('circle', 'square', 'triangle')
    >>> class_names(16)[-2:]
    ('glyph14', 'glyph15')
    """
    n = integer_in(n_classes, "n_classes", 1, MAX_CLASSES, error=DatasetError)
    integer_in(seed, "seed", error=DatasetError)
    return tuple(SHAPE_NAMES[i] if i < len(SHAPE_NAMES) else f"glyph{i}" for i in range(n))


def make_classes(n_classes, size=28, seed=0):
    """One canonical image per class.

    Parameters
    ----------
    n_classes : int
        Number of classes, in [1, 64]. The first 14 are fixed named shapes (:data:`SHAPE_NAMES`:
        circle, square, triangle, plus, arrow, ...); further classes are random stroke glyphs
        drawn from ``seed``, each accepted only if its pixel cosine similarity to every earlier
        class is at most 0.6.
    size : int
        Image side in pixels, in [12, 128]. The glyph fits a disc of radius ``0.3 * size`` about
        the centre, so it stays inside the image when rotated.
    seed : int
        Seed of the random glyphs (the fixed shapes do not depend on it).

    Returns
    -------
    ndarray of float64, shape (n_classes, size, size)
        Values in [0, 1]: 0 is background, 1 the stroke's core.

    Examples
    --------
    >>> imgs = make_classes(5, size=16)
    >>> imgs.shape, float(imgs.min()), float(imgs.max())
    ((5, 16, 16), 0.0, 1.0)
    """
    n = integer_in(n_classes, "n_classes", 1, MAX_CLASSES, error=DatasetError)
    size = integer_in(size, "size", *SIZE_RANGE, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    return np.stack([_render(s, size) for s in _class_strokes(n, seed)])


@dataclass
class ImageSet:
    """Static images with their class labels (the training exemplars).

    Attributes
    ----------
    images : ndarray, shape (n, size, size), float64 in [0, 1]
    labels : ndarray, shape (n,), int64 class indices in [0, n_classes)
    class_names : tuple of str, one per class
    seed : int, the seed that made the set
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple
    seed: int = 0

    @property
    def n_classes(self):
        return len(self.class_names)

    @property
    def size(self):
        return self.images.shape[-1]

    @property
    def X(self):
        """The images flattened to rows, shape (n, size * size)."""
        return self.images.reshape(len(self.images), -1)

    def __len__(self):
        return len(self.images)


def make_training_set(n_classes, exemplars_per_class=5, size=28, seed=0, variation=True):
    """A few static, untransformed exemplars of each class.

    Exemplar 0 of each class is the canonical image of :func:`make_classes`; the others (when
    ``variation`` is True) differ only slightly: stroke width scaled by a factor in [0.85, 1.15]
    and a sub-pixel offset of at most 0.5 pixel in each axis. No exemplar is moved, turned,
    scaled, occluded or noisy.

    Parameters
    ----------
    n_classes : int
        Number of classes, in [1, 64].
    exemplars_per_class : int
        In [1, 1000].
    size : int
        Image side in pixels, in [12, 128].
    seed : int
        Seed of the variations (and of random glyph classes).
    variation : bool
        False: every exemplar is the canonical image.

    Returns
    -------
    ImageSet
        Images ordered by class, then exemplar.

    Examples
    --------
    >>> ts = make_training_set(3, exemplars_per_class=2, size=20, seed=0)
    >>> ts.images.shape, ts.labels.tolist(), ts.class_names
    ((6, 20, 20), [0, 0, 1, 1, 2, 2], ('circle', 'square', 'triangle'))
    """
    n = integer_in(n_classes, "n_classes", 1, MAX_CLASSES, error=DatasetError)
    m = integer_in(exemplars_per_class, "exemplars_per_class", 1, 1000, error=DatasetError)
    size = integer_in(size, "size", *SIZE_RANGE, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    strokes = _class_strokes(n, seed)
    images, labels = [], []
    for k, s in enumerate(strokes):
        rng = np.random.default_rng([seed, k, 101])
        for j in range(m):
            if j == 0 or not variation:
                images.append(_render(s, size))
            else:
                w = _stroke_width(size) * rng.uniform(0.85, 1.15)
                images.append(_render(s, size, width=w, offset=tuple(rng.uniform(-0.5, 0.5, 2))))
            labels.append(k)
    return ImageSet(np.stack(images), np.asarray(labels, dtype=np.int64), class_names(n, seed),
                    seed)


def make_labelled_set(n_classes, n_per_class, size=16, seed=0, rotation=15.0, shift=1.0,
                      scale=0.1, noise=0.1):
    """Independently warped, noisy images of each class: a supervised classification set.

    Each image is the class's canonical glyph (:func:`make_classes`, random glyph classes drawn
    from seed 0 so that every set shares its classes) turned by an angle drawn uniformly in
    ``[-rotation, rotation]`` degrees, scaled by a factor in ``[1 - scale, 1 + scale]``, moved by
    up to ``shift`` pixels in each axis, then given Gaussian pixel noise of std ``noise`` and
    clipped to [0, 1]. Two sets with different seeds are independent draws of the same classes:
    use one to train and another to test.

    Parameters
    ----------
    n_classes : int
        Number of classes, in [1, 64].
    n_per_class : int
        Images per class, in [1, 100000].
    size : int
        Image side in pixels, in [12, 128].
    seed : int
        Seed of the warps and the noise.
    rotation, shift, scale, noise : float
        Largest turn (degrees, in [0, 180]), largest move (pixels, in [0, size/4]), largest
        relative size change (in [0, 0.5]) and the pixel-noise std (in [0, 2]).

    Returns
    -------
    ImageSet
        Images ordered by class.

    Examples
    --------
    >>> train = make_labelled_set(3, 4, size=16, seed=1)
    >>> train.X.shape, train.labels.tolist()[:5]
    ((12, 256), [0, 0, 0, 0, 1])
    """
    n = integer_in(n_classes, "n_classes", 1, MAX_CLASSES, error=DatasetError)
    m = integer_in(n_per_class, "n_per_class", 1, 100_000, error=DatasetError)
    size = integer_in(size, "size", *SIZE_RANGE, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    limits = {"rotation": (0.0, 180.0), "shift": (0.0, size / 4), "scale": (0.0, 0.5),
              "noise": (0.0, 2.0)}
    given = {"rotation": rotation, "shift": shift, "scale": scale, "noise": noise}
    for name, (lo, hi) in limits.items():
        v = given[name]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v) or not lo <= v <= hi:
            raise DatasetError(f"{name} must be a number in [{lo}, {hi}], got {v!r}")
    base = make_classes(n, size=size, seed=0)
    rng = np.random.default_rng([seed, 211])
    images = np.empty((n * m, size, size))
    for k in range(n):
        for j in range(m):
            img = _warp(base[k], rng.uniform(-rotation, rotation),
                        rng.uniform(1 - scale, 1 + scale), rng.uniform(-shift, shift, 2))
            images[k * m + j] = np.clip(img + noise * rng.standard_normal(img.shape), 0.0, 1.0)
    labels = np.repeat(np.arange(n, dtype=np.int64), m)
    return ImageSet(images, labels, class_names(n, 0), seed)


# --------------------------------------------------------------------------------------------
# sequences
# --------------------------------------------------------------------------------------------

def _warp(img, angle_deg, scale, t_rc):
    """Scale and turn (counter-clockwise as displayed) about the centre, then move by t_rc."""
    th = np.radians(angle_deg)
    cs, sn = np.cos(th), np.sin(th)
    fwd = scale * np.array([[cs, -sn], [sn, cs]])      # (row, col) coordinates, rows down
    inv = np.linalg.inv(fwd)
    c = (np.array(img.shape, dtype=float) - 1) / 2.0
    offset = c - inv @ (c + np.asarray(t_rc, dtype=float))
    out = ndimage.affine_transform(img, inv, offset=offset, order=1, mode="constant", cval=0.0)
    return np.clip(out, 0.0, 1.0)


def _translation_path(img, n_frames, shift, direction_deg, scales=None):
    """Offsets (n_frames, 2) in (row, col): steps of ``shift`` px, reflected off the frame's edges.

    Without ``scales`` the object's bounding box stays inside the frame. With ``scales`` (the
    object also turns or changes size) the disc about the image centre that holds the object,
    times the frame's scale, stays inside the frame (as far as it fits).
    """
    rows, cols = np.nonzero(img > 1e-3)
    H, W = img.shape
    c = (np.array([H, W], dtype=float) - 1) / 2.0
    if scales is None:
        lo = np.tile([-rows.min(), -cols.min()], (n_frames, 1)).astype(float)
        hi = np.tile([H - 1 - rows.max(), W - 1 - cols.max()], (n_frames, 1)).astype(float)
    else:
        r = np.sqrt((rows - c[0]) ** 2 + (cols - c[1]) ** 2).max() * np.asarray(scales) + 0.5
        lo = np.minimum(r[:, None] - c[None, :], 0.0)
        hi = np.maximum(c[None, :] - r[:, None], 0.0)
    th = np.radians(direction_deg)
    v = shift * np.array([-np.sin(th), np.cos(th)])   # +x is right, +y is up
    p = np.zeros(2)
    out = np.zeros((n_frames, 2))
    for k in range(1, n_frames):
        p = p + v
        for i in range(2):                             # reflect off the walls, flip the velocity
            if p[i] > hi[k, i]:
                p[i], v[i] = 2 * hi[k, i] - p[i], -v[i]
            elif p[i] < lo[k, i]:
                p[i], v[i] = 2 * lo[k, i] - p[i], -v[i]
            p[i] = min(max(p[i], lo[k, i]), hi[k, i])
        out[k] = p
    return out


def _band_cover(shape, direction_deg, centre, width):
    """Fraction of each pixel covered by a bar of ``width`` px across the image, perpendicular to
    ``direction`` and centred at projection ``centre`` along it (exact 1-D box overlap)."""
    th = np.radians(direction_deg)
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    u = cc * np.cos(th) - rr * np.sin(th)
    d = u - centre
    return np.clip(np.minimum(d + 0.5, width / 2) - np.maximum(d - 0.5, -width / 2), 0.0, 1.0)


def _occlude(frames, occlusion, direction_deg, value):
    """Sweep a bar across the object of each frame; widest cover hides ``occlusion`` of its mass."""
    n = len(frames)
    if occlusion <= 0:
        return frames, np.zeros(n)
    th = np.radians(direction_deg)
    H, W = frames.shape[1:]
    rr, cc = np.mgrid[0:H, 0:W].astype(float)
    u = cc * np.cos(th) - rr * np.sin(th)
    centres = []
    for k, f in enumerate(frames):
        on = f > 1e-3
        lo, hi = (u[on].min(), u[on].max()) if on.any() else (u.mean(), u.mean())
        centres.append(lo + (hi - lo) * (k / (n - 1) if n > 1 else 0.5))
    mass = np.maximum(frames.reshape(n, -1).sum(1), 1e-12)

    def hidden(width):
        cov = np.stack([_band_cover((H, W), direction_deg, ck, width) for ck in centres])
        return cov, (frames * cov).reshape(n, -1).sum(1) / mass

    lo_w, hi_w = 0.0, 2.0 * (H + W)
    for _ in range(40):                       # bisection on the width: max hidden is monotone
        mid = 0.5 * (lo_w + hi_w)
        if hidden(mid)[1].max() < occlusion:
            lo_w = mid
        else:
            hi_w = mid
    cov, frac = hidden(hi_w)
    return frames * (1 - cov) + value * cov, frac


def make_sequence(image, transform, n_frames=20, seed=0, **amounts):
    """A sequence of frames in which ``image`` transforms continuously.

    Parameters
    ----------
    image : array_like, shape (rows, cols)
        The object on a zero background, values in [0, 1], sides in [12, 128].
    transform : str
        One of :data:`TRANSFORMS`: "static", "translate", "rotate", "scale", "occlude", "noise",
        "mixed" (see the module docstring for what each does).
    n_frames : int
        In [1, 10000].
    seed : int
        Seed of the random choices (directions when not given, noise).
    **amounts
        shift : float in [0, 64], pixels per frame (default 1).
        direction : float in [-360, 360] or None, direction of motion in degrees.
        rotation : float in [-180, 180], degrees per frame (default 10).
        scale : float in [0.1, 3], size factor at the last frame (default 1.5); above about
        1.6 the glyphs of :func:`make_classes` reach the image border and are cut.
        occlusion : float in [0, 1], fraction of the object's pixel mass that the occluder
        hides at its widest cover (default 0.6).
        occluder_direction : float in [-360, 360] or None, direction the bar sweeps in.
        occluder_value : float in [0, 1], grey level of the occluder (default 0: it erases).
        noise : float in [0, 2], std of the Gaussian pixel noise (default 0.3).
        clip : bool, clip noisy frames to [0, 1] (default True).
        Amounts of transforms other than ``transform`` are checked but unused.

    Returns
    -------
    ndarray of float64, shape (n_frames, rows, cols)
        In [0, 1] (unless ``clip=False`` with noise).

    Examples
    --------
    >>> img = make_classes(2, size=24)[1]
    >>> seq = make_sequence(img, "translate", n_frames=4, shift=2.0, direction=0.0)
    >>> seq.shape
    (4, 24, 24)
    >>> cols = np.arange(24)
    >>> [round(float((f.sum(0) * cols).sum() / f.sum()), 2) for f in seq]   # centre moves right
    [11.5, 13.5, 15.5, 17.5]
    >>> seq = make_sequence(img, "occlude", n_frames=9, occlusion=0.5)
    >>> round(float(1 - seq.sum((1, 2)).min() / img.sum()), 3)              # widest cover
    0.5
    """
    img = _check_image(image)
    transform = _check_transform(transform)
    n = integer_in(n_frames, "n_frames", 1, MAX_FRAMES, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    a = _check_amounts(amounts)
    rng = np.random.default_rng([seed, 2718])
    # draw the random choices always, in a fixed order, so each does not depend on the transform
    direction = rng.uniform(0, 360) if a["direction"] is None else a["direction"]
    occ_dir = rng.uniform(0, 180) if a["occluder_direction"] is None else a["occluder_direction"]
    noise_rng = np.random.default_rng([seed, 3141])

    parts = set(TRANSFORMS[1:-1]) if transform == "mixed" else {transform}
    k = np.arange(n, dtype=float)
    angles = k * a["rotation"] if "rotate" in parts else np.zeros(n)
    scales = np.ones(n)
    if "scale" in parts and n > 1:
        scales = a["scale"] ** (k / (n - 1))
    if "translate" in parts:
        turning = "rotate" in parts or "scale" in parts
        offsets = _translation_path(img, n, a["shift"], direction, scales if turning else None)
    else:
        offsets = np.zeros((n, 2))

    if parts & {"translate", "rotate", "scale"}:
        frames = np.stack([_warp(img, angles[i], scales[i], offsets[i]) for i in range(n)])
    else:
        frames = np.repeat(img[None], n, axis=0)
    if "occlude" in parts:
        frames, _ = _occlude(frames, a["occlusion"], occ_dir, a["occluder_value"])
    if "noise" in parts and a["noise"] > 0:
        frames = frames + noise_rng.normal(0.0, a["noise"], size=frames.shape)
        if a["clip"]:
            frames = np.clip(frames, 0.0, 1.0)
    return np.ascontiguousarray(frames, dtype=np.float64)


@dataclass
class SequenceSet:
    """Test sequences: one object per sequence, transforming frame by frame.

    Attributes
    ----------
    frames : ndarray, shape (n_sequences, n_frames, size, size), float64
    labels : ndarray, shape (n_sequences,), int64 class of each sequence's object
    transforms : tuple of str, the transform of each sequence
    class_names : tuple of str, one per class
    amounts : dict, the transform amounts used (see :func:`make_sequence`)
    seed : int
    """

    frames: np.ndarray
    labels: np.ndarray
    transforms: tuple
    class_names: tuple
    amounts: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def n_sequences(self):
        return self.frames.shape[0]

    @property
    def n_frames(self):
        return self.frames.shape[1]

    @property
    def size(self):
        return self.frames.shape[-1]

    @property
    def n_classes(self):
        return len(self.class_names)

    @property
    def transform_names(self):
        """The distinct transforms, in order of first appearance."""
        return tuple(dict.fromkeys(self.transforms))

    def __len__(self):
        return self.n_sequences

    def per_frame(self):
        """Every frame as a row, with its label and transform.

        Returns
        -------
        X : ndarray, shape (n_sequences * n_frames, size * size)
        y : ndarray, shape (n_sequences * n_frames,)
        transforms : ndarray of str, shape (n_sequences * n_frames,)
        """
        X = self.frames.reshape(self.n_sequences * self.n_frames, -1)
        y = np.repeat(self.labels, self.n_frames)
        t = np.repeat(np.asarray(self.transforms, dtype=str), self.n_frames)
        return X, y, t

    def subset(self, transform):
        """The sequences of one transform, as a new SequenceSet."""
        idx = [i for i, t in enumerate(self.transforms) if t == transform]
        if not idx:
            raise DatasetError(f"transform must be one of {list(self.transform_names)}, "
                               f"got {transform!r}")
        return SequenceSet(self.frames[idx], self.labels[idx],
                           tuple(self.transforms[i] for i in idx), self.class_names,
                           dict(self.amounts), self.seed)


def make_test_set(n_classes, size=28, n_frames=20, seed=0, transforms=TEST_TRANSFORMS,
                  sequences_per_class=1, variation=True, **amounts):
    """Test sequences: for each transform, each class, ``sequences_per_class`` sequences.

    Each sequence starts from a fresh untransformed exemplar of its class (with ``variation``,
    stroke width scaled by a factor in [0.85, 1.15], as in :func:`make_training_set` but drawn
    independently) and transforms it with :func:`make_sequence`; every sequence has its own seed
    derived from ``seed``, its transform, class and repeat, so adding classes or transforms does
    not change the other sequences.

    Parameters
    ----------
    n_classes : int
        In [1, 64].
    size : int
        Image side in pixels, in [12, 128].
    n_frames : int
        Frames per sequence, in [1, 10000].
    seed : int
        Non-negative.
    transforms : sequence of str
        Names from :data:`TRANSFORMS`, each at most once (default: all but "static").
    sequences_per_class : int
        In [1, 1000].
    variation : bool
        False: every sequence starts from the canonical class image.
    **amounts
        Transform amounts, as in :func:`make_sequence`.

    Returns
    -------
    SequenceSet
        Sequences ordered by transform, then class, then repeat.

    Examples
    --------
    >>> ts = make_test_set(3, size=16, n_frames=5, transforms=("rotate", "noise"), noise=0.1)
    >>> ts.frames.shape, ts.labels.tolist(), ts.transforms
    ((6, 5, 16, 16), [0, 1, 2, 0, 1, 2], ('rotate', 'rotate', 'rotate', 'noise', 'noise', 'noise'))
    """
    n = integer_in(n_classes, "n_classes", 1, MAX_CLASSES, error=DatasetError)
    size = integer_in(size, "size", *SIZE_RANGE, error=DatasetError)
    nf = integer_in(n_frames, "n_frames", 1, MAX_FRAMES, error=DatasetError)
    seed = integer_in(seed, "seed", error=DatasetError)
    reps = integer_in(sequences_per_class, "sequences_per_class", 1, 1000, error=DatasetError)
    if isinstance(transforms, str):
        transforms = (transforms,)
    transforms = tuple(transforms)
    if not transforms:
        raise DatasetError(f"transforms must name at least one of {list(TRANSFORMS)}")
    for t in transforms:
        _check_transform(t)
    if len(set(transforms)) != len(transforms):
        raise DatasetError(f"transforms must not repeat a name, got {list(transforms)}")
    a = _check_amounts(amounts)
    strokes = _class_strokes(n, seed)
    frames, labels, names = [], [], []
    for ti, t in enumerate(transforms):
        tcode = TRANSFORMS.index(t)
        for k, s in enumerate(strokes):
            for r in range(reps):
                rng = np.random.default_rng([seed, tcode, k, r, 577])
                w = _stroke_width(size) * (rng.uniform(0.85, 1.15) if variation else 1.0)
                base = _render(s, size, width=w)
                sub_seed = int(rng.integers(0, 2 ** 31))
                frames.append(make_sequence(base, t, nf, sub_seed, **amounts))
                labels.append(k)
                names.append(t)
    return SequenceSet(np.stack(frames), np.asarray(labels, dtype=np.int64), tuple(names),
                       class_names(n, seed), a, seed)
