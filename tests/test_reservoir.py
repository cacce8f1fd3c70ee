"""The spin-torque oscillator card and the reservoir built on it (numpy target, small runs)."""

import json

import numpy as np
import pytest
from brian2 import Hz, kHz, mA, nsecond, usecond

import spikesyn as ss
from spikesyn.cli import main
from spikesyn.networks import reservoir as rv

NO_NOISE = {"D_T": 0 * kHz}
# the card's defaults, written out: Gamma_G = 1e7 /s, Q = 2, sigma = 2.5e6 /(s mA)
GAMMA_G, Q, SIGMA_PER_MA = 1e7, 2.0, 2.5e6


def _steady_power(I_mA):
    # Slavin & Tiberkevich 2009: p0 = (sigma I - Gamma_G) / (sigma I + Gamma_G Q)
    return (SIGMA_PER_MA * I_mA - GAMMA_G) / (SIGMA_PER_MA * I_mA + GAMMA_G * Q)


def test_card_loads_with_units():
    card = ss.load_model("spin_torque_oscillator")
    assert card.kind == "neuron"
    assert set(card.parameters) == {"Gamma_G", "Q", "sigma", "D_T"}
    assert card.variables == ["I", "p"]
    np.testing.assert_allclose(float(card.parameters["Gamma_G"] / Hz), GAMMA_G, rtol=1e-12)
    np.testing.assert_allclose(float(card.parameters["sigma"] * mA / Hz), SIGMA_PER_MA, rtol=1e-12)


def test_amplitude_current_curve_matches_closed_form():
    currents = np.array([4.5, 5.0, 6.0, 7.0, 9.0])
    I = np.tile(currents, (60, 1)) * mA                     # 60 node times of 50 ns = 3 us
    p = rv.simulate_oscillators(I, 50 * nsecond, steps_per_node=25, p_start=np.full(5, 0.05),
                                overrides=NO_NOISE)
    np.testing.assert_allclose(p[-1], _steady_power(currents), rtol=0.01, atol=0)


def test_relaxation_time_matches_closed_form():
    # start at p0(6.1 mA), relax at 6 mA: the deviation decays as exp(-t / tau) with
    # tau = 1 / (2 (sigma I - Gamma_G)) = 1 / (2 x 5e6 /s) = 100 ns
    I = np.full((40, 1), 6.0) * mA
    theta = 10 * nsecond
    p = rv.simulate_oscillators(I, theta, steps_per_node=20,
                                p_start=[_steady_power(6.1)], overrides=NO_NOISE)[:, 0]
    deviation = p - _steady_power(6.0)
    t = (np.arange(40) + 1) * 10e-9
    window = (t >= 50e-9) & (t <= 300e-9)
    slope = np.polyfit(t[window], np.log(deviation[window]), 1)[0]
    np.testing.assert_allclose(-1 / slope, 100e-9, rtol=0.03, atol=0)
    np.testing.assert_allclose(float(rv.relaxation_time(6 * mA, GAMMA_G * Hz,
                                                        SIGMA_PER_MA * Hz / mA) / nsecond),
                               100.0, rtol=1e-9)


def test_threshold_current():
    # I_th = Gamma_G / sigma = 1e7 / 2.5e6 mA = 4 mA: below it the oscillation dies out,
    # above it p settles at the (small) steady power
    np.testing.assert_allclose(float(rv.threshold_current(GAMMA_G * Hz, SIGMA_PER_MA * Hz / mA)
                                     / mA), 4.0, rtol=1e-12)
    I = np.tile([3.8, 4.4], (40, 1)) * mA                   # 40 x 0.5 us = 20 us
    p = rv.simulate_oscillators(I, 0.5 * usecond, steps_per_node=50, p_start=[0.02, 0.001],
                                overrides=NO_NOISE)
    assert p[-1, 0] < 1e-4
    np.testing.assert_allclose(p[-1, 1], _steady_power(4.4), rtol=0.02, atol=0)


def test_noise_keeps_power_fluctuating_around_p0():
    I = np.full((400, 4), 6.0) * mA
    p = rv.simulate_oscillators(I, 20 * nsecond, steps_per_node=10, overrides={"D_T": 1 * kHz},
                                seed=3)
    tail = p[100:]
    assert tail.std() > 0
    np.testing.assert_allclose(tail.mean(), _steady_power(6.0), rtol=0.05, atol=0)


SMALL = dict(n_nodes=12, periods=12, n_train=2, n_test=2, noise=0.1 * kHz, steps_per_node=10)


