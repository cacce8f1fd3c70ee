"""The named jobs of :func:`spikesyn.sweep`: parameters in, one flat record of figures out.

Each job declares the parameters it takes (type, unit, range, default), so that a sweep checks
every grid point before anything runs, and maps them to one library call:

* ``maxcut``: :func:`spikesyn.maxcut` on a random regular graph (``nodes``, ``degree``,
  ``graph_seed``, ``weights`` "unit" or "pm1") or a graph file (``graph``); record: ``cut``,
  ``n``, ``m``, ``time_s``, ``setup_s`` (building and compiling), ``solve_s``, ``time_to_best_s``,
  ``sweeps_done``, ``flips``, ``energy_J``, ``stop_reason``.
* ``sequence``: :func:`spikesyn.networks.sequence.run_sequence` without baselines; record: the
  overall and per-transform accuracy of each spiking model and the wall time.
* ``learning``: :func:`spikesyn.networks.supervised.train_supervised` on generated glyph sets;
  record: test and train accuracy, device energy, transfers.
* ``energy``: the Poisson-driven demo network of ``spikesyn energy``; record: device energy,
  digital estimates, spikes.

The task's seed seeds the library call (for ``maxcut`` the solver; the graph has its own
``graph_seed``). Graphs are built inside the worker, so a task travels as a few parameters.

Examples
--------
>>> from spikesyn.networks.sweep_jobs import JOBS
>>> sorted(JOBS)
['energy', 'learning', 'maxcut', 'sequence']
>>> JOBS["maxcut"].check({"nodes": 40, "time_limit": "2 s"})["time_limit"]
2. * second
>>> JOBS["maxcut"].check({"nodes": 40, "sweep": 100})
Traceback (most recent call last):
...
spikesyn.errors.ParameterError: job maxcut takes no parameter 'sweep' (did you mean 'sweeps'?); its parameters: codegen, degree, device, graph, graph_seed, nodes, replicas, restarts, sweeps, target, time_limit, update_slots, weights
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass, field

from spikesyn.checks import shown
from spikesyn.errors import ParameterError

__all__ = ["JOBS", "Job", "Param", "sweep"]

_UNITS = {"time": "second", "conductance": "siemens", "rate": "hertz"}
_EXAMPLES = {"time": "10 s", "conductance": "1 uS", "rate": "4 kHz"}


@dataclass(frozen=True)
class Param:
    """One parameter of a job.

    Attributes
    ----------
    name : str
    kind : {"int", "float", "str", "choice", "time", "conductance", "rate"}
        The last three are quantities: text with a unit (``"100 ms"``) or a Brian2 quantity.
    low, high : float
        Inclusive range (SI units for quantities); None: open.
    choices : tuple of str
        The values a "choice" takes.
    default : object
        Used when the grid leaves the parameter out (None: the library's default).
    """

    name: str
    kind: str
    low: float = None
    high: float = None
    choices: tuple = ()
    default: object = None

    def check(self, value):
        """The value as the library call takes it; :class:`ParameterError` naming it otherwise."""
        where = self.name
        if self.kind in _UNITS:
            return self._quantity(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ParameterError(f"{where} must be one of {', '.join(self.choices)}, got {shown(value)}")
            return value
        if self.kind == "str":
            if not isinstance(value, str) or not value.strip():
                raise ParameterError(f"{where} must be non-empty text, got {shown(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(f"{where} must be {'an integer' if self.kind == 'int' else 'a number'}, "
                                 f"got {shown(value)}")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ParameterError(f"{where} must be an integer, got {shown(value)}")
            value = int(value)
        elif not math.isfinite(float(value)):
            raise ParameterError(f"{where} must be a finite number, got {shown(value)}")
        self._in_range(float(value), value)
        return value

    def _quantity(self, value):
        import brian2
        from spikesyn.sweeps import parse_quantity
        unit = getattr(brian2, _UNITS[self.kind])
        example = _EXAMPLES[self.kind]
        q = parse_quantity(value) if isinstance(value, str) else value
        if isinstance(value, str) and q is None:
            raise ParameterError(f"{self.name}: {shown(value)} has no unit: write it as a "
                                 f"{self.kind} with its unit, for example {example!r}")
        if not isinstance(q, brian2.Quantity):
            raise ParameterError(f"{self.name}: {shown(value)} has no unit: write it as a "
                                 f"{self.kind} with its unit, for example {example!r}")
        if q.dim is not unit.dim or q.ndim != 0:
            raise ParameterError(f"{self.name} must be one {self.kind} (for example {example!r}), got {shown(value)}")
        self._in_range(float(q / unit), value)
        return q

    def _in_range(self, x, shown_as):
        if not math.isfinite(x) or (self.low is not None and x < self.low) \
                or (self.high is not None and x > self.high):
            unit = f" {_UNITS[self.kind]}s" if self.kind in _UNITS else ""
            raise ParameterError(f"{self.name} must be in [{_bound(self.low)}, {_bound(self.high)}]"
                                 f"{unit}, got {shown(shown_as)}")


def _bound(x):
    return "..." if x is None else f"{x:g}"


@dataclass(frozen=True)
class Job:
    """A named job: its parameters and the function that runs one task."""

    name: str
    params: tuple
    run_task: object
    warm: object = None
    requires: tuple = field(default_factory=tuple)

    def check(self, point):
        """Every parameter of a grid point checked and converted, defaults filled in."""
        by_name = {p.name: p for p in self.params}
        for key in point:
            if key not in by_name:
                near = difflib.get_close_matches(key, by_name, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ParameterError(f"job {self.name} takes no parameter {key!r}{hint}; its "
                                     f"parameters: {', '.join(sorted(by_name))}")
        values = {p.name: p.default for p in self.params}
        for key, value in point.items():
            values[key] = by_name[key].check(value)
        for req in self.requires:
            req(values)
        return values

    def run(self, values, seed):
        """Run one task (values as :meth:`check` returns them)."""
        return self.run_task(values, seed)

    def warm_up(self, values_list):
        """Compile what the tasks need, once, before the workers start (local pools)."""
        if self.warm is not None:
            self.warm(values_list)


# --------------------------------------------------------------------------- maxcut
def _maxcut_graph(v):
    import networkx as nx
    import numpy as np
    if v["graph"] is not None:
        from spikesyn.graphio import read_graph
        return read_graph(v["graph"])
    G = nx.random_regular_graph(v["degree"], v["nodes"], seed=v["graph_seed"])
    if v["weights"] == "pm1":
        rng = np.random.default_rng(v["graph_seed"])
        for (a, b), w in zip(sorted(G.edges()), rng.choice([-1.0, 1.0], size=G.number_of_edges())):
            G[a][b]["weight"] = float(w)
    return G


def _maxcut_options(v):
    return {k: v[k] for k in ("sweeps", "time_limit", "replicas", "device", "restarts", "target",
                               "update_slots", "codegen") if v[k] is not None}


def _maxcut(v, seed):
    import spikesyn as ss
    res = ss.maxcut(_maxcut_graph(v), seed=seed, **_maxcut_options(v))
    if res.interrupted:   # a partial solve is not the task's answer: the task fails, resume reruns it
        raise RuntimeError("the solve was interrupted (Ctrl-C or SIGTERM)")
    d = res.to_dict()
    return {"cut": d["cut"], "n": d["n"], "m": d["m"], "time_s": d["time_s"],
            "setup_s": d["setup_s"], "solve_s": d["time_s"] - d["setup_s"],
            "time_to_best_s": d["time_to_best_s"], "sweeps_done": d["sweeps_done"],
            "anneals_done": d["anneals_done"], "flips": d["flips"], "energy_J": d["energy_J"],
            "stop_reason": d["stop_reason"]}


def _maxcut_warm(values_list):
    """One 2-sweep solve of each distinct graph and setting: compiles every size bucket."""
    import spikesyn as ss
    seen = set()
    for v in values_list:
        key = (v["graph"], v["nodes"], v["degree"], v["replicas"], v["device"], v["codegen"],
               v["update_slots"])
        if key in seen or len(seen) >= 8:
            continue
        seen.add(key)
        opts = {k: x for k, x in _maxcut_options(v).items() if k not in ("time_limit", "target", "restarts")}
        opts["sweeps"] = 2
        ss.maxcut(_maxcut_graph(v), seed=0, **opts)


def _maxcut_requires(v):
    if v["graph"] is None and v["nodes"] is None:
        raise ParameterError("job maxcut needs a graph: give nodes (a random regular graph) or graph (a file)")
    if v["graph"] is not None and v["nodes"] is not None:
        raise ParameterError("job maxcut takes nodes or graph, not both")
    if v["nodes"] is not None and (v["degree"] >= v["nodes"] or v["degree"] * v["nodes"] % 2):
        raise ParameterError(f"degree {v['degree']} and nodes {v['nodes']}: a regular graph needs "
                             f"degree < nodes and degree x nodes even")
    if v["graph"] is not None:
        import os
        if not os.path.isfile(v["graph"]):
            raise ParameterError(f"graph {v['graph']!r}: no such file")


def _devices():
    from spikesyn.networks.maxcut_devices import DEVICES
    return tuple(DEVICES)


def _restart_plans():
    from spikesyn.networks.maxcut import RESTART_PLANS
    return tuple(RESTART_PLANS)


# --------------------------------------------------------------------------- sequence
def _sequence(v, seed):
    from spikesyn.networks.sequence import SequenceConfig, run_sequence
    fields = {k: v[k] for k in ("n_classes", "size", "n_exc", "exemplars", "n_frames", "epochs",
                                "frame", "tau_F", "gamma_F", "input_rate", "occlusion")
              if v[k] is not None}
    models = ("st_stdp", "static") if v["models"] == "both" else (v["models"],)
    res = run_sequence(SequenceConfig(seed=seed, **fields), baselines=False, models=models)
    record = {"labels_assigned": res.labels_assigned,
              "time_s": float(sum(x for x in res.timing.values() if isinstance(x, (int, float))))}
    for model, by_transform in res.accuracy.items():
        for transform, acc in by_transform.items():
            record[f"accuracy_{model}_{transform}"] = acc
    return record


# --------------------------------------------------------------------------- learning
def _learning(v, seed):
    from brian2 import joule
    from spikesyn.datasets import make_labelled_set
    from spikesyn.networks.supervised import train_supervised
    train = make_labelled_set(v["n_classes"], v["train_per_class"], seed=2 * seed + 1)
    test = make_labelled_set(v["n_classes"], v["test_per_class"], seed=2 * seed + 2)
    settings = {"epochs": v["epochs"], "seed": seed}
    if v["lr"] is not None:
        settings["lr"] = v["lr"]
    res = train_supervised(v["learner"], train, test, **settings)
    record = {"test_accuracy": res.test_accuracy, "train_accuracy": res.train_accuracy,
              "energy_J": float(res.energy.total / joule)}
    record.update({k: int(x) for k, x in res.counters.items()})
    return record


def _learners():
    from spikesyn.networks.supervised import LEARNERS
    return tuple(LEARNERS)


# --------------------------------------------------------------------------- energy
def _energy(v, seed):
    from brian2 import Hz, second
    from spikesyn.networks.energy_demo import energy_demo
    d = energy_demo(card=v["card"], duration=float(v["duration"] / second), inputs=v["inputs"],
                    neurons=v["neurons"], rate=float(v["rate"] / Hz), seed=seed)
    record = {"device_J": d["device_J"], "n_synapses": d["n_synapses"],
              "spikes_pre": d["spikes"]["pre"], "spikes_post": d["spikes"]["post"],
              "digital_sram_J": d["digital_J"]["sram"], "digital_dram_J": d["digital_J"]["dram"]}
    record.update({f"{name}_count": e["count"] for name, e in d["events"].items()})
    return record


def _jobs():
    maxcut = Job("maxcut", (
        Param("nodes", "int", 2, 10_000_000), Param("degree", "int", 1, 1000, default=3),
        Param("graph_seed", "int", 0, 2 ** 32 - 1, default=0),
        Param("weights", "choice", choices=("unit", "pm1"), default="unit"),
        Param("graph", "str"), Param("sweeps", "int", 1, 10 ** 9),
        Param("time_limit", "time", 1e-3, 7 * 86400), Param("replicas", "int", 1, 4096),
        Param("device", "choice", choices=_devices(), default="pcm"),
        Param("restarts", "choice", choices=_restart_plans()),
        Param("target", "float"), Param("update_slots", "int", 1, 1000),
        Param("codegen", "choice", choices=("auto", "cython", "numpy"))),
        _maxcut, warm=_maxcut_warm, requires=(_maxcut_requires,))
    sequence = Job("sequence", (
        Param("n_classes", "int", 1, 64), Param("size", "int", 12, 64), Param("n_exc", "int", 1, 2000),
        Param("exemplars", "int", 1, 1000), Param("n_frames", "int", 1, 10_000),
        Param("epochs", "int", 1, 1000), Param("frame", "time", 1e-4, 10),
        Param("tau_F", "time", 1e-4, 1e4), Param("gamma_F", "conductance", 0, 1e-3),
        Param("input_rate", "rate", 1e-3, 1e7), Param("occlusion", "float", 0, 1),
        Param("models", "choice", choices=("both", "st_stdp", "static"), default="both")),
        _sequence)
    learning = Job("learning", (
        Param("learner", "choice", choices=_learners(), default="two_tier"),
        Param("n_classes", "int", 1, 64, default=10), Param("train_per_class", "int", 1, 100_000, default=60),
        Param("test_per_class", "int", 1, 100_000, default=40), Param("epochs", "int", 1, 1000, default=3),
        Param("lr", "conductance", 0, 1e-3)), _learning)
    energy = Job("energy", (
        Param("card", "str", default="pcm"), Param("duration", "time", 1e-4, 1e4, default=None),
        Param("inputs", "int", 1, 100_000, default=50), Param("neurons", "int", 1, 100_000, default=10),
        Param("rate", "rate", 0, 1e6)), _energy, requires=(_energy_defaults,))
    return {j.name: j for j in (maxcut, sequence, learning, energy)}


def _energy_defaults(v):
    from brian2 import Hz, second
    if v["duration"] is None:
        v["duration"] = 1.0 * second
    if v["rate"] is None:
        v["rate"] = 20.0 * Hz


JOBS = _jobs()


def sweep(job, grid, *, seeds, executor=None, out=None, resume=False, progress=True):
    """``spikesyn.sweep``: :func:`spikesyn.sweeps.sweep` with the named jobs of :data:`JOBS`.

    Examples
    --------
    >>> records = sweep("energy", {"inputs": [5], "neurons": [2], "duration": ["20 ms"]}, seeds=1,
    ...                 executor="serial", progress=False)
    >>> records[0]["status"], records[0]["n_synapses"]
    ('ok', 10)
    """
    from spikesyn import sweeps
    return sweeps.sweep(job, grid, seeds=seeds, executor=executor, out=out, resume=resume,
                        progress=progress, registry=JOBS)
