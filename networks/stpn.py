"""The short-term plasticity neuron (STPN) layer, trained by backpropagation through time in JAX.

The STPN (Rodriguez, Guo & Moraitis, ICML 2022, arXiv:2206.14048) is a recurrent layer whose
synapses keep a short-term state F next to the long-term weight W. At step t the presynaptic
vector is ``p_t = [x_t, h_(t-1)]`` (the input and the layer's own previous output), and with
``G = W + F_t`` and the per-output norm ``n_i = ||G_i||_2`` (over a row's inputs):

    h_t = tanh(G p_t / n + b)
    F_(t+1) = clip(Lambda * F_t / n + Gamma * (h_t p_t^T) * (1 + sigma eps), -F_bound, F_bound)

Lambda (decay) and Gamma (Hebbian gain) are learned per synapse, as in the authors' code
(github.com/NeuromorphicComputing/STPN, ``STPNR``): the efficacy row is normalised, F is rescaled
by the same norm before the Hebbian term is added. A linear readout of the last ``h`` gives
the class scores. On SrTiO3 devices (Weilenmann et al., Nat. Commun. 2024; the ``srtio3`` card)
Lambda is set by a bias voltage and only ``[0.08, 0.92]`` is reachable; the card also gives
the cycle-to-cycle noise ``sigma`` of an update and the bound of |F| (``F_max``, measured in
units of ``W_max``, which is the conductance of a weight of 1 here). Training takes those
constraints: after every optimiser step Lambda is clipped to its range (``"none"``: fixed at 0,
``"device"``: [0.08, 0.92], ``"unconstrained"``: [0, 1]) and |W| to 1; the update noise and
the F bound act inside the forward pass.

Task: the associative retrieval task of the STPN paper (after Ba et al. 2016): a sequence of
key-value pairs, two separators and a query key; the answer is the value stored with that
key. It is procedural (no dataset, no extra dependency), needs a memory written once and read
once, and a small instance (16 units, 800 steps) trains in 1-2 minutes on one busy CPU core,
which reinforcement learning on CartPole (rollouts, many more gradient steps) did not promise here.

JAX is an optional extra (``pip install "spikesyn[stpn]"``); everything else in this module
(task generation, the numpy forward pass used by the Brian2 deployment) needs numpy only.

Examples
--------
>>> x, y = associative_retrieval(2, n_pairs=2, n_keys=4, n_values=3, seed=0)
>>> x.shape, y.shape
((2, 7, 8), (2,))
>>> LAMBDA_RANGES["device"]
(0.08, 0.92)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spikesyn.cards import read_card, resolve_card_path
from spikesyn.errors import ParameterError, SpikesynError

__all__ = ["LAMBDA_RANGES", "MissingExtraError", "STPNConfig", "TrainedSTPN", "associative_retrieval",
           "device_constraints", "forward_numpy", "require_jax", "train_stpn"]

#: Lambda range per regime (the paper's Fig. 4b: no STP, the SrTiO3 device range, unconstrained).
LAMBDA_RANGES = {"none": (0.0, 0.0), "device": (0.08, 0.92), "unconstrained": (0.0, 1.0)}
JAX_INSTALL = 'pip install "spikesyn[stpn]"  (or: pip install jax optax)'


class MissingExtraError(SpikesynError, ImportError):
    """An optional dependency that a feature needs is not installed (the message gives the pip command)."""


def require_jax():
    """Import JAX and optax, or raise one error that names the pip command.

    Returns
    -------
    tuple
        The modules ``(jax, jax.numpy, optax)``.

    Examples
    --------
    >>> try:
    ...     jax, jnp, optax = require_jax()
    ... except MissingExtraError as error:
    ...     assert "pip install" in str(error)
    """
    try:
        import jax
        import jax.numpy as jnp
        import optax
    except ImportError as error:
        raise MissingExtraError(f"the STPN needs JAX and optax ({error.name} is missing): {JAX_INSTALL}") from None
    return jax, jnp, optax


def device_constraints(card="srtio3"):
    """The SrTiO3 card's limits that training respects: Lambda range, update noise, F bound.

    Parameters
    ----------
    card : str
        A card name or path (default the shipped ``srtio3``).

    Returns
    -------
    dict
        ``lambda_range`` (tuple), ``update_noise`` (relative, 1), ``F_bound`` (F_max / W_max:
        the bound of |F| in units of the conductance of a weight of 1).

    Examples
    --------
    >>> c = device_constraints()
    >>> c["lambda_range"], c["update_noise"], c["F_bound"]
    ((0.08, 0.92), 0.05, 1.0)
    """
    data = read_card(resolve_card_path(card))
    parameters = data["_parameters"]
    lo, hi = data["parameters"]["Lambda"]["range"]
    return {"lambda_range": (float(lo), float(hi)),
            "update_noise": float(parameters["update_noise"]),
            "F_bound": float(parameters["F_max"] / parameters["W_max"])}


def associative_retrieval(n, n_pairs=3, n_keys=10, n_values=6, seed=0):
    """Sequences of the associative retrieval task, one-hot coded.

    Each sequence is ``k1 v1 k2 v2 ... ? ? q``: ``n_pairs`` distinct keys with values drawn
    with replacement, two separator symbols, and a query that repeats one of the keys. The
    target is the value stored with the query key.

    Parameters
    ----------
    n : int
        Number of sequences.
    n_pairs, n_keys, n_values : int
        Pairs per sequence, size of the key and of the value alphabets (``n_pairs <= n_keys``).
    seed : int
        Seed of the generator (same seed, same sequences).

    Returns
    -------
    x : numpy.ndarray
        ``(n, 2 n_pairs + 3, n_keys + n_values + 1)`` float32 one-hot symbols.
    y : numpy.ndarray
        ``(n,)`` int, the value's index in ``range(n_values)``.

    Examples
    --------
    >>> x, y = associative_retrieval(1, n_pairs=2, n_keys=3, n_values=2, seed=1)
    >>> symbols = x[0].argmax(axis=1)
    >>> int(symbols[-1]) in symbols[:4:2], int(symbols[-2]) == 3 + 2
    (True, True)
    """
    for name, value, least in (("n", n, 1), ("n_pairs", n_pairs, 1), ("n_keys", n_keys, 1),
                               ("n_values", n_values, 2)):
        if int(value) != value or value < least:
            raise ParameterError(f"associative_retrieval: {name} must be an integer >= {least}, got {value!r}")
    if n_pairs > n_keys:
        raise ParameterError(f"associative_retrieval: n_pairs ({n_pairs}) exceeds n_keys ({n_keys})")
    rng = np.random.default_rng(seed)
    length, n_symbols = 2 * n_pairs + 3, n_keys + n_values + 1
    keys = np.argsort(rng.random((n, n_keys)), axis=1)[:, :n_pairs]
    values = rng.integers(0, n_values, size=(n, n_pairs))
    asked = rng.integers(0, n_pairs, size=n)
    symbols = np.empty((n, length), dtype=int)
    symbols[:, 0:2 * n_pairs:2] = keys
    symbols[:, 1:2 * n_pairs:2] = n_keys + values
    symbols[:, 2 * n_pairs:2 * n_pairs + 2] = n_keys + n_values
    symbols[:, -1] = keys[np.arange(n), asked]
    x = np.eye(n_symbols, dtype=np.float32)[symbols]
    return x, values[np.arange(n), asked]


@dataclass
class STPNConfig:
    """Sizes, regime and training settings of one STPN run.

    Attributes
    ----------
    regime : str
        ``"none"``, ``"device"`` or ``"unconstrained"`` (see :data:`LAMBDA_RANGES`).
    hidden : int
        Number of STPN units.
    n_pairs, n_keys, n_values : int
        The task's size (:func:`associative_retrieval`).
    steps, batch, learning_rate : int, int, float
        Adam steps, sequences per step, step size.
    n_test : int
        Held-out sequences for the score.
    update_noise, F_bound : float or None
        Device constraints; None takes them from the srtio3 card.
    """

    regime: str = "device"
    hidden: int = 16
    n_pairs: int = 3
    n_keys: int = 10
    n_values: int = 6
    steps: int = 1500
    batch: int = 128
    learning_rate: float = 3e-3
    n_test: int = 2000
    update_noise: float | None = None
    F_bound: float | None = None

    def __post_init__(self):
        if self.regime not in LAMBDA_RANGES:
            raise ParameterError(f"STPN regime {self.regime!r} is not one of {sorted(LAMBDA_RANGES)}")
        for name in ("hidden", "steps", "batch", "n_test"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ParameterError(f"STPNConfig.{name} must be an integer >= 1, got {value!r}")
        if not self.learning_rate > 0:
            raise ParameterError(f"STPNConfig.learning_rate must be > 0, got {self.learning_rate!r}")
        card = device_constraints()
        if self.update_noise is None:
            self.update_noise = card["update_noise"]
        if self.F_bound is None:
            self.F_bound = card["F_bound"]
        if self.update_noise < 0 or not self.F_bound > 0:
            raise ParameterError(f"STPNConfig: update_noise must be >= 0 and F_bound > 0, got "
                                 f"{self.update_noise!r}, {self.F_bound!r}")

    @property
    def n_in(self):
        return self.n_keys + self.n_values + 1

    @property
    def lambda_range(self):
        return LAMBDA_RANGES[self.regime]


@dataclass
class TrainedSTPN:
    """The parameters of a trained STPN (numpy arrays) and its held-out score.

    Attributes
    ----------
    W, Lambda, Gamma : numpy.ndarray
        ``(hidden, n_in + hidden)`` long-term weight, decay and Hebbian gain per synapse.
    bias : numpy.ndarray
        ``(hidden,)``.
    W_out, b_out : numpy.ndarray
        ``(n_values, hidden)`` and ``(n_values,)`` readout.
    config : STPNConfig
    accuracy : float
        Held-out accuracy (fraction of queries answered right), with the update noise on.
    seed : int
    train_seconds : float
    """

    W: np.ndarray
    Lambda: np.ndarray
    Gamma: np.ndarray
    bias: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    config: STPNConfig
    accuracy: float = float("nan")
    seed: int = 0
    train_seconds: float = 0.0
    history: list = field(default_factory=list)

    def test_set(self, n=None):
        """The held-out sequences this network is scored on (a seed apart from training)."""
        c = self.config
        return associative_retrieval(n or c.n_test, c.n_pairs, c.n_keys, c.n_values, seed=10_000 + self.seed)


def forward_numpy(net, x, noise=None, record=False):
    """Run a trained STPN over sequences in plain numpy (float64): the reference the Brian2
    deployment is compared with.

    Parameters
    ----------
    net : TrainedSTPN
    x : numpy.ndarray
        ``(batch, steps, n_in)`` inputs.
    noise : numpy.ndarray, optional
        ``(steps, batch, hidden, n_in + hidden)`` standard normal draws for the update noise
        (scaled by ``net.config.update_noise``); None runs without noise.
    record : bool
        Also return the trajectories of ``h`` and ``F``.

    Returns
    -------
    logits : numpy.ndarray
        ``(batch, n_values)``.
    trace : dict, only if ``record``
        ``h`` (steps, batch, hidden), ``F`` (steps + 1, batch, hidden, n_in + hidden),
        ``norm`` (steps, batch, hidden).

    Examples
    --------
    >>> cfg = STPNConfig(hidden=3, n_pairs=1, n_keys=2, n_values=2, steps=1, batch=1, n_test=1)
    >>> rng = np.random.default_rng(0)
    >>> net = TrainedSTPN(rng.normal(size=(3, 8)), np.full((3, 8), 0.5), np.full((3, 8), 0.1),
    ...                   np.zeros(3), rng.normal(size=(2, 3)), np.zeros(2), cfg)
    >>> forward_numpy(net, np.ones((4, 5, 5))).shape
    (4, 2)
    """
    batch, steps, _ = x.shape
    hidden = net.W.shape[0]
    h = np.zeros((batch, hidden))
    F = np.zeros((batch,) + net.W.shape)
    hs, Fs, norms = [], [F], []
    for t in range(steps):
        pre = np.concatenate([x[:, t], h], axis=1)
        G = net.W + F
        norm = np.sqrt(np.sum(G ** 2, axis=2)) + 1e-16
        h = np.tanh(np.einsum("bij,bj->bi", G, pre) / norm + net.bias)
        hebb = net.Gamma * h[:, :, None] * pre[:, None, :]
        if noise is not None:
            hebb = hebb * (1 + net.config.update_noise * noise[t])
        F = np.clip(net.Lambda * F / norm[:, :, None] + hebb, -net.config.F_bound, net.config.F_bound)
        hs.append(h)
        Fs.append(F)
        norms.append(norm)
    logits = h @ net.W_out.T + net.b_out
    if record:
        return logits, {"h": np.array(hs), "F": np.array(Fs), "norm": np.array(norms)}
    return logits


def _jax_forward(jax, jnp):
    """The STPN forward pass as a JAX function ``(params, x, key, noise_scale, F_bound) -> logits``."""

    def run(params, x, key, noise_scale, F_bound):
        batch, steps, _ = x.shape
        hidden = params["W"].shape[0]

        def step(carry, inputs):
            h, F = carry
            x_t, k = inputs
            pre = jnp.concatenate([x_t, h], axis=1)
            G = params["W"] + F
            norm = jnp.sqrt(jnp.sum(G ** 2, axis=2) + 1e-12)
            h = jnp.tanh(jnp.einsum("bij,bj->bi", G, pre) / norm + params["bias"])
            hebb = params["Gamma"] * h[:, :, None] * pre[:, None, :]
            hebb = hebb * (1 + noise_scale * jax.random.normal(k, hebb.shape))
            F = jnp.clip(params["Lambda"] * F / norm[:, :, None] + hebb, -F_bound, F_bound)
            return (h, F), None

        h0 = jnp.zeros((batch, hidden))
        F0 = jnp.zeros((batch,) + params["W"].shape)
        keys = jax.random.split(key, steps)
        (h, _), _ = jax.lax.scan(step, (h0, F0), (jnp.swapaxes(x, 0, 1), keys))
        return h @ params["W_out"].T + params["b_out"]

    return run


def _init_params(config, rng):
    """Initial parameters, drawn as the authors' STPNR does (uniform, scaled by 1/sqrt(hidden))."""
    n_pre = config.n_in + config.hidden
    k = 1 / np.sqrt(config.hidden)
    lo, hi = config.lambda_range
    return {
        "W": rng.uniform(-k, k, (config.hidden, n_pre)),
        "Lambda": rng.uniform(lo, hi, (config.hidden, n_pre)),
        "Gamma": rng.uniform(-1e-3 * k, 1e-3 * k, (config.hidden, n_pre)),
        "bias": rng.uniform(-k, k, config.hidden),
        "W_out": rng.uniform(-k, k, (config.n_values, config.hidden)),
        "b_out": np.zeros(config.n_values),
    }


