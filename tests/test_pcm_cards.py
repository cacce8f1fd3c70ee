"""PCM synapse cards against the published PCM characteristics (numpy target, fixed seeds).

Each test drives device synapses with timed spikes: a SpikeGeneratorGroup fires the pre-synaptic
spikes (every one is a read; one shortly after a post spike is a depressing pairing) and a
TimedArray makes the post group spike at given times (a post spike shortly after a pre spike is
a potentiating pairing, i.e. one SET pulse). Many synapses share one pre/post pair
(``connect(n=N)``), so one run gives N independent devices. Long device times (drift, 1/f
noise) use dt = 1 s, since the physics is evaluated only at the events.

The statistics are compared with aihwkit's formulas written out here (PCMLikeNoiseModel for
programming noise, drift and 1/f read noise, at t_inference + t0 as aihwkit's code evaluates them;
PCMPresetDevice for the pulse-by-pulse SET law).
"""

import numpy as np
import pytest
from scipy import stats
from brian2 import (
    Hz, Network, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses, TimedArray,
    defaultclock, ms, nS, prefs, pjoule, second, seed, start_scope, uS,
)
from brian2.utils.logger import BrianLogger

import spikesyn as ss
from spikesyn.errors import ParameterError

CARDS = ("pcm", "pcm_ideal", "pcm_pair", "pcm_pair_ideal")
GMAX, GMIN = 25.0, 0.1  # uS, card defaults
NOISE_OFF = {"prog_noise_scale": 0, "read_noise_scale": 0, "drift_scale": 0, "set_sd": 0}
T0, T_R = 20.0, 250e-9                      # s, aihwkit's t_0 and t_read
C0, C1, C2 = 0.26348, 1.9650, -1.1731       # uS at Gmax = 25 uS, aihwkit's programming-noise fit
# aihwkit PCMPresetDevice: dw_min, -A_up, gamma_up, w range [0, 2], dw_min_std, _add, _slope
DW_MIN, A, GAMMA, W_SPAN, SD, SD_ADD, SD_SLOPE = 0.01, 27.235, 2.5, 2.0, 0.6, 0.042, 0.108


def _sigma_prog(G, Gmax=GMAX):
    g = np.asarray(G) / Gmax
    return np.maximum(C0 + C1 * g + C2 * g ** 2, 0) * Gmax / 25.0


def _set_pulses(G0, n, rng=None, size=1, dw_min=DW_MIN):
    """G (uS) after each of n SET pulses from G0: the PCMPresetDevice law in w = 2 (G - Gmin)/(Gmax - Gmin),
    noise-free without rng. Returns an array (n, size)."""
    w = np.full(size, W_SPAN * (G0 - GMIN) / (GMAX - GMIN))
    out = []
    for _ in range(n):
        dw = dw_min * np.maximum(1 + A * np.exp(-GAMMA * w), 0)
        noise = 0 if rng is None else SD * (dw + SD_ADD + SD_SLOPE * w) * rng.standard_normal(size)
        w = np.clip(w + dw + noise, 0, W_SPAN)
        out.append(GMIN + w * (GMAX - GMIN) / W_SPAN)
    return np.array(out)


@pytest.fixture(autouse=True)
def _numpy_target():
    previous = prefs.codegen.target
    prefs.codegen.target = "numpy"
    # rand()/randn() in synaptic code make Brian2 warn about order dependence; each synapse
    # draws its own numbers, so the warning does not apply here.
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    start_scope()
    yield
    prefs.codegen.target = previous
    defaultclock.dt = 0.1 * ms


def _bench(groups, pre_times, post_times, dt):
    """One pre spike train, one post spike train, and a set of synapse groups between them.

    groups: dict label -> (card name, number of synapses, overrides); spike times in seconds
    (plain floats). Returns (net, {label: Synapses}, post group).
    """
    start_scope()
    defaultclock.dt = dt
    pre_times = np.asarray(pre_times, dtype=float)
    post_times = np.asarray(post_times, dtype=float)
    step = float(dt / second)
    steps = int(round(max([0.0, *pre_times, *post_times]) / step)) + 3
    post_train = np.zeros(steps)
    post_train[np.round(post_times / step).astype(int)] = 1.0
    pre = SpikeGeneratorGroup(1, np.zeros(len(pre_times), dtype=int), pre_times * second)
    post = NeuronGroup(1, "ge : siemens\ngi : siemens", threshold="post_train(t) > 0.5", reset="",
                       namespace={"post_train": TimedArray(post_train, dt=dt)})
    net = Network(pre, post)
    synapses = {}
    for label, (card, n, overrides) in groups.items():
        S = Synapses(pre, post, **ss.load_model(card).synapse_kwargs(**overrides), name=f"syn_{label}")
        S.connect(i=0, j=0, n=n)
        net.add(S)
        synapses[label] = S
    return net, synapses, post


def _run_to(net, time):
    net.run(time - net.t)


