# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Learning on imperfect devices
#
# A weight stored in a phase-change device is not a number in memory. It can only be nudged up
# by SET pulses whose size shrinks as the device fills; it can come down only by an abrupt
# RESET; it drifts after it is programmed; every read is noisy; and a real device holds only so
# many distinguishable levels. This tutorial trains a classifier on such synapses and looks at
# four ways researchers have dealt with that:
#
# 1. the **two-tier cell** of Ambrogio et al. (Nature 2018): updates go to a volatile
#    capacitor, which is transferred now and then into a PCM pair, with **polarity inversion**;
# 2. training **through the devices** in Brian2: ideal weights, a PCM pair alone, the two-tier
#    cell;
# 3. **few levels** (Wang et al., ASP-DAC 2017): distribution-aware quantisation, quantisation
#    regularisation and bias tuning;
# 4. **in-the-loop tuning**: program a software-trained layer, let it drift, then fine-tune it
#    with forward passes through the devices;
#
# and ends with the **energy** the devices spent, next to a digital estimate.
#
# It runs on Brian2's numpy target at a small size (about a minute). Figures go to the folder
# named by `SPIKESYN_TUTORIAL_OUT` (default `tutorial_output`). The full-size numbers are in
# `benchmarks/RESULTS_hardware_learning.md`.

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import *  # noqa: F401,F403  (the usual Brian2 script style)

import spikesyn as ss
from spikesyn.datasets import make_labelled_set
from spikesyn.energy_compare import compare, digital_energy
from spikesyn.networks.inloop import format_inloop_table, inloop_tuning
from spikesyn.networks.precision import format_precision_table, precision_table
from spikesyn.networks.supervised import train_supervised

prefs.codegen.target = "numpy"
ss.quiet()   # Brian2's loop-order warning for rand() in the device cards: nothing to act on
seed(4)
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 0. The data
#
# Glyphs turned by up to 15 degrees, moved by up to a pixel, scaled by up to 10 % and given
# pixel noise: a fresh draw for every image. Two seeds give independent training and test sets.

# %%
train = make_labelled_set(5, 30, size=16, seed=1)
test = make_labelled_set(5, 20, size=16, seed=2)
fig, axes = plt.subplots(2, 5, figsize=(8, 3.4))
for k, ax in enumerate(axes.T):
    for row, idx in enumerate(np.nonzero(train.labels == k)[0][:2]):
        ax[row].imshow(train.images[idx], cmap="gray", vmin=0, vmax=1)
        ax[row].set_axis_off()
    ax[0].set_title(train.class_names[k], fontsize=9)
fig.tight_layout()
fig.savefig(OUT / "04_data.png", dpi=90)

# %% [markdown]
# ## 1. One two-tier cell: transfer and polarity inversion
#
# The weight is `W = F (G+ - G-) + p g`. Pairings (an input spike just before an output spike)
# charge the capacitor `g`; when `n_upd` reaches `transfer_every`, `p g` is written into the
# PCM pair, `g` is cleared and the polarity `p` flips, so the next updates charge `g` the other
# way while `W` keeps rising. A plain Brian2 script: the card hands `Synapses` its arguments.

# %%
tt = ss.load_model("two_tier")
start_scope()
n_pairs = 12
pre = SpikeGeneratorGroup(1, [0] * n_pairs, (10 + 20 * np.arange(n_pairs)) * ms)
post_fire = TimedArray(np.isin(np.arange(2600), 120 + 200 * np.arange(n_pairs)).astype(float),
                       dt=0.1 * ms)
post = NeuronGroup(1, "ge : siemens\ngi : siemens\nfire = post_fire(t) : 1", threshold="fire > 0.5",
                   reset="")   # a timed spike source: nothing to reset
cell = Synapses(pre, post, **tt.synapse_kwargs(transfer_every=5, dg_plus=2 * uS, dg_minus=0 * uS,
                                              tau_cap=10 * second))
cell.connect()
trace = StateMonitor(cell, ["g", "Gp", "Gm", "flip"], record=0, dt=0.5 * ms)
run(260 * ms)
F = tt.parameters["F_gain"]
p = 1 - 2 * trace.flip[0]
W = F * (trace.Gp[0] - trace.Gm[0]) + p * trace.g[0]
print(f"transfers: {int(cell.n_transfers[0])}, polarity now {'inverted' if cell.flip[0] else 'normal'}")

fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(trace.t / ms, W / uS, "k", lw=2, label="W")
ax.plot(trace.t / ms, F * (trace.Gp[0] - trace.Gm[0]) / uS, label="F (G+ - G-)")
ax.plot(trace.t / ms, trace.g[0] / uS, label="g (capacitor)")
ax.set_xlabel("time (ms)")
ax.set_ylabel("uS")
ax.legend(frameon=False)
ax.set_title("potentiation only: g alternates sign, W keeps rising")
fig.tight_layout()
fig.savefig(OUT / "04_two_tier_cell.png", dpi=90)