def train_stpn(config=None, seed=0, log=None):
    """Train an STPN on the associative retrieval task by backpropagation through time.

    Adam (optax) on the cross-entropy of the answer; after every step Lambda is clipped to the
    regime's range (held at 0 for ``"none"``) and W to [-1, 1]; the card's update noise and F
    bound act in the forward pass, in training and in the score.

    Parameters
    ----------
    config : STPNConfig, optional
    seed : int
        Seeds the initial parameters, the training sequences and the noise.
    log : callable, optional
        Called with a line of progress every 10 % of the steps.

    Returns
    -------
    TrainedSTPN

    Raises
    ------
    MissingExtraError
        JAX or optax is not installed.

    Examples
    --------
    >>> net = train_stpn(STPNConfig(hidden=4, n_pairs=1, n_keys=2, n_values=2, steps=2,
    ...                             batch=4, n_test=8), seed=0)   # doctest: +SKIP
    """
    config = config or STPNConfig()
    jax, jnp, optax = require_jax()
    rng = np.random.default_rng(seed)
    params = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in _init_params(config, rng).items()}
    lo, hi = config.lambda_range
    forward = _jax_forward(jax, jnp)
    trainable = ["W", "Gamma", "bias", "W_out", "b_out"] + ([] if config.regime == "none" else ["Lambda"])
    optimiser = optax.adam(config.learning_rate)
    opt_state = optimiser.init({k: params[k] for k in trainable})
    noise, F_bound = float(config.update_noise), float(config.F_bound)

    def loss_fn(train_params, fixed, x, y, key):
        logits = forward({**fixed, **train_params}, x, key, noise, F_bound)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def update(params, opt_state, x, y, key):
        train_params = {k: params[k] for k in trainable}
        fixed = {k: v for k, v in params.items() if k not in trainable}
        loss, grads = jax.value_and_grad(loss_fn)(train_params, fixed, x, y, key)
        updates, opt_state = optimiser.update(grads, opt_state, train_params)
        train_params = optax.apply_updates(train_params, updates)
        new = {**fixed, **train_params}
        new["Lambda"] = jnp.clip(new["Lambda"], lo, hi)
        new["W"] = jnp.clip(new["W"], -1.0, 1.0)
        return new, opt_state, loss

    key = jax.random.PRNGKey(seed)
    history, start = [], time.perf_counter()
    for step in range(config.steps):
        x, y = associative_retrieval(config.batch, config.n_pairs, config.n_keys, config.n_values,
                                     seed=(seed, step))
        key, sub = jax.random.split(key)
        params, opt_state, loss = update(params, opt_state, jnp.asarray(x), jnp.asarray(y), sub)
        if (step + 1) % max(1, config.steps // 10) == 0:
            history.append((step + 1, float(loss)))
            if log:
                log(f"step {step + 1}/{config.steps}  loss {float(loss):.4f}")
    net = TrainedSTPN(**{k: np.asarray(v, dtype=np.float64) for k, v in params.items()},
                      config=config, seed=seed, train_seconds=time.perf_counter() - start, history=history)
    net.Lambda = np.clip(net.Lambda, lo, hi)   # float32 0.92 lies just above 0.92 in float64
    x, y = net.test_set()
    key, sub = jax.random.split(key)
    logits = jax.jit(forward, static_argnums=())(params, jnp.asarray(x), sub, noise, F_bound)
    net.accuracy = float(np.mean(np.asarray(logits).argmax(axis=1) == y))
    return net