def _uS(values):
    return np.asarray(values / uS, dtype=float)


# --------------------------------------------------------------------------- cards themselves

@pytest.mark.parametrize("name", CARDS)
def test_card_is_documented(name):
    model = ss.load_model(name)
    assert model.kind == "synapse" and model.family == "pcm"
    assert "doi:10.1038/s41467-020-16108-9" in model.references
    assert "doi:10.1109/ISCAS.2018.8351656" in model.references
    assert len(model.description) > 500
    for parameter in model.parameters:
        lo, hi = model.parameter_range(parameter)
        assert lo is not None and hi is not None, parameter
        assert model._card["parameters"][parameter].get("doc"), parameter
    assert "ge" in model.requires["post"]
    assert model.events["set"]["counter"] == "n_set"
    assert model.events["read"]["accumulator"] == "e_read"


def test_ideal_twins_share_the_interface():
    for real, ideal in (("pcm", "pcm_ideal"), ("pcm_pair", "pcm_pair_ideal")):
        real, ideal = ss.load_model(real), ss.load_model(ideal)
        assert set(ideal.variables) <= set(real.variables)
        # the ideal card's constant step set_step has no counterpart in the device's SET law
        assert set(ideal.parameters) - {"set_step"} <= set(real.parameters)
        assert set(ideal.events) == set(real.events)
    with pytest.raises(ParameterError):
        ss.load_model("pcm_ideal").synapse_kwargs(drift_scale=0)


def test_zero_state_is_the_reset_device():
    # Nothing programmed: a read at t = 0 returns Gmin (no drift yet; read noise off here, since
    # aihwkit's 1/f window is open from the start)
    seed(1)
    net, S, post = _bench({"pcm": ("pcm", 50, {"read_noise_scale": 0}), "ideal": ("pcm_ideal", 50, {})},
                          [0.0], [], 1 * ms)
    _run_to(net, 2 * ms)
    for group in S.values():
        assert np.allclose(_uS(group.G_read), GMIN, rtol=1e-12)
    gain = ss.load_model("pcm").parameters["gain"]
    # delivered into ge: gain * Gmin per synapse, 100 synapses (ge does not decay in the bench)
    assert float(post.ge[0] / nS) == pytest.approx(100 * gain * GMIN * 1e3, rel=1e-9)


# --------------------------------------------------------------------------- SET and RESET

def _set_train(n_pulses, period=50 * ms, lag=1 * ms):
    """Spike times (s) of n potentiating pairings: pre, then post `lag` later."""
    pre = np.arange(n_pulses) * float(period / second)
    return pre, pre + float(lag / second)


def _set_train_then_reset(n_pulses, period):
    """n SET pairings, then one depressing pairing (post, pre 2 ms later) at t_reset."""
    pre, post = _set_train(n_pulses, period)
    t_reset = n_pulses * period
    post = np.append(post, float(t_reset / second))
    pre = np.append(pre, float((t_reset + 2 * ms) / second))
    return pre, post, t_reset


def test_set_follows_the_pcm_preset_step_law():
    """Mean G after n SET pulses follows aihwkit's PCMPresetDevice law; steps shrink near Gmax."""
    seed(11)
    n_pulses, period = 15, 50 * ms
    pre, post = _set_train(n_pulses, period)
    net, S, _ = _bench({"noisy": ("pcm", 2000, {"drift_scale": 0}), "clean": ("pcm", 10, NOISE_OFF)},
                       pre, post, 1 * ms)
    noisy, clean = [], []
    for k in range(n_pulses):
        _run_to(net, (k + 1) * period)
        noisy.append(GMIN + _uS(S["noisy"].dG))
        clean.append(GMIN + _uS(S["clean"].dG))
    expected = _set_pulses(GMIN, n_pulses)
    np.testing.assert_allclose(np.array(clean), np.broadcast_to(expected, (n_pulses, 10)), rtol=1e-9, atol=0)
    np.testing.assert_allclose(expected[0, 0] - GMIN, 0.01 * 28.235 * (GMAX - GMIN) / 2, rtol=1e-12)
    reference = _set_pulses(GMIN, n_pulses, np.random.default_rng(0), 20000)
    np.testing.assert_allclose(np.mean(noisy, axis=1), reference.mean(axis=1), rtol=0, atol=0.25)
    np.testing.assert_allclose(np.std(noisy, axis=1), reference.std(axis=1), rtol=0.08, atol=0)
    steps = np.diff(np.concatenate([[GMIN], np.mean(noisy, axis=1)]))
    assert steps[-1] < 0.3 * steps[0]
    assert np.all(S["noisy"].n_set == n_pulses)
    assert np.all(_uS(S["noisy"].dG) <= GMAX - GMIN) and np.all(_uS(S["noisy"].dG) >= 0)


