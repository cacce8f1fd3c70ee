"""In-the-loop tuning: train in software, program PCM devices, measure the loss, fine-tune on them.

The experiment has five steps (:func:`inloop_tuning`):

1. train a :class:`~spikesyn.networks.softmax.SoftmaxRegression` in software;
2. program its weights into a :class:`~spikesyn.devices.pcm_array.PCMArray` of differential
   pairs at array time 0 (one write each, no verification: aihwkit programming noise);
3. read the array ``t_read`` later (drift and 1/f read noise) and score the test set through
   the read weights: the drop from the software accuracy;
4. fine-tune with the hardware in the loop: each iteration reads the array once (fresh read
   noise, drift at the current time), runs a training minibatch through the read weights,
   computes the softmax error and its gradient in software, and adds ``-lr * gradient`` to a
   digital accumulator per weight (as in Nandakumar et al.'s mixed-precision training). Only
   weights whose accumulated update reaches ``threshold * w_max`` are reprogrammed: their new
   target (last target + accumulator) is written without verification, so it gets fresh
   programming noise, a fresh drift exponent and a fresh drift clock; their accumulator is
   cleared. Of a pair, only the device whose target changes is written (both when the sign
   flips), and the writes are counted per device. The biases stay digital and take their plain
   gradient step (``tune_bias=False`` keeps them at their software values).
5. score the test set through a fresh read after 0, 1, 2, 5, 10, 20, 50, ... iterations, and once
   more ``t_read`` after the last iteration (``hold``), to see what part of the recovery survives
   further drift.

Iteration ``i`` reads at ``t_read + (i - 1) t_step`` and writes right after; the test read
"after i iterations" is at ``t_read + i t_step``. Every read holds one sample of the read noise
for the whole batch it scores (as aihwkit does for an inference evaluation).

Drift compensation (``drift_compensation="global"`` or ``"column"``; ``True`` means
``"column"``) is aihwkit's GlobalDriftCompensation / PerColumnDriftCompensation: a reference
read of all weights right after programming (age ``t0`` = 20 s) gives a baseline
``mean |W|`` (of the whole array, or of each output column), a second reference read at
``t_read`` gives the same mean, and the outputs ``X W`` are multiplied by
``baseline / mean`` before the biases are added. The gain is estimated once, at ``t_read``, and
then held fixed through the fine-tuning and the hold read (reprogrammed devices would make a
new baseline necessary).

Examples
--------
>>> from brian2 import second
>>> from spikesyn.datasets import make_labelled_set
>>> from spikesyn.networks.inloop import inloop_tuning
>>> train, test = make_labelled_set(3, 20, seed=1), make_labelled_set(3, 10, seed=2)
>>> res = inloop_tuning(train, test, t_read=86400 * second, iterations=5, max_iter=50)
>>> [row["iteration"] for row in res.rows]
[0, 1, 2, 5]
>>> res.software_accuracy >= res.programmed_accuracy
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from brian2 import second, siemens, uS

from spikesyn.checks import integer_in, quantity_in, real_in
from spikesyn.devices.pcm import GMAX, T0
from spikesyn.devices.pcm_array import PCMArray
from spikesyn.errors import ParameterError
from spikesyn.networks.softmax import SoftmaxRegression, cross_entropy, softmax
from spikesyn.units import as_quantity

__all__ = ["InloopResult", "inloop_tuning", "format_inloop_table", "record_schedule"]

_COMPENSATIONS = {False: None, None: None, True: "column", "none": None, "global": "global",
                  "column": "column"}


@dataclass
class InloopResult:
    """What :func:`inloop_tuning` measured.

    Attributes
    ----------
    rows : list of dict
        One row per recorded iteration count: ``iteration``, ``time_s`` (array time of the
        test read, seconds since programming), ``accuracy`` and ``loss`` (test accuracy and
        mean cross-entropy through the device read), ``device_writes`` (devices reprogrammed
        by the fine-tuning so far), ``recovered`` (fraction of the drop won back:
        ``(accuracy - programmed) / (software - programmed)``, None when there was no drop).
    software_accuracy, software_loss : float
        Test accuracy and loss of the software weights.
    fresh_accuracy, fresh_loss : float
        Through a read right after programming (age t0 = 20 s: programming and read noise,
        no drift yet).
    programmed_accuracy, programmed_loss : float
        Through a read ``t_read`` after programming (the same as ``rows[0]``).
    hold_accuracy, hold_loss : float
        Through a read ``t_read`` after the last fine-tuning iteration.
    initial_writes : int
        Devices written when the software weights were programmed.
    gain : list of float or None
        The drift-compensation gain (one value, or one per column), None without compensation.
    settings : dict
        The arguments of the run, in plain numbers (times in seconds).

    Examples
    --------
    >>> r = InloopResult(rows=[], software_accuracy=1.0, software_loss=0.1, fresh_accuracy=1.0,
    ...                  fresh_loss=0.1, programmed_accuracy=0.8, programmed_loss=0.5,
    ...                  hold_accuracy=0.9, hold_loss=0.3, initial_writes=10)
    >>> round(r.drop, 3)
    0.2
    """

    rows: list
    software_accuracy: float
    software_loss: float
    fresh_accuracy: float
    fresh_loss: float
    programmed_accuracy: float
    programmed_loss: float
    hold_accuracy: float
    hold_loss: float
    initial_writes: int
    gain: list | None = None
    settings: dict = field(default_factory=dict)

    @property
    def drop(self):
        """Accuracy lost between software and the device read at ``t_read``."""
        return self.software_accuracy - self.programmed_accuracy

    @property
    def final_accuracy(self):
        """Test accuracy after the last fine-tuning iteration."""
        return self.rows[-1]["accuracy"] if self.rows else self.programmed_accuracy

    def to_dict(self):
        """The result as plain Python data (JSON-ready).

        Examples
        --------
        >>> r = InloopResult([], 1.0, 0.1, 1.0, 0.1, 0.8, 0.5, 0.9, 0.3, 10)
        >>> sorted(r.to_dict())[:3]
        ['drop', 'fresh_accuracy', 'fresh_loss']
        """
        out = asdict(self)
        out["drop"] = self.drop
        return out


def record_schedule(iterations):
    """Iteration counts at which the test accuracy is read: 0, 1, 2, 5, 10, 20, 50, ..., last.

    Examples
    --------
    >>> record_schedule(120)
    [0, 1, 2, 5, 10, 20, 50, 100, 120]
    """
    marks, decade = [0], 1
    while decade <= iterations:
        marks += [m * decade for m in (1, 2, 5) if m * decade <= iterations]
        decade *= 10
    if marks[-1] != iterations:
        marks.append(iterations)
    return marks


def _data(value, name):
    if hasattr(value, "X") and hasattr(value, "labels"):
        X, y = value.X, value.labels
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        X, y = value
    else:
        raise ParameterError(f"parameter {name!r} must be an ImageSet (with .X and .labels) or a "
                             f"pair (X, y), got {type(value).__name__}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) == 0 or not np.all(np.isfinite(X)):
        raise ParameterError(f"parameter {name!r}: X must be a finite 2-D array with one sample "
                             f"per row, got shape {X.shape}")
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ParameterError(f"parameter {name!r}: labels must be {len(X)} non-negative integers")
    return X, y.astype(np.int64)


def _reference(W, mode):
    """aihwkit's drift-compensation readout: mean |W| of the array or of each column."""
    A = np.abs(W)
    return np.maximum(A.mean() if mode == "global" else A.mean(axis=0), 1e-12)


