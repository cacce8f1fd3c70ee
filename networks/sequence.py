"""Recognising a moving, turning, occluded object with short-term STDP (Moraitis et al. 2020).

A small spiking network on memtransistor device synapses (card ``pcm_memtransistor``):

    pixels --Poisson rates--> inputs --W + F synapses--> ALIF winner-take-all layer
                                                          (lateral inhibition) --> labels

* W (the PCM's long-term conductance) is learned by the card's unsupervised stochastic STDP on
  static exemplars (Diehl & Cook 2015-style: adaptive thresholds, all-to-all lateral inhibition),
  with the short-term part switched off (``gamma_F = 0``). As in Diehl & Cook, the incoming
  weights of each neuron are normalised before each training example (``w_norm``): the device
  is refreshed by reprogramming its ``dG`` so that each neuron's incoming dG sums to
  ``w_norm x inputs x (Gmax - Gmin)`` (done in Python between presentations, by a
  ``NetworkOperation``; the card's SET/abrupt-RESET rule has no competitive depression of its
  own). Input rates are a fixed rate per unit of pixel value (``encoding="pixel"``, Diehl &
  Cook), set so that the mean training image gets ``input_rate`` in all.
* Each excitatory neuron is then labelled with the class it answers most (mean response,
  Diehl & Cook); frames are decoded by the mean (or summed, ``decode="sum"``) spike count of
  each label's neurons.
* At test time W and the thresholds are frozen and the test sequences are shown frame after
  frame; each frame is classified by the spike counts of the labelled neurons. In the
  ``st_stdp`` model the volatile part F of the device is on (``gamma_F > 0``): a pre-before-post
  coincidence raises F, which decays with ``tau_F``, so the synapses from the pixels that made
  the recent winner fire stay strong for the next frames. In the ``static`` model
  ``gamma_F = 0``: F is exactly 0 and everything else (trained W, labels, input spikes, device
  random numbers) is identical: the network is restored from the same stored state and the
  same random state before each test.
* F, the traces, the membrane and the synaptic conductances are reset at the first frame of
  each sequence (a new object).

Examples
--------
>>> from spikesyn.networks.sequence import SequenceConfig, run_sequence
>>> cfg = SequenceConfig(n_classes=3, size=12, n_exc=6, n_frames=3, epochs=1)
>>> res = run_sequence(cfg, transforms=("occlude",), baselines=False)   # doctest: +SKIP
>>> sorted(res.accuracy)                                                # doctest: +SKIP
['st_stdp', 'static']
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from brian2 import (Hz, Network, NetworkOperation, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor,
                    Synapses, TimedArray, ms, nS, prefs, second, siemens, uS, volt)
from brian2 import seed as brian_seed

from spikesyn import datasets
from spikesyn.brian_settings import brian_settings
from spikesyn.checks import integer_in, quantity_in, real_in
from spikesyn.energy import EnergyReport, energy_of
from spikesyn.energy_compare import operation_counts
from spikesyn.errors import ParameterError, SequenceError, SpikesynError
from spikesyn.model import load_model
from spikesyn.networks.baselines import MLP, NearestNeighbour
from spikesyn.randomstate import restore_network

__all__ = ["SequenceError", "SequenceConfig", "SequenceNetwork", "SequenceResult",
           "build_network", "run_sequence", "check_config", "encode_frames",
           "assign_labels", "decode_frames", "hidden_fraction", "normalise_incoming"]


#: Size limits checked before any simulation (inclusive).
LIMITS = {
    "n_classes": (1, 64), "size": (12, 64), "n_exc": (1, 2000), "exemplars": (1, 1000),
    "n_frames": (1, 10_000), "sequences_per_class": (1, 1000), "epochs": (1, 1000),
    "present_frames": (1, 100),
}


@dataclass(frozen=True)
class SequenceConfig:
    """Everything that defines one train + test run (sizes, timing, device overrides).

    Times are Brian2 quantities (checked for time units). ``synapse_overrides`` and
    ``neuron_overrides`` are passed to the cards' ``synapse_kwargs`` / ``neuron_kwargs`` (units
    and ranges checked there); ``tau_F`` and ``gamma_F`` are the short-term part's settings for
    the ``st_stdp`` model (the ``static`` model uses ``gamma_F = 0`` and nothing else changes).
    """

    n_classes: int = 10
    size: int = 16
    n_exc: int = 100
    exemplars: int = 5
    n_frames: int = 20
    sequences_per_class: int = 1
    epochs: int = 3
    present_frames: int = 2          # frames per training / labelling presentation
    frame: object = None             # frame duration (default 50 ms)
    tau_F: object = None             # default 100 ms (the card's value)
    gamma_F: object = None           # default 1 uS (the card's placeholder is 2 uS)
    input_rate: object = None        # total input rate per frame (default 4 kHz)
    w_init: float = 0.1              # initial W: uniform in [0, w_init] x (Gmax - Gmin)
    w_inh: object = None             # lateral inhibition per spike (default 300 nS)
    w_norm: float = 0.1              # per-neuron normalisation of incoming dG during training:
    #                                  sum_i dG_ij = w_norm x n_inputs x (Gmax - Gmin) before each
    #                                  example (Diehl & Cook 2015); 0 switches it off
    decode: str = "mean"             # frame decoding: "mean" or "sum" of each label's neurons
    encoding: str = "pixel"          # "total": each frame scaled to input_rate in all;
    #                                  "pixel": one rate per unit of pixel value, set so that
    #                                  the mean training image gets input_rate (Diehl & Cook)
    occlusion: float = 0.6
    seed: int = 0
    synapse_card: str = "pcm_memtransistor"
    neuron_card: str = "alif"
    synapse_overrides: dict = field(default_factory=dict)
    neuron_overrides: dict = field(default_factory=dict)
    dt: object = None                # simulation step (default 0.5 ms)

    def resolved(self):
        """A copy with the default quantities filled in."""
        card = load_model(self.synapse_card)
        return replace(
            self,
            frame=50 * ms if self.frame is None else self.frame,
            tau_F=card.parameters["tau_F"] if self.tau_F is None else self.tau_F,
            gamma_F=1 * uS if self.gamma_F is None else self.gamma_F,
            input_rate=4000 * Hz if self.input_rate is None else self.input_rate,
            w_inh=300 * nS if self.w_inh is None else self.w_inh,
            dt=0.5 * ms if self.dt is None else self.dt)


# defaults of this network for the cards (placeholders of the cards tuned for this task;
# passed as checked overrides, the cards are not edited)
# F_dep = 0: the card's depressing term (0.5) makes F net negative on the winner's synapses at
# this task's input rates (see benchmarks/RESULTS_sequence.md); the ablation keeps the card's.
SYNAPSE_DEFAULTS = {"gain": 3e-3, "p_reset": 0.005, "F_dep": 0.0}
NEURON_DEFAULTS = {"theta_plus": 1e-3, "tau_theta": 1e4}   # volts, seconds (units added below)


def check_config(config):
    """Validate a :class:`SequenceConfig` (filled with defaults); raise :class:`SequenceError`.

    Called before any data is made or any Brian2 object is built.
    """
    if not isinstance(config, SequenceConfig):
        raise SequenceError(f"config must be a SequenceConfig, got {type(config).__name__}")
    for name, (lo, hi) in LIMITS.items():
        integer_in(getattr(config, name), name, lo, hi, error=SequenceError)
    integer_in(config.seed, "seed", error=SequenceError)
    c = config.resolved()
    for name in ("frame", "tau_F", "dt"):
        quantity_in(getattr(c, name), ms, name, "a time", 0, low_open=True, error=SequenceError)
    quantity_in(c.input_rate, Hz, "input_rate", "a rate", 0, low_open=True, error=SequenceError)
    quantity_in(c.w_inh, nS, "w_inh", "a conductance", 0, error=SequenceError)
    if float(c.frame / c.dt) < 2:
        raise SequenceError(f"frame ({c.frame}) must be at least 2 time steps dt ({c.dt})")
    try:
        occ = float(c.occlusion)
    except (TypeError, ValueError):
        raise SequenceError(f"occlusion must be a number in [0, 1], got {c.occlusion!r}") from None
    if isinstance(c.occlusion, bool) or not 0.0 <= occ <= 1.0:
        raise SequenceError(f"occlusion must be a number in [0, 1], got {c.occlusion!r}")
    real_in(c.w_init, "w_init", 0, 1, error=SequenceError)
    real_in(c.w_norm, "w_norm", 0, 1, why=" (0: off)", error=SequenceError)
    if c.encoding not in ("total", "pixel"):
        raise SequenceError(f"encoding must be 'total' or 'pixel', got {c.encoding!r}")
    if c.decode not in ("mean", "sum"):
        raise SequenceError(f"decode must be 'mean' or 'sum', got {c.decode!r}")
    syn = load_model(c.synapse_card)
    if syn.kind != "synapse" or not {"F", "dG"} <= set(syn.variables):
        raise SequenceError(f"synapse card {c.synapse_card!r} must be a W + F synapse with "
                            f"variables dG and F (a memtransistor card)")
    try:   # units and ranges of the overrides (gamma_F included) are checked by the cards
        syn.synapse_kwargs(**_synapse_overrides(c, c.gamma_F))
        load_model(c.neuron_card).neuron_kwargs(**_neuron_overrides(c))
    except ParameterError as exc:
        raise SequenceError(str(exc)) from None
    return c


def _synapse_overrides(c, gamma_F):
    ov = dict(SYNAPSE_DEFAULTS)
    ov.update(c.synapse_overrides)
    ov["tau_F"] = c.tau_F
    ov["gamma_F"] = gamma_F
    return ov


def _neuron_overrides(c):
    ov = {"theta_plus": NEURON_DEFAULTS["theta_plus"] * volt,
          "tau_theta": NEURON_DEFAULTS["tau_theta"] * second}
    ov.update(c.neuron_overrides)
    return ov


# ------------------------------------------------------------------------------ data helpers
def encode_frames(frames, total_rate_hz):
    """Poisson rates (Hz) of the input neurons: each frame's pixels scaled to a fixed total rate.

    Parameters
    ----------
    frames : ndarray, shape (n, rows, cols), values >= 0
    total_rate_hz : float

    Returns
    -------
    ndarray, shape (n, rows * cols): rate of each pixel; an all-zero frame stays silent.
    """
    X = np.asarray(frames, dtype=float).reshape(len(frames), -1)
    mass = X.sum(1, keepdims=True)
    return np.where(mass > 0, X * total_rate_hz / np.where(mass > 0, mass, 1.0), 0.0)


def poisson_spikes(rates, frame_s, dt_s, seed):
    """Input spike trains drawn in advance (independent of the network's random numbers).

    Parameters
    ----------
    rates : ndarray, shape (n_slots, n_inputs), Hz
    frame_s, dt_s : float
        Frame duration and time step in seconds.
    seed : int or sequence of int
        Seed of numpy's generator.

    Returns
    -------
    indices, times_s : ndarrays, at most one spike per input per time step, sorted by time.
    """
    rng = np.random.default_rng(seed)
    steps = int(round(frame_s / dt_s))
    p = np.clip(np.asarray(rates, dtype=float) * dt_s, 0.0, 1.0)     # (n_slots, n_in)
    idx, tim = [], []
    for k in range(0, len(p), 64):                 # chunks keep memory small
        block = p[k:k + 64]
        hit = rng.random((len(block), steps, p.shape[1])) < block[:, None, :]
        s_, st, i = np.nonzero(hit)
        idx.append(i)
        tim.append(((s_ + k) * steps + st) * dt_s)
    idx, tim = np.concatenate(idx), np.concatenate(tim)
    order = np.argsort(tim, kind="stable")
    return idx[order], tim[order]


def hidden_fraction(frames):
    """Fraction of the first frame's pixel mass missing in each frame (occlusion level)."""
    f = np.asarray(frames, dtype=float)
    m = f.reshape(*f.shape[:-2], -1).sum(-1)
    return np.clip(1.0 - m / np.maximum(m[..., :1], 1e-12), 0.0, 1.0)


def assign_labels(counts, labels, n_classes):
    """Label of each neuron: the class with the highest mean response (-1 if never active).

    counts : (n_presentations, n_neurons) spike counts; labels : (n_presentations,)
    """
    counts = np.asarray(counts, dtype=float)
    labels = np.asarray(labels)
    mean = np.stack([counts[labels == k].mean(0) if np.any(labels == k)
                     else np.zeros(counts.shape[1]) for k in range(n_classes)])
    out = np.argmax(mean, axis=0)
    out[mean.max(0) <= 0] = -1
    return out


def decode_frames(counts, neuron_labels, n_classes, mode="mean"):
    """Class of each frame: the class whose labelled neurons fired most (-1: silent).

    ``mode="mean"``: spikes per neuron of each label (Diehl & Cook); ``"sum"``: summed spikes of
    the neurons of each label.
    """
    counts = np.asarray(counts, dtype=float)
    score = np.zeros((len(counts), n_classes))
    for k in range(n_classes):
        sel = neuron_labels == k
        if np.any(sel):
            score[:, k] = counts[:, sel].mean(1) if mode == "mean" else counts[:, sel].sum(1)
    pred = np.argmax(score, axis=1)
    pred[score.max(1) <= 0] = -1
    return pred


# ------------------------------------------------------------------------------ the network
@dataclass
class SequenceNetwork:
    """The Brian2 objects of the network (see :func:`build_network`)."""

    net: object
    inputs: object
    exc: object
    syn: object
    inh: object
    spikes: object
    stim: object
    synapse_model: object
    neuron_model: object
    config: SequenceConfig
    input_count: object = None
    normalising: bool = False        # the training-time refresh (w_norm) is on
    n_refresh: int = 0
    #: frame slots at whose start F is cleared, besides each sequence's first frame (the
    #: "F_clear_frames" variants: F built in a sequence's first frames is thrown away)
    f_clear_slots: frozenset = frozenset()

    def set_learning(self, on):
        """Switch the long-term rule and the adaptive threshold on or off (namespace values)."""
        c = self.config
        if on:
            self.syn.namespace.update(self.synapse_model.namespace(**_synapse_overrides(c, 0.0 * c.gamma_F)))
            self.exc.namespace.update(self.neuron_model.namespace(**_neuron_overrides(c)))
        else:
            self.syn.namespace["p_set"] = 0.0
            self.syn.namespace["p_reset"] = 0.0
            self.exc.namespace["theta_plus"] = 0.0 * self.exc.namespace["theta_plus"]

    def set_short_term(self, gamma_F):
        """Set gamma_F (0: the short-term part F is off, exactly)."""
        self.syn.namespace["gamma_F"] = gamma_F


def build_network(config, rates, first_frame_mask):
    """Build the network for a checked config.

    Parameters
    ----------
    config : SequenceConfig
        As returned by :func:`check_config`.
    rates : ndarray, shape (n_slots, n_inputs)
        Input rate (Hz) of each pixel in each frame slot of the whole run (train, label, test);
        the Poisson spike trains are drawn from them in advance with numpy (seeded by the
        config's seed), so they are identical whatever the network does.
    first_frame_mask : ndarray of bool, shape (n_slots,)
        True at the first frame of a new object: F, traces and membranes are reset there.

    Returns
    -------
    SequenceNetwork
    """
    c = config
    syn_model = load_model(c.synapse_card)
    neu_model = load_model(c.neuron_card)
    n_in = rates.shape[1]
    keep = TimedArray(np.where(first_frame_mask, 0.0, 1.0), dt=c.frame, name="stim_keep")
    idx, tim = poisson_spikes(rates, float(c.frame / second), float(c.dt / second),
                              [int(c.seed), 31337])
    inputs = SpikeGeneratorGroup(n_in, idx, tim * second, dt=c.dt, name="seq_inputs")
    stim = rates
    exc = NeuronGroup(c.n_exc, **neu_model.neuron_kwargs(**_neuron_overrides(c)),
                      name="seq_exc", dt=c.dt)
    kw = syn_model.synapse_kwargs(**_synapse_overrides(c, 0.0 * c.gamma_F))
    syn = Synapses(inputs, exc, **kw, name="seq_syn", dt=c.dt)
    syn.connect()
    syn.dG = f"rand()*{float(c.w_init)}*(Gmax - Gmin)"
    if "nu" in syn_model.variables and "nu" in syn_model.initial:
        syn.nu = syn_model.initial["nu"]
    inh = Synapses(exc, exc, on_pre="gi_post += w_inh", namespace={"w_inh": c.w_inh},
                   name="seq_inh", dt=c.dt)
    inh.connect(condition="i != j")
    # the card names its short-term state (F, and e.g. the slow-gate card's gate charge Fq):
    # cleared with each stimulus and by the F_clear_frames gate
    short_term = list(syn_model.short_term) or ["F"]
    # the synapses' volatile state starts from rest with each stimulus
    volatile = short_term + [v for v in ("apre", "apost") if v in syn_model.variables]
    reset_code = "\n".join(f"{v} = {v}*stim_keep(t)" for v in volatile)
    syn.namespace["stim_keep"] = keep
    syn.run_regularly(reset_code, dt=c.frame, when="start", name="seq_syn_reset")
    exc.namespace["stim_keep"] = keep
    exc.run_regularly("v = v*stim_keep(t)\nge = ge*stim_keep(t)\ngi = gi*stim_keep(t)",
                      dt=c.frame, when="start", name="seq_exc_reset")
    spikes = SpikeMonitor(exc, name="seq_spikes")
    input_count = SpikeMonitor(inputs, record=False, name="seq_input_count")
    sn = SequenceNetwork(None, inputs, exc, syn, inh, spikes, stim, syn_model, neu_model, c,
                         input_count=input_count)
    objs = [inputs, exc, syn, inh, spikes, input_count]
    if "F" in syn_model.variables:
        def _clear_f(t):
            if sn.f_clear_slots and int(round(float(t / c.frame))) in sn.f_clear_slots:
                for v in short_term:
                    setattr(syn, v + "_", 0.0)
        objs.append(NetworkOperation(_clear_f, dt=c.frame, when="start", name="seq_clear_F"))
    if c.w_norm > 0:
        # the refresh: before each training example (every present_frames + 1 frames) the
        # incoming device conductances of each neuron are reprogrammed to a common total
        post = np.array(syn.j[:])
        span = _span(syn_model, c)
        target = float(c.w_norm) * n_in * span

        def _normalise():
            if sn.normalising:
                sn.n_refresh += 1
                normalise_incoming(syn, post, c.n_exc, target, span)
        objs.append(NetworkOperation(_normalise, dt=(c.present_frames + 1) * c.frame,
                                     when="start", name="seq_refresh"))
    sn.net = Network(*objs)
    return sn


def normalise_incoming(syn, post, n_post, target, span):
    """Scale each post neuron's incoming dG (device units, siemens) so that it sums to target.

    Parameters
    ----------
    syn : brian2.Synapses
        With a ``dG`` variable (the memtransistor card).
    post : ndarray of int
        Post-synaptic index of each synapse.
    n_post : int
    target, span : float
        The total per neuron and the largest dG (Gmax - Gmin), in siemens.

    A neuron whose incoming dG sums to 0 is left alone; the result is clipped to [0, span].
    """
    dG = np.array(syn.dG_[:], dtype=float)
    tot = np.bincount(post, weights=dG, minlength=n_post)
    scale = np.where(tot > 0, target / np.where(tot > 0, tot, 1.0), 1.0)
    syn.dG_[:] = np.clip(dG * scale[post], 0.0, span)


def _load_card(name):
    return load_model(name)


def _span(model, c=None):
    ov = {} if c is None else c.synapse_overrides
    g = {k: ov.get(k, model.parameters[k]) for k in ("Gmax", "Gmin")}
    return float((g["Gmax"] - g["Gmin"]) / siemens)


# ------------------------------------------------------------------------------ the run loop
@dataclass
class SequenceResult:
    """What :func:`run_sequence` measured (plain Python data, JSON-ready via :meth:`to_dict`).

    Attributes
    ----------
    accuracy : dict
        ``{model: {transform: accuracy, ..., "overall": accuracy}}``, models ``st_stdp``,
        ``static`` and the baselines (``nearest_neighbour``, ``mlp``), accuracies in [0, 1].
        "overall" is over the transforming sequences: the untransformed control
        (transform "static"), when tested, is left out of it.
    by_frame : dict
        ``{model: [accuracy at frame 0, 1, ...]}`` over every test sequence.
    by_frame_transform : dict
        ``{model: {transform: [accuracy per frame]}}``.
    occlusion : dict
        ``{"bins": [edges], model: [accuracy per bin]}`` for the frames of the "occlude"
        sequences, binned by the hidden fraction of the object's pixel mass (NaN: no frame).
    labels_assigned : int
        Neurons that received a label.
    spikes_per_frame : dict
        ``{model: mean output spikes per test frame}``.
    timing : dict
        Wall seconds of the phases.
    config : dict
        The run's settings, as strings where they carry units.
    energy : dict
        ``{phase: spikesyn.energy.EnergyReport}`` of the device synapses (input -> excitatory,
        the synapse card's ``[events]``) in each simulated phase: ``train``, ``label`` and
        ``test_<model>`` for each spiking model tested (each test starts from the trained
        state, so a test's report is its own events only).
    predictions : dict
        ``{model: ndarray of int}``: the class predicted for every test frame (sequence after
        sequence; -1: no labelled neuron answered).
    truth : ndarray of int
        The true class of every test frame, in the same order.
    operations : dict
        ``{phase: {"n_synaptic_events", "n_weight_updates", "n_neuron_updates"}}``: the same
        phases' digital operations (:func:`spikesyn.energy_compare.operation_counts` of the
        device synapses; weight updates only where a rule is on: training, and tests with
        ``gamma_F > 0``; one neuron update per excitatory neuron and time step).
    debug : dict
        What the tests of this module look into: ``train_spikes`` (output spikes during
        training), ``label_counts`` (spike counts of each neuron per labelling exemplar),
        ``neuron_labels`` and ``state`` (``{model: {variable: array}}``, the synapses' device
        state, the input spike counts and the thresholds at the end of each model's test).
    network : SequenceNetwork
        The network, in the state the last test left it.
    """

    accuracy: dict
    by_frame: dict
    by_frame_transform: dict
    occlusion: dict
    labels_assigned: int
    spikes_per_frame: dict
    timing: dict
    config: dict
    predictions: dict = field(default_factory=dict, repr=False)
    truth: object = field(default=None, repr=False)
    energy: dict = field(default_factory=dict, repr=False)
    operations: dict = field(default_factory=dict, repr=False)
    debug: dict = field(default_factory=dict, repr=False)
    network: object = field(default=None, repr=False)

    def to_dict(self):
        """A JSON-serialisable dict (predictions left out)."""
        return {"accuracy": self.accuracy, "by_frame": self.by_frame,
                "by_frame_transform": self.by_frame_transform, "occlusion": self.occlusion,
                "labels_assigned": self.labels_assigned,
                "spikes_per_frame": self.spikes_per_frame, "timing": self.timing,
                "config": self.config}


OCCLUSION_BINS = (0.0, 0.05, 0.2, 0.35, 0.5, 0.65, 1.0001)


def _scores(correct, transforms, names):
    out = {name: float(correct[transforms == name].mean()) for name in names}
    moving = transforms != "static"          # the untransformed control is not in "overall"
    out["overall"] = float(correct[moving].mean() if np.any(moving) else correct.mean())
    return out


def _energy_snapshot(sn):
    """Cumulative device energy, spike counts and time step of the network now."""
    return (energy_of(sn.syn, sn.synapse_model), np.array(sn.input_count.count[:]),
            np.array(sn.spikes.count[:]), int(round(float(sn.net.t / sn.config.dt))))


def _phase_energy(sn, before, after, plastic):
    """EnergyReport and digital operation counts of the events between two snapshots."""
    (r0, in0, ex0, t0), (r1, in1, ex1, t1) = before, after
    report = EnergyReport(counts={k: v - r0.counts.get(k, 0) for k, v in r1.counts.items()},
                          per_event={k: v - r0.per_event[k] for k, v in r1.per_event.items()},
                          per_synapse=r1.per_synapse - r0.per_synapse)
    ops = operation_counts(sn.syn, in1 - in0, ex1 - ex0, plastic=plastic)
    ops["n_neuron_updates"] = int(sn.config.n_exc * (t1 - t0))
    return report, ops


def _slot_counts(spikes, n_slots, steps_per_frame, dt, n_exc):
    steps = np.round(np.asarray(spikes.t / dt)).astype(np.int64)
    slot = np.minimum(steps // steps_per_frame, n_slots - 1)
    counts = np.zeros((n_slots, n_exc))
    np.add.at(counts, (slot, np.asarray(spikes.i)), 1)
    return counts


@dataclass
class _Slots:
    """The frame slots of one run: training presentations, then one labelling presentation of
    each exemplar, then the test sequences (a slot lasts one frame)."""

    rates: np.ndarray          # (n_slots, inputs) input rates, Hz
    first: np.ndarray          # (n_slots,) whether a slot starts an object (state cleared)
    label_start: int           # first labelling slot
    test_start: int            # first test slot

    @property
    def n_slots(self):
        return len(self.rates)


def run_sequence(config=None, transforms=None, baselines=True, models=("st_stdp", "static"),
                 amounts=None, target=None, progress=None, variants=None):
    """Train the network on static exemplars and score it frame by frame on test sequences.

    Parameters
    ----------
    config : SequenceConfig, optional
        Sizes, timing and device settings (defaults: :class:`SequenceConfig`).
    transforms : sequence of str, optional
        Test transforms (default: those of :func:`spikesyn.datasets.make_test_set`).
    baselines : bool
        Also fit and score the nearest neighbour and the MLP on the same data.
    models : sequence of str
        Spiking models to test: ``"st_stdp"`` (F on) and/or ``"static"`` (F = 0).
    amounts : dict, optional
        Other transform amounts for :func:`spikesyn.datasets.make_test_set`.
    variants : dict, optional
        Extra spiking models tested on the same trained network:
        ``{name: {"tau_F": quantity, "gamma_F": quantity, "F_dep": float, "F_max": quantity,
        "F_clear_frames": int, "card": {parameter: value}}}`` (any subset; for ablations over
        tau_F, the depressing term F_dep, the bound F_max, a gate that clears F at the start of
        each sequence's frames 1..F_clear_frames, so that what the first frames' spikes built
        is thrown away, and other parameters of the synapse card, checked by the card, set
        for that test only).
    target : str, optional
        Brian2 code generation target ("numpy", "cython"); default: the current preference.
    progress : callable, optional
        Called with a one-line message per phase.

    Returns
    -------
    SequenceResult

    Raises
    ------
    SequenceError
        Bad sizes, units or amounts, before any simulation starts.
    """
    c = check_config(SequenceConfig() if config is None else config)
    transforms, models = _check_choices(transforms, models)
    tests, card_keys = _tests(c, models, variants)
    say = progress or (lambda msg: None)
    train, test = _data(c, transforms, amounts)   # still before any simulation
    with brian_settings(target=target):
        timing = {}
        t0 = time.perf_counter()
        slots = _slots(c, train, test)
        sn, phases, trained, neuron_labels, debug = _train_and_label(c, slots, train, timing, say, t0)
        preds, spf, debug["state"] = _test_models(sn, c, slots, test, tests, card_keys, neuron_labels,
                                                  trained, phases, timing, say)
        if baselines:
            t3 = time.perf_counter()
            preds.update(_baselines(c, train, test))
            timing["baselines_s"] = time.perf_counter() - t3
        timing["total_s"] = time.perf_counter() - t0
        truth = np.repeat(test.labels, test.n_frames)
        accuracy, by_frame, by_ft, occl = _score(preds, truth, test)
        return SequenceResult(accuracy, by_frame, by_ft, occl, int((neuron_labels >= 0).sum()), spf,
                              timing, _config_record(c, test), preds, truth,
                              energy={k: r for k, (r, _) in phases.items()},
                              operations={k: o for k, (_, o) in phases.items()},
                              debug=debug, network=sn)


def _check_choices(transforms, models):
    """The test transforms and spiking models, checked."""
    transforms = tuple(datasets.TEST_TRANSFORMS if transforms is None else transforms)
    for t in transforms:
        if t not in datasets.TRANSFORMS:
            raise SequenceError(f"transform must be one of {list(datasets.TRANSFORMS)}, got {t!r}")
    if not transforms or len(set(transforms)) != len(transforms):
        raise SequenceError(f"transforms must be distinct and at least one, got {transforms!r}")
    models = tuple(models)
    if not set(models) <= {"st_stdp", "static"} or not models:
        raise SequenceError(f"models must be among ('st_stdp', 'static'), got {models!r}")
    return transforms, models


def _tests(c, models, variants):
    """The spiking models to test, ``{name: settings}``, and the other card parameters that some
    variant changes (checked: names, units, ranges, by the card where it can)."""
    base = {**_load_card(c.synapse_card).parameters, **_synapse_overrides(c, c.gamma_F)}
    base_dep, base_max = base["F_dep"], base["F_max"]
    tests = {}
    for name in models:
        tests[name] = {"tau_F": c.tau_F, "gamma_F": c.gamma_F if name == "st_stdp"
                       else 0.0 * c.gamma_F, "F_dep": base_dep, "F_max": base_max}
    card_keys = set()
    for name, v in (variants or {}).items():
        keys = {"tau_F", "gamma_F", "F_dep", "F_max", "F_clear_frames", "card"}
        if not isinstance(v, dict) or not set(v) <= keys or name in tests:
            raise SequenceError(f"variant {name!r} must be a new name with a dict of tau_F, "
                                f"gamma_F, F_dep, F_max, F_clear_frames and/or card, got {v!r}")
        card = v.get("card", {})
        fixed = {"tau_F", "gamma_F", "F_dep", "F_max"}
        if not isinstance(card, dict) or set(card) & fixed:
            raise SequenceError(f"variant {name!r}: card must be a dict of other parameters of "
                                f"the synapse card, got {card!r}")
        try:   # unknown names, units and ranges: the card's own check
            _load_card(c.synapse_card).synapse_kwargs(**card)
        except SpikesynError as exc:
            raise SequenceError(f"variant {name!r}: {exc}") from None
        card_keys |= set(card)
        clear = integer_in(v.get("F_clear_frames", 0), f"variant {name!r}: F_clear_frames", 0,
                           c.n_frames - 1, error=SequenceError)
        vc = replace(c, tau_F=v.get("tau_F", c.tau_F), gamma_F=v.get("gamma_F", c.gamma_F))
        extra = {k: v[k] for k in ("F_dep", "F_max") if k in v}
        if extra:
            vc = replace(vc, synapse_overrides={**c.synapse_overrides, **extra})
        quantity_in(vc.tau_F, ms, f"variant {name!r}: tau_F", "a time", 0, low_open=True,
                    error=SequenceError)
        check_config(vc)
        tests[name] = {"tau_F": vc.tau_F, "gamma_F": vc.gamma_F,
                       "F_dep": v.get("F_dep", base_dep), "F_max": v.get("F_max", base_max),
                       "F_clear_frames": int(clear), "card": dict(card)}
    return tests, card_keys


def _data(c, transforms, amounts):
    """The training exemplars and the test sequences (the generator checks them too)."""

    amounts = dict(amounts or {})
    amounts["occlusion"] = float(c.occlusion)
    try:
        train = datasets.make_training_set(c.n_classes, c.exemplars, c.size, seed=c.seed)
        test = datasets.make_test_set(c.n_classes, c.size, c.n_frames, seed=c.seed,
                                      transforms=transforms,
                                      sequences_per_class=c.sequences_per_class, **amounts)
    except datasets.DatasetError as exc:
        raise SequenceError(str(exc)) from None
    return train, test


def _slots(c, train, test):
    """Input rates of every frame slot: ``epochs`` shuffled passes over the exemplars (each
    shown ``present_frames`` frames, then a blank), one labelling pass, the test frames."""
    rng = np.random.default_rng([c.seed, 4242])
    total = float(c.input_rate / Hz)
    blank = np.zeros((1, c.size * c.size))
    P = c.present_frames
    if c.encoding == "pixel":       # rate per unit of pixel value, from the training images
        per_px = total / float(np.mean(train.images.reshape(len(train.images), -1).sum(1)))
        enc = lambda fr: np.asarray(fr, dtype=float).reshape(len(fr), -1) * per_px  # noqa
    else:
        enc = lambda fr: encode_frames(fr, total)   # noqa: E731
    train_rates = enc(train.images)
    slots, first = [], []
    for _ in range(c.epochs):
        for k in rng.permutation(len(train.images)):
            slots += [np.repeat(train_rates[k:k + 1], P, axis=0), blank]
            first += [True] + [False] * P
    label_start = sum(len(s) for s in slots)
    for k in range(len(train.images)):
        slots += [np.repeat(train_rates[k:k + 1], P, axis=0), blank]
        first += [True] + [False] * P
    test_start = sum(len(s) for s in slots)
    slots.append(enc(test.frames.reshape(-1, c.size, c.size)))
    first += ([True] + [False] * (test.n_frames - 1)) * test.n_sequences
    return _Slots(np.concatenate(slots), np.asarray(first, dtype=bool), label_start, test_start)


def _train_and_label(c, slots, train, timing, say, t0):
    """Build the network, train W on the exemplars, freeze it and label the neurons
    (``timing["train_s"]`` counts from ``t0``).

    Returns the network (stored as "trained"), the energy and operations of the two phases,
    the energy snapshot of the trained state, the neuron labels and the debug record so far.
    """

    brian_seed(c.seed)
    sn = build_network(c, slots.rates, slots.first)
    sn.set_learning(True)
    sn.normalising = True
    sn.set_short_term(0.0 * c.gamma_F)
    say(f"training on {len(train.images)} exemplars x {c.epochs} epochs")
    snaps = {"start": _energy_snapshot(sn)}
    sn.net.run(slots.label_start * c.frame, namespace={})
    snaps["train"] = _energy_snapshot(sn)
    timing["train_s"] = time.perf_counter() - t0
    n_train_spikes = len(sn.spikes.t)
    t1 = time.perf_counter()
    sn.normalising = False
    if c.w_norm > 0:   # one last refresh after the last example, then W is frozen
        normalise_incoming(sn.syn, np.asarray(sn.syn.j[:]), c.n_exc,
                           float(c.w_norm) * c.size ** 2 * _span(sn.synapse_model, c),
                           _span(sn.synapse_model, c))
    sn.set_learning(False)
    sn.net.run((slots.test_start - slots.label_start) * c.frame, namespace={})
    snaps["label"] = _energy_snapshot(sn)
    phases = {"train": _phase_energy(sn, snaps["start"], snaps["train"], True),
              "label": _phase_energy(sn, snaps["train"], snaps["label"], False)}
    counts = _slot_counts(sn.spikes, slots.n_slots, _steps_per_frame(c), c.dt, c.n_exc)
    lab = counts[slots.label_start:slots.test_start].reshape(len(train.images), c.present_frames + 1,
                                                             c.n_exc).sum(1)
    neuron_labels = assign_labels(lab, train.labels, c.n_classes)
    timing["label_s"] = time.perf_counter() - t1
    sn.net.store("trained")
    debug = {"train_spikes": n_train_spikes, "label_counts": lab, "neuron_labels": neuron_labels}
    return sn, phases, snaps["label"], neuron_labels, debug


def _steps_per_frame(c):
    return int(round(float(c.frame / c.dt)))


def _test_models(sn, c, slots, test, tests, card_keys, neuron_labels, trained, phases, timing, say):
    """Each spiking model on the test sequences, from the trained state and random state
    (``trained``: the energy snapshot of that state).

    Adds each test's energy to ``phases`` and its time to ``timing``; returns the predictions,
    the output spikes per frame and the end state of each model.
    """

    F = test.n_frames
    seq_starts = [s for s in range(slots.test_start, slots.n_slots) if slots.first[s]]
    preds, spf, state = {}, {}, {}
    card_base = {k: sn.syn.namespace[k] for k in card_keys}
    for name, v in tests.items():
        t2 = time.perf_counter()
        restore_network(sn.net, "trained")     # with the random state (Brian2 2.9-safe)
        k = v.get("F_clear_frames", 0)
        sn.f_clear_slots = frozenset(s + j for s in seq_starts for j in range(1, k + 1))
        sn.set_short_term(v["gamma_F"])
        sn.syn.namespace["tau_F"] = v["tau_F"]
        sn.syn.namespace["F_dep"] = v["F_dep"]
        sn.syn.namespace["F_max"] = v["F_max"]
        for key in card_keys:    # the trained network's value unless this variant sets one
            sn.syn.namespace[key] = v.get("card", {}).get(key, card_base[key])
        say(f"testing {name} on {test.n_sequences} sequences x {F} frames")
        sn.net.run((slots.n_slots - slots.test_start) * c.frame, namespace={})
        phases[f"test_{name}"] = _phase_energy(sn, trained, _energy_snapshot(sn),
                                               plastic=float(np.asarray(v["gamma_F"])) > 0)
        counts = _slot_counts(sn.spikes, slots.n_slots, _steps_per_frame(c), c.dt,
                              c.n_exc)[slots.test_start:]
        preds[name] = decode_frames(counts, neuron_labels, c.n_classes, c.decode)
        spf[name] = float(counts.sum() / len(counts))
        timing[f"test_{name}_s"] = time.perf_counter() - t2
        state[name] = {v: np.array(getattr(sn.syn, v)[:]) for v in ("dG", "F", "nu", "t_prog")
                       if v in sn.synapse_model.variables}
        state[name]["input_spikes"] = np.array(sn.input_count.count[:])
        state[name]["theta"] = np.array(sn.exc.theta[:])
    return preds, spf, state


def _baselines(c, train, test):
    """Predictions of the nearest neighbour and the MLP fitted on the same exemplars."""

    X = test.frames.reshape(test.n_sequences * test.n_frames, -1)
    return {name: model.fit(train.X, train.labels).predict(X)
            for name, model in (("nearest_neighbour", NearestNeighbour()), ("mlp", MLP(seed=c.seed)))}


def _score(preds, truth, test):
    """Accuracy per model and transform, per frame, per frame and transform, and over the
    occlusion bins."""
    F = test.n_frames
    tnames = np.repeat(np.asarray(test.transforms, dtype=str), F)
    accuracy, by_frame, by_ft, occl = {}, {}, {}, {"bins": list(OCCLUSION_BINS)}
    hid = hidden_fraction(test.frames).reshape(-1)
    bins = np.digitize(hid, OCCLUSION_BINS) - 1
    for name, pred in preds.items():
        correct = pred == truth
        accuracy[name] = _scores(correct, tnames, test.transform_names)
        by_frame[name] = [float(v) for v in correct.reshape(-1, F).mean(0)]
        by_ft[name] = {t: [float(v) for v in correct[tnames == t].reshape(-1, F).mean(0)]
                       for t in test.transform_names}
        if "occlude" in test.transform_names:
            sel = tnames == "occlude"
            occl[name] = [float(correct[sel & (bins == b)].mean()) if np.any(sel & (bins == b))
                          else float("nan") for b in range(len(OCCLUSION_BINS) - 1)]
    return accuracy, by_frame, by_ft, occl


def _config_record(c, test):
    """The run's settings as plain data (quantities as strings) for the result."""

    cfg = {k: (str(v) if hasattr(v, "dim") else v) for k, v in asdict(c).items()
           if k not in ("synapse_overrides", "neuron_overrides")}
    cfg["synapse_overrides"] = {k: str(v) for k, v in _synapse_overrides(c, c.gamma_F).items()}
    cfg["neuron_overrides"] = {k: str(v) for k, v in _neuron_overrides(c).items()}
    cfg["transforms"] = list(test.transform_names)
    cfg["target"] = prefs.codegen.target
    return cfg