def _assert_one_set_pulse_from_each_end(S, variable, rng):
    """``S["low"]`` started at Gmin and ``S["high"]`` at Gmax took one tiny-step SET pulse: the
    spread and mean of their conductance ``variable`` match the preset law's."""
    for label, G0 in (("low", GMIN), ("high", GMAX)):
        G = _uS(getattr(S[label], variable)) + GMIN
        reference = _set_pulses(G0, 1, rng, 400000, dw_min=1e-4)[0]
        np.testing.assert_allclose(G.std(), reference.std(), rtol=0.03, atol=0, err_msg=label)
        np.testing.assert_allclose(G.mean(), reference.mean(), rtol=0, atol=0.03, err_msg=label)


def test_set_step_spread_at_the_window_ends_follows_the_preset_noise_terms():
    """With a tiny mean step, one SET pulse from Gmin spreads by 0.6 (dw + 0.042) (the additive
    term) and one from Gmax by 0.6 (dw + 0.042 + 0.108 x 2) (the |w| term), clipped at the ends."""
    seed(23)
    net, S, _ = _bench({"low": ("pcm", 4000, {"set_dw_min": 1e-4, "drift_scale": 0}),
                        "high": ("pcm", 4000, {"set_dw_min": 1e-4, "drift_scale": 0})},
                       [0.0], [0.001], 1 * ms)
    S["high"].dG = (GMAX - GMIN) * uS
    _run_to(net, 3 * ms)
    _assert_one_set_pulse_from_each_end(S, "dG", np.random.default_rng(1))


def test_reset_is_abrupt():
    """One RESET pulse returns a nearly SET device to Gmin (+ the programming noise at Gmin)."""
    seed(12)
    n_set, period = 10, 50 * ms
    pre, post = _set_train(n_set, period)
    t_reset = n_set * period
    post = np.append(post, float(t_reset / second))  # post, then pre 2 ms later: depressing pairing
    pre = np.append(pre, float((t_reset + 2 * ms) / second))
    set_fast = {"set_dw_min": 0.1}
    net, S, _ = _bench({"all": ("pcm", 4000, set_fast),
                        "some": ("pcm", 2000, dict(set_fast, p_reset=0.25))}, pre, post, 1 * ms)
    _run_to(net, t_reset - 1 * ms)
    before = _uS(S["all"].dG) + GMIN
    _run_to(net, t_reset + 10 * ms)
    after = _uS(S["all"].dG) + GMIN
    assert before.mean() > 23.0
    assert np.all(after < GMIN + 1.5)
    # G = max(Gmin + sigma N(0, 1), 0): aihwkit clips a programmed conductance at zero only
    sigma0 = float(_sigma_prog(GMIN))
    a = GMIN / sigma0
    expected = GMIN + sigma0 * stats.norm.pdf(a) - GMIN * stats.norm.cdf(-a)
    np.testing.assert_allclose(after.mean(), expected, rtol=0.05, atol=0)
    np.testing.assert_allclose(np.mean(after == 0), stats.norm.cdf(-a), rtol=0, atol=0.02)
    assert np.all(S["all"].n_reset == 1)
    # the pairing's post spike came 49 ms after the last pre spike: outside the SET window
    assert np.all(S["all"].n_set == n_set)
    fraction = float(np.mean(S["some"].n_reset))
    assert fraction == pytest.approx(0.25, abs=0.04)
    assert np.mean(_uS(S["some"].dG)[S["some"].n_reset == 0] + GMIN) > 20.0


def test_programming_noise_scales_with_gmax_as_aihwkit():
    """The RESET level's spread at Gmax = 50 uS: the 25 uS fit at g = Gmin/Gmax, times 50/25."""
    seed(13)
    post, pre = [0.0], [0.002]                                  # one depressing pairing
    net, S, _ = _bench({"d": ("pcm", 4000, {"Gmax": 50 * uS, "Gmin": 5 * uS})}, pre, post, 1 * ms)
    _run_to(net, 5 * ms)
    G = _uS(S["d"].dG) + 5.0
    sigma = (C0 + C1 * 0.1 + C2 * 0.01) * 2.0                  # g = 5/50; 0.975 uS
    np.testing.assert_allclose(G.std(), sigma, rtol=0.05, atol=0)
    np.testing.assert_allclose(G.mean(), 5.0, rtol=0, atol=0.05)


# --------------------------------------------------------------------------- drift and read noise

AGES = np.array([1, 20, 50, 100, 200, 500, 1000, 2000])  # seconds after programming


