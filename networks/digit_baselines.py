"""Non-spiking baselines for the digit videos: nearest neighbour, two MLPs, and smoothing.

Each baseline classifies one frame at a time (:func:`predict_frames`), with no memory of the
frames before it:

======================  ===================================================================
model                   trained on
======================  ===================================================================
"nearest_neighbour"     the static training digits (1-NN, Euclidean distance)
"mlp"                   the static training digits
"mlp_occluded"          the static training digits plus frames of erasing- and
                        bright-occluder videos of the same training digits (backpropagation
                        on the transforming data)
======================  ===================================================================

The MLPs are scikit-learn's ``MLPClassifier`` (one hidden layer of :data:`HIDDEN_UNITS` ReLU
units, Adam, L2 penalty :data:`L2_PENALTY`, mini-batches of 200 rows ("mlp") or 500
("mlp_occluded"), early stopping on a 10 % validation split of the
training rows, ``random_state`` from the seed). :func:`smooth_scores` is the persistence
baseline: a leaky running average of per-frame class scores (the lead network's static scores)
with the time constant of the short-term plasticity. :func:`frame_accuracy` scores predictions
against each frame's own label.

scikit-learn is an optional dependency: ``pip install "spikesyn[digits]"``.

Examples
--------
>>> from spikesyn.digits import load_digits
>>> from spikesyn.digit_videos import make_videos
>>> from spikesyn.networks.digit_baselines import fit_baselines, predict_frames, frame_accuracy
>>> train = load_digits(split="train", n_train=20)
>>> models = fit_baselines(train, models=("nearest_neighbour",))
>>> videos = make_videos(load_digits(split="test", n_test=10), "occlude_erase", n_videos=20,
...                      n_frames=8)
>>> pred = predict_frames(models["nearest_neighbour"], videos)
>>> pred.shape
(20, 8)
>>> sorted(frame_accuracy(pred, videos))
['hidden', 'mean']
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from spikesyn.checks import integer_in
from spikesyn.digit_videos import VideoSet, make_videos
from spikesyn.digits import INSTALL_HINT, DigitSet
from spikesyn.networks.baselines import BaselineError

try:
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
except ImportError:  # optional extra: fit_baselines says how to install it
    KNeighborsClassifier = MLPClassifier = None

__all__ = ["MODEL_NAMES", "HIDDEN_UNITS", "L2_PENALTY", "HIDDEN_THRESHOLD", "fit_baselines",
           "occluded_training_frames", "predict_frames", "smooth_scores", "frame_accuracy"]

#: Baselines :func:`fit_baselines` fits unless told otherwise.
MODEL_NAMES = ("nearest_neighbour", "mlp", "mlp_occluded")
#: Hidden ReLU units of both MLPs.
HIDDEN_UNITS = 128
#: L2 penalty (scikit-learn's ``alpha``) of both MLPs.
L2_PENALTY = 1e-3
#: A frame counts as heavily occluded when at least this fraction of its ink is hidden.
HIDDEN_THRESHOLD = 0.5
#: Frames per training video kept for "mlp_occluded" when fit_baselines builds the videos.
FRAMES_PER_TRAINING_VIDEO = 4


def _require_sklearn():
    if MLPClassifier is None:
        raise BaselineError(f"the digit baselines need scikit-learn; install it with: "
                            f"{INSTALL_HINT}")


def _mlp(seed, batch_size):
    return MLPClassifier(hidden_layer_sizes=(HIDDEN_UNITS,), alpha=L2_PENALTY,
                         batch_size=batch_size, early_stopping=True, n_iter_no_change=10,
                         max_iter=200, random_state=seed)


def occluded_training_frames(train, seed=0, frames_per_video=FRAMES_PER_TRAINING_VIDEO,
                             n_frames=20):
    """Frames of erasing- and bright-occluder videos of the training digits, with labels.

    One video per training digit and occluder (the geometry of :func:`make_videos`), of which
    ``frames_per_video`` frames drawn from ``seed`` are kept (the frames of one video are near
    copies of each other; keeping a few keeps the fit fast).

    Parameters
    ----------
    train : DigitSet
    seed : int, optional
    frames_per_video : int, optional
        1..n_frames.
    n_frames : int, optional
        Frames of each sweep of the bar.

    Returns
    -------
    X : ndarray, shape (2 * len(train) * frames_per_video, size * size)
    y : ndarray, shape (len(X),)

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> X, y = occluded_training_frames(load_digits(split="train", n_train=5), frames_per_video=3)
    >>> X.shape, y.shape
    ((300, 196), (300,))
    """
    if not isinstance(train, DigitSet):
        raise BaselineError(f"train must be a DigitSet, got {type(train).__name__}")
    seed = integer_in(seed, "seed", error=BaselineError)
    if isinstance(frames_per_video, bool) or not isinstance(frames_per_video, (int, np.integer)) \
            or not 1 <= frames_per_video <= n_frames:
        raise BaselineError(f"frames_per_video must be an integer in [1, {n_frames}], "
                            f"got {frames_per_video!r}")
    rng = np.random.default_rng(seed)
    rows = np.arange(len(train))[:, None]
    X, y = [], []
    for condition in ("occlude_erase", "occlude_bright"):
        videos = make_videos(train, condition, n_videos=len(train), n_frames=n_frames, seed=seed)
        keep = np.argsort(rng.random((len(train), n_frames)), axis=1)[:, :frames_per_video]
        X.append(videos.frames[rows, keep].reshape(-1, videos.frames.shape[-1]))
        y.append(videos.frame_labels[rows, keep].ravel())
    return np.concatenate(X), np.concatenate(y)


def fit_baselines(train, occluded_train=None, seed=0, models=MODEL_NAMES):
    """Fit the frame-by-frame baselines on the training digits.

    Parameters
    ----------
    train : DigitSet
        Static training digits.
    occluded_train : VideoSet or sequence of VideoSet, optional
        Occluded videos of the training digits for "mlp_occluded" (all their frames are used,
        with ``frame_labels``). None: built by :func:`occluded_training_frames` from ``train``
        (both occluders).
    seed : int, optional
        Seeds the MLPs' initial weights and batch order, and the built occluded frames.
    models : sequence of str, optional
        Which of :data:`MODEL_NAMES` to fit.

    Returns
    -------
    dict
        Model name -> fitted scikit-learn classifier (``predict`` / ``predict_proba`` on rows of
        flattened images).

    Raises
    ------
    BaselineError
        scikit-learn missing (the message names the pip command), an unknown model name, or
        training data of the wrong kind or image size.

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> train = load_digits(split="train", n_train=10)
    >>> nn = fit_baselines(train, models=("nearest_neighbour",))["nearest_neighbour"]
    >>> bool((nn.predict(train.images) == train.labels).all())
    True
    """
    _require_sklearn()
    if not isinstance(train, DigitSet):
        raise BaselineError(f"train must be a DigitSet, got {type(train).__name__}")
    seed = integer_in(seed, "seed", error=BaselineError)
    models = tuple(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        raise BaselineError(f"models must be a non-empty selection of {list(MODEL_NAMES)}, "
                            f"got {list(models)}")
    if occluded_train is not None and "mlp_occluded" in models:
        sets = ([occluded_train] if isinstance(occluded_train, VideoSet)
                else list(occluded_train) if isinstance(occluded_train, (list, tuple)) else None)
        if not sets or not all(isinstance(s, VideoSet) and s.size == train.size for s in sets):
            raise BaselineError(f"occluded_train must be a VideoSet or a non-empty list of "
                                f"VideoSets of {train.size} x {train.size} images, got "
                                f"{type(occluded_train).__name__}")

    fitted = {}
    if "nearest_neighbour" in models:
        fitted["nearest_neighbour"] = KNeighborsClassifier(n_neighbors=1).fit(train.images,
                                                                              train.labels)
    if "mlp" in models:
        fitted["mlp"] = _mlp(seed, 200).fit(train.images, train.labels)
    if "mlp_occluded" in models:
        if occluded_train is None:
            X, y = occluded_training_frames(train, seed=seed)
        else:
            X = np.concatenate([s.frames.reshape(-1, s.frames.shape[-1]) for s in sets])
            y = np.concatenate([s.frame_labels.ravel() for s in sets])
        X = np.concatenate([train.images, X])
        y = np.concatenate([train.labels, y])
        # larger batches: ten times the rows, near copies of each other (2.5x faster, measured)
        fitted["mlp_occluded"] = _mlp(seed, 500).fit(X, y)
    return fitted


def predict_frames(model, videos):
    """Predicted label of every frame, classified one frame at a time.

    Parameters
    ----------
    model : fitted scikit-learn classifier
        One of the values :func:`fit_baselines` returns.
    videos : VideoSet

    Returns
    -------
    ndarray, shape (n_videos, n_frames), int64

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> from spikesyn.digit_videos import make_videos
    >>> digits = load_digits(split="test", n_test=2)
    >>> nn = fit_baselines(digits, models=("nearest_neighbour",))["nearest_neighbour"]
    >>> v = make_videos(digits, "untransformed", n_videos=5, n_frames=3)
    >>> bool((predict_frames(nn, v) == v.frame_labels).all())
    True
    """
    if not isinstance(videos, VideoSet):
        raise BaselineError(f"videos must be a VideoSet, got {type(videos).__name__}")
    n_features = getattr(model, "n_features_in_", None)
    n_videos, n_frames, n_pixels = videos.frames.shape
    if n_features is None:
        raise BaselineError("model must be a fitted scikit-learn classifier (from fit_baselines)")
    if n_features != n_pixels:
        raise BaselineError(f"the model was fitted on {n_features} pixels per image, the videos "
                            f"have {n_pixels} ({videos.size} x {videos.size})")
    pred = model.predict(videos.frames.reshape(-1, n_pixels))
    return np.asarray(pred, dtype=np.int64).reshape(n_videos, n_frames)


def smooth_scores(frame_scores, tau_frames):
    """Leaky running average of per-frame class scores along each video, reset per video.

    ``s[v, 0] = (1 - a) x[v, 0]`` and ``s[v, t] = a s[v, t - 1] + (1 - a) x[v, t]`` with
    ``a = exp(-1 / tau_frames)``: the average starts from zero at every video, as the
    short-term weights do, and forgets with the same time constant.

    Parameters
    ----------
    frame_scores : array_like, shape (n_videos, n_frames, n_classes)
        Per-frame class scores (for example spike counts of each class's neurons).
    tau_frames : float
        Time constant in frames, >= 0 (0: no smoothing).

    Returns
    -------
    ndarray, same shape as ``frame_scores``; its argmax over the last axis is the smoothed
    prediction.

    Examples
    --------
    >>> x = np.array([[[1.0, 0.0], [0.0, 0.5], [0.0, 0.5]]])
    >>> smooth_scores(x, 3.0).argmax(axis=-1)
    array([[0, 0, 1]])
    >>> smooth_scores(x, 0.0).argmax(axis=-1)
    array([[0, 1, 1]])
    """
    x = np.asarray(frame_scores, dtype=np.float64)
    if x.ndim != 3:
        raise BaselineError(f"frame_scores must have shape (n_videos, n_frames, n_classes), "
                            f"got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise BaselineError("frame_scores must be finite")
    try:
        tau = float(tau_frames)
    except (TypeError, ValueError):
        tau = None
    if tau is None or isinstance(tau_frames, bool) or not np.isfinite(tau) or tau < 0:
        raise BaselineError(f"tau_frames must be a finite number of frames >= 0, "
                            f"got {tau_frames!r}")
    a = np.exp(-1.0 / tau) if tau > 0 else 0.0
    return signal.lfilter([1.0 - a], [1.0, -a], x, axis=1)


def frame_accuracy(pred, videos, hidden_threshold=HIDDEN_THRESHOLD):
    """Fraction of frames classified right: over all frames, and over heavily occluded ones.

    Parameters
    ----------
    pred : array_like, shape (n_videos, n_frames)
        Predicted labels.
    videos : VideoSet
        Supplies each frame's label (``frame_labels``) and hidden ink fraction.
    hidden_threshold : float, optional
        Frames with ``hidden >= hidden_threshold`` count towards "hidden".

    Returns
    -------
    dict
        "mean": accuracy over all frames; "hidden": over frames with at least
        ``hidden_threshold`` of their ink hidden (nan when there are none).

    Examples
    --------
    >>> from spikesyn.digits import load_digits
    >>> from spikesyn.digit_videos import make_videos
    >>> v = make_videos(load_digits(split="test", n_test=2), "occlude_erase", n_videos=4,
    ...                 n_frames=5)
    >>> acc = frame_accuracy(v.frame_labels, v)
    >>> acc["mean"], acc["hidden"]
    (1.0, 1.0)
    """
    if not isinstance(videos, VideoSet):
        raise BaselineError(f"videos must be a VideoSet, got {type(videos).__name__}")
    pred = np.asarray(pred)
    if pred.shape != videos.frame_labels.shape:
        raise BaselineError(f"pred must have shape (n_videos, n_frames) = "
                            f"{videos.frame_labels.shape}, got {pred.shape}")
    correct = pred == videos.frame_labels
    heavy = videos.hidden >= hidden_threshold
    return {"mean": float(correct.mean()),
            "hidden": float(correct[heavy].mean()) if heavy.any() else float("nan")}
