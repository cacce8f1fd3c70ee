"""Per-frame accuracy of the non-spiking baselines on transforming-object sequences, over seeds.

Each seed makes its own training set (static, untransformed exemplars) and test set (sequences of
every transform, default amounts of :data:`spikesyn.datasets.DEFAULT_AMOUNTS`), fits a 1-nearest
neighbour and an MLP on the exemplars and scores every frame. Prints mean +- std over seeds.

Command (about 10 s on one core)::

    python benchmarks/sequence_baselines.py                      # 10 classes, 28 px, 5 seeds
    python benchmarks/sequence_baselines.py --classes 20 --size 32 --frames 30 --json out.json
"""

import argparse
import json
import os
import sys
import time

# the MLP's small matrix products lose to thread start-up on a busy machine: one BLAS thread
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

from spikesyn.datasets import DEFAULT_AMOUNTS, make_test_set, make_training_set  # noqa: E402
from spikesyn.networks.baselines import (MLP, NearestNeighbour, accuracy_by_frame,  # noqa: E402
                                         evaluate)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--exemplars", type=int, default=5, help="training exemplars per class")
    p.add_argument("--frames", type=int, default=20)
    p.add_argument("--sequences", type=int, default=2,
                   help="test sequences per class and transform")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--json", help="also write the per-seed scores here")
    args = p.parse_args(argv)

    models = {"nearest neighbour": lambda s: NearestNeighbour(),
              f"MLP ({args.hidden} tanh)": lambda s: MLP(hidden=args.hidden, seed=s)}
    scores = {name: [] for name in models}
    by_frame = {name: [] for name in models}
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        train = make_training_set(args.classes, args.exemplars, args.size, seed=seed)
        test = make_test_set(args.classes, args.size, args.frames, seed=seed,
                             sequences_per_class=args.sequences)
        for name, make in models.items():
            model = make(seed).fit(train.X, train.labels)
            train_acc = float((model.predict(train.X) == train.labels).mean())
            scores[name].append({"train": train_acc, **evaluate(model, test)})
            by_frame[name].append(accuracy_by_frame(model, test))
    elapsed = time.perf_counter() - t0

    cols = ["train"] + list(test.transform_names) + ["overall"]
    print(f"{args.classes} classes, {args.size} px, {args.exemplars} exemplars/class, "
          f"{args.sequences} sequences/class/transform of {args.frames} frames, "
          f"seeds 0..{args.seeds - 1}; chance = {1 / args.classes:.3f}")
    print("amounts: " + ", ".join(f"{k}={v}" for k, v in DEFAULT_AMOUNTS.items()))
    print()
    print("| model | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, runs in scores.items():
        cells = []
        for c in cols:
            v = np.array([r[c] for r in runs])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\naccuracy by frame index (all transforms, mean over seeds):")
    for name, runs in by_frame.items():
        print(f"  {name}: " + " ".join(f"{v:.2f}" for v in np.mean(runs, axis=0)))
    print(f"\n({elapsed:.1f} s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "scores": scores, "by_frame": by_frame}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
