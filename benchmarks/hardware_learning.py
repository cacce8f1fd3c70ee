"""Learning on imperfect devices: device learners, limited precision, in-the-loop tuning, energy.

One command, four tables, on the warped-glyph classification set
(:func:`spikesyn.datasets.make_labelled_set`, 10 classes, 16 x 16 px, 60 training and 40 test
images per class, train seed 1, test seed 2):

1. learners: a softmax layer trained through the devices in Brian2
   (:mod:`spikesyn.networks.supervised`): ideal weights, PCM differential pair alone (SET-only,
   refresh), the two-tier cell (capacitor + PCM pair, transfer, polarity inversion); the
   software L-BFGS fit of the same layer as a reference. Mean +- std over seeds.
2. precision: accuracy against k conductance levels without and with distribution-aware
   quantisation, quantisation regularisation and bias tuning (:mod:`spikesyn.networks.precision`).
3. in-the-loop: software weights programmed into PCM pairs, read after a day of drift, then
   fine-tuned through device reads (:mod:`spikesyn.networks.inloop`).
4. energy: each learner's device energy (from the cards' event counters) next to a digital
   estimate of the same training on a processor that reads every weight once per example and
   updates every weight once per training example (:mod:`spikesyn.energy_compare`, Horowitz
   ISSCC 2014 figures).

The learners of table 1 run as ``spikesyn.sweep`` tasks: ``--workers 2`` runs two at once.

Command (about 6 min on this 2-core machine; ``--quick`` about 1 min)::

    python benchmarks/hardware_learning.py                    # markdown tables
    python benchmarks/hardware_learning.py --json results.json
    python benchmarks/hardware_learning.py --quick --json -  # JSON on stdout
"""

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

# the L-BFGS fits are small: a threaded BLAS spins on a busy machine (one thread is faster)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from brian2 import uS  # noqa: E402

# (label, learner, settings): every learner at the common learning rate (0.5 uS); the PCM pair
# also at the best of a small sweep (0.25, 0.5, 1, 2 uS; one seed, 10 epochs); the two-tier cell
# also with transfers five times as often (its programming noise then lands more often)
VARIANTS = (("ideal", "ideal", {}), ("pcm_pair", "pcm_pair", {}),
            ("pcm_pair, lr 2 uS", "pcm_pair", {"lr": 2 * uS}), ("two_tier", "two_tier", {}),
            ("two_tier, transfer every 1000", "two_tier", {"transfer_every": 1000}))


def _mean_std(values):
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def learner_task(params, seed):
    """One sweep task: the learner of VARIANTS labelled ``params["variant"]`` on the glyph set of
    ``params["classes"]`` classes, ``params["epochs"]`` epochs; its result as JSON text (a sweep
    record holds numbers and text)."""
    from spikesyn.datasets import make_labelled_set
    from spikesyn.networks.supervised import train_supervised
    train = make_labelled_set(params["classes"], 60, size=16, seed=1)
    test = make_labelled_set(params["classes"], 40, size=16, seed=2)
    name, learner, extra = next(v for v in VARIANTS if v[0] == params["variant"])
    t0 = time.perf_counter()
    kw = {"transfer_every": params["transfer_every"], **extra}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = train_supervised(learner, train, test, epochs=params["epochs"], seed=seed, **kw)
    d = r.to_dict()
    d["seconds"] = time.perf_counter() - t0
    d["seed"] = seed
    d["digital"] = _digital(r)
    return {"test_accuracy": r.test_accuracy, "result": json.dumps(d, default=float)}


def run_learners(train, test, seeds, epochs, transfer_every, say, workers=1):
    """Every learner of VARIANTS on every seed, as spikesyn.sweep tasks (``workers`` at once;
    1: in this process), next to the software fit."""
    import spikesyn as ss
    from spikesyn.networks.softmax import SoftmaxRegression
    out = {"software": [], **{label: [] for label, _, _ in VARIANTS}}
    classes = len(set(train.labels))
    grid = [{"variant": label, "classes": classes, "epochs": epochs, "transfer_every": transfer_every}
            for label, _, _ in VARIANTS]
    records = ss.sweep(learner_task, grid, seeds=list(seeds), progress=False,
                       executor="serial" if workers == 1 else workers)
    for seed in seeds:
        clf = SoftmaxRegression().fit(train.X, train.labels)
        out["software"].append({"seed": seed, "test_accuracy": clf.score(test.X, test.labels)})
    for rec in sorted(records, key=lambda r: (int(r["seed"]), r["task"])):
        if rec["status"] != "ok":
            raise SystemExit(f"learner {rec['variant']} seed {rec['seed']} failed: {rec['error']}")
        d = json.loads(rec["result"])
        out[rec["variant"]].append(d)
        say(f"  seed {d['seed']} {rec['variant']:<30} test {d['test_accuracy']:.3f} ({d['seconds']:.0f} s)")
    return out


