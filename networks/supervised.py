"""Supervised learning on device synapses: a softmax layer trained through the devices' physics.

One layer of device synapses (a crossbar: every input pixel, plus an always-on bias line, to
every class output) learns to classify the glyphs of :func:`spikesyn.datasets.make_labelled_set`.
Both the forward pass and the weight updates are Brian2 events on the synapse card, so they go
through whatever the card models (reads with read noise and drift, SET pulses on a PCM pair with
refresh, charge on a capacitor with transfer and polarity inversion, energy per event):

* **read** (forward pass): pixel value x in [0, 1] becomes ``read_pulses`` x x spikes (rounded)
  of its input line, one per time step; each spike reads the synapses of that line, and the
  card delivers the signed weight to the output's ``ge`` / ``gi``. The output of class j is
  y_j = (ge_j - gi_j) / (gain x read_pulses), i.e. sum_i W_ij x_i in siemens, with each pulse
  an independent device read. Logits are ``beta`` x y (beta per siemens).
* **update** (the delta rule, dW_ij = -lr x (p_j - t_j) x x_i, with p the softmax output and t the
  one-hot label), coded as stochastic coincident pulses (Gokmen & Vlasov, Front. Neurosci.
  2016): input line i fires with probability x_i; output j fires with probability
  lr |p_j - t_j| / step (``step`` is the card's weight change per pairing, see
  :func:`pairing_step`); where that exceeds 1, the example gets as many rounds of pulses as
  needed (at most 8), each with the probabilities divided by the number of rounds. A pairing
  is what the cards' STDP pathways program: output spike one
  step *after* the input spike potentiates (post with apre), one step *before* depresses (pre
  with apost). So an output that must go down fires before the inputs, one that must go up after
  them, and the expected weight change equals the delta rule. The card decides what a pairing
  does to the device.
* Examples are processed in mini-batches: all reads of a batch, then all its updates (weights
  read at the start of the batch, as on a crossbar that updates after a batch of reads).

Learners compared (see :data:`LEARNERS`): ``ideal`` (card ``two_tier_ideal`` with transfers off:
a linear, unbounded, noise-free weight: floating point but updated by the same pulses);
``pcm_pair`` (card ``pcm_pair``: SET-only differential pair with drift, read and programming
noise, and refresh); ``two_tier`` (card ``two_tier``: updates on the volatile capacitor, transfer
into the PCM pair with programming noise every ``transfer_every`` events, polarity inversion).

Time scale. Simulated time runs at ``dt`` = 1 ms per step (about 17 ms per example), far slower
than a real crossbar (microseconds per example), so time constants that are set relative to the
example rate are scaled with it: the pairing traces decay with 2 steps, and the capacitor leak
``tau_cap`` is set to 1000 s so that, as in Ambrogio et al. (2018), the capacitor loses little
charge between transfers. Drift of the PCM devices uses the real simulated time.

Examples
--------
>>> from spikesyn.datasets import make_labelled_set
>>> from spikesyn.networks.supervised import train_supervised
>>> train, test = make_labelled_set(3, 10, seed=1), make_labelled_set(3, 5, seed=2)
>>> res = train_supervised("ideal", train, test, epochs=1)          # doctest: +SKIP
>>> 0.0 <= res.test_accuracy <= 1.0                                  # doctest: +SKIP
True
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from brian2 import (Network, NeuronGroup, Quantity, SpikeGeneratorGroup, StateMonitor, Synapses, ms,
                    second, siemens, uS)
from brian2 import seed as brian_seed
from brian2.units.fundamentalunits import DimensionMismatchError, fail_for_dimension_mismatch
from brian2.utils.logger import catch_logs, get_logger

from spikesyn.energy import energy_of
from spikesyn.errors import SupervisedError
from spikesyn.model import load_model

__all__ = ["SupervisedError", "LEARNERS", "SupervisedConfig", "SupervisedResult",
           "train_supervised", "pairing_step", "SupervisedNetwork", "build_network"]


#: Learner name -> its synapse card. The card overrides each learner needs (trace time
#: constants in steps of ``dt``, transfers, capacitor leak) are made in :func:`_overrides`.
LEARNERS = {
    "ideal": "two_tier_ideal",
    "pcm_pair": "pcm_pair",
    "two_tier": "two_tier",
}

_TRACE_STEPS = 2.0          # trace time constant in steps: exp(-1/2) = 0.61 one step later
_SLOT_STEPS = 12            # steps per update round; cross-talk exp(-11/2) = 0.4 %
_MAX_ROUNDS = 8             # most pairing rounds per example (larger asks are clipped)


@dataclass
class SupervisedConfig:
    """Settings of :func:`train_supervised` (units where physical).

    Parameters
    ----------
    epochs : int
        Passes over the training set (default 3).
    batch : int
        Examples per mini-batch: reads of the batch, then its updates (default 30).
    lr : brian2 Quantity (siemens) or None
        Learning rate of the first epoch: weight change per unit of error x input. None: the
        learner's default (0.5 uS). Where an update asks for more than one pairing step, the
        example gets several pairing rounds (up to 8; beyond that the pulse probabilities are
        clipped to 1, with a warning); a rate larger than the device's weight range is refused.
    lr_end : float
        Learning rate of the last epoch relative to ``lr`` (geometric decay over the epochs;
        1: constant), in (0, 1]; default 0.25.
    beta : brian2 Quantity (1/siemens) or None
        Logit scale: logits = beta x y. None: 0.15 / uS.
    read_pulses : int
        Spikes of a fully-on pixel in a read (pixel value coded by pulse count; default 4).
    transfer_every : int
        Two-tier cell: update events (reads included) of a synapse between transfers, >= 1
        (default 5000: busy synapses transfer every few hundred to few thousand examples).
    dt : brian2 Quantity (second)
        Time step (default 1 ms; see the module docstring on the time scale).
    seed : int
        Seed of the pulses, the example order and the device noise.
    overrides : dict
        Further card parameter overrides (with units).
    """

    epochs: int = 3
    batch: int = 30
    lr: object = None
    lr_end: float = 0.25
    beta: object = None
    read_pulses: int = 4
    transfer_every: int = 5000
    dt: object = None
    seed: int = 0
    overrides: dict = field(default_factory=dict)


def _check_config(learner, c):
    if learner not in LEARNERS:
        raise SupervisedError(f"learner must be one of {sorted(LEARNERS)}, got {learner!r}")
    for name, lo in (("epochs", 1), ("batch", 1), ("read_pulses", 1), ("transfer_every", 1),
                     ("seed", 0)):
        v = getattr(c, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise SupervisedError(f"{name} must be an integer >= {lo}, got {v!r}")
    if isinstance(c.lr_end, bool) or not isinstance(c.lr_end, (int, float)) \
            or not 0 < c.lr_end <= 1:
        raise SupervisedError(f"lr_end must be a number in (0, 1], got {c.lr_end!r}")
    lr = 0.5 * uS if c.lr is None else c.lr
    beta = 0.15 / uS if c.beta is None else c.beta
    dt = 1 * ms if c.dt is None else c.dt
    for name, v, unit in (("lr", lr, siemens), ("beta", beta, 1 / siemens), ("dt", dt, second)):
        if not isinstance(v, Quantity):
            raise SupervisedError(f"{name} must carry units of {unit.dim}, got the bare number "
                                  f"{v!r}")
        try:
            fail_for_dimension_mismatch(v, unit)
        except DimensionMismatchError:
            raise SupervisedError(f"{name} must have units of {unit.dim}, got {v!r}") from None
        if not (np.isfinite(float(v / unit)) and float(v / unit) > 0):
            raise SupervisedError(f"{name} must be positive and finite, got {v!r}")
    return lr, beta, dt


def _overrides(learner, model, c, dt):
    ov = {"tau_pre": _TRACE_STEPS * dt, "tau_post": _TRACE_STEPS * dt}
    if learner == "ideal":
        ov["transfer_every"] = 1e12            # never: a pure, unbounded, linear weight
    elif learner == "two_tier":
        ov["transfer_every"] = float(c.transfer_every)
        ov["tau_cap"] = 1000 * second
    ov.update(c.overrides)
    return ov


def pairing_step(model, namespace):
    """Weight change (siemens) of one pairing of the learner's pulses on a fresh device.

    Two-tier cells: ``dg_plus x exp(-1/2)`` (the trace one step after the spike). PCM pair:
    the mean first SET step from Gmin under the card's SET law (aihwkit's PCMPresetDevice),
    ``set_dw_min max(1 + set_A, 0) (Gmax - Gmin) / set_w_span`` (it shrinks as G nears Gmax).

    Examples
    --------
    >>> import spikesyn as ss
    >>> from brian2 import uS
    >>> m = ss.load_model("two_tier_ideal")
    >>> round(float(pairing_step(m, m.namespace()) / uS), 4)      # 0.5 uS x exp(-1/2)
    0.3033
    """
    ns = namespace
    trace = math.exp(-1.0 / _TRACE_STEPS)
    if "dg_plus" in ns:
        return ns["dg_plus"] * trace
    if "set_dw_min" in ns:
        return (ns["set_dw_min"] * max(1.0 + float(ns["set_A"]), 0.0)
                * (ns["Gmax"] - ns["Gmin"]) / ns["set_w_span"])
    if "set_step" in ns:
        return ns["set_step"] * (ns["Gmax"] - ns["Gmin"])
    raise SupervisedError(f"card {model.name!r} has neither dg_plus (capacitor) nor a SET law "
                          f"(PCM SET): no pairing rule the supervised learner knows")


def _weight_range(ns):
    """Largest |W| the device can hold (siemens), or None if unbounded."""
    if "g_max" in ns:                                  # two-tier: pair plus capacitor
        return ns["F_gain"] * (ns["Gmax"] - ns["Gmin"]) + ns["g_max"]
    if "Gmax" in ns:
        return ns["Gmax"] - ns["Gmin"]
    return None


@dataclass
class SupervisedNetwork:
    """The Brian2 objects of the learner (see :func:`build_network`)."""

    net: object
    inputs: object
    outputs: object
    teacher: object
    syn: object
    monitor: object
    model: object
    namespace: dict
    dt: object
    n_inputs: int
    n_classes: int


def build_network(learner, n_pixels, n_classes, config, dt):
    """Input lines (pixels + bias), class outputs, teacher lines and the device synapses.

    Returns
    -------
    SupervisedNetwork
    """
    model = load_model(LEARNERS[learner])
    ov = _overrides(learner, model, config, dt)
    kw = model.synapse_kwargs(**ov)
    n_in = n_pixels + 1
    inputs = SpikeGeneratorGroup(n_in, [], [] * ms, dt=dt, name="sup_inputs")
    outputs = NeuronGroup(n_classes, "ge : siemens\ngi : siemens\nfire : 1",
                          threshold="fire > 0.5", reset="fire = 0", dt=dt, name="sup_outputs")
    teacher = SpikeGeneratorGroup(n_classes, [], [] * ms, dt=dt, name="sup_teacher")
    drive = Synapses(teacher, outputs, on_pre="fire_post = 1", dt=dt, name="sup_drive")
    drive.connect(j="i")
    syn = Synapses(inputs, outputs, **kw, dt=dt, name="sup_syn")
    syn.connect()
    monitor = StateMonitor(outputs, ["ge", "gi"], record=True, dt=dt, when="end",
                           name="sup_reads")
    net = Network(inputs, outputs, teacher, drive, syn, monitor)
    return SupervisedNetwork(net, inputs, outputs, teacher, syn, monitor, model, kw["namespace"],
                             dt, n_in, n_classes)


def _read_counts(X, read_pulses):
    """Pulse counts per example and input line (pixels, then the always-on bias line)."""
    n = np.rint(np.clip(X, 0.0, 1.0) * read_pulses).astype(np.int64)
    return np.hstack([n, np.full((len(X), 1), read_pulses, dtype=np.int64)])


class _Schedule:
    """Spikes of one ``Network.run``: the updates of one batch, then the reads of the next.

    Merging the two saves one ``run`` call (about 0.1 s of Brian2 set-up) per batch. Steps are
    integers counted from the network's start, so spike times are exact multiples of dt.
    """

    def __init__(self, sn, step, rng):
        self.sn, self.step, self.rng = sn, step, rng
        self.inp, self.teach, self.windows = [], [], []
        self.cursor = step + 1

    def _add(self, lst, idx, step):
        idx = np.asarray(idx, dtype=np.int64)
        lst.append((idx, np.full(len(idx), step, dtype=np.int64)))

    def updates(self, X, errors, prob_scale, max_rounds=_MAX_ROUNDS):
        """Delta-rule updates as stochastic coincident pulses (see the module docstring).

        An example whose largest asked pairing count ``|error| x prob_scale`` exceeds 1 gets
        that many rounds (rounded up, at most ``max_rounds``), each with the probabilities
        divided by the number of rounds. Returns how many output probabilities were still
        above 1 and were clipped.
        """
        x = np.hstack([np.clip(X, 0.0, 1.0), np.ones((len(X), 1))])
        clipped = 0
        for b in range(len(X)):
            want = np.abs(errors[b]) * prob_scale
            rounds = int(min(max_rounds, max(1, math.ceil(want.max()))))
            clipped += int(np.sum(want / rounds > 1))
            p_out = np.clip(want / rounds, 0.0, 1.0)
            for _ in range(rounds):
                s0 = self.cursor
                fire_in = np.nonzero(self.rng.random(x.shape[1]) < x[b])[0]
                fire_out = self.rng.random(len(p_out)) < p_out
                # a teacher spike at step s sets `fire`: the output spikes at s + 1. Outputs
                # whose weights must go down spike at s0 + 1, before the inputs (s0 + 2):
                # depression; those that must go up spike at s0 + 3, after them: potentiation.
                self._add(self.teach, np.nonzero(fire_out & (errors[b] > 0))[0], s0)
                self._add(self.teach, np.nonzero(fire_out & (errors[b] < 0))[0], s0 + 2)
                self._add(self.inp, fire_in, s0 + 2)
                self.cursor += _SLOT_STEPS
        return clipped

    def reads(self, counts):
        """Forward passes: pixel values as pulse counts, one pulse per step."""
        P = int(counts[:, -1].max())
        for b in range(len(counts)):
            for p in range(P):
                self._add(self.inp, np.nonzero(counts[b] > p)[0], self.cursor + p)
            self.windows.append((self.cursor - 1, self.cursor + P - 1))
            self.cursor += P + 1

    def run(self):
        """Run the network over the schedule; return the net input (k, n_reads), siemens x gain."""
        sn = self.sn
        dt_s = float(sn.dt / second)
        for group, lst in ((sn.inputs, self.inp), (sn.teacher, self.teach)):
            idx = np.concatenate([a for a, _ in lst]) if lst else np.zeros(0, np.int64)
            steps = np.concatenate([b for _, b in lst]) if lst else np.zeros(0, np.int64)
            group.set_spikes(idx, steps * dt_s * second)
        n_steps = self.cursor - self.step
        rec_from = self.step
        sn.net.run(n_steps * sn.dt, namespace={})
        out = np.zeros((sn.n_classes, len(self.windows)))
        if self.windows:
            t = np.rint(np.asarray(sn.monitor.t_[:]) / dt_s).astype(np.int64)
            net = np.asarray(sn.monitor.ge_[:]) - np.asarray(sn.monitor.gi_[:])
            pos0 = np.searchsorted(t, [a for a, _ in self.windows])
            pos1 = np.searchsorted(t, [b for _, b in self.windows])
            assert np.all(t[pos1] == [b for _, b in self.windows]) and t[0] <= rec_from + 1
            out = net[:, pos1] - net[:, pos0]
        sn.monitor.resize(0)            # keep only this run's reads in memory
        return out, self.cursor


@dataclass
class SupervisedResult:
    """What :func:`train_supervised` measured.

    Attributes
    ----------
    learner, card : str
    test_accuracy, train_accuracy : float
        After the last epoch, both read through the devices.
    curve : list of dict
        Per epoch: ``epoch``, ``test_accuracy``, ``train_accuracy`` (on the reads of that epoch's
        training batches, before their updates), ``seconds``.
    counters : dict
        Totals of the card's event counters (``n_set``, ``n_transfers``, ...).
    energy : spikesyn.energy.EnergyReport
        Device energy of the whole run (reads of training and testing included).
    config : dict
        The settings used (units as strings).
    clipped_fraction : float
        Fraction of output pulse probabilities that were clipped to 1 (asks beyond 8 pairings).
    """

    learner: str
    card: str
    test_accuracy: float
    train_accuracy: float
    curve: list
    counters: dict
    energy: object
    config: dict
    clipped_fraction: float = 0.0
    network: object = field(default=None, repr=False)

    def digital_operations(self):
        """The same training on a digital processor, as operation counts.

        Every weight (pixels + bias, times classes) is read and multiplied once per example
        read (each epoch's training and test reads, and the final training-set score), and
        updated once per training example (the dense delta rule). Pass the result to
        :func:`spikesyn.energy_compare.digital_energy`.

        Returns
        -------
        dict
            ``n_synaptic_events`` and ``n_weight_updates``.
        """
        c = self.config
        n_weights = (c["n_pixels"] + 1) * c["n_classes"]
        reads = c["epochs"] * (c["n_train"] + c["n_test"]) + c["n_train"]
        return {"n_synaptic_events": n_weights * reads,
                "n_weight_updates": n_weights * c["epochs"] * c["n_train"]}

    def to_dict(self):
        """Plain-data form (JSON-ready)."""
        return {"learner": self.learner, "card": self.card,
                "test_accuracy": self.test_accuracy, "train_accuracy": self.train_accuracy,
                "curve": self.curve, "counters": self.counters,
                "energy_joule": {"total": float(self.energy.total),
                                 "per_event": {k: float(v) for k, v in
                                               self.energy.per_event.items()}},
                "config": self.config, "clipped_fraction": self.clipped_fraction}


def train_supervised(learner, train, test, config=None, progress=None, **settings):
    """Train a device-synapse softmax layer on ``train`` and score it on ``test``.

    Parameters
    ----------
    learner : str
        One of :data:`LEARNERS`: ``"ideal"``, ``"pcm_pair"``, ``"two_tier"``.
    train, test : spikesyn.datasets.ImageSet
        E.g. from :func:`spikesyn.datasets.make_labelled_set` with two seeds.
    config : SupervisedConfig or None
        Settings; keyword ``settings`` override its fields.
    progress : callable or None
        Called with a one-line string after each epoch.

    Returns
    -------
    SupervisedResult

    Raises
    ------
    SupervisedError
        Unknown learner or setting out of range; a learning rate beyond the device's weight
        range.

    Examples
    --------
    >>> from spikesyn.datasets import make_labelled_set
    >>> tr, te = make_labelled_set(3, 10, seed=1), make_labelled_set(3, 5, seed=2)
    >>> r = train_supervised("ideal", tr, te, epochs=1, batch=10)      # doctest: +SKIP
    >>> r.counters["n_transfers"]                                       # doctest: +SKIP
    0.0
    """
    c = SupervisedConfig() if config is None else config
    unknown = sorted(set(settings) - set(SupervisedConfig.__dataclass_fields__))
    if unknown:
        raise SupervisedError(f"unknown setting(s) {unknown}; valid: "
                              f"{sorted(SupervisedConfig.__dataclass_fields__)}")
    c = replace(c, **settings)
    lr, beta, dt = _check_config(learner, c)
    Xtr, ytr = np.asarray(train.X, float), np.asarray(train.labels)
    Xte, yte = np.asarray(test.X, float), np.asarray(test.labels)
    if Xtr.shape[1] != Xte.shape[1]:
        raise SupervisedError(f"train has {Xtr.shape[1]} pixels per image, test {Xte.shape[1]}")
    k = int(max(ytr.max(), yte.max())) + 1
    brian_seed(c.seed)
    sn = build_network(learner, Xtr.shape[1], k, c, dt)
    ns = sn.namespace
    step = pairing_step(sn.model, ns)
    span = _weight_range(ns)
    if span is not None and lr > span:
        raise SupervisedError(f"lr = {lr} would move a weight by more than the device's whole "
                              f"range ({span}) in one update: refused")
    prob_scale = float(lr / step)
    to_logits = float(beta * siemens) / (float(ns["gain"]) * c.read_pulses)
    rng = np.random.default_rng([c.seed, 4242])
    counts_tr, counts_te = _read_counts(Xtr, c.read_pulses), _read_counts(Xte, c.read_pulses)
    Y = np.eye(k)[ytr]
    curve, clipped, asked, at = [], 0, 0, 0
    gc.collect()
    gc.freeze()      # Brian2 calls gc.collect() in every run(); frozen objects are not rescanned
    # Brian2 repeats its code warnings (the cards' random numbers) at every run(): catch them
    # and pass each distinct one on once, after training
    logs = catch_logs()
    caught = logs.__enter__()
    try:
        for epoch in range(1, c.epochs + 1):
            t0 = time.perf_counter()
            order = rng.permutation(len(Xtr))
            decay = c.lr_end ** ((epoch - 1) / max(c.epochs - 1, 1))
            batches = [order[s:s + c.batch] for s in range(0, len(order), c.batch)]
            sched = _Schedule(sn, at, rng)
            sched.reads(counts_tr[batches[0]])
            out, at = sched.run()
            correct = 0
            for i, b in enumerate(batches):
                logits = out.T * to_logits
                p = np.exp(logits - logits.max(1, keepdims=True))
                p /= p.sum(1, keepdims=True)
                err = p - Y[b]
                correct += int(np.sum(np.argmax(logits, 1) == ytr[b]))
                asked += err.size
                sched = _Schedule(sn, at, rng)
                clipped += sched.updates(Xtr[b], err, prob_scale * decay)
                if i + 1 < len(batches):
                    sched.reads(counts_tr[batches[i + 1]])
                out, at = sched.run()
            test_acc, at = _score(sn, at, rng, counts_te, yte, to_logits)
            curve.append({"epoch": epoch, "test_accuracy": test_acc,
                          "train_accuracy": correct / len(Xtr),
                          "seconds": time.perf_counter() - t0})
            if progress is not None:
                progress(f"{learner}: epoch {epoch}/{c.epochs} test {test_acc:.3f} "
                         f"train {correct / len(Xtr):.3f} ({curve[-1]['seconds']:.1f} s)")
        train_acc, at = _score(sn, at, rng, counts_tr, ytr, to_logits)
    finally:
        logs.__exit__(None, None, None)
        gc.unfreeze()
        for level, name, message in dict.fromkeys(caught):
            get_logger(name).warn(message, once=True)
    clipped_fraction = clipped / max(asked, 1)
    if clipped_fraction > 0.01:
        warnings.warn(f"lr = {lr} asks for more pairings per update for "
                      f"{100 * clipped_fraction:.1f} % of output errors, beyond the "
                      f"{_MAX_ROUNDS} pairing rounds an example gets (pairing step {step}); "
                      f"those pulse probabilities were clipped to 1", stacklevel=2)
    counters = {v: float(np.sum(getattr(sn.syn, v)[:])) for v in sn.model.variables
                if v.startswith("n_") and v in sn.syn.variables}
    report = energy_of(sn.syn, sn.model)
    cfg = {"learner": learner, "card": LEARNERS[learner], "epochs": c.epochs, "batch": c.batch,
           "lr": str(lr), "lr_end": c.lr_end, "beta": str(beta), "read_pulses": c.read_pulses,
           "transfer_every": c.transfer_every if learner == "two_tier" else None,
           "dt": str(dt), "seed": c.seed, "pairing_step": str(step),
           "n_train": len(Xtr), "n_test": len(Xte), "n_classes": k, "n_pixels": Xtr.shape[1]}
    return SupervisedResult(learner, LEARNERS[learner], curve[-1]["test_accuracy"], train_acc,
                            curve, counters, report, cfg, clipped_fraction, sn)


def _score(sn, at, rng, counts, y, to_logits):
    """Accuracy of device reads of ``counts`` against labels ``y`` (no updates)."""
    sched = _Schedule(sn, at, rng)
    sched.reads(counts)
    out, at = sched.run()
    return float(np.mean(np.argmax(out.T * to_logits, 1) == y)), at
