"""The plain STDP baseline (Song, Miller & Abbott 2000) and the adaptive-threshold LIF (Diehl & Cook 2015)."""

import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
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


# The cards' defaults against the published values, written out here from the sources:
# Song, Miller & Abbott 2000 (tau_+ = tau_- = 20 ms, A_- = 1.05 A_+ = 0.0105 as in Brian2's STDP
# example), Loihi's 23.6 pJ per synaptic operation and 120 pJ per update (Davies et al. 2018),
# and Diehl & Cook 2015's excitatory neuron relative to its -65 mV rest (tau 100 ms, E_exc +65 mV,
# E_inh -35 mV, tau_ge 1 ms, tau_gi 2 ms, threshold +13 mV, reset 0 mV, refractory 5 ms,
# theta_plus 0.05 mV, tau_theta 1e7 ms).

def test_stdp_default_window_and_energy_are_the_published_ones():
    model = ss.load_model("stdp")
    lags = np.array([-30.0, -10.0, -5.0, 5.0, 10.0, 30.0])       # t_post - t_pre, ms
    t_post, n, w_max = 100.0, 6, 4e-9
    pre = SpikeGeneratorGroup(n, np.arange(n), (t_post - lags) * ms)
    pattern = np.zeros((2001, n))
    pattern[int(round(t_post / 0.1)), :] = 1
    post = NeuronGroup(n, "ge : siemens\nfire = fire_pattern(t, i) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": TimedArray(pattern, dt=0.1 * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(w_max=w_max * 1e9 * nS))
    syn.connect(j="i")
    syn.w = 2 * nS
    Network(pre, post, syn).run(200 * ms)
    dw = np.asarray(syn.w_) - 2e-9
    expected = np.where(lags > 0, 0.01 * w_max * np.exp(-lags / 20.0),
                        -0.0105 * w_max * np.exp(lags / 20.0))
    np.testing.assert_allclose(dw, expected, rtol=1e-9, atol=0)
    report = ss.energy_of(syn, model)          # one pre and one post spike per synapse
    np.testing.assert_allclose(float(report.per_event["transmit"]), n * 23.6e-12, rtol=1e-9, atol=0)
    np.testing.assert_allclose(float(report.per_event["update_pre"]), n * 120e-12, rtol=1e-9, atol=0)
    np.testing.assert_allclose(float(report.per_event["update_post"]), n * 120e-12, rtol=1e-9, atol=0)


def _alif_clamped(x_e, x_i, dt):
    """One default alif neuron whose ge, gi are held at x_e g_l and x_i g_l (g_l the card's)."""
    model = ss.load_model("alif")
    g_l = float(model.parameters["g_l"])
    group = NeuronGroup(1, **model.neuron_kwargs(), dt=dt)
    group.run_regularly(f"ge = {x_e * g_l!r}*siemens\ngi = {x_i * g_l!r}*siemens", when="start")
    return group


def test_alif_default_membrane_relaxes_as_diehl_and_cook():
    """Below threshold: v -> (x_e E_e + x_i E_i)/(1 + x_e + x_i) with tau_m/(1 + x_e + x_i)."""
    x_e, x_i = 0.1, 0.05
    group = _alif_clamped(x_e, x_i, 0.1 * ms)
    net = Network(group)
    v_inf = (x_e * 65e-3 + x_i * -35e-3) / (1 + x_e + x_i)       # 4.13 mV, below threshold
    tau = 0.1 / (1 + x_e + x_i)
    for t in (0.02, 0.087, 0.3):
        net.run(t * second - net.t)
        np.testing.assert_allclose(group.v_[0], v_inf * (1 - np.exp(-t / tau)), rtol=2e-3, atol=0)
    assert int(group.n_spikes[0]) == 0


def test_alif_default_spikes_reset_refractory_and_threshold_rise():
    """Held at ge = g_l/2: v -> 21.7 mV with tau 66.7 ms; a spike when v crosses 13 mV + theta,
    v back to 0 and held there 5 ms, theta up by 0.05 mV per spike."""
    dt = 0.02 * ms
    group = _alif_clamped(0.5, 0.0, dt)
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(300 * ms)
    times = np.asarray(spikes.t_)
    v_inf, tau = 0.5 * 65e-3 / 1.5, 0.1 / 1.5
    rise = [-tau * np.log(1 - (13e-3 + k * 0.05e-3) / v_inf) for k in range(len(times))]
    expected = np.cumsum(rise) + 5e-3 * np.arange(len(times))
    assert len(times) >= 3
    np.testing.assert_allclose(times, expected, rtol=0, atol=0.1e-3)
    np.testing.assert_allclose(group.theta_[0], len(times) * 0.05e-3, rtol=1e-3, atol=0)


def test_alif_default_held_at_reset_through_the_refractory_period():
    dt = 0.02 * ms
    group = _alif_clamped(0.5, 0.0, dt)
    spikes = SpikeMonitor(group)
    states = StateMonitor(group, "v", record=0)
    Network(group, spikes, states).run(100 * ms)
    first = float(spikes.t_[0])
    after = np.asarray(states.t_) > first + 0.5 * float(dt)
    v = np.asarray(states.v_[0])[after]
    held = np.argmax(v > 1e-12) * float(dt)                     # how long v stays at 0 mV
    np.testing.assert_allclose(v[0], 0.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(held, 5e-3, rtol=0, atol=1.5 * float(dt))


def test_alif_default_conductances_and_threshold_decay_with_the_published_constants():
    group = NeuronGroup(1, **ss.load_model("alif").neuron_kwargs(), dt=1e-3 * ms)
    group.ge, group.gi = 1 * nS, 1 * nS
    Network(group).run(1 * ms)
    np.testing.assert_allclose(group.ge_[0], 1e-9 * np.exp(-1.0 / 1.0), rtol=2e-3, atol=0)
    np.testing.assert_allclose(group.gi_[0], 1e-9 * np.exp(-1.0 / 2.0), rtol=2e-3, atol=0)
    # theta alone (v stays at rest): 100 s in steps of 10 ms, decay exp(-100 s / 1e4 s)
    group = NeuronGroup(1, **ss.load_model("alif").neuron_kwargs(), dt=10 * ms)
    group.theta = 1 * mV
    Network(group).run(100 * second)
    np.testing.assert_allclose(group.theta_[0], 1e-3 * np.exp(-100 / 1e4), rtol=1e-5, atol=0)
