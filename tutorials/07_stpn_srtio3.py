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
# # Short-term plasticity neurons on SrTiO3 synapses
#
# The short-term plasticity neuron (STPN, Rodriguez, Guo & Moraitis, ICML 2022) keeps a
# short-term part F in every synapse next to the long-term weight W. Each step the layer reads
# its inputs through `G = W + F`, normalised per output, and then writes a Hebbian trace:
# `F <- Lambda F + Gamma (post x pre)`. Lambda (how fast F fades) and Gamma (how strongly it is
# written) are learned per synapse by backpropagation through time. Weilenmann et al. (Nat.
# Commun. 2024) built such synapses from SrTiO3 memristors: one device holds W and F, and a
# bias voltage sets Lambda, but only within [0.08, 0.92].
#
# In this tutorial you will
#
# 1. generate the associative retrieval task (a memory written once, read once),
# 2. train the STPN with Lambda fixed at 0, in the device range and in [0, 1],
# 3. run the trained device-range network in Brian2 on the `srtio3` card, and
# 4. price its energy per sequence against a GPU estimate.
#
# Training needs the optional extra: `pip install "spikesyn[stpn]"` (JAX and optax, CPU).
# `SPIKESYN_TUTORIAL_QUICK=1` trains for a few dozen steps only (scores near chance); the
# measured table over three seeds is in `benchmarks/RESULTS_stpn.md`.

# %%
import logging
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import joule

from spikesyn.networks.stpn import STPNConfig, associative_retrieval, forward_numpy, train_stpn
from spikesyn.networks.stpn_deploy import deploy

logging.getLogger("brian2").setLevel(logging.ERROR)
QUICK = os.environ.get("SPIKESYN_TUTORIAL_QUICK", "0") not in ("", "0")
STEPS = 40 if QUICK else 800
OUT = Path(os.environ.get("SPIKESYN_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The task
#
# A sequence holds three key-value pairs (keys from 10 letters, values from 6 digits), two
# separators and a query key; the answer is the value stored with that key. Chance is 1/6.

# %%
x, y = associative_retrieval(3, n_pairs=3, n_keys=10, n_values=6, seed=0)
alphabet = "abcdefghij" + "012345" + "?"
for seq, answer in zip(x, y):
    print("".join(alphabet[k] for k in seq.argmax(axis=1)), "->", answer)

# %% [markdown]
# ## 2. Training with three ranges of Lambda
#
# The same layer (16 units) is trained three times: Lambda held at 0 (F keeps only the last
# step), clipped to the SrTiO3 range [0.08, 0.92] after every step, and clipped to [0, 1].
# In all three the card's update noise (5 %) and its bound of |F| act during training.

# %%
nets = {}
for regime in ("none", "device", "unconstrained"):
    nets[regime] = train_stpn(STPNConfig(regime=regime, steps=STEPS, learning_rate=1e-2,
                                         n_test=500 if QUICK else 2000), seed=0)
    print(f"{regime:<14} held-out accuracy {nets[regime].accuracy:.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(nets), [n.accuracy for n in nets.values()], color=["grey", "tab:blue", "tab:orange"])
ax.axhline(1 / 6, color="k", ls=":", label="chance")
ax.set_ylabel("held-out accuracy")
ax.set_title("STPN, one seed, by Lambda range")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "stpn_lambda_ranges.png")
plt.show()

# %% [markdown]
# The learned decay factors of the device-range network stay inside the range the bias voltage
# can reach; the clipping after every step holds some of them at its ends.

# %%
Lam = nets["device"].Lambda
print(f"Lambda in [{Lam.min():.3f}, {Lam.max():.3f}]; at 0.08: {np.mean(Lam < 0.081):.0%}, "
      f"at 0.92: {np.mean(Lam > 0.919):.0%}")

# %% [markdown]
# ## 3. The trained network in Brian2 on SrTiO3 synapses
#
# Every synapse becomes one device of the `srtio3` card: a weight of 1 is the card's `W_max`
# (50 nS), each synapse gets the bias voltage that sets its own Lambda, and one Brian2 step of
# the card's `T_step` is one step of the sequence. The device's update noise acts here too, so
# the answers may differ from the noise-free numpy model on a few sequences.

# %%
net = nets["device"]
x_test, y_test = net.test_set(20 if QUICK else 200)
run = deploy(net, x_test, seed=1)
reference = forward_numpy(net, x_test)
print(f"Brian2 on srtio3: accuracy {np.mean(run.logits.argmax(1) == y_test):.3f}; numpy model "
      f"{np.mean(reference.argmax(1) == y_test):.3f}; same answer on "
      f"{np.mean(run.logits.argmax(1) == reference.argmax(1)):.0%} of the sequences")

# %% [markdown]
# ## 4. Energy per sequence against a GPU
#
# The deployment fills the card's energy accumulators: each written update costs
# `E0 |dF / F0|^alpha`, each read `G V_read^2 t_read` at 0.6 V, and holding the bias that sets
# Lambda costs `V_bias^2 G` over the step. The card's energy constants are placeholders (the
# card says so), and the bias term grows with the step duration `T_step` (1 ms here), so read
# the ratio as an order of magnitude. The GPU estimate counts the operations of the same layer
# (per synapse and step: reads of W, F, Lambda, Gamma, the write of F, six multiplies, four adds)
# at Horowitz's 45 nm figures (ISSCC 2014) with the state in on-chip SRAM, the GPU's best case.

# %%
print(run.energy)
print(f"per sequence: devices {float(run.energy_per_sequence / joule):.3g} J, GPU estimate "
      f"{float(run.gpu_per_sequence / joule):.3g} J, ratio {run.ratio:.3g}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(np.asarray(run.per_synapse / joule).ravel() * 1e12, bins=40)
ax.set_xlabel("device energy per synapse and sequence (pJ)")
ax.set_ylabel("synapses")
ax.set_title("where the energy goes")
fig.tight_layout()
fig.savefig(OUT / "stpn_energy_per_synapse.png")
plt.show()
