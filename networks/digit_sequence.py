"""Short-term STDP on occluded handwritten-digit videos: a stochastic soft winner-take-all network.

The network (cards ``poisson_trace``, ``soft_wta`` and ``em_stdp``)::

    pixel x --two Poisson channels (ink r x, no ink r (1 - x)), traces y-->
        (W + F) log-likelihood synapses --> soft-WTA layer (total rate R, softmax(u))

* **Training** (static digits, F off): W learns by Nessler et al.'s spike-based EM
  (dW = eta (y e^-W - 1) at a postsynaptic spike) and the biases by homeostasis; each training
  digit is shown for ``presentation``. The neurons are labelled with the class they answered
  most during the last epoch (mean response), and W and the biases are then frozen.
* **Test** (videos): each frame is shown for ``frame``; F is cleared at the start of each video
  and follows the short-term rule of the synapse card (Hebbian ``gamma1`` and surprise-weighted
  ``gamma2``, decay ``tau_F``). A frame is classified by the spikes of the layer during it: the
  class whose labelled neurons fired most per neuron. The ``static`` model is the same network
  with ``gamma1 = gamma2 = 0`` (F stays exactly zero), run on the same input spikes (same
  Brian2 seed, and both draw the same random numbers in the same order).

Many videos are simulated at once, as independent copies of the network in one set of Brian2
groups (``batch`` copies; each copy has its own input channels, layer and normaliser).

Examples
--------
>>> import numpy as np
>>> from spikesyn.networks.digit_sequence import DigitSequenceConfig, check_config
>>> cfg = check_config(DigitSequenceConfig(n_neurons=20))
>>> cfg.n_neurons, cfg.frames_per_tau_F
(20, 5.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from brian2 import Hz, Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray, ms, second, siemens
from brian2 import seed as brian_seed

from spikesyn.brian_settings import brian_settings
from spikesyn.checks import integer_in, quantity_in, real_in
from spikesyn.devices.pcm import draw_drift_exponent, drift, program
from spikesyn.errors import DigitSequenceError
from spikesyn.model import load_model

__all__ = ["DigitSequenceError", "DigitSequenceConfig", "TrainedLayer", "SoftWTANetwork", "check_config",
           "train_layer", "run_videos", "label_neurons", "class_scores", "initial_weights"]


SYNAPSE_CARDS = ("em_stdp", "em_stdp_pcm", "em_stdp_srtio3")
PCM_NOISE = ("programming", "drift", "read")


@dataclass(frozen=True)
class DigitSequenceConfig:
    """Every setting of one train + test run of the soft-WTA digit network.

    Times and rates are Brian2 quantities (checked for their units by :func:`check_config`).

    Attributes
    ----------
    n_neurons : int
        Neurons in the soft-WTA layer (K).
    input_rate : Quantity
        Rate of a fully active input channel (r): ink channel r x, no-ink channel r (1 - x).
    tau_y : Quantity
        Decay of the input traces.
    layer_rate : Quantity
        Total firing rate of the layer (R).
    presentation, frame : Quantity
        How long a training digit, and a test frame, is shown.
    epochs : int
        Passes over the training digits.
    eta_W, eta_b : float
        Learning rates of W (per postsynaptic spike) and of the homeostatic biases.
    tau_F : Quantity
        Decay of the short-term part F.
    gamma1, gamma2 : float
        Hebbian and surprise-weighted steps of F per postsynaptic spike (the ``st_stdp`` model).
        The defaults were chosen on validation videos (benchmarks/RESULTS_sequence.md); the
        study behind the issue used 0.01 and 0.003.
    beta : float
        Inverse temperature of the layer's softmax.
    batch : int
        Videos simulated at once (memory grows as batch x inputs x neurons synapses).
    dt : Quantity
        Simulation time step.
    synapse : str
        Synapse card at test time (training always uses the ideal ``em_stdp``): ``"em_stdp"``;
        ``"em_stdp_pcm"``, W programmed onto PCM memtransistors (programming noise, drift, read
        noise) and F on their gates; ``"em_stdp_srtio3"``, W and F in SrTiO3 memristors, F
        decaying by Lambda = exp(-frame/tau_F) per frame, with noisy updates.
    pcm_noise : tuple of str
        The PCM non-idealities ``em_stdp_pcm`` applies, any of ``"programming"``, ``"drift"``
        and ``"read"`` (all by default; ``()`` gives exact devices that read back W).
    """

    n_neurons: int = 100
    input_rate: object = field(default_factory=lambda: 30 * Hz)
    tau_y: object = field(default_factory=lambda: 15 * ms)
    layer_rate: object = field(default_factory=lambda: 200 * Hz)
    presentation: object = field(default_factory=lambda: 50 * ms)
    frame: object = field(default_factory=lambda: 50 * ms)
    epochs: int = 3
    eta_W: float = 0.01
    eta_b: float = 0.05
    tau_F: object = field(default_factory=lambda: 250 * ms)
    gamma1: float = 0.005
    gamma2: float = 0.001
    beta: float = 1.0
    batch: int = 100
    dt: object = field(default_factory=lambda: 1 * ms)
    synapse: str = "em_stdp"
    pcm_noise: tuple = PCM_NOISE

    @property
    def frames_per_tau_F(self):
        """tau_F in frames."""
        return float(self.tau_F / self.frame)

    def to_dict(self):
        """The settings as plain numbers with their units in the key names."""
        out = {}
        for key, value in asdict(self).items():
            if hasattr(value, "dim"):
                unit = "Hz" if value.dim == Hz.dim else "ms"
                out[f"{key}_{unit}"] = float(value / (Hz if unit == "Hz" else ms))
            else:
                out[key] = value
        return out


_INTS = {"n_neurons": (2, 10_000), "epochs": (0, 1000), "batch": (1, 100_000)}
_REALS = {"eta_W": (0.0, 10.0), "eta_b": (0.0, 10.0), "gamma1": (0.0, 10.0),
          "gamma2": (0.0, 10.0), "beta": (0.0, 1000.0)}
_TIMES = ("tau_y", "presentation", "frame", "tau_F", "dt")
_RATES = ("input_rate", "layer_rate")


def check_config(config):
    """Check every setting's kind, unit and range; return the config.

    Raises
    ------
    DigitSequenceError
        Naming the setting, what it must be and what it got.

    Examples
    --------
    >>> from brian2 import ms
    >>> check_config(DigitSequenceConfig(tau_F=5))
    Traceback (most recent call last):
    ...
    spikesyn.errors.DigitSequenceError: tau_F must be a time with a Brian2 unit (for example 5*ms), got 5
    """
    if not isinstance(config, DigitSequenceConfig):
        raise DigitSequenceError(f"config must be a DigitSequenceConfig, got {type(config).__name__}")
    for name, (lo, hi) in _INTS.items():
        integer_in(getattr(config, name), name, lo, hi, error=DigitSequenceError)
    for name, (lo, hi) in _REALS.items():
        real_in(getattr(config, name), name, lo, hi, error=DigitSequenceError)
    for names, unit, kind in ((_TIMES, ms, "a time"), (_RATES, Hz, "a rate")):
        for name in names:
            quantity_in(getattr(config, name), unit, name, kind, 0, low_open=True, error=DigitSequenceError)
    if float(config.input_rate * config.dt) > 0.5 or float(config.layer_rate * config.dt) > 0.5:
        raise DigitSequenceError(
            f"rates x dt must stay below 0.5 (input_rate {config.input_rate}, layer_rate "
            f"{config.layer_rate}, dt {config.dt}): lower the rates or dt")
    if config.synapse not in SYNAPSE_CARDS:
        raise DigitSequenceError(f"synapse must be one of {', '.join(SYNAPSE_CARDS)}, got {config.synapse!r}")
    if not isinstance(config.pcm_noise, (tuple, list)) or not set(config.pcm_noise) <= set(PCM_NOISE):
        raise DigitSequenceError(f"pcm_noise must be a tuple of {', '.join(PCM_NOISE)}, got {config.pcm_noise!r}")
    if config.synapse == "em_stdp_srtio3":
        lam = float(np.exp(-config.frame / config.tau_F))
        lo, hi = (float(v) for v in load_model("em_stdp_srtio3").parameter_range("Lambda"))
        if not lo <= lam <= hi:
            raise DigitSequenceError(
                f"em_stdp_srtio3 decays F by Lambda = exp(-frame/tau_F) = {lam:.3f} per frame "
                f"(frame {config.frame}, tau_F {config.tau_F}), outside the device range [{lo}, {hi}]")
    for name in ("presentation", "frame"):
        steps = float(getattr(config, name) / config.dt)
        if abs(steps - round(steps)) > 1e-6:
            raise DigitSequenceError(f"{name} ({getattr(config, name)}) must be a whole number of dt ({config.dt})")
    return config


@dataclass(frozen=True)
class TrainedLayer:
    """The frozen result of training: log-likelihood weights, biases and neuron labels.

    Attributes
    ----------
    W : ndarray, shape (n_neurons, n_inputs)
        Long-term weights; input channel a < n_pixels is pixel a's ink channel, a + n_pixels its
        no-ink channel.
    b : ndarray, shape (n_neurons,)
        Frozen homeostatic biases.
    labels : ndarray of int, shape (n_neurons,)
        The class each neuron answered most during the last training epoch.
    n_classes : int
    train_spikes : int
        Layer spikes during training.
    """

    W: np.ndarray
    b: np.ndarray
    labels: np.ndarray
    n_classes: int
    train_spikes: int


def initial_weights(images, n_neurons, seed, blend=0.5):
    """Starting W: each neuron's ink probabilities are a random training image blended with grey.

    Every neuron starts near some part of the input space, so none is left that never wins
    (with uniform random starts most neurons never fire once a few have learned); the images'
    labels are not used. Each channel pair holds log-probabilities that add up to one.

    Examples
    --------
    >>> W = initial_weights(np.array([[0.0, 1.0], [1.0, 0.5]]), 3, seed=0)
    >>> W.shape, bool(np.allclose(np.exp(W[:, :2]) + np.exp(W[:, 2:]), 1.0))
    ((3, 4), True)
    """
    images = np.asarray(images, dtype=float)
    rng = np.random.default_rng([seed, 7001])
    picks = images[rng.choice(len(images), n_neurons, replace=len(images) < n_neurons)]
    p_ink = 0.5 * blend + (1.0 - blend) * (0.05 + 0.9 * picks)
    return np.log(np.concatenate([p_ink, 1.0 - p_ink], axis=1))


def channel_rates(frames, input_rate_hz):
    """Two channels per pixel: ink at r x and no ink at r (1 - x), shape (..., 2 n_pixels)."""
    frames = np.asarray(frames, dtype=float)
    return input_rate_hz * np.concatenate([frames, 1.0 - frames], axis=-1)


class SoftWTANetwork:
    """``copies`` independent soft-WTA networks in one set of Brian2 groups.

    Parameters
    ----------
    config : DigitSequenceConfig
    copies : int
        Independent networks (one per video).
    n_inputs : int
        Input channels per copy (two per pixel).
    rates : ndarray, shape (n_slots, copies * n_inputs)
        Input rates in Hz, one row per presentation slot (``presentation`` long when
        ``plastic``, else ``frame``).
    W : ndarray, shape (n_neurons, n_inputs)
    b : ndarray, shape (n_neurons,)
    gamma1, gamma2 : float
        Short-term rule of F (0, 0: the static network).
    plastic : bool
        W and the biases learn.

    Attributes
    ----------
    net : brian2.Network
    inputs, layer, normaliser : brian2.NeuronGroup
    synapses : brian2.Synapses
    spikes : brian2.SpikeMonitor
        The layer's spikes.
    """

    def __init__(self, config, copies, n_inputs, rates, W, b, gamma1, gamma2, plastic, devices=None):
        c = config
        K = c.n_neurons
        card = "em_stdp" if plastic else c.synapse
        trace = load_model("poisson_trace")
        wta = load_model("soft_wta")
        syn = load_model(card)
        card_values = dict(eta_W=c.eta_W, gamma1=gamma1, gamma2=gamma2, r_ref=c.input_rate, tau_y=c.tau_y)
        if card == "em_stdp_srtio3":
            card_values.update(Lambda=float(np.exp(-c.frame / c.tau_F)), T_step=c.frame)
        else:
            card_values.update(tau_F=c.tau_F)
        if card == "em_stdp_pcm":
            card_values.update({k: devices[k] for k in ("drift_comp", "read_noise_scale") if k in devices})
        self.rates = TimedArray(rates * Hz, dt=rates_dt(c, plastic))
        inp = NeuronGroup(copies * n_inputs, name="wta_inputs*", order=-20,
                          **trace.neuron_kwargs(tau_y=c.tau_y, r_ref=c.input_rate))
        ns = inp.namespace
        ns["input_rates"] = self.rates
        inp.run_regularly("rate = input_rates(t, i)", when="start", name="wta_input_rates*")
        layer = NeuronGroup(copies * K, name="wta_layer*",
                            **wta.neuron_kwargs(R=c.layer_rate, n_wta=K, beta=c.beta, eta_b=c.eta_b,
                                                tau_y=c.tau_y, tau_F=c.tau_F))
        layer.b = np.tile(b, copies)
        layer.adapt = 1.0 if plastic else 0.0
        norm = NeuronGroup(copies, "Z : 1\nshift : 1", name="wta_normaliser*", namespace={})
        norm.run_regularly("shift = shift + log(Z)", when="end", name="wta_shift*")
        S = Synapses(inp, layer, name="wta_synapses*",
                     **syn.synapse_kwargs(**card_values))
        a = np.arange(n_inputs)
        k = np.arange(K)
        base_i = np.repeat(a, K)
        base_j = np.tile(k, n_inputs)
        offs = np.arange(copies)
        S.connect(i=(offs[:, None] * n_inputs + base_i).ravel(), j=(offs[:, None] * K + base_j).ravel())
        if card == "em_stdp_pcm":
            S.G_prog = np.tile(np.asarray(devices["G_prog"]).T.ravel(), copies) * siemens
            S.nu = np.tile(devices["nu"].T.ravel(), copies)
        else:
            S.W = np.tile(W.T.ravel(), copies)
        S.plastic = 1.0 if plastic else 0.0
        to_norm = Synapses(layer, norm, "Z_post = exp(u_pre - shift_post) : 1 (summed)",
                           name="wta_to_norm*", namespace=dict(layer.namespace))
        to_norm.connect(i=np.arange(copies * K), j=np.repeat(offs, K))
        from_norm = Synapses(norm, layer, "lse_post = shift_pre + log(Z_pre) : 1 (summed)",
                             name="wta_from_norm*", namespace={})
        from_norm.connect(i=np.repeat(offs, K), j=np.arange(copies * K))
        # after the state updaters (order 0): the normaliser, then lse, both before the thresholds
        to_norm.summed_updaters["Z_post"].order = 5
        from_norm.summed_updaters["lse_post"].order = 6
        self.spikes = SpikeMonitor(layer, name="wta_spikes*")
        self.net = Network(inp, layer, norm, S, to_norm, from_norm, self.spikes)
        self.inputs, self.layer, self.synapses, self.normaliser = inp, layer, S, norm

    def weights(self, n_inputs, K):
        return np.asarray(self.synapses.W[:]).reshape(-1, n_inputs, K)[0].T.copy()


def program_devices(W, config, seed, noise=None):
    """Program the trained W onto PCM memtransistors once, as the em_stdp_pcm card reads them.

    Each log efficacy maps linearly onto the card's conductance window; the devices get aihwkit's
    programming noise and drift exponents (:mod:`spikesyn.devices.pcm`); ``drift_comp`` is the
    global drift compensation at the card's ``t_inference`` (the programmed sum over the
    noiseless drifted sum). ``noise`` names the non-idealities applied (default: the config's
    ``pcm_noise``); ``noise=()`` gives exact devices that read back W itself (the mapping alone).

    Returns
    -------
    dict
        ``G_prog`` (Quantity, the shape of W), ``nu`` (ndarray), ``drift_comp`` (float) and,
        without read noise, ``read_noise_scale`` (0).

    Examples
    --------
    >>> dev = program_devices(np.array([[-5.0, 1.0]]), DigitSequenceConfig(), seed=0)
    >>> dev["G_prog"].shape, bool(1.0 < dev["drift_comp"] < 2.0)
    ((1, 2), True)
    """
    p = load_model("em_stdp_pcm").parameters
    Gmin, Gmax = p["Gmin"], p["Gmax"]
    w = (np.clip(W, float(p["W_min"]), float(p["W_max"])) - float(p["W_min"])) / float(p["W_max"] - p["W_min"])
    target = Gmin + w * (Gmax - Gmin)
    noise = config.pcm_noise if noise is None else noise
    rng = np.random.default_rng([seed, 7003])
    G_prog = program(target, rng, Gmax=Gmax, scale=1.0 if "programming" in noise else 0.0)
    nu = draw_drift_exponent(target, rng, Gmax=Gmax, drift_scale=1.0 if "drift" in noise else 0.0)
    drifted = np.asarray(drift(G_prog, nu, p["t_inference"], t0=p["t0"]))
    out = {"G_prog": G_prog, "nu": nu, "drift_comp": float(np.sum(np.asarray(G_prog)) / np.sum(drifted))}
    if "read" not in noise:
        out["read_noise_scale"] = 0.0
    return out


def rates_dt(config, plastic):
    """How long one row of the input rates lasts: a training presentation or a test frame."""
    return config.presentation if plastic else config.frame


def _simulate(config, target, duration, *args, **kwargs):
    """Build a :class:`SoftWTANetwork` and run it at the config's dt on ``target``.

    Brian2's default clock and code-generation target are restored afterwards, so the caller's
    own script keeps its settings.
    """
    with brian_settings(target=target, dt=config.dt):
        net = SoftWTANetwork(config, *args, **kwargs)
        net.net.run(duration, namespace={})
        return net


def label_neurons(counts, labels, n_classes):
    """Label each neuron with the class of highest mean response (-1 if it never fired).

    Examples
    --------
    >>> label_neurons(np.array([[3, 0], [0, 1], [2, 0]]), np.array([0, 1, 0]), 2).tolist()
    [0, 1]
    """
    counts = np.asarray(counts, dtype=float)
    mean = np.stack([counts[labels == c].mean(0) if np.any(labels == c) else np.zeros(counts.shape[1])
                     for c in range(n_classes)])
    out = mean.argmax(0)
    out[mean.max(0) == 0] = -1
    return out


def class_scores(counts, neuron_labels, n_classes):
    """Per-class score of each frame: spikes of the class's labelled neurons per neuron.

    Examples
    --------
    >>> class_scores(np.array([[2., 1., 0.]]), np.array([0, 1, 1]), 2).tolist()
    [[2.0, 0.5]]
    """
    counts = np.asarray(counts, dtype=float)
    scores = np.zeros(counts.shape[:-1] + (n_classes,))
    for c in range(n_classes):
        members = neuron_labels == c
        if members.any():
            scores[..., c] = counts[..., members].sum(-1) / members.sum()
    return scores


def train_layer(images, labels, config, n_classes=10, seed=0, target=None, progress=None,
                initial_W=None):
    """Train W and the biases on static images; label the neurons.

    Parameters
    ----------
    images : ndarray, shape (n, n_pixels), values in [0, 1]
    labels : ndarray of int, shape (n,)
    config : DigitSequenceConfig
    seed : int
        Seeds the order of presentation, the initial weights and Brian2's random numbers.
    target : str, optional
        Brian2 code-generation target ('numpy', 'cython'); the current preference if None.
    progress : callable, optional
        Called with a short message before the simulation.
    initial_W : ndarray, shape (n_neurons, 2 n_pixels), optional
        Starting weights (default: :func:`initial_weights`).

    Returns
    -------
    TrainedLayer
    """
    config = check_config(config)
    images = np.asarray(images, dtype=float)
    labels = np.asarray(labels)
    n, n_pixels = images.shape
    K = config.n_neurons
    rng = np.random.default_rng([seed, 7002])
    order = np.concatenate([rng.permutation(n) for _ in range(max(config.epochs, 1))])
    rates = channel_rates(images[order], float(config.input_rate / Hz))
    W0 = initial_weights(images, K, seed) if initial_W is None else np.asarray(initial_W, dtype=float)
    if W0.shape != (K, 2 * n_pixels):
        raise DigitSequenceError(f"initial_W must have shape {(K, 2 * n_pixels)}, got {W0.shape}")
    brian_seed(seed)
    if progress:
        progress(f"training {K} neurons on {n} digits x {config.epochs} epochs "
                 f"({float(len(order) * config.presentation / second):.0f} s simulated)")
    net = _simulate(config, target, len(order) * config.presentation, 1, 2 * n_pixels, rates, W0,
                    np.full(K, -np.log(K)), 0.0, 0.0, plastic=config.epochs > 0)
    W = net.weights(2 * n_pixels, K)
    b = np.asarray(net.layer.b[:]).copy()
    # labels from the last epoch's responses
    t = np.asarray(net.spikes.t / config.presentation)
    slot = np.floor(t + 1e-9).astype(int)
    last = slot >= len(order) - n
    counts = np.zeros((n, K))
    np.add.at(counts, (order[slot[last]], np.asarray(net.spikes.i)[last]), 1)
    return TrainedLayer(W=W, b=b, labels=label_neurons(counts, labels, n_classes),
                        n_classes=n_classes, train_spikes=len(net.spikes.t))


def run_videos(trained, frames, config, short_term=True, seed=0, target=None, progress=None):
    """Show videos to the frozen layer; spike counts per video, frame and neuron.

    Parameters
    ----------
    trained : TrainedLayer
    frames : ndarray, shape (n_videos, n_frames, n_pixels)
    config : DigitSequenceConfig
    short_term : bool
        True: F follows the rule (``gamma1``, ``gamma2``); False: the static network (F = 0).
    seed : int
        Brian2's seed; the same seed gives both models the same input spikes.

    Returns
    -------
    ndarray, shape (n_videos, n_frames, n_neurons)
    """
    config = check_config(config)
    frames = np.asarray(frames, dtype=float)
    n_videos, n_frames, n_pixels = frames.shape
    K = config.n_neurons
    g1, g2 = (config.gamma1, config.gamma2) if short_term else (0.0, 0.0)
    devices = program_devices(trained.W, config, seed) if config.synapse == "em_stdp_pcm" else None
    counts = np.zeros((n_videos, n_frames, K))
    for start in range(0, n_videos, config.batch):
        stop = min(start + config.batch, n_videos)
        B = stop - start
        # rates: (frame, copy * channel)
        rates = channel_rates(frames[start:stop], float(config.input_rate / Hz))
        rates = rates.transpose(1, 0, 2).reshape(n_frames, -1)
        brian_seed((seed * 100_003 + start) % 2**32)
        if progress:
            progress(f"videos {start}-{stop} of {n_videos} ({'st_stdp' if short_term else 'static'})")
        net = _simulate(config, target, n_frames * config.frame, B, 2 * n_pixels, rates, trained.W,
                        trained.b, g1, g2, plastic=False, devices=devices)
        i = np.asarray(net.spikes.i)
        f = np.minimum(np.floor(np.asarray(net.spikes.t / config.frame) + 1e-9).astype(int), n_frames - 1)
        np.add.at(counts, (start + i // K, f, i % K), 1)
    return counts
