"""A trained STPN run in Brian2 on SrTiO3 synapses, with its device energy against a GPU estimate.

Every synapse of the trained STPN (:mod:`networks.stpn`) becomes one SrTiO3 device (the
``srtio3`` card): its conductance holds ``W + F`` (a weight of 1 is a conductance of the
card's ``W_max``), its decay factor Lambda is set by its own bias voltage, and one Brian2 time
step of the card's ``T_step`` is one step of the sequence. Several sequences run at once as
independent copies of the layer.

The card's own equations are written for spikes (pre and post traces paired at spike times);
the STPN's activities are analogue (``tanh`` outputs and one-hot inputs), so the deployment
uses the card's parameters, its ranges and its energy laws in a per-step (rate) form:

* in-memory multiply: summed variables ``a = sum_j G_ij p_j`` and ``s = sum_j G_ij^2`` on each
  hidden neuron, which then sets ``h = tanh(a / sqrt(s) + b)`` (the per-output normalisation);
* ST-Hebb update, once per step after ``h``: ``F <- clip(Lambda F / n + Gamma h p (1 + sigma
  randn), -F_max, F_max)`` with ``n = sqrt(s) / W_max``, the card's ``update_noise`` sigma;
* energy into the card's accumulators (so :func:`spikesyn.energy_of` prices them with the
  card's ``[events]``): ``e_F += E0 |dF/F0|^alpha`` for the written change beyond the free decay,
  ``dF = F_new - Lambda F_old``; ``e_bias += V_bias(Lambda)^2 |W T + F T (Lambda - 1)/ln Lambda|``
  (the bias held over one step while F decays, V_bias from the card's Lambda sigmoid);
  ``e_read += |W + F| V_read^2 read_pulse`` (one read per step).

The signed weights of the STPN are taken as signed conductances (a differential pair read
would double the device count; not modelled), and their magnitudes are priced. The readout
(a small linear layer of the last ``h``) runs in numpy off the devices.

Examples
--------
>>> from spikesyn.networks.stpn import STPNConfig, TrainedSTPN
>>> cfg = STPNConfig(hidden=2, n_pairs=1, n_keys=2, n_values=2, update_noise=0.0)
>>> n_pre = cfg.n_in + cfg.hidden
>>> rng = np.random.default_rng(0)
>>> net = TrainedSTPN(rng.uniform(-0.5, 0.5, (2, n_pre)), np.full((2, n_pre), 0.5),
...                   np.full((2, n_pre), 0.05), np.zeros(2), rng.normal(size=(2, 2)), np.zeros(2), cfg)
>>> x = np.eye(cfg.n_in)[None, [0, 2, 4, 4, 0]]
>>> run = deploy(net, x)
>>> from spikesyn.networks.stpn import forward_numpy
>>> bool(np.allclose(run.logits, forward_numpy(net, x), rtol=1e-9, atol=1e-12))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, Synapses, TimedArray, joule, prefs, siemens
from brian2 import seed as brian_seed
from brian2.units.fundamentalunits import Quantity

from spikesyn.energy import EnergyReport, energy_of
from spikesyn.energy_compare import HOROWITZ_45NM, DigitalEstimate, compare, digital_energy
from spikesyn.errors import ParameterError
from spikesyn.model import load_model

from spikesyn.networks.stpn import device_constraints

__all__ = ["DeployedRun", "STPN_OPS", "deploy", "gpu_energy", "stpn_gpu_figures"]

#: Digital operations per synapse and per neuron of one STPN step (an assumption of this
#: estimate, counted from the layer's equations; the figures per operation are Horowitz's):
#: forward: read W and F, G = W + F, G p and G^2 accumulated (2 reads, 2 mult, 3 add);
#: plasticity: read Lambda and Gamma, write F, Lambda F / n and Gamma h p, one add (3 accesses,
#: 4 mult, 1 add); neuron: read and write h, the norm's square root, the division, tanh and
#: the bias (2 accesses, 4 mult, 2 add; transcendental functions priced as one multiply).
STPN_OPS = {
    "synaptic_event": {"mem": 2, "mult": 2, "add": 3},
    "weight_update": {"mem": 3, "mult": 4, "add": 1},
    "neuron_update": {"mem": 2, "mult": 4, "add": 2},
}

_SYNAPSE_MODEL = """
W : siemens
F : siemens
Lambda : 1
Gamma : siemens
V_bias : volt
dF_upd : siemens
e_F : joule
e_read : joule
e_bias : joule
{a}_post = (W + F)*{p}_pre : siemens (summed)
{s}_post = (W + F)**2 : siemens**2 (summed)
"""

# F <- Lambda F / n + Gamma h p; energy of the written change and of the bias over the step
_SYNAPSE_STEP = """
F_old = F
F = clip(Lambda*F*W_max/norm_post + Gamma*h_post*{p}_pre*(1 + update_noise*randn()), -F_max, F_max)
dF_upd = F - Lambda*F_old
e_F += E0*abs(dF_upd/F0)**alpha
e_read += abs(W + F_old)*V_read**2*read_pulse
e_bias += V_bias**2*abs(W*T_step + F*T_step*(Lambda - 1)/log(Lambda))
"""


def stpn_gpu_figures():
    """Horowitz's 45 nm figures with the STPN's operation counts (:data:`STPN_OPS`).

    Examples
    --------
    >>> stpn_gpu_figures().per_event("weight_update", "sram")   # 3 x 5 + 4 x 3.7 + 0.9 pJ
    30.7 * pjoule
    """
    return DigitalEstimate(add=HOROWITZ_45NM.add, mult=HOROWITZ_45NM.mult, sram=HOROWITZ_45NM.sram,
                           dram=HOROWITZ_45NM.dram, node=HOROWITZ_45NM.node, source=HOROWITZ_45NM.source,
                           scaling=HOROWITZ_45NM.scaling, ops=STPN_OPS)


def gpu_energy(n_synapses, n_neurons, steps, memory="sram"):
    """Joules of ``steps`` STPN steps on a digital processor (Horowitz 2014 per operation).

    Parameters
    ----------
    n_synapses, n_neurons : int
        Synapses and STPN units of the layer.
    steps : int
        Sequence steps.
    memory : {"sram", "dram"}
        Where W, F, Lambda and Gamma live; a layer this small fits on chip ("sram", the GPU's
        best case, the default).

    Examples
    --------
    >>> gpu_energy(1, 0, 1)   # (2 x 5 + 2 x 3.7 + 3 x 0.9) + (3 x 5 + 4 x 3.7 + 0.9) pJ
    50.8 * pjoule
    """
    n = n_synapses * steps
    return digital_energy(n, n, n_neurons * steps, memory=memory, figures=stpn_gpu_figures())


@dataclass
class DeployedRun:
    """What a Brian2 deployment produced.

    Attributes
    ----------
    logits : numpy.ndarray
        ``(batch, n_values)`` class scores from the last ``h``.
    h : numpy.ndarray
        ``(batch, hidden)`` last outputs of the STPN units.
    F : brian2.Quantity
        ``(batch, hidden, n_pre)`` short-term conductances after the last step.
    energy : EnergyReport
        The devices' energy over the whole run (all sequences).
    energy_per_sequence : brian2.Quantity
    gpu_per_sequence : brian2.Quantity
        Horowitz-based estimate of the same layer on a digital processor, per sequence.
    ratio : float
        ``gpu_per_sequence / energy_per_sequence``.
    per_synapse : brian2.Quantity
        ``(hidden, n_pre)`` device energy per synapse, averaged over sequences.
    """

    logits: np.ndarray
    h: np.ndarray
    F: Quantity
    energy: EnergyReport
    energy_per_sequence: Quantity
    gpu_per_sequence: Quantity
    ratio: float
    per_synapse: Quantity


def _check_lambda(Lambda, lo, hi):
    outside = np.argwhere((Lambda < lo) | (Lambda > hi))
    if outside.size:
        i, j = outside[0]
        raise ParameterError(
            f"srtio3 deployment: Lambda[{i}, {j}] = {Lambda[i, j]:.4g} is outside the device range "
            f"[{lo}, {hi}] of the srtio3 card ({len(outside)} synapses outside); train with the "
            f"'device' regime")


def deploy(net, x, card="srtio3", seed=0, update_noise=None):
    """Run a trained STPN on SrTiO3 synapses in Brian2, one time step per sequence step.

    Parameters
    ----------
    net : spikesyn.networks.stpn.TrainedSTPN
        Trained in the ``"device"`` regime (every Lambda within the card's range).
    x : numpy.ndarray
        ``(batch, steps, n_in)`` input sequences.
    card : str
        The device card (name or path) whose parameters, ranges and energy laws are used.
    seed : int
        Seed of Brian2's random numbers (the update noise).
    update_noise : float, optional
        Relative update noise; default the value the network was trained with.

    Returns
    -------
    DeployedRun

    Raises
    ------
    spikesyn.ParameterError
        A Lambda outside the card's range (naming the synapse), or inputs of the wrong shape.
    """
    x = np.asarray(x, dtype=float)
    hidden, n_pre = net.W.shape
    n_in = n_pre - hidden
    if x.ndim != 3 or x.shape[2] != n_in or x.shape[0] < 1 or x.shape[1] < 1:
        raise ParameterError(f"deploy: x must have shape (batch, steps, {n_in}), got {x.shape}")
    model = load_model(card)
    _check_lambda(net.Lambda, *device_constraints(card)["lambda_range"])
    noise = net.config.update_noise if update_noise is None else float(update_noise)
    namespace = model.synapse_kwargs(update_noise=noise)["namespace"]   # checks the card's ranges
    # per-synapse variables of the deployment take the place of the card's shared values
    namespace = {k: v for k, v in namespace.items() if k not in ("Lambda", "gamma")}
    g_unit = namespace["W_max"]
    if net.config.F_bound * g_unit > namespace["F_max"] * (1 + 1e-12):
        raise ParameterError(f"deploy: the network was trained with |F| <= {net.config.F_bound} W_max, "
                             f"beyond the card's F_max = {namespace['F_max']}")
    batch, steps, _ = x.shape
    T_step = namespace["T_step"]
    saved_target = prefs.codegen.target
    prefs.codegen.target = "numpy"   # a few steps: compiling would cost more than it saves
    try:
        brian_seed(seed)
        inputs = NeuronGroup(batch * n_in, "p : 1", dt=T_step,
                             namespace={"stimulus": TimedArray(x.transpose(1, 0, 2).reshape(steps, -1), dt=T_step)})
        inputs.run_regularly("p = stimulus(t, i)", when="start")
        units = NeuronGroup(batch * hidden, """
            a_in : siemens
            a_rec : siemens
            s_in : siemens**2
            s_rec : siemens**2
            norm : siemens
            b : 1
            h : 1
            h_prev : 1
            """, dt=T_step)
        units.b = np.tile(net.bias, batch)
        units.run_regularly("""
            norm = sqrt(s_in + s_rec)
            h_prev = h
            h = tanh((a_in + a_rec)/norm + b)
            """, when="groups", order=units.order)
        groups = []
        for part, source, p, a, s, cols in (("in", inputs, "p", "a_in", "s_in", slice(0, n_in)),
                                            ("rec", units, "h_prev", "a_rec", "s_rec", slice(n_in, n_pre))):
            width = cols.stop - cols.start
            model_code = _SYNAPSE_MODEL.format(a=a, s=s, p="h" if part == "rec" else "p")
            syn = Synapses(source, units, model_code, dt=T_step, namespace=dict(namespace),
                           name=f"stpn_{part}*")
            copy, row, col = np.meshgrid(np.arange(batch), np.arange(hidden), np.arange(width), indexing="ij")
            syn.connect(i=(copy * width + col).ravel(), j=(copy * hidden + row).ravel())
            syn.W = np.tile(net.W[:, cols], (batch, 1, 1)).ravel() * g_unit
            syn.Lambda = np.tile(net.Lambda[:, cols], (batch, 1, 1)).ravel()
            syn.Gamma = np.tile(net.Gamma[:, cols], (batch, 1, 1)).ravel() * g_unit
            syn.V_bias = _bias_voltage(np.asarray(syn.Lambda[:]), namespace)
            syn.run_regularly(_SYNAPSE_STEP.format(p=p), when="end")
            groups.append(syn)
        Network(inputs, units, *groups).run(steps * T_step)
        h = np.asarray(units.h[:]).reshape(batch, hidden)
        F = np.concatenate([np.asarray(g.F_[:]).reshape(batch, hidden, -1) for g in groups], axis=2)
        reports = [energy_of(g, model) for g in groups]
    finally:
        prefs.codegen.target = saved_target
    report = _merge(reports)
    per_synapse = np.concatenate([np.asarray(r.per_synapse).reshape(batch, hidden, -1) for r in reports], axis=2)
    device = report.total / batch
    gpu = gpu_energy(hidden * n_pre, hidden, steps)
    return DeployedRun(logits=h @ net.W_out.T + net.b_out, h=h, F=Quantity(F, dim=siemens.dim),
                       energy=report, energy_per_sequence=device, gpu_per_sequence=gpu,
                       ratio=compare(device, gpu).ratio,
                       per_synapse=Quantity(per_synapse.mean(axis=0), dim=joule.dim))


def _bias_voltage(Lambda, namespace):
    """The card's sigmoid inverted: the bias voltage that sets each decay factor."""
    lo, hi = namespace["L_lo"], namespace["L_hi"]
    return namespace["V_half"] - namespace["V_width"] * np.log((hi - lo) / (Lambda - lo) - 1)


def _merge(reports):
    """One EnergyReport for several synapse groups of the same card."""
    per_event = {name: sum((r.per_event[name] for r in reports), 0 * joule) for name in reports[0].per_event}
    per_synapse = np.concatenate([np.asarray(r.per_synapse) for r in reports])
    return EnergyReport(counts={}, per_event=per_event, per_synapse=Quantity(per_synapse, dim=joule.dim))
