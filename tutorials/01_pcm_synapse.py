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
# # A synapse made of phase-change memory
#
# A phase-change-memory (PCM) cell stores a synaptic weight as the conductance of a tiny volume
# of chalcogenide glass: crystallising part of it (a **SET** pulse) raises the conductance a
# little, melting and quenching it (a **RESET** pulse) drops it back to the amorphous floor in
# one go. Real devices are not ideal numbers: SET steps shrink as the cell fills up, every
# programming lands a little off target, the amorphous part relaxes so the conductance
# **drifts** down as a power of time, and every read sees **1/f noise**.
#
# The `pcm` model card encodes these effects with the statistical PCM model of IBM's aihwkit
# (Joshi et al., Nat. Commun. 2020; Nandakumar et al. 2018). In this tutorial you will
#
# 1. load the card and hand it to a plain Brian2 `Synapses` object,
# 2. program devices with spike pairs and watch SET saturation and RESET,
# 3. leave them alone for an hour and watch drift and read noise,
# 4. compare everything with the ideal twin `pcm_ideal`,
# 5. quantise the conductance to a few levels, count the energy, and drive a LIF neuron.
#
# Run it as a script (`python tutorials/01_pcm_synapse.py`) or open it as a notebook with
# jupytext. Figures go to the folder named by `SPIKESYN_TUTORIAL_OUT` (default
# `tutorial_output`).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import *  # noqa: F401,F403  (the usual Brian2 script style)

import spikesyn as ss
from spikesyn.devices import pcm as pcm_ref
from spikesyn.readable import format_si

prefs.codegen.target = "numpy"      # no compilation: fast for the small runs here
ss.quiet()  # Brian2's loop-order warning for rand() in synapse code: nothing to act on
seed(2024)
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The card
#
# A card is data: parameters with units and ranges, Brian2 equations and event code, energy
# events and references. `synapse_kwargs()` turns it into the keyword arguments of
# `brian2.Synapses`; overrides are checked against the declared units and ranges.

# %%
pcm = ss.load_model("pcm")
ideal = ss.load_model("pcm_ideal")
print(pcm)
print("references:", ", ".join(pcm.references))
for name in ("Gmax", "Gmin", "set_dw_min", "set_A", "set_gamma", "set_sd", "t0", "t_r", "gain", "E_set", "E_reset"):
    low, high = pcm.parameter_range(name)
    print(f"  {name:<10} = {format_si(pcm.parameters[name]):<10} range [{format_si(low)}, {format_si(high)}]")
print("state variables:", ", ".join(pcm.variables))

# %% [markdown]
# The card stores the programmed conductance as `dG`, the crystallised part above the RESET
# floor `Gmin`: Brian2 starts every variable at zero, and zero is a freshly RESET device.
#
# The learning rule is spike timing: a post-synaptic spike shortly after a pre-synaptic one
# fires one SET pulse; a pre spike shortly after a post spike fires a RESET. Every pre spike
# also *reads* the device and delivers `gain * G_read` to the neuron's `ge`. Drift and read
# noise are evaluated at that read, from the time since the device was last programmed, so
# nothing is integrated between events.
#
# ## 2. Programming with pulses: SET saturation and RESET
#
# To control the pulses exactly we drive one pre and one post neuron with timed spikes and
# connect them through 500 independent devices (`connect(n=500)`). Thirty pre-then-post pairs,
# 50 ms apart, give thirty SET pulses; then a post-then-pre pair gives one RESET; then ten more
# SET pulses.

# %%
def drive(pre_times, post_times, dt):
    """A pre neuron firing at pre_times and a post 'neuron' with ge, gi firing at post_times."""
    steps = int(round(max(list(pre_times) + list(post_times)) / float(dt / second))) + 3
    post_train = np.zeros(steps)
    post_train[np.round(np.asarray(post_times) / float(dt / second)).astype(int)] = 1
    pre = SpikeGeneratorGroup(1, np.zeros(len(pre_times), dtype=int), np.asarray(pre_times) * second)
    post = NeuronGroup(1, "ge : siemens\ngi : siemens", threshold="post_train(t) > 0.5", reset="",
                       namespace={"post_train": TimedArray(post_train, dt=dt)})
    return pre, post


