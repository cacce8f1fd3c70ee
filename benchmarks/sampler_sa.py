"""HopfieldSampler against dwave-samplers' simulated annealing at equal wall time.

Problem families (one instance per seed, drawn from that seed):

* ``glass``: random 3-regular +/-J spin glass, no fields;
* ``glass-h``: the same with random +/-1 fields on every spin;
* ``qubo``: a random sparse QUBO (each variable in 3 random pairs, weights uniform in [-1, 1],
  diagonal uniform in [-1, 1]).

For each instance, HopfieldSampler runs one read with ``time_limit=BUDGET`` (the solve: building
the network and Brian2's code generation come on top and are reported as ``setup``); SA then gets
the wall time spikesyn used in all (setup included), spent on reads of ``--sa-sweeps`` sweeps
with fresh seeds (after the first read, a read starts only when one more fits in the time
left), and keeps its lowest energy. Both run in this one process,
one after the other. Energies are the problem's (lower is better).

Usage::

    python benchmarks/sampler_sa.py --n 200 --budget 2 --seeds 3 --md out.md

Needs ``pip install "spikesyn[ocean,bench]"`` (dimod, dwave-samplers).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import numpy as np

from report import emit


def instance(family, n, seed):
    """(kind, linear, quadratic) of one problem of a family."""
    import networkx as nx
    rng = np.random.default_rng(seed)
    G = nx.random_regular_graph(3, n, seed=seed)
    edges = sorted(tuple(sorted(e)) for e in G.edges())
    if family in ("glass", "glass-h"):
        J = {e: float(w) for e, w in zip(edges, rng.choice([-1.0, 1.0], size=len(edges)))}
        h = {i: float(rng.choice([-1.0, 1.0])) if family == "glass-h" else 0.0 for i in range(n)}
        return "ising", h, J
    Q = {e: float(w) for e, w in zip(edges, rng.uniform(-1, 1, size=len(edges)))}
    Q.update({(i, i): float(rng.uniform(-1, 1)) for i in range(n)})
    return "qubo", None, Q


def run_spikesyn(kind, h, J, budget, seed):
    from spikesyn.networks.hopfield_sampler import HopfieldSampler
    t0 = time.perf_counter()
    if kind == "ising":
        res = HopfieldSampler().sample_ising(h, J, seed=seed, time_limit=budget)
    else:
        res = HopfieldSampler().sample_qubo(J, seed=seed, time_limit=budget)
    wall = time.perf_counter() - t0
    return float(res.first.energy), wall, res.info["reads"][0]["setup_s"]


def run_sa(kind, h, J, wall, seed, sweeps):
    from dwave.samplers import SimulatedAnnealingSampler
    sa = SimulatedAnnealingSampler()
    best, reads, k, last = np.inf, 0, 0, 0.0
    t0 = time.perf_counter()
    # a read cannot be cut short: after the first, one starts only if it can end within the time
    while reads == 0 or time.perf_counter() - t0 + last <= wall:
        t_read = time.perf_counter()
        s = 1000 * seed + k
        if kind == "ising":
            r = sa.sample_ising(h, J, num_reads=1, num_sweeps=sweeps, seed=s)
        else:
            r = sa.sample_qubo(J, num_reads=1, num_sweeps=sweeps, seed=s)
        best = min(best, float(r.first.energy))
        last = time.perf_counter() - t_read
        reads += 1
        k += 1
    return best, reads, time.perf_counter() - t0


def exact_section(problems, spins, seeds):
    """Markdown lines: how often one read (default settings) finds the ExactSolver ground state."""
    import dimod
    from spikesyn.networks.hopfield_sampler import HopfieldSampler
    lines = [f"Ground states of {problems} dense +/-J problems of {spins} spins (half with +/-1 "
             f"fields, each pair coupled with probability 0.5), {seeds} seeds each, one read with "
             f"the default settings (1000 sweeps, 16 replicas), against dimod.ExactSolver:", "",
             "| problem | fields | ground energy | reads at the ground state | invalid samples |",
             "|---|---|---|---|---|"]
    for k in range(problems):
        rng = np.random.default_rng(100 + k)
        fields = k % 2 == 1
        h = {i: float(rng.choice([-1.0, 1.0])) if fields else 0.0 for i in range(spins)}
        J = {(i, j): float(rng.choice([-1.0, 1.0])) for i in range(spins) for j in range(i + 1, spins)
             if rng.random() < 0.5}
        ground = dimod.ExactSolver().sample_ising(h, J).first.energy
        hits = invalid = 0
        for seed in range(seeds):
            r = HopfieldSampler().sample_ising(h, J, seed=seed)
            sample = r.first.sample
            invalid += set(sample.values()) - {-1, 1} != set() or len(sample) != spins
            hits += r.first.energy == ground
        lines.append(f"| {k} | {'yes' if fields else 'no'} | {ground:g} | {hits} of {seeds} | {invalid} |")
        print(lines[-1], flush=True)
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=200, help="spins per problem (default 200)")
    p.add_argument("--budget", type=float, default=2.0, help="spikesyn's time_limit in seconds (default 2)")
    p.add_argument("--seeds", type=int, default=3, help="instances per family (default 3)")
    p.add_argument("--sa-sweeps", type=int, default=1000, help="sweeps of one SA read (default 1000)")
    p.add_argument("--family", action="append", choices=("glass", "glass-h", "qubo"))
    p.add_argument("--exact", type=int, default=0, metavar="K",
                   help="instead: K problems of --n spins against dimod.ExactSolver (--seeds reads each)")
    p.add_argument("--md", help="write the table as Markdown here")
    args = p.parse_args(argv)
    try:
        import dimod  # noqa: F401
        from dwave.samplers import SimulatedAnnealingSampler  # noqa: F401
    except ImportError:
        print('needs dimod and dwave-samplers: pip install "spikesyn[ocean,bench]"')
        return 0
    import spikesyn as ss
    ss.quiet()
    if args.exact:
        text = "\n".join([f"Command: `python benchmarks/sampler_sa.py --exact {args.exact} --n {args.n} "
                          f"--seeds {args.seeds}`", ""] + exact_section(args.exact, args.n, args.seeds)) + "\n"
        emit(text, args.md)
        return 0
    families = args.family or ["glass", "glass-h", "qubo"]
    # one untimed solve first: Brian2 compiles the network's code once per group size
    kind, h, J = instance("glass", args.n, 999)
    run_spikesyn(kind, h, J, 0.2, 0)
    rows = []
    for family in families:
        for seed in range(args.seeds):
            kind, h, J = instance(family, args.n, seed)
            e_ss, wall, setup = run_spikesyn(kind, h, J, args.budget, seed)
            e_sa, reads, sa_wall = run_sa(kind, h, J, wall, seed, args.sa_sweeps)
            rows.append((family, seed, e_ss, e_sa, wall, setup, reads, sa_wall))
            print(f"{family:8s} seed {seed}: spikesyn {e_ss:.4g} ({wall:.2f} s, setup {setup:.2f} s)"
                  f"  SA {e_sa:.4g} ({reads} reads, {sa_wall:.2f} s)", flush=True)
    lines = [f"Command: `python benchmarks/sampler_sa.py --n {args.n} --budget {args.budget:g} "
             f"--seeds {args.seeds} --sa-sweeps {args.sa_sweeps}`  ",
             f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python "
             f"{platform.python_version()} (a shared 2-core machine: other jobs ran at the same time)", "",
             "| family | seed | spikesyn energy | SA energy | spikesyn wall s (setup) | SA reads | better |",
             "|---|---|---|---|---|---|---|"]
    for family, seed, e_ss, e_sa, wall, setup, reads, _ in rows:
        better = "spikesyn" if e_ss < e_sa - 1e-9 else ("SA" if e_sa < e_ss - 1e-9 else "tie")
        lines.append(f"| {family} | {seed} | {e_ss:.4f} | {e_sa:.4f} | {wall:.2f} ({setup:.2f}) | {reads} | {better} |")
    lines += ["", "| family | spikesyn better / tie / SA better | mean energy, spikesyn | mean energy, SA |",
              "|---|---|---|---|"]
    for family in families:
        sub = [r for r in rows if r[0] == family]
        wins = sum(r[2] < r[3] - 1e-9 for r in sub)
        losses = sum(r[3] < r[2] - 1e-9 for r in sub)
        lines.append(f"| {family} | {wins} / {len(sub) - wins - losses} / {losses} | "
                     f"{statistics.mean(r[2] for r in sub):.4f} | {statistics.mean(r[3] for r in sub):.4f} |")
    emit("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