@pytest.fixture(scope="module")
def long_run():
    """Program at t = 1 s (dt = 1 s), then read at the ages above; return the reads per group."""
    prefs.codegen.target = "numpy"
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    seed(14)
    slow = {"tau_pre": 10 * second, "tau_post": 10 * second, "p_reset": 0}
    groups = {
        "low": ("pcm", 2000, dict(slow, set_dw_min=0.002, read_noise_scale=0)),
        "high": ("pcm", 2000, dict(slow, set_dw_min=0.1, read_noise_scale=0)),
        "noise": ("pcm", 4000, dict(slow, set_dw_min=0.0441, drift_scale=0, prog_noise_scale=0, set_sd=0)),
        "ideal": ("pcm_ideal", 10, dict(slow, p_reset=0)),
    }
    t_prog = 1 * second
    pre = np.concatenate([[0], 1 + AGES]).astype(float)
    net, S, _ = _bench(groups, pre, [1.0], 1 * second)
    reads = {label: [] for label in groups}
    for age in AGES:
        _run_to(net, t_prog + (age + 1) * second)
        for label, group in S.items():
            reads[label].append(_uS(group.G_read))
    programmed = {label: _uS(group.dG) + GMIN for label, group in S.items()}
    nu = {label: np.asarray(S[label].nu) for label in ("low", "high", "noise")}
    return {label: np.array(r) for label, r in reads.items()}, programmed, nu, S


@pytest.mark.parametrize("label", ["low", "high"])
def test_drift_follows_the_power_law(long_run, label):
    reads, programmed, nu, _ = long_run
    G_read, G_prog = reads[label], programmed[label]
    # aihwkit's code: G_prog ((t + t0)/t0)^-nu, t counted from programming (drift starts at once)
    expected = G_prog * ((AGES[:, None] + T0) / T0) ** -nu[label]
    np.testing.assert_allclose(G_read, expected, rtol=1e-9, atol=0)
    # the exponents: fit log G vs log((t + t0)/t0) per device; slopes = -nu, statistics = the fits
    slopes = np.polyfit(np.log((AGES + T0) / T0), np.log(G_read), 1)[0]
    lg = np.log(G_prog / GMAX)
    mu = np.clip(-0.0155 * lg + 0.0244, 0.049, 0.1)
    sigma = np.clip(-0.0125 * lg - 0.0059, 0.008, 0.045)
    folded = stats.foldnorm(mu / sigma, scale=sigma)          # aihwkit draws |N(mu, sigma)|
    z = (-slopes - folded.mean()) / folded.std()             # standardised per device
    np.testing.assert_allclose(z.mean(), 0, rtol=0, atol=0.08)
    np.testing.assert_allclose(z.std(), 1, rtol=0.06, atol=0)
    assert np.all(slopes <= 0)


def test_drift_depends_on_state(long_run):
    _, programmed, nu, _ = long_run
    # low conductance (mostly amorphous) drifts faster than high conductance
    assert nu["low"].mean() > 0.065 and nu["high"].mean() < 0.056
    assert np.all(nu["low"] >= 0) and np.all(nu["high"] >= 0)          # |N(mu, sigma)|


@pytest.mark.parametrize("age_index", [0, 6])
def test_read_noise_matches_one_over_f(long_run, age_index):
    reads, programmed, _, _ = long_run
    G = programmed["noise"]
    assert np.ptp(G) < 1e-9                                           # all devices programmed alike
    age = AGES[age_index]
    # aihwkit: G Q_s sqrt(ln((t_inference + t0 + t_read)/(2 t_read))), Q_s = min(0.0088/g^0.65, 0.2)
    q_s = min(0.0088 / (G[0] / GMAX) ** 0.65, 0.2)
    expected = G[0] * q_s * np.sqrt(np.log((age + T0 + T_R) / (2 * T_R)))
    sample = reads["noise"][age_index]
    np.testing.assert_allclose(sample.mean(), G[0], rtol=0.005, atol=0)
    np.testing.assert_allclose(sample.std(), expected, rtol=0.05, atol=0)


def test_read_noise_grows_with_time_since_programming(long_run):
    reads, _, _, _ = long_run
    ratio = reads["noise"][6].std() / reads["noise"][0].std()          # 1000 s against 1 s
    expected = np.sqrt(np.log((1000 + T0) / (2 * T_R)) / np.log((1 + T0) / (2 * T_R)))
    np.testing.assert_allclose(ratio, expected, rtol=0.04, atol=0)


def test_ideal_card_neither_drifts_nor_fluctuates(long_run):
    reads, programmed, _, S = long_run
    ideal = reads["ideal"]
    assert np.all(ideal == ideal[0])                                   # every read identical
    assert np.allclose(ideal[0], GMIN + 0.1 * (GMAX - GMIN))
    assert np.all(S["ideal"].n_read == len(AGES) + 1)


# --------------------------------------------------------------------------- quantisation

