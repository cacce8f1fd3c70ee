"""The PCM memtransistor card (Sarwat et al. 2022) and its ideal twin: short-term STDP, W + F.

Spike times are fixed in advance (pre from a SpikeGeneratorGroup, post from a TimedArray), so
every synapse sees exactly the pairing the test describes.
"""

import numpy as np
from scipy import stats
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, StateMonitor, Synapses, TimedArray,
                    ms, second, seed, uS)

import spikesyn as ss

CARDS = ["pcm_memtransistor", "pcm_memtransistor_ideal"]


def _pairs(pre_times, post_times, duration, model, dt=0.1 * ms, record=None, **overrides):
    """One synapse per entry: synapse k gets pre spikes pre_times[k] and post spikes post_times[k] (ms)."""
    n = len(pre_times)
    idx = [k for k, times in enumerate(pre_times) for _ in times]
    times = [t for times in pre_times for t in times]
    pre = SpikeGeneratorGroup(n, idx, np.array(times) * ms)
    steps = int(round(float(duration / dt))) + 1
    pattern = np.zeros((steps, n))
    for k, ts in enumerate(post_times):
        for t in ts:
            pattern[int(round(t / float(dt / ms))), k] = 1
    fire = TimedArray(pattern, dt=dt)
    post = NeuronGroup(n, "ge : siemens\nfire = fire_pattern(t, i) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": fire})
    syn = Synapses(pre, post, **model.synapse_kwargs(**overrides))
    syn.connect(j="i")
    objects = [pre, post, syn]
    mon = None
    if record:
        mon = StateMonitor(syn, record, record=True)
        objects.append(mon)
    net = Network(*objects)
    net.run(duration)
    return syn, mon


@pytest.mark.parametrize("card", CARDS)
def test_F_decays_exponentially_with_tau_F(card):
    model = ss.load_model(card)
    delays = np.array([10.0, 50.0, 100.0, 200.0, 300.0, 450.0])
    # Coincidence pre 10 ms -> post 15 ms raises F; a probe pre spike d ms later reads it.
    syn, _ = _pairs([[10.0, 15.0 + d] for d in delays], [[15.0]] * len(delays), 500 * ms, model,
                    F_dep=0, tau_F=80 * ms)
    F = np.array(syn.F_)
    slope, intercept = np.polyfit(delays * 1e-3, np.log(F), 1)
    tau_fit = -1 / slope
    assert tau_fit == pytest.approx(0.080, rel=1e-6)
    # the value right after the coincidence: gamma_F * exp(-5 ms / tau_pre)
    gamma = float(model.parameters["gamma_F"])
    np.testing.assert_allclose(np.exp(intercept), gamma * np.exp(-5 / 20), rtol=1e-6, atol=0)


@pytest.mark.parametrize("card", CARDS)
def test_F_is_raised_by_pre_before_post_coincidences_only(card):
    model = ss.load_model(card)
    gamma = float(model.parameters["gamma_F"])
    F_dep = float(model.parameters["F_dep"])
    pre = [[10.0], [10.0], [15.0], [10.0], []]
    post = [[15.0], [210.0], [10.0], [], [10.0]]
    syn, _ = _pairs(pre, post, 220 * ms, model, tau_F=1e6 * ms)  # no decay: read F as set
    F = np.array(syn.F_)
    coincident, far, reversed_, pre_only, post_only = F
    np.testing.assert_allclose(coincident, gamma * np.exp(-5 / 20), rtol=1e-9, atol=0)          # raised
    np.testing.assert_allclose(far, gamma * np.exp(-200 / 20), rtol=1e-9, atol=0)
    assert far < 1e-3 * coincident                                                   # not raised
    np.testing.assert_allclose(reversed_, -gamma * F_dep * np.exp(-5 / 20), rtol=1e-9, atol=0)    # lowered
    assert pre_only == 0 and post_only == 0


def _poisson(n, rate_hz, duration_ms, rng):
    return [sorted(np.round(rng.uniform(0, duration_ms, rng.poisson(rate_hz * duration_ms / 1000)), 1))
            for _ in range(n)]