def _digital(result):
    from brian2 import joule
    from spikesyn.energy_compare import digital_energy
    ops = result.digital_operations()
    return {**ops, **{f"{m}_J": float(digital_energy(**ops, memory=m) / joule)
                      for m in ("sram", "dram")}}


def learner_table(res):
    sw = _mean_std([r["test_accuracy"] for r in res["software"]])
    ideal = _mean_std([r["test_accuracy"] for r in res["ideal"]])
    lines = ["| learner | card | test accuracy (%) | vs ideal (points) | device energy | "
             "digital SRAM / device | digital DRAM / device | SET pulses | refreshes | "
             "transfers per synapse |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| software (L-BFGS, float) | - | {100 * sw[0]:.1f} +- {100 * sw[1]:.1f} | "
             f"{100 * (sw[0] - ideal[0]):+.1f} | - | - | - | - | - | - |"]
    for name, _, _ in VARIANTS:
        rows = res[name]
        m, s = _mean_std([r["test_accuracy"] for r in rows])
        e = np.mean([r["energy_joule"]["total"] for r in rows])
        sram = np.mean([r["digital"]["sram_J"] for r in rows])
        dram = np.mean([r["digital"]["dram_J"] for r in rows])
        n_set = np.mean([r["counters"].get("n_set", 0) for r in rows])
        n_ref = np.mean([r["counters"].get("n_refresh", 0) for r in rows])
        n_syn = (rows[0]["config"]["n_pixels"] + 1) * rows[0]["config"]["n_classes"]
        n_tr = np.mean([r["counters"].get("n_transfers", 0) for r in rows]) / n_syn
        lines.append(f"| {name} | {rows[0]['card']} | {100 * m:.1f} +- {100 * s:.1f} | "
                     f"{100 * (m - ideal[0]):+.1f} | {e * 1e9:.3g} nJ | {sram / e:.3g} | "
                     f"{dram / e:.3g} | {n_set:.0f} | {n_ref:.0f} | {n_tr:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="seeds of the device learners")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--transfer-every", type=int, default=5000,
                   help="two-tier cell: update events of a synapse between transfers")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="1 seed, 3 epochs, 5 classes")
    p.add_argument("--workers", type=int, default=1,
                   help="learner runs at once (spikesyn.sweep on a local process pool; default 1: "
                        "this process)")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="write all results as JSON to FILE ('-' or no FILE: stdout, no tables)")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.classes = 1, 3, 5
    for name in ("seeds", "epochs", "transfer_every", "classes", "workers"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    to_stdout = args.json == "-"
    say = (lambda s: print(s, file=sys.stderr, flush=True)) if to_stdout else \
        (lambda s: print(s, flush=True))

    from brian2 import second
    from spikesyn.datasets import make_labelled_set
    from spikesyn.networks.inloop import format_inloop_table, inloop_tuning
    from spikesyn.networks.precision import format_precision_table, precision_table

    train = make_labelled_set(args.classes, 60, size=16, seed=1)
    test = make_labelled_set(args.classes, 40, size=16, seed=2)
    t0 = time.perf_counter()
    say(f"1. learners ({args.seeds} seeds x {args.epochs} epochs; compiling, first run only)")
    learners = run_learners(train, test, range(args.seeds), args.epochs, args.transfer_every, say,
                            workers=args.workers)
    say("2. precision")
    precision = precision_table(train, test)
    say("3. in-the-loop tuning")
    inloop = {mode: inloop_tuning(train, test, t_read=86400 * second, iterations=100,
                                  drift_compensation=mode)
              for mode in (False, "global")}
    elapsed = time.perf_counter() - t0
    result = {"classes": args.classes, "size": 16, "n_train": len(train.X), "n_test": len(test.X),
              "seeds": args.seeds, "epochs": args.epochs, "transfer_every": args.transfer_every,
              "learners": learners, "precision": precision,
              "inloop": {str(k or "off"): v.to_dict() for k, v in inloop.items()},
              "seconds": elapsed}
    if args.json:
        text = json.dumps(result, indent=1, default=float)
        if to_stdout:
            print(text)
        else:
            d = os.path.dirname(os.path.abspath(args.json))
            with tempfile.NamedTemporaryFile("w", dir=d, delete=False, suffix=".tmp") as f:
                f.write(text)
            os.replace(f.name, args.json)
    if to_stdout:
        return 0
    print(f"\n## 1. Learners: {args.classes} classes, {len(train.X)} train / {len(test.X)} test "
          f"images, {args.epochs} epochs, {args.seeds} seeds\n")
    print(learner_table(learners))
    print("\n## 2. Precision: test accuracy % (drop from float, points) against k levels\n")
    print(format_precision_table(precision))
    for mode, r in inloop.items():
        print(f"\n## 3. In-the-loop tuning, drift compensation {mode or 'off'}\n")
        print(format_inloop_table(r))
    print(f"\n({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
