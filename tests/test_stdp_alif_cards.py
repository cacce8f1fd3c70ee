"""The plain STDP baseline (Song, Miller & Abbott 2000) and the adaptive-threshold LIF (Diehl & Cook 2015)."""

import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses, TimedArray,
                    mV, ms, nS, second)

import spikesyn as ss


def test_stdp_window_sign_and_exponential_decay():
    model = ss.load_model("stdp")
    lags = np.array([-80, -40, -20, -10, -5, -2, 2, 5, 10, 20, 40, 80], dtype=float)  # t_post - t_pre
    t_post = 200.0
    n = len(lags)
    pre = SpikeGeneratorGroup(n, np.arange(n), (t_post - lags) * ms)
    pattern = np.zeros((3001, n))
    pattern[int(round(t_post / 0.1)), :] = 1
    post = NeuronGroup(n, "ge : siemens\nfire = fire_pattern(t, i) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": TimedArray(pattern, dt=0.1 * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(tau_pre=17 * ms, tau_post=34 * ms))
    syn.connect(j="i")
    w0 = float(model.parameters["w_max"]) / 2
    syn.w = w0 * 1e9 * nS
    Network(pre, post, syn).run(300 * ms)
    dw = np.array(syn.w_) - w0
    w_max = float(model.parameters["w_max"])
    A_plus, A_minus = float(model.parameters["A_plus"]), float(model.parameters["A_minus"])
    ltp, ltd = lags > 0, lags < 0
    assert np.all(dw[ltp] > 0) and np.all(dw[ltd] < 0)           # pre->post potentiates, post->pre depresses
    # exponential decay with the trace time constants, amplitudes A_plus w_max and A_minus w_max
    slope_p, icpt_p = np.polyfit(lags[ltp], np.log(dw[ltp]), 1)
    slope_m, icpt_m = np.polyfit(-lags[ltd], np.log(-dw[ltd]), 1)
    assert -1 / slope_p == pytest.approx(17e-3 * 1e3, rel=1e-6)  # ms
    assert -1 / slope_m == pytest.approx(34e-3 * 1e3, rel=1e-6)
    np.testing.assert_allclose(np.exp(icpt_p), A_plus * w_max, rtol=1e-6, atol=0)
    np.testing.assert_allclose(np.exp(icpt_m), A_minus * w_max, rtol=1e-6, atol=0)
    assert np.all(syn.n_in == 1) and np.all(syn.n_out == 1)


def test_stdp_weights_stay_within_bounds():
    model = ss.load_model("stdp")
    pre = SpikeGeneratorGroup(2, [0] * 50 + [1] * 50, np.r_[np.arange(50) * 10 + 1, np.arange(50) * 10 + 3] * ms)
    post = NeuronGroup(2, "ge : siemens\nfire = fire_pattern(t, i) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": TimedArray(np.tile(((np.arange(5001) % 100) == 20)[:, None], (1, 2)).astype(float), dt=0.1 * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(A_plus=0.5, A_minus=0.5))
    syn.connect(j="i")
    syn.w = [1.9, 0.1] * nS
    Network(pre, post, syn).run(500 * ms)
    assert np.all(syn.w_ >= 0) and np.all(syn.w_ <= float(model.parameters["w_max"]))
    np.testing.assert_allclose(syn.w_[0], float(model.parameters["w_max"]), rtol=1e-9, atol=0)   # pre 1 ms before post: saturates
    assert syn.w_[1] == 0                                                   # pre 1 ms after post: depressed to 0


def _alif_under_constant_drive(duration, theta_plus, **extra):
    model = ss.load_model("alif")
    group = NeuronGroup(1, **model.neuron_kwargs(theta_plus=theta_plus, **extra))
    group.run_regularly("ge = 4*nS", when="start")
    spikes = SpikeMonitor(group, record=True)
    Network(group, spikes).run(duration)
    return group, np.asarray(spikes.t_)


def test_alif_threshold_rises_by_theta_plus_per_spike():
    group, times = _alif_under_constant_drive(1 * second, 0.5 * mV)
    n = len(times)
    assert n >= 5
    tau = 1e4  # s: decay negligible over one second
    expected = 0.5e-3 * np.sum(np.exp(-(1.0 - times) / tau))
    assert float(group.theta_[0]) == pytest.approx(expected, rel=1e-6)
    assert int(group.n_spikes[0]) == n


def test_alif_rate_adapts_under_constant_drive():
    _, adaptive = _alif_under_constant_drive(2 * second, 0.5 * mV)
    _, fixed = _alif_under_constant_drive(2 * second, 0 * mV)
    isi = np.diff(adaptive)
    first, last = np.mean(isi[:3]), np.mean(isi[-3:])
    assert last > 1.5 * first                                 # inter-spike intervals lengthen
    assert len(adaptive) < 0.8 * len(fixed)                   # fewer spikes than without adaptation
    assert np.ptp(np.diff(fixed)) < 1e-3                      # the non-adaptive neuron fires regularly


def test_alif_threshold_decays_with_tau_theta():
    model = ss.load_model("alif")
    group = NeuronGroup(1, **model.neuron_kwargs(tau_theta=50 * ms))
    group.theta = 2 * mV
    Network(group).run(100 * ms)
    assert float(group.theta_[0]) == pytest.approx(2e-3 * np.exp(-2), rel=1e-2)   # euler, dt = 0.1 ms
    assert float(group.v_[0]) == 0.0                                                # zero is rest
