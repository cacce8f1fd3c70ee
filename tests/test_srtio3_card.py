"""The SrTiO3 multi-function memristor card (Weilenmann et al. 2024) and its ideal twin."""

import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, StateMonitor, Synapses, TimedArray,
                    ms, nS, pjoule, seed)

import spikesyn as ss
from spikesyn.errors import ParameterError

DT = 0.1  # ms


def _run(model, pre_times, post_times, duration, record=("F", "dF_upd"), **overrides):
    pre = SpikeGeneratorGroup(1, [0] * len(pre_times), np.array(pre_times) * ms)
    pattern = np.zeros((int(round(duration / DT)) + 1, 1))
    for t in post_times:
        pattern[int(round(t / DT)), 0] = 1
    post = NeuronGroup(1, "ge : siemens\nfire = fire_pattern(t, i) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": TimedArray(pattern, dt=DT * ms)})
    syn = Synapses(pre, post, **model.synapse_kwargs(**overrides))
    syn.connect()
    mon = StateMonitor(syn, list(record), record=0, when="end")
    Network(pre, post, syn, mon).run(duration * ms)
    return syn, mon


def _steps(times):
    return np.round(np.asarray(times) / DT).astype(int)


PRE = [2.0 + k for k in range(19)]      # one pre spike per update step (T_step = 1 ms)
POST = [5.5, 9.5, 14.5]                 # off the pre grid


def _reference(Lambda, gamma, T_step=1.0, tau_pre=20.0, tau_post=20.0):
    """Event-by-event ST-Hebb recurrence in plain Python: F after each event, in time order."""
    events = sorted([(t, "pre") for t in PRE] + [(t, "post") for t in POST])
    F, t_F, last_pre, last_post, out = 0.0, 0.0, None, None, []
    for t, kind in events:
        F *= Lambda ** ((t - t_F) / T_step)
        t_F = t
        if kind == "pre":
            x_post = 0.0 if last_post is None else np.exp(-(t - last_post) / tau_post)
            F += gamma * x_post
            last_pre = t
        else:
            x_pre = 0.0 if last_pre is None else np.exp(-(t - last_pre) / tau_pre)
            F += gamma * x_pre
            last_post = t
        out.append((t, F))
    return out


@pytest.mark.parametrize("card, overrides", [("srtio3", {"update_noise": 0}), ("srtio3_ideal", {})])
@pytest.mark.parametrize("Lambda", [0.08, 0.5, 0.92])
def test_F_follows_lambda_F_plus_gamma_pre_post_exactly(card, overrides, Lambda):
    model = ss.load_model(card)
    _, mon = _run(model, PRE, POST, 25.0, Lambda=Lambda, gamma=2 * nS, **overrides)
    F = np.array(mon.F_[0])
    for t, expected in _reference(Lambda, 2e-9):
        assert F[_steps(t)] == pytest.approx(expected, rel=1e-9, abs=1e-24), t
    # one update step between consecutive pre spikes: F_k = Lambda F_(k-1) + gamma * x_post
    for a, b in zip(PRE[8:], PRE[9:]):          # 10..14 ms: no post spike in between until 14.5
        if any(a < p < b for p in POST):
            continue
        x_post = np.exp(-(b - 9.5) / 20.0) if b < 14.5 else np.exp(-(b - 14.5) / 20.0)
        np.testing.assert_allclose(F[_steps(b)], Lambda * F[_steps(a)] + 2e-9 * x_post, rtol=1e-9, atol=0)


@pytest.mark.parametrize("Lambda", [0.0, 0.05, 0.079, 0.921, 0.95, 1.0])
def test_lambda_outside_the_device_range_is_refused(Lambda):
    with pytest.raises(ParameterError, match="outside its valid range"):
        ss.load_model("srtio3").synapse_kwargs(Lambda=Lambda)
    # the ideal twin accepts any decay factor in [0, 1]
    assert ss.load_model("srtio3_ideal").synapse_kwargs(Lambda=Lambda)["namespace"]["Lambda"] == Lambda


