"""The ``spikesyn energy`` subcommand: device energy of a small demo network against a digital estimate.

A Poisson input layer drives a layer of ``lif`` neurons through synapses of a chosen device card
(all to all, the card's ``[initial]`` values applied). After the run the report lists the joules
of each of the card's event types, the total, the same work priced on a digital processor from
cited per-operation figures (:mod:`spikesyn.energy_compare`) with the weights in SRAM and in
DRAM, and the ratio digital / device.

Wire it into a parser with :func:`add_parser` and run it with :func:`run`::

    spikesyn energy --card pcm --duration 1 --seed 0
    spikesyn energy --card srtio3 --json --plot energy.png

From Python, :func:`energy_demo` returns the same data as a dict.
"""

from __future__ import annotations

import json
import math
import sys

from spikesyn.argtypes import number
from spikesyn.checks import SEED_MAX
from spikesyn.readable import format_si

__all__ = ["add_parser", "run", "energy_demo", "format_table", "comparison", "format_comparison"]

EXIT_USAGE = 2


def _positive(kind, hi):
    return number(kind, 0, hi, low_open=True)


def add_parser(subparsers):
    """Add the ``energy`` subcommand to an ``argparse`` subparsers object; return its parser."""
    p = subparsers.add_parser(
        "energy",
        help="device energy of a small demo network, per event type and per synapse, "
             "next to a digital (GPU) estimate from cited per-operation energies",
        description="Run a Poisson -> LIF network on synapses of a device card and report the "
                    "energy of each device event type, the total, a digital estimate of the "
                    "same work (Horowitz, ISSCC 2014, 45 nm figures) and the ratio.",
        epilog="exit status: 0 done, 2 bad input (card, option or output path)")
    p.add_argument("--card", default="pcm", metavar="NAME",
                   help="synapse device card: a shipped name (pcm, pcm_pair, pcm_memtransistor, "
                        "two_tier, srtio3, stdp, ...) or a path to a card file (default pcm)")
    p.add_argument("--duration", type=_positive(float, 1e4), default=1.0, metavar="S",
                   help="simulated time in seconds (default 1)")
    p.add_argument("--inputs", type=_positive(int, 100_000), default=50, metavar="N",
                   help="Poisson inputs (default 50)")
    p.add_argument("--neurons", type=_positive(int, 100_000), default=10, metavar="N",
                   help="LIF neurons (default 10)")
    p.add_argument("--rate", type=_positive(float, 1e4), default=20.0, metavar="HZ",
                   help="input rate in Hz (default 20)")
    p.add_argument("--seed", type=number(int, 0, SEED_MAX), default=0, metavar="K",
                   help="random seed (default 0)")
    p.add_argument("--target", choices=("numpy", "cython"), default="numpy",
                   help="Brian2 code generation target (default numpy)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="write the per-synapse histogram and per-event bar chart (default: no plot)")
    p.set_defaults(func=lambda args, *rest: run(args))
    return p


def energy_demo(card="pcm", duration=1.0, inputs=50, neurons=10, rate=20.0, seed=0,
                target="numpy", plot=None):
    """Run the demo network and return the energy report as plain data.

    Parameters
    ----------
    card : str or path
        Synapse card with ``[events]``.
    duration : float
        Simulated seconds.
    inputs, neurons : int
        Sizes of the Poisson input layer and the LIF layer (all-to-all synapses).
    rate : float
        Input rate in Hz.
    seed : int
    target : {"numpy", "cython"}
    plot : str, optional
        PNG to write (:func:`spikesyn.energy_compare.plot_histogram`).

    Returns
    -------
    dict
        ``card``, ``duration_s``, ``seed``, ``n_synapses``, ``spikes`` (pre, post), ``plot``
        and the keys of :func:`comparison`: ``events``
        (``{name: {"count": int or None, "energy_J": float}}``), ``device_J``,
        ``per_synapse_J`` (min, mean, max), ``operations``, ``digital_J`` and
        ``ratio_digital_over_device`` (each ``{"sram": ..., "dram": ...}``),
        ``digital_neurons_J`` (None here: neuron updates are not counted) and ``figures``.

    Raises
    ------
    spikesyn.SpikesynError
        Unknown card, a card that is not a synapse, or one without energy events.
    """
    import brian2 as b2

    import spikesyn as ss
    from spikesyn.energy_compare import operation_counts
    from spikesyn.checks import finite_number, positive_int, seed_value
    from spikesyn.errors import ParameterError
    from spikesyn.outputs import atomic_write, check_output
    from spikesyn.resources import NEURON_BYTES, SYNAPSE_BYTES, check_memory

    if plot is not None:
        check_output(plot, "plot", image=True)
    model = ss.load_model(card)
    if model.kind != "synapse":
        raise ParameterError(f"card {model.name!r} is a {model.kind} card: give a synapse device card")
    if not model.events:
        raise ParameterError(f"card {model.name!r} declares no [events]: no device energy to report")
    lif = ss.load_model("lif")
    missing = {k: v for k, v in model.requires.get("post", {}).items()
               if k not in lif.variables}
    if missing or model.requires.get("pre"):
        raise ParameterError(f"card {model.name!r} needs variables the Poisson -> lif demo "
                             f"lacks: {sorted(missing) or sorted(model.requires.get('pre', {}))}")

    inputs = positive_int(inputs, "inputs")
    neurons = positive_int(neurons, "neurons")
    seed = seed_value(seed)
    duration = finite_number(duration, "duration")
    rate = finite_number(rate, "rate")
    if duration <= 0 or rate <= 0:
        raise ParameterError(f"duration and rate must be positive, got duration={duration!r}, rate={rate!r}")
    check_memory(inputs * neurons * SYNAPSE_BYTES + (inputs + neurons) * NEURON_BYTES,
                 f"all-to-all synapses from {inputs} inputs to {neurons} neurons "
                 f"({inputs * neurons} synapses)")
    b2.prefs.codegen.target = target
    b2.seed(seed)
    pre = b2.PoissonGroup(int(inputs), float(rate) * b2.Hz, name="energy_inputs*")
    post = b2.NeuronGroup(int(neurons), **lif.neuron_kwargs(), name="energy_neurons*")
    kwargs = model.synapse_kwargs()
    syn = b2.Synapses(pre, post, **kwargs, name="energy_synapses*")
    syn.connect()
    model.initialise(syn)
    m_pre, m_post = b2.SpikeMonitor(pre), b2.SpikeMonitor(post)
    net = b2.Network(pre, post, syn, m_pre, m_post)
    net.run(float(duration) * b2.second)

    report = ss.energy_of(syn, model)
    ops = operation_counts(syn, m_pre.count[:], m_post.count[:], plastic="on_post" in kwargs)
    if plot is not None:
        atomic_write(plot, report.plot_histogram)
    return {
        "card": model.name,
        "duration_s": float(duration),
        "seed": int(seed),
        "n_synapses": int(len(syn)),
        "spikes": {"pre": int(m_pre.num_spikes), "post": int(m_post.num_spikes)},
        **comparison(report, ops),
        "plot": plot,
    }


def _fin(x):
    return float(x) if math.isfinite(x) else None


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
    import brian2 as b2
    import numpy as np

    from spikesyn.energy_compare import HOROWITZ_45NM, compare, digital_energy

    figures = HOROWITZ_45NM if figures is None else figures
    ops = {k: int(v) for k, v in operations.items()}
    n_syn, n_upd = ops.get("n_synaptic_events", 0), ops.get("n_weight_updates", 0)
    n_neu = ops.get("n_neuron_updates", 0)
    digital = {mem: digital_energy(n_syn, n_upd, memory=mem, figures=figures)
               for mem in ("sram", "dram")}
    comparisons = {mem: compare(report, d) for mem, d in digital.items()}
    per_syn = np.asarray(report.per_synapse / b2.joule, dtype=float).ravel()
    neurons = None
    if n_neu:
        neurons = {mem: float(figures.breakdown(0, 0, n_neu, mem)["neuron_update"] / b2.joule)
                   for mem in ("sram", "dram")}
    return {
        "events": {name: {"count": report.counts.get(name),
                          "energy_J": float(report.per_event[name] / b2.joule)}
                   for name in report.per_event},
        "device_J": float(report.total / b2.joule),
        "per_synapse_J": {"min": float(per_syn.min()) if per_syn.size else 0.0,
                          "mean": float(per_syn.mean()) if per_syn.size else 0.0,
                          "max": float(per_syn.max()) if per_syn.size else 0.0},
        "operations": ops,
        "digital_J": {mem: float(d / b2.joule) for mem, d in digital.items()},
        "ratio_digital_over_device": {mem: _fin(c.ratio) for mem, c in comparisons.items()},
        "digital_neurons_J": neurons,
        "figures": figures.to_dict(),
    }


def _fmt_j(x):
    if x is None:
        return "-"
    return format_si(x, unit="J")


def format_comparison(d, indent="  "):
    """The lines of a :func:`comparison` dict: events, total, per synapse, digital estimate.

    Examples
    --------
    >>> from brian2 import pjoule
    >>> from spikesyn.energy import EnergyReport
    >>> rep = EnergyReport(counts={"read": 10}, per_event={"read": 2 * pjoule},
    ...                    per_synapse=[1.5, 0.5] * pjoule)
    >>> lines = format_comparison(comparison(rep, {"n_synaptic_events": 10, "n_weight_updates": 0}))
    >>> print(lines[-4].strip())
    weights in SRAM              96 pJ   digital / device = 48
    """
    lines = [f"{indent}{'event':<14}{'count':>12}{'energy':>18}"]
    for name, e in d["events"].items():
        count = "" if e["count"] is None else e["count"]
        lines.append(f"{indent}{name:<14}{count:>12}{_fmt_j(e['energy_J']):>18}")
    lines.append(f"{indent}{'total':<14}{'':>12}{_fmt_j(d['device_J']):>18}")
    ps = d["per_synapse_J"]
    lines.append(f"{indent}per synapse: min {_fmt_j(ps['min'])}, mean {_fmt_j(ps['mean'])}, "
                 f"max {_fmt_j(ps['max'])}")
    ops = d["operations"]
    lines.append(f"digital estimate ({d['figures']['node']}): {ops['n_synaptic_events']} synaptic "
                 f"events, {ops['n_weight_updates']} weight updates")
    for mem in ("sram", "dram"):
        r = d["ratio_digital_over_device"][mem]
        ratio = "-" if r is None else f"{r:.3g}"
        lines.append(f"{indent}weights in {mem.upper():<5}{_fmt_j(d['digital_J'][mem]):>18}   "
                     f"digital / device = {ratio}")
    if d.get("digital_neurons_J"):
        nj = d["digital_neurons_J"]
        lines.append(f"{indent}+ {ops['n_neuron_updates']} neuron updates: {_fmt_j(nj['sram'])} "
                     f"(SRAM), {_fmt_j(nj['dram'])} (DRAM), not in the ratio (the device "
                     f"report covers synapses only)")
    lines.append(f"{indent}figures: {d['figures']['source']}")
    lines.append(f"{indent}scaling: {d['figures']['scaling']}")
    return lines


def format_table(d):
    """The human-readable report of :func:`energy_demo`'s dict."""
    lines = [f"device energy: card {d['card']}, {d['n_synapses']} synapses, {d['duration_s']:g} s, "
             f"seed {d['seed']} ({d['spikes']['pre']} input spikes, {d['spikes']['post']} output spikes)"]
    lines += format_comparison(d)
    if d.get("plot"):
        lines.append(f"plot written to {d['plot']}")
    return "\n".join(lines)


def run(args):
    """Run the subcommand for parsed ``args``; return the exit status."""
    from spikesyn.errors import SpikesynError
    from spikesyn.outputs import check_output
    try:
        if args.plot is not None:
            check_output(args.plot, "--plot", image=True)
        import logging
        logging.getLogger("brian2").setLevel(logging.ERROR)
        d = energy_demo(card=args.card, duration=args.duration, inputs=args.inputs,
                        neurons=args.neurons, rate=args.rate, seed=args.seed,
                        target=args.target, plot=args.plot)
    except (SpikesynError, OSError) as exc:
        print(f"spikesyn energy: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(d))
    else:
        print(format_table(d))
    return 0
