"""Energy accounting: the joules spent by device events, per synapse and per network.

Each device card declares its events under ``[events]``: a counter variable that its event code
increments together with the parameter holding the energy of one event, or an accumulator
variable (in joules) that the event code raises by an event-dependent amount (for example a
power law in the size of an update). Counting happens inside the event code, so it costs
nothing between events and works on every Brian2 target, cpp_standalone included.
"""

from dataclasses import dataclass, field

import numpy as np
from brian2 import StateMonitor, get_device, joule, second
from brian2.devices.device import runtime_device
from brian2.units.fundamentalunits import Quantity

from spikesyn.errors import ParameterError
from spikesyn.plot import plot_histogram
from spikesyn.readable import format_si


@dataclass
class EnergyReport:
    """Energy spent by one group of device synapses.

    Attributes
    ----------
    counts : dict of str to int
        Number of events of each counted type, over all synapses.
    per_event : dict of str to brian2.Quantity
        Joules per event type, summed over synapses.
    per_synapse : brian2.Quantity
        Joules per synapse, all event types together (array in synapse order).
    total : brian2.Quantity
        Joules in all.
    """

    counts: dict
    per_event: dict
    per_synapse: Quantity
    total: Quantity = field(default=None)

    def __post_init__(self):
        if self.total is None:
            self.total = Quantity(float(np.sum(np.asarray(self.per_synapse))), dim=joule.dim)

    def plot_histogram(self, target, bins=30):
        """Per-synapse energy histogram and per-event bars; see :func:`spikesyn.plot.plot_histogram`."""
        return plot_histogram(self, target, bins=bins)

    def __str__(self):
        lines = [f"{'event':<16}{'count':>12}{'energy':>16}"]
        for name, energy in self.per_event.items():
            count = self.counts.get(name)
            lines.append(f"{name:<16}{'' if count is None else count:>12}{format_si(energy):>16}")
        lines.append(f"{'total':<16}{'':>12}{format_si(self.total):>16}")
        return "\n".join(lines)


def _event_terms(model, namespace):
    """Yield (event name, variable, joules per unit of the variable, is_counter)."""
    for name, spec in model.events.items():
        if "counter" in spec:
            yield name, spec["counter"], float(namespace[spec["energy"]] / joule), True
        else:
            yield name, spec["accumulator"], 1.0, False


def energy_of(synapses, model):
    """Add up the energy a group's device events have used so far.

    Parameters
    ----------
    synapses : brian2.Synapses or brian2.NeuronGroup
        A group built from ``model`` (for example with ``model.synapse_kwargs()``).
    model : spikesyn.Model
        The card the group was built from; energies per event are read from the group's own
        namespace, so overrides such as ``set_energy=5*pjoule`` are honoured.

    Returns
    -------
    EnergyReport

    Examples
    --------
    >>> from brian2 import *
    >>> import spikesyn as ss
    >>> pcm = ss.load_model("pcm")
    >>> pre, post = PoissonGroup(4, 50*Hz), NeuronGroup(2, **ss.load_model("lif").neuron_kwargs())
    >>> S = Synapses(pre, post, **pcm.synapse_kwargs()); S.connect()
    >>> net = Network(pre, post, S); net.run(20*ms)
    >>> report = ss.energy_of(S, pcm)
    >>> sorted(report.per_event)
    ['read', 'reset', 'set']
    >>> bool(report.total >= 0*joule)
    True
    """
    namespace = synapses.namespace
    n = len(synapses)
    counts, per_event, per_synapse = {}, {}, np.zeros(n)
    for name, variable, joules, is_counter in _event_terms(model, namespace):
        values = np.asarray(getattr(synapses, variable + "_"), dtype=float) * joules
        per_synapse += values
        per_event[name] = Quantity(float(values.sum()), dim=joule.dim)
        if is_counter:
            counts[name] = int(round(float(np.sum(getattr(synapses, variable + "_")))))
    return EnergyReport(counts=counts, per_event=per_event,
                        per_synapse=Quantity(per_synapse, dim=joule.dim))


