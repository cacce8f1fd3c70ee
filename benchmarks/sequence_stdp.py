"""ST-STDP network vs the same network with F = 0 vs non-spiking baselines, over seeds,
with an ablation over tau_F (all variants tested on the same trained network per seed).

    python benchmarks/sequence_stdp.py                 # 5 seeds, default sizes (cython)
    python benchmarks/sequence_stdp.py --seeds 2 --frames 6

Prints a Markdown table (mean +- std over seeds) and writes the raw per-seed results as JSON
next to it when --out is given.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse      # noqa: E402
import json          # noqa: E402
import logging       # noqa: E402
import time          # noqa: E402

import numpy as np   # noqa: E402

TAU_F_MS = (25, 50, 200, 400, 1000)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--neurons", type=int, default=40)
    p.add_argument("--frames", type=int, default=10)
    p.add_argument("--out", default=None)
    a = p.parse_args()
    from brian2 import BrianLogger, ms, prefs
    from spikesyn.networks.sequence import SequenceConfig, run_sequence
    prefs.codegen.target = "cython"
    BrianLogger.suppress_name("resolution_conflict")
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    logging.getLogger("brian2").setLevel(logging.ERROR)
    variants = {f"tau_F={t}ms": {"tau_F": t * ms} for t in TAU_F_MS}
    runs = []
    t0 = time.perf_counter()
    for seed in range(a.seeds):
        cfg = SequenceConfig(n_classes=a.classes, size=a.size, n_exc=a.neurons,
                             n_frames=a.frames, seed=seed)
        r = run_sequence(cfg, variants=variants)
        d = r.to_dict()
        d["seed"] = seed
        runs.append(d)
        print(f"seed {seed}: " + "  ".join(f"{m}={v['overall']:.3f}"
                                           for m, v in r.accuracy.items()), flush=True)
    wall = time.perf_counter() - t0
    models = list(runs[0]["accuracy"])
    cols = list(runs[0]["accuracy"]["st_stdp"])
    print(f"\n| model | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for m in models:
        cells = []
        for c in cols:
            v = np.array([r["accuracy"][m][c] for r in runs])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"| {m} | " + " | ".join(cells) + " |")
    print("\nper-frame accuracy (mean over seeds and transforms):")
    for m in models:
        v = np.mean([r["by_frame"][m] for r in runs], axis=0)
        print(f"  {m:18s} " + " ".join(f"{x:.2f}" for x in v))
    print("\naccuracy vs hidden fraction (occlude sequences; bins "
          f"{runs[0]['occlusion']['bins']}):")
    for m in models:
        v = np.nanmean([r["occlusion"][m] for r in runs], axis=0)
        print(f"  {m:18s} " + " ".join(f"{x:.2f}" for x in v))
    sp = {m: np.mean([r["spikes_per_frame"].get(m, np.nan) for r in runs]) for m in models}
    print("\noutput spikes per frame:", {m: round(float(v), 2) for m, v in sp.items()
                                         if np.isfinite(v)})
    print(f"labelled neurons: {[r['labels_assigned'] for r in runs]}")
    print(f"wall: {wall:.1f} s")
    if a.out:
        with open(a.out, "w") as f:
            json.dump(runs, f)


if __name__ == "__main__":
    main()
