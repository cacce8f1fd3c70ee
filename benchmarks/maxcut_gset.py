"""Benchmark spikesyn.maxcut on Gset against dwave-samplers' simulated annealing and networkx.

All solvers run in this one process, one after the other, on the same machine. Gset files are
read from $SPIKESYN_GSET_DIR or ../shared/data/gset relative to the repository root; the script
exits cleanly (status 0, a note) when they are absent.

Sections (``--section``, repeatable; default all but g22rate):

tts      G1: time to reach the best-known cut (11624) over --seeds seeds (default 5), spikesyn vs SA
         (SA: batches of 16 reads x 10000 sweeps until a batch holds the target)
budget   G1-G21, G43-G54: best cut at an equal wall-clock budget (--budget s, default 10),
         seeds 0..K-1 with --seeds K (default 1; per-graph medians and per-seed cuts);
         SA: a 16 x 500-sweep calibration batch, then 16 reads whose sweeps fill the budget;
         networkx one_exchange / randomized_partition for reference
g22      G22: time to reach 13359 within 30 s (SA: batches of 16 x --sa-sweeps)
g81      G81 (20000 nodes): cut at 60 s vs best-known 14030, peak memory
first    first-ever run (fresh Brian2 Cython cache, compile included) vs warm run, on G1
g22rate  G22: how many of --seeds seeds (default 16) reach 13359 within 30 s, spikesyn and SA
         seed by seed (about a minute a seed)
toroidal the toroidal +/-1 graphs G57, G62, G65, G66, G67, G72, G77, G81 at --budget s (give
         --budget 60), spikesyn and SA on the same seeds 0..K-1 (--seeds K, default 3): mean gap
         to the best-known cut of each, and the paired differences with a bootstrap 95 % CI.
         Runs through spikesyn.sweep: every task is appended to --sweep-out at once (resumed
         when the file exists), --sweep-workers N runs N tasks at once (default 1: one core)
paired   the budget section's 33 graphs (or --graphs) the same way as toroidal: spikesyn and
         SA as sweep tasks on seeds 0..K-1 (default 3), paired differences with a CI (no
         networkx peers, one restart plan); --sweep-workers 2 runs two tasks at once (each
         solver still on one core, so the wall time halves on two free cores)

``--workers K`` runs spikesyn as K processes (``maxcut(..., workers=K)``) in every section; in
budget and g22rate SA then runs as K independent processes at once as well (the best of them),
so both use K cores (tts, g81 and first keep SA on one process).

``--restarts PLAN [PLAN ...]`` picks spikesyn's restart plan of time-limited runs (default: the
library's). With several plans, budget and g22rate run every plan on each seed in turn, next to
SA on that seed, so the plans meet the same machine load (budget leaves the networkx peers
out then); the other sections use the first plan.

Usage::

    python benchmarks/maxcut_gset.py --section tts --section budget --md benchmarks/RESULTS_maxcut.md

Needs ``pip install dwave-samplers`` for the SA peer (skipped with a note when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from report import emit

REPO = Path(__file__).resolve().parent.parent


def gset_dir():
    d = os.environ.get("SPIKESYN_GSET_DIR") or str(REPO.parent / "shared" / "data" / "gset")
    return Path(d) if Path(d, "BEST_KNOWN.tsv").exists() else None


def best_known(d):
    rows = {}
    lines = Path(d, "BEST_KNOWN.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) >= 4 and parts[0].startswith("G"):
            rows[parts[0]] = float(parts[head.index("best_known_cut")])
    return rows


def load(d, name):
    from spikesyn.graphio import read_graph
    return read_graph(Path(d, f"{name}.txt"), format="gset")


# --------------------------------------------------------------------------- peers
def sa_bqm(G):
    """Max-cut as an Ising model for dimod: minimise sum w s_i s_j; cut = (W - E) / 2."""
    import dimod
    J = {}
    for u, v, d in G.edges(data=True):
        if u != v:
            J[(u, v)] = J.get((u, v), 0.0) + d.get("weight", 1.0)
    return dimod.BinaryQuadraticModel.from_ising({u: 0.0 for u in G.nodes}, J), sum(J.values())


def sa_run(G, target=None, seed=0, reads=16, sweeps=10000, max_time=60):
    """Time to target: repeat SA batches (reads x sweeps) until a batch holds the target.

    Returns (best cut, time to best (s, end of the batch that found it), batches, wall).
    """
    from dwave.samplers import SimulatedAnnealingSampler
    bqm, W = sa_bqm(G)
    sampler = SimulatedAnnealingSampler()
    t0 = time.perf_counter()
    best, ttb, batches = -np.inf, None, 0
    while True:
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed * 1000 + batches)
        batches += 1
        cut = (W - float(ss.first.energy)) / 2
        now = time.perf_counter() - t0
        if cut > best:
            best, ttb = cut, now
        if (target is not None and best >= target) or now >= max_time:
            break
    return best, ttb, batches, time.perf_counter() - t0


def _call_with_seed(fn, kwargs, seed):
    return fn(seed=seed, **kwargs)


def _in_processes(fn, workers, seed, **kwargs):
    """``fn(seed=seed + 10007 j, **kwargs)`` for j < ``workers``, all at once in forked
    processes; the list of their returns."""
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        return pool.starmap(_call_with_seed, [(fn, kwargs, seed + 10007 * j) for j in range(workers)])


def _best_of(runs):
    """The best cut of several SA runs and the earliest time to it (runs: (cut, time, ...))."""
    best = max(r[0] for r in runs)
    return best, min(r[1] for r in runs if r[0] == best)


def sa_run_workers(G, workers, target=None, seed=0, reads=16, sweeps=10000, max_time=60):
    """:func:`sa_run` in ``workers`` processes at once (seeds ``seed + 10007 j``), for an
    equal-cores comparison with ``spikesyn.maxcut(..., workers=workers)``.

    Returns (best cut, time to best (the earliest process to reach that cut), batches of all
    processes, wall of the slowest).
    """
    if workers == 1:
        return sa_run(G, target, seed, reads, sweeps, max_time)
    runs = _in_processes(sa_run, workers, seed, G=G, target=target, reads=reads, sweeps=sweeps,
                         max_time=max_time)
    return (*_best_of(runs), sum(r[2] for r in runs), max(r[3] for r in runs))


def sa_budget(G, budget, seed=0, reads=16, calib_sweeps=500):
    """SA at a wall-clock budget: a short calibration batch, then one batch of ``reads`` anneals
    whose sweep count fills the rest of the budget (one long anneal per read is SA's best use
    of a fixed budget). Returns (best cut, time to best, sweeps of the long batch, wall)."""
    from dwave.samplers import SimulatedAnnealingSampler
    bqm, W = sa_bqm(G)
    sampler = SimulatedAnnealingSampler()
    t0 = time.perf_counter()
    ss = sampler.sample(bqm, num_reads=reads, num_sweeps=calib_sweeps, seed=seed * 1000)
    t_cal = time.perf_counter() - t0
    best, ttb = (W - float(ss.first.energy)) / 2, t_cal
    sweeps = max(calib_sweeps, int(calib_sweeps * (budget - t_cal) / t_cal))
    ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed * 1000 + 1)
    cut = (W - float(ss.first.energy)) / 2
    now = time.perf_counter() - t0
    if cut > best:
        best, ttb = cut, now
    return best, ttb, sweeps, now


def sa_budget_workers(G, workers, budget, seed=0):
    """:func:`sa_budget` in ``workers`` processes at once (seeds ``seed + 10007 j``), the best
    of them: SA on as many cores as ``spikesyn.maxcut(..., workers=workers)``."""
    if workers == 1:
        return sa_budget(G, budget, seed=seed)
    runs = _in_processes(sa_budget, workers, seed, G=G, budget=budget)
    return (*_best_of(runs), runs[0][2], max(r[3] for r in runs))


def _one_exchange(G, q):
    from networkx.algorithms.approximation import maxcut as approx
    t0 = time.perf_counter()
    cut, _ = approx.one_exchange(G, seed=1, weight="weight")
    q.put((cut, time.perf_counter() - t0))


def nx_run(G, budget):
    """networkx's two max-cut approximations; one_exchange gets the same budget (own process)."""
    import multiprocessing as mp
    from networkx.algorithms.approximation import maxcut as approx
    out = {}
    t0 = time.perf_counter()
    cut, _ = approx.randomized_partitioning(G, seed=1, weight="weight")
    out["randomized_partitioning"] = (cut, time.perf_counter() - t0)
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_one_exchange, args=(G, q))
    proc.start()
    proc.join(budget)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        out["one_exchange"] = None  # did not finish within the budget
    else:
        out["one_exchange"] = q.get()
    return out


