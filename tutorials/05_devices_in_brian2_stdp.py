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
# # From Brian2's STDP example to device synapses
#
# Brian2 ships the network of Song, Miller & Abbott (Nat. Neurosci. 2000) as
# `examples/synapses/STDP.py`: 1000 Poisson inputs at 15 Hz drive one leaky integrate-and-fire
# neuron through plastic excitatory synapses. Additive spike-timing-dependent plasticity with
# hard bounds, depression slightly stronger than potentiation, makes the synapses compete: after
# about 100 s the weights split into a group near zero and a group near the upper bound
# (a *bimodal* distribution) and the output rate settles, whatever the input rate.
#
# This tutorial builds that network as Brian2 writes it, swaps in spikesyn's `stdp` card, then
# the device cards `pcm`, `pcm_memtransistor`, `srtio3` and `pcm_pair`, and says what has to
# change for each and why. Finally it shows settings under which a PCM pair competes like STDP
# and where the device physics stands in the way.
#
# By default each network runs for 100 s of simulated time on Brian2's Cython target (each
# card compiles once, 20-70 s, then about a minute per run on two cores). Set
# `SPIKESYN_TUTORIAL_QUICK=1` for a one-second pass on the numpy target (what CI runs: the
# weights have no time to move far). Figures go to the folder named by `SPIKESYN_TUTORIAL_OUT`
# (default `tutorial_output`).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import *  # noqa: F401,F403  (the usual Brian2 script style)

import spikesyn as ss

QUICK = os.environ.get("SPIKESYN_TUTORIAL_QUICK", "0") not in ("", "0")
DURATION = (1 if QUICK else 100) * second
prefs.codegen.target = "numpy" if QUICK else "auto"
ss.quiet()    # Brian2's loop-order warning for rand() in synaptic code: nothing to act on
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The network as Brian2 writes it
#
# The parameters of Brian2's example: a membrane time constant of 10 ms, an excitatory
# conductance `ge` that decays in 5 ms, and the STDP rule with traces `Apre`, `Apost` that
# decay in 20 ms. `ge` has **no unit**: it is measured in units of the leak conductance, so
# `gmax = 0.01` means one synapse at full strength adds 1 % of the leak conductance. The
# parameters go into one dictionary handed to each group, so no name in this notebook can clash
# with a card's parameter (Brian2 warns about such clashes).

# %%
song = dict(taum=10 * ms, Ee=0 * mV, vt=-54 * mV, vr=-60 * mV, El=-74 * mV, taue=5 * ms,
            taupre=20 * ms, taupost=20 * ms, gmax=0.01)
song["dApre"] = 0.01 * song["gmax"]
song["dApost"] = -song["dApre"] * song["taupre"] / song["taupost"] * 1.05
N_INPUTS, INPUT_RATE = 1000, 15 * Hz


def run_and_record(inputs, neuron, synapses, weight_of):
    """Run for DURATION; return the output spike times and the weights at the start and end."""
    spikes = SpikeMonitor(neuron)
    net = Network(inputs, neuron, synapses, spikes)
    start = weight_of(synapses)
    net.run(DURATION, namespace={})   # every name comes from the groups' own namespaces
    return {"spikes": np.asarray(spikes.t / second), "start": start, "end": weight_of(synapses)}


seed(2000)
inputs = PoissonGroup(N_INPUTS, rates=INPUT_RATE)
neuron = NeuronGroup(1, """dv/dt = (ge*(Ee - v) + El - v)/taum : volt
                           dge/dt = -ge/taue : 1""",
                     threshold="v > vt", reset="v = vr", method="euler", namespace=song)
neuron.v = song["vr"]
brian_stdp = Synapses(inputs, neuron,
                      """w : 1
                         dApre/dt = -Apre/taupre : 1 (event-driven)
                         dApost/dt = -Apost/taupost : 1 (event-driven)""",
                      on_pre="""ge += w
                                Apre += dApre
                                w = clip(w + Apost, 0, gmax)""",
                      on_post="""Apost += dApost
                                 w = clip(w + Apre, 0, gmax)""",
                      namespace=song)
brian_stdp.connect()
brian_stdp.w = "rand()*gmax"
results = {"Brian2 example": run_and_record(inputs, neuron, brian_stdp,
                                            lambda S: np.asarray(S.w) / song["gmax"])}