class EnergyMonitor(StateMonitor):
    """Record the running total of a group's device-event energy over time.

    A :class:`brian2.StateMonitor` of the card's event counters and accumulators, so Brian2's
    magic ``run()`` and explicit ``Network`` objects pick it up like any monitor. Its properties
    turn the recorded counters into joules: each entry is the energy spent from the start up to
    the matching time in :attr:`times` (a running total, not the energy of one interval; take
    ``np.diff`` for that). :attr:`times` holds the recording times (the monitor's ``t``) and, last,
    the end of the latest run, so ``total[-1]`` equals ``energy_of(group, model).total`` for the
    recorded synapses.

    Parameters
    ----------
    group : brian2.Synapses or brian2.NeuronGroup
        A group built from ``model``.
    model : spikesyn.Model
        The card the group was built from. For a synapse card the neighbouring groups are
        checked first (:meth:`spikesyn.Model.check_requires`).
    dt : brian2.Quantity, optional
        Recording interval (default: the group's clock). Memory grows with
        (number of synapses) x (number of events) x (duration / dt).
    record : bool or array of int
        Which synapses to record (default all).

    Examples
    --------
    >>> from brian2 import *
    >>> import spikesyn as ss
    >>> pcm = ss.load_model("pcm")
    >>> pre, post = PoissonGroup(4, 50*Hz), NeuronGroup(2, **ss.load_model("lif").neuron_kwargs())
    >>> S = Synapses(pre, post, **pcm.synapse_kwargs()); S.connect()
    >>> energy = ss.EnergyMonitor(S, pcm, dt=1*ms)
    >>> run(10*ms)
    >>> energy.times[-3:]
    array([ 8.,  9., 10.]) * msecond
    >>> energy.total.shape
    (11,)
    >>> bool(energy.total[-1] == ss.energy_of(S, pcm).total)
    True
    """

    def __init__(self, group, model, dt=None, record=True, name="energymonitor*"):
        if not model.events:
            raise ParameterError(f"model {model.name!r} ({model.path}) declares no energy events")
        if model.kind == "synapse":
            model.check_requires(group)
        self.model = model
        self._terms = None
        self._final = None  # (time in s, {variable: values of the recorded synapses}) at the end of the latest run
        variables = [spec.get("counter", spec.get("accumulator")) for spec in model.events.values()]
        super().__init__(group, variables, record=record, dt=dt, name=name)

    def after_run(self):
        super().after_run()
        if get_device() is not runtime_device:
            return  # standalone values exist only after the build; times and totals then end at t
        values = {variable: np.asarray(getattr(self.source, variable + "_"), dtype=float)[self.record]
                  for _, variable, _, _ in self._joules()}
        self._final = (float(self.source.clock.t / second), values)

    def _joules(self):
        if self._terms is None:
            self._terms = list(_event_terms(self.model, self.source.namespace))
        return self._terms

    def _has_final(self):
        recorded = np.asarray(self.t_)
        return self._final is not None and (not len(recorded) or self._final[0] > recorded[-1])

    def _series(self, variable):
        """Recorded values of one variable (rows: synapses) with the end-of-run column appended."""
        values = np.asarray(getattr(self, variable + "_"), dtype=float)
        if self._has_final():
            values = np.column_stack([values, self._final[1][variable]])
        return values

    @property
    def times(self):
        """Recording times and, last, the end of the latest run (brian2.Quantity, seconds)."""
        recorded = np.asarray(self.t_)
        if self._has_final():
            recorded = np.append(recorded, self._final[0])
        return Quantity(recorded, dim=second.dim)

    @property
    def per_event(self):
        """dict of event name to joules spent up to each of :attr:`times`, summed over recorded synapses."""
        out = {}
        for name, variable, joules, _ in self._joules():
            out[name] = Quantity(self._series(variable).sum(axis=0) * joules, dim=joule.dim)
        return out

    @property
    def per_synapse(self):
        """Joules spent per recorded synapse (rows) up to each of :attr:`times` (columns)."""
        total = 0
        for _, variable, joules, _ in self._joules():
            total = total + self._series(variable) * joules
        return Quantity(total, dim=joule.dim)

    @property
    def total(self):
        """Joules spent by the recorded synapses up to each of :attr:`times`."""
        return Quantity(np.asarray(self.per_synapse).sum(axis=0), dim=joule.dim)


def total_report(reports):
    """The sum of energy reports of the same synapses (for example the phases of one run).

    Parameters
    ----------
    reports : iterable of EnergyReport
        Reports with the same event types and the same number of synapses.

    Returns
    -------
    EnergyReport

    Examples
    --------
    >>> from brian2 import pjoule
    >>> a = EnergyReport({"set": 1}, {"set": 5 * pjoule}, [5, 0] * pjoule)
    >>> b = EnergyReport({"set": 2}, {"set": 10 * pjoule}, [5, 5] * pjoule)
    >>> t = total_report([a, b])
    >>> t.counts, t.total
    ({'set': 3}, 15. * pjoule)
    """
    reports = list(reports)
    if not reports:
        raise ParameterError("total_report needs at least one report")
    first = reports[0]
    counts, per_event, per_syn = dict(first.counts), dict(first.per_event), first.per_synapse
    for r in reports[1:]:
        if set(r.per_event) != set(per_event) or r.per_synapse.shape != per_syn.shape:
            raise ParameterError("total_report: the reports cover different events or synapses")
        counts = {k: v + r.counts.get(k, 0) for k, v in counts.items()}
        per_event = {k: v + r.per_event[k] for k, v in per_event.items()}
        per_syn = per_syn + r.per_synapse
    return EnergyReport(counts=counts, per_event=per_event, per_synapse=per_syn)
