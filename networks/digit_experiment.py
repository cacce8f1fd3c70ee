"""One run of the digit-video experiment: train, test every condition, score every model.

:func:`run_digit_sequence` trains the soft winner-take-all network of
:mod:`spikesyn.networks.digit_sequence` on static MNIST digits, shows it videos of held-out
digits in each condition of :mod:`spikesyn.digit_videos` with the short-term part on
(``st_stdp``) and off (``static``, same input spikes), and scores them frame by frame next to the
non-spiking baselines of :mod:`spikesyn.networks.digit_baselines` and ``smoothing`` (a leaky
average of the static network's per-frame class scores with the same time constant as F).

Examples
--------
>>> from spikesyn.networks.digit_experiment import run_digit_sequence
>>> from spikesyn.networks.digit_sequence import DigitSequenceConfig
>>> res = run_digit_sequence(DigitSequenceConfig(n_neurons=20, epochs=1), n_videos=10,
...                          n_train=20, seed=0)                            # doctest: +SKIP
>>> sorted(res.accuracy["st_stdp"])                                        # doctest: +SKIP
['noise', 'occlude_bright', 'occlude_bright_hidden', ...]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spikesyn.checks import integer_in
from spikesyn.digit_videos import CONDITIONS, make_videos
from spikesyn.digits import load_digits
from spikesyn.errors import SpikesynError
from spikesyn.networks.digit_baselines import (MODEL_NAMES, fit_baselines, frame_accuracy,
                                               predict_frames, smooth_scores)
from spikesyn.networks.digit_sequence import (DigitSequenceConfig, DigitSequenceError,
                                              check_config, class_scores, run_videos, train_layer)

__all__ = ["DigitSequenceResult", "run_digit_sequence", "HIDDEN_KEYS", "SPIKING_MODELS"]

#: Conditions whose heavily occluded frames (>= 50 % of the ink hidden) are also scored apart.
HIDDEN_KEYS = {"occlude_erase": "occlude_erase_hidden", "occlude_bright": "occlude_bright_hidden"}
SPIKING_MODELS = ("st_stdp", "static", "smoothing")
#: Bins of the hidden ink fraction for the accuracy-against-occlusion curve.
HIDDEN_BINS = np.linspace(0.0, 1.0, 6)


@dataclass
class DigitSequenceResult:
    """Scores of one run.

    Attributes
    ----------
    accuracy : dict
        model -> {condition: mean accuracy over all frames, "occlude_erase_hidden" and
        "occlude_bright_hidden": accuracy over frames with >= 50 % of the ink hidden}.
    per_frame : dict
        model -> condition -> list of accuracies at each frame index (over videos).
    by_hidden : dict
        model -> condition -> list of accuracies in each bin of ``hidden_bins``.
    hidden_bins : list of float
    n_videos : dict
        condition -> number of test videos.
    chance : float
        Accuracy of guessing (1 / classes).
    seed : int
    config : dict
    timing : dict
        Seconds spent training, testing and fitting the baselines.
    static_frame_accuracy : float
        The static network's accuracy over all untransformed frames (its strength as a
        per-frame classifier).
    predictions : dict
        model -> condition -> predicted labels, shape (n_videos, n_frames) (not in to_dict).
    videos : dict
        condition -> the VideoSet shown (not in to_dict).
    trained : TrainedLayer
        The frozen network (not in to_dict).
    """

    accuracy: dict
    per_frame: dict
    by_hidden: dict
    hidden_bins: list
    n_videos: dict
    chance: float
    seed: int
    config: dict
    timing: dict = field(default_factory=dict)
    static_frame_accuracy: float = float("nan")
    predictions: dict = field(default_factory=dict, repr=False)
    videos: dict = field(default_factory=dict, repr=False)
    trained: object = field(default=None, repr=False)

    def to_dict(self):
        """Plain data (JSON-ready)."""
        return {"accuracy": self.accuracy, "n_videos": self.n_videos, "seed": self.seed,
                "chance": self.chance, "static_frame_accuracy": self.static_frame_accuracy,
                "per_frame": self.per_frame, "by_hidden": self.by_hidden,
                "hidden_bins": self.hidden_bins, "config": self.config, "timing": self.timing}


def _check_args(n_videos, n_frames, n_train, seed, conditions, baselines):
    for name, value, lo, hi in (("n_videos", n_videos, 1, 100_000), ("n_frames", n_frames, 1, 10_000),
                                ("n_train", n_train, 1, 450), ("seed", seed, 0, 2**31 - 1)):
        integer_in(value, name, lo, hi, error=DigitSequenceError)
    conditions = tuple(conditions)
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise DigitSequenceError(f"conditions must be some of {', '.join(CONDITIONS)}, got {conditions!r}")
    bad = [b for b in baselines if b not in MODEL_NAMES]
    if bad:
        raise DigitSequenceError(f"baselines must be some of {', '.join(MODEL_NAMES)}, got {bad!r}")
    return conditions


def _score(pred, videos):
    acc = frame_accuracy(pred, videos)
    correct = pred == videos.frame_labels
    per_frame = correct.mean(axis=0).tolist()
    idx = np.clip(np.digitize(videos.hidden, HIDDEN_BINS[1:-1]), 0, len(HIDDEN_BINS) - 2)
    by_hidden = [float(correct[idx == b].mean()) if np.any(idx == b) else float("nan")
                 for b in range(len(HIDDEN_BINS) - 1)]
    return acc, per_frame, by_hidden


def run_digit_sequence(config=None, *, n_videos=300, n_frames=20, n_train=300, seed=0,
                       conditions=CONDITIONS, baselines=MODEL_NAMES, size=14,
                       occluder_width=0.8, target=None, progress=None):
    """Train on static digits, test on videos of held-out digits, score every model.

    Parameters
    ----------
    config : DigitSequenceConfig, optional
        The network's settings (defaults if None).
    n_videos : int
        Test videos per condition.
    n_frames : int
        Frames per video.
    n_train : int
        Training digits per class (the test digits are 150 others per class).
    seed : int
        Seeds the data split, the videos, the network and the baselines.
    conditions : sequence of str
        Conditions of :data:`spikesyn.digit_videos.CONDITIONS` to test.
    baselines : sequence of str
        Non-spiking baselines to fit (``()`` for none).
    size : int
        Image side after downsampling.
    occluder_width : float
        Bar width as a fraction of the image width.
    target : str, optional
        Brian2 code-generation target.
    progress : callable, optional
        Called with a short message at each phase.

    Returns
    -------
    DigitSequenceResult
    """
    config = check_config(config or DigitSequenceConfig())
    conditions = _check_args(n_videos, n_frames, n_train, seed, conditions, baselines)
    say = progress or (lambda msg: None)
    try:
        train = load_digits(size=size, split="train", seed=seed, n_train=n_train)
        test = load_digits(size=size, split="test", seed=seed, n_train=n_train)
        videos = {c: make_videos(test, c, n_videos=n_videos, n_frames=n_frames,
                                 occluder_width=occluder_width, seed=seed) for c in conditions}
    except SpikesynError as exc:
        raise DigitSequenceError(str(exc)) from None
    timing = {}
    t0 = time.perf_counter()
    trained = train_layer(train.images, train.labels, config, n_classes=train.n_classes,
                          seed=seed, target=target, progress=say)
    timing["train_s"] = time.perf_counter() - t0
    n_classes = train.n_classes
    tau_frames = config.frames_per_tau_F
    preds, static_scores = {}, {}
    t1 = time.perf_counter()
    for c in conditions:
        for model, short_term in (("static", False), ("st_stdp", True)):
            say(f"{c}: {n_videos} videos, {model}")
            counts = run_videos(trained, videos[c].frames, config, short_term=short_term, seed=seed,
                                target=target)
            scores = class_scores(counts, trained.labels, n_classes)
            preds.setdefault(model, {})[c] = scores.argmax(-1)
            if not short_term:
                static_scores[c] = scores
        preds.setdefault("smoothing", {})[c] = smooth_scores(static_scores[c], tau_frames).argmax(-1)
    timing["test_s"] = time.perf_counter() - t1
    if baselines:
        t2 = time.perf_counter()
        say(f"fitting baselines: {', '.join(baselines)}")
        fitted = fit_baselines(train, seed=seed, models=tuple(baselines))
        for name, model in fitted.items():
            preds[name] = {c: predict_frames(model, videos[c]) for c in conditions}
        timing["baselines_s"] = time.perf_counter() - t2
    accuracy, per_frame, by_hidden = {}, {}, {}
    for model, by_cond in preds.items():
        accuracy[model], per_frame[model], by_hidden[model] = {}, {}, {}
        for c, pred in by_cond.items():
            acc, pf, bh = _score(pred, videos[c])
            accuracy[model][c] = acc["mean"]
            if c in HIDDEN_KEYS:
                accuracy[model][HIDDEN_KEYS[c]] = acc["hidden"]
            per_frame[model][c] = pf
            by_hidden[model][c] = bh
    timing["total_s"] = time.perf_counter() - t0
    static_frame = accuracy["static"].get("untransformed", float("nan"))
    return DigitSequenceResult(
        accuracy=accuracy, per_frame=per_frame, by_hidden=by_hidden,
        hidden_bins=HIDDEN_BINS.tolist(), n_videos={c: n_videos for c in conditions},
        chance=1.0 / n_classes, seed=seed, static_frame_accuracy=static_frame,
        config={**config.to_dict(), "n_frames": n_frames, "n_train": n_train, "size": size,
                "occluder_width": occluder_width, "conditions": list(conditions),
                "baselines": list(baselines), "train_spikes": trained.train_spikes},
        timing=timing, predictions=preds, videos=videos, trained=trained)
