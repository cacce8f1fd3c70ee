"""Accuracy of the spin-torque-oscillator reservoir against noise, virtual nodes and theta / tau.

Runs :func:`spikesyn.networks.reservoir.run_reservoir` on the sine-square task at the defaults
of ``spikesyn reservoir`` and varies one setting at a time: the thermal noise intensity D_T,
the number of virtual nodes N, the node time theta as a fraction of the power's relaxation time
tau at the bias, and the readout's history (readings of earlier input points). Each cell is the
held-out accuracy, mean (min-max) over seeds, of a ridge-regression readout and of a logistic
readout trained on the same readings. A last table gives NARMA10's held-out NMSE.
Prints markdown tables; ``--plot`` saves the response and decision of the default run.

Command (about 15 minutes on one core with Brian2's Cython target; the first run compiles)::

    python benchmarks/reservoir.py --plot reservoir.png
    python benchmarks/reservoir.py --seeds 1 --quick
"""

import argparse
import json
import logging
import math
import sys
import time

import numpy as np
from brian2 import kHz, mA, nsecond

import spikesyn as ss
from spikesyn.networks.reservoir import (logistic_fit, narma10_series, relaxation_time,
                                         ridge_fit, run_reservoir, sine_square_series)
from spikesyn.plot import plot_reservoir

NOISES_KHZ = (0.0, 0.01, 0.1, 1.0, 10.0, 100.0)
NODES = (8, 24, 50)
THETA_OVER_TAU = (0.05, 0.1, 0.25, 0.5, 1.0)
HISTORIES = (0, 1, 2)


def _cell(values):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ({values.min():.3f}-{values.max():.3f})"


def _row(label, runs):
    return (f"| {label} | {_cell([r.accuracy_by_readout['ridge'] for r in runs])} | "
            f"{_cell([r.accuracy_by_readout['logistic'] for r in runs])} |")


def _control_row(n_seeds, history):
    """A linear readout of the raw inputs with the same delay line: no oscillator at all."""
    accuracies = {"ridge": [], "logistic": []}
    for seed in range(n_seeds):
        rng = np.random.default_rng([seed, 27])
        train = [sine_square_series(40, rng) for _ in range(6)]
        test = [sine_square_series(40, rng) for _ in range(6)]

        def stack(series):
            X = np.concatenate([np.stack([np.r_[np.zeros(k), d["u"][:len(d["u"]) - k]]
                                          for k in range(history + 1)], axis=1)[8:]
                                for d in series])
            return X, np.concatenate([2.0 * d["label"][8:] - 1 for d in series])

        (X, y), (Xt, yt) = stack(train), stack(test)
        for name, fit in (("ridge", ridge_fit), ("logistic", logistic_fit)):
            accuracies[name].append(float(((fit(X, y, 1e-6)(Xt) > 0) == (yt > 0)).mean()))
    return (f"| control: raw inputs u[k-{history}..k], no oscillator | "
            f"{_cell(accuracies['ridge'])} | {_cell(accuracies['logistic'])} |")


def _narma_control_row(n_seeds, history):
    """NMSE of a linear readout of the raw inputs u[k-history..k], no oscillator."""
    nmse = []
    for seed in range(n_seeds):
        rng = np.random.default_rng([seed, 27])
        train = [narma10_series(400, rng) for _ in range(6)]
        test = [narma10_series(400, rng) for _ in range(6)]

        def stack(series):
            X = np.concatenate([np.stack([np.r_[np.zeros(k), d["u"][:len(d["u"]) - k]]
                                          for k in range(history + 1)], axis=1)[20:]
                                for d in series])
            return X, np.concatenate([d["y"][20:] for d in series])

        (X, y), (Xt, yt) = stack(train), stack(test)
        nmse.append(float(np.mean((ridge_fit(X, y, 1e-6)(Xt) - yt) ** 2) / np.var(yt)))
    return f"| control: raw inputs u[k-{history}..k], no oscillator | {_cell(nmse)} | - |"


HEADER = "| {} | ridge readout | logistic readout |\n|---|---|---|"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--history", type=int, default=2,
                   help="readout history of every row but the history table's (default 2)")
    p.add_argument("--quick", action="store_true", help="shorter sequences (a smoke test)")
    p.add_argument("--target", choices=("numpy", "cython"), default="cython")
    p.add_argument("--plot", help="PNG of the default run's response and decision")
    p.add_argument("--json", help="also write every run's result here")
    args = p.parse_args(argv)
    logging.getLogger("brian2").setLevel(logging.ERROR)

    size = dict(periods=12, n_train=3, n_test=3) if args.quick else {}
    if args.quick:
        print(_control_row(1, 2))
    base = dict(target=args.target, **size)
    defaults = dict(theta=50 * nsecond, bias=5 * mA, amplitude=5 * mA, n_nodes=24,
                    history=args.history)
    card = ss.load_model("spin_torque_oscillator").parameters
    tau = relaxation_time(defaults["bias"], card["Gamma_G"], card["sigma"])
    seeds = range(args.seeds)
    records = []
    t0 = time.perf_counter()

    def runs(**changes):
        out = []
        for s in seeds:
            r = run_reservoir("sine-square", seed=s, **{**base, **defaults, **changes})
            records.append({"changes": {k: str(v) for k, v in changes.items()}, **r.to_dict()})
            out.append(r)
        print(f"  ... {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        return out

    print(f"sine-square, held-out accuracy, mean (min-max) over {args.seeds} seeds; defaults: "
          f"N = 24, theta = 50 ns, bias 5 mA +- 5 mA (threshold 4 mA, tau at the bias "
          f"{float(tau / nsecond):g} ns), D_T = 1 kHz, readout history {args.history}\n")
    default_runs = runs()
    print(HEADER.format("noise D_T"))
    for d in NOISES_KHZ:
        print(_row(f"{d:g} kHz", default_runs if d == 1.0 else runs(noise=d * kHz)), flush=True)
    print("\n" + HEADER.format("virtual nodes N"))
    for n in NODES:
        print(_row(str(n), default_runs if n == 24 else runs(n_nodes=n)), flush=True)
    print("\n" + HEADER.format("theta / tau"))
    for ratio in THETA_OVER_TAU:
        theta = ratio * tau
        steps = max(10, math.ceil(float(theta / nsecond) / 4))     # steps of at most 4 ns
        print(_row(f"{ratio:g} ({float(theta / nsecond):g} ns)",
                   runs(theta=theta, steps_per_node=steps)), flush=True)
    print("\n" + HEADER.format("readout history"))
    for h in HISTORIES:
        print(_row(str(h), default_runs if h == args.history else runs(history=h)), flush=True)
    print(_control_row(args.seeds, HISTORIES[-1]), flush=True)
    print("\n| NARMA10 (ridge readout) | held-out NMSE | train NMSE |\n|---|---|---|")
    for h in (0, 2, 9):
        narma = []
        for s in seeds:
            r = run_reservoir("narma10", seed=s, **{**base, **defaults, "history": h})
            records.append({"changes": {"history": h}, **r.to_dict()})
            narma.append(r)
        print(f"| N = 24, history {h} | {_cell([r.nmse for r in narma])} | "
              f"{_cell([r.train_score for r in narma])} |", flush=True)
        print(_narma_control_row(args.seeds, h), flush=True)
    print(f"\n{time.perf_counter() - t0:.0f} s in all")
    if args.plot:
        plot_reservoir(args.plot, default_runs[0])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(records, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
