"""The ``spikesyn reservoir`` subcommand: a spin-torque-oscillator reservoir on a benchmark task.

Wire it into a parser with :func:`add_parser` and run it with :func:`run`::

    spikesyn reservoir --task sine-square --json
    spikesyn reservoir --task narma10 --nodes 50 --theta 20ns
    spikesyn reservoir --theta 50ns --noise 0.1kHz --plot reservoir.png

Quantities are written with their unit (``20ns``, ``0.05us``, ``6mA``, ``1kHz``); a bare number
is refused. ``--json`` prints one object: ``accuracy`` (held-out, sine-square, with the chosen
readout), ``accuracy_by_readout``, ``nmse`` (held-out, NARMA10), ``error_per_point`` and
``settings``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile

from spikesyn.argtypes import number

__all__ = ["add_parser", "run", "quantity", "plot_result"]

EXIT_USAGE = 2
# short time units Brian2 spells out (it has ms and us, not ns or s)
_ALIASES = {"s": "second", "ns": "nsecond", "ps": "psecond"}
_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z].*)?$")


def quantity(unit_name, what):
    """An ``argparse`` type reading a number with a Brian2 unit of the dimension of ``unit_name``.

    Examples
    --------
    >>> print(quantity("second", "a time")("20ns"))
    20. ns
    >>> quantity("second", "a time")("20")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '20' has no unit: give a time with its unit, e.g. 20ns
    """
    import brian2 as b2

    from spikesyn.units import parse_unit

    unit = getattr(b2, unit_name)
    example = {"second": "20ns", "amp": "6mA", "hertz": "1kHz"}[unit_name]

    def parse(text):
        match = _NUMBER_AND_UNIT.match(text)
        if match is None:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} such as {example}")
        value, unit_text = match.groups()
        if not unit_text:
            raise argparse.ArgumentTypeError(
                f"{text!r} has no unit: give {what} with its unit, e.g. {example}")
        try:
            unit_text = unit_text.strip()
            q = float(value) * parse_unit(_ALIASES.get(unit_text, unit_text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
        if q.dim != unit.dim:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (e.g. {example})")
        return q

    return parse


def add_parser(subparsers):
    """Add the ``reservoir`` subcommand to an ``argparse`` subparsers object; return its parser."""
    from .reservoir import LIMITS, READOUTS, TASKS

    def count(name):
        return number(int, *LIMITS[name])

    p = subparsers.add_parser(
        "reservoir",
        help="time-multiplexed reservoir on one spin-torque nano-oscillator (Torrejon et al. "
             "2017): sine/square classification or NARMA10, ridge-regression readout",
        description="Drive spin-torque oscillators (the spin_torque_oscillator card, one per "
                    "input sequence) with a masked, time-multiplexed input, read the oscillation "
                    "amplitude at every node time (virtual neurons) and train a linear readout "
                    "(ridge or logistic regression); report the score on held-out sequences.",
        epilog="exit status: 0 done, 2 bad input (option, unit or output path)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--task", choices=TASKS, default="sine-square", help="benchmark task")
    p.add_argument("--nodes", type=count("n_nodes"), default=24, metavar="N",
                   help=f"virtual nodes per input value, in {list(LIMITS['n_nodes'])}")
    p.add_argument("--theta", type=quantity("second", "a time"), default="50ns", metavar="TIME",
                   help="node time, with its unit")
    p.add_argument("--bias", type=quantity("amp", "a current"), default="5mA", metavar="CURRENT",
                   help="direct current (the card's threshold is 4 mA)")
    p.add_argument("--amplitude", type=quantity("amp", "a current"), default="5mA",
                   metavar="CURRENT", help="input modulation depth")
    p.add_argument("--noise", type=quantity("hertz", "a frequency"), default=None, metavar="RATE",
                   help="thermal noise intensity D_T (None: the card's, 1kHz; 0kHz: no noise)")
    p.add_argument("--steps-per-node", type=count("steps_per_node"), default=None, metavar="K",
                   help="integration steps per node time (None: steps of at most 2 ns, "
                        "at least 4)")
    p.add_argument("--periods", type=count("periods"), default=40, metavar="P",
                   help="sine-square: periods per sequence")
    p.add_argument("--points", type=count("points"), default=400, metavar="P",
                   help="narma10: points per sequence")
    p.add_argument("--train", type=count("n_train"), default=6, metavar="S",
                   help="training sequences (one oscillator each)")
    p.add_argument("--test", type=count("n_test"), default=6, metavar="S",
                   help="held-out sequences")
    p.add_argument("--history", type=count("history"), default=2, metavar="H",
                   help="readout also sees the readings of the H previous input points "
                        "(0: the oscillator's relaxation is the only memory)")
    p.add_argument("--readout", choices=READOUTS, default="ridge",
                   help="sine-square readout: ridge regression (sign of its output) or "
                        "logistic regression; JSON gives both under accuracy_by_readout")
    p.add_argument("--ridge", type=number(float, 0, 1e6), default=1e-6, metavar="ALPHA",
                   help="penalty on the squared readout weights (standardised readings)")
    p.add_argument("--seed", type=number(int, 0, 2**31 - 1), default=0, metavar="K",
                   help="seed of data, mask and noise")
    p.add_argument("--target", choices=("numpy", "cython"), default="numpy",
                   help="Brian2 code generation target")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="plot the input, the oscillator's response and the readout's decision")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=lambda args, *rest: run(args))
    return p


def plot_result(result, path, points=48):
    """Save the input, the amplitude readings and the readout of one held-out sequence."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    tr = result.trace
    start = tr["washout"]
    stop = min(start + points, len(tr["u"]))
    n_nodes = tr["n_nodes"]
    theta_us = tr["theta_s"] * 1e6
    fig, axes = plt.subplots(3, 1, figsize=(10, 7.5), sharex=True)
    t_nodes = (np.arange(start * n_nodes, stop * n_nodes) + 1) * theta_us
    axes[0].step(t_nodes, tr["currents_A"][start * n_nodes:stop * n_nodes] * 1e3, where="pre",
                 lw=0.8)
    axes[0].set_ylabel("current (mA)")
    axes[0].set_title(f"{result.task}: masked input current")
    readings = tr["p"][start:stop, :n_nodes].ravel()
    axes[1].plot(t_nodes, readings, ".", ms=2)
    axes[1].set_ylabel("amplitude sqrt(p)")
    axes[1].set_title("oscillator amplitude at the end of each node time (virtual neurons)")
    t_points = (np.arange(start, stop) + 1) * n_nodes * theta_us
    axes[2].step(t_points, tr["target"][start:stop], where="pre", label="target", color="k")
    axes[2].step(t_points, tr["output"][start:stop], where="pre", label="readout", color="tab:red")
    if result.task == "sine-square":
        axes[2].set_ylabel("square (+1) / sine (-1)")
        axes[2].step(t_points, tr["u"][start:stop], where="pre", label="input u", alpha=0.4)
    else:
        axes[2].set_ylabel("y")
    axes[2].legend(loc="upper right", fontsize=8)
    axes[2].set_xlabel("time (us)")
    fig.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".reservoir.", suffix=".png", dir=directory)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _summary(d):
    s = d["settings"]
    head = (f"{d['task']}: {s['n_nodes']} virtual nodes, theta {s['theta_s'] * 1e9:g} ns "
            f"(relaxation time at the bias {_ns(s['relaxation_time_s'])}), bias "
            f"{s['bias_A'] * 1e3:g} mA +- {s['amplitude_A'] * 1e3:g} mA, noise D_T "
            f"{s['noise_D_T_Hz']:g} Hz, seed {s['seed']}")
    if d["task"] == "sine-square":
        other = {k: v for k, v in d["accuracy_by_readout"].items() if k != s["readout"]}
        lines = [head, f"  held-out accuracy {d['accuracy']:.4f} with the {s['readout']} readout "
                       f"(chance {d['chance']:.3f}, training {d['train_score']:.4f}; "
                       + ", ".join(f"{k} readout {v:.4f}" for k, v in other.items()) + ")"]
        for name, errs in d["error_per_point"].items():
            lines.append(f"  error per point, {name:<6}: "
                         + " ".join("-" if e is None else f"{e:.2f}" for e in errs))
    else:
        lines = [head, f"  held-out NMSE {d['nmse']:.4f} (1 = predicting the mean; training "
                       f"{d['train_score']:.4f})"]
    lines.append(f"  {d['time_s']:.1f} s")
    return "\n".join(lines)


