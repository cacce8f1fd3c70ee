"""A dimod sampler that solves Ising and QUBO problems with spikesyn's noisy Hopfield network.

D-Wave's Ocean poses optimisation problems as binary quadratic models: an Ising problem
``E(s) = sum_i h_i s_i + sum_{i<j} J_ij s_i s_j`` over spins ``s = +/-1``, or a QUBO over bits.
:class:`HopfieldSampler` solves them with the network of :func:`spikesyn.maxcut` (binary spiking
neurons, couplings on PCM device pairs, read noise annealed away), so it works wherever Ocean
expects a sampler (``dwave_networkx.maximum_cut``, ``dimod`` composites, ...).

The problem becomes a max-cut: the network minimises ``sum_{i<j} w_ij s_i s_j`` over the edges
of a graph (the cut is ``(W - that sum) / 2``), so each coupling is an edge of weight ``J_ij``.
Each field becomes an edge of weight ``h_i`` to one extra neuron ``g`` (the standard reduction:
``h_i s_i = h_i s_i s_g`` with ``s_g = +1``); the network's energy is symmetric under flipping
every spin, so a state with ``s_g = -1`` is flipped whole before it is read out. The fields are
therefore couplings to a fixed bias neuron, programmed on device pairs like every other
coupling. Each read (``num_reads``) is one :func:`spikesyn.maxcut` solve (its ``replicas`` run
side by side) with the seed ``seed + read``, and gives its best state.

Needs ``pip install "spikesyn[ocean]"`` (dimod).

Examples
--------
>>> from spikesyn.networks.hopfield_sampler import HopfieldSampler
>>> sampler = HopfieldSampler()
>>> result = sampler.sample_ising({"a": 1.0}, {("a", "b"): -1.0}, seed=1, sweeps=50,
...                               replicas=2, codegen="numpy")
>>> print({v: int(s) for v, s in result.first.sample.items()}, result.first.energy)
{'a': -1, 'b': -1} -2.0
>>> sorted(result.info)
['reads', 'solver', 'time_s']
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np

from spikesyn.checks import positive_int, seed_value, shown
from spikesyn.errors import ParameterError

try:
    import dimod
except ImportError:  # pragma: no cover - depends on the environment
    dimod = None

__all__ = ["HopfieldSampler", "ising_graph"]

#: keyword arguments of :func:`spikesyn.maxcut` that a sample call passes on
SOLVER_PARAMETERS = ("sweeps", "time_limit", "replicas", "device", "schedule", "restarts",
                     "update_slots", "codegen", "workers")


def _require_dimod():
    if dimod is None:
        raise ImportError('HopfieldSampler needs dimod: pip install "spikesyn[ocean]"')


def ising_graph(h, J):
    """The max-cut graph of an Ising problem: nodes ``0..n-1`` (variable order) and the bias node ``n``.

    Parameters
    ----------
    h : dict
        Field of each variable.
    J : dict
        Coupling of each pair ``(u, v)``; both orders of a pair add up.

    Returns
    -------
    (networkx.Graph, list)
        The graph (weights ``J_ij`` and ``h_i`` on edges to node ``n``; zero weights left out)
        and the variables in node order.

    Examples
    --------
    >>> G, labels = ising_graph({"x": 0.5, "y": 0.0}, {("x", "y"): -1.0})
    >>> labels, sorted(G.edges(data="weight"))
    (['x', 'y'], [(0, 1, -1.0), (0, 2, 0.5)])
    """
    labels = list(dict.fromkeys(list(h) + [v for pair in J for v in pair]))
    index = {v: i for i, v in enumerate(labels)}
    bias = len(labels)
    G = nx.Graph()
    G.add_nodes_from(range(bias + 1))
    for (u, v), w in J.items():
        w = _finite(w, f"J[{u!r}, {v!r}]")
        if u == v:
            raise ParameterError(f"J[{u!r}, {v!r}] couples a variable to itself")
        a, b = index[u], index[v]
        old = G[a][b]["weight"] if G.has_edge(a, b) else 0.0
        G.add_edge(a, b, weight=old + w)
    for v, w in h.items():
        w = _finite(w, f"h[{v!r}]")
        if w != 0:
            G.add_edge(index[v], bias, weight=w)
    G.remove_edges_from([(a, b) for a, b, w in G.edges(data="weight") if w == 0])
    return G, labels


def _finite(value, name):
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {shown(value)}") from None
    if not np.isfinite(x):
        raise ParameterError(f"{name} must be finite, got {shown(value)}")
    return x


class HopfieldSampler(dimod.Sampler if dimod is not None else object):
    """A ``dimod.Sampler`` backed by spikesyn's noisy Hopfield network on device synapses.

    ``sample_ising(h, J)``, ``sample_qubo(Q)`` and ``sample(bqm)`` all return a
    ``dimod.SampleSet`` of ``num_reads`` samples (lowest energy first) with their energies,
    the data vectors ``cut``, ``time_to_best_s`` and ``seed`` and, in ``info``, the solver
    settings, the wall time of each read and of the call.

    Parameters (of each sample call)
    --------------------------------
    num_reads : int
        Independent solves (default 1).
    seed : int
        Seed of the first read (read ``k`` uses ``seed + k``); drawn at random when omitted.
    sweeps, time_limit, replicas, device, schedule, restarts, update_slots, codegen, workers
        Passed to :func:`spikesyn.maxcut` (defaults: one anneal of 1000 sweeps, 16 replicas on
        small problems, PCM devices).

    Examples
    --------
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel.from_qubo({(0, 0): -1, (0, 1): 2, (1, 1): -1})
    >>> best = HopfieldSampler().sample(bqm, seed=0, sweeps=50, replicas=2, codegen="numpy").first
    >>> print(best.energy)
    -1.0
    """

    parameters = {"num_reads": [], "seed": [], **{name: [] for name in SOLVER_PARAMETERS}}
    properties = {"solver": "spikesyn noisy Hopfield network (spikesyn.maxcut)",
                  "fields": "couplings to a bias neuron"}

    def __init__(self):
        _require_dimod()
        self.parameters = {k: list(v) for k, v in type(self).parameters.items()}
        self.properties = dict(type(self).properties)

    def sample_ising(self, h, J, *, num_reads=1, seed=None, **solver):
        """Sample the Ising problem ``(h, J)``; see the class for the parameters."""
        import spikesyn as ss

        t0 = time.perf_counter()
        num_reads = positive_int(num_reads, "num_reads")
        unknown = sorted(set(solver) - set(SOLVER_PARAMETERS))
        if unknown:
            raise ParameterError(f"HopfieldSampler takes no parameter {unknown[0]!r}; its "
                                 f"parameters: num_reads, seed, {', '.join(SOLVER_PARAMETERS)}")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 31))
        seed = seed_value(seed)
        seed_value(seed + num_reads - 1, "seed + num_reads - 1")
        bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
        h = {v: bqm.linear[v] for v in bqm.variables}
        J = dict(bqm.quadratic)
        G, labels = ising_graph(h, J)
        bias = len(labels)
        samples, cuts, to_best, seeds, reads = [], [], [], [], []
        for k in range(num_reads):
            res = ss.maxcut(G, seed=seed + k, **solver)
            side = res.partition[0] if bias in res.partition[0] else res.partition[1]
            samples.append([1 if i in side else -1 for i in range(bias)])
            cuts.append(res.cut)
            to_best.append(res.time_to_best)
            seeds.append(seed + k)
            reads.append({"time_s": res.time_s, "setup_s": res.setup_s,
                          "sweeps_done": res.sweeps_done, "stop_reason": res.stop_reason})
        info = {"solver": {k: v for k, v in res.settings.items() if k != "seed"},
                "reads": reads, "time_s": time.perf_counter() - t0}
        array = np.array(samples, dtype=np.int8).reshape(len(samples), len(labels))
        return dimod.SampleSet.from_samples_bqm((array, labels), bqm, info=info,
                                                cut=np.array(cuts), time_to_best_s=np.array(to_best),
                                                seed=np.array(seeds))
