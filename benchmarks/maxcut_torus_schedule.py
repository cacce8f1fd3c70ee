"""The anneal schedule on a generated +/-1 torus, against SA: how the end noise was chosen for the
toroidal Gset graphs (benchmarks/RESULTS_maxcut.md) on a graph outside that family.

An 80 x 80 periodic grid with weights +/-1 (numpy seed 12345); each configuration of
``spikesyn.maxcut`` at --budget s (compiled before timing), then SA as in
``maxcut_gset.sa_budget``; seeds 0..K-1. One JSON line per run.

Usage::

    python benchmarks/maxcut_torus_schedule.py --budget 30 --seeds 2
"""

import argparse
import json
import sys
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import maxcut_gset as mg  # noqa: E402

CONFIGS = {"default": {}, "replicas16": {"replicas": 16}, "sched1.5": {"schedule": (1.5, 0.03)},
           "sched0.7-0.1": {"schedule": (0.7, 0.1)}}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, default=30.0)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--side", type=int, default=80)
    args = p.parse_args(argv)
    import spikesyn.networks.maxcut as mc
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(args.side, args.side, periodic=True))
    rng = np.random.default_rng(12345)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.choice([-1, 1]))
    mc.maxcut(G, sweeps=2, seed=0)
    mc.maxcut(G, sweeps=2, seed=0, replicas=16)
    for seed in range(args.seeds):
        for name, kw in CONFIGS.items():
            r = mc.maxcut(G, time_limit=args.budget - 0.5, seed=seed, **kw)
            print(json.dumps({"config": name, "seed": seed, "cut": r.cut, "sweeps": r.sweeps_done,
                              "replicas": r.settings["replicas"]}), flush=True)
        cut, _, sweeps, wall = mg.sa_budget(G, args.budget, seed=seed)
        print(json.dumps({"config": "SA", "seed": seed, "cut": cut, "sweeps": sweeps, "wall_s": wall}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
