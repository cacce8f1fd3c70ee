"""The ``spikesyn stpn`` subcommand: STPN scores for three Lambda ranges and its SrTiO3 energy.

Wire it into a parser with :func:`add_parser` and run it with :func:`run` (or :func:`main` on
its own)::

    spikesyn stpn --json                      # quick: 1 seed, short training
    spikesyn stpn --seeds 3 --steps 800 --json

``--json`` prints one object: ``score`` (``none``, ``device``, ``unconstrained`` -> mean held-out
accuracy on the associative retrieval task), ``spread``, ``seeds``, ``per_seed``, ``energy``
(``device_J`` and ``gpu_J`` per sequence, ``ratio``), ``deployment`` and ``settings``. Training
needs the optional extra: ``pip install "spikesyn[stpn]"``.

Examples
--------
>>> parser = argparse.ArgumentParser(prog="spikesyn")
>>> p = add_parser(parser.add_subparsers())
>>> p.parse_args(["--seeds", "2"]).seeds
2
"""

from __future__ import annotations

import argparse
import json
import sys

from spikesyn.argtypes import number

__all__ = ["add_parser", "run", "main"]

EXIT_USAGE = 2


def add_parser(subparsers):
    """Add the ``stpn`` subcommand to an ``argparse`` subparsers object; return its parser."""
    p = subparsers.add_parser(
        "stpn",
        help="short-term plasticity neurons (STPN, Rodriguez et al. 2022) on SrTiO3 synapses: "
             "held-out accuracy for Lambda = 0, [0.08, 0.92] and [0, 1], device energy vs a GPU",
        description="Train an STPN layer by backpropagation through time (JAX) on the associative "
                    "retrieval task for three Lambda ranges over several seeds, then run the "
                    "device-range network in Brian2 on the srtio3 card for its energy per "
                    "sequence against a digital estimate (Horowitz, ISSCC 2014).",
        epilog='exit status: 0 done, 2 bad input or missing extra (pip install "spikesyn[stpn]")',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
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
    p.set_defaults(func=lambda args, *rest: run(args))
    return p


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


def run(args):
    """Run the subcommand for parsed ``args``; return the exit status."""
    import logging

    from spikesyn.errors import SpikesynError
    from spikesyn.networks.stpn_study import run_study

    def progress(msg):
        if not args.quiet:
            print(f"  {msg}", file=sys.stderr, flush=True)

    try:
        logging.getLogger("brian2").setLevel(logging.ERROR)
        d = run_study(seeds=range(args.seeds), deploy_sequences=args.deploy, progress=progress,
                      hidden=args.hidden, n_pairs=args.pairs, n_keys=args.keys, n_values=args.values,
                      steps=args.steps, batch=args.batch, learning_rate=args.lr, n_test=args.test)
    except SpikesynError as exc:
        print(f"spikesyn stpn: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if d["energy"]:
        d["energy"].pop("per_synapse_J")
    print(json.dumps(d) if args.json else _summary(d))
    return 0


def main(argv=None):
    """Parse ``argv`` as ``spikesyn stpn`` would and run it; return the exit status."""
    parser = argparse.ArgumentParser(prog="spikesyn")
    sub = parser.add_subparsers()
    add_parser(sub)
    args = parser.parse_args(["stpn"] + list(sys.argv[1:] if argv is None else argv))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
