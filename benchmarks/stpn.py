"""STPN on SrTiO3 synapses: held-out accuracy for three Lambda ranges, and device energy vs a GPU.

Runs :func:`spikesyn.networks.stpn_study.run_study`: an STPN layer (16 units, per-synapse Lambda
and Gamma) trained by backpropagation through time (JAX, Adam) on the associative retrieval
task, for Lambda fixed at 0, the SrTiO3 device range [0.08, 0.92] and [0, 1] (the table of
Weilenmann et al. 2024, Fig. 4b), over several seeds; then the device-range network of the
first seed runs in Brian2 on the srtio3 card for its energy per sequence against a GPU estimate
from Horowitz's per-operation figures. Prints a markdown table, writes the whole result as
JSON and a per-synapse energy histogram (PNG).

Needs ``pip install "spikesyn[stpn]"``. Command (about 15 minutes on a busy 2-core machine)::

    python benchmarks/stpn.py --seeds 3 --steps 800 --json stpn.json --histogram stpn_energy.png
"""

import argparse
import json
import logging
import os
import platform
import sys
import tempfile

import numpy as np

from spikesyn.networks.stpn_study import run_study


def table(d):
    rows = ["| Lambda range | " + " | ".join(f"seed {s}" for s in d["seeds"]) + " | mean | std |",
            "|---|" + "---|" * (len(d["seeds"]) + 2)]
    names = {"none": "0 (no STP)", "device": "[0.08, 0.92] (SrTiO3)", "unconstrained": "[0, 1]"}
    for regime, scores in d["per_seed"].items():
        rows.append(f"| {names[regime]} | " + " | ".join(f"{s:.3f}" for s in scores)
                    + f" | {d['score'][regime]:.3f} | {d['spread'][regime]:.3f} |")
    return "\n".join(rows)


def plot_histogram(per_synapse_J, path):
    """Histogram of the device energy per synapse and sequence, written whole or not at all."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    values = np.asarray(per_synapse_J) * 1e12
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(values, bins=40, color="tab:blue")
    ax.set_xlabel("device energy per synapse and sequence (pJ)")
    ax.set_ylabel("synapses")
    ax.set_title("STPN on SrTiO3 synapses: energy per synapse")
    fig.tight_layout()
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--deploy", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--regimes", default="none,device,unconstrained")
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--json", default=None, help="write the whole result here")
    parser.add_argument("--histogram", default=None, help="per-synapse energy histogram (PNG)")
    args = parser.parse_args()
    logging.getLogger("brian2").setLevel(logging.ERROR)
    d = run_study(seeds=range(args.seeds), steps=args.steps, learning_rate=args.lr,
                  n_pairs=args.pairs, n_keys=args.keys, regimes=tuple(args.regimes.split(",")),
                  deploy_sequences=args.deploy, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(table(d))
    e, dep = d["energy"], d["deployment"]
    if e is not None:
        events = ", ".join(f"{k} {v:.3g} J" for k, v in e["device_per_event_J"].items())
        print(f"\ndevice {e['device_J']:.4g} J per sequence ({events}); "
              f"GPU estimate {e['gpu_J']:.4g} J; ratio {e['ratio']:.3g}")
        print(f"Brian2 deployment, {dep['sequences']} sequences: accuracy {dep['accuracy_brian2']:.3f}, "
              f"numpy model {dep['accuracy_numpy']:.3f}, same answer {dep['agreement']:.3f}")
    print(f"{d['time_s']:.0f} s; Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    if args.json:
        fd, tmp = tempfile.mkstemp(suffix=".json", dir=os.path.dirname(os.path.abspath(args.json)))
        with os.fdopen(fd, "w") as f:
            json.dump(d, f)
        os.replace(tmp, args.json)
    if args.histogram and e is not None:
        plot_histogram(e["per_synapse_J"], args.histogram)


if __name__ == "__main__":
    main()