def _ns(seconds):
    return "-" if seconds is None else f"{seconds * 1e9:g} ns"


def run(args):
    """Run the subcommand for parsed ``args``; return the exit status."""
    import logging

    from spikesyn.errors import SpikesynError

    from .reservoir import run_reservoir

    try:
        if args.plot is not None:
            directory = os.path.dirname(os.path.abspath(args.plot))
            if not os.path.isdir(directory):
                raise SpikesynError(f"{args.plot}: directory {directory} does not exist")
            if os.path.lexists(args.plot) and not os.path.isfile(args.plot):
                raise SpikesynError(f"{args.plot}: exists and is not a regular file")
        logging.getLogger("brian2").setLevel(logging.ERROR)

        def progress(msg):
            if not args.quiet:
                print(f"  {msg}", file=sys.stderr, flush=True)

        res = run_reservoir(task=args.task, n_nodes=args.nodes, theta=args.theta, bias=args.bias,
                            amplitude=args.amplitude, noise=args.noise,
                            steps_per_node=args.steps_per_node, periods=args.periods,
                            points=args.points, n_train=args.train, n_test=args.test,
                            history=args.history, readout=args.readout, ridge=args.ridge,
                            seed=args.seed,
                            target=args.target, progress=progress)
        if args.plot is not None:
            plot_result(res, args.plot)
    except (SpikesynError, OSError) as exc:
        print(f"spikesyn reservoir: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    d = res.to_dict()
    d["plot"] = args.plot
    print(json.dumps(d) if args.json else _summary(d))
    return 0
