"""A time-multiplexed reservoir on one spin-torque nano-oscillator (Torrejon et al., Nature 2017).

One oscillator (the ``spin_torque_oscillator`` card) stands in for a whole layer of neurons. Each
input value ``u`` is held for ``n_nodes`` node times ``theta``; during node ``j`` the current is
``bias + amplitude * mask[j] * u``, with a fixed random mask of +1/-1. The oscillator's amplitude
``sqrt(p)`` (what a rectified microwave voltage measures) is read at the end of every node time:
those ``n_nodes`` readings are the "virtual neurons" of that input. Because ``theta`` is
shorter than the power's relaxation time, each reading still remembers the previous nodes and
the previous inputs, and the response is nonlinear in the current (most of all where the
current dips below the threshold and the oscillation collapses). A linear readout is trained on
the readings: ridge regression (scipy), or for classification logistic regression. By default
it also sees the readings of the two previous inputs (``history=2``), a delay line in the
readout; ``history=0`` leaves all memory to the oscillator (measured in
``benchmarks/RESULTS_reservoir.md``).

Many input sequences run at once as many independent oscillators in one Brian2 group: one
oscillator per sequence, the currents of all of them in one ``TimedArray``.

Tasks
-----
``"sine-square"``
    Periods of a sine and of a square wave, 8 points each, in random order; every point is
    classified (sine or square). A readout of the present input alone cannot do it (both waves
    reach +1 and -1); it needs the recent inputs through a nonlinearity. Scored on waveforms
    the readout never saw (other random orders, other noise).
``"narma10"``
    The tenth-order nonlinear autoregressive moving average benchmark: u uniform in [0, 0.5],
    ``y[k+1] = 0.3 y[k] + 0.05 y[k] sum(y[k-9..k]) + 1.5 u[k-9] u[k] + 0.1``; the readout
    predicts ``y`` from the readings of ``u``; scored by the normalised mean square error.

Examples
--------
>>> from brian2 import nsecond
>>> res = run_reservoir("sine-square", n_nodes=8, theta=25 * nsecond, periods=6, n_train=2,
...                     n_test=2, seed=1)                                   # doctest: +SKIP
>>> sorted(sine_square_series(2, seed=0))
['label', 'phase', 'u']
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import brian2 as b2
import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.special

from spikesyn.brian_settings import brian_settings
from spikesyn.checks import integer_in, quantity_in, real_in
from spikesyn.errors import ParameterError, ReservoirError
from spikesyn.model import load_model

__all__ = ["TASKS", "LIMITS", "ReservoirError", "ReservoirResult", "run_reservoir",
           "sine_square_series", "narma10_series", "binary_mask", "drive_currents",
           "simulate_oscillators", "ridge_fit", "logistic_fit", "steady_power", "relaxation_time",
           "threshold_current"]

TASKS = ("sine-square", "narma10")
READOUTS = ("ridge", "logistic")
POINTS_PER_PERIOD = 8

#: inclusive limits, checked before any simulation
LIMITS = {
    "n_nodes": (2, 400),
    "steps_per_node": (2, 1000),
    "periods": (2, 10_000),
    "points": (30, 100_000),
    "n_train": (1, 1000),
    "n_test": (1, 1000),
    "washout": (0, 1000),
    "history": (0, 20),
}
#: ranges of the quantities, in SI: (low, high, unit name, what the quantity is)
QUANTITY_LIMITS = {
    "theta": (1e-11, 1e-5, "second", "a time"),
    "bias": (0.0, 1.0, "amp", "a current"),
    "amplitude": (0.0, 1.0, "amp", "a current"),
}
CARD = "spin_torque_oscillator"
#: the longest default integration step: well below the fastest relaxation the default card
#: reaches within the current ranges used here (about 20 ns at 10 mA)
MAX_DT = 2e-9   # seconds


# --------------------------------------------------------------------------- closed forms
def threshold_current(Gamma_G, sigma):
    """The current above which the oscillator's rest state p = 0 is unstable: Gamma_G / sigma.

    Examples
    --------
    >>> from brian2 import MHz, mA
    >>> print(threshold_current(10 * MHz, 2.5 * MHz / mA))
    4. mA
    """
    return Gamma_G / sigma


def steady_power(I, Gamma_G, Q, sigma):
    """Free-running power p0(I) = (sigma I - Gamma_G) / (sigma I + Gamma_G Q), 0 below threshold.

    Examples
    --------
    >>> from brian2 import MHz, mA
    >>> round(float(steady_power(6 * mA, 10 * MHz, 2.0, 2.5 * MHz / mA)), 6)    # 5 / 35
    0.142857
    """
    drive = sigma * I
    return np.clip(np.asarray((drive - Gamma_G) / (drive + Gamma_G * Q), dtype=float), 0.0, None)


def relaxation_time(I, Gamma_G, sigma):
    """Relaxation time of a small power deviation above threshold: 1 / (2 (sigma I - Gamma_G)).

    Linearising the card's equation at p0 gives the rate 2 p0 (Gamma_G Q + sigma I), which
    the closed form of p0 turns into 2 (sigma I - Gamma_G).

    Examples
    --------
    >>> from brian2 import MHz, mA
    >>> print(relaxation_time(6 * mA, 10 * MHz, 2.5 * MHz / mA))
    100. ns
    """
    return 1.0 / (2.0 * (sigma * I - Gamma_G))


# --------------------------------------------------------------------------- data
def sine_square_series(periods, seed=0):
    """Sine and square periods of 8 points each, in random order.

    Parameters
    ----------
    periods : int
        Number of periods; each is a sine or a square with probability 1/2.
    seed : int or numpy.random.Generator

    Returns
    -------
    dict
        ``u`` (input in [-1, 1]), ``label`` (0 sine, 1 square) and ``phase`` (0..7, the point's
        place in its period), arrays of ``8 * periods``.

    Examples
    --------
    >>> d = sine_square_series(3, seed=0)
    >>> d["u"].shape, set(d["label"].tolist()) <= {0, 1}
    ((24,), True)
    """
    rng = np.random.default_rng(seed)
    k = np.arange(POINTS_PER_PERIOD)
    sine = np.sin(2 * np.pi * k / POINTS_PER_PERIOD)
    square = np.where(k < POINTS_PER_PERIOD // 2, 1.0, -1.0)
    kinds = rng.integers(0, 2, size=int(periods))
    u = np.concatenate([square if s else sine for s in kinds])
    return {"u": u, "label": np.repeat(kinds, POINTS_PER_PERIOD),
            "phase": np.tile(k, int(periods))}


def narma10_series(points, seed=0):
    """Input and target of the NARMA10 task (Atiya & Parlos 2000), u uniform in [0, 0.5].

    Parameters
    ----------
    points : int
    seed : int or numpy.random.Generator

    Returns
    -------
    dict
        ``u`` and ``y``, arrays of ``points``; ``y[k]`` depends on ``u[k-10..k-1]``
        and on ``y`` before k.

    Examples
    --------
    >>> d = narma10_series(200, seed=0)
    >>> bool(0 < d["y"].mean() < 1), bool(d["u"].max() <= 0.5)
    (True, True)
    """
    rng = np.random.default_rng(seed)
    n = int(points)
    u = rng.uniform(0.0, 0.5, size=n)
    y = np.zeros(n)
    for k in range(9, n - 1):
        y[k + 1] = (0.3 * y[k] + 0.05 * y[k] * y[k - 9:k + 1].sum()
                    + 1.5 * u[k - 9] * u[k] + 0.1)
    return {"u": u, "y": y}


def binary_mask(n_nodes, seed=0):
    """The input mask: one random sign per virtual node.

    Examples
    --------
    >>> m = binary_mask(6, seed=0)
    >>> m.shape, set(m.tolist()) <= {-1.0, 1.0}
    ((6,), True)
    """
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=int(n_nodes))


def drive_currents(inputs, mask, bias, amplitude):
    """Currents of the time-multiplexed input: one row per node time, one column per sequence.

    Parameters
    ----------
    inputs : array, shape (n_points, n_sequences)
        Input values, each held for ``len(mask)`` node times.
    mask : array, shape (n_nodes,)
    bias, amplitude : brian2.Quantity
        Currents: node j of input u carries ``bias + amplitude * mask[j] * u``.

    Returns
    -------
    brian2.Quantity, shape (n_points * n_nodes, n_sequences)

    Examples
    --------
    >>> from brian2 import mA
    >>> I = drive_currents(np.array([[1.0], [-0.5]]), np.array([1.0, -1.0]), 6 * mA, 1 * mA)
    >>> np.round(np.asarray(I[:, 0] / mA), 6).tolist()
    [7.0, 5.0, 5.5, 6.5]
    """
    inputs = np.asarray(inputs, dtype=float)
    mask = np.asarray(mask, dtype=float)
    modulation = inputs[:, None, :] * mask[None, :, None]
    return bias + amplitude * modulation.reshape(-1, inputs.shape[1])


# --------------------------------------------------------------------------- simulation
def simulate_oscillators(currents, theta, steps_per_node=10, p_start=None, overrides=None,
                         seed=0, target="numpy", progress=None):
    """Drive independent oscillators with given currents and read p at the end of each node time.

    Parameters
    ----------
    currents : brian2.Quantity, shape (n_node_times, n_oscillators)
        The current of each oscillator during each node time.
    theta : brian2.Quantity
        Node time.
    steps_per_node : int
        Integration steps per node time (dt = theta / steps_per_node).
    p_start : array, optional
        Initial power of each oscillator (default: its steady power at the first current).
    overrides : dict, optional
        Card parameters (with units) replacing the card's defaults.
    seed : int
        Seed of the thermal noise (Brian2's ``seed``).
    target : {"numpy", "cython"}
        Brian2 code generation target.
    progress : callable, optional
        Called with one-line messages while the simulation runs.

    Returns
    -------
    numpy.ndarray, shape (n_node_times, n_oscillators)
        p at the end of every node time.

    Examples
    --------
    >>> from brian2 import kHz, mA, nsecond
    >>> I = np.full((20, 2), 6.0) * mA
    >>> p = simulate_oscillators(I, 20 * nsecond, overrides={"D_T": 0 * kHz})
    >>> np.allclose(p, 1 / 7)
    True
    """
    model = load_model(CARD)
    kwargs = model.neuron_kwargs(**(overrides or {}))
    values = np.asarray(currents / b2.amp, dtype=float)
    n_times, n_osc = values.shape
    dt = theta / int(steps_per_node)
    drive = b2.TimedArray(values * b2.amp, dt=theta)
    kwargs["namespace"]["oscillator_drive"] = drive
    say = progress or (lambda msg: None)
    wall0 = time.perf_counter()

    def report(elapsed, completed, start, duration):
        say(f"simulated {float(completed) * 100:5.1f} % of {n_times} node times "
            f"x {n_osc} oscillators ({time.perf_counter() - wall0:.0f} s)")

    with brian_settings(target=target):
        b2.seed(int(seed))
        group = b2.NeuronGroup(n_osc, dt=dt, name="oscillators*", **kwargs)
        group.run_regularly("I = oscillator_drive(t, i)", when="start", order=-1,
                            name="oscillators_input*")
        ns = kwargs["namespace"]
        if p_start is None:
            p_start = steady_power(values[0] * b2.amp, ns["Gamma_G"], ns["Q"], ns["sigma"])
        group.p = np.asarray(p_start, dtype=float)
        # recorded at the start of each node time: the value at the end of the previous one
        monitor = b2.StateMonitor(group, "p", record=True, dt=theta, name="oscillators_p*")
        net = b2.Network(group, monitor)
        net.run((n_times + 1) * theta, report=report if progress else None,
                report_period=5 * b2.second, namespace={})
    return np.asarray(monitor.p, dtype=float).T[1:n_times + 1]


# --------------------------------------------------------------------------- readout
def ridge_fit(X, y, alpha):
    """Weights of a ridge regression with an unpenalised bias, on standardised features.

    Parameters
    ----------
    X : array, shape (n_samples, n_features)
    y : array, shape (n_samples,)
    alpha : float
        Penalty on the squared weights of the standardised features (per sample).

    Returns
    -------
    callable
        ``predict(X_new)`` giving the fitted output.

    Examples
    --------
    >>> X = np.arange(10.0)[:, None]
    >>> predict = ridge_fit(X, 2 * X[:, 0] + 1, alpha=0.0)
    >>> round(float(predict(np.array([[20.0]]))[0]), 6)
    41.0
    """
    X = np.asarray(X, dtype=float)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    y = np.asarray(y, dtype=float)
    y_mean = y.mean()
    n, k = Z.shape
    gram = Z.T @ Z + alpha * n * np.eye(k)
    w = scipy.linalg.solve(gram, Z.T @ (y - y_mean), assume_a="sym")

    def predict(X_new):
        return ((np.asarray(X_new, dtype=float) - mean) / std) @ w + y_mean

    return predict


def logistic_fit(X, labels, alpha):
    """L2-regularised logistic regression on standardised features (scipy's L-BFGS).

    A margin-seeking alternative to :func:`ridge_fit` for classification: least squares on
    +-1 targets may give up a small class of points that a linear boundary could separate.

    Parameters
    ----------
    X : array, shape (n_samples, n_features)
    labels : array of +1 / -1
    alpha : float
        Penalty on the squared weights (the bias is not penalised).

    Returns
    -------
    callable
        ``decision(X_new)``: positive for the +1 class.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> decide = logistic_fit(X, np.array([-1, -1, 1, 1]), alpha=1e-3)
    >>> (decide(np.array([[0.5], [2.5]])) > 0).tolist()
    [False, True]
    """
    X = np.asarray(X, dtype=float)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std[std == 0] = 1.0
    Z = np.column_stack([(X - mean) / std, np.ones(len(X))])
    y = np.asarray(labels, dtype=float)
    penalty = np.r_[np.full(Z.shape[1] - 1, float(alpha)), 0.0]

    def loss_and_grad(w):
        margin = y * (Z @ w)
        loss = np.mean(np.logaddexp(0.0, -margin)) + np.sum(penalty * w * w)
        weight = -y * scipy.special.expit(-margin)
        return loss, Z.T @ weight / len(y) + 2 * penalty * w

    w = scipy.optimize.minimize(loss_and_grad, np.zeros(Z.shape[1]), jac=True,
                                method="L-BFGS-B", options={"maxiter": 5000}).x

    def decision(X_new):
        return ((np.asarray(X_new, dtype=float) - mean) / std) @ w[:-1] + w[-1]

    return decision


# --------------------------------------------------------------------------- the job
@dataclass
class ReservoirResult:
    """What :func:`run_reservoir` measured.

    Attributes
    ----------
    task : str
    accuracy : float or None
        Sine-square: fraction of held-out points classified right (after the washout).
    chance : float or None
        Sine-square: the share of the more frequent class among those points.
    error_per_point : dict or None
        Sine-square: error rate at each of the 8 points of a period, ``{"sine": [...],
        "square": [...]}``.
    nmse : float or None
        NARMA10: held-out normalised mean square error (1 = predicting the mean).
    train_score : float
        Accuracy (sine-square) or NMSE (NARMA10) on the training sequences.
    settings : dict
        Every setting, with units in the key names, and the oscillator's threshold current,
        steady power and relaxation time at the bias.
    time_s : float
        Wall-clock seconds of the whole run.
    accuracy_by_readout : dict or None
        Sine-square: held-out accuracy of each readout (``ridge``, ``logistic``) trained on
        the same readings.
    trace : dict
        One held-out sequence for plots: ``u``, ``p`` (the readout's features: amplitude
        readings sqrt(p), n_points x n_nodes, then those of earlier points with ``history``),
        ``currents_A``, ``output`` (readout) and ``target``; not part of :meth:`to_dict`.
    """

    task: str
    accuracy: float | None
    chance: float | None
    error_per_point: dict | None
    nmse: float | None
    train_score: float
    settings: dict
    time_s: float
    accuracy_by_readout: dict | None = None
    trace: dict = field(default_factory=dict, repr=False)

    def to_dict(self):
        """Plain data for JSON (the plot trace left out).

        Examples
        --------
        >>> r = ReservoirResult("narma10", None, None, None, 0.5, 0.4, {}, 1.0)
        >>> r.to_dict()["nmse"], r.to_dict()["accuracy"]
        (0.5, None)
        """
        return {"task": self.task, "accuracy": self.accuracy, "chance": self.chance,
                "error_per_point": self.error_per_point, "nmse": self.nmse,
                "accuracy_by_readout": self.accuracy_by_readout,
                "train_score": self.train_score, "settings": dict(self.settings),
                "time_s": self.time_s}


def _with_history(features, history):
    """Append the readings of the ``history`` previous input points to each point's readings."""
    parts = [features]
    for lag in range(1, history + 1):
        shifted = np.empty_like(features)
        shifted[:lag] = features[:1]
        shifted[lag:] = features[:-lag]
        parts.append(shifted)
    return np.concatenate(parts, axis=1)


def _check_int(name, value):
    return integer_in(value, name, *LIMITS[name], error=ReservoirError)


def _check_quantity(name, value):
    lo, hi, unit_name, what = QUANTITY_LIMITS[name]
    quantity_in(value, getattr(b2, unit_name), name, what, lo, hi, error=ReservoirError)
    return value


def _check_overrides(overrides):
    try:
        load_model(CARD).namespace(**(overrides or {}))
    except ParameterError as exc:
        raise ReservoirError(str(exc)) from None
    return dict(overrides or {})


def run_reservoir(task="sine-square", n_nodes=24, theta=None, bias=None, amplitude=None,
                  noise=None, steps_per_node=None, periods=40, points=400, n_train=6, n_test=6,
                  washout=None, ridge=1e-6, history=2, readout="ridge", seed=0, target="numpy", overrides=None,
                  progress=None):
    """Simulate the oscillator reservoir on a task, train the readout, score held-out sequences.

    Parameters
    ----------
    task : {"sine-square", "narma10"}
    n_nodes : int
        Virtual nodes per input value.
    theta : brian2.Quantity
        Node time (default 50 ns: a quarter of the power's relaxation time at the default bias).
    bias, amplitude : brian2.Quantity
        Direct current and input modulation depth (defaults 5 mA and 5 mA: the current swings
        below the card's 4 mA threshold, where the oscillation collapses, which is the
        strongest nonlinearity the oscillator offers).
    noise : brian2.Quantity, optional
        Thermal noise intensity ``D_T`` (a frequency; default: the card's).
    steps_per_node : int, optional
        Integration steps per node time (default: enough for a step of at most 2 ns, at least 4).
    periods : int
        Sine-square: periods per sequence.
    points : int
        NARMA10: input points per sequence.
    n_train, n_test : int
        Sequences (one oscillator each) for training and for the held-out score.
    washout : int, optional
        Input points dropped at the start of every sequence (default: one period for
        sine-square, 20 for NARMA10).
    ridge : float
        Penalty on the squared readout weights (per sample, on standardised readings).
    readout : {"ridge", "logistic"}
        Ridge regression (classification by the sign of its output), or, for sine-square,
        L2-regularised logistic regression (:func:`logistic_fit`) with the same penalty.
    history : int
        The readout also sees the readings of this many previous input points (default 2):
        a delay line in the readout, while the nonlinearity stays the oscillator's (a linear
        readout of the raw inputs with the same delay line stays at chance on sine-square).
        0 leaves all memory to the oscillator's relaxation.
    seed : int
        Seeds the data, the mask and the noise: the same seed gives the same result.
    target : {"numpy", "cython"}
    overrides : dict, optional
        Other card parameters (with units).
    progress : callable, optional
        Called with one-line messages.

    Returns
    -------
    ReservoirResult

    Raises
    ------
    ReservoirError
        Unknown task, counts out of range, a quantity without its unit or out of range: before
        anything is simulated.
    """
    t_start = time.perf_counter()
    if task not in TASKS:
        raise ReservoirError(f"task must be one of {list(TASKS)}, got {task!r}")
    n_nodes = _check_int("n_nodes", n_nodes)
    n_train, n_test = _check_int("n_train", n_train), _check_int("n_test", n_test)
    theta = _check_quantity("theta", 50 * b2.nsecond if theta is None else theta)
    bias = _check_quantity("bias", 5 * b2.mA if bias is None else bias)
    amplitude = _check_quantity("amplitude", 5 * b2.mA if amplitude is None else amplitude)
    if steps_per_node is None:
        steps_per_node = max(4, math.ceil(float(theta / b2.second) / MAX_DT - 1e-9))
    steps_per_node = _check_int("steps_per_node", steps_per_node)
    overrides = dict(overrides or {})
    if noise is not None:
        overrides["D_T"] = noise
    overrides = _check_overrides(overrides)
    if task == "sine-square":
        length = _check_int("periods", periods) * POINTS_PER_PERIOD
        washout = POINTS_PER_PERIOD if washout is None else washout
    else:
        length = _check_int("points", points)
        washout = 20 if washout is None else washout
    washout = _check_int("washout", washout)
    history = _check_int("history", history)
    if washout >= length - 10:
        raise ReservoirError(f"washout ({washout} points) must leave at least 10 of the "
                             f"{length} points of each sequence")
    real_in(ridge, "ridge", 0, error=ReservoirError)
    if readout not in READOUTS:
        raise ReservoirError(f"readout must be one of {list(READOUTS)}, got {readout!r}")
    if readout == "logistic" and task != "sine-square":
        raise ReservoirError("readout 'logistic' classifies: it needs task 'sine-square'")
    if target not in ("numpy", "cython"):
        raise ReservoirError(f"target must be 'numpy' or 'cython', got {target!r}")
    say = progress or (lambda msg: None)

    ns = load_model(CARD).namespace(**overrides)
    rng = np.random.default_rng([int(seed), 27])
    n_seq = n_train + n_test
    if task == "sine-square":
        data = [sine_square_series(length // POINTS_PER_PERIOD, rng) for _ in range(n_seq)]
        inputs = np.stack([d["u"] for d in data], axis=1)
    else:
        data = [narma10_series(length, rng) for _ in range(n_seq)]
        inputs = np.stack([4.0 * d["u"] - 1.0 for d in data], axis=1)   # [0, 0.5] -> [-1, 1]
    mask = binary_mask(n_nodes, rng)
    currents = drive_currents(inputs, mask, bias, amplitude)
    tau = relaxation_time(bias, ns["Gamma_G"], ns["sigma"]) if bias * ns["sigma"] > ns["Gamma_G"] \
        else None
    say(f"{task}: {n_seq} oscillators x {length} points x {n_nodes} nodes, theta "
        f"{theta.in_best_unit(4)}, {length * n_nodes * steps_per_node} steps")
    readings = simulate_oscillators(currents, theta, steps_per_node, overrides=overrides,
                                    seed=int(seed), target=target, progress=say)
    # the measured quantity is the oscillation amplitude, sqrt(p) (Torrejon et al. read it
    # from the rectified microwave voltage)
    amplitude_readings = np.sqrt(np.clip(readings, 0.0, None))
    if not np.all(np.isfinite(readings)):
        raise ReservoirError(f"the integration diverged at {steps_per_node} steps per node "
                             f"time: give more steps_per_node")
    features = _with_history(amplitude_readings.reshape(length, n_nodes, n_seq), history)
    keep = np.arange(washout, length)

    def stack(seqs, key):
        X = np.concatenate([features[keep, :, s] for s in seqs])
        y = np.concatenate([np.asarray(data[s][key], dtype=float)[keep] for s in seqs])
        return X, y

    train, test = range(n_train), range(n_train, n_seq)
    key = "label" if task == "sine-square" else "y"
    X_train, y_train = stack(train, key)
    X_test, y_test = stack(test, key)
    if task == "sine-square":
        fits = {"ridge": ridge_fit, "logistic": logistic_fit}
        decisions = {name: fit(X_train, 2 * y_train - 1, ridge) for name, fit in fits.items()}
        by_readout = {name: float(((d(X_test) > 0) == (y_test > 0.5)).mean())
                      for name, d in decisions.items()}
        predict = decisions[readout]
        out_test = predict(X_test)
        right = (out_test > 0) == (y_test > 0.5)
        accuracy = float(right.mean())
        train_score = float(((predict(X_train) > 0) == (y_train > 0.5)).mean())
        chance = float(max(y_test.mean(), 1 - y_test.mean()))
        phases = np.concatenate([data[s]["phase"][keep] for s in test])
        errors = {}
        for label, name in ((0, "sine"), (1, "square")):
            rows = []
            for k in range(POINTS_PER_PERIOD):
                sel = (phases == k) & (y_test == label)
                rows.append(float(1 - right[sel].mean()) if sel.any() else None)
            errors[name] = rows
        nmse = None
        target_first = 2 * np.asarray(data[n_train]["label"], dtype=float) - 1
    else:
        predict = ridge_fit(X_train, y_train, ridge)
        out_test = predict(X_test)
        by_readout = None
        nmse = float(np.mean((out_test - y_test) ** 2) / np.var(y_test))
        train_score = float(np.mean((predict(X_train) - y_train) ** 2) / np.var(y_train))
        accuracy = chance = errors = None
        target_first = np.asarray(data[n_train]["y"], dtype=float)

    first = n_train
    settings = {
        "task": task, "n_nodes": n_nodes, "theta_s": float(theta / b2.second),
        "bias_A": float(bias / b2.amp), "amplitude_A": float(amplitude / b2.amp),
        "noise_D_T_Hz": float(ns["D_T"] / b2.Hz), "steps_per_node": steps_per_node,
        "sequence_points": length, "n_train": n_train, "n_test": n_test, "washout": washout,
        "ridge": float(ridge), "readout_history": history, "readout": readout,
        "seed": int(seed), "target": target,
        "card": {k: str(v) for k, v in ns.items()},
        "threshold_current_A": float(threshold_current(ns["Gamma_G"], ns["sigma"]) / b2.amp),
        "steady_power_at_bias": float(steady_power(bias, ns["Gamma_G"], ns["Q"], ns["sigma"])),
        "relaxation_time_s": None if tau is None else float(tau / b2.second),
        "theta_over_relaxation": None if tau is None else float(theta / tau),
    }
    trace = {"u": inputs[:, first], "p": features[:, :, first],
             "currents_A": np.asarray(currents[:, first] / b2.amp, dtype=float),
             "output": predict(features[:, :, first]), "target": target_first,
             "washout": washout, "theta_s": settings["theta_s"], "n_nodes": n_nodes}
    return ReservoirResult(task=task, accuracy=accuracy, chance=chance, error_per_point=errors,
                           accuracy_by_readout=by_readout,
                           nmse=nmse, train_score=train_score, settings=settings,
                           time_s=time.perf_counter() - t_start, trace=trace)
