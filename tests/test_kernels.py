"""Device kernels (spikesyn.devices.kernels): each one against the formula it replaces.

The numpy versions are checked on Brian2's numpy target; the compiled versions (Cython and C++,
with their own ziggurat normal generator) in one marked run per target, against the same
distributions.
"""

import numpy as np
import pytest
from brian2 import NeuronGroup, ms, run, seed
from scipy import stats

from spikesyn.devices import kernels
from spikesyn.devices.kernels import KERNELS, kernels_used

GMIN, GMAX = 0.1, 25.0                      # uS, the pcm_memtransistor card's
C0, C1, C2 = 0.26348, 1.9650, -1.1731       # uS, aihwkit programming-noise polynomial
# aihwkit PCMPresetDevice (ExpStepDevice): dw_min, A_up, gamma_up, w in [0, 2], dw_min_std, _add, _slope
DW_MIN, A_UP, GAMMA_UP, W_SPAN, DW_STD, DW_STD_ADD, DW_STD_SLOPE = 0.01, -27.235, 2.5, 2.0, 0.6, 0.042, 0.108
SET_ARGS = f"{DW_MIN}, {-A_UP}, {GAMMA_UP}, {W_SPAN}, {DW_STD}, {DW_STD_ADD}, {DW_STD_SLOPE}"
N = 40000


def _evaluate(expr, n=N, unit="1"):
    group = NeuronGroup(n, f"y : {unit}", namespace=dict(KERNELS))
    group.y = expr
    return np.asarray(group.y_)


def _prog_sigma(g):
    return max(C0 + C1 * g + C2 * g * g, 0.0)


def _set_pulse(G):
    """Mean and std (uS) of one SET pulse from G uS, aihwkit's ExpStepDevice update written out:
    z = 2 a w/(w_max - w_min) + b with a = -1, b = 0; y = max(1 - A_up exp(gamma_up z), 0)."""
    w = W_SPAN * (G - GMIN) / (GMAX - GMIN)
    z = 2 * -1.0 * w / W_SPAN + 0.0
    dw = DW_MIN * max(1 - A_UP * np.exp(GAMMA_UP * z), 0)
    sd = DW_STD * (abs(dw) + DW_STD_ADD + DW_STD_SLOPE * abs(w))
    to_uS = (GMAX - GMIN) / W_SPAN
    return G + dw * to_uS, sd * to_uS


def _reset_stats(sigma, a=GMIN):
    """P(dG = -Gmin) and E[dG] of dG = max(sigma N(0,1), -Gmin) (programmed G clipped at 0)."""
    return stats.norm.cdf(-a / sigma), sigma * stats.norm.pdf(a / sigma) - a * stats.norm.cdf(-a / sigma)


def test_ziggurat_layers_have_equal_area_and_close_at_zero():
    x, f = kernels._ZIG_X, kernels._ZIG_F
    assert x[-1] == 0 and np.all(np.diff(x[1:]) < 0)
    tail = np.sqrt(np.pi / 2) * stats.norm.sf(x[1]) * 2    # integral of exp(-v^2/2) beyond R
    area = x[1] * f[1] + tail
    assert x[0] * f[1] == pytest.approx(area, rel=1e-12)                    # base layer
    layers = x[1:-1] * (f[2:] - f[1:-1])                                    # the other 255
    np.testing.assert_allclose(layers, area, rtol=1e-9)


def test_drift_factor_is_the_power_law_after_t0_only():
    y = _evaluate("pcm_drift(0.25*i, 0.06)", n=12)
    x = 0.25 * np.arange(12)
    np.testing.assert_allclose(y, np.clip(x, 1, None) ** -0.06, rtol=1e-12)
    assert np.all(_evaluate("pcm_drift(5.0 + i, 0)", n=5) == 1.0)


@pytest.mark.parametrize("g", [0.05, 0.6])
def test_read_noise_has_the_1_over_f_amplitude(g):
    x = 1e6                                   # (t - t_prog + t_r)/(2 t_r) half a second after programming (t_r 250 ns)
    seed(2)
    y = _evaluate(f"pcm_read_noise({g}, {x}, 1.0)")
    sigma = min(0.0088 / g ** 0.65, 0.2) * np.sqrt(np.log(x))
    assert y.mean() == pytest.approx(0, abs=4 * sigma / np.sqrt(N))
    assert y.std() == pytest.approx(sigma, rel=0.02)
    assert np.all(_evaluate(f"pcm_read_noise({g}, 1.0, 1.0)", n=10) == 0)      # no noise before 2 t_r
    assert np.all(_evaluate(f"pcm_read_noise({g}, {x}, 0.0)", n=10) == 0)      # scale 0: off


def test_coin_fires_with_probability_p_only_where_its_condition_holds():
    seed(3)
    y = _evaluate("pcm_coin(i % 2, 0.3)")
    assert np.all(y[0::2] == 0)
    assert y[1::2].mean() == pytest.approx(0.3, abs=4 * np.sqrt(0.21 / (N / 2)))


