"""``spikesyn energy``: device energy of a small demo network against a digital estimate.

Runs :func:`spikesyn.networks.energy_demo.energy_demo` and prints its report: the joules of
each of the card's event types, the total, the same work priced on a digital processor with
the weights in SRAM and in DRAM, and the ratio digital / device.

Examples
--------
Shell::

    spikesyn energy --card pcm --duration 1 --seed 0
    spikesyn energy --card srtio3 --json --plot energy.png

>>> from spikesyn.cli import build_parser
>>> args = build_parser().parse_args(["energy", "--card", "srtio3"])
>>> args.card, args.duration, args.target
('srtio3', 1.0, 'numpy')
"""

from __future__ import annotations

import json
import logging

from spikesyn.checks import SEED_MAX
from spikesyn.cli.argtypes import number
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.cli.outputs import check_output_paths
from spikesyn.energy_compare import format_comparison
from spikesyn.networks.energy_demo import energy_demo

__all__ = ["COMMAND", "format_table"]


def _positive(kind, hi):
    return number(kind, 0, hi, low_open=True)


def _add_arguments(p):
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


def format_table(d):
    """The human-readable report of :func:`~spikesyn.networks.energy_demo.energy_demo`'s dict."""
    lines = [f"device energy: card {d['card']}, {d['n_synapses']} synapses, {d['duration_s']:g} s, "
             f"seed {d['seed']} ({d['spikes']['pre']} input spikes, {d['spikes']['post']} output spikes)"]
    lines += format_comparison(d)
    if d.get("plot"):
        lines.append(f"plot written to {d['plot']}")
    return "\n".join(lines)


def _run(args, parser):
    check_output_paths([("--plot", args.plot, True)])
    logging.getLogger("brian2").setLevel(logging.ERROR)
    d = energy_demo(card=args.card, duration=args.duration, inputs=args.inputs,
                    neurons=args.neurons, rate=args.rate, seed=args.seed,
                    target=args.target, plot=args.plot)
    print(json.dumps(d) if args.json else format_table(d))
    return EXIT_OK


COMMAND = Command(
    "energy",
    help="device energy of a small demo network, per event type and per synapse, "
         "next to a digital (GPU) estimate from cited per-operation energies",
    description="Run a Poisson -> LIF network on synapses of a device card and report the "
                "energy of each device event type, the total, a digital estimate of the "
                "same work (Horowitz, ISSCC 2014, 45 nm figures) and the ratio.",
    epilog="exit status: 0 done, 2 bad input (card, option or output path)",
    add_arguments=_add_arguments, run=_run)