# %% [markdown]
# ## 2. The `stdp` card: what has to change
#
# Every spikesyn synapse card delivers a **conductance in siemens** to the neuron
# (`ge_post += w` with `w` in siemens), and says so in its `[requires.post]` table: `ge` must be
# in siemens. Brian2's neuron above declares `ge : 1`, so building the card's synapse onto it is
# refused, with the fix in the message, as soon as spikesyn sees the synapse
# (`initialise`, `EnergyMonitor` or `check_requires`):

# %%
stdp = ss.load_model("stdp")
seed(2000)
inputs = PoissonGroup(N_INPUTS, rates=INPUT_RATE)
unitless = NeuronGroup(1, "dv/dt = (ge*(Ee - v) + El - v)/taum : volt\ndge/dt = -ge/taue : 1",
                       threshold="v > vt", reset="v = vr", method="euler", namespace=song)
S = Synapses(inputs, unitless, **stdp.synapse_kwargs())
S.connect()
try:
    stdp.initialise(S)
except ss.SpikesynError as error:
    print(type(error).__name__ + ":", error)

# %% [markdown]
# So `ge` becomes a conductance and the membrane equation divides it by a leak conductance
# `g_leak`. Choosing `g_leak` so that the card's upper bound `w_max` (2 nS by default) is
# `gmax = 0.01` of it keeps every number of Brian2's example: `g_leak = w_max / gmax = 200 nS`.
# The card's rule is the example's: the same traces (they jump by 1 and the step sizes
# `A_plus = 0.01` and `A_minus = 0.0105` are fractions of `w_max`), the same 20 ms windows,
# the same hard bounds, and its `[initial]` table draws `w` uniformly in `[0, w_max]` as the
# example's `rand()*gmax` does. The neuron below serves every card from here on; `gi` is there
# for `pcm_pair`, which sends negative weights to an inhibitory conductance (unused here).

# %%
song_si = dict(song, g_leak=float(stdp.parameters["w_max"] / nS) / song["gmax"] * nS)
NEURON_MODEL = """dv/dt = (ge/g_leak*(Ee - v) + El - v)/taum : volt
                  dge/dt = -ge/taue : siemens
                  gi : siemens"""


def song_network(card, **overrides):
    """Brian2's Song et al. network with the card's synapses; returns inputs, neuron, synapses."""
    seed(2000)
    inputs = PoissonGroup(N_INPUTS, rates=INPUT_RATE)
    neuron = NeuronGroup(1, NEURON_MODEL, threshold="v > vt", reset="v = vr", method="euler",
                         namespace=song_si)
    neuron.v = song["vr"]
    synapses = Synapses(inputs, neuron, **card.synapse_kwargs(**overrides))
    synapses.connect()
    card.initialise(synapses)
    return inputs, neuron, synapses


results["stdp card"] = run_and_record(*song_network(stdp),
                                      lambda S: np.asarray(S.w / S.namespace["w_max"]))

# %% [markdown]
# ## 3. Device cards swapped in
#
# A device card stores the weight as a device conductance in **microsiemens** and delivers
# `gain * G` to `ge`. Three things change from card to card:
#
# | card | the weight | initial value (`[initial]`) | `gain` so that the top weight is 2 nS |
# |---|---|---|---|
# | `pcm` | programmed conductance `Gmin + dG`, `dG` in [0, Gmax - Gmin] | `dG` uniform | 2 nS / 25 uS = 8e-5 |
# | `pcm_memtransistor` | `Gmin + dG` (long-term) plus the volatile `F` | `dG` uniform, `F = 0` | 8e-5 |
# | `srtio3` | `W` (long-term) plus the short-term `F` | `W` uniform in [0, W_max] | 2 nS / 50 nS = 0.04 |
# | `pcm_pair` | `W = G+ - G-`, positive part to `ge`, negative to `gi` | `G+` uniform below `G_refresh` | 2 nS / (G_refresh - Gmin) |
#
# The learning rules differ from STDP in ways that matter here: a PCM device is potentiated by
# SET pulses whose size shrinks as the cell fills (aihwkit's PCMPresetDevice law: about 3.5 uS
# from a RESET device, ever smaller towards Gmax, a soft bound), a
# pairing counts once when the other side's trace is above `a_th` (a window of about 14 ms)
# instead of adding exponentially weighted traces, and `pcm` depresses by an abrupt RESET to
# `Gmin`, fired with probability `p_reset`.

# %%
def programmed(S):
    """A PCM card's programmed conductance above Gmin, as a fraction of its range."""
    return np.asarray(S.dG / (S.namespace["Gmax"] - S.namespace["Gmin"]))