def inloop_tuning(train, test, t_read=86400 * second, iterations=50, batch=32, lr=0.5,
                  threshold=0.02, seed=0, drift_compensation=False, t_step=1 * second,
                  w_max=None, Gmax=GMAX, Gmin=0 * uS, weight_decay=1e-3, max_iter=200,
                  hold=None, tune_bias=True):
    """Program a software-trained softmax classifier into PCM pairs and fine-tune it in the loop.

    See the module docstring for the five steps, the time line and the drift compensation.

    Parameters
    ----------
    train, test : ImageSet or (X, y)
        Training and test data (``.X`` rows and integer ``.labels``).
    t_read : brian2.Quantity
        Time between programming and the first read (default one day, ``86400 * second``).
    iterations : int
        Fine-tuning iterations (>= 0).
    batch : int
        Training samples per iteration (>= 1; at most the training set).
    lr : float
        Learning rate of the weight accumulators and the biases (> 0).
    threshold : float
        A weight is reprogrammed once its accumulated update reaches ``threshold * w_max``
        (>= 0; 0 reprograms every weight whose update is not zero).
    seed : int
        Seed of the device noise and of the minibatch draws.
    drift_compensation : bool or {"global", "column"}
        Scale the array's outputs by a gain estimated from reference reads (off by default).
    t_step : brian2.Quantity
        Array time one fine-tuning iteration takes (read, compute, write), default 1 s.
    w_max : float or None
        Weight mapped to the full conductance range; None: the largest ``|W|`` of the software
        solution.
    Gmax, Gmin : brian2.Quantity
        Conductance range of the devices (aihwkit: 25 uS; the idle device at 0).
    weight_decay, max_iter : float, int
        Of the software training (and the weight decay of the fine-tuning gradient).
    hold : brian2.Quantity or None
        Time after the last iteration of the final hold read (None: ``t_read``).
    tune_bias : bool
        Let the fine-tuning update the digital biases too (default); False tunes the device
        weights only.

    Returns
    -------
    InloopResult

    Raises
    ------
    ParameterError
        For a time without a unit, ``iterations < 0``, ``lr <= 0`` and other bad input, naming
        the parameter.

    Examples
    --------
    >>> from brian2 import second
    >>> from spikesyn.datasets import make_labelled_set
    >>> train, test = make_labelled_set(3, 20, seed=1), make_labelled_set(3, 10, seed=2)
    >>> res = inloop_tuning(train, test, t_read=3600 * second, iterations=2, max_iter=50)
    >>> res.rows[-1]["iteration"], res.initial_writes
    (2, 1536)
    """
    Xtr, ytr = _data(train, "train")
    Xte, yte = _data(test, "test")
    if Xte.shape[1] != Xtr.shape[1]:
        raise ParameterError(f"parameter 'test' has {Xte.shape[1]} features per row, 'train' "
                             f"has {Xtr.shape[1]}")
    k = int(ytr.max()) + 1
    if yte.max() >= k:
        raise ParameterError(f"parameter 'test' has label {int(yte.max())}, 'train' only "
                             f"{k} classes")
    t_read_s = quantity_in(t_read, second, "t_read", "a time", 0)
    iterations = integer_in(iterations, "iterations", 0)
    batch = min(integer_in(batch, "batch", 1), len(Xtr))
    lr = real_in(lr, "lr", 0, low_open=True)
    threshold = real_in(threshold, "threshold", 0)
    seed = integer_in(seed, "seed", 0)
    t_step_s = quantity_in(t_step, second, "t_step", "a time", 0, low_open=True)
    hold_s = t_read_s if hold is None else quantity_in(hold, second, "hold", "a time", 0)
    if not isinstance(tune_bias, (bool, np.bool_)):
        raise ParameterError(f"parameter 'tune_bias' must be True or False, got {tune_bias!r}")
    try:
        mode = _COMPENSATIONS[drift_compensation]
    except (KeyError, TypeError):
        raise ParameterError(f"parameter 'drift_compensation' must be False, True, 'global' or "
                             f"'column', got {drift_compensation!r}") from None

    if w_max is not None:
        w_max = real_in(w_max, "w_max", 0, low_open=True)
    for value, name in ((Gmax, "Gmax"), (Gmin, "Gmin")):
        as_quantity(value, siemens, name, "uS")

    # (a) software training
    clf = SoftmaxRegression(weight_decay=weight_decay, max_iter=max_iter).fit(Xtr, ytr)
    b = clf.b.copy()

    def evaluate(W, X, y, gain=1.0):
        P = softmax((X @ W) * gain + b)
        return float(np.mean(np.argmax(P, axis=1) == y)), cross_entropy(P, y)

    sw_acc, sw_loss = evaluate(clf.W, Xte, yte)
    if w_max is None:
        w_max = float(np.abs(clf.W).max()) or 1.0

    # (b) program at array time 0
    array = PCMArray(clf.W.shape, w_max=w_max, Gmax=Gmax, Gmin=Gmin, seed=seed)
    W_target = np.clip(clf.W, -w_max, w_max)
    initial_writes = array.program(W_target, 0 * second)
    t0_s = float(T0 / second)
    W_fresh = array.read_weights(t0_s * second)
    fresh_acc, fresh_loss = evaluate(W_fresh, Xte, yte)

    # (c) read t_read later; the compensation gain is estimated here and then held
    gain, gain_out = 1.0, None
    if mode is not None:
        baseline = _reference(array.read_weights(t0_s * second), mode)
        gain = baseline / _reference(array.read_weights(t_read_s * second), mode)
        gain_out = np.atleast_1d(gain).tolist()
    prog_acc, prog_loss = evaluate(array.read_weights(t_read_s * second), Xte, yte, gain)
    drop = sw_acc - prog_acc

    def row(i, acc, loss, writes):
        rec = None if drop <= 0 else (acc - prog_acc) / drop
        return {"iteration": i, "time_s": t_read_s + i * t_step_s, "accuracy": acc,
                "loss": loss, "device_writes": writes, "recovered": rec}

    # (d) fine-tuning with the hardware in the loop
    marks = set(record_schedule(iterations))
    rows = [row(0, prog_acc, prog_loss, 0)]
    rng = np.random.default_rng([seed, 7])
    accumulator = np.zeros_like(W_target)
    step = threshold * w_max
    writes = 0
    for i in range(1, iterations + 1):
        t_now = t_read_s + (i - 1) * t_step_s
        W_dev = array.read_weights(t_now * second)
        idx = rng.choice(len(Xtr), size=batch, replace=False)
        _, gW, gb = clf.loss_grad(W_dev * gain, b, Xtr[idx], ytr[idx])
        accumulator -= lr * gW * gain          # chain rule through the output gain
        if tune_bias:
            b -= lr * gb
        due = np.abs(accumulator) >= step if step > 0 else accumulator != 0
        if due.any():
            W_target = np.where(due, np.clip(W_target + accumulator, -w_max, w_max), W_target)
            accumulator[due] = 0.0
            writes += array.program(W_target, t_now * second, mask=due)
        if i in marks:
            t_eval = (t_read_s + i * t_step_s) * second
            rows.append(row(i, *evaluate(array.read_weights(t_eval), Xte, yte, gain), writes))

    # (e) hold: one more read hold_s after the last iteration
    t_end = t_read_s + iterations * t_step_s
    hold_acc, hold_loss = evaluate(array.read_weights((t_end + hold_s) * second), Xte, yte, gain)

    settings = {"t_read_s": t_read_s, "iterations": iterations, "batch": batch, "lr": lr,
                "threshold": threshold, "seed": seed, "drift_compensation": mode or False,
                "t_step_s": t_step_s, "w_max": w_max, "Gmax_uS": float(Gmax / uS),
                "Gmin_uS": float(Gmin / uS), "hold_s": hold_s, "n_classes": k,
                "n_train": len(Xtr), "n_test": len(Xte), "n_weights": int(W_target.size),
                "tune_bias": bool(tune_bias)}
    return InloopResult(rows=rows, software_accuracy=sw_acc, software_loss=sw_loss,
                        fresh_accuracy=fresh_acc, fresh_loss=fresh_loss,
                        programmed_accuracy=prog_acc, programmed_loss=prog_loss,
                        hold_accuracy=hold_acc, hold_loss=hold_loss,
                        initial_writes=int(initial_writes), gain=gain_out, settings=settings)


