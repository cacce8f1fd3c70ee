"""Max-cut with a noisy Hopfield network of stochastic binary spiking neurons on device synapses.

Each node of the graph is a binary neuron (card ``binary_hopfield``), state ``s = +1/-1``; each
edge is a pair of synapses (both directions) whose weight sits on a PCM differential pair. The
coupling is ``J = -w``, so the network's energy ``sum_{i<j} w_ij s_i s_j`` is minimal where the cut
``(W_total - sum_{i<j} w_ij s_i s_j) / 2`` is maximal. A flip is a spike: the synapses of the
flipping neuron add ``2 w s_old`` to their targets' fields, so a time step costs work in
proportion to the flips, not to the edges.

The neurons of a graph colouring class are read in the same time step (neighbours never update
together: one sweep of ``K`` steps is an exact asynchronous sweep). Read noise is the sum of the
read noises of a neuron's synapses, amplified by a gain that an annealing schedule lowers
geometrically. ``R`` replicas of the graph run side by side in one NeuronGroup (block-diagonal
synapses) in one simulation.

With a time limit, anneals restart from random states while time is left (each one a run of the
network from ``t = 0``): short anneals first (500, 1000, 2000, ... sweeps, while they end within
a quarter of the time limit), then one anneal that fills the rest of it. Long anneals are what
finds the last few edges of a cut; the short ones give a good cut early. Halfway through the
anneal that fills the time limit, the quarter of the replicas with the lowest cuts go on from
copies of the best replicas' states (a selection step of population annealing). With
``restarts="reheat"`` the filling anneal is replaced by repeated shorter anneals that all start
from the best state found so far at a lower noise; ``restarts="mixed"`` shortens the filling
anneal and spends the rest of the time on such reheated anneals. ``workers=k`` runs ``k`` such
simulations side by side in separate processes, one per CPU core (:mod:`.maxcut_workers`).

Examples
--------
>>> import networkx as nx
>>> import spikesyn as ss
>>> G = nx.cycle_graph(6)
>>> res = ss.maxcut(G, seed=1, sweeps=100)        # doctest: +SKIP
>>> res.cut                                        # doctest: +SKIP
6.0
"""

from __future__ import annotations

import gc
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from spikesyn import compile_notice
from spikesyn.checks import finite_number, positive_int, seed_value, shown
from spikesyn.devices.kernels import _out as _call_result, _size as _call_size
from spikesyn.errors import ParameterError
from spikesyn.resources import check_memory

from .maxcut_devices import DEVICES, Device, get_device, program
from .maxcut_graph import WEIGHT_RANGE, cut_value, greedy_colouring, prepare_graph  # noqa: F401 (WEIGHT_RANGE: re-exported)

__all__ = ["maxcut", "MaxCutResult", "AnnealSchedule", "AnnealPlan", "prepare_graph", "cut_value",
           "default_replicas", "DEVICES", "Device"]

#: Relative noise (noise std / rms coupling of a neuron) at the start and end of the default
#: anneal. Tuned on Gset G1/G14/G43 (see benchmarks/RESULTS_maxcut.md).
DEFAULT_SCHEDULE = (0.7, 0.03)
DEFAULT_SWEEPS = 1000
#: first anneal of a time-limited run (later ones double)
DEFAULT_SWEEPS_TIMED = 500
#: replicas of graphs up to _REPLICA_NEURONS / 16 nodes; bigger graphs get fewer (see
#: :func:`default_replicas`)
DEFAULT_REPLICAS = 16
_MIN_REPLICAS = 4
_REPLICA_NEURONS = 16000
#: smallest group size: sizes are rounded up to few buckets so that compiled code is reused
#: across graphs (see :func:`needs_compile`, which the command line asks before a solve)
_MIN_BUCKET = 256
#: default cap on update slots per sweep (see ``update_slots`` of :func:`maxcut`)
DEFAULT_UPDATE_SLOTS = 4
#: the values of ``restarts`` (see :func:`maxcut`)
RESTART_PLANS = ("double", "repeat", "reheat", "mixed")
#: the plan :func:`maxcut`, the CLI and the benchmark use unless told otherwise
DEFAULT_RESTARTS = "double"


@dataclass(frozen=True)
class AnnealSchedule:
    """Geometric annealing schedule of the read-noise amplitude.

    Parameters
    ----------
    start, stop : float
        Noise standard deviation relative to each neuron's rms coupling ``sqrt(sum_j w_ij^2)``
        at the start and at the end of one anneal. The device's gain is derived from them.

    Examples
    --------
    >>> AnnealSchedule(2.0, 0.02)
    AnnealSchedule(start=2.0, stop=0.02)
    """

    start: float = DEFAULT_SCHEDULE[0]
    stop: float = DEFAULT_SCHEDULE[1]

    def __post_init__(self):
        for name in ("start", "stop"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"schedule {name} must be a positive number, got {v!r}")



def _plan_field(name, value, low, high, low_open=False, integer=False):
    """``value`` checked to lie in [low, high] (``(low, high]`` with ``low_open``)."""
    v = finite_number(value, f"plan {name}")
    if integer and not float(v).is_integer():
        raise ParameterError(f"plan {name} must be a whole number, got {shown(value)}")
    if v < low or (low_open and v == low) or v > high:
        where = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise ParameterError(f"plan {name} must lie in {where}, got {shown(value)}")
    return v


