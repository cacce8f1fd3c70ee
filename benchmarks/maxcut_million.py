"""Max-cut on a million-node graph: build time, peak memory, and the cut against simulated
annealing at an equal wall-clock budget.

The graph is a random 3-regular graph with +/-1 weights (networkx's generator, numpy's weights,
both seeded; written once as a Gset file under --cache, default /tmp/spikesyn-bench). Every run
is a fresh process, so its peak resident memory (``ru_maxrss``) is its own:

spikesyn  reads the file with ``spikesyn.graph_arrays.read_graph_matrix`` (as ``spikesyn
          maxcut`` does), builds the network (``maxcut``'s ``build_s``: preparing the arrays,
          colouring, programming the devices, Brian2's objects and synapses; ``setup_s`` adds
          Brian2's code generation up to the first simulated step), then anneals with the
          library's defaults until ``--budget`` seconds after the graph was read;
SA        dwave-samplers' SimulatedAnnealingSampler on the same arrays (a dimod BQM built from
          numpy vectors): two calibration calls of 4 reads x 2 and x 12 sweeps (a call's fixed
          cost and its cost per sweep; not counted), then one counted call of 4 reads whose
          sweeps fill the rest of the budget (one long anneal per read, SA's best use of it).

Both get the same seeds 0..K-1 (--seeds K); one run at a time, each on one core.

Usage::

    python benchmarks/maxcut_million.py --nodes 1000000 --budget 60 --seeds 3 --md out.md

Needs ``pip install dwave-samplers`` for the SA peer (skipped with a note when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from report import emit

_CHILD_SPIKESYN = r"""
import json, resource, sys, time
import spikesyn.networks.maxcut as mc
from spikesyn.graph_arrays import read_graph_matrix
path, budget, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
mc.maxcut(read_graph_matrix(sys.argv[4])[0], sweeps=2, seed=0)   # compiles once, outside the timing
t_read = time.perf_counter()
A, labels = read_graph_matrix(path)
read_s = time.perf_counter() - t_read
# the budget counts from the file: reading and the solver's setup (measured by a probe run)
# come out of it
res = mc.maxcut(A, time_limit=max(1.0, budget - read_s - float(sys.argv[5])), seed=seed)
print(json.dumps({"cut": res.cut, "read_s": read_s, "build_s": res.build_s, "setup_s": res.setup_s,
                  "wall_s": res.time_s, "t_best_s": res.time_to_best, "replicas": res.settings["replicas"],
                  "sweeps": res.sweeps_done, "n": res.n, "m": res.m,
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_CHILD_SETUP = r"""
import json, resource, sys, time
import spikesyn.networks.maxcut as mc
from spikesyn.graph_arrays import read_graph_matrix
mc.maxcut(read_graph_matrix(sys.argv[2])[0], sweeps=2, seed=0)
t0 = time.perf_counter()
A, labels = read_graph_matrix(sys.argv[1])
read_s = time.perf_counter() - t0
res = mc.maxcut(A, sweeps=2, seed=0)
print(json.dumps({"read_s": read_s, "build_s": res.build_s, "setup_s": res.setup_s,
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_CHILD_SA = r"""
import json, resource, sys, time
import dimod, numpy as np
from dwave.samplers import SimulatedAnnealingSampler
from spikesyn.graph_arrays import read_graph_matrix
path, budget, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
A, labels = read_graph_matrix(path)
A = A.tocsr().tocoo()    # repeated entries summed
n = A.shape[0]
bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(np.zeros(n), (A.row, A.col, A.data), 0.0, "SPIN")
W = float(A.data.sum())
sampler = SimulatedAnnealingSampler()
t1 = time.perf_counter()
# a call costs a fixed time (converting the model) plus its sweeps: two calibration calls, not
# counted, measure both, so that the one counted call fills the budget with a single anneal per
# read (SA's best use of a budget)
took = []
for sweeps in (2, 12):
    t = time.perf_counter()
    sampler.sample(bqm, num_reads=4, num_sweeps=sweeps, seed=seed * 1000 + 999)
    took.append(time.perf_counter() - t)
# (timing noise can make the difference tiny: a sweep costs at least a tenth of the long call's
# mean)
per_sweep = max((took[1] - took[0]) / 10, took[1] / 120)
fixed = max(took[0] - 2 * per_sweep, 0.0)
sweeps = max(1, int((budget - (t1 - t0) - fixed) / per_sweep))
t2 = time.perf_counter()
ss = sampler.sample(bqm, num_reads=4, num_sweeps=sweeps, seed=seed * 1000)
best = (W - float(ss.first.energy)) / 2
wall = (t1 - t0) + time.perf_counter() - t2
t_best = wall
print(json.dumps({"cut": best, "wall_s": wall, "t_best_s": t_best, "sweeps": sweeps, "call_fixed_s": fixed,
                  "bqm_s": t1 - t0, "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_graph(n, seed, cache):
    """A random 3-regular graph of ``n`` nodes with +/-1 weights as a Gset file (made once)."""
    path = Path(cache, f"regular3_{n}_seed{seed}.txt")
    if path.exists():
        return path
    import networkx as nx
    print(f"generating the {n}-node graph (once; networkx takes about a minute per million nodes)",
          flush=True)
    G = nx.random_regular_graph(3, n, seed=seed)
    edges = np.array(G.edges, dtype=np.int64) + 1
    weights = np.random.default_rng(seed).choice([-1, 1], size=len(edges))
    Path(cache).mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as fh:
        fh.write(f"{n} {len(edges)}\n")
        np.savetxt(fh, np.c_[edges, weights], fmt="%d")
    os.replace(tmp, path)
    return path


def _child(code, *args):
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                         env={**os.environ, "SPIKESYN_COMPILE_NOTICE": "0", "OMP_NUM_THREADS": "1"})
    if out.returncode:
        raise RuntimeError(f"child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=1_000_000)
    p.add_argument("--budget", type=float, default=60.0, help="wall-clock seconds per solver (default 60)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--cache", default="/tmp/spikesyn-bench", help="where the generated graph is kept")
    p.add_argument("--md", help="write the tables as Markdown here")
    args = p.parse_args(argv)
    try:
        import dwave.samplers  # noqa: F401
    except ImportError:
        print("dwave-samplers is not installed (pip install dwave-samplers); nothing to compare.")
        return 0
    graph = make_graph(args.nodes, 1, args.cache)
    warm = make_graph(1000, 2, args.cache)   # a small graph: Brian2's code compiled before timing
    md = [f"Command: `python benchmarks/maxcut_million.py --nodes {args.nodes} --budget {args.budget:g} "
          f"--seeds {args.seeds}`  ",
          f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
          f"one run at a time, each a fresh process on one core; "
          f"load average {os.getloadavg()[0]:.1f} at the start.", ""]
    setup = _child(_CHILD_SETUP, graph, warm)
    m = int(open(graph).readline().split()[1])
    md += [f"Graph: random 3-regular, {args.nodes} nodes, {m} edges, weights +/-1 (seed 1).", "",
           "| stage (spikesyn, 2 sweeps) | seconds |", "|---|---|",
           f"| read the Gset file into arrays (`read_graph_matrix`) | {setup['read_s']:.2f} |",
           f"| build (`build_s`: arrays, colouring, devices, Brian2 objects, synapses) | {setup['build_s']:.2f} |",
           f"| to the first simulated step (`setup_s`, code generation included) | {setup['setup_s']:.2f} |",
           f"| **read + build** | **{setup['read_s'] + setup['build_s']:.2f}** |",
           f"| peak resident memory of the process | {setup['peak_MiB']:.0f} MiB "
           f"({setup['peak_MiB'] * 2 ** 20 / m:.0f} bytes per edge) |", ""]
    print("\n".join(md), flush=True)
    rows, ss_cuts, sa_cuts = [], [], []
    for seed in range(args.seeds):
        s = _child(_CHILD_SPIKESYN, graph, args.budget, seed, warm, setup["setup_s"])
        a = _child(_CHILD_SA, graph, args.budget, seed)
        ss_cuts.append(s["cut"])
        sa_cuts.append(a["cut"])
        rows.append(f"| {seed} | {s['cut']:g} | {s['read_s'] + s['wall_s']:.1f} | {s['t_best_s']:.1f} | "
                    f"{s['replicas']} x {s['sweeps']} | {s['peak_MiB']:.0f} | {a['cut']:g} | {a['wall_s']:.1f} | "
                    f"4 x {a['sweeps']} | {a['peak_MiB']:.0f} | {s['cut'] - a['cut']:+g} |")
        print(rows[-1], flush=True)
    diffs = [x - y for x, y in zip(ss_cuts, sa_cuts)]
    md += [f"Equal wall-clock budget of {args.budget:g} s per solver from the file (spikesyn: reading, "
           f"building and annealing; SA: reading, the BQM and its reads), same seeds:", "",
           "| seed | spikesyn cut | spikesyn wall (s) | t_best (s) | replicas x sweeps | peak MiB | "
           "SA cut | SA wall (s) | SA reads x sweeps | SA peak MiB | spikesyn - SA |",
           "|---|---|---|---|---|---|---|---|---|---|---|", *rows, "",
           f"spikesyn - SA: mean {statistics.mean(diffs):+.0f} edges "
           f"(min {min(diffs):+g}, max {max(diffs):+g}) over {len(diffs)} seeds; "
           f"seed-to-seed spread (standard deviation) spikesyn "
           f"{statistics.pstdev(ss_cuts):.0f}, SA {statistics.pstdev(sa_cuts):.0f}.", ""]
    emit("\n".join(md) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