def test_levels_quantise_the_programmed_conductance():
    seed(15)
    k, n_pulses, period = 5, 14, 50 * ms
    pre, post = _set_train(n_pulses, period)
    groups = {"stoch": ("pcm", 1000, {"levels": k, "stochastic_rounding": 1}),
              "near": ("pcm", 1000, {"levels": k}),
              "cont": ("pcm", 1000, {}),
              "stuck": ("pcm", 10, dict(NOISE_OFF, levels=k, set_dw_min=0.001)),
              "short": ("pcm", 10, dict(NOISE_OFF, levels=k)),
              "ideal": ("pcm_ideal", 10, {"levels": k, "set_step": 0.3})}
    net, S, _ = _bench(groups, pre, post, 1 * ms)
    delta = (GMAX - GMIN) / (k - 1)
    seen = {label: set() for label in groups}
    means = []
    for j in range(n_pulses):
        _run_to(net, (j + 1) * period)
        for label, group in S.items():
            if label == "cont":
                continue
            index = _uS(group.dG) / delta
            assert np.allclose(index, np.round(index), atol=1e-9), label
            seen[label].update(np.round(index).astype(int).tolist())
        means.append((_uS(S["stoch"].dG).mean(), _uS(S["cont"].dG).mean()))
    assert seen["stoch"] == set(range(k)) and seen["near"] == set(range(k))  # exactly k levels
    # stochastic rounding is unbiased: the mean follows the continuous devices' (1 level = 6.2 uS)
    means = np.array(means)
    assert np.max(np.abs(means[:, 0] - means[:, 1])) < 1.0
    # nearest rounding loses steps smaller than half a level: noise-free devices with a tenth of
    # the step never leave Gmin; with the default law the first step from Gmin is 3.5 uS = 0.56
    # level (rounded up to level 1), the next from level 1 is 0.4 uS = 0.07 level: stuck at 1
    assert seen["stuck"] == {0}
    assert seen["short"] == {1}
    # the ideal card's grid is unbounded: steps of 0.3 (Gmax-Gmin) = 1.2 levels -> 1 level each
    assert _uS(S["ideal"].dG)[0] == pytest.approx(n_pulses * delta)


# --------------------------------------------------------------------------- ideal card

def test_ideal_set_is_linear_and_unbounded():
    seed(16)
    n_pulses, period = 30, 50 * ms
    pre, post, t_reset = _set_train_then_reset(n_pulses, period)
    net, S, _ = _bench({"ideal": ("pcm_ideal", 3, {})}, pre, post, 1 * ms)
    _run_to(net, t_reset - 1 * ms)
    G = _uS(S["ideal"].dG) + GMIN
    assert np.allclose(G, GMIN + n_pulses * 0.1 * (GMAX - GMIN))      # 74.8 uS, three times Gmax
    _run_to(net, t_reset + 10 * ms)
    assert np.all(_uS(S["ideal"].dG) == 0)                             # exact RESET
    assert np.all(S["ideal"].n_set == n_pulses) and np.all(S["ideal"].n_reset == 1)


# --------------------------------------------------------------------------- differential pair

def _pair_schedule(n_pot, n_dep, period=50 * ms):
    """n_pot potentiating pairings (pre then post), then n_dep depressing ones (post then pre)."""
    period = float(period / second)
    pre, post = [], []
    for k in range(n_pot):
        pre.append(k * period)
        post.append(k * period + 0.001)
    for k in range(n_pot, n_pot + n_dep):
        post.append(k * period)
        pre.append(k * period + 0.002)
    return np.array(pre), np.array(post)


def test_pair_potentiates_depresses_and_refreshes():
    seed(17)
    n_pot, period, G_refresh = 10, 50 * ms, 20.0
    law = _set_pulses(GMIN, 80)[:, 0]
    k_ref = int(np.argmax(law > G_refresh)) + 1            # the SET pulse that takes G- past 20 uS
    n_dep = k_ref + 3
    pre, post = _pair_schedule(n_pot, n_dep, period)
    net, S, post_group = _bench({"clean": ("pcm_pair", 5, NOISE_OFF),
                                 "noisy": ("pcm_pair", 2000, {}),
                                 "ideal": ("pcm_pair_ideal", 5, {})}, pre, post, 1 * ms)
    _run_to(net, n_pot * period)
    Gp = law[n_pot - 1]                                        # 11.6 uS on G+
    np.testing.assert_allclose(_uS(S["clean"].dGp) + GMIN, Gp, rtol=1e-9, atol=0)
    assert np.all(_uS(S["clean"].dGm) == 0)
    assert _uS(S["noisy"].dGp).mean() + GMIN == pytest.approx(Gp, abs=1.0)
    assert np.allclose(_uS(S["ideal"].dGp), n_pot * 0.1 * (GMAX - GMIN))
    assert np.all(_uS(S["clean"].W_read) > 0)                          # last read: W > 0
    # depression: SET pulses on G-; the k_ref-th takes G- past G_refresh and refreshes the pair.
    # For the noisy pairs, keep the programmed state before each depression to check the refresh.
    noisy = S["noisy"]
    for k in range(n_pot, n_pot + n_dep):
        refreshes_prev = np.asarray(noisy.n_refresh).copy()
        if k == n_pot + k_ref - 1:
            assert np.all(S["clean"].n_refresh == 0)
        _run_to(net, (k + 1) * period)
        now = np.asarray(noisy.n_refresh) > refreshes_prev
        # a refresh leaves one device at (about) Gmin
        assert np.all(np.minimum(_uS(noisy.dGp), _uS(noisy.dGm))[now] < 1.5)
        if k == n_pot + k_ref - 1:
            W = Gp - law[k_ref - 1]
            assert np.all(S["clean"].n_refresh == 1)
            np.testing.assert_allclose(_uS(S["clean"].dGp), 0, rtol=0, atol=1e-9)   # both reset,
            np.testing.assert_allclose(_uS(S["clean"].dGm), -W, rtol=1e-9, atol=0)  # -W on G-
    # three more SET pulses on G- from its rewritten level
    np.testing.assert_allclose(_uS(S["clean"].dGm) + GMIN, _set_pulses(GMIN - W, 3)[-1, 0], rtol=1e-9, atol=0)
    assert np.all(S["clean"].n_refresh == 1) and np.all(S["clean"].n_set == n_pot + n_dep)
    assert np.all(_uS(S["clean"].W_read) < 0)                          # last read: W < 0
    assert np.mean(np.asarray(noisy.n_refresh) >= 1) > 0.5
    # ideal pair: linear, exact, refreshes without loss
    W_ideal = _uS(S["ideal"].dGp - S["ideal"].dGm)
    assert np.allclose(W_ideal, (n_pot - n_dep) * 0.1 * (GMAX - GMIN))
    assert np.all(S["ideal"].n_refresh >= 1)