@pytest.mark.parametrize("card", CARDS)
def test_gamma_F_zero_switches_off_F_and_leaves_W_unchanged(card):
    model = ss.load_model(card)
    rng = np.random.default_rng(7)
    n, duration = 40, 1000.0
    pre = _poisson(n, 30, duration - 5, rng)
    post = [[t for t in ts if t > 0.5] for ts in _poisson(n, 30, duration - 5, rng)]
    runs = {}
    for gamma in (2 * uS, 0 * uS):
        seed(99)
        syn, mon = _pairs(pre, post, duration * ms, model, record=["dG", "F"], gamma_F=gamma)
        runs[float(gamma)] = (np.array(mon.dG_), np.array(mon.F_), np.array(syn.n_gate))
    dG_on, F_on, gates_on = runs[2e-6]
    dG_off, F_off, gates_off = runs[0.0]
    assert np.all(F_off == 0) and gates_off.sum() == 0
    assert np.abs(F_on).max() > 0.5e-6 and gates_on.sum() > 0
    np.testing.assert_array_equal(dG_on, dG_off)   # identical long-term trajectories
    assert np.ptp(dG_on) > 0                        # and W did learn


def test_set_pulses_saturate_towards_Gmax_with_pcm_statistics():
    # 12 potentiating pairings (pre 5 ms before post) with p_set = 1: the conductance follows
    # aihwkit's PCMPresetDevice SET law (written out below), as in the pcm card.
    model = ss.load_model("pcm_memtransistor")
    n_syn, n_pulses = 300, 12
    pre = [[10.0 + 20 * k for k in range(n_pulses)]] * n_syn
    post = [[15.0 + 20 * k for k in range(n_pulses)]] * n_syn
    seed(5)
    syn, _ = _pairs(pre, post, (20 * n_pulses + 10) * ms, model, p_set=1.0)
    Gmax, Gmin = (float(model.parameters[k]) for k in ("Gmax", "Gmin"))
    G = Gmin + np.array(syn.dG_)
    # w = 2 (G - Gmin)/(Gmax - Gmin); dw = 0.01 (1 + 27.235 e^-2.5w), spread 0.6 (dw + 0.042 + 0.108 w)
    rng = np.random.default_rng(0)
    w = np.zeros(100000)
    for _ in range(n_pulses):
        dw = 0.01 * (1 + 27.235 * np.exp(-2.5 * w))
        w = np.clip(w + dw + 0.6 * (dw + 0.042 + 0.108 * w) * rng.standard_normal(w.size), 0, 2)
    expected = Gmin + w * (Gmax - Gmin) / 2
    np.testing.assert_allclose(G.mean(), expected.mean(), rtol=0.03, atol=0)
    np.testing.assert_allclose(G.std(), expected.std(), rtol=0.12, atol=0)
    assert np.all(syn.n_set == n_pulses)
    report = ss.energy_of(syn, model)
    assert report.counts["set"] == n_syn * n_pulses and report.counts["reset"] == 0
    np.testing.assert_allclose(float(report.per_event["set"]), n_syn * n_pulses * float(model.parameters["E_set"]), rtol=1e-9, atol=0)