@pytest.mark.parametrize("Lambda", [0.08, 0.92])
def test_device_range_ends_are_accepted(Lambda):
    assert ss.load_model("srtio3").synapse_kwargs(Lambda=Lambda)["namespace"]["Lambda"] == Lambda


def test_energy_accumulator_is_the_power_law_summed_over_updates():
    model = ss.load_model("srtio3")
    seed(3)
    E0, F0, alpha = 0.3 * pjoule, 0.5 * nS, 1.7
    syn, mon = _run(model, PRE, POST, 25.0, gamma=2 * nS, E0=E0, F0=F0, alpha=alpha)
    updates = np.array(mon.dF_upd_[0])[_steps(PRE + POST)]   # the dF of every update event
    assert np.count_nonzero(updates) >= len(PRE) - 3            # updates are noisy, non-zero
    expected = np.sum(float(E0) * np.abs(updates / float(F0)) ** alpha)
    np.testing.assert_allclose(float(syn.e_F_[0]), expected, rtol=1e-9, atol=0)
    report = ss.energy_of(syn, model)
    np.testing.assert_allclose(float(report.per_event["update"]), expected, rtol=1e-9, atol=0)


def test_delivered_efficacy_is_W_plus_F():
    model = ss.load_model("srtio3_ideal")
    pre = SpikeGeneratorGroup(1, [0], [3] * ms)
    post = NeuronGroup(1, "ge : siemens", threshold="False")
    syn = Synapses(pre, post, **model.synapse_kwargs())
    syn.connect()
    syn.W = 20 * nS
    syn.F = 4 * nS
    syn.t_F = 3 * ms   # no decay before the read
    Network(pre, post, syn).run(3.05 * ms)
    np.testing.assert_allclose(float(post.ge_[0]), 0.1 * 24e-9, rtol=1e-9, atol=0)


@pytest.mark.parametrize("Lambda, V_bias", [(0.5, 0.3), (0.92, 0.6), (0.08, 0.0)])
def test_bias_decay_energy_is_G_V_bias_squared_over_time_event_driven(Lambda, V_bias):
    """W = 20 nS, F = 4 nS decaying by Lambda per step, reads at 2 and 12 ms (no pairing): the
    Decay energy is V_bias^2 times the integral of W + F(t) from 0 to the last event; the
    placeholder sigmoid maps the device range [0.08, 0.92] onto [0, 0.6 V]."""
    model = ss.load_model("srtio3")
    pre = SpikeGeneratorGroup(1, [0, 0], [2, 12] * ms)
    post = NeuronGroup(1, "ge : siemens", threshold="False")
    syn = Synapses(pre, post, **model.synapse_kwargs(Lambda=Lambda, update_noise=0))
    syn.connect()
    syn.W, syn.F = 20 * nS, 4 * nS
    Network(pre, post, syn).run(20 * ms)
    T = 1e-3                                                   # T_step, s
    integral_F = 4e-9 * T * (Lambda ** (12e-3 / T) - 1) / np.log(Lambda)   # F decays from t = 0
    expected = V_bias ** 2 * (20e-9 * 12e-3 + integral_F)
    np.testing.assert_allclose(float(syn.e_bias_[0]), expected, rtol=1e-4, atol=1e-20)
    report = ss.energy_of(syn, model)
    np.testing.assert_allclose(float(report.per_event["decay"]), float(syn.e_bias_[0]), rtol=1e-12, atol=0)


def test_reads_at_the_papers_read_voltage():
    model = ss.load_model("srtio3")
    pre = SpikeGeneratorGroup(1, [0], [3] * ms)
    post = NeuronGroup(1, "ge : siemens", threshold="False")
    syn = Synapses(pre, post, **model.synapse_kwargs(update_noise=0))
    syn.connect()
    syn.W = 20 * nS
    Network(pre, post, syn).run(4 * ms)
    # G V_read^2 read_pulse at V_read = 0.6 V (Weilenmann et al. 2024, Fig. 2d), 1 us pulse
    np.testing.assert_allclose(float(syn.e_read_[0]), 20e-9 * 0.6 ** 2 * 1e-6, rtol=1e-12, atol=0)