def test_pair_refresh_preserves_w_under_noise():
    """G+ = 24.4 uS, G- = 10.1 uS; one SET on G+ triggers a refresh on (nearly) every device: W is
    kept in the mean, spread by the SET pulse's step noise and the program-and-verify rewrite."""
    seed(22)
    net, S, _ = _bench({"pair": ("pcm_pair", 4000, {"drift_scale": 0})}, [0.0], [0.001], 1 * ms)
    S["pair"].dGp = 24.3 * uS
    S["pair"].dGm = 10.0 * uS
    _run_to(net, 3 * ms)
    refreshed = np.asarray(S["pair"].n_refresh) == 1
    assert refreshed.mean() > 0.97                  # a few SET pulses land below G_refresh
    W = _uS(S["pair"].dGp - S["pair"].dGm)[refreshed]
    # reference: the SET pulse on G+ (PCMPresetDevice law, clipped at Gmax), then G+ - G- rewritten
    # on G+ with the programming noise at that level and G- RESET with the noise at Gmin, each
    # programmed conductance clipped at zero
    rng = np.random.default_rng(0)
    Gp = _set_pulses(GMIN + 24.3, 1, rng, 10 ** 6)[0]
    W_pre = Gp[Gp > 20.0] - GMIN - 10.0
    dGp = np.maximum(W_pre + _sigma_prog(GMIN + W_pre) * rng.standard_normal(W_pre.size), -GMIN)
    dGm = np.maximum(_sigma_prog(GMIN) * rng.standard_normal(W_pre.size), -GMIN)
    W_ref = dGp - dGm
    np.testing.assert_allclose(W.mean(), W_ref.mean(), rtol=0, atol=0.1)
    np.testing.assert_allclose(W.std(), W_ref.std(), rtol=0.06, atol=0)
    assert np.all(_uS(S["pair"].dGm)[refreshed] < 1.5)


def test_pair_routes_the_sign_of_w():
    """Positive W excites (ge), negative W inhibits (gi): gain * |W_read| each time."""
    seed(21)
    pre, post = _pair_schedule(3, 0)
    net, S, post_group = _bench({"pair": ("pcm_pair", 4, NOISE_OFF)}, [*pre, 0.2], post, 1 * ms)
    _run_to(net, 0.15 * second)
    ge_before = float(post_group.ge[0] / nS)
    _run_to(net, 0.25 * second)                                       # one more read of W > 0
    gain = float(ss.load_model("pcm_pair").parameters["gain"])
    W = _uS(S["pair"].W_read)
    np.testing.assert_allclose(W[0], _set_pulses(GMIN, 3)[-1, 0] - GMIN, rtol=1e-9, atol=0)
    assert float(post_group.ge[0] / nS) - ge_before == pytest.approx(4 * gain * W[0] * 1e3)
    assert float(post_group.gi[0]) == 0
    # now depress four times past W = 0
    pre, post = _pair_schedule(3, 6)
    net, S, post_group = _bench({"pair": ("pcm_pair", 4, NOISE_OFF)}, [*pre, 0.5], post, 1 * ms)
    _run_to(net, 0.45 * second)
    ge_before, gi_before = float(post_group.ge[0]), float(post_group.gi[0] / nS)
    _run_to(net, 0.55 * second)
    W = _uS(S["pair"].W_read)
    assert W[0] < 0
    assert float(post_group.ge[0]) == ge_before
    assert float(post_group.gi[0] / nS) - gi_before == pytest.approx(4 * gain * -W[0] * 1e3)


