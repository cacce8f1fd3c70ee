"""The two-tier cell (Ambrogio et al. 2018): capacitor updates, leak, transfer with polarity inversion."""

import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, Synapses, TimedArray, ms, seed, uS)

import spikesyn as ss

DT = 0.1


def _build(model, n, pre_times, post_times, duration, **overrides):
    pre = SpikeGeneratorGroup(n, [k for k in range(n) for _ in pre_times],
                              np.array([t for _ in range(n) for t in pre_times]) * ms)
    pattern = np.zeros((int(round(duration / DT)) + 1, n))
    for t in post_times:
        pattern[int(round(t / DT)), :] = 1
    post = NeuronGroup(n, "ge : siemens\ngi : siemens\nfire = fire_pattern(t, i) : 1",
                       threshold="fire > 0.5", namespace={"fire_pattern": TimedArray(pattern, dt=DT * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(**overrides))
    syn.connect(j="i")
    return Network(pre, post, syn), syn


def _weight(syn, model, t=None):
    F = float(model.parameters["F_gain"])
    g = np.array(syn.g_)
    if t is not None and "tau_cap" in model.parameters:   # capacitor leak up to time t
        g = g * np.exp(-(t - np.array(syn.lastupdate_)) / float(model.parameters["tau_cap"]))
    return F * (np.array(syn.Gp_) - np.array(syn.Gm_)) + (1 - 2 * np.array(syn.flip_)) * g


PAIRS_PRE = [10.0, 30.0, 50.0]          # three pre-before-post pairings (2 ms apart)
PAIRS_POST = [12.0, 32.0, 52.0]
T_TRANSFER = 60.0                        # a pre spike that only triggers the transfer (dg_minus = 0)


@pytest.mark.parametrize("card", ["two_tier", "two_tier_ideal"])
def test_transfer_moves_g_into_the_pair_resets_g_and_flips_polarity(card):
    model = ss.load_model(card)
    n = 400 if card == "two_tier" else 3
    seed(11)
    net, syn = _build(model, n, PAIRS_PRE + [T_TRANSFER], PAIRS_POST, 70.0, dg_minus=0 * uS, dg_plus=3 * uS)
    net.run(55 * ms)
    assert np.all(syn.flip == 0) and np.all(syn.Gp_ == 0) and np.all(syn.g_ > 0)
    w_before = _weight(syn, model, t=T_TRANSFER * 1e-3)
    syn.n_upd = float(model.parameters["transfer_every"]) - 1      # transfer on demand: next event
    net.run(15 * ms)
    assert np.all(syn.n_transfers == 1) and np.all(syn.n_upd == 0)
    assert np.all(syn.g_ == 0) and np.all(syn.flip == 1)           # g reset, polarity inverted
    assert np.all(syn.Gm_ == 0) and np.all(syn.Gp_ > 0)            # positive g went onto G+
    w_after = _weight(syn, model)
    if card == "two_tier_ideal":
        np.testing.assert_allclose(w_after, w_before, rtol=1e-12)
        return
    # device: W conserved up to programming noise x F_gain (aihwkit sigma_prog at the target)
    F, Gmax = float(model.parameters["F_gain"]), float(model.parameters["Gmax"])
    x = (float(model.parameters["Gmin"]) + w_before.mean() / F) / Gmax
    sigma = F * (0.26348 + 1.9650 * x - 1.1731 * x ** 2) * 1e-6
    diff = w_after - w_before
    assert abs(diff.mean()) < 4 * sigma / np.sqrt(len(diff))   # unbiased
    assert diff.std() == pytest.approx(sigma, rel=0.25)


def test_transfer_without_noise_conserves_W_exactly_and_later_updates_keep_their_sign():
    model = ss.load_model("two_tier")
    net, syn = _build(model, 1, PAIRS_PRE + [T_TRANSFER, 80.0], PAIRS_POST + [82.0], 100.0,
                      dg_minus=0 * uS, prog_noise_scale=0)
    net.run(55 * ms)
    w_before = _weight(syn, model, t=T_TRANSFER * 1e-3)
    syn.n_upd = float(model.parameters["transfer_every"]) - 1
    net.run(10 * ms)
    assert _weight(syn, model) == pytest.approx(w_before, rel=1e-9)
    w_mid = _weight(syn, model)
    net.run(35 * ms)                                   # one more pre-before-post pairing
    assert syn.g_[0] < 0                               # inverted polarity: charge goes negative
    assert _weight(syn, model)[0] > w_mid[0]           # ... and W still grows (potentiation)


def test_capacitor_leaks_with_tau_cap():
    model = ss.load_model("two_tier")
    delays = np.array([5.0, 20.0, 50.0, 100.0, 200.0])
    n = len(delays)
    # one pairing (pre 10 ms, post 12 ms) charges g; synapse k is read by a probe pre spike at 12 + d_k
    pre = SpikeGeneratorGroup(n, list(range(n)) * 2, np.r_[[10.0] * n, 12.0 + delays] * ms)
    pattern = np.zeros((int(round(220 / DT)) + 1, n))
    pattern[int(round(12 / DT)), :] = 1
    post = NeuronGroup(n, "ge : siemens\ngi : siemens\nfire = fire_pattern(t, i) : 1",
                       threshold="fire > 0.5", namespace={"fire_pattern": TimedArray(pattern, dt=DT * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(dg_minus=0 * uS, tau_cap=40 * ms))
    syn.connect(j="i")
    Network(pre, post, syn).run(220 * ms)
    slope, icpt = np.polyfit(delays * 1e-3, np.log(np.array(syn.g_)), 1)
    assert -1 / slope == pytest.approx(0.040, rel=1e-6)
    assert np.exp(icpt) == pytest.approx(0.5e-6 * np.exp(-2 / 20), rel=1e-6)


@pytest.mark.parametrize("card", ["two_tier", "two_tier_ideal"])
def test_automatic_transfer_every_n_updates(card):
    model = ss.load_model(card)
    pre_t = [10.0 + 20 * k for k in range(10)]
    post_t = [12.0 + 20 * k for k in range(10)]
    seed(2)
    net, syn = _build(model, 2, pre_t, post_t, 210.0, transfer_every=3)
    net.run(210 * ms)
    # 20 update events (10 pre, 10 post) per synapse: 6 transfers, 2 updates pending, flipped 6 times
    assert np.all(syn.n_transfers == 6) and np.all(syn.n_upd == 2) and np.all(syn.flip == 0)
    assert np.all(syn.n_cap == 20) and np.all(syn.n_read == 10)
    assert np.all(np.array(syn.e_transfer_) == pytest.approx(6 * float(model.parameters["E_transfer"])))
