"""Device energy next to a digital estimate of the same network, from cited per-operation figures.

A run on device cards is accounted by :func:`spikesyn.energy_of` (joules per event type and per
synapse, from the cards' ``[events]`` tables). This module prices the *same* network run on a
conventional digital processor (a GPU or CPU) from published energies of single operations, and
compares the two.

The figures (:data:`HOROWITZ_45NM`) are those of M. Horowitz, "Computing's energy problem (and
what we can do about it)", ISSCC 2014, doi:10.1109/ISSCC.2014.6757323, for a 45 nm process at
0.9 V:

==========================  ==========  ====================================================
operation                   energy      where it comes from
==========================  ==========  ====================================================
32-bit float add            0.9 pJ      Horowitz 2014, table of operation energies
32-bit float multiply       3.7 pJ      Horowitz 2014, table of operation energies
32-bit SRAM read (8 KB)     5 pJ        Horowitz 2014 gives 10 pJ per 64-bit access of an
                                        8 KB cache; **scaled by width to 32 bits (x 1/2)**
32-bit DRAM read            640 pJ      Han et al., NeurIPS 2015, arXiv:1506.02626, Table 1,
                                        citing Horowitz's 45 nm figures (Horowitz 2014 gives
                                        1.3-2.6 nJ per 64-bit DRAM access)
==========================  ==========  ====================================================

Operations counted (an assumption of this estimate, not a published figure; change them with
``DigitalEstimate(ops=...)``):

* a synaptic event (one pre-synaptic spike delivered through one synapse): one weight read from
  memory and one multiply-accumulate (``ge += gain * w``: one multiply, one add);
* a weight update (one plastic synapse touched by a pre or a post spike): one weight read, one
  weight write-back (priced as a read: Horowitz gives no separate write figure) and one
  multiply-accumulate (``w += eta * trace``);
* a neuron update (one neuron, one time step; not counted by default, since the device report
  covers synapses only): one state read, one write-back, two multiplies and two adds (Euler LIF).

Real GPUs run at smaller nodes (lower energy per operation) but add instruction, scheduling and
interconnect overheads that this operation count leaves out; treat the result as an order of
magnitude, as the papers that use these figures do.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from brian2 import joule, pjoule
from brian2.units.fundamentalunits import Quantity, get_dimensions

from spikesyn.energy import EnergyReport
from spikesyn.errors import ParameterError
from spikesyn.readable import format_si

__all__ = [
    "DigitalEstimate", "EnergyComparison", "HOROWITZ_45NM", "compare", "digital_energy",
    "operation_counts", "comparison", "format_comparison", "format_joules",
]

MEMORIES = ("sram", "dram")


# --------------------------------------------------------------------------- unit checks
def as_joules(value, name):
    """Return ``value`` (a Brian2 quantity of energy) as a float in joules.

    Raises :class:`~spikesyn.errors.ParameterError` naming ``name`` when the value is a plain
    number (no unit) or has another dimension.
    """
    if isinstance(value, Quantity) and not get_dimensions(value).is_dimensionless:
        if get_dimensions(value) != joule.dim:
            raise ParameterError(
                f"{name} must be an energy (e.g. 5*pjoule), got {value!r} with units of "
                f"{get_dimensions(value)}")
        arr = np.asarray(value / joule, dtype=float)
    elif isinstance(value, (numbers.Number, np.ndarray, list, tuple, Quantity)):
        raise ParameterError(
            f"{name} has no unit: give an energy with a Brian2 unit, e.g. {value!r}*pjoule "
            f"(a plain number is refused so that pJ and J cannot be mixed up)")
    else:
        raise ParameterError(f"{name} must be an energy (e.g. 5*pjoule), got {value!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(f"{name} must be finite and non-negative, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def _count(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ParameterError(f"{name} must be a whole number of operations, got {value!r}")
    if value < 0:
        raise ParameterError(f"{name} must be non-negative, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- figures
DEFAULT_OPS = {
    "synaptic_event": {"mem": 1, "mult": 1, "add": 1},
    "weight_update": {"mem": 2, "mult": 1, "add": 1},
    "neuron_update": {"mem": 2, "mult": 2, "add": 2},
}


@dataclass(frozen=True, eq=False)
class DigitalEstimate:
    """Per-operation energies of a digital processor, with their source.

    Parameters
    ----------
    add, mult : brian2.Quantity
        Energy of one 32-bit floating-point add / multiply (joules).
    sram, dram : brian2.Quantity
        Energy of one 32-bit memory access from on-chip SRAM / off-chip DRAM (joules).
    node : str
        Process node and supply of the figures.
    source : str
        Citation of the figures.
    scaling : str
        Any scaling applied to the published figures (empty when none).
    ops : dict
        Operations per counted event: ``{event: {"mem": n, "mult": n, "add": n}}`` for
        ``synaptic_event``, ``weight_update`` and ``neuron_update``; an event left out keeps
        the default counts (module docstring).

    Raises
    ------
    spikesyn.ParameterError
        If an energy is a plain number (no unit) or not an energy.

    Examples
    --------
    >>> from brian2 import pjoule
    >>> from spikesyn.energy_compare import HOROWITZ_45NM
    >>> HOROWITZ_45NM.per_event("synaptic_event", "sram")   # 5 + 3.7 + 0.9 pJ
    9.6 * pjoule
    >>> DigitalEstimate(add=0.9, mult=3.7*pjoule, sram=5*pjoule, dram=640*pjoule)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: add has no unit: give an energy with a Brian2 unit, e.g. 0.9*pjoule (a plain number is refused so that pJ and J cannot be mixed up)
    """

    add: Quantity
    mult: Quantity
    sram: Quantity
    dram: Quantity
    node: str = ""
    source: str = ""
    scaling: str = ""
    ops: dict = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_OPS.items()})

    def __post_init__(self):
        for name in ("add", "mult", "sram", "dram"):
            as_joules(getattr(self, name), name)
        if not isinstance(self.ops, dict):
            raise ParameterError(f"ops must be a dict of event to operation counts, got {self.ops!r}")
        merged = {k: dict(v) for k, v in DEFAULT_OPS.items()}
        merged.update({k: dict(v) for k, v in self.ops.items()})
        object.__setattr__(self, "ops", merged)
        for event, counts in self.ops.items():
            if event not in DEFAULT_OPS:
                raise ParameterError(f"ops: unknown event {event!r}; known: {sorted(DEFAULT_OPS)}")
            for op, n in counts.items():
                if op not in ("mem", "mult", "add"):
                    raise ParameterError(f"ops[{event!r}]: unknown operation {op!r} (mem, mult, add)")
                _count(n, f"ops[{event!r}][{op!r}]")

    def _memory(self, memory):
        if memory not in MEMORIES:
            raise ParameterError(f"memory must be one of {MEMORIES}, got {memory!r}")
        return getattr(self, memory)

    def per_event(self, event, memory="dram"):
        """Joules of one ``event`` (``synaptic_event``, ``weight_update``, ``neuron_update``)."""
        if event not in self.ops:
            raise ParameterError(f"unknown event {event!r}; known: {sorted(self.ops)}")
        c = self.ops[event]
        j = (c.get("mem", 0) * as_joules(self._memory(memory), memory)
             + c.get("mult", 0) * as_joules(self.mult, "mult")
             + c.get("add", 0) * as_joules(self.add, "add"))
        return Quantity(j, dim=joule.dim)

    def breakdown(self, n_synaptic_events, n_weight_updates=0, n_neuron_updates=0, memory="dram"):
        """Joules per counted event type (dict of brian2 quantities)."""
        counts = {"synaptic_event": _count(n_synaptic_events, "n_synaptic_events"),
                  "weight_update": _count(n_weight_updates, "n_weight_updates"),
                  "neuron_update": _count(n_neuron_updates, "n_neuron_updates")}
        return {event: n * self.per_event(event, memory) for event, n in counts.items()}

    def to_dict(self):
        """The figures in pJ, with node, source and scaling (plain data for JSON)."""
        return {"add_pJ": float(self.add / pjoule), "mult_pJ": float(self.mult / pjoule),
                "sram_pJ": float(self.sram / pjoule), "dram_pJ": float(self.dram / pjoule),
                "node": self.node, "source": self.source, "scaling": self.scaling,
                "ops": {k: dict(v) for k, v in self.ops.items()}}


HOROWITZ_45NM = DigitalEstimate(
    add=0.9 * pjoule, mult=3.7 * pjoule, sram=5.0 * pjoule, dram=640.0 * pjoule,
    node="45 nm, 0.9 V",
    source="M. Horowitz, 'Computing's energy problem (and what we can do about it)', ISSCC 2014, "
           "doi:10.1109/ISSCC.2014.6757323 (32-bit float add 0.9 pJ, mult 3.7 pJ; 8 KB cache "
           "10 pJ per 64-bit access); 32-bit DRAM access 640 pJ as tabulated from Horowitz's "
           "figures by S. Han et al., NeurIPS 2015, arXiv:1506.02626, Table 1",
    scaling="SRAM: Horowitz's 10 pJ per 64-bit 8 KB cache access halved to 5 pJ per 32-bit word",
)


def digital_energy(n_synaptic_events, n_weight_updates=0, n_neuron_updates=0, memory="dram",
                   figures=HOROWITZ_45NM):
    """Energy of the same network on a digital processor, from per-operation figures.

    Parameters
    ----------
    n_synaptic_events : int
        Pre-synaptic spikes delivered through synapses (spikes x out-degree).
    n_weight_updates : int
        Plastic-synapse updates (each pre and each post spike touches every synapse it reaches).
    n_neuron_updates : int
        Neuron state updates (neurons x time steps); 0 to compare synapses only.
    memory : {"dram", "sram"}
        Where the weights live: off-chip DRAM (a network too large for on-chip memory, the
        usual GPU case) or on-chip SRAM (the best case).
    figures : DigitalEstimate
        Per-operation energies (default :data:`HOROWITZ_45NM`).

    Returns
    -------
    brian2.Quantity
        Joules.

    Examples
    --------
    >>> digital_energy(1000, 0, memory="sram")      # 1000 x (5 + 3.7 + 0.9) pJ
    9.6 * njoule
    >>> digital_energy(10, 2, memory="dram")        # 10 x 644.6 pJ + 2 x 1284.6 pJ
    9.0152 * njoule
    """
    if not isinstance(figures, DigitalEstimate):
        raise ParameterError(f"figures must be a DigitalEstimate, got {type(figures).__name__}")
    parts = figures.breakdown(n_synaptic_events, n_weight_updates, n_neuron_updates, memory)
    return Quantity(sum(float(v / joule) for v in parts.values()), dim=joule.dim)


def operation_counts(synapses, pre_counts, post_counts, plastic=True):
    """Digital operations of a run, from the spikes each neuron fired.

    Parameters
    ----------
    synapses : brian2.Synapses
        The connected synapses (their ``i`` and ``j`` give out- and in-degrees).
    pre_counts, post_counts : array of int
        Spikes per pre-synaptic / post-synaptic neuron (e.g. ``SpikeMonitor.count``).
    plastic : bool
        Whether every pre and post spike also updates the synapses it reaches.

    Returns
    -------
    dict
        ``{"n_synaptic_events": int, "n_weight_updates": int}``.
    """
    i, j = np.asarray(synapses.i[:]), np.asarray(synapses.j[:])
    pre_counts, post_counts = np.asarray(pre_counts), np.asarray(post_counts)
    n_pre = int(pre_counts[i].sum()) if i.size else 0
    n_post = int(post_counts[j].sum()) if j.size else 0
    return {"n_synaptic_events": n_pre, "n_weight_updates": (n_pre + n_post) if plastic else 0}


# --------------------------------------------------------------------------- comparison
@dataclass
class EnergyComparison:
    """Device energy against the digital estimate of the same work.

    Attributes
    ----------
    device : brian2.Quantity
        Joules spent by the device events.
    digital : brian2.Quantity
        Joules of the digital estimate.
    ratio : float
        ``digital / device``: how many times less energy the devices use (inf when the
        devices spent nothing, nan when both are zero).
    """

    device: Quantity
    digital: Quantity
    ratio: float

    def to_dict(self):
        """The energies in joules and the ratio (plain data for JSON; a ratio of inf or nan
        becomes None)."""
        return {"device_J": float(self.device / joule), "digital_J": float(self.digital / joule),
                "ratio_digital_over_device": _json_float(self.ratio)}

    def __str__(self):
        return (f"device {format_si(self.device)}, digital {format_si(self.digital)}, "
                f"digital / device = {self.ratio:.3g}")


def _json_float(x):
    return None if not np.isfinite(x) else float(x)


def compare(report, digital):
    """Compare a device energy report with a digital estimate.

    Parameters
    ----------
    report : EnergyReport or brian2.Quantity
        The device run's report (:func:`spikesyn.energy_of`) or its total in joules.
    digital : brian2.Quantity
        Joules of the digital estimate (:func:`digital_energy`).

    Returns
    -------
    EnergyComparison

    Examples
    --------
    >>> from brian2 import pjoule
    >>> round(compare(10*pjoule, 1000*pjoule).ratio, 9)
    100.0
    >>> compare(10*pjoule, 1000.0)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: digital has no unit: give an energy with a Brian2 unit, e.g. 1000.0*pjoule (a plain number is refused so that pJ and J cannot be mixed up)
    """
    device = report.total if isinstance(report, EnergyReport) else report
    d = as_joules(device, "report" if not isinstance(report, EnergyReport) else "report.total")
    g = as_joules(digital, "digital")
    if d > 0:
        ratio = g / d
    else:
        ratio = float("inf") if g > 0 else float("nan")
    return EnergyComparison(device=Quantity(d, dim=joule.dim), digital=Quantity(g, dim=joule.dim),
                            ratio=ratio)


# --------------------------------------------------------------------------- reports
def comparison(report, operations, figures=None):
    """Device energy report next to the digital estimate of the same operations, as plain data.

    The part of the report that every energy output shares (``spikesyn energy`` and the
    ``--energy`` flag of ``spikesyn maxcut`` and ``spikesyn sequence``).

    Parameters
    ----------
    report : spikesyn.energy.EnergyReport
        The device synapses' energy (:func:`spikesyn.energy_of`).
    operations : dict
        ``n_synaptic_events`` and ``n_weight_updates`` (priced into the digital estimate and
        the ratio), optionally ``n_neuron_updates`` (priced separately, ``digital_neurons_J``,
        and left out of the ratio: the device report covers synapses only).
    figures : spikesyn.energy_compare.DigitalEstimate, optional
        Per-operation energies (default ``HOROWITZ_45NM``).

    Returns
    -------
    dict
        ``events`` (``{name: {"count": int or None, "energy_J": float}}``), ``device_J``,
        ``per_synapse_J`` (min, mean, max), ``operations``, ``digital_J`` and
        ``ratio_digital_over_device`` (each ``{"sram": ..., "dram": ...}``; a ratio is None
        when the devices spent nothing), ``digital_neurons_J`` (None without neuron updates)
        and ``figures``.

    Examples
    --------
    >>> from brian2 import pjoule
    >>> from spikesyn.energy import EnergyReport
    >>> rep = EnergyReport(counts={"read": 10}, per_event={"read": 2 * pjoule},
    ...                    per_synapse=[1.5, 0.5] * pjoule)
    >>> d = comparison(rep, {"n_synaptic_events": 10, "n_weight_updates": 0})
    >>> round(d["digital_J"]["sram"] * 1e12, 6)        # 10 x (5 + 3.7 + 0.9) pJ
    96.0
    >>> round(d["ratio_digital_over_device"]["sram"], 6)
    48.0
    """
    figures = HOROWITZ_45NM if figures is None else figures
    ops = {k: int(v) for k, v in operations.items()}
    n_syn, n_upd = ops.get("n_synaptic_events", 0), ops.get("n_weight_updates", 0)
    n_neu = ops.get("n_neuron_updates", 0)
    digital = {mem: digital_energy(n_syn, n_upd, memory=mem, figures=figures)
               for mem in ("sram", "dram")}
    comparisons = {mem: compare(report, d) for mem, d in digital.items()}
    per_syn = np.asarray(report.per_synapse / joule, dtype=float).ravel()
    neurons = None
    if n_neu:
        neurons = {mem: float(figures.breakdown(0, 0, n_neu, mem)["neuron_update"] / joule)
                   for mem in ("sram", "dram")}
    return {
        "events": {name: {"count": report.counts.get(name),
                          "energy_J": float(report.per_event[name] / joule)}
                   for name in report.per_event},
        "device_J": float(report.total / joule),
        "per_synapse_J": {"min": float(per_syn.min()) if per_syn.size else 0.0,
                          "mean": float(per_syn.mean()) if per_syn.size else 0.0,
                          "max": float(per_syn.max()) if per_syn.size else 0.0},
        "operations": ops,
        "digital_J": {mem: float(d / joule) for mem, d in digital.items()},
        "ratio_digital_over_device": {mem: _json_float(c.ratio) for mem, c in comparisons.items()},
        "digital_neurons_J": neurons,
        "figures": figures.to_dict(),
    }


def format_joules(x):
    """Joules given as a float, written with an SI prefix (``-`` for None).

    Examples
    --------
    >>> format_joules(9.6e-11), format_joules(None)
    ('96 pJ', '-')
    """
    if x is None:
        return "-"
    return format_si(x, unit="J")


def format_comparison(d, indent="  "):
    """The lines of a :func:`comparison` dict: events, total, per synapse, digital estimate.

    Examples
    --------
    >>> from brian2 import pjoule
    >>> from spikesyn.energy import EnergyReport
    >>> ops = {"n_synaptic_events": 10, "n_weight_updates": 0}
    >>> lines = format_comparison(comparison(EnergyReport({"read": 10}, {"read": 2 * pjoule},
    ...                                                   [1.5, 0.5] * pjoule), ops))
    >>> print(lines[-4].strip())
    weights in SRAM              96 pJ   digital / device = 48
    """
    lines = [f"{indent}{'event':<14}{'count':>12}{'energy':>18}"]
    for name, e in d["events"].items():
        count = "" if e["count"] is None else e["count"]
        lines.append(f"{indent}{name:<14}{count:>12}{format_joules(e['energy_J']):>18}")
    lines.append(f"{indent}{'total':<14}{'':>12}{format_joules(d['device_J']):>18}")
    ps = d["per_synapse_J"]
    lines.append(f"{indent}per synapse: min {format_joules(ps['min'])}, mean {format_joules(ps['mean'])}, "
                 f"max {format_joules(ps['max'])}")
    ops = d["operations"]
    lines.append(f"digital estimate ({d['figures']['node']}): {ops['n_synaptic_events']} synaptic "
                 f"events, {ops['n_weight_updates']} weight updates")
    for mem in ("sram", "dram"):
        r = d["ratio_digital_over_device"][mem]
        ratio = "-" if r is None else f"{r:.3g}"
        lines.append(f"{indent}weights in {mem.upper():<5}{format_joules(d['digital_J'][mem]):>18}   "
                     f"digital / device = {ratio}")
    if d.get("digital_neurons_J"):
        nj = d["digital_neurons_J"]
        lines.append(f"{indent}+ {ops['n_neuron_updates']} neuron updates: {format_joules(nj['sram'])} "
                     f"(SRAM), {format_joules(nj['dram'])} (DRAM), not in the ratio (the device "
                     f"report covers synapses only)")
    lines.append(f"{indent}figures: {d['figures']['source']}")
    lines.append(f"{indent}scaling: {d['figures']['scaling']}")
    return lines