def test_set_pulse_follows_the_aihwkit_pcm_preset_step_law():
    G = 8.0                                                     # uS before the pulse
    seed(4)
    expr = f"pcm_set(1, {G - GMIN}*uS, 0.5, 0.05, {GMIN}*uS, {GMAX}*uS, {SET_ARGS})"
    new = _evaluate(expr, unit="siemens") / 1e-6 + GMIN
    mean, sd = _set_pulse(G)
    np.testing.assert_allclose(new.mean(), mean, rtol=0, atol=4 * sd / np.sqrt(N))
    np.testing.assert_allclose(new.std(), sd, rtol=0.02, atol=0)
    # from RESET the mean step is 28x the step near Gmax (the law's 1 + 27.235 e^-2.5w)
    low = _evaluate(expr.replace(f"{G - GMIN}*uS", "0*uS"), unit="siemens") / 1e-6
    np.testing.assert_allclose(low.mean(), _set_pulse(GMIN)[0] - GMIN, rtol=0.02, atol=0)
    unchanged = _evaluate(expr.replace("pcm_set(1,", "pcm_set(0,"), n=10, unit="siemens")
    np.testing.assert_allclose(unchanged, (G - GMIN) * 1e-6)


def test_reset_melts_back_to_gmin_plus_programming_noise_clipped_at_zero():
    seed(5)
    expr = f"pcm_reset(1, 10*uS, {GMIN}*uS, {GMAX}*uS, 1, {C0}*uS, {C1}*uS, {C2}*uS)"
    dG = _evaluate(expr, unit="siemens") / 1e-6
    p_zero, mean = _reset_stats(_prog_sigma(GMIN / GMAX))
    # G = max(Gmin + sigma N(0, 1), 0), aihwkit's clip at zero conductance only
    np.testing.assert_allclose(np.mean(dG == -GMIN), p_zero, rtol=0, atol=0.01)
    np.testing.assert_allclose(dG.mean(), mean, rtol=0.03, atol=0)
    assert _evaluate(expr.replace("pcm_reset(1,", "pcm_reset(0,"), n=3, unit="siemens")[0] == pytest.approx(10e-6)


@pytest.mark.parametrize("g", [0.02, 0.5])
def test_new_drift_exponent_follows_the_aihwkit_fit(g):
    seed(6)
    nu = _evaluate(f"pcm_nu(1, 0.0, {g}, 1.0)")
    mu = np.clip(-0.0155 * np.log(g) + 0.0244, 0.049, 0.1)
    sd = np.clip(-0.0125 * np.log(g) - 0.0059, 0.008, 0.045)
    expected = stats.foldnorm(mu / sd, scale=sd)
    assert nu.mean() == pytest.approx(expected.mean(), rel=0.01)
    assert nu.std() == pytest.approx(expected.std(), rel=0.03)
    assert _evaluate(f"pcm_nu(0, 0.07, {g}, 1.0)", n=3)[0] == 0.07


def test_program_writes_the_target_plus_programming_noise():
    target = 12.0                                               # uS above Gmin
    seed(9)
    expr = f"pcm_program(1, 3*uS, {target}*uS, {GMIN}*uS, {GMAX}*uS, 1, {C0}*uS, {C1}*uS, {C2}*uS)"
    dG = _evaluate(expr, unit="siemens") / 1e-6
    assert dG.mean() == pytest.approx(target, abs=0.02)
    assert dG.std() == pytest.approx(_prog_sigma((GMIN + target) / GMAX), rel=0.03)
    # a target beyond the window is programmed at the window's edge; the result is not clipped
    # at Gmax (aihwkit clips at zero conductance only)
    beyond = _evaluate(expr.replace(f"{target}*uS", "40*uS"), unit="siemens") / 1e-6
    np.testing.assert_allclose(beyond.mean(), GMAX - GMIN, rtol=0, atol=0.03)
    np.testing.assert_allclose(beyond.std(), _prog_sigma(1.0), rtol=0.03, atol=0)
    unchanged = _evaluate(expr.replace("pcm_program(1,", "pcm_program(0,"), n=3, unit="siemens")
    np.testing.assert_allclose(unchanged, 3e-6)


def test_levels_round_to_the_grid_stochastically_without_bias():
    span, d, k = GMAX - GMIN, 7.9, 5                            # uS; 7.9 = 1.27 levels
    step = span / (k - 1)
    seed(8)
    q = _evaluate(f"pcm_levels(1, {d}*uS, {span}*uS, {k}, 1)", unit="siemens") / 1e-6
    assert set(np.round(q / step).astype(int)) == {1, 2}
    np.testing.assert_allclose(q / step, np.round(q / step), atol=1e-9)
    p = d / step - 1
    assert q.mean() == pytest.approx(d, abs=4 * step * np.sqrt(p * (1 - p) / N))
    nearest = _evaluate(f"pcm_levels(1, {d}*uS, {span}*uS, {k}, 0)", n=3, unit="siemens") / 1e-6
    np.testing.assert_allclose(nearest, step)
    for off in (f"pcm_levels(0, {d}*uS, {span}*uS, {k}, 1)", f"pcm_levels(1, {d}*uS, {span}*uS, 0, 1)"):
        np.testing.assert_allclose(_evaluate(off, n=3, unit="siemens") / 1e-6, d)