def _ss_sweeps(r):
    """Replicas x sweeps of a spikesyn run, with the sweeps of its last anneal."""
    last = r.settings.get("anneal_sweeps") or [r.sweeps_done]
    if last and isinstance(last[0], list):  # workers: each worker's anneals; show worker 0's
        last = last[0] or [r.sweeps_done]
    workers = r.settings.get("workers", 1)
    return f"{r.settings['replicas']}{f' x {workers} workers' if workers > 1 else ''} x {r.sweeps_done} ({last[-1]})"


#: spikesyn's restart plans for time-limited runs (--restarts; [None]: the library's default)
RESTARTS = [None]
#: spikesyn's worker processes (--workers)
WORKERS = 1


def ss_run(G, plan=None, **kw):
    """spikesyn.maxcut with restart plan ``plan`` (None: the first of --restarts)."""
    import spikesyn.networks.maxcut as mc
    plan = plan or RESTARTS[0]
    if kw.get("time_limit") is not None and plan is not None:
        kw["restarts"] = plan
    return mc.maxcut(G, workers=WORKERS, **kw)


def _plan_name(plan):
    import spikesyn.networks.maxcut as mc
    return plan or mc.DEFAULT_RESTARTS


def solve_seeds(G, plans, seeds, args, setup):
    """spikesyn with every plan on each seed in turn, then SA on that seed, at --budget s.

    Returns ({plan: [spikesyn results]}, [SA (cut, t_best, sweeps, wall)]).
    """
    ss = {p: [] for p in plans}
    sa = []
    for seed in seeds:
        for plan in plans:
            # the budget covers a warm call's setup (build, code generation) and the simulation
            ss[plan].append(ss_run(G, plan=plan, time_limit=max(0.5, args.budget - setup), seed=seed,
                                   replicas=args.replicas, sweeps=args.sweeps))
        sa.append(sa_budget_workers(G, WORKERS, args.budget, seed=seed))
    return ss, sa