period = 0.05                                        # seconds between pairings
n_set1, n_set2 = 30, 10
pre_t = [k * period for k in range(n_set1)]
post_t = [k * period + 0.001 for k in range(n_set1)]
post_t.append(n_set1 * period)                       # post ...
pre_t.append(n_set1 * period + 0.002)                # ... then pre: RESET
for k in range(n_set1 + 1, n_set1 + 1 + n_set2):
    pre_t.append(k * period)
    post_t.append(k * period + 0.001)
n_events = n_set1 + 1 + n_set2

defaultclock.dt = 1 * ms
pre, post = drive(pre_t, post_t, defaultclock.dt)
S = Synapses(pre, post, **pcm.synapse_kwargs(), name="pcm_devices")
S.connect(i=0, j=0, n=500)
S_ideal = Synapses(pre, post, **ideal.synapse_kwargs(), name="ideal_devices")
S_ideal.connect(i=0, j=0, n=1)
net = Network(pre, post, S, S_ideal)

G, G_ideal = [], []
for k in range(n_events):
    net.run((k + 1) * period * second - net.t)       # one pairing per window
    G.append(np.array(S.dG / uS) + float(pcm.parameters["Gmin"] / uS))
    G_ideal.append(float(S_ideal.dG[0] / uS) + float(ideal.parameters["Gmin"] / uS))
G, G_ideal = np.array(G), np.array(G_ideal)

G_MAX, G_MIN = 25.0, 0.1  # uS (names unlike the card's parameters)
n = np.arange(1, n_set1 + 1)
law = [G_MIN]                                          # noise-free SET law (aihwkit PCMPresetDevice)
for _ in n:
    law.append(min(law[-1] + float(pcm_ref.set_step_mean(law[-1] * uS, G_MIN * uS) / uS), G_MAX))
law = np.array(law[1:])
print(f"after {n_set1} SET pulses: mean {G[n_set1 - 1].mean():.2f} uS, "
      f"noise-free law {law[-1]:.2f} uS, "
      f"ideal {G_ideal[n_set1 - 1]:.1f} uS")
print(f"after the RESET: mean {G[n_set1].mean():.3f} uS (Gmin = {G_MIN} uS), max {G[n_set1].max():.2f} uS")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
pulses = np.arange(1, n_events + 1)
for trace in G[:, :15].T:
    ax.plot(pulses, trace, color="tab:blue", alpha=0.25, lw=0.8)
ax.plot(pulses, G.mean(axis=1), color="tab:blue", lw=2, label="pcm: mean of 500 devices")
ax.fill_between(pulses, G.mean(axis=1) - G.std(axis=1), G.mean(axis=1) + G.std(axis=1),
                color="tab:blue", alpha=0.15, label="pcm: mean ± std")
ax.plot(n, law, "k--", label="noise-free SET law (aihwkit PCMPresetDevice)")
ax.plot(pulses, np.minimum(G_ideal, 40), color="tab:orange", lw=2, label="pcm_ideal (linear, unbounded)")
ax.axhline(G_MAX, color="grey", lw=0.8)
ax.axvline(n_set1 + 1, color="tab:red", lw=0.8, ls=":")
ax.text(n_set1 + 1.3, 30, "RESET", color="tab:red")
ax.set_xlabel("programming event")
ax.set_ylabel("programmed conductance (uS)")
ax.set_ylim(0, 40)
ax.legend(loc="upper left", fontsize=8)
ax.set_title("SET saturates towards Gmax; RESET is abrupt")
fig.tight_layout()
fig.savefig(OUT / "01_set_reset.png", dpi=120)

# %% [markdown]
# The mean of the noisy devices follows the saturating curve of aihwkit's PCMPresetDevice law
# (mean step 0.01 (1 + 27.235 exp(-2.5 w)) in w = 2 (G - Gmin)/(Gmax - Gmin): 3.5 uS from RESET,
# ever smaller towards Gmax); individual devices scatter by its cycle-to-cycle step noise. The ideal twin adds the same first step forever and passes Gmax without
# noticing. One RESET pulse brings every device back to the floor.
#
# ## 3. Drift and read noise
#
# Now program 2000 devices to three levels and read them over an hour. Because the physics is
# evaluated only at the reads, a 1 s time step is enough. A long pre/post trace time constant
# lets one pairing span two such steps (programming at t = 1 s).