@dataclass(frozen=True)
class AnnealPlan:
    """How a time-limited solve spends its time: the tuning knobs of the restart plans.

    :func:`maxcut` takes one (``plan=``; default ``AnnealPlan()``, the values the benchmarks of
    benchmarks/RESULTS_maxcut.md ran with). Fractions are unitless; "relative noise" is the
    noise standard deviation over a neuron's rms coupling, as in :class:`AnnealSchedule`.

    Parameters
    ----------
    doubling_fraction : float, in (0, 1]
        Restarts "double", "reheat" and "mixed": anneals from random states double in length
        while they end within this fraction of the time limit; the next one fills the rest.
        Short anneals give a good cut early, the long filling one finds the last few edges;
        a quarter keeps most of the time for the long one.
    fill_overshoot : float, >= 1
        The second piece of the filling anneal is planned this many times longer than the time
        left at the measured speed, so that the time limit, not the speed estimate, ends it: the
        last part of an anneal (relative noise below about 0.05) finds nothing new on Gset.
    replan_at : float, in (0, 1]
        Fraction of the filling anneal after which its rest is re-planned from the speed just
        measured (the first half, at high noise, runs about 2x slower than the second: many
        flips); whole anneals measure the speed of their part after this point as well.
    resample : float, in [0, 1]
        At the re-plan point of the filling anneal, the replicas whose cut is among the lowest
        this fraction go on from copies of the best ones' states (a selection step of population
        annealing; 0: none). On G53 at 10 s a quarter gained 1.5 edges on average over 4 seeds,
        G14 and G21 were unchanged.
    min_fill_sweeps : int, >= 0
        No new anneal starts when fewer sweeps than this fit in the time left (a guard against
        anneals too short to improve on the ones before; not tuned).
    min_fill_fraction : float, in [0, 1)
        Nor when less than this fraction of the time limit is left (a guard; not tuned).
    reheat_noise : float, > 0
        Restarts "reheat" and "mixed": relative noise at which the anneals from the best state
        start (the schedule's stop noise is unchanged). Chosen by a scan on G22: 0.25 seldom
        leaves the state it starts from, 0.35 to 0.6 escape about as often as each other.
    reheat_length : float, > 0
        Length of those anneals relative to the last doubling anneal.
    mixed_fill : float, in (0, 1]
        Restarts "mixed": the fraction of the time left that the filling anneal gets; the
        anneals from the best state get the rest (the one value tried).
    progress_every_s : float, >= 0
        Seconds between two calls of ``maxcut``'s ``progress`` function (0: at every check of
        the cuts). Once a second is often enough for a progress line.

    Raises
    ------
    ParameterError
        A field is not a finite number in its range (the message names it).

    Examples
    --------
    >>> AnnealPlan().resample
    0.25
    >>> AnnealPlan(resample=0.0, progress_every_s=0.5).progress_every_s
    0.5
    >>> AnnealPlan(replan_at=1.5)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: plan replan_at must lie in (0, 1], got 1.5
    """

    doubling_fraction: float = 0.25
    fill_overshoot: float = 1.05
    replan_at: float = 0.5
    resample: float = 0.25
    min_fill_sweeps: int = 50
    min_fill_fraction: float = 0.02
    reheat_noise: float = 0.45
    reheat_length: float = 1.0
    mixed_fill: float = 0.6
    progress_every_s: float = 1.0

    def __post_init__(self):
        inf = math.inf
        _plan_field("doubling_fraction", self.doubling_fraction, 0, 1, low_open=True)
        _plan_field("fill_overshoot", self.fill_overshoot, 1, inf)
        _plan_field("replan_at", self.replan_at, 0, 1, low_open=True)
        _plan_field("resample", self.resample, 0, 1)
        _plan_field("min_fill_sweeps", self.min_fill_sweeps, 0, inf, integer=True)
        _plan_field("min_fill_fraction", self.min_fill_fraction, 0, 1)
        _plan_field("reheat_noise", self.reheat_noise, 0, inf, low_open=True)
        _plan_field("reheat_length", self.reheat_length, 0, inf, low_open=True)
        _plan_field("mixed_fill", self.mixed_fill, 0, 1, low_open=True)
        _plan_field("progress_every_s", self.progress_every_s, 0, inf)

    def next_anneal(self, L, restarts, elapsed, rate, setup, time_limit, filled):
        """Length of the next anneal of a time-limited run (0: stop) and whether it fills the rest.

        ``L``: sweeps of the anneal just run, ``restarts``: "double" or "reheat" (the same
        lengths: a reheat run replaces the filling anneal), "mixed" (a filling anneal for
        ``mixed_fill`` of the time left) or "repeat", ``elapsed``: seconds since the start,
        ``rate``: sweeps per second measured on that anneal, ``setup``: seconds between two
        anneals (restart and Brian2's preparation of a run), ``filled``: whether that anneal
        was the one planned to fill the time limit.

        Examples
        --------
        10 s at 3000 sweeps per second: 500, 1000 and 2000 sweeps, then one anneal for the rest

        >>> plan = AnnealPlan()
        >>> plan.next_anneal(500, "double", 0.2, 3000.0, 0.02, 10.0, False)
        (1000, False)
        >>> plan.next_anneal(2000, "double", 1.2, 3000.0, 0.02, 10.0, False)
        (26340, True)
        >>> plan.next_anneal(26340, "double", 9.9, 3000.0, 0.02, 10.0, True)
        (0, False)
        """
        left = time_limit - elapsed - setup
        rem = left * rate  # sweeps that still fit
        if left < self.min_fill_fraction * time_limit or rem < self.min_fill_sweeps:
            return 0, False
        if restarts == "repeat":
            return L, False
        if filled and rem < L / 2:
            # the filling anneal ended a little before the time limit (the machine ran faster
            # than measured): an anneal this short would not improve on it
            return 0, False
        nxt = 2 * L
        if not filled and elapsed + setup + nxt / rate <= self.doubling_fraction * time_limit:
            return nxt, False
        # fill the rest of the time limit (its second half is re-planned once the first is done)
        return max(L, int((self.mixed_fill if restarts == "mixed" else 1.0) * rem)), True

@dataclass
class MaxCutResult:
    """What :func:`maxcut` found.

    Attributes
    ----------
    cut : float
        Weight of the best cut found.
    partition : tuple of two sets
        Node labels on each side (as :func:`networkx.approximation.one_exchange` returns).
    time_to_best : float
        Seconds from the call to the moment the best cut was first seen (``setup_s`` included).
    trace : list of (float, float)
        Best-so-far cut over time: (seconds since the call, cut) at each improvement.
    energy : brian2.Quantity
        Energy of the synaptic reads (joules; 0 J for the software modes).
    settings : dict
        Everything needed to reproduce the run (seed, sweeps, replicas, device, schedule, ...).
    n, m : int
        Nodes and (distinct, non-loop) edges of the graph.
    sweeps_done : int
        Sweeps each replica made. ``anneals_done`` is the number of (possibly partial) anneals.
    flips : int
        Spikes (state flips) over all replicas.
    time_s : float
        Wall-clock duration of the call; ``build_s`` of it went to building the network.
    setup_s : float
        Seconds from the call to the first simulated step: building, Brian2's code generation
        and, on the first run of a group size, compiling (tens of seconds; a time limit
        counts from the end of it).
    replica_cuts : list of float
        Best cut of each replica.
    interrupted : bool
        True when stopped by Ctrl-C (the best cut so far is returned).
    stop_reason : str
        "sweeps", "time_limit", "target" or "interrupted".
    node_flips : ndarray of int, shape (replicas, n)
        Flips of each node (graph node order) in each replica: the ``nflip`` counter that the
        neurons keep anyway (see :mod:`spikesyn.networks.maxcut_energy`).
    couplings : dict
        The programmed edges: ``iu``, ``iv`` (node indices, ``iu < iv``), ``g_sum`` (device
        conductance of each edge's pair, siemens as float; 0 for the software modes) and
        ``device`` (the :class:`Device`).
    """

    cut: float
    partition: tuple
    time_to_best: float
    trace: list
    energy: object
    settings: dict
    n: int
    m: int
    sweeps_done: int
    anneals_done: float
    flips: int
    time_s: float
    build_s: float
    replica_cuts: list = field(default_factory=list)
    interrupted: bool = False
    stop_reason: str = "sweeps"
    node_flips: object = field(default=None, repr=False)
    couplings: dict = field(default=None, repr=False)
    setup_s: float = 0.0

    def relabelled(self, labels):
        """A copy whose partition names node ``k`` ``labels[k]`` (a result of a sparse
        matrix, whose nodes are its rows ``0..n-1``, in a file's labels).

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> res = maxcut(sp.csr_array([[0, 1], [1, 0]]), sweeps=20, seed=0)   # doctest: +SKIP
        >>> res.relabelled(["a", "b"]).partition in (({"a"}, {"b"}), ({"b"}, {"a"}))  # doctest: +SKIP
        True
        """
        return replace(self, partition=tuple({labels[k] for k in side} for side in self.partition))

    def to_dict(self):
        """Plain JSON-ready data (partition as two lists of labels)."""
        from brian2 import joule

        def lab(x):
            return x if isinstance(x, (int, float, str)) or x is None else str(x)

        return {
            "cut": self.cut, "n": self.n, "m": self.m, "time_s": self.time_s,
            "time_to_best_s": self.time_to_best, "build_s": self.build_s, "setup_s": self.setup_s,
            "seed": self.settings.get("seed"), "sweeps_done": self.sweeps_done,
            "anneals_done": self.anneals_done, "flips": self.flips,
            "energy_J": float(self.energy / joule), "stop_reason": self.stop_reason,
            "interrupted": self.interrupted, "replica_cuts": self.replica_cuts,
            "trace": [[t, c] for t, c in self.trace],
            "settings": json.loads(json.dumps(self.settings, default=str)),
            "partition": [sorted((lab(x) for x in side), key=_sort_key) for side in self.partition],
        }