def warm_setup(G, args):
    """Compile outside the budget, then the seconds a warm call takes before its first
    simulated step (a time limit counts from there: budgets below subtract it)."""
    ss_run(G, sweeps=2, replicas=args.replicas, seed=0)
    return ss_run(G, sweeps=2, replicas=args.replicas, seed=0).setup_s


# --------------------------------------------------------------------------- sections
def section_tts(d, bk, args, md):
    G = load(d, "G1")
    target = bk["G1"]
    ss_t, sa_t = [], []
    nseeds = args.seeds or 5
    ss_run(G, sweeps=5, replicas=args.replicas, seed=0)  # warm (compile) outside the timing
    md.append(f"### G1: time to reach {target:g} ({nseeds} seeds)\n")
    md.append("| seed | spikesyn cut | spikesyn time to target (s) | SA cut | SA time to target (s) | SA batches |")
    md.append("|---|---|---|---|---|---|")
    for seed in range(nseeds):
        r = ss_run(G, target=target, time_limit=60, seed=seed, replicas=args.replicas, sweeps=args.sweeps)
        t_ss = r.time_to_best if r.cut >= target else float("inf")
        best, ttb, batches, _ = sa_run(G, target=target, seed=seed, reads=16, sweeps=args.sa_sweeps, max_time=60)
        t_sa = ttb if best >= target else float("inf")
        ss_t.append(t_ss)
        sa_t.append(t_sa)
        md.append(f"| {seed} | {r.cut:g} | {t_ss:.2f} | {best:g} | {t_sa:.2f} | {batches} |")
        print(md[-1], flush=True)
    md.append(f"| **median** | | **{statistics.median(ss_t):.2f}** | | **{statistics.median(sa_t):.2f}** | |\n")


BUDGET_GRAPHS = [f"G{k}" for k in list(range(1, 22)) + list(range(43, 55))]


def _cuts(xs):
    return "/".join(f"{x:g}" for x in xs)


