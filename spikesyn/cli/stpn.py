"""``spikesyn stpn``: STPN scores for three Lambda ranges and its SrTiO3 energy against a GPU.

Trains an STPN layer (Rodriguez, Guo & Moraitis 2022) by backpropagation through time on the
associative retrieval task with Lambda fixed at 0, in the SrTiO3 device range [0.08, 0.92] and in
[0, 1], then runs the device-range network in Brian2 on the ``srtio3`` card
(:func:`spikesyn.networks.stpn_study.run_study`). ``--json`` prints one object: ``score``
(``none``, ``device``, ``unconstrained`` -> mean held-out accuracy over seeds), ``spread``,
``seeds``, ``per_seed``, ``energy`` (``device_J`` and ``gpu_J`` per sequence, ``ratio``),
``deployment`` and ``settings``. Training needs ``pip install "spikesyn[stpn]"``.

Examples
--------
Shell::

    spikesyn stpn --json                      # quick: 1 seed, 250 training steps
    spikesyn stpn --seeds 3 --steps 800 --json

>>> from spikesyn.cli import build_parser
>>> build_parser().parse_args(["stpn", "--seeds", "2"]).seeds
2
"""

from __future__ import annotations

import json
import logging

from spikesyn.cli.argtypes import number
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.cli.console import progress_lines
from spikesyn.networks.stpn_study import run_study

__all__ = ["COMMAND"]


def _add_arguments(p):
    p.add_argument("--seeds", type=number(int, 1, 50), default=1, metavar="N",
                   help="seeds per regime (0 .. N-1)")
    p.add_argument("--steps", type=number(int, 1, 10**6), default=250, metavar="N",
                   help="training steps (Adam, one batch each)")
    p.add_argument("--hidden", type=number(int, 1, 256), default=16, metavar="N", help="STPN units")
    p.add_argument("--pairs", type=number(int, 1, 20), default=3, metavar="N",
                   help="key-value pairs per sequence")
    p.add_argument("--keys", type=number(int, 1, 100), default=10, metavar="N", help="key alphabet")
    p.add_argument("--values", type=number(int, 2, 100), default=6, metavar="N", help="value alphabet")
    p.add_argument("--lr", type=number(float, 0, 10, low_open=True), default=1e-2, metavar="RATE",
                   help="Adam step size")
    p.add_argument("--batch", type=number(int, 1, 4096), default=128, metavar="N",
                   help="sequences per training step")
    p.add_argument("--test", type=number(int, 1, 10**6), default=2000, metavar="N",
                   help="held-out sequences per score")
    p.add_argument("--deploy", type=number(int, 0, 10**4), default=50, metavar="N",
                   help="held-out sequences run in Brian2 on the srtio3 card (0: no energy)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _summary(d):
    lines = [f"STPN on associative retrieval ({d['settings']['n_pairs']} pairs, chance "
             f"{d['settings']['chance']:.3f}), {len(d['seeds'])} seed(s):"]
    for regime, score in d["score"].items():
        lines.append(f"  {regime:<14} accuracy {score:.3f} +- {d['spread'][regime]:.3f}")
    if d["energy"]:
        e, dep = d["energy"], d["deployment"]
        lines.append(f"  srtio3 devices {e['device_J']:.3g} J per sequence, GPU estimate "
                     f"{e['gpu_J']:.3g} J: {e['ratio']:.3g} x less on devices")
        lines.append(f"  Brian2 deployment accuracy {dep['accuracy_brian2']:.3f} (numpy model "
                     f"{dep['accuracy_numpy']:.3f}, same answer on {dep['agreement']:.1%})")
    lines.append(f"  {d['time_s']:.1f} s")
    return "\n".join(lines)


def _run(args, parser):
    logging.getLogger("brian2").setLevel(logging.ERROR)
    d = run_study(seeds=range(args.seeds), deploy_sequences=args.deploy,
                  progress=progress_lines(args.quiet, indent="  "),
                  hidden=args.hidden, n_pairs=args.pairs, n_keys=args.keys, n_values=args.values,
                  steps=args.steps, batch=args.batch, learning_rate=args.lr, n_test=args.test)
    if d["energy"]:
        d["energy"].pop("per_synapse_J")
    print(json.dumps(d) if args.json else _summary(d))
    return EXIT_OK


COMMAND = Command(
    "stpn",
    help="short-term plasticity neurons (STPN) on SrTiO3 synapses: held-out accuracy for "
         "Lambda = 0, [0.08, 0.92] and [0, 1], device energy against a GPU estimate",
    description="Train an STPN layer by backpropagation through time (JAX) on the associative "
                "retrieval task for three Lambda ranges over several seeds, then run the "
                "device-range network in Brian2 on the srtio3 card for its energy per sequence "
                "against a digital estimate (Horowitz, ISSCC 2014).",
    epilog='exit status: 0 done, 2 bad input or missing extra (pip install "spikesyn[stpn]")',
    add_arguments=_add_arguments, run=_run, show_defaults=True)