def _sort_key(x):
    return (0, x, "") if isinstance(x, (int, float)) else (1, 0, str(x))


def default_replicas(n):
    """Replicas :func:`maxcut` runs when not told: 16 up to 1000 nodes, halved each time the graph
    doubles, at least 4.

    At a fixed time limit fewer replicas anneal for longer: on graphs of a few thousand nodes
    and more, longer anneals gain more than extra replicas do (G81 at 60 s: 13940 with 4
    replicas, 13906 with 16; benchmarks/RESULTS_maxcut.md).

    Examples
    --------
    >>> [default_replicas(n) for n in (10, 800, 1000, 2000, 3000, 20000)]
    [16, 16, 16, 8, 4, 4]
    """
    r = _REPLICA_NEURONS / max(int(n), 1)
    r = 2 ** int(math.floor(math.log2(r))) if r >= 1 else 1
    return int(min(DEFAULT_REPLICAS, max(_MIN_REPLICAS, r)))


# The binary_hopfield card draws its read noise from its function read_noise (Brian2's randn by
# default, numpy's legacy generator refilled through Python: the largest single cost of a time
# step); the solve passes this one instead, of the same standard normal distribution.
# Standard normal numbers for the Cython target: Marsaglia's polar method on xorshift128+
# uniforms; the generator state (and the second normal of each pair) lives in a uint64 array of
# the solve, seeded from its seed. The functions are noexcept: otherwise Cython checks for a
# Python exception after every call, which cost 10-15 % of a whole run (the ziggurat generator
# of spikesyn.devices.kernels was not faster than this one; benchmarks/maxcut_read_noise.py).
_READ_NOISE_CYTHON = """
cdef inline uint64_t _read_noise_next(uint64_t *st) noexcept:
    cdef uint64_t s1 = st[0]
    cdef uint64_t s0 = st[1]
    cdef uint64_t r = s0 + s1
    st[0] = s0
    s1 ^= s1 << 23
    st[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5)
    return r

cdef double _read_noise(int _idx) noexcept:
    cdef uint64_t *st = _namespace_read_noise_state
    cdef double *spare = <double *> &st[3]
    cdef double u, v, q, f
    if st[2]:
        st[2] = 0
        return spare[0]
    while True:
        u = <double> (_read_noise_next(st) >> 11) * 2.220446049250313e-16 - 1.0
        v = <double> (_read_noise_next(st) >> 11) * 2.220446049250313e-16 - 1.0
        q = u * u + v * v
        if q > 0.0 and q < 1.0:
            break
    f = sqrt(-2.0 * log(q) / q)
    spare[0] = v * f
    st[2] = 1
    return u * f
"""


def _read_noise_numpy(vectorisation_idx):
    return _call_result(np.random.randn(_call_size(vectorisation_idx)), vectorisation_idx)


def _read_noise_function(seed, code=_READ_NOISE_CYTHON, namespace=None):
    """A Brian2 function ``read_noise()``: one standard normal number per call (per neuron).

    The numpy target uses numpy's global generator (seeded by ``brian2.seed``); the Cython
    target its own xorshift128+ generator seeded with ``seed``. ``code`` and ``namespace``
    (extra Cython namespace) let benchmarks/maxcut_read_noise.py swap in other generators
    on the same state.
    """
    from brian2 import Function
    f = Function(_read_noise_numpy, arg_units=[], return_unit=1, stateless=False, auto_vectorise=True)
    state = np.zeros(4, dtype=np.uint64)
    state[:2] = np.random.SeedSequence(int(seed)).generate_state(2, dtype=np.uint64)
    state[0] |= np.uint64(1)  # never all zero
    f.implementations.add_implementation("cython", code=code, name="_read_noise",
                                         namespace={"_read_noise_state": state, **(namespace or {})})
    return f


def _bucket(N):
    """Round a group size up to one of few sizes, so compiled code is reused across graphs."""
    b = _MIN_BUCKET
    while True:
        for f in (1.0, 1.25, 1.5, 1.75):
            if int(b * f) >= N:
                return int(b * f)
        b *= 2


def needs_compile(N, codegen):
    """Whether a run of ``N`` neurons on ``codegen`` will compile code first (no cached build).

    Remembered per group-size bucket and per environment, as Brian2's own cache is
    (:mod:`spikesyn.compile_notice`): a new virtualenv compiles again and says so.

    Examples
    --------
    >>> needs_compile(1000, "numpy")
    False
    """
    return codegen == "cython" and compile_notice.needs_compile(f"maxcut3-cython-{_bucket(N)}")


def mark_compiled(N, codegen):
    """Remember that the code for this group-size bucket is compiled (see :func:`needs_compile`)."""
    if codegen == "cython":
        compile_notice.mark_compiled(f"maxcut3-cython-{_bucket(N)}")


def _seconds(value, name):
    if value is None:
        return None
    from brian2 import Quantity, second
    if isinstance(value, Quantity):
        if value.dim is not second.dim:
            raise ParameterError(f"{name} must be a time (seconds), got {value!r}")
        value = float(value / second)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ParameterError(f"{name} must be a number of seconds or a brian2 time, got {shown(value)}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{name} must be a positive, finite number of seconds, got {value!r}")
    return value


def _positive_int(value, name, maximum=None, why=""):
    if value is None:
        return None
    return positive_int(value, name, maximum, why)