def test_kernels_used_finds_calls_not_other_words():
    assert set(kernels_used("G = pcm_drift(x, nu)\ny = pcm_set_value")) == {"pcm_drift"}
    assert kernels_used("") == {}


_COMPILED_CODE = """
z = pcm_read_noise(1e-9, exp(1.0), 1.0)/0.2
s = pcm_set(1, 7.9*uS, 0.5, 0.05, 0.1*uS, 25*uS, 0.01, 27.235, 2.5, 2.0, 0.6, 0.042, 0.108)
c = pcm_coin(1, 0.3)
q = pcm_levels(1, 7.9*uS, 24.9*uS, 5, 1)
r = pcm_reset(1, 10*uS, 0.1*uS, 25*uS, 1, 0.26348*uS, 1.965*uS, -1.1731*uS)
"""


def _check_compiled(z, s, c, q, r):
    # ziggurat normal: shape (KS), tails beyond the ziggurat's tail start R and at 2 sigma
    assert stats.kstest(z, "norm").pvalue > 1e-3
    n = len(z)
    for cut in (2.0, kernels._ZIG_R):
        p = 2 * stats.norm.sf(cut)
        assert np.mean(np.abs(z) > cut) == pytest.approx(p, abs=5 * np.sqrt(p / n))
    # one SET pulse from 8 uS: aihwkit's step law, mean and spread
    G = GMIN + s / 1e-6
    mean, sd = _set_pulse(8.0)
    np.testing.assert_allclose(G.mean(), mean, rtol=0, atol=0.02)
    np.testing.assert_allclose(G.std(), sd, rtol=0.02, atol=0)
    assert c.mean() == pytest.approx(0.3, abs=0.005)
    # stochastic rounding of 7.9 uS to the 6.225 uS grid: levels 1 and 2, unbiased
    step = 24.9 / 4
    assert set(np.round(q / 1e-6 / step).astype(int)) == {1, 2}
    assert q.mean() / 1e-6 == pytest.approx(7.9, abs=0.02)
    # RESET (pcm_program to Gmin), the programmed G clipped at zero
    p_zero, mean = _reset_stats(_prog_sigma(GMIN / GMAX))
    np.testing.assert_allclose(np.mean(r / 1e-6 == -GMIN), p_zero, rtol=0, atol=0.01)
    np.testing.assert_allclose(r.mean() / 1e-6, mean, rtol=0.03, atol=0)


def _run_compiled():
    n = 200000
    group = NeuronGroup(n, "z : 1\ns : siemens\nc : 1\nq : siemens\nr : siemens",
                        namespace=dict(KERNELS))
    group.run_regularly(_COMPILED_CODE, dt=1 * ms)
    run(1 * ms)
    return tuple(np.asarray(getattr(group, v + "_")) for v in "zscqr")


@pytest.mark.slow
@pytest.mark.cython
def test_cython_kernels_draw_the_same_distributions():
    from brian2 import prefs
    prefs.codegen.target = "cython"
    seed(7)
    first = _run_compiled()
    _check_compiled(*first)
    seed(7)
    again = _run_compiled()
    for a, b in zip(first, again):                      # same seed, same numbers
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
@pytest.mark.standalone
def test_cpp_standalone_kernels_draw_the_same_distributions(tmp_path):
    from brian2 import device, set_device
    set_device("cpp_standalone", directory=str(tmp_path / "kernels"))
    try:
        seed(7)
        _check_compiled(*_run_compiled())
    finally:
        device.reinit()
        device.activate()
        set_device("runtime")


@pytest.mark.slow
@pytest.mark.cython
def test_restoring_the_random_state_repeats_the_numbers_after_refills():
    # Brian2 < 2.10 restored a freed buffer address here (double free, wrong numbers)
    from brian2 import Network, defaultclock, prefs
    from spikesyn.randomstate import restore_network
    prefs.codegen.target = "cython"
    group = NeuronGroup(50000, "v : 1")
    group.run_regularly("v = rand() + pcm_read_noise(1e-9, exp(1.0), 1.0)",
                        dt=defaultclock.dt)
    group.namespace.update(KERNELS)
    net = Network(group)
    seed(1)
    net.run(defaultclock.dt)
    net.store("s")
    runs = []
    for _ in range(3):
        restore_network(net, "s")
        net.run(3 * defaultclock.dt)                 # 150 000+ draws: several refills
        runs.append(np.asarray(group.v_).copy())
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0], other)