def test_pair_at_rest_delivers_nothing():
    seed(18)
    net, S, post = _bench({"pair": ("pcm_pair", 20, NOISE_OFF)}, [0.0, 0.1], [], 1 * ms)
    _run_to(net, 200 * ms)
    assert np.all(_uS(S["pair"].W_read) == 0) and float(post.ge[0]) == 0 and float(post.gi[0]) == 0


def test_pair_set_step_spread_at_the_window_ends_follows_the_preset_noise_terms():
    """One SET pulse on G+ with a tiny mean step, from Gmin and from Gmax (refresh out of reach):
    spread 0.6 (dw + 0.042) and 0.6 (dw + 0.042 + 0.108 x 2), clipped at the window's ends."""
    seed(25)
    tiny = {"set_dw_min": 1e-4, "drift_scale": 0, "G_refresh": 30 * uS}
    net, S, _ = _bench({"low": ("pcm_pair", 20000, tiny), "high": ("pcm_pair", 20000, tiny)},
                       [0.0], [0.001], 1 * ms)
    S["high"].dGp = (GMAX - GMIN) * uS
    _run_to(net, 3 * ms)
    _assert_one_set_pulse_from_each_end(S, "dGp", np.random.default_rng(3))
    for label in ("low", "high"):
        assert np.all(S[label].n_refresh == 0) and np.all(_uS(S[label].dGm) == 0)


def test_pair_refresh_programs_both_devices_with_the_aihwkit_noise():
    """G+ = 24.4 uS, G- = 10.1 uS, a noise-free tiny SET on G+ triggers the refresh: G+ is
    programmed to W = 14.3 uS (+ the step) with sigma_prog(Gmin + W), G- RESET with sigma_prog(Gmin),
    each clipped at G >= 0."""
    seed(26)
    n = 20000
    net, S, _ = _bench({"pair": ("pcm_pair", n, {"drift_scale": 0, "set_sd": 0, "set_dw_min": 1e-4})},
                       [0.0], [0.001], 1 * ms)
    S["pair"].dGp = 24.3 * uS
    S["pair"].dGm = 10.0 * uS
    _run_to(net, 3 * ms)
    assert np.all(S["pair"].n_refresh == 1)
    W = _set_pulses(GMIN + 24.3, 1, dw_min=1e-4)[0, 0] - GMIN - 10.0      # 14.3 uS + the tiny step
    Gp, Gm = _uS(S["pair"].dGp) + GMIN, _uS(S["pair"].dGm) + GMIN
    np.testing.assert_allclose(Gp.std(), _sigma_prog(GMIN + W), rtol=0.03, atol=0)
    np.testing.assert_allclose(Gp.mean(), GMIN + W, rtol=0, atol=0.03)
    sigma0 = float(_sigma_prog(GMIN))
    a = GMIN / sigma0
    np.testing.assert_allclose(Gm.mean(), GMIN * stats.norm.cdf(a) + sigma0 * stats.norm.pdf(a),
                               rtol=0.025, atol=0)


@pytest.fixture(scope="module")
def pair_long_run():
    """pcm_pair with its defaults: one SET pulse on G+ at t = 1 s (G- stays RESET), then reads at
    1 s + AGES (dt = 1 s). Returns the reads of G+ and G- per group, G+ as programmed, and nu_p."""
    prefs.codegen.target = "numpy"
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    seed(24)
    windows = {"tau_pre": 10 * second, "tau_post": 10 * ms}     # pre at 0 s pairs with post at 1 s only
    groups = {"drift": ("pcm_pair", 4000, dict(windows, read_noise_scale=0)),
              "noise": ("pcm_pair", 4000, dict(windows, drift_scale=0, set_sd=0))}
    pre = np.concatenate([[0], 1 + AGES]).astype(float)
    net, S, _ = _bench(groups, pre, [1.0], 1 * second)
    reads = {label: ([], []) for label in groups}
    for age in AGES:
        _run_to(net, (age + 2) * second)
        for label, group in S.items():
            reads[label][0].append(_uS(group.Gp_read))
            reads[label][1].append(_uS(group.Gm_read))
    reads = {label: (np.array(p), np.array(m)) for label, (p, m) in reads.items()}
    programmed = {label: _uS(group.dGp) + GMIN for label, group in S.items()}
    assert all(np.all(group.n_set == 1) and np.all(group.n_refresh == 0) for group in S.values())
    return reads, programmed, np.asarray(S["drift"].nu_p)


def test_pair_devices_drift_as_aihwkit_from_programming(pair_long_run):
    reads, programmed, nu = pair_long_run
    Gp_read, Gm_read = reads["drift"]
    G_prog = programmed["drift"]
    np.testing.assert_allclose(Gp_read, G_prog * ((AGES[:, None] + T0) / T0) ** -nu, rtol=1e-9, atol=0)
    np.testing.assert_allclose(Gm_read, GMIN, rtol=1e-12, atol=0)       # never programmed: no drift
    lg = np.log(G_prog / GMAX)
    mu = np.clip(-0.0155 * lg + 0.0244, 0.049, 0.1)
    sigma = np.clip(-0.0125 * lg - 0.0059, 0.008, 0.045)
    folded = stats.foldnorm(mu / sigma, scale=sigma)                     # |N(mu, sigma)| at the target
    z = (nu - folded.mean()) / folded.std()
    np.testing.assert_allclose(z.mean(), 0, rtol=0, atol=0.06)
    np.testing.assert_allclose(z.std(), 1, rtol=0.05, atol=0)


