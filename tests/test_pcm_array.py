"""PCMArray: programming noise, drift and read noise follow the aihwkit statistics (pcm.py)."""


import numpy as np
import pytest
from scipy import stats
from brian2 import second, uS

from spikesyn.devices.pcm import GMAX
from spikesyn.devices.pcm_array import PCMArray
from spikesyn.errors import ParameterError, SpikesynError

N = 20000
HOUR = 3600 * second


@pytest.mark.parametrize("g", [0.2, 0.5, 0.9])
def test_programming_noise_std_matches_aihwkit_fit(g):
    arr = PCMArray(N, w_max=1.0, seed=3, read_noise_scale=0, drift_scale=0)
    arr.program(np.full(N, g), 0 * second)
    G = np.asarray(arr.G_prog_plus / uS)
    expected = 0.26348 + 1.9650 * g - 1.1731 * g ** 2          # uS, aihwkit's fit at Gmax = 25 uS
    np.testing.assert_allclose(G.std(), expected, rtol=0.03, atol=0)
    assert G.mean() == pytest.approx(g * 25.0, abs=4 * expected / np.sqrt(N))
    # the idle device of each pair sits at Gmin = 0: its noise is clipped at 0, never negative
    Gm = np.asarray(arr.G_prog_minus / uS)
    assert Gm.min() >= 0 and np.mean(Gm == 0) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("g", [0.1, 0.6])
def test_drift_log_slope_gives_nu_statistics(g):
    arr = PCMArray(N, w_max=1.0, seed=4, prog_noise_scale=0, read_noise_scale=0)
    arr.program(np.full(N, g), 0 * second)
    t1, t2 = 100 * second, 100 * HOUR
    G1, _ = arr.read(t1)
    G2, _ = arr.read(t2)
    # aihwkit's code: G_prog ((t + t0)/t0)^-nu, nu = |N(mu_nu, sigma_nu)|
    t0 = 20.0
    nu_hat = -np.log(np.asarray(G2 / G1)) / np.log((float(t2 / second) + t0) / (float(t1 / second) + t0))
    mu = np.clip(-0.0155 * np.log(g) + 0.0244, 0.049, 0.1)
    sigma = np.clip(-0.0125 * np.log(g) - 0.0059, 0.008, 0.045)
    folded = stats.foldnorm(mu / sigma, scale=sigma)
    np.testing.assert_allclose(nu_hat.mean(), folded.mean(), rtol=0, atol=4 * sigma / np.sqrt(N))
    np.testing.assert_allclose(nu_hat.std(), folded.std(), rtol=0.05, atol=0)
    assert nu_hat.min() >= 0
    G_prog = np.asarray(arr.G_prog_plus / uS)
    ratio = np.asarray(G2 / uS) / G_prog
    np.testing.assert_allclose(np.exp(np.log(ratio).mean()),
                               ((float(t2 / second) + t0) / t0) ** -folded.mean(), rtol=0.01, atol=0)


def test_drift_starts_at_programming_as_aihwkits_code():
    arr = PCMArray(100, w_max=1.0, seed=0, prog_noise_scale=0, read_noise_scale=0)
    arr.program(np.full(100, 0.5), 5 * second)
    G, _ = arr.read(25 * second)                     # age 20 s: ((20 + t0)/t0)^-nu = 2^-nu
    np.testing.assert_allclose(np.asarray(G / uS), 12.5 * 2.0 ** -arr.nu_plus, rtol=1e-12, atol=0)
    G, _ = arr.read(5 * second)                      # age 0: as programmed
    np.testing.assert_allclose(np.asarray(G / uS), 12.5, rtol=1e-12, atol=0)


@pytest.mark.parametrize("g", [0.3, 0.8])
def test_read_noise_std_matches_one_over_f_model_and_reads_are_independent(g):
    arr = PCMArray(N, w_max=1.0, seed=5, prog_noise_scale=0, drift_scale=0)
    arr.program(np.full(N, g), 0 * second)
    G_a, _ = arr.read(HOUR)
    G_b, _ = arr.read(HOUR)
    # aihwkit: G Q_s(g) sqrt(ln((t + t0 + t_r)/(2 t_r))), Q_s = min(0.0088 / g^0.65, 0.2)
    expected = 25.0 * g * min(0.0088 / g ** 0.65, 0.2) * np.sqrt(np.log((3600 + 20 + 250e-9) / 500e-9))
    noise_a = np.asarray(G_a / uS) - 25.0 * g
    noise_b = np.asarray(G_b / uS) - 25.0 * g
    assert noise_a.std() == pytest.approx(expected, rel=0.10)
    assert abs(noise_a.mean()) < 4 * expected / np.sqrt(N)
    assert abs(np.corrcoef(noise_a, noise_b)[0, 1]) < 0.05
    # the 1/f noise grows with the time since programming
    G_late, _ = arr.read(1000 * HOUR)
    assert np.std(np.asarray(G_late / uS) - 25.0 * g) > noise_a.std()


