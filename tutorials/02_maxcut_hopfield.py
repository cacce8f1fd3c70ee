# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Solving max-cut with a noisy Hopfield network
#
# Max-cut splits the nodes of a weighted graph into two sides so that the weight of the edges
# between the sides is as large as possible. Write each node's side as a binary neuron
# $s_i \in \{-1, +1\}$ and couple neurons by $J_{ij} = -w_{ij}$: the cut is
# $(W_\mathrm{total} - \sum_{i<j} w_{ij} s_i s_j)/2$, so the Hopfield network's energy
# $\sum_{i<j} w_{ij} s_i s_j$ is lowest where the cut is largest.
#
# In spikesyn each neuron flips to $\mathrm{sign}(h_i + \eta_i)$ when it is read; a flip is a
# spike that updates its neighbours' fields through the synapses, so the work is proportional to
# flips, not edges. The noise $\eta_i$ is the read noise of the neuron's PCM synapses, amplified
# by a gain that an annealing schedule lowers over the run (Cai et al., Nat. Electron. 2020).
#
# Run this file top to bottom with `python tutorials/02_maxcut_hopfield.py` (about a minute) or
# open it as a notebook with jupytext. Figures go to the folder named by `SPIKESYN_TUTORIAL_OUT`
# (default `tutorial_output`). `SPIKESYN_TUTORIAL_QUICK=1` gives the wall-clock runs of sections
# 4 and 5 one second each instead of 8 and 2 (the cuts found are then further from the best).

# %%
import itertools
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

import spikesyn as ss
from spikesyn.networks.maxcut import AnnealSchedule, cut_value

# The numpy runtime needs no compiler; on big graphs codegen="cython" (the default "auto") is
# about twice as fast once compiled.
CODEGEN = "numpy"
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))  # where figures go
OUT.mkdir(parents=True, exist_ok=True)
QUICK = os.environ.get("SPIKESYN_TUTORIAL_QUICK", "0") not in ("", "0")

# %% [markdown]
# ## 1. A small graph, checked against brute force

# %%
rng = np.random.default_rng(0)
G = nx.gnp_random_graph(14, 0.4, seed=0)
for u, v in G.edges:
    G[u][v]["weight"] = float(rng.integers(-2, 6))


def brute_force(G):
    nodes = list(G)
    best = 0.0
    for bits in itertools.product([0, 1], repeat=len(nodes) - 1):
        side = dict(zip(nodes, (0,) + bits))
        best = max(best, sum(d["weight"] for u, v, d in G.edges(data=True) if side[u] != side[v]))
    return best


optimum = brute_force(G)
res = ss.maxcut(G, seed=1, sweeps=200, replicas=8, codegen=CODEGEN)
print(f"spikesyn cut {res.cut:g}, brute force {optimum:g}, partition {sorted(res.partition[0])} | "
      f"{sorted(res.partition[1])}")
assert res.cut == cut_value(G, res.partition) <= optimum

# %% [markdown]
# ## 2. What the noise does
#
# Replicas are independent runs simulated together, so one call with 64 replicas estimates a
# success rate: the fraction of replicas that end at the optimum. We compare a fixed noise level
# (no annealing), an anneal from that level down to 5 % of it, and the noiseless network, which
# simply descends to the nearest local optimum.

# %%
G2 = nx.gnp_random_graph(40, 0.2, seed=3)
for u, v in G2.edges:
    G2[u][v]["weight"] = float(rng.choice([-1.0, 1.0, 2.0]))
best_ref = ss.maxcut(G2, seed=0, sweeps=400, replicas=64, codegen=CODEGEN).cut  # reference optimum (very likely)


def success(**kw):
    r = ss.maxcut(G2, seed=0, sweeps=100, replicas=64, codegen=CODEGEN, **kw)
    return np.mean(np.array(r.replica_cuts) >= best_ref)


levels = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6]
fixed = [success(schedule=AnnealSchedule(a, a)) for a in levels]
annealed = [success(schedule=AnnealSchedule(a, 0.05 * a)) for a in levels]
noiseless = success(device="noiseless")
for a, f, an in zip(levels, fixed, annealed):
    print(f"noise {a:4.2f}: fixed {f:5.2f}   annealed {an:5.2f}")