@pytest.mark.parametrize("age_index", [0, 7])
def test_pair_reads_carry_one_over_f_noise_on_each_device(pair_long_run, age_index):
    reads, programmed, _ = pair_long_run
    Gp_read, Gm_read = (r[age_index] for r in reads["noise"])
    G = programmed["noise"]
    assert np.ptp(G) < 1e-9                                             # noise-free SET: all alike
    age = AGES[age_index]
    q_s = min(0.0088 / (G[0] / GMAX) ** 0.65, 0.2)
    expected = G[0] * q_s * np.sqrt(np.log((age + T0 + T_R) / (2 * T_R)))
    np.testing.assert_allclose(Gp_read.std(), expected, rtol=0.04, atol=0)
    np.testing.assert_allclose(Gp_read.mean(), G[0], rtol=0.005, atol=0)
    # G- RESET at t = 0 (Q_s = 0.2 at Gmin), read 1 s + age later: Gmin max(1 + s N(0, 1), 0)
    s = 0.2 * np.sqrt(np.log((1 + age + T0 + T_R) / (2 * T_R)))
    clipped_mean = GMIN * (stats.norm.cdf(1 / s) + s * stats.norm.pdf(1 / s))
    np.testing.assert_allclose(Gm_read.mean(), clipped_mean, rtol=0.02, atol=0)


# --------------------------------------------------------------------------- energy

def test_energy_counters_count_events():
    seed(19)
    n_pulses, period = 6, 50 * ms
    pre, post, t_reset = _set_train_then_reset(n_pulses, period)
    model = ss.load_model("pcm")
    net, S, _ = _bench({"d": ("pcm", 100, {})}, pre, post, 1 * ms)
    _run_to(net, t_reset + 1 * ms)
    # one read so far after the last SET: check the read energy of the pre spike alone
    e_before, reads_before = np.asarray(S["d"].e_read), np.asarray(S["d"].n_read)
    _run_to(net, t_reset + 10 * ms)
    e_last = np.asarray(S["d"].e_read) - e_before
    assert np.all(np.asarray(S["d"].n_read) - reads_before == 1)
    # G_read V_read^2 read_pulse with V_read = 0.2 V, read_pulse = 250 ns (atol=0: values ~1e-13 J)
    np.testing.assert_allclose(e_last, np.asarray(S["d"].G_read) * 0.2 ** 2 * 250e-9, rtol=1e-12, atol=0)
    report = ss.energy_of(S["d"], model)
    assert report.counts["set"] == 100 * n_pulses
    assert report.counts["reset"] == 100
    assert float(report.per_event["set"] / pjoule) == pytest.approx(100 * n_pulses * 5.0)
    assert float(report.per_event["reset"] / pjoule) == pytest.approx(100 * 20.0)
    assert float(report.per_event["read"] / pjoule) == pytest.approx(float(np.sum(S["d"].e_read)) * 1e12)
    # a read costs a fraction of a pJ, far below a programming pulse
    assert 0 < float(np.max(e_last)) * 1e12 < 0.3


# --------------------------------------------------------------------------- a plain Brian2 script

def test_plain_brian2_script_with_pcm():
    seed(20)
    pcm, lif = ss.load_model("pcm"), ss.load_model("lif")
    pre, post = PoissonGroup(100, 20 * Hz), NeuronGroup(10, **lif.neuron_kwargs())
    S = Synapses(pre, post, **pcm.synapse_kwargs())
    S.connect(p=0.2)
    pcm.initialise(S)
    spikes_in, spikes_out = SpikeMonitor(pre), SpikeMonitor(post)
    net = Network(pre, post, S, spikes_in, spikes_out)
    net.run(0.5 * second)
    # every pre spike read each of its synapses once
    out_degree = np.bincount(np.array(S.i), minlength=100)
    assert int(np.sum(S.n_read)) == int(np.sum(out_degree[np.asarray(spikes_in.i)]))
    rate = spikes_out.num_spikes / (10 * 0.5)
    assert 1 < rate < 200                                             # the LIF neurons respond
    report = ss.energy_of(S, pcm)
    assert report.counts["set"] == int(np.sum(S.n_set)) > 0
    assert report.counts["reset"] == int(np.sum(S.n_reset)) > 0
    G = _uS(S.dG) + GMIN
    assert np.all((G >= 0) & (G <= GMAX))          # SET is bounded by Gmax, programming by G >= 0