def pair_weight(S):
    """A pair's W = G+ - G-, as a fraction of G_refresh - Gmin (signed)."""
    return np.asarray((S.dGp - S.dGm) / (S.namespace["G_refresh"] - S.namespace["Gmin"]))


# the settings for this network, card by card: gain maps the top weight to 2 nS
SONG_SETTINGS = {
    "pcm": ("pcm", dict(gain=8e-5), programmed),
    "pcm, p_reset 0.1": ("pcm", dict(gain=8e-5, p_reset=0.1), programmed),
    "pcm_memtransistor": ("pcm_memtransistor", dict(gain=8e-5), programmed),
    "srtio3": ("srtio3", dict(gain=0.04), lambda S: np.asarray(S.W / S.namespace["W_max"])),
    "pcm_pair": ("pcm_pair", dict(), pair_weight),
}
for label, (name, overrides, weight_of) in SONG_SETTINGS.items():
    results[label] = run_and_record(*song_network(ss.load_model(name), **overrides), weight_of)

# %% [markdown]
# ## 4. Can a PCM pair compete like STDP?
#
# Additive STDP splits the weights because each pairing moves a weight by the same small amount
# wherever it is, until it hits a bound (Song et al. 2000); a weight-dependent (soft-bound)
# rule gathers the weights around one value instead (van Rossum et al., J. Neurosci. 2000;
# Rubin et al., Phys. Rev. Lett. 2001). A single `pcm` device is soft-bounded in potentiation
# and depresses all the way to `Gmin` in one RESET, so it cannot hold STDP's balance. The
# differential pair `pcm_pair` potentiates and depresses by SET pulses on two devices, and
# its refresh moves the weight back onto one device whenever either one exceeds `G_refresh`.
# With a low `G_refresh` (5 uS of 25) both devices work in the bottom fifth of their range,
# where the SET step changes least with G; a SET step scaled down from the published law
# (`set_dw_min` 0.0007 instead of 0.01: about 0.25 uS from RESET, a deliberate departure from the
# device) makes each step a few per cent of the weight range, and `gain` maps `G_refresh - Gmin`
# to the 2 nS top weight.

# %%
LOW_REFRESH = dict(G_refresh=5 * uS, set_dw_min=0.0007, gain=float(2 * nS / (5 * uS - 0.1 * uS)))
results["pcm_pair, G_refresh 5 uS"] = run_and_record(
    *song_network(ss.load_model("pcm_pair"), **LOW_REFRESH), pair_weight)

# %% [markdown]
# ## 5. Weights and rates against plain STDP

# %%
def rate_trace(spike_times, width):
    edges = np.arange(0, float(DURATION / second) + 1e-9, width)
    counts, _ = np.histogram(spike_times, edges)
    return edges[1:], counts / width


width = 0.1 if QUICK else 5.0
fig, axes = plt.subplots(2, len(results), figsize=(3 * len(results), 5.5), squeeze=False)
for column, (label, res) in enumerate(results.items()):
    low = -1 if label.startswith("pcm_pair") else 0
    axes[0, column].hist(res["end"], bins=30, range=(low, 1), color="tab:blue")
    axes[0, column].set_title(label, fontsize=9)
    axes[0, column].set_xlabel("weight / top weight")
    t, rate = rate_trace(res["spikes"], width)
    axes[1, column].plot(t, rate, color="tab:red")
    axes[1, column].set_xlabel("time (s)")
    axes[1, column].set_ylim(bottom=0)
axes[0, 0].set_ylabel("synapses")
axes[1, 0].set_ylabel("output rate (Hz)")
fig.tight_layout()
fig.savefig(OUT / "05_weights_and_rates.png", dpi=90)

print(f"{'network':<26}{'rate, last fifth (Hz)':>22}{'weights < 0.1':>15}{'> 0.9':>8}")
for label, res in results.items():
    last = res["spikes"][res["spikes"] > 0.8 * float(DURATION / second)]
    rate = len(last) / (0.2 * float(DURATION / second))
    low, high = np.mean(res["end"] < 0.1), np.mean(res["end"] > 0.9)
    print(f"{label:<26}{rate:>22.1f}{low:>15.0%}{high:>8.0%}")

