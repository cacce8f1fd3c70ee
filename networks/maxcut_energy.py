"""Energy of the max-cut network's coupling synapses, counted from the flips (no per-event counters).

The coupling card (``hopfield_coupling``) has no energy events, so that its event code stays one
line. Its device energy is instead computed after the run from counts the network keeps anyway:

* **What is counted.** A flip of node ``u`` is a spike delivered through every synapse leaving
  ``u`` (one per neighbour, in each replica): each delivery reads that synapse's device pair
  once. Reads of synapse ``u -> v`` = flips of ``u``; in all, reads = sum over flips of the
  flipping node's degree (edges of summed weight 0 are dropped, self-loops ignored). The flips
  come from the ``nflip`` counter of the ``binary_hopfield`` neurons (incremented in their
  reset, already there for :attr:`MaxCutResult.flips`), kept per node in
  ``MaxCutResult.node_flips``: no extra cost during the run, O(replicas x edges) numpy work
  afterwards.
* **Energy of one read.** The read model of the ``pcm`` card, ``E = G V_read^2 t_read``, with
  ``G`` the programmed conductance of the edge's PCM pair (the SET device; its RESET partner
  sits at the card's Gmin, taken as 0 above it, as :func:`maxcut_devices.program` does, after
  programming error, quantisation and drift of the preset) and ``V_read``, ``t_read`` the
  preset's ``read_voltage`` and ``read_pulse`` (0.2 V and 100 ns by default; the ``pcm`` card
  itself uses 250 ns). At ``G = Gmax = 25 uS`` one read costs 0.1 pJ. Read noise (zero mean)
  is left out. The software modes (``ideal``, ``noiseless``) have no device: 0 J.
* **Not counted.** The read noise model draws each neuron's summed read noise once per sweep,
  which physically means reading every synapse of every neuron once per sweep;
  ``MaxCutResult.energy`` prices that (every synapse, every sweep). The count here is the
  event-driven delivery only (reads that carry a flip to a neighbour), so it is the lower
  figure. Programming the weights, the neurons, the amplifier and the peripheral circuits
  are not counted.
* **The digital estimate** (:mod:`spikesyn.energy_compare`) prices the same synaptic events,
  each one weight read from memory and one multiply-accumulate; the neuron updates (one per
  node, replica and sweep) are priced separately and left out of the ratio.

Examples
--------
>>> import networkx as nx
>>> import spikesyn as ss
>>> res = ss.maxcut(nx.cycle_graph(8), seed=1, sweeps=50, replicas=2)   # doctest: +SKIP
>>> flip_read_report(res).counts["read"] == 2 * res.flips                 # doctest: +SKIP
True
"""

from __future__ import annotations

import numpy as np
from brian2 import joule, nsecond, second, volt
from brian2.units.fundamentalunits import Quantity

from spikesyn.checks import quantity_in
from spikesyn.energy import EnergyReport
from spikesyn.energy_compare import comparison
from spikesyn.errors import ParameterError

__all__ = ["coupling_read_report", "flip_read_report", "operations", "maxcut_energy"]


def coupling_read_report(iu, iv, g_sum, node_flips, read_voltage=0.2 * volt,
                         read_pulse=100 * nsecond):
    """Read energy of the coupling synapses from the flips of each node.

    Synapse ``u -> v`` is read once per flip of ``u``; one read costs
    ``g V_read^2 t_read`` with ``g`` the conductance of the edge's device pair.

    Parameters
    ----------
    iu, iv : array of int
        Node indices of each edge (one entry per undirected edge).
    g_sum : array of float
        Device conductance of each edge's pair, in siemens (0: no device).
    node_flips : array of int, shape (replicas, n) or (n,)
        Flips of each node in each replica.
    read_voltage : brian2.Quantity
        Read pulse amplitude (volts).
    read_pulse : brian2.Quantity
        Read pulse duration (seconds).

    Returns
    -------
    spikesyn.energy.EnergyReport
        One event type, ``read``; ``per_synapse`` in the order the max-cut network builds its
        synapses: for each replica, the ``iu -> iv`` synapses of all edges, then ``iv -> iu``.

    Raises
    ------
    spikesyn.ParameterError
        Arrays of mismatched lengths, a node index outside ``node_flips``, negative flips or
        conductances, or a voltage / duration without its unit.

    Examples
    --------
    A path 0 - 1 - 2 with pairs at 10 and 20 uS; node 0 flipped once, node 1 twice. Reads:
    1 (0 -> 1) + 2 (1 -> 2) + 2 (1 -> 0) + 0 (2 -> 1) = 5; one read of 10 uS at 0.2 V for
    100 ns is 0.04 pJ:

    >>> from brian2 import pjoule
    >>> rep = coupling_read_report([0, 1], [1, 2], [10e-6, 20e-6], [[1, 2, 0]])
    >>> rep.counts["read"]
    5
    >>> [round(float(e / pjoule), 6) for e in rep.per_synapse]
    [0.04, 0.16, 0.08, 0.0]
    >>> rep.total
    280. * fjoule
    >>> coupling_read_report([0], [1], [1e-6], [[1, 1]], read_voltage=0.2)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: read_voltage must be a brian2 quantity in units of V (for example 0.2*V), got 0.2
    """
    iu = np.asarray(iu, dtype=np.int64).ravel()
    iv = np.asarray(iv, dtype=np.int64).ravel()
    g = np.asarray(g_sum, dtype=float).ravel()
    flips = np.asarray(node_flips)
    if flips.ndim == 1:
        flips = flips[None, :]
    if flips.ndim != 2:
        raise ParameterError(f"node_flips must have shape (replicas, n), got {flips.shape}")
    if not (iu.size == iv.size == g.size):
        raise ParameterError(f"iu, iv and g_sum must have one entry per edge, got lengths "
                             f"{iu.size}, {iv.size} and {g.size}")
    n = flips.shape[1]
    if iu.size and (min(iu.min(), iv.min()) < 0 or max(iu.max(), iv.max()) >= n):
        raise ParameterError(f"edge endpoints must be node indices in [0, {n - 1}] "
                             f"(node_flips has {n} nodes)")
    if np.any(flips < 0) or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ParameterError("node_flips and g_sum must be non-negative")
    per_read = (np.r_[g, g] * quantity_in(read_voltage, volt, "read_voltage", low=0) ** 2
                * quantity_in(read_pulse, second, "read_pulse", low=0))
    src = np.r_[iu, iv]
    reads = flips[:, src].astype(float)                    # (replicas, 2 m)
    per_syn = (reads * per_read[None, :]).ravel()
    total = float(per_syn.sum())
    return EnergyReport(counts={"read": int(reads.sum())},
                        per_event={"read": Quantity(total, dim=joule.dim)},
                        per_synapse=Quantity(per_syn, dim=joule.dim),
                        total=Quantity(total, dim=joule.dim))


