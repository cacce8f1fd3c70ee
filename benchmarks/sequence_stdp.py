"""ST-STDP network vs the same network with F = 0 vs non-spiking baselines, over seeds,
with an ablation over tau_F (all variants tested on the same trained network per seed).

    python benchmarks/sequence_stdp.py                 # 5 seeds, default sizes (cython)
    python benchmarks/sequence_stdp.py --seeds 2 --frames 6
    python benchmarks/sequence_stdp.py --ablation gamma    # gamma_F variants instead of tau_F
    python benchmarks/sequence_stdp.py --ablation fmax     # F bounded by F_max
    python benchmarks/sequence_stdp.py --ablation gate     # F built in the first frame(s) cleared
    python benchmarks/sequence_stdp.py --ablation slowgate # F rising with tau_gate (experimental card)
    python benchmarks/sequence_stdp.py --ablation perturb  # tau_F +-0.01 %: the noise floor of a row

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

TAU_F_MS = (25, 50, 200, 400, 1000)     # ablation, F_dep = 0 as st_stdp (tau_F 100 ms)
GAMMA_F_US = (0.3, 3.0)                  # --ablation gamma
CARD_F_DEP = 0.5                         # the card's depressing term, for the F_dep ablation


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--neurons", type=int, default=100)
    p.add_argument("--w-norm", type=float, default=0.1)
    p.add_argument("--sequences", type=int, default=1)
    p.add_argument("--encoding", choices=("pixel", "total"), default="pixel")
    p.add_argument("--frames", type=int, default=10)
    p.add_argument("--ablation", choices=("tau", "gamma", "fmax", "gate", "slowgate", "perturb"),
                   default="tau",
                   help="tau: tau_F and F_dep variants (default); gamma: gamma_F variants; "
                        "fmax: F bounded by F_max; gate: F cleared after the first frame(s); "
                        "slowgate: the experimental card benchmarks/cards/"
                        "pcm_memtransistor_slowgate.toml, F rising with tau_gate; "
                        "perturb: st_stdp with tau_F changed by +-0.01 %% (how far a row moves "
                        "when nothing that matters changes)")
    p.add_argument("--out", default=None)
    a = p.parse_args()
    from brian2 import BrianLogger, ms, prefs, uS
    from spikesyn.networks.sequence import SequenceConfig, run_sequence
    prefs.codegen.target = "cython"
    BrianLogger.suppress_name("resolution_conflict")
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    logging.getLogger("brian2").setLevel(logging.ERROR)
    if a.ablation == "tau":
        variants = {f"tau_F={t}ms": {"tau_F": t * ms} for t in TAU_F_MS}
        variants["card F_dep=0.5"] = {"F_dep": CARD_F_DEP}
        variants["card F_dep=0.5, tau_F=400ms"] = {"F_dep": CARD_F_DEP, "tau_F": 400 * ms}
    elif a.ablation == "fmax":   # F bounded well below W (the card's F_max is 25 uS = Gmax)
        variants = {f"F_max={m}uS, gamma_F={g}uS, tau_F={t}ms":
                    {"F_max": m * uS, "gamma_F": g * uS, "tau_F": t * ms}
                    for m, g, t in ((0.5, 1, 400), (1, 1, 400), (1, 3, 400), (1, 1, 1000))}
    elif a.ablation == "gate":   # is the loss the lock-in of the first frame's winners?
        variants = {f"F cleared after frame{'s 0-' if k > 1 else ' '}{k - 1}, tau_F={t}ms":
                    {"F_clear_frames": k, "tau_F": t * ms}
                    for k, t in ((1, 100), (2, 100), (1, 400))}
    elif a.ablation == "perturb":   # the network is chaotic: how much does nothing change?
        variants = {f"tau_F={t}ms": {"tau_F": t * ms} for t in (100.01, 99.99)}
    elif a.ablation == "slowgate":   # a gate whose effect on F rises within a frame
        variants = {f"tau_gate={g}ms, tau_F={t}ms": {"tau_F": t * ms, "card": {"tau_gate": g * ms}}
                    for g, t in ((5, 100), (15, 100), (40, 100), (15, 400))}
    else:       # the size of the short-term step against W (gamma_F; st_stdp has 1 uS)
        variants = {f"gamma_F={g}uS, tau_F={t}ms": {"gamma_F": g * uS, "tau_F": t * ms}
                    for t in (100, 400) for g in GAMMA_F_US}
    card = {}
    if a.ablation == "slowgate":   # st_stdp and static: the card's instant gate (tau_gate 0.01 ms)
        card = {"synapse_card": os.path.join(os.path.dirname(os.path.abspath(__file__)), "cards",
                                             "pcm_memtransistor_slowgate.toml")}
    from spikesyn.datasets import TEST_TRANSFORMS
    transforms = ("static",) + tuple(TEST_TRANSFORMS)   # "static" = untransformed control
    runs = []
    t0 = time.perf_counter()
    for seed in range(a.seeds):
        cfg = SequenceConfig(n_classes=a.classes, size=a.size, n_exc=a.neurons,
                             n_frames=a.frames, w_norm=a.w_norm, encoding=a.encoding,
                             sequences_per_class=a.sequences, seed=seed, **card)
        r = run_sequence(cfg, variants=variants, transforms=transforms)
        d = r.to_dict()
        d["seed"] = seed
        runs.append(d)
        print(f"seed {seed}: " + "  ".join(f"{m}={v['overall']:.3f}"
                                           for m, v in r.accuracy.items())
              + f"  ({r.timing['total_s']:.0f} s)", flush=True)
        if a.out:                       # after every seed, so that a cut run keeps its seeds
            with open(a.out, "w") as f:
                json.dump(runs, f)
    wall = time.perf_counter() - t0
    models = list(runs[0]["accuracy"])
    cols = list(runs[0]["accuracy"]["st_stdp"])
    print("\n| model | " + " | ".join(c if c != "static" else "untransformed" for c in cols)
          + " |")
    print("|---|" + "---|" * len(cols))
    for m in models:
        cells = []
        for c in cols:
            v = np.array([r["accuracy"][m][c] for r in runs])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"| {m} | " + " | ".join(cells) + " |")
    print("\nst_stdp - static, paired by seed (points; mean ± std over seeds):")
    for m in models:
        if m in ("static", "nearest_neighbour", "mlp"):
            continue
        cells = []
        for c in cols:
            d = 100 * np.array([r["accuracy"][m][c] - r["accuracy"]["static"][c] for r in runs])
            cells.append(f"{d.mean():+.1f} ± {d.std():.1f}")
        print(f"| {m} - static | " + " | ".join(cells) + " |")
    print("\nper-frame accuracy (mean over seeds and transforms):")
    for m in models:
        v = np.mean([r["by_frame"][m] for r in runs], axis=0)
        print(f"  {m:18s} " + " ".join(f"{x:.2f}" for x in v))
    print("\naccuracy vs hidden fraction (occlude sequences; bins "
          f"{runs[0]['occlusion']['bins']}):")
    for m in models:
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
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