# %%
start_scope()
defaultclock.dt = 1 * second
ages = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3600])
pre, post = drive(np.concatenate([[0.0], 1.0 + ages]), [1.0], defaultclock.dt)
slow = dict(tau_pre=10 * second, tau_post=10 * second, p_reset=0)
groups = {}
for label, step in (("low", 0.002), ("mid", 0.03), ("high", 0.1)):    # set_dw_min: one pulse to each level
    groups[label] = Synapses(pre, post, **pcm.synapse_kwargs(set_dw_min=step, **slow), name=f"drift_{label}")
    groups[label].connect(i=0, j=0, n=2000)
net = Network(pre, post, *groups.values())
reads = {label: [] for label in groups}
for age in ages:
    net.run((age + 2) * second - net.t)
    for label, group in groups.items():
        reads[label].append(np.array(group.G_read / uS))
reads = {label: np.array(r) for label, r in reads.items()}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
colors = {"low": "tab:purple", "mid": "tab:green", "high": "tab:red"}
for label, group in groups.items():
    G_prog = np.array(group.dG / uS) + G_MIN
    mean_read = reads[label].mean(axis=1)
    ax1.plot(ages, mean_read, "o-", color=colors[label], label=f"{label}: G_prog ≈ {G_prog.mean():.1f} uS")
    mu, _ = pcm_ref.drift_exponent_stats(G_prog * uS)
    model = np.array([pcm_ref.drift(G_prog * uS, mu, age * second) / uS for age in ages]).mean(axis=1)
    ax1.plot(ages, model, "k:", lw=1)
    slope = np.polyfit(np.log((ages + 20) / 20), np.log(mean_read), 1)[0]
    print(f"{label:>4}: mean drift exponent from the reads {-slope:.4f}, aihwkit mu_nu {np.mean(mu):.4f}")
ax1.set_xscale("log")
ax1.set_yscale("log")
ax1.set_xlabel("time since programming (s)")
ax1.set_ylabel("mean G_read (uS)")
ax1.set_title(r"drift $G = G_{prog}((t + t_0)/t_0)^{-\nu}$, $t_0$ = 20 s (dotted: reference)")
ax1.legend(fontsize=8)

# aihwkit convention (followed by the card): the noise amplitude is the drifted conductance
# times Q_s of the programmed level, i.e. read_noise_std(G_prog) * G_drift / G_prog
sample = reads["mid"][list(ages).index(1000)]
G_mid = np.asarray(groups["mid"].dG / uS) + G_MIN
G_drifted = np.asarray(pcm_ref.drift(G_mid * uS, np.asarray(groups["mid"].nu), 1000 * second) / uS)
noise = sample - G_drifted
ax2.hist(noise, bins=60, color="tab:green", alpha=0.7, density=True, label="read minus drifted G")
sd = float(np.sqrt(np.mean((pcm_ref.read_noise_std(G_drifted * uS, 1000 * second, G_prog=G_mid * uS) / uS) ** 2)))
x = np.linspace(-4 * sd, 4 * sd, 200)
ax2.plot(x, np.exp(-x ** 2 / (2 * sd ** 2)) / (sd * np.sqrt(2 * np.pi)), "k", label=f"N(0, {sd:.2f} uS), aihwkit")
ax2.set_xlabel("read noise at t = 1000 s (uS)")
ax2.set_title("1/f read noise")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "02_drift_read_noise.png", dpi=120)
print(f"read-noise std at 1000 s, mid level: measured {np.std(noise):.3f} uS, reference {sd:.3f} uS")

# %% [markdown]
# Low conductances (mostly amorphous) drift faster (nu ≈ 0.07) than nearly crystalline ones
# (nu ≈ 0.05), as the aihwkit fits say; the read noise grows slowly with the time since
# programming, as sqrt(ln((t + t0) / 2 t_r)) (aihwkit evaluates it at t + t0). An ideal synapse does neither: `pcm_ideal` returns the
# same value at every read.
#
# ## 4. A few levels only
#
# Many devices hold only a few distinguishable levels. `levels=k` snaps the programmed
# conductance to k evenly spaced levels. With nearest rounding, SET steps smaller than half a
# level are lost; stochastic rounding keeps them on average.

# %%
start_scope()
defaultclock.dt = 1 * ms
n_pulses = 20
pre, post = drive([k * period for k in range(n_pulses)], [k * period + 0.001 for k in range(n_pulses)],
                  defaultclock.dt)