def _duration(seconds):
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def format_inloop_table(result):
    """A markdown summary of an :class:`InloopResult`: the reference accuracies and the curve.

    Parameters
    ----------
    result : InloopResult

    Returns
    -------
    str

    Examples
    --------
    >>> rows = [{"iteration": 0, "time_s": 86400.0, "accuracy": 0.8, "loss": 0.5,
    ...          "device_writes": 0, "recovered": 0.0}]
    >>> r = InloopResult(rows, 0.98, 0.1, 0.97, 0.12, 0.8, 0.5, 0.85, 0.4, 5120)
    >>> print(format_inloop_table(r).splitlines()[-1])
    | 0 | 1 d | 80.0 % | 0.500 | 0 | 0 % |
    """
    if not isinstance(result, InloopResult):
        raise ParameterError(f"parameter 'result' must be an InloopResult, got "
                             f"{type(result).__name__}")
    r, s = result, result.settings
    comp = s.get("drift_compensation") or "off"
    lines = [
        f"software: {100 * r.software_accuracy:.1f} % (loss {r.software_loss:.3f}); "
        f"programmed, read at t0: {100 * r.fresh_accuracy:.1f} % (loss {r.fresh_loss:.3f}); "
        f"read after {_duration(s.get('t_read_s', float('nan')))}: "
        f"{100 * r.programmed_accuracy:.1f} % (loss {r.programmed_loss:.3f}); "
        f"drift compensation: {comp}; initial device writes: {r.initial_writes}",
        f"held {_duration(s.get('hold_s', float('nan')))} after the last iteration: "
        f"{100 * r.hold_accuracy:.1f} % (loss {r.hold_loss:.3f})",
        "",
        "| iteration | time since programming | test accuracy | loss | device writes "
        "| drop recovered |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in r.rows:
        rec = "-" if row["recovered"] is None else f"{100 * row['recovered']:.0f} %"
        since = row["time_s"] - s.get("t_read_s", row["time_s"])
        when = _duration(row["time_s"] - since) + (f" + {since:.4g} s" if since > 0 else "")
        lines.append(f"| {row['iteration']} | {when} | "
                     f"{100 * row['accuracy']:.1f} % | {row['loss']:.3f} | "
                     f"{row['device_writes']} | {rec} |")
    return "\n".join(lines)