def test_read_energy_is_the_read_conductance_times_V_squared_times_pulse():
    # Pre spikes only (no pairing, so no pulse changes dG): every pre spike reads the device once.
    # The card stores neither the read value nor a read counter; e_read must still price each
    # read at G_read V_read^2 read_pulse: exactly G_prog's price without read noise (no drift
    # either: nu = 0 on a fresh device), and with it the mean of the clipped read
    # G_prog E[max(1 + s N(0,1), 0)] = G_prog (Phi(1/s) + s phi(1/s)), s the 1/f amplitude of
    # aihwkit at t - t_prog + t0 (a device at Gmin has Q_s = 0.2: s is about 0.84).
    model = ss.load_model("pcm_memtransistor")
    n_syn, n_reads = 400, 5
    pre = [[10.0 + 20 * k for k in range(n_reads)]] * n_syn
    price = float(model.parameters["V_read"]) ** 2 * float(model.parameters["read_pulse"])
    for noise, rel in ((0.0, 1e-12), (1.0, 0.02)):
        seed(11)
        syn, _ = _pairs(pre, [[]] * n_syn, 120 * ms, model, read_noise_scale=noise, gamma_F=0 * uS)
        G_prog = float(model.parameters["Gmin"]) + np.array(syn.dG_)
        t_read = (10.0 + 20 * np.arange(n_reads)) * 1e-3
        s = noise * 0.2 * np.sqrt(np.log((t_read + 20.0 + 250e-9) / 500e-9))
        clipped_mean = stats.norm.cdf(1 / s) + s * stats.norm.pdf(1 / s) if noise else np.ones(n_reads)
        expected = G_prog * price * np.sum(clipped_mean)
        e_read = np.array(syn.e_read_)
        if noise == 0.0:
            np.testing.assert_allclose(e_read, expected, rtol=rel)
        else:
            np.testing.assert_allclose(np.sum(e_read), np.sum(expected), rtol=rel, atol=0)
            assert np.std(e_read / expected) > 1e-3          # the reads were noisy
        assert not hasattr(syn, "n_read") and not hasattr(syn, "G_read")


# The card's sourced defaults against aihwkit's PCM statistics, written out here (PCMLikeNoiseModel:
# programming noise (c0 + c1 g + c2 g^2) Gmax/25 uS with c = 0.26348, 1.9650, -1.1731 uS, drift
# ((t + 20 s)/20 s)^-nu, 1/f read noise at t + 20 s with t_read = 250 ns; PCMPresetDevice: the SET
# step spread 0.6 (dw + 0.042 + 0.108 w)), with Gmax = 25 uS.
GMAX, T0, T_R = 25.0, 20.0, 250e-9


def _shared_pair(n, pre_times, post_times, dt, **overrides):
    """n default memtransistor synapses between one pre and one post neuron (spike times in s)."""
    model = ss.load_model("pcm_memtransistor")
    steps = int(round(max([*pre_times, *post_times]) / float(dt / second))) + 3
    pattern = np.zeros(steps)
    pattern[np.round(np.asarray(post_times) / float(dt / second)).astype(int)] = 1
    pre = SpikeGeneratorGroup(1, np.zeros(len(pre_times), dtype=int), np.asarray(pre_times) * second, dt=dt)
    post = NeuronGroup(1, "ge : siemens\nfire = fire_pattern(t) : 1", threshold="fire > 0.5",
                       namespace={"fire_pattern": TimedArray(pattern, dt=dt)}, dt=dt)
    syn = Synapses(pre, post, **model.synapse_kwargs(**overrides), dt=dt)
    syn.connect(i=0, j=0, n=n)
    return Network(pre, post, syn), syn, model


def _sigma_prog(g):
    return 0.26348 + 1.9650 * g - 1.1731 * g ** 2          # uS, at Gmax = 25 uS