def test_sine_square_readout_beats_chance_and_repeats():
    a = rv.run_reservoir("sine-square", seed=4, **SMALL)
    b = rv.run_reservoir("sine-square", seed=4, **SMALL)
    assert a.accuracy == b.accuracy and a.to_dict()["error_per_point"] == b.to_dict()["error_per_point"]
    assert a.accuracy > a.chance + 0.15
    assert set(a.error_per_point) == {"sine", "square"}
    assert all(len(v) == 8 for v in a.error_per_point.values())


@pytest.mark.slow
def test_logistic_readout_separates_noise_free_readings():
    # without noise the readings of held-out waveforms are linearly separable: >= 99 %
    r = rv.run_reservoir("sine-square", seed=0, readout="logistic", n_nodes=24, periods=20,
                         n_train=4, n_test=4, noise=0 * kHz, steps_per_node=10)
    assert r.accuracy == r.accuracy_by_readout["logistic"]
    assert r.accuracy_by_readout["logistic"] >= 0.99


def test_linear_readout_of_the_input_alone_is_at_chance():
    # the control the reservoir is measured against: both waves reach +1 and -1, so a linear
    # readout of the present input value separates nothing
    train, test = rv.sine_square_series(200, seed=1), rv.sine_square_series(200, seed=2)
    predict = rv.ridge_fit(train["u"][:, None], 2 * train["label"] - 1, 1e-6)
    accuracy = ((predict(test["u"][:, None]) > 0) == (test["label"] > 0)).mean()
    assert accuracy < 0.6


def test_narma10_matches_its_recurrence():
    d = rv.narma10_series(60, seed=5)
    u, y = d["u"], d["y"]
    k = 30
    expected = 0.3 * y[k] + 0.05 * y[k] * np.sum(y[k - 9:k + 1]) + 1.5 * u[k - 9] * u[k] + 0.1
    np.testing.assert_allclose(y[k + 1], expected, rtol=1e-12)


@pytest.mark.parametrize("kwargs, words", [
    ({"theta": 20}, "theta must be a time"),
    ({"theta": 20 * mA}, "theta must be a time"),
    ({"n_nodes": 1}, "n_nodes must be an integer in [2, 400]"),
    ({"n_nodes": 401}, "n_nodes"),
    ({"task": "xor"}, "task must be one of"),
    ({"bias": 5}, "bias must be a current"),
    ({"noise": 5 * mA}, "D_T"),
    ({"washout": 500, "periods": 10}, "washout"),
    ({"readout": "svm"}, "readout must be one of"),
    ({"readout": "logistic", "task": "narma10"}, "needs task 'sine-square'"),
])
def test_bad_input_is_refused_before_simulating(kwargs, words):
    with pytest.raises(rv.ReservoirError) as info:
        rv.run_reservoir(**kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("argv, words", [
    (["--nodes", "0"], "--nodes"),
    (["--nodes", "1000"], "--nodes"),
    (["--theta", "20"], "has no unit"),
    (["--theta", "20mA"], "is not a time"),
    (["--task", "xor"], "invalid choice"),
])
def test_cli_bad_options_exit_2_with_one_message(argv, words, capsys):
    with pytest.raises(SystemExit) as info:
        main(["reservoir", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_cli_json_shape(capsys, tmp_path):
    plot = tmp_path / "r.png"
    code = main(["reservoir", "--task", "sine-square", "--json", "--quiet", "--nodes", "8",
                 "--periods", "8", "--train", "1", "--test", "1", "--seed", "2",
                 "--plot", str(plot)])
    out, err = capsys.readouterr()
    assert code == 0, err
    d = json.loads(out)
    assert 0 <= d["accuracy"] <= 1
    assert d["accuracy"] == d["accuracy_by_readout"]["ridge"]
    assert set(d["accuracy_by_readout"]) == {"ridge", "logistic"}
    assert len(d["error_per_point"]["sine"]) == 8 and len(d["error_per_point"]["square"]) == 8
    s = d["settings"]
    assert s["n_nodes"] == 8
    np.testing.assert_allclose(s["theta_s"], 50e-9, rtol=1e-12, atol=0)
    np.testing.assert_allclose(s["relaxation_time_s"], 200e-9, rtol=1e-9, atol=0)
    assert plot.stat().st_size > 0


def test_cli_plot_into_missing_directory_is_refused(capsys, tmp_path):
    code = main(["reservoir", "--plot", str(tmp_path / "nope" / "r.png"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