quant = {}
for label, extra in (("continuous", {}), ("8 levels, nearest", {"levels": 8}),
                     ("8 levels, stochastic", {"levels": 8, "stochastic_rounding": 1})):
    quant[label] = Synapses(pre, post, **pcm.synapse_kwargs(**extra), name=f"q{len(quant)}")
    quant[label].connect(i=0, j=0, n=1000)
net = Network(pre, post, *quant.values())
means = {label: [] for label in quant}
for k in range(n_pulses):
    net.run((k + 1) * period * second - net.t)
    for label, group in quant.items():
        means[label].append(float(np.mean(group.dG / uS)) + G_MIN)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for label in quant:
    ax1.plot(np.arange(1, n_pulses + 1), means[label], "o-", ms=3, label=label)
ax1.set_xlabel("SET pulse")
ax1.set_ylabel("mean programmed G (uS)")
ax1.legend(fontsize=8)
ax1.set_title("quantised SET (1000 devices each)")
final = np.asarray(quant["8 levels, stochastic"].dG / uS) + G_MIN
ax2.hist(np.asarray(quant["continuous"].dG / uS) + G_MIN, bins=60, alpha=0.5, label="continuous")
ax2.hist(final, bins=60, alpha=0.7, label="8 levels, stochastic")
ax2.set_xlabel(f"G after {n_pulses} pulses (uS)")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "03_levels.png", dpi=120)
levels_used = np.unique(np.round(final, 6))
print(f"programmed levels in use after {n_pulses} pulses (stochastic rounding): {levels_used} uS "
      f"({len(levels_used)} of 8; the devices are near saturation)")

# %% [markdown]
# ## 5. Energy, and a neuron on PCM synapses
#
# The card counts SET and RESET pulses (`n_set`, `n_reset`, with per-pulse energies from the
# literature) and accumulates the read energy G V_read² t_read. `ss.energy_of` adds them up.
# Finally the plain Brian2 script from the design notes: Poisson inputs drive LIF neurons
# through PCM synapses with random initial conductances (`pcm.initialise(S)`); the `gain`
# parameter (1e-4) maps device microsiemens to synaptic nanosiemens. Uncorrelated Poisson
# input produces about as many depressing as potentiating pairings, and since a RESET throws
# away all the crystallised conductance in one pulse, the weights drift down: lower `p_reset`
# (or use the `pcm_pair` card) for gentler depression.

# %%
start_scope()
defaultclock.dt = 0.1 * ms
lif = ss.load_model("lif")
inputs = PoissonGroup(100, 20 * Hz)
neurons = NeuronGroup(10, **lif.neuron_kwargs())
S = Synapses(inputs, neurons, **pcm.synapse_kwargs())
S.connect(p=0.2)
pcm.initialise(S)
G_start = np.array(S.dG / uS) + G_MIN
spikes = SpikeMonitor(neurons)
v_trace = StateMonitor(neurons, "v", record=[0])
net = Network(inputs, neurons, S, spikes, v_trace)
net.run(1 * second)
G_end = np.array(S.dG / uS) + G_MIN
print(f"{len(S)} synapses, output rate {spikes.num_spikes / 10 / 1.0:.1f} Hz per neuron")
print(ss.energy_of(S, pcm))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
ax1.plot(v_trace.t / ms, v_trace.v[0] / mV)
ax1.set_xlabel("time (ms)")
ax1.set_ylabel("v above rest (mV)")
ax1.set_title("LIF neuron 0 driven through PCM synapses")
ax2.hist(G_start, bins=30, alpha=0.5, label="initial")
ax2.hist(G_end, bins=30, alpha=0.6, label="after 1 s of STDP")
ax2.set_xlabel("programmed conductance (uS)")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "04_network.png", dpi=120)

# %% [markdown]
# ## Where to go next
#
# * `pcm_pair` stores a signed weight as a differential pair G+ - G- of SET-only devices with an
#   occasional refresh, and sends the sign to `ge` or `gi`; `pcm_pair_ideal` is its ideal twin.
# * Every noise source has a knob (`prog_noise_scale`, `read_noise_scale`, `drift_scale`,
#   `set_sd`), so you can switch them off one by one and see which one hurts your network.
# * `spikesyn.devices.pcm` holds the same statistics as plain numpy functions.