# %% [markdown]
# ## What the long runs show
#
# Measured on Brian2's Cython target with `benchmarks/brian2_stdp_cards.py` (the network of
# this tutorial, seed 1; commands in `benchmarks/RESULTS_brian2_stdp.md`). Rate: output rate
# over the last quarter of the run; weights as a fraction of the card's top weight.
#
# These runs were made with the PCM cards' earlier SET model (a constant fraction `set_step` of
# the distance to Gmax, 0.01 in the small-step rows) before the cards followed aihwkit's
# PCMPresetDevice step law; they have not been repeated with the law.
#
# | card and settings | simulated | output rate | weights at the end | outcome |
# |---|---|---|---|---|
# | `stdp` (the card's defaults) | 100 s | 21.6 Hz | 25 % below 0.1, 19 % above 0.9 | bimodal, as Song et al. |
# | `pcm`, gain 8e-5 (p_reset 1) | 30 s | 0 Hz after 7 s | 36 % RESET to the floor, the rest frozen | collapse |
# | `pcm`, gain 8e-5, p_reset 0.1 | 30 s | 263 Hz | 42 % above 0.9 | runaway |
# | `pcm_memtransistor`, gain 8e-5 | 20 s | 835 Hz | 55 % above 0.9 | runaway: F adds to the drive |
# | `srtio3`, gain 0.04 | 20 s | 45 Hz | uniform, as initialised | W never changes under spikes |
# | `pcm_pair` (defaults, gain 1e-4) | 30 s | 0.1 Hz | unimodal around 0.38, frozen | collapse |
# | `pcm_pair`, G_refresh 5 uS, set_step 0.01, gain 4e-4, tau_post 21 ms (depression 5 % ahead, as Song's) | 60 s | 2.5 Hz (falling from 10) | unimodal, mean 0.08 | collapse |
# | the same with tau_post 20 ms and no programming noise (prog_noise_scale 0) | 60 s | 1.4 Hz (6.4 Hz in the first quarter) | unimodal around 0.38 | collapse |
# | `pcm_pair`, G_refresh 5 uS, set_step 0.01, gain 4e-4 (section 4 of tutorial 05) | 60 s | 2.9 Hz, falling (17.9 Hz in the first quarter) | broad, unimodal, mean 0.04 and falling | collapse |
# | the row above with tau_pre 21, 22 or 25 ms | 60 s | 1770-1800 Hz | W beyond G_refresh, up to Gmax - Gmin | runaway |
#
# No PCM setting tried gives STDP's stable bimodal state, and the runs say why:
#
# * **No upper bound where the weight range ends.** A pair's weight is bounded only by
#   `Gmax - Gmin` of one device (25 uS); the refresh is skipped once |W| reaches
#   `G_refresh - Gmin`, so a weight that outgrows the low, nearly additive range climbs on to
#   five times the intended top weight. Song's rule keeps its balance because the hard bound at
#   `gmax` caps every winner; here one more millisecond of potentiation window (tau_pre 20 to
#   21 ms) turns collapse into runaway.
# * **Weight-dependent steps.** Outside that low range a SET step shrinks with G
#   (the SET law's step falls as G grows), and on a pair the depressing device is usually the emptier one,
#   so depression outweighs potentiation more the stronger the weight: a soft bound, which
#   gathers the weights around one value.
# * **Steps as large as the noise.** aihwkit's programming noise is 0.26 uS plus about 2 uS
#   times G/Gmax at every pulse, as large as a 0.25 uS step; smaller steps drown in it, larger
#   ones make a coarse rule (the noise-free run collapsed the same way, so noise is not the
#   only obstacle).
# * **Abrupt RESET** (`pcm`): one depressing pairing throws away the whole weight, so the
#   weights settle where SET and RESET balance, where the mean SET step times the pairing rate equals `p_reset` times the weight,
#   whatever the output rate: nothing regulates the rate, and p_reset 1 collapses while 0.1
#   runs away.
# * **Short-term terms add drive** (`pcm_memtransistor`: F grows at every pre-before-post
#   pairing, a positive feedback) or **leave the long-term weight alone** (`srtio3`: spikes
#   change only F; W is set by the card's initialisation).
#
# What would make a device rule compete like STDP: a hard upper bound on the pair's weight
# (a refresh that clips |W| to `G_refresh - Gmin` instead of skipping), steps that do not
# depend on G (program-and-verify pulses, or devices kept in their linear range), and a
# depression-to-potentiation ratio slightly above one, as in Song et al. (`A_minus / A_plus`
# = 1.05). These are changes to the devices or their control circuit, not settings of the
# shipped cards.
