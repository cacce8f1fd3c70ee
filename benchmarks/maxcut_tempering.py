"""Experiment: parallel tempering instead of annealing in spikesyn's max-cut network.

The replicas of :func:`spikesyn.maxcut` are annealed together (the read-noise gain falls over
each anneal). Parallel tempering (replica exchange, Swendsen & Wang 1986; Hukushima & Nemoto
1996) keeps each replica at a fixed noise level instead, on a geometric ladder from ``--hi`` to
``--lo`` (relative noise, as in :class:`spikesyn.networks.maxcut.AnnealSchedule`), and after
every sweep offers neighbouring levels an exchange of their states, accepted with probability
``min(1, exp((beta_a - beta_b) (cut_b - cut_a)))``. Physically: each replica array is read at its
own read voltage, and states move between arrays. ``beta`` is that of the Glauber rule that the
Gaussian read noise approximates, ``Phi(x / sigma) ~ 1 / (1 + exp(-1.702 x / sigma))``: with the
noise ``sigma = rel * rms coupling``, ``beta = 1.702 / (rel * median rms)`` in cut units (the noise
is not the same on every neuron, so this is an approximation; it only sets the acceptance).

It reuses the network that :func:`spikesyn.maxcut` builds (same neurons, synapses, device, read
noise) and replaces only the run loop. Results are in the git history of benchmarks/RESULTS_maxcut.md:
not better than the annealing design, so not adopted.

Usage::

    python benchmarks/maxcut_tempering.py G53 G18 G52 --seeds 0 1 --hi 0.5 --lo 0.05
    python benchmarks/maxcut_tempering.py G22 --time 30 --seeds 0 1 2 --base
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from maxcut_gset import gset_dir, load  # noqa: E402


def tempering(G, time_limit, seed, replicas=16, hi=0.5, lo=0.05):
    """Best cut, time to it (s), sweeps and swap acceptance of one tempering run."""
    import brian2 as b2
    from spikesyn.networks import maxcut as mc
    from spikesyn.networks.maxcut_devices import get_device, program

    t_call = time.perf_counter()
    nodes, iu, iv, w = mc.prepare_graph(G, "weight")
    n, R = len(nodes), replicas
    rng = np.random.default_rng(seed)
    dev = get_device("pcm")
    schedule = mc.AnnealSchedule()
    sim = mc._Simulation(n, iu, iv, w, program(w, dev, rng), dev, schedule, 1000, R, seed,
                         "cython", rng, update_slots=mc.DEFAULT_UPDATE_SLOTS)
    rho = schedule.start / sim.gain_start  # the device's typical relative noise at gain 1
    grp = sim.grp
    ladder = hi * (lo / hi) ** (np.arange(R) / (R - 1))
    sigma = grp.sigma_dev_[:].copy()
    sigma[: n * R] *= np.repeat(ladder, n)
    grp.sigma_dev = sigma
    grp.namespace.update(gain_start=1.0 / rho, gain_stop=1.0 / rho, T_anneal=1e9 * b2.second)
    rms = np.sqrt(np.bincount(np.r_[iu, iv], weights=np.r_[w, w] ** 2, minlength=n))
    beta = 1.702 / (ladder * np.median(rms))
    nR, K = n * R, sim.K
    s_var, h_var = grp.variables["s"], grp.variables["h"]
    timestep = grp.clock.variables["timestep"].get_value()
    out = {"best": -np.inf, "t_best": 0.0, "tries": 0, "swaps": 0, "parity": 0}
    t_run = [0.0]

    def exchange():
        if timestep[0] % K:
            return
        S = s_var.get_value()[:nR].reshape(R, n)  # views: swaps act on the network's state
        H = h_var.get_value()[:nR].reshape(R, n)
        cuts = sim._replica_cuts(S, H)
        now = time.perf_counter()
        if cuts.max() > out["best"]:
            out["best"], out["t_best"] = float(cuts.max()), now - t_call
        for a in range(out["parity"], R - 1, 2):
            b = a + 1
            x = (beta[a] - beta[b]) * (cuts[b] - cuts[a])
            out["tries"] += 1
            if x >= 0 or rng.random() < math.exp(x):
                out["swaps"] += 1
                S[[a, b]] = S[[b, a]]
                H[[a, b]] = H[[b, a]]
                cuts[[a, b]] = cuts[[b, a]]
        out["parity"] ^= 1
        if now - t_run[0] >= time_limit:
            net.stop()

    op = b2.NetworkOperation(exchange, clock=grp.clock, when="end")
    net = b2.Network(grp, sim.syn, op)
    b2.prefs.codegen.target = "cython"
    b2.seed(seed)
    t_run[0] = time.perf_counter()
    net.run(1e6 * b2.second, namespace={})
    sweeps = int(round(float(net.t / sim.dt))) // K
    return out["best"], out["t_best"], sweeps, out["swaps"] / max(1, out["tries"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("graphs", nargs="+", help="Gset names, e.g. G53")
    p.add_argument("--time", type=float, default=10.0, help="seconds per run (default 10)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--hi", type=float, default=0.5, help="highest relative noise of the ladder")
    p.add_argument("--lo", type=float, default=0.05, help="lowest relative noise of the ladder")
    p.add_argument("--replicas", type=int, default=16)
    p.add_argument("--base", action="store_true", help="also run spikesyn.maxcut (annealing) per seed")
    a = p.parse_args(argv)
    d = gset_dir()
    if d is None:
        print("Gset data not found (set SPIKESYN_GSET_DIR); nothing to do.")
        return 0
    from spikesyn.networks import maxcut as mc
    print("| graph | seed | solver | cut | time to best (s) | sweeps | swap acceptance |")
    print("|---|---|---|---|---|---|---|")
    for name in a.graphs:
        G = load(d, name)
        for seed in a.seeds:
            if a.base:
                res = mc.maxcut(G, time_limit=a.time, seed=seed)
                print(f"| {name} | {seed} | annealing (spikesyn.maxcut) | {res.cut:g} | "
                      f"{res.time_to_best:.2f} | {res.sweeps_done} | - |", flush=True)
            cut, t_best, sweeps, acc = tempering(G, a.time, seed, a.replicas, a.hi, a.lo)
            print(f"| {name} | {seed} | tempering R{a.replicas} {a.hi}->{a.lo} | {cut:g} | "
                  f"{t_best:.2f} | {sweeps} | {acc:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