def max_workers():
    """The most ``workers`` :func:`maxcut` accepts: four per CPU core this process may use.

    Each worker is a Brian2 process of ~40 MB or more, and a simulation uses one core: more
    workers than cores only share them.

    Examples
    --------
    >>> max_workers() >= 4
    True
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return 4 * max(cores, 1)


#: memory of a solve, rounded up from the peak resident memory of 200000-node 3- and 8-regular
#: graphs at 1 and 4 replicas (their differences): bytes per neuron of a replica (Brian2's state
#: variables), per synapse (indices, weight, spike queue), per edge (the problem's arrays: edges,
#: weights, sparse couplings, colouring, programmed devices) and per process (Python, Brian2).
#: A million-node graph of 1.5 M edges at 4 replicas: estimate 1.6 GB, measured 1.4 GB
#: (benchmarks/RESULTS_maxcut_million.md).
_SOLVE_NEURON_BYTES = 150
_SOLVE_SYNAPSE_BYTES = 45
_SOLVE_EDGE_BYTES = 180
_PROCESS_BYTES = 200 * 2 ** 20


def check_size(n, m, replicas, workers=1):
    """Refuse, before building anything, a solve whose networks the memory cannot hold.

    Raises
    ------
    spikesyn.resources.ResourceError
        The estimate (neurons and synapses of every replica in every worker) exceeds the
        memory available; the message gives it.

    Examples
    --------
    >>> check_size(10, 20, 16)
    """
    per_process = (replicas * (n * _SOLVE_NEURON_BYTES + 2 * m * _SOLVE_SYNAPSE_BYTES)
                   + m * _SOLVE_EDGE_BYTES + _PROCESS_BYTES)
    check_memory(workers * per_process,
                 f"{workers} x {replicas} replicas of a network of {n} neurons and {2 * m} synapses")


def _pick_target(codegen):
    from brian2.codegen.runtime.cython_rt import CythonCodeObject
    if codegen == "auto":
        return "cython" if CythonCodeObject.is_available() else "numpy"
    if codegen not in ("cython", "numpy"):
        raise ParameterError(f"codegen must be 'auto', 'cython' or 'numpy', got {codegen!r}")
    return codegen


# --------------------------------------------------------------------------- the solver
def maxcut(G, *, time_limit=None, sweeps=None, replicas=None, seed=None, target=None,
           weight="weight", device="pcm", schedule=None, restarts=DEFAULT_RESTARTS, update_slots=DEFAULT_UPDATE_SLOTS,
           codegen="auto", progress=None, workers=1, executor=None, plan=None):
    """Find a large cut of a graph with a noisy Hopfield network of spiking binary neurons.

    Parameters
    ----------
    G : networkx graph or scipy.sparse matrix
        A networkx Graph, DiGraph, MultiGraph or MultiDiGraph with any hashable node labels
        (parallel edges and both directions are summed), or a square sparse adjacency matrix
        of nodes ``0..n-1`` (symmetric: ``A[i, j]`` is the weight; otherwise both directions
        are summed; see :func:`~.maxcut_graph.prepare_graph`), the form for graphs of millions of
        nodes (:func:`spikesyn.graph_arrays.read_graph_matrix` reads files into it).
        Self-loops are ignored (with a warning). A graph without edges gives cut 0.
    time_limit : float or brian2.Quantity, optional
        Wall-clock budget of the simulation in seconds (after building and compiling). Anneals
        restart until it runs out (see ``restarts``). Without it, one anneal is run.
    sweeps : int, optional
        Sweeps (reads of every neuron) in one anneal; default 1000, or 500 for the first anneal
        of a time-limited run.
    replicas : int, optional
        Independent copies of the network simulated together; default 16 for graphs of up to
        1000 nodes, fewer (down to 4) for bigger ones (:func:`default_replicas`).
    seed : int, optional
        Seeds Brian2's and numpy's generators: the same seed gives the same answer for the same
        ``sweeps`` (with ``time_limit`` the number of anneals that fit may vary). Drawn at random
        and reported in ``settings["seed"]`` when omitted.
    target : float, optional
        Stop as soon as a cut at least this large is found.
    weight : str or None
        Edge attribute holding the weight (default 1 when missing); None: all weights 1.
    device : str or Device
        ``"pcm"`` (default), ``"pcm-prog"``, ``"pcm-4bit"``, ``"pcm-aged"``, ``"ideal"``,
        ``"noiseless"`` (see :mod:`spikesyn.networks.maxcut_devices`).
    schedule : AnnealSchedule or (start, stop), optional
        Relative noise at the start and end of an anneal; default (0.7, 0.03). On +/-1 lattice
        graphs (toroidal Gset graphs) (0.7, 0.1) did better: the default's last part flips almost
        nothing there (benchmarks/RESULTS_maxcut.md).
    restarts : {"double", "repeat", "reheat", "mixed"}
        With ``time_limit``: "double" (default): each new anneal lasts twice as long as the one
        before while it ends within a quarter of the time limit, then one anneal, planned from
        the measured speed, fills the rest (short anneals find easy optima fast, the long one
        the hard ones; halfway through it the quarter of the replicas with the lowest cuts
        take copies of the best ones' states); "repeat": anneals of ``sweeps`` until the time
        runs out; "reheat": the doubling anneals of "double", then, instead of the filling
        anneal, anneals of the last doubling length that restart every replica from the best
        state found so far at a lower noise (relative 0.45), until the time limit (on G22 in
        30 s it reached 13359 in 13 of 24 seeds against 6 of 24 for "double"; but with one
        start state the replicas can stay in its basin: G46 at 30 s ends at 6648 in 2 of 3
        seeds, against 6649 in 3 of 3 for "double"; benchmarks/RESULTS_maxcut.md). The sweeps
        of each anneal are reported in ``settings["anneal_sweeps"]``. "mixed": the doubling
        anneals and the filling anneal of "double", the latter planned for 0.6 of the time left,
        then the reheated anneals of "reheat" for the rest (interleaved with "double" on all 33
        graphs of the 10 s benchmark and on G22 in 30 s: level at 10 s, 5 of 12 seeds against 4
        of 12 at 13359 on G22, within noise; so not the default).
    update_slots : int or None
        Time steps per sweep. Neurons are coloured so that neighbours never share a colour;
        colour classes are read in turn, merged into at most this many slots (default 4).
        ``None``: one slot per colour, an exact asynchronous sweep (neighbours never update
        together) but up to ~4x more steps per sweep on dense graphs.
    codegen : {"auto", "cython", "numpy"}
        Brian2 runtime target; "auto" is cython when a compiler works (compiled code is cached
        per group-size bucket: the first run of a bucket compiles for ~20 s).
    progress : callable, optional
        Called about once a second with a dict (elapsed, best cut, sweeps done).
    workers : int
        Processes that solve the graph side by side (default 1), each with ``replicas``
        replicas of the same programmed devices and its own random stream; the best cut of all
        is returned, and a ``target`` reached by one stops the others. Worker 0 runs exactly
        the single-process solve of ``seed``. More workers than CPU cores only share them.
        Flips and energy add up over the workers, ``sweeps_done`` is per replica (mean over
        the workers); ``replica_cuts`` and ``node_flips`` list every worker's replicas (see
        :mod:`.maxcut_workers`).
    executor : distributed.Client or concurrent.futures.Executor, optional
        Where the ``workers`` run: by default processes forked on this machine; a Dask
        ``Client`` runs them as tasks on its cluster (workers of one thread each; see
        :func:`spikesyn.dask_client`), a ``ProcessPoolExecutor`` as tasks of its processes. The
        same seed and sweeps give the same result as the local processes; a ``target`` reached
        by one worker stops the others within about 0.1 s.
    plan : AnnealPlan, optional
        The tuning knobs of the restart plans (how time-limited runs split their time, the
        selection step, the reheat noise, how often ``progress`` is called); default
        ``AnnealPlan()``. Recorded in ``settings["plan"]`` when it differs from the default.

    Returns
    -------
    MaxCutResult

    Raises
    ------
    ParameterError
        A bad argument (non-positive time limit, unknown device, non-finite weight, ...).

    Examples
    --------
    >>> import networkx as nx
    >>> import spikesyn as ss
    >>> res = ss.maxcut(nx.petersen_graph(), seed=3, sweeps=200)   # doctest: +SKIP
    >>> res.cut, len(res.partition[0]) + len(res.partition[1])       # doctest: +SKIP
    (12.0, 10)
    """
    t_call = time.perf_counter()
    time_limit = _seconds(time_limit, "time_limit")
    sweeps = _positive_int(sweeps, "sweeps") or (DEFAULT_SWEEPS if time_limit is None else DEFAULT_SWEEPS_TIMED)
    R = _positive_int(replicas, "replicas")
    dev = get_device(device)
    if schedule is None:
        schedule = AnnealSchedule()
    elif not isinstance(schedule, AnnealSchedule):
        try:
            schedule = AnnealSchedule(*schedule)
        except TypeError:
            raise ParameterError(f"schedule must be an AnnealSchedule or (start, stop), got {schedule!r}") from None
    if target is not None:
        target = finite_number(target, "target")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 31))
    seed = seed_value(seed)
    cg = _pick_target(codegen)
    update_slots = _positive_int(update_slots, "update_slots")
    if executor is None:
        workers = _positive_int(workers, "workers", max_workers(),
                                " (four per CPU core; each worker is a Brian2 process)") or 1
    else:
        from .maxcut_workers import check_executor
        check_executor(executor)
        workers = _positive_int(workers, "workers") or 1
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress must be a function of one dict or None, got {shown(progress)}")
    if restarts not in RESTART_PLANS:
        raise ParameterError(f"restarts must be one of {', '.join(map(repr, RESTART_PLANS))}, got {restarts!r}")
    if plan is None:
        plan = AnnealPlan()
    elif not isinstance(plan, AnnealPlan):
        raise ParameterError(f"plan must be an AnnealPlan or None, got {shown(plan)}")

    nodes, iu, iv, w = prepare_graph(G, weight)
    n, m = len(nodes), len(w)
    R = R or default_replicas(n)
    # workers of an executor hold their networks in their own processes, possibly elsewhere
    check_size(n, m, R, workers if executor is None else 1)
    settings = {"seed": seed, "sweeps": sweeps, "replicas": R, "device": dev.describe(),
                "schedule": {"start": schedule.start, "stop": schedule.stop, "shape": "geometric"},
                "time_limit_s": time_limit, "restarts": restarts, "update_slots": update_slots, "target": target, "weight": weight, "codegen": cg,
                "workers": workers}
    if plan != AnnealPlan():
        settings["plan"] = asdict(plan)
    if n == 0 or m == 0:
        side = set(nodes)
        return MaxCutResult(0.0, (side, set()), 0.0, [(0.0, 0.0)], 0.0 * _joule(), settings, n, m,
                            0, 0, 0, time.perf_counter() - t_call, 0.0, [0.0] * R,
                            stop_reason="no edges", node_flips=np.zeros((R, n), dtype=np.int64),
                            couplings={"iu": iu, "iv": iv, "g_sum": np.zeros(m), "device": dev})

    # the garbage of earlier solves (Brian2's objects hold reference cycles) goes now: the run
    # leaves every object that exists when it starts out of garbage collection (_Simulation.run)
    gc.collect()
    rng = np.random.default_rng(seed)
    prog = program(w, dev, rng)
    job = SolveJob(nodes=nodes, iu=iu, iv=iv, w=w, prog=prog, dev=dev, schedule=schedule, plan=plan,
                   sweeps=sweeps, R=R, seed=seed, codegen=cg, rng=rng, update_slots=update_slots,
                   settings=settings, time_limit=time_limit, target=target, progress=progress,
                   restarts=restarts, t_call=t_call)
    if workers > 1 or executor is not None:
        from .maxcut_workers import solve_in_workers
        return solve_in_workers(job, workers, _solve, executor)
    return _solve(job)


@dataclass(frozen=True)
class SolveJob:
    """A prepared, checked solve: what one process needs to build the network and run it.

    :func:`maxcut` makes one; :mod:`.maxcut_workers` gives each worker a copy with its own
    ``seed``, ``rng`` and ``progress``.

    Attributes
    ----------
    nodes : list
        Node labels in graph order.
    iu, iv : ndarray of int
        Edge endpoints (node indices, ``iu < iv``); ``w`` their summed weights.
    prog : dict
        The programmed devices (:func:`spikesyn.networks.maxcut_devices.program`).
    dev : Device
    schedule : AnnealSchedule
    plan : AnnealPlan
    sweeps, R : int
        Sweeps of the first anneal and replicas.
    seed : int
    codegen : str
        "cython" or "numpy".
    rng : numpy.random.Generator
        Draws the random initial states (after programming the devices).
    update_slots : int or None
    settings : dict
        The result's settings so far.
    time_limit : float or None
        Seconds.
    target : float or None
    progress : callable or None
    restarts : str
        One of :data:`RESTART_PLANS`.
    t_call : float
        ``time.perf_counter()`` at the call (times in the result count from it).
    """

    nodes: list
    iu: np.ndarray
    iv: np.ndarray
    w: np.ndarray
    prog: dict
    dev: Device
    schedule: AnnealSchedule
    plan: AnnealPlan
    sweeps: int
    R: int
    seed: int
    codegen: str
    rng: np.random.Generator
    update_slots: int | None
    settings: dict
    time_limit: float | None
    target: float | None
    progress: object
    restarts: str
    t_call: float


def _solve(job, stop=None, interrupt=None):
    """Build the network of a :class:`SolveJob` and run it (one process). ``stop`` and
    ``interrupt``, events shared with the other processes solving the same graph
    (:mod:`.maxcut_workers`), end the run as a reached target or as Ctrl-C once set."""
    nodes, iu, iv, w, prog, dev, R = job.nodes, job.iu, job.iv, job.w, job.prog, job.dev, job.R
    n, m = len(nodes), len(w)
    t_call = job.t_call
    settings = dict(job.settings)
    sim = _Simulation(n, iu, iv, w, prog, dev, job.schedule, job.sweeps, R, job.seed, job.codegen,
                      job.rng, update_slots=job.update_slots, plan=job.plan)
    build_s = time.perf_counter() - t_call
    settings.update(colours=sim.colours, slots=sim.K, group_size=sim.N, gain_start=sim.gain_start,
                    gain_stop=sim.gain_stop)
    out = sim.run(job.time_limit, job.target, job.progress, t_call, job.restarts, stop=stop,
                  interrupt=interrupt)
    settings["anneal_sweeps"] = out["anneal_sweeps"]

    spins = out["spins"]
    partition = ({nodes[k] for k in range(n) if spins[k] > 0}, {nodes[k] for k in range(n) if spins[k] <= 0})
    energy = out["sweeps_done"] * R * float(np.sum(prog["g_sum"])) * 2 \
        * float(dev.read_voltage ** 2 * dev.read_pulse / (_volt() ** 2 * _second()))
    if dev.kind != "pcm":
        energy = 0.0
    return MaxCutResult(
        cut=float(out["best"]), partition=partition, time_to_best=out["time_to_best"],
        trace=out["trace"], energy=energy * _joule(), settings=settings, n=n, m=m,
        sweeps_done=out["sweeps_done"], anneals_done=round(out["anneals_done"], 3),
        flips=out["flips"], time_s=time.perf_counter() - t_call, build_s=build_s,
        replica_cuts=[float(x) for x in out["replica_best"]], interrupted=out["reason"] == "interrupted",
        stop_reason=out["reason"], node_flips=out["node_flips"],
        couplings={"iu": iu, "iv": iv, "g_sum": np.asarray(prog["g_sum"], dtype=float), "device": dev},
        setup_s=out["setup_s"])


def _joule():
    from brian2 import joule
    return joule


def _volt():
    from brian2 import volt
    return volt


def _second():
    from brian2 import second
    return second


class _Simulation:
    """The Brian2 objects of one solve (the binary_hopfield card's neurons, its coupling
    synapses, the replicas' states); :meth:`run` anneals them (:class:`_Run`)."""

    def __init__(self, n, iu, iv, w, prog, dev, schedule, sweeps, R, seed, codegen, rng, update_slots=None,
                 plan=None):
        import brian2 as b2
        import scipy.sparse as sp
        from spikesyn import load_model

        self.n, self.R, self.seed, self.codegen, self.sweeps = n, R, seed, codegen, sweeps
        self.schedule = schedule
        self.plan = AnnealPlan() if plan is None else plan
        self.rng = rng
        # neurons of one colour are contiguous: the step that reads a colour touches one block
        # (predictable branches in the thresholder)
        phase, self.K = greedy_colouring(n, iu, iv)
        self.colours = self.K
        if update_slots and self.K > update_slots:
            # fewer update slots than colours: a few neighbours may update in the same step
            phase = phase % update_slots
            self.K = update_slots
        order = np.argsort(phase, kind="stable")
        self.inv = np.empty(n, dtype=np.int64)
        self.inv[order] = np.arange(n)
        iu, iv = self.inv[iu], self.inv[iv]
        self.phase = phase[order]
        self.w, self.W_total = w, float(np.sum(w))
        # one sparse structure for both directions of every edge: row = source, columns sorted,
        # so its order is also the synapses' (sorted by source, then target); its data holds
        # each entry's position in (iu, iv) + (iv, iu)
        m2 = 2 * len(w)
        pos = sp.csr_matrix((np.arange(1, m2 + 1, dtype=np.int64), (np.r_[iu, iv], np.r_[iv, iu])), shape=(n, n))
        pos.sort_indices()
        by_src, indptr, targets = pos.data - 1, pos.indptr, pos.indices
        del pos
        w_eff = prog["w_eff"]
        self.exact = bool(np.array_equal(w_eff, w))
        self.W = sp.csr_matrix((np.r_[w, w][by_src], targets, indptr), shape=(n, n))
        self.W_eff = self.W if self.exact else sp.csr_matrix((np.r_[w_eff, w_eff][by_src], targets, indptr), shape=(n, n))
        rms = np.sqrt(np.bincount(np.r_[iu, iv], weights=np.r_[w, w] ** 2, minlength=n))
        var = np.bincount(np.r_[iu, iv], weights=np.r_[prog["var_read"], prog["var_read"]], minlength=n)
        sigma_dev = np.sqrt(var)
        # one gain for the whole array: the schedule's relative noise over the device's typical
        # relative noise (median over neurons of sigma_dev / rms coupling)
        ok = (rms > 0) & (sigma_dev > 0)
        rho = float(np.median(sigma_dev[ok] / rms[ok])) if ok.any() else 1.0
        if dev.kind == "noiseless":
            sigma_dev[:] = 0.0
            self.gain_start = self.gain_stop = 1.0
        else:
            self.gain_start, self.gain_stop = schedule.start / rho, schedule.stop / rho
        self.N = _bucket(n * R)
        dt = 1 * b2.us
        self.dt = dt

        card = load_model("binary_hopfield")
        coupling = load_model("hopfield_coupling")
        self.prev_target = b2.prefs.codegen.target
        b2.prefs.codegen.target = codegen
        try:
            # every anneal is one run of the network from t = 0 (see run): the card's own restart
            # mechanism (T_anneal periods, doubling) is not used
            kw = card.neuron_kwargs(gain_start=self.gain_start, gain_stop=self.gain_stop,
                                    T_anneal=sweeps * self.K * dt, n_phases=float(self.K),
                                    dt_update=dt, doubling=0.0)
            # the card's own read-noise function, replaced by a faster generator of the same
            # distribution (its threshold is used as written)
            kw["namespace"]["read_noise"] = _read_noise_function(seed)
            grp = b2.NeuronGroup(self.N, dt=dt, name="hopfield", **kw)
            # one clock for the whole network (see run)
            # one delay for every synapse (zero, Brian2's default): without it Brian2 keeps a
            # delay per synapse (8 bytes each, and 4 more in the spike queue)
            syn = b2.Synapses(grp, grp, clock=grp.clock, name="coupling", delay=0 * b2.second,
                              **coupling.synapse_kwargs())
            # synapses sorted by source: the synapses of a flipping neuron are contiguous in
            # memory (on dense graphs spikes are delivered about a third faster); int32 indices
            # as Brian2 stores them (a million-node graph's arrays are large)
            off = (np.arange(R, dtype=np.int32) * np.int32(n))[:, None]
            sources = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
            syn.connect(i=(sources[None, :] + off).ravel(), j=(targets.astype(np.int32)[None, :] + off).ravel())
            del sources
            syn.variables["w_eff"].set_value(np.tile(self.W_eff.data, R))
            sig_all = np.zeros(self.N)
            # padding neurons (the group size is rounded up) are never read
            ph_all = np.full(self.N, -1, dtype=np.int32)
            sig_all[: n * R] = np.tile(sigma_dev, R)
            ph_all[: n * R] = np.tile(self.phase, R)
            grp.sigma_dev, grp.phase = sig_all, ph_all
        finally:
            b2.prefs.codegen.target = self.prev_target
        self.grp, self.syn = grp, syn
        self._randomise()

    def _randomise(self):
        """Random +/-1 states for all replicas and the fields that go with them."""
        n, R = self.n, self.R
        S0 = self.rng.choice(np.array([-1.0, 1.0]), size=(R, n))
        s_all = np.zeros(self.N)
        h_all = np.zeros(self.N)
        s_all[: n * R] = S0.ravel()
        h_all[: n * R] = (-(self.W_eff @ S0.T).T).ravel()
        self.grp.variables["s"].set_value(s_all)
        self.grp.variables["h"].set_value(h_all)

    def _replica_cuts(self, s, h):
        """Cut of each replica from its states ``s`` (R, n); with exact couplings the network's
        fields ``h`` give it directly, otherwise it is computed from the ideal weights."""
        field = h if self.exact else -(self.W @ s.T).T
        return (self.W_total + 0.5 * np.einsum("ij,ij->i", s, field)) / 2

    def _select(self, s_all, h_all):
        """States to go on from at the re-plan point of the filling anneal: the replicas whose
        cut is among the lowest ``plan.resample`` fraction take copies of the best ones' states."""
        k = int(self.plan.resample * self.R)
        if k < 1:
            return s_all, h_all
        n, R = self.n, self.R
        s = s_all[: n * R].reshape(R, n)
        h = h_all[: n * R].reshape(R, n)
        order = np.argsort(-self._replica_cuts(s, h), kind="stable")
        s[order[R - k:]] = s[order[:k]]
        h[order[R - k:]] = h[order[:k]]
        return s_all, h_all


    def run(self, time_limit, target, progress, t_call, restarts, stop=None, interrupt=None):
        """Anneal until the sweeps, the time limit, the target or Ctrl-C end it (see :class:`_Run`)."""
        return _Run(self, time_limit, target, progress, t_call, restarts, stop, interrupt).execute()


class _Run:
    """One run of a built :class:`_Simulation`: the anneals of a restart plan, checked every few
    sweeps, until the sweeps, the time limit, the target or Ctrl-C end it.

    Each anneal is a run of the Brian2 network from ``t = 0`` (``restart``) in one piece
    (``run_piece``), or two for the anneal that fills the time limit (``run_filling``);
    ``reheat`` runs the anneals from the best state of restarts "reheat" and "mixed". A
    network operation calls ``check`` every ``check_every`` sweeps: it records the cuts and
    stops the network at the time limit, the target or a shared stop.
    """

    def __init__(self, sim, time_limit, target, progress, t_call, restarts, stop, interrupt):
        import brian2 as b2

        self.sim, self.plan = sim, sim.plan
        self.time_limit, self.target, self.progress, self.t_call = time_limit, target, progress, t_call
        self.restarts, self.stop, self.interrupt = restarts, stop, interrupt
        self.nR = sim.n * sim.R
        self.dt_ = float(sim.dt / b2.second)
        # best-so-far over all replicas, and each replica's best
        self.best = -np.inf
        self.best_spins = None
        self.replica_best = np.full(sim.R, -np.inf)
        self.trace = []
        self.time_to_best = 0.0
        self.reason = "sweeps"  # what ended the run (see MaxCutResult.stop_reason)
        self.last_progress = time.perf_counter()
        self.sweeps_before = 0  # sweeps of the pieces that ended
        # (wall time, simulated time) of the first check of the current piece, and of the first
        # check past mark_at (simulated seconds: the re-plan point of the anneal)
        self.first = None
        self.mark = None
        self.mark_at = np.inf
        self.t_run = None  # wall time of the first simulated step: the time limit counts from it
        self.setup_s = None
        # inside net.run; sweeps of earlier pieces of this anneal; sweeps planned for it
        self.in_run = False
        self.anneal_done_before = 0
        self.anneal_planned = 0
        self.nflip = np.zeros(self.nR)
        self.lengths = []  # (sweeps done, sweeps planned) of each anneal
        self.grp = grp = sim.grp
        self.s_var, self.h_var = grp.variables["s"], grp.variables["h"]
        # check the replicas' cuts every sweep on small networks, every few sweeps on big ones
        # (a check costs O(n R) numpy work; low-noise states persist for many sweeps)
        sim.check_every = int(min(4, max(1, self.nR // 4000)))
        # the operation shares the neurons' clock and returns at once between checks: with a
        # single clock Brian2's run loop skips its per-step search for the next clock (~5 us of
        # Python a time step, more than the early return costs)
        period = sim.K * sim.check_every
        timestep = grp.clock.variables["timestep"].get_value()
        check = self.check

        def tick():
            if timestep[0] % period == 0:
                check()

        op = b2.NetworkOperation(tick, clock=grp.clock, when="end")
        self.net = b2.Network(grp, sim.syn, op)

    def sweeps_now(self):
        """Sweeps done in the current piece (at the last time step)."""
        return int(round(self.net.t_ / self.dt_)) // self.sim.K

    def check(self, final=False):
        """Record the replicas' cuts; stop the network at the target, a shared stop or the time
        limit; report progress."""
        sim, net = self.sim, self.net
        if self.interrupt is not None and self.interrupt.is_set() and not final:  # Ctrl-C in the caller
            raise KeyboardInterrupt
        now = time.perf_counter()
        if self.first is None:  # first check of a piece: its setup is over
            self.first = (now, net.t_)
            if self.t_run is None and self.in_run:
                # the time limit counts from the first simulated step: building the network,
                # Brian2's code generation and (first run of a group size) compiling come
                # before it
                self.t_run = now
                self.setup_s = now - self.t_call
        if self.mark is None and net.t_ >= self.mark_at:
            self.mark = (now, net.t_)
        n, R, nR = sim.n, sim.R, self.nR
        s = self.s_var.get_value()[:nR].reshape(R, n)
        h = self.h_var.get_value()[:nR].reshape(R, n) if sim.exact else None
        cuts = sim._replica_cuts(s, h)
        np.maximum(self.replica_best, cuts, out=self.replica_best)
        r = int(np.argmax(cuts))
        if cuts[r] > self.best:
            self.best = float(cuts[r])
            self.best_spins = s[r].copy()
            self.time_to_best = now - self.t_call
            self.trace.append((now - self.t_call, self.best))
        stop = self.stop
        reached = self.target is not None and self.best >= self.target
        if reached and stop is not None:
            stop.set()  # the other processes solving this graph end too
        if reached or (stop is not None and stop.is_set()):
            self.reason = "target"
            net.stop()
        elif self.time_limit is not None and self.t_run is not None and now - self.t_run >= self.time_limit:
            self.reason = "time_limit"
            net.stop()
        if self.progress is not None and now - self.last_progress >= self.plan.progress_every_s:
            self.last_progress = now
            self.progress({"elapsed": now - self.t_call, "best": self.best,
                           "sweeps": self.sweeps_before + self.sweeps_now()})

    def run_piece(self, sweeps, anneal_sweeps, t_prev):
        """Run ``sweeps`` sweeps of an anneal of ``anneal_sweeps`` sweeps from t = 0.

        Returns the sweeps done, the speed of the simulation proper (sweeps/s), the seconds
        from ``t_prev`` until the simulation got going (restart, Brian2's preparation), the time
        it ended and, for a whole anneal, how much faster its last part (after
        ``plan.replan_at``) ran than the rest.
        """
        import brian2 as b2

        sim, net, dt_, K = self.sim, self.net, self.dt_, self.sim.K
        self.grp.namespace["T_anneal"] = anneal_sweeps * K * sim.dt
        self.first = self.mark = None
        self.mark_at = self.plan.replan_at * anneal_sweeps * K * dt_
        t_start = time.perf_counter()
        self.in_run = True
        net.run(sweeps * K * sim.dt, namespace={})
        if getattr(b2.Network, "_globally_stopped", False):
            # Ctrl-C during a run: Brian2's interrupt handler only ends that run (the plan would
            # go on with the next anneal); end the whole solve with the best so far
            raise KeyboardInterrupt
        self.in_run = False
        if self.t_run is None:  # no check ran (cannot happen: the first step checks)
            self.t_run = t_start
        now = time.perf_counter()
        done = self.sweeps_now()
        self.sweeps_before += done
        t_first, sim_first = self.first or (t_start, 0.0)
        # the setup of the piece that started the time-limit clock is not part of the budget
        started_here = self.t_run is not None and t_prev < self.t_run
        simulated = (net.t_ - sim_first) / dt_ / K
        rate = simulated / (now - t_first) if simulated >= 1 and now > t_first else done / max(now - t_start, 1e-9)
        tail_speedup = None
        if self.mark is not None and done >= anneal_sweeps:
            t_mark, sim_mark = self.mark
            if t_first < t_mark < now and sim_first < sim_mark < net.t_:
                tail_speedup = ((net.t_ - sim_mark) / (now - t_mark)) / ((sim_mark - sim_first) / (t_mark - t_first))
        setup = 0.0 if started_here else max(0.0, t_first - t_prev)
        return done, max(rate, 1e-9), setup, now, tail_speedup

    def _store_start(self):
        """Keep what :meth:`restart` goes back to, as ``net.store()`` would but smaller: the
        clock, and the neurons' variables that a run changes and that a restart does not set
        itself (it sets ``s`` and ``h``). Constant variables and the synapses stay out: the
        synapses' weights and indices never change, and with zero delay their spike queue is
        empty at the end of every time step; copies of them would double the largest arrays of
        a big graph."""
        from brian2.core.variables import ArrayVariable
        grp, clock = self.grp, self.grp.clock
        changing = [var for name, var in grp.variables.items()
                    if isinstance(var, ArrayVariable) and var.owner is not None
                    and var.owner.name == grp.name and not var.read_only and not var.constant
                    and name not in ("s", "h")]
        self._stored = ([(var, var.get_value().copy()) for var in changing],
                        clock._full_state(), self.net.t_)

    def _restore_start(self):
        """Back to the state :meth:`_store_start` kept (as ``net.restore()`` would)."""
        variables, clock_state, t = self._stored
        self.net.t_ = t
        for var, values in variables:
            var.set_value(values)
        self.grp.clock._restore_from_full_state(clock_state)

    def restart(self, s_new=None, h_new=None):
        """Back to t = 0 (the schedule restarts), from new random states or the given ones."""
        counted = self.grp.nflip_[:self.nR].copy()
        self._restore_start()
        self.nflip[:] += counted
        if s_new is None:
            self.sim._randomise()
        else:
            self.s_var.set_value(s_new)
            self.h_var.set_value(h_new)

    def run_filling(self, L, t_prev, reserve):
        """The anneal of ``L`` sweeps planned to fill the time limit, in two pieces: after
        ``plan.replan_at`` of it the rest of the noise range is spread over the sweeps that fit
        in the time left (less ``reserve`` seconds), at the speed just measured (the machine may
        have sped up or slowed down since the plan was made); the lowest-cut replicas go on from
        the best ones' states (:meth:`_Simulation._select`).

        Returns the sweeps done, the anneal's length as re-planned, the speed, the setup
        seconds of the last piece and the time it ended.
        """
        sim, plan = self.sim, self.plan
        head = max(1, int(round(L * plan.replan_at)))
        done, rate, setup, t_prev, _ = self.run_piece(head, L, t_prev)
        if self.reason == "sweeps":
            left = self.time_limit - (t_prev - self.t_run) - setup - reserve
            # with time kept for reheating, the anneal should end on its own
            tail = max(1, int(left * rate * self.speedup * (1.0 if reserve else plan.fill_overshoot)))
            self.anneal_done_before, self.anneal_planned = done, head + tail
            self.restart(*sim._select(self.s_var.get_value().copy(), self.h_var.get_value().copy()))
            self.grp.namespace["gain_start"] = sim.gain_start * (sim.gain_stop / sim.gain_start) ** (head / L)
            try:
                done2, rate, setup, t_prev, _ = self.run_piece(tail, tail, t_prev)
            finally:
                self.grp.namespace["gain_start"] = sim.gain_start
            done, L = done + done2, head + tail
        return done, L, rate, setup, t_prev

    def reheat(self, L_last, t_prev):
        """Until the time limit: anneals of every replica from the best state found so far,
        started at relative noise ``plan.reheat_noise`` and ``plan.reheat_length`` times as long
        as the last doubling anneal (the schedule's stop noise is unchanged)."""
        sim, nR, R = self.sim, self.nR, self.sim.R
        L_re = max(1, int(round(self.plan.reheat_length * L_last)))
        g0 = sim.gain_start * min(1.0, self.plan.reheat_noise / sim.schedule.start)
        try:
            while self.reason == "sweeps":
                # padding neurons past n R keep their values
                s_best = self.s_var.get_value().copy()
                h_best = self.h_var.get_value().copy()
                s_best[:nR] = np.tile(self.best_spins, R)
                h_best[:nR] = np.tile(-(sim.W_eff @ self.best_spins), R)
                self.anneal_done_before, self.anneal_planned = 0, L_re
                self.restart(s_best, h_best)
                self.grp.namespace["gain_start"] = g0
                done, rate, setup, t_prev, _ = self.run_piece(L_re, L_re, t_prev)
                self.lengths.append((done, L_re))
        finally:
            self.grp.namespace["gain_start"] = sim.gain_start

    def anneal(self):
        """The restart plan: anneals from random states (doubling, or of ``sweeps`` with
        "repeat"), the filling anneal, the reheated ones, until a stop reason is set."""
        sim, plan, time_limit, restarts = self.sim, self.plan, self.time_limit, self.restarts
        L = sim.sweeps
        L_double = L  # the last anneal from random states before the filling one
        reserve = 0.0  # restarts="mixed": seconds kept for reheating after the filling anneal
        filling = False  # whether the anneal is the one that fills the time limit
        self.speedup = 1.0  # speed of the last part of an anneal over the rest (measured)
        if time_limit is not None:
            self._store_start()
        # the first check sees the random initial state
        self.check()
        t_prev = time.perf_counter()
        while True:
            self.anneal_done_before, self.anneal_planned = 0, L
            if not filling:
                done, rate, setup, t_prev, sp = self.run_piece(L, L, t_prev)
                self.speedup = min(4.0, max(0.5, sp)) if sp else self.speedup
            else:
                done, L, rate, setup, t_prev = self.run_filling(L, t_prev, reserve)
            self.lengths.append((done, L))
            if self.reason != "sweeps" or time_limit is None:
                break
            if restarts == "mixed" and filling:
                self.reheat(L_double, t_prev)
                break
            L_double = L
            L, filling = plan.next_anneal(L, restarts, t_prev - self.t_run, rate, setup, time_limit, filling)
            if restarts == "mixed" and filling:
                reserve = (1 - plan.mixed_fill) * (time_limit - (t_prev - self.t_run) - setup)
            if L == 0:
                self.reason = "time_limit"
                break
            if restarts == "reheat" and filling:
                self.reheat(self.lengths[-1][1], t_prev)
                break
            self.restart()

    def execute(self):
        """Run the plan and return the run's figures (a dict for ``_solve``)."""
        import brian2 as b2

        sim, nR = self.sim, self.nR
        b2.prefs.codegen.target = sim.codegen
        b2.seed(sim.seed)
        # Brian2 runs a full garbage collection before every run, which costs ~0.1 s in a
        # process holding big graphs: objects that exist now are left out of it (gc.freeze)
        freeze = hasattr(gc, "freeze") and gc.get_freeze_count() == 0
        try:
            if freeze:
                gc.freeze()
            self.anneal()
        except KeyboardInterrupt:
            self.reason = "interrupted"
            if self.in_run:
                done = self.sweeps_now()
                self.sweeps_before += done
                self.lengths.append((self.anneal_done_before + done, self.anneal_planned))
        finally:
            b2.prefs.codegen.target = sim.prev_target
            if freeze:
                gc.unfreeze()
        # the state the run ended in (checked at the last sweep boundary)
        if self.reason != "interrupted":
            self.check(final=True)
        nflip = self.nflip + self.grp.nflip_[:nR]
        nflip = np.rint(nflip).astype(np.int64).reshape(sim.R, sim.n)
        setup_s = self.setup_s if self.setup_s is not None else time.perf_counter() - self.t_call
        return {"best": self.best, "spins": self.best_spins[sim.inv], "trace": self.trace,
                "time_to_best": self.time_to_best, "setup_s": setup_s, "reason": self.reason,
                "sweeps_done": self.sweeps_before, "flips": int(nflip.sum()),
                "anneals_done": sum(d / l for d, l in self.lengths),
                "anneal_sweeps": [d for d, _ in self.lengths],
                "replica_best": self.replica_best, "node_flips": nflip[:, sim.inv]}