def _couplings(result):
    c = getattr(result, "couplings", None)
    if c is None or getattr(result, "node_flips", None) is None:
        raise ParameterError("this MaxCutResult carries no node_flips / couplings "
                             "(made by an older spikesyn.maxcut?): run maxcut again")
    return c


def flip_read_report(result):
    """Device read energy of a :func:`spikesyn.maxcut` run, counted from its flips.

    Uses the run's device preset (``read_voltage``, ``read_pulse``) and programmed
    conductances; see the module docstring for exactly what is counted.

    Parameters
    ----------
    result : MaxCutResult

    Returns
    -------
    spikesyn.energy.EnergyReport
    """
    c = _couplings(result)
    dev = c["device"]
    return coupling_read_report(c["iu"], c["iv"], c["g_sum"], result.node_flips,
                                read_voltage=dev.read_voltage, read_pulse=dev.read_pulse)


def operations(result):
    """Digital operations of the same run: synaptic events, weight updates, neuron updates.

    Synaptic events are the reads of :func:`flip_read_report` (flips x degree); weight updates
    are 0 (the couplings are fixed); a neuron update is one node of one replica read in one
    sweep.

    Parameters
    ----------
    result : MaxCutResult

    Returns
    -------
    dict
        ``n_synaptic_events``, ``n_weight_updates``, ``n_neuron_updates``.
    """
    c = _couplings(result)
    flips = np.asarray(result.node_flips)
    deg = np.bincount(np.r_[c["iu"], c["iv"]].astype(np.int64), minlength=flips.shape[1])
    per_worker = result.settings.get("worker_sweeps_done")  # workers: their replicas' sweeps
    if per_worker:
        replica_sweeps = sum(per_worker) * (flips.shape[0] // len(per_worker))
    else:
        replica_sweeps = flips.shape[0] * result.sweeps_done
    return {"n_synaptic_events": int((flips * deg[None, :]).sum()), "n_weight_updates": 0,
            "n_neuron_updates": int(flips.shape[1] * replica_sweeps)}


def maxcut_energy(result, figures=None):
    """The energy report of a max-cut run next to the digital estimate, as plain data.

    Parameters
    ----------
    result : MaxCutResult
    figures : spikesyn.energy_compare.DigitalEstimate, optional
        Per-operation energies of the digital estimate (default ``HOROWITZ_45NM``).

    Returns
    -------
    dict
        The keys of :func:`spikesyn.energy_compare.comparison` (``events``,
        ``device_J``, ``per_synapse_J``, ``operations``, ``digital_J``,
        ``ratio_digital_over_device``, ``digital_neurons_J``, ``figures``) plus ``device``
        (preset name), ``n_synapses`` (over all replicas), ``read_voltage_V``,
        ``read_pulse_s`` and ``counted`` (one line saying what is counted).
    """
    report = flip_read_report(result)
    dev = result.couplings["device"]
    return {
        "device": dev.name,
        "n_synapses": int(np.asarray(report.per_synapse).size),
        "read_voltage_V": float(dev.read_voltage / volt),
        "read_pulse_s": float(dev.read_pulse / second),
        "counted": "one read of the edge's PCM pair (G V_read^2 t_read) per flip delivered to "
                   "each neighbour: reads = sum over flips of the node's degree",
        **comparison(report, operations(result), figures=figures),
    }