def test_weight_mapping_round_trip_is_exact_without_noise():
    rng = np.random.default_rng(0)
    W = rng.uniform(-2.0, 2.0, size=(30, 7))
    W[0, :3] = [2.0, -2.0, 0.0]
    for Gmin in (0 * uS, 2 * uS):
        arr = PCMArray(W.shape, w_max=2.0, Gmin=Gmin, seed=1, prog_noise_scale=0,
                       drift_scale=0, read_noise_scale=0)
        arr.program(W, 0 * second)
        np.testing.assert_allclose(arr.read_weights(10 * HOUR), W, rtol=0, atol=1e-12)
        np.testing.assert_allclose(arr.target_weights, W, rtol=0, atol=1e-12)
        Gp, Gm = arr.to_conductances(W)
        np.testing.assert_allclose(arr.to_weights(Gp, Gm), W, rtol=0, atol=1e-12)
        # |w| = w_max sits at Gmax on one device, the other device stays at Gmin
        assert float(Gp[0, 0] / uS) == pytest.approx(25.0)
        assert float(Gm[0, 0] / uS) == pytest.approx(float(Gmin / uS))
        assert float(Gm[0, 1] / uS) == pytest.approx(25.0)
        assert float(Gp[0, 2] / uS) == float(Gm[0, 2] / uS) == pytest.approx(float(Gmin / uS))
    clipping = PCMArray(2, w_max=1.0)
    Gp, Gm = clipping.to_conductances([5.0, -5.0])              # clipped to +-w_max
    np.testing.assert_allclose(clipping.to_weights(Gp, Gm), [1.0, -1.0])


def test_program_writes_only_changed_devices_and_restarts_their_clock():
    arr = PCMArray(3, w_max=1.0, seed=0)
    assert arr.program([0.2, -0.4, 0.5], 0 * second) == 6
    nu_before = arr.nu_plus
    assert arr.program([0.3, -0.4, -0.5], 50 * second) == 3     # G+ of 0; both devices of 2
    assert arr.writes == 9
    t_plus, t_minus = np.asarray(arr.t_prog_plus / second), np.asarray(arr.t_prog_minus / second)
    assert t_plus.tolist() == [50.0, 0.0, 50.0] and t_minus.tolist() == [0.0, 0.0, 50.0]
    assert arr.nu_plus[1] == nu_before[1] and arr.nu_plus[0] != nu_before[0]
    assert arr.program([0.9, 0.9, 0.9], 60 * second, mask=np.array([False, False, False])) == 0
    assert arr.program([0.3, -0.4, -0.5], 70 * second, force=True) == 6


def test_same_seed_same_conductances():
    def run(seed):
        arr = PCMArray((8, 4), w_max=1.0, seed=seed)
        arr.program(np.linspace(-1, 1, 32).reshape(8, 4), 0 * second)
        return arr.read_weights(HOUR)

    np.testing.assert_array_equal(run(7), run(7))
    assert not np.array_equal(run(7), run(8))


@pytest.mark.parametrize("call, name", [
    (lambda a: a.read(3600.0), "'t'"),
    (lambda a: a.program(np.zeros(4), 0.0), "'t'"),
    (lambda a: a.program(np.zeros(4), 1 * uS), "'t'"),
    (lambda a: a.program(np.zeros(5), 0 * second), "'W'"),
    (lambda a: a.program(np.zeros(4), 0 * second, mask=[1, 0, 1, 0]), "'mask'"),
    (lambda a: a.read(1 * second), "program()"),
])
def test_bad_calls_name_the_argument(call, name):
    arr = PCMArray(4, w_max=1.0)
    with pytest.raises(ParameterError, match=name) as info:
        call(arr)
    assert isinstance(info.value, SpikesynError) and isinstance(info.value, ValueError)


def test_read_before_last_write_and_bad_constructor_arguments():
    arr = PCMArray(2, w_max=1.0)
    arr.program([0.1, 0.2], 100 * second)
    with pytest.raises(ParameterError, match="'t'"):
        arr.read(50 * second)
    for kwargs, name in [({"w_max": 0}, "w_max"), ({"Gmax": 25.0}, "Gmax"),
                         ({"Gmin": 30 * uS}, "Gmin"), ({"seed": -1}, "seed"),
                         ({"read_noise_scale": -1}, "read_noise_scale"), ({"t0": 20}, "t0")]:
        with pytest.raises(ParameterError, match=name):
            PCMArray(2, **kwargs)
    with pytest.raises(ParameterError, match="shape"):
        PCMArray((3, 0))