print(f"noiseless Hopfield: {noiseless:.2f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogx(levels, fixed, "o-", label="fixed noise")
ax.semilogx(levels, annealed, "s-", label="annealed (to 5 %)")
ax.axhline(noiseless, color="k", ls="--", label="noiseless")
ax.set_xlabel("noise at start (relative to rms coupling)")
ax.set_ylabel("success rate (64 replicas)")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "02_noise_success.png")

# %% [markdown]
# Too little noise freezes the network in a local optimum, like the noiseless network; too much
# fixed noise keeps it from settling anywhere. A fixed level works in a narrow window only (and
# which window depends on the graph); an anneal works from any start level above that window,
# so it needs no tuning. The noiseless Hopfield network almost never reaches the optimum.
#
# ## 3. Device non-idealities
#
# The same network on different synapse models: ideal write-verify (`pcm`), one-shot programming
# error (`pcm-prog`), 16 conductance levels (`pcm-4bit`), a day of drift (`pcm-aged`), and an
# ideal software network with the same noise schedule (`ideal`). The energy is that of the
# synaptic reads.

# %%
for dev in ["pcm", "pcm-prog", "pcm-4bit", "pcm-aged", "ideal"]:
    r = ss.maxcut(G2, seed=0, sweeps=100, replicas=64, device=dev, codegen=CODEGEN)
    rate = np.mean(np.array(r.replica_cuts) >= best_ref)
    print(f"{dev:9s} best {r.cut:5g}  success {rate:4.2f}  read energy {r.energy}")

# %% [markdown]
# Programming errors change the weights the network minimises, so its best states can miss the
# true optimum; a few levels of quantisation cost little on a graph with small integer weights.
# Drift lowers every conductance by a device-to-device random factor, so an aged array solves a
# slightly different problem: its success rate drops most. The read energy falls with drift
# (lower conductance, less current).
#
# ## 4. A Gset-size graph
#
# G1 (800 nodes, 19176 edges, best known cut 11624) if the Gset files are available, otherwise a
# random graph of the same size. Anneals repeat until the time limit; the trace is the best cut so
# far against wall-clock time.

# %%
gset = Path(os.environ.get("SPIKESYN_GSET_DIR", Path(__file__).resolve().parents[2] / "shared/data/gset"
                           if "__file__" in globals() else "../shared/data/gset"))
if (gset / "G1.txt").exists():
    from spikesyn.graphio import read_graph
    big, name = read_graph(gset / "G1.txt"), "G1 (best known 11624)"
else:
    big, name = nx.gnm_random_graph(800, 19176, seed=1), "random 800-node graph"
t0 = time.perf_counter()
r = ss.maxcut(big, seed=0, time_limit=1 if QUICK else 8, sweeps=300, codegen=CODEGEN)
print(f"{name}: cut {r.cut:g} after {r.time_s:.1f} s (best at {r.time_to_best:.1f} s), "
      f"{r.anneals_done:.1f} anneals x {r.settings['replicas']} replicas")

t, c = zip(*r.trace)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.step(list(t) + [r.time_s], list(c) + [r.cut], where="post")
ax.set_xlabel("wall-clock time (s)")
ax.set_ylabel("best cut so far")
ax.set_title(name)
fig.tight_layout()
fig.savefig(OUT / "02_cut_vs_time.png")
print(f"figures written to {OUT}")

# %% [markdown]
# ## 5. More cores
#
# One simulation runs on one CPU core. `workers=k` runs `k` of them side by side, each with its
# own replicas of the same programmed network and its own random stream, and keeps the best cut
# (worker 0 is exactly the one-process solve of the same seed; with a time limit, as here, how
# many anneals fit depends on the machine's speed). For long searches on hard graphs this
# is the cheapest gain: on Gset G22, `restarts="reheat"` with two workers reached the best-known
# cut within 30 s in 23 of 24 runs on a 2-core machine (benchmarks/RESULTS_maxcut.md).

# %%
r2 = ss.maxcut(big, seed=0, time_limit=1 if QUICK else 2, sweeps=300, codegen=CODEGEN, workers=2)
print(f"two workers: cut {r2.cut:g}, best from worker {r2.settings['best_worker']}, "
      f"replica cuts {sorted(r2.replica_cuts)[-3:]} ...")
