"""Device energy of a glyph-sequence run next to the digital estimate, per phase and in total.

Examples
--------
>>> from spikesyn.networks.sequence import SequenceConfig, run_sequence
>>> res = run_sequence(SequenceConfig(n_classes=2, size=12, n_exc=4, exemplars=1,
...                    epochs=1, n_frames=2), baselines=False)          # doctest: +SKIP
>>> sorted(energy_summary(res)["phases"])                               # doctest: +SKIP
['label', 'test_st_stdp', 'test_static', 'train']

A result without energy reports is refused:

>>> from types import SimpleNamespace
>>> energy_summary(SimpleNamespace(energy=None))
Traceback (most recent call last):
...
spikesyn.errors.ParameterError: this SequenceResult carries no energy reports: run run_sequence again
"""

from __future__ import annotations

from spikesyn.energy import total_report
from spikesyn.energy_compare import comparison, format_comparison, format_joules
from spikesyn.errors import ParameterError

__all__ = ["energy_summary", "format_energy"]

_NOT_COUNTED = ("the training-time refresh (w_norm reprogramming of dG between examples, done "
                "in Python), the neurons, the lateral inhibition and the peripheral circuits")


def energy_summary(result, figures=None):
    """Device energy of a sequence run next to the digital estimate, per phase and in total.

    Parameters
    ----------
    result : SequenceResult
        From :func:`~spikesyn.networks.sequence.run_sequence` (its ``energy`` and
        ``operations``).
    figures : spikesyn.energy_compare.DigitalEstimate, optional
        Per-operation energies (default ``HOROWITZ_45NM``).

    Returns
    -------
    dict
        ``card``, ``n_synapses``, ``phases`` (``{phase: comparison}``), ``total`` (the
        comparison of all phases together: every simulated event of the run),
        ``refreshes`` (training-time reprogramming steps, whose energy is not counted) and
        ``not_counted``; a comparison has the keys of
        :func:`spikesyn.energy_compare.comparison`.
    """
    if not getattr(result, "energy", None):
        raise ParameterError("this SequenceResult carries no energy reports: run "
                             "run_sequence again")
    ops_total = {}
    for ops in result.operations.values():
        for k, v in ops.items():
            ops_total[k] = ops_total.get(k, 0) + v
    total = total_report(result.energy.values())
    net = getattr(result, "network", None)
    return {
        "card": result.config.get("synapse_card"),
        "n_synapses": int(total.per_synapse.size),
        "phases": {phase: comparison(rep, result.operations[phase], figures=figures)
                   for phase, rep in result.energy.items()},
        "total": comparison(total, ops_total, figures=figures),
        # the NetworkOperation's refreshes and the last one after training
        "refreshes": None if net is None else
        int(net.n_refresh) + int(float(result.config.get("w_norm") or 0) > 0),
        "not_counted": _NOT_COUNTED,
    }


def format_energy(e):
    """The human-readable lines of :func:`energy_summary`'s dict."""
    lines = [f"device energy: card {e['card']}, {e['n_synapses']} input synapses",
             f"  {'phase':<16}{'device':>14}{'digital SRAM':>16}{'ratio':>9}"
             f"{'digital DRAM':>16}{'ratio':>9}"]

    def ratio(x):
        return "-" if x is None else f"{x:.3g}"

    for phase, d in [*e["phases"].items(), ("all phases", e["total"])]:
        r = d["ratio_digital_over_device"]
        lines.append(f"  {phase:<16}{format_joules(d['device_J']):>14}"
                     f"{format_joules(d['digital_J']['sram']):>16}{ratio(r['sram']):>9}"
                     f"{format_joules(d['digital_J']['dram']):>16}{ratio(r['dram']):>9}")
    lines.append("all phases:")
    lines += format_comparison(e["total"])
    refreshes = "" if e.get("refreshes") is None else f" ({e['refreshes']} refreshes)"
    lines.append(f"  not counted: {e['not_counted']}{refreshes}")
    if e.get("plot"):
        lines.append(f"energy plot written to {e['plot']}")
    return lines