def section_budget(d, bk, args, md):
    """Equal budget; with --seeds K each solver runs seeds 0..K-1 and a graph's verdict compares
    the medians of the per-seed cuts (per-seed cuts are listed too)."""
    names = args.graphs or BUDGET_GRAPHS
    K = args.seeds or 1
    seeds = list(range(K))
    label = "seed 0" if K == 1 else f"seeds {', '.join(map(str, seeds))} (cut: median, per-seed cuts in brackets)"
    md.append(f"### Equal wall-clock budget: {args.budget:g} s per solver, {label}\n")
    if WORKERS > 1:
        md.append(f"Both solvers on {WORKERS} processes: spikesyn with workers={WORKERS}, SA as "
                  f"{WORKERS} independent runs at once (the best of them).\n")
    if len(RESTARTS) > 1:
        return _budget_plans(d, bk, args, md, names, seeds)
    md.append("| graph | n | m | best known | spikesyn cut | spikesyn t_best (s) | spikesyn wall (s) | spikesyn sweeps (last anneal) | "
              "SA cut | SA t_best (s) | SA wall (s) | SA sweeps | nx one_exchange (s) | nx randomized | spikesyn >= SA |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    wins = seed_wins = 0
    for name in names:
        G = load(d, name)
        plan = _plan_name(RESTARTS[0])
        by_plan, sa = solve_seeds(G, [plan], seeds, args, warm_setup(G, args))
        ss = by_plan[plan]
        nxr = nx_run(G, args.budget) if not args.no_nx else {}
        oe = nxr.get("one_exchange")
        rp = nxr.get("randomized_partitioning")
        ss_cut = statistics.median(r.cut for r in ss)
        sa_cut = statistics.median(x[0] for x in sa)
        ok = ss_cut >= sa_cut
        wins += ok
        seed_wins += sum(r.cut >= x[0] for r, x in zip(ss, sa))
        med = statistics.median
        # one seed: its values; several: medians, with the per-seed cuts in brackets
        ss_each = f" ({_cuts(r.cut for r in ss)})" if K > 1 else ""
        sa_each = f" ({_cuts(x[0] for x in sa)})" if K > 1 else ""
        cols = (f"{ss_cut:g}{ss_each} | {med(r.time_to_best for r in ss):.2f} | "
                f"{med(r.time_s for r in ss):.2f} | {_ss_sweeps(ss[0])} | "
                f"{sa_cut:g}{sa_each} | {med(x[1] for x in sa):.2f} | "
                f"{med(x[3] for x in sa):.2f} | 16 x {sa[0][2]}")
        md.append(f"| {name} | {G.number_of_nodes()} | {G.number_of_edges()} | {bk.get(name, float('nan')):g} | {cols} | "
                  f"{'%g (%.1f)' % oe if oe else ('-' if args.no_nx else 'not done in budget')} | {'%g' % rp[0] if rp else '-'} | {'yes' if ok else 'NO'} |")
        print(md[-1], flush=True)
    if K == 1:
        md.append(f"\nspikesyn >= SA on {wins} of {len(names)} graphs.\n")
    else:
        md.append(f"\nspikesyn median >= SA median on {wins} of {len(names)} graphs; spikesyn >= SA in "
                  f"{seed_wins} of {K * len(names)} same-seed pairs. Wall times and t_best are medians; "
                  f"sweeps are seed 0's.\n")


def _budget_plans(d, bk, args, md, names, seeds):
    """The budget section with several restart plans: on each seed every plan runs in turn,
    then SA; per plan, its median against SA's and same-seed pairs against SA and against the
    first plan."""
    plans = [_plan_name(p) for p in RESTARTS]
    first = plans[0]
    md.append("spikesyn's restart plans run one after the other on each seed, then SA on that seed "
              "(cuts: median, per-seed cuts in brackets).\n")
    md.append("| graph | n | m | best known | " + " | ".join(f"{p} cut | {p} t_best (s)" for p in plans)
              + " | SA cut | SA sweeps | " + " | ".join(f"{p} >= SA" for p in plans) + " |")
    md.append("|---|---|---|---|" + "---|---|" * len(plans) + "---|---|" + "---|" * len(plans))
    med = statistics.median
    wins = dict.fromkeys(plans, 0)
    pairs = dict.fromkeys(plans, 0)
    vs_first = {p: [0, 0] for p in plans[1:]}  # same-seed pairs above / below the first plan
    for name in names:
        G = load(d, name)
        ss, sa = solve_seeds(G, plans, seeds, args, warm_setup(G, args))
        sa_cut = med(x[0] for x in sa)
        cols, verdicts = [], []
        for p in plans:
            cut = med(r.cut for r in ss[p])
            wins[p] += cut >= sa_cut
            pairs[p] += sum(r.cut >= x[0] for r, x in zip(ss[p], sa))
            if p != first:
                vs_first[p][0] += sum(r.cut > q.cut for r, q in zip(ss[p], ss[first]))
                vs_first[p][1] += sum(r.cut < q.cut for r, q in zip(ss[p], ss[first]))
            cols.append(f"{cut:g} ({_cuts(r.cut for r in ss[p])}) | {med(r.time_to_best for r in ss[p]):.2f}")
            verdicts.append("yes" if cut >= sa_cut else "NO")
        md.append(f"| {name} | {G.number_of_nodes()} | {G.number_of_edges()} | {bk.get(name, float('nan')):g} | "
                  + " | ".join(cols) + f" | {sa_cut:g} ({_cuts(x[0] for x in sa)}) | 16 x {sa[0][2]} | "
                  + " | ".join(verdicts) + " |")
        print(md[-1], flush=True)
    n = len(names)
    md.append("")
    for p in plans:
        md.append(f"- {p}: median >= SA's on {wins[p]} of {n} graphs, >= SA in {pairs[p]} of "
                  f"{n * len(seeds)} same-seed pairs"
                  + (f"; above {first} in {vs_first[p][0]} same-seed pairs, below in {vs_first[p][1]}"
                     if p != first else "") + ".")
    md.append("")


def section_g22(d, bk, args, md):
    G = load(d, "G22")
    target = bk["G22"]
    setup = warm_setup(G, args)
    r = ss_run(G, target=target, time_limit=30 - setup, seed=0, replicas=args.replicas, sweeps=args.sweeps)
    best, ttb, batches, _ = sa_run(G, target=target, seed=0, reads=16, sweeps=args.sa_sweeps, max_time=30)
    md.append(f"### G22: target {target:g} within 30 s, seed 0\n")
    md.append("| solver | cut | time to best (s) | reached |")
    md.append("|---|---|---|---|")
    md.append(f"| spikesyn | {r.cut:g} | {r.time_to_best:.2f} | {'yes' if r.cut >= target else 'no'} |")
    md.append(f"| SA | {best:g} | {ttb:.2f} | {'yes' if best >= target else 'no'} |\n")
    print("\n".join(md[-3:]), flush=True)


def section_g22rate(d, bk, args, md):
    """How often each solver reaches G22's best-known cut within 30 s, seed by seed."""
    G = load(d, "G22")
    target = bk["G22"]
    setup = warm_setup(G, args)
    seeds = args.seeds or 16
    md.append(f"### G22: how often is {target:g} reached within 30 s (seeds 0-{seeds - 1})\n")
    if WORKERS > 1:
        md.append(f"Both solvers on {WORKERS} processes: spikesyn with workers={WORKERS}, SA as "
                  f"{WORKERS} independent runs at once (the best of them; batches summed).\n")
    md.append("SA stops after the first batch (16 reads x SA sweeps) that ends at or past 30 s, so its "
              "last batch can end up to one batch later; a hit counts only if that batch ended "
              "within 30 s.\n")
    plans = [_plan_name(p) for p in RESTARTS]
    label = {p: "spikesyn" if len(plans) == 1 else f"spikesyn {p}" for p in plans}
    md.append("| seed | " + " | ".join(f"{label[p]} cut | time to best (s)" for p in plans)
              + " | SA cut | SA time to best (s) | SA batches |")
    md.append("|---|" + "---|---|" * len(plans) + "---|---|---|")
    hits = dict.fromkeys([*plans, "SA"], 0)
    for seed in range(seeds):
        cols = []
        for p in plans:
            r = ss_run(G, plan=p, target=target, time_limit=30 - setup, seed=seed, replicas=args.replicas,
                       sweeps=args.sweeps)
            hits[p] += r.cut >= target and r.time_to_best <= 30
            cols.append(f"{r.cut:g} | {r.time_to_best:.2f}")
        best, ttb, batches, _ = sa_run_workers(G, WORKERS, target=target, seed=seed, reads=16,
                                               sweeps=args.sa_sweeps, max_time=30)
        hits["SA"] += best >= target and ttb <= 30
        md.append(f"| {seed} | " + " | ".join(cols) + f" | {best:g} | {ttb:.2f} | {batches} |")
        print(md[-1], flush=True)
    md.append("\nReached within 30 s: " + ", ".join(f"{label[p]} {hits[p]} of {seeds}" for p in plans)
              + f", SA {hits['SA']} of {seeds}.\n")


def section_g81(d, bk, args, md):
    G = load(d, "G81")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    setup = warm_setup(G, args)
    r = ss_run(G, time_limit=60 - setup, seed=0, replicas=args.replicas, sweeps=args.sweeps)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the largest worker process (workers are children; 0 without them)
    rss_w = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if WORKERS > 1 else 0
    best, ttb, _, _ = sa_budget(G, 60, seed=0)
    md.append("### G81 (20000 nodes, 40000 edges): 60 s, seed 0\n")
    if WORKERS > 1:
        md.append(f"spikesyn with workers={WORKERS} (peak RSS: the calling process, then the largest "
                  f"worker); SA on one process.\n")
    md.append("| solver | cut | best known | gap | time to best (s) | peak RSS (MiB) |")
    md.append("|---|---|---|---|---|---|")
    md.append(f"| spikesyn | {r.cut:g} | {bk['G81']:g} | {100 * (1 - r.cut / bk['G81']):.2f} % | "
              f"{r.time_to_best:.2f} | {rss1:.0f} (before: {rss0:.0f})"
              + (f", workers {rss_w:.0f} each at most" if WORKERS > 1 else "") + " |")
    md.append(f"| SA | {best:g} | {bk['G81']:g} | {100 * (1 - best / bk['G81']):.2f} % | {ttb:.2f} | |\n")
    print("\n".join(md[-3:]), flush=True)


_FIRST = r"""
import sys, time, json
t0 = time.perf_counter()
import brian2
brian2.prefs.codegen.runtime.cython.cache_dir = sys.argv[2]
import spikesyn.networks.maxcut as mc
from spikesyn.graphio import read_graph
G = read_graph(sys.argv[1])
r = mc.maxcut(G, target=float(sys.argv[3]), time_limit=120, seed=0,
              replicas=int(sys.argv[4]) if sys.argv[4] != "default" else None)
print(json.dumps({"wall": time.perf_counter() - t0, "cut": r.cut, "build_s": r.build_s,
                  "setup_s": r.setup_s, "ttb": r.time_to_best}))
"""


def section_first(d, bk, args, md):
    md.append("### First-ever run (fresh Cython cache, compile included) vs warm, G1 to 11624, seed 0\n")
    md.append("| run | process wall (s) | maxcut build (s) | maxcut setup incl. compile (s) | time to target (s) | cut |")
    md.append("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as cache:
        for label in ("first-ever (cold cache)", "warm (same cache)"):
            out = subprocess.run([sys.executable, "-c", _FIRST, str(Path(d, "G1.txt")), cache,
                                  str(bk["G1"]), str(args.replicas or "default")],
                                 capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            md.append(f"| {label} | {res['wall']:.1f} | {res['build_s']:.2f} | {res['setup_s']:.2f} | {res['ttb']:.2f} | "
                      f"{res['cut']:g} |")
            print(md[-1], flush=True)
    md.append("")


TOROIDAL_GRAPHS = ["G57", "G62", "G65", "G66", "G67", "G72", "G77", "G81"]


def budget_task(params, seed):
    """One sweep task of the paired and toroidal sections: ``params["solver"]`` ("spikesyn" or "SA") on
    Gset graph ``params["graph"]`` at ``params["budget"]`` s with ``seed``; a flat record."""
    d, name, budget = gset_dir(), params["graph"], float(params["budget"])
    G = load(d, name)
    if params["solver"] == "spikesyn":
        setup = warm_setup(G, argparse.Namespace(replicas=None))
        kw = {"schedule": tuple(float(x) for x in params["schedule"].split())} if params.get("schedule") else {}
        r = ss_run(G, time_limit=max(0.5, budget - setup), seed=seed, **kw)
        return {"cut": r.cut, "t_best_s": r.time_to_best, "wall_s": r.time_s, "setup_s": setup,
                "sweeps": _ss_sweeps(r)}
    cut, ttb, sweeps, wall = sa_budget(G, budget, seed=seed)
    return {"cut": cut, "t_best_s": ttb, "wall_s": wall, "setup_s": 0.0, "sweeps": f"16 x {sweeps}"}


def _bootstrap_ci(x, reps=10000, seed=0):
    """95 % percentile bootstrap interval of the mean of ``x``."""
    x = np.asarray(x, dtype=float)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(reps, len(x)))].mean(axis=1)
    return np.percentile(means, [2.5, 97.5])


def section_toroidal(d, bk, args, md):
    """The toroidal family at --budget s, paired seeds, through spikesyn.sweep."""
    _paired_section(d, bk, args, md, args.graphs or TOROIDAL_GRAPHS, "Toroidal +/-1 graphs", "toroidal")


def section_paired(d, bk, args, md):
    """The budget section's graphs (or --graphs) at --budget s, paired seeds, through spikesyn.sweep."""
    _paired_section(d, bk, args, md, args.graphs or BUDGET_GRAPHS, "Gset graphs", "paired")


def _paired_section(d, bk, args, md, names, title, stem):
    """spikesyn and SA on ``names`` at --budget s on seeds 0..K-1, as sweep tasks (appended to
    --sweep-out, default benchmarks/<stem>_<budget>s.jsonl, resumed when it exists); a table of
    the paired differences."""
    import spikesyn as ss
    K = args.seeds or 3
    out = args.sweep_out or str(REPO / "benchmarks" / f"{stem}_{args.budget:g}s.jsonl")
    grid = {"graph": names, "solver": ["spikesyn", "SA"], "budget": [args.budget]}
    if args.schedule:
        # spikesyn's tasks carry the schedule; SA's are the same tasks as without it, so a
        # sweep file of an earlier run (--sweep-out) gives them back instead of running them again
        schedule = " ".join(f"{x:g}" for x in args.schedule)
        grid = [{"graph": g, "solver": solver, "budget": args.budget,
                 **({"schedule": schedule} if solver == "spikesyn" else {})}
                for g in names for solver in ("spikesyn", "SA")]
    executor = "serial" if args.sweep_workers == 1 else args.sweep_workers
    records = ss.sweep(budget_task, grid, seeds=K, out=out, resume=Path(out).exists(),
                       executor=executor)
    failed = [r for r in records if r.get("status") == "failed"]
    if failed:
        raise SystemExit(f"{len(failed)} task(s) failed; see {out}")
    cut = {(r["graph"], r["solver"], r["seed"]): float(r["cut"]) for r in records}
    seeds = range(K)
    md.append(f"### {title}: {args.budget:g} s per solver on one core, seeds 0-{K - 1} (paired)"
              + (f", spikesyn with schedule {args.schedule[0]:g} -> {args.schedule[1]:g}" if args.schedule else "") + "\n")
    md.append("Every task ran on one core (sweep of "
              f"{len(records)} tasks, {args.sweep_workers} at a time; records in `{Path(out).name}`). "
              "Gap: 100 (best known - cut) / best known. Difference: spikesyn cut - SA cut on the same seed.\n")
    md.append("| graph | n | best known | spikesyn cuts | SA cuts | spikesyn mean gap % | SA mean gap % | "
              "mean difference (per-seed) | spikesyn >= SA (pairs) |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    diffs, gap_diffs, gaps = [], [], {"spikesyn": [], "SA": []}
    pairs_ok = 0
    for name in names:
        b = bk[name]
        c = {s: [cut[(name, s, k)] for k in seeds] for s in ("spikesyn", "SA")}
        d_ = [a - x for a, x in zip(c["spikesyn"], c["SA"])]
        diffs += d_
        gap_diffs += [100 * x / b for x in d_]
        for s in c:
            gaps[s] += [100 * (b - x) / b for x in c[s]]
        ok = sum(x >= 0 for x in d_)
        pairs_ok += ok
        n = load(d, name).number_of_nodes()
        md.append(f"| {name} | {n} | {b:g} | {_cuts(c['spikesyn'])} | {_cuts(c['SA'])} | "
                  f"{np.mean([100 * (b - x) / b for x in c['spikesyn']]):.3f} | "
                  f"{np.mean([100 * (b - x) / b for x in c['SA']]):.3f} | "
                  f"{np.mean(d_):+.1f} ({'/'.join(f'{x:+g}' for x in d_)}) | {ok} of {K} |")
        print(md[-1], flush=True)
    lo, hi = _bootstrap_ci(gap_diffs)
    spread = statistics.median(
        statistics.stdev(cut[(name, s, k)] for k in seeds) for name in names for s in ("spikesyn", "SA")) if K > 1 else float("nan")
    md.append("")
    md.append(f"- Mean gap to the best known: spikesyn {np.mean(gaps['spikesyn']):.3f} %, SA {np.mean(gaps['SA']):.3f} %.")
    md.append(f"- Paired difference (spikesyn - SA) in % of the best known, mean over {len(diffs)} pairs: "
              f"{np.mean(gap_diffs):+.3f} %, 95 % bootstrap CI [{lo:+.3f}, {hi:+.3f}]; in edges: mean {np.mean(diffs):+.2f}.")
    md.append(f"- spikesyn >= SA in {pairs_ok} of {len(diffs)} same-seed pairs.")
    md.append(f"- Noise floor: the median over graphs and solvers of the seed-to-seed standard deviation of the cut is {spread:.1f} edges.\n")
    print("\n".join(md[-5:]), flush=True)


SECTIONS = {"tts": section_tts, "budget": section_budget, "g22": section_g22, "g81": section_g81,
            "first": section_first, "g22rate": section_g22rate,
            "toroidal": section_toroidal, "paired": section_paired}
#: run when no --section is given (g22rate takes about a minute a seed: ask for it)
DEFAULT_SECTIONS = ("tts", "budget", "g22", "g81", "first")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--section", action="append", choices=list(SECTIONS))
    p.add_argument("--graphs", nargs="*", help="budget, paired and toroidal sections: these graphs only")
    p.add_argument("--seeds", type=int, default=None,
                   help="tts: seeds (default 5); budget: seeds per solver and graph (default 1); "
                        "g22rate: seeds (default 16); toroidal, paired: seeds (default 3)")
    p.add_argument("--budget", type=float, default=10.0)
    p.add_argument("--replicas", type=int, default=None, help="spikesyn replicas (default: library's)")
    p.add_argument("--sweeps", type=int, default=None, help="spikesyn sweeps per anneal (default: library's)")
    p.add_argument("--sa-sweeps", type=int, default=10000)
    from spikesyn.networks.maxcut import RESTART_PLANS
    p.add_argument("--restarts", choices=RESTART_PLANS, nargs="+", default=None,
                   help="spikesyn's restart plan(s) of time-limited runs (default: the library's); "
                        "several: budget and g22rate run them interleaved seed by seed")
    p.add_argument("--workers", type=int, default=1,
                   help="spikesyn's worker processes (maxcut workers=K) in every section; budget "
                        "and g22rate then run SA as K processes at once too (the others keep SA on one)")
    p.add_argument("--no-nx", action="store_true", help="skip the networkx peers")
    p.add_argument("--sweep-out", help="toroidal, paired: the sweep's record file (default "
                                       "benchmarks/<section>_<budget>s.jsonl; resumed when it exists)")
    p.add_argument("--schedule", type=float, nargs=2, metavar=("START", "STOP"),
                   help="toroidal, paired: spikesyn's anneal schedule (relative noise at start and end; "
                        "default: the library's)")
    p.add_argument("--sweep-workers", type=int, default=1,
                   help="toroidal, paired: tasks run at once (local process pool; default 1, this process)")
    p.add_argument("--md", help="append the markdown tables to this file")
    args = p.parse_args(argv)
    global RESTARTS, WORKERS
    RESTARTS = args.restarts or [None]
    WORKERS = args.workers
    d = gset_dir()
    if d is None:
        print("Gset data not found (set SPIKESYN_GSET_DIR); nothing to do.")
        return 0
    try:
        import dwave.samplers  # noqa: F401
    except ImportError:
        print("dwave-samplers is not installed (pip install dwave-samplers); nothing to compare.")
        return 0
    bk = best_known(d)
    md = []
    import platform
    md.append(f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
              f"({os.cpu_count()} cores), Python {platform.python_version()}\n")
    md.append("Command: `python benchmarks/maxcut_gset.py " + " ".join(argv if argv is not None else sys.argv[1:]) + "`\n")
    for name in args.section or DEFAULT_SECTIONS:
        SECTIONS[name](d, bk, args, md)
    emit("\n".join(md) + "\n", args.md, append=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