def test_reset_programs_with_aihwkit_noise_then_drifts_and_reads_with_1_over_f_noise():
    """A RESET at t = 1 s (post at 0 s, pre at 1 s), then reads 10, 100 and 1000 s later."""
    seed(31)
    ages = np.array([10.0, 100.0, 1000.0])
    pre_times = np.concatenate([[1.0], 1.0 + ages])
    common = dict(p_reset=1.0, tau_post=10 * second, gamma_F=0 * uS)
    runs = {}
    for label, Gmin, overrides in (("low", 0.1, dict(common, read_noise_scale=0)),         # g = 0.004
                                   ("high", 20.0, dict(common, Gmin=20 * uS, drift_scale=0))):  # g = 0.8
        net, syn, model = _shared_pair(20000, pre_times, [0.0], 1 * second, **overrides)
        price = float(model.parameters["V_read"]) ** 2 * float(model.parameters["read_pulse"])
        net.run(1.5 * second)
        assert np.all(syn.n_reset == 1)
        G_prog = Gmin + np.array(syn.dG_) * 1e6
        reads, e_before = [], np.array(syn.e_read_)
        for age in ages:
            net.run((1.5 + age) * second - net.t)
            e_now = np.array(syn.e_read_)
            reads.append((e_now - e_before) / price * 1e6)               # uS
            e_before = e_now
        runs[label] = G_prog, np.array(reads), np.array(syn.nu_)
    # the RESET level: max(Gmin + sigma N(0, 1), 0), sigma at g = Gmin/Gmax
    G_low, reads_low, nu = runs["low"]
    sigma, a = _sigma_prog(0.1 / GMAX), 0.1 / _sigma_prog(0.1 / GMAX)
    np.testing.assert_allclose(G_low.mean(), 0.1 * stats.norm.cdf(a) + sigma * stats.norm.pdf(a),
                               rtol=0.025, atol=0)
    G_high, reads_high, _ = runs["high"]
    np.testing.assert_allclose(G_high.std(), _sigma_prog(20 / GMAX), rtol=0.03, atol=0)
    np.testing.assert_allclose(G_high.mean(), 20.0, rtol=0, atol=0.03)
    # drift from the RESET, and nu ~ |N(mu, sigma)| at the target g = Gmin/Gmax (mu, sigma clipped)
    np.testing.assert_allclose(reads_low, G_low * ((ages[:, None] + T0) / T0) ** -nu, rtol=1e-9, atol=1e-12)
    lg = np.log(0.1 / GMAX)
    mu, s = np.clip(-0.0155 * lg + 0.0244, 0.049, 0.1), np.clip(-0.0125 * lg - 0.0059, 0.008, 0.045)
    folded = stats.foldnorm(mu / s, scale=s)
    np.testing.assert_allclose(nu.mean(), folded.mean(), rtol=0.01, atol=0)
    np.testing.assert_allclose(nu.std(), folded.std(), rtol=0.03, atol=0)
    # 1/f read noise relative to the programmed G: Q_s(g) sqrt(ln((age + t0 + t_r)/(2 t_r)))
    q_s = np.minimum(0.0088 / (G_high / GMAX) ** 0.65, 0.2)
    for age, read in zip(ages, reads_high):
        z = (read / G_high - 1) / (q_s * np.sqrt(np.log((age + T0 + T_R) / (2 * T_R))))
        np.testing.assert_allclose(z.std(), 1.0, rtol=0.03, atol=0, err_msg=f"age {age} s")
        np.testing.assert_allclose(z.mean(), 0.0, rtol=0, atol=0.03)


def test_set_step_spread_at_the_window_ends_follows_the_preset_noise_terms():
    """With a tiny mean step, one SET pulse spreads by 0.6 (dw + 0.042) from Gmin and by
    0.6 (dw + 0.042 + 0.108 x 2) from Gmax (clipped at the window's ends)."""
    seed(32)
    rng = np.random.default_rng(2)
    for w0 in (0.0, 2.0):
        net, syn, model = _shared_pair(4000, [0.0], [0.001], 1 * ms, p_set=1.0, set_dw_min=1e-4,
                                       drift_scale=0, gamma_F=0 * uS)
        Gmin = float(model.parameters["Gmin"]) * 1e6
        syn.dG = w0 / 2 * (GMAX - Gmin) * uS
        net.run(3 * ms)
        G = Gmin + np.array(syn.dG_) * 1e6
        dw = 1e-4 * (1 + 27.235 * np.exp(-2.5 * w0))
        w = np.clip(w0 + dw + 0.6 * (dw + 0.042 + 0.108 * w0) * rng.standard_normal(400000), 0, 2)
        reference = Gmin + w * (GMAX - Gmin) / 2
        np.testing.assert_allclose(G.std(), reference.std(), rtol=0.03, atol=0, err_msg=f"w0 {w0}")
        np.testing.assert_allclose(G.mean(), reference.mean(), rtol=0, atol=0.03, err_msg=f"w0 {w0}")
