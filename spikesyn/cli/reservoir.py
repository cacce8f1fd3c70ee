"""``spikesyn reservoir``: a spin-torque-oscillator reservoir on a benchmark task.

Quantities are written with their unit (``20ns``, ``0.05us``, ``6mA``, ``1kHz``); a bare number
is refused. ``--json`` prints one object: ``accuracy`` (held-out, sine-square, with the chosen
readout), ``accuracy_by_readout``, ``nmse`` (held-out, NARMA10), ``error_per_point`` and
``settings``.

Examples
--------
Shell::

    spikesyn reservoir --task sine-square --json
    spikesyn reservoir --task narma10 --nodes 50 --theta 20ns
    spikesyn reservoir --theta 50ns --noise 0.1kHz --plot reservoir.png

>>> from spikesyn.cli import build_parser
>>> print(build_parser().parse_args(["reservoir", "--theta", "0.02us"]).theta)
20. ns
"""

from __future__ import annotations

import json
import logging

from spikesyn.cli.argtypes import number, quantity
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.cli.console import progress_lines
from spikesyn.cli.outputs import check_output_paths, write_output_set
from spikesyn.networks.reservoir import LIMITS, READOUTS, TASKS, run_reservoir
from spikesyn.plot import plot_reservoir

__all__ = ["COMMAND"]


def _count(name):
    return number(int, *LIMITS[name])


def _add_arguments(p):
    p.add_argument("--task", choices=TASKS, default="sine-square", help="benchmark task")
    p.add_argument("--nodes", type=_count("n_nodes"), default=24, metavar="N",
                   help=f"virtual nodes per input value, in {list(LIMITS['n_nodes'])}")
    p.add_argument("--theta", type=quantity("second", "a time"), default="50ns", metavar="TIME",
                   help="node time, with its unit")
    p.add_argument("--bias", type=quantity("amp", "a current"), default="5mA", metavar="CURRENT",
                   help="direct current (the card's threshold is 4 mA)")
    p.add_argument("--amplitude", type=quantity("amp", "a current"), default="5mA",
                   metavar="CURRENT", help="input modulation depth")
    p.add_argument("--noise", type=quantity("hertz", "a frequency"), default=None, metavar="RATE",
                   help="thermal noise intensity D_T (None: the card's, 1kHz; 0kHz: no noise)")
    p.add_argument("--steps-per-node", type=_count("steps_per_node"), default=None, metavar="K",
                   help="integration steps per node time (None: steps of at most 2 ns, "
                        "at least 4)")
    p.add_argument("--periods", type=_count("periods"), default=40, metavar="P",
                   help="sine-square: periods per sequence")
    p.add_argument("--points", type=_count("points"), default=400, metavar="P",
                   help="narma10: points per sequence")
    p.add_argument("--train", type=_count("n_train"), default=6, metavar="S",
                   help="training sequences (one oscillator each)")
    p.add_argument("--test", type=_count("n_test"), default=6, metavar="S",
                   help="held-out sequences")
    p.add_argument("--history", type=_count("history"), default=2, metavar="H",
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


def _ns(seconds):
    return "-" if seconds is None else f"{seconds * 1e9:g} ns"


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


def _run(args, parser):
    check_output_paths([("--plot", args.plot, True)])
    logging.getLogger("brian2").setLevel(logging.ERROR)
    res = run_reservoir(task=args.task, n_nodes=args.nodes, theta=args.theta, bias=args.bias,
                        amplitude=args.amplitude, noise=args.noise,
                        steps_per_node=args.steps_per_node, periods=args.periods,
                        points=args.points, n_train=args.train, n_test=args.test,
                        history=args.history, readout=args.readout, ridge=args.ridge,
                        seed=args.seed, target=args.target,
                        progress=progress_lines(args.quiet, indent="  "))
    if args.plot is not None:
        write_output_set([(args.plot, lambda tmp: plot_reservoir(tmp, res))])
    d = res.to_dict()
    d["plot"] = args.plot
    print(json.dumps(d) if args.json else _summary(d))
    return EXIT_OK


COMMAND = Command(
    "reservoir",
    help="time-multiplexed reservoir on one spin-torque nano-oscillator (Torrejon et al. "
         "2017): sine/square classification or NARMA10, ridge-regression readout",
    description="Drive spin-torque oscillators (the spin_torque_oscillator card, one per "
                "input sequence) with a masked, time-multiplexed input, read the oscillation "
                "amplitude at every node time (virtual neurons) and train a linear readout "
                "(ridge or logistic regression); report the score on held-out sequences.",
    epilog="exit status: 0 done, 2 bad input (option, unit or output path)",
    add_arguments=_add_arguments, run=_run, show_defaults=True)
