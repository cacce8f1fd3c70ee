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
# # One spin-torque oscillator as a reservoir of virtual neurons
#
# Torrejon et al. (Nature 547, 428, 2017) computed with a single nanoscale magnetic oscillator:
# the input current changes the oscillation's amplitude, the amplitude follows with a finite
# relaxation time, and reading it several times per input value turns one device into a chain
# of "virtual neurons" whose states depend on the recent inputs. A linear readout of those
# readings is trained; the oscillator itself is not.
#
# In this tutorial you will
#
# 1. load the oscillator card and check its steady power against the closed form,
# 2. watch the power relax after a current step,
# 3. build the time-multiplexed reservoir and classify sine and square waves,
# 4. see what the thermal noise does.
#
# Everything runs on Brian2's numpy target at a small size (about a minute; 5 ns steps
# instead of the default 2 ns). Figures go
# to the folder named by `SPIKESYN_TUTORIAL_OUT` (default `tutorial_output`). The measured
# tables (noise, number of virtual nodes, node time) are in `benchmarks/RESULTS_reservoir.md`.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import *  # noqa: F401,F403  (the usual Brian2 script style)

import spikesyn as ss
from spikesyn.networks import reservoir as rv
from spikesyn.plot import plot_reservoir

prefs.codegen.target = "numpy"
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The oscillator card
#
# The card holds the oscillator's normalised power `p` (Slavin & Tiberkevich, IEEE Trans.
# Magn. 2009): `dp/dt = -2 (Gamma_G (1 + Q p) - sigma I (1 - p)) p` plus thermal noise. The
# current `I` is a per-neuron variable that you set; here it is constant per neuron. Above the
# threshold `Gamma_G / sigma` the power settles at `p0(I) = (sigma I - Gamma_G) / (sigma I +
# Gamma_G Q)`. The card's numbers are placeholders of the right order for a vortex oscillator
# (the card says so); every one carries a unit.

# %%
sto = ss.load_model("spin_torque_oscillator")
for name, value in sto.parameters.items():
    print(f"{name:8s} {value}")
I_th = rv.threshold_current(sto.parameters["Gamma_G"], sto.parameters["sigma"])
print("threshold current:", I_th)

currents = np.linspace(3.0, 10.0, 15) * mA
p = rv.simulate_oscillators(np.tile(currents, (80, 1)), 50 * nsecond,
                            p_start=np.full(len(currents), 0.05), overrides={"D_T": 0 * kHz})
closed = rv.steady_power(currents, sto.parameters["Gamma_G"], sto.parameters["Q"],
                         sto.parameters["sigma"])
plt.figure(figsize=(5, 3.5))
plt.plot(currents / mA, closed, "-", label="closed form p0(I)")
plt.plot(currents / mA, p[-1], "o", label="Brian2, after 4 us")
plt.axvline(I_th / mA, color="grey", ls=":", label="threshold")
plt.xlabel("current (mA)")
plt.ylabel("power p")
plt.legend()
plt.tight_layout()
plt.savefig(OUT / "06_power_current.png")

# %% [markdown]
# ## 2. Relaxation: the oscillator's memory
#
# After a current step the power approaches its new steady value exponentially, with the time
# `1 / (2 (sigma I - Gamma_G))`: 200 ns at 5 mA, shorter at higher current. A node time
# `theta` shorter than this lets each reading remember the previous ones.

# %%
steps = np.r_[np.full(20, 5.0), np.full(40, 7.0), np.full(40, 5.0)][:, None] * mA
trace = rv.simulate_oscillators(steps, 20 * nsecond, overrides={"D_T": 0 * kHz})[:, 0]
for I in (5 * mA, 7 * mA):
    print(f"relaxation time at {I}: {rv.relaxation_time(I, sto.parameters['Gamma_G'], sto.parameters['sigma'])}")
t_us = (np.arange(len(trace)) + 1) * 0.02
fig, ax = plt.subplots(2, 1, figsize=(6, 4), sharex=True)
ax[0].step(t_us, steps[:, 0] / mA, where="pre")
ax[0].set_ylabel("I (mA)")
ax[1].plot(t_us, trace)
ax[1].set_ylabel("p")
ax[1].set_xlabel("time (us)")
fig.tight_layout()
fig.savefig(OUT / "06_relaxation.png")

# %% [markdown]
# ## 3. Time multiplexing and the readout
#
# Each input value `u` is held for `N` node times `theta`; node `j` gets the current
# `bias + amplitude * mask[j] * u` with a random +1/-1 mask. The amplitude `sqrt(p)` read at
# the end of each node time gives `N` readings per input: the virtual neurons. The task:
# periods of a sine and of a square wave (8 points each) in random order, every point to be
# classified. Both waves reach +1 and -1, so the present input alone cannot decide; the
# readings must carry the recent past. One oscillator per sequence, all in one Brian2 group;
# the readout (ridge regression) is trained on some sequences and scored on others.
#
# First the readout sees only the readings of the present input (`history=0`): all memory
# has to come from the oscillator's relaxation.

# %%
SMALL = dict(n_nodes=24, theta=50 * nsecond, steps_per_node=10, periods=12, n_train=3, n_test=3)
res0 = rv.run_reservoir("sine-square", seed=0, history=0, progress=print, **SMALL)
print(f"history 0: held-out accuracy {res0.accuracy:.3f} (chance {res0.chance:.3f})")
print("error per point of the period:", res0.error_per_point)

# %% [markdown]
# The errors gather at the sine's peaks (points 2 and 6 of the period: `u = +-1` after
# `+-0.707`). A square also has `u = +-1` there, after `+-1`; telling them apart needs the
# inputs before as well, through a nonlinearity, and the relaxation (200 ns at 5 mA, against
# 1.2 us per input here) keeps too little of them. The default readout (`history=2`) also
# sees the readings of the two previous inputs: a delay line in the readout, while the
# nonlinearity stays the oscillator's (the same delay line on the raw inputs, without the
# oscillator, stays near chance: `benchmarks/RESULTS_reservoir.md`).

# %%
res = rv.run_reservoir("sine-square", seed=0, **SMALL)
print(f"history 2: held-out accuracy {res.accuracy:.3f}; each readout on the same readings: "
      f"{res.accuracy_by_readout}")
plot_reservoir(OUT / "06_reservoir.png", res)

# %% [markdown]
# ## 4. Noise
#
# Nanoscale oscillators are noisy (Torrejon et al. stress it). The card's `D_T` (a
# placeholder, 1 kHz) sets the thermal noise; 0 switches it off. The benchmark's table shows
# where the accuracy falls.

# %%
for D in (0 * kHz, 10 * kHz, 100 * kHz):
    r = rv.run_reservoir("sine-square", seed=0, noise=D, **SMALL)
    print(f"D_T = {D}: held-out accuracy {r.accuracy:.3f}")