# %% [markdown]
# ## 2. Three learners, trained through the devices
#
# `train_supervised` builds one layer of device synapses (every pixel and a bias line to every
# class). The forward pass is a burst of input spikes, each a device read; the delta-rule
# update is coded as coincident pulses (an output that must go up fires just after its inputs,
# one that must go down just before), so each learner's card decides what an update does:
# exact steps (`ideal`), saturating SET pulses on G+ or G- with refresh (`pcm_pair`), or charge
# on the capacitor with transfers (`two_tier`).

# %%
results = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    for learner in ("ideal", "pcm_pair", "two_tier"):
        results[learner] = train_supervised(learner, train, test, epochs=5, batch=15,
                                            transfer_every=500, seed=1)
        r = results[learner]
        print(f"{learner:<9} test accuracy {r.test_accuracy:.3f}  counters "
              f"{ {k: int(v) for k, v in r.counters.items() if k in ('n_set', 'n_refresh', 'n_transfers')} }")

fig, ax = plt.subplots(figsize=(5.5, 3.4))
for learner, r in results.items():
    ax.plot([c["epoch"] for c in r.curve], [c["test_accuracy"] for c in r.curve], "o-",
            label=learner)
ax.set_xlabel("epoch")
ax.set_ylabel("test accuracy")
ax.legend(frameon=False)
fig.tight_layout()
fig.savefig(OUT / "04_learners.png", dpi=90)

# %% [markdown]
# The PCM pair alone learns in coarse, shrinking steps and must be refreshed; the two-tier cell
# takes its small updates on the capacitor and writes the pair only at transfers.

# %% [markdown]
# ## 3. Few conductance levels
#
# A software-trained layer is quantised to `k` levels. Without help, few levels cost a lot;
# the three methods each switch on separately (`precision_table` trains each variant).

# %%
rows = precision_table(train, test, ks=(2, 3, 4, 8, 16))
print(format_precision_table(rows))

# %% [markdown]
# How to read the table: `k` is the number of levels, `float` the accuracy (%) of the
# full-precision layer, `none` plain rounding to k levels, `DAQ` distribution-aware
# quantisation (levels placed where the weights are), `QR` quantisation regularisation
# (training pulls the weights towards the levels), `BT` bias tuning (the biases are retrained
# after quantising) and `DAQ+QR+BT` all three. Each cell is the test accuracy in percent and,
# in brackets, how many percentage points it lies below `float`.

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ks = [r["k"] for r in rows]
for key, label in (("none", "no method"), ("daq", "distribution-aware"),
                   ("qr", "regularised"), ("bt", "bias tuning"), ("all", "all three")):
    ax.plot(ks, [r[key] for r in rows], "o-", label=label)
ax.axhline(rows[0]["float"], color="k", ls=":", label="float")
ax.set_xscale("log", base=2)
ax.set_xlabel("levels k")
ax.set_ylabel("test accuracy (%)")
ax.legend(frameon=False, fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "04_precision.png", dpi=90)

# %% [markdown]
# ## 4. In-the-loop tuning after a day of drift
#
# The software weights are programmed into PCM pairs (programming noise), read a day later
# (drift, 1/f read noise), then fine-tuned: each iteration reads the array, computes the
# error in software from what the devices output, and rewrites only the devices whose
# accumulated change is large enough.

# %%
loop = inloop_tuning(train, test, t_read=86400 * second, iterations=30)
print(format_inloop_table(loop))
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot([r["iteration"] for r in loop.rows], [r["accuracy"] for r in loop.rows], "o-",
        label="through the devices")
ax.axhline(loop.software_accuracy, color="k", ls=":", label="software")
ax.set_xscale("symlog", linthresh=1)
ax.set_xlabel("fine-tuning iterations")
ax.set_ylabel("test accuracy")
ax.legend(frameon=False)
fig.tight_layout()
fig.savefig(OUT / "04_inloop.png", dpi=90)

# %% [markdown]
# ## 5. Energy
#
# Every card counts its events (reads, capacitor updates, SET pulses, transfers) and prices
# them. The digital estimate prices the same training on a processor that reads and
# multiplies every weight once per example and updates every weight once per training
# example (per-operation figures from Horowitz, ISSCC 2014; DRAM from Han et al. 2015). The
# device energies of the two-tier card are placeholders of the right order (see its card).

# %%
r = results["two_tier"]
print(r.energy)
for memory in ("sram", "dram"):
    digital = digital_energy(**r.digital_operations(), memory=memory)
    print(f"weights in {memory.upper()}: {compare(r.energy, digital)}")
r.energy.plot_histogram(OUT / "04_energy.png")
