"""The STPN layer (Rodriguez, Guo & Moraitis 2022), its training constraints and its Brian2
deployment on the SrTiO3 card (Weilenmann et al. 2024)."""

import json
import sys

import numpy as np
import pytest

from spikesyn.errors import ParameterError
from spikesyn.networks.stpn import (LAMBDA_RANGES, MissingExtraError, STPNConfig, TrainedSTPN,
                                    associative_retrieval, forward_numpy, require_jax)
from spikesyn.networks.stpn_deploy import deploy, gpu_energy

HIDDEN, N_KEYS, N_VALUES, N_PAIRS = 3, 3, 2, 2
N_IN = N_KEYS + N_VALUES + 1


def _net(Lambda=0.5, noise=0.0, seed=0):
    cfg = STPNConfig(hidden=HIDDEN, n_pairs=N_PAIRS, n_keys=N_KEYS, n_values=N_VALUES, update_noise=noise)
    rng = np.random.default_rng(seed)
    shape = (HIDDEN, N_IN + HIDDEN)
    Lam = np.full(shape, Lambda) if np.isscalar(Lambda) else Lambda
    return TrainedSTPN(W=rng.uniform(-0.6, 0.6, shape), Lambda=Lam, Gamma=rng.uniform(-0.3, 0.3, shape),
                       bias=rng.uniform(-0.2, 0.2, HIDDEN), W_out=rng.normal(size=(N_VALUES, HIDDEN)),
                       b_out=np.zeros(N_VALUES), config=cfg)


def _direct(net, x):
    """The STPN written out synapse by synapse: G = W + F, row norms, h = tanh(G p / n + b),
    F <- Lambda F / n + Gamma h_i p_j, |F| <= 1 (F_max / W_max of the card)."""
    batch, steps, _ = x.shape
    hidden, n_pre = net.W.shape
    out_h, out_F = [], []
    for b in range(batch):
        h = [0.0] * hidden
        F = [[0.0] * n_pre for _ in range(hidden)]
        hs, Fs = [], []
        for t in range(steps):
            pre = list(x[b, t]) + h
            G = [[net.W[i][j] + F[i][j] for j in range(n_pre)] for i in range(hidden)]
            n = [sum(g * g for g in G[i]) ** 0.5 for i in range(hidden)]
            h = [np.tanh(sum(G[i][j] * pre[j] for j in range(n_pre)) / n[i] + net.bias[i]) for i in range(hidden)]
            F = [[min(1.0, max(-1.0, net.Lambda[i][j] * F[i][j] / n[i] + net.Gamma[i][j] * h[i] * pre[j]))
                  for j in range(n_pre)] for i in range(hidden)]
            hs.append(h)
            Fs.append([row[:] for row in F])
        out_h.append(hs)
        out_F.append(Fs)
    return np.array(out_h), np.array(out_F)


def test_numpy_layer_normalises_per_output_and_updates_F_like_the_direct_form():
    net = _net()
    x, _ = associative_retrieval(3, N_PAIRS, N_KEYS, N_VALUES, seed=4)
    _, trace = forward_numpy(net, x, record=True)
    h, F = _direct(net, x)
    np.testing.assert_allclose(trace["h"].transpose(1, 0, 2), h, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(trace["F"][1:].transpose(1, 0, 2, 3), F, rtol=1e-12, atol=1e-15)


def test_first_step_by_hand():
    """One input on, F = 0: h = tanh(W[:, k] / ||W_i|| + b) and F = Gamma h p after it."""
    net = _net()
    x = np.zeros((1, 1, N_IN))
    x[0, 0, 1] = 1.0
    _, trace = forward_numpy(net, x, record=True)
    norms = np.sqrt((net.W ** 2).sum(axis=1))
    h = np.tanh(net.W[:, 1] / norms + net.bias)
    np.testing.assert_allclose(trace["h"][0, 0], h, rtol=1e-12, atol=0)
    expected_F = np.zeros_like(net.W)
    expected_F[:, 1] = net.Gamma[:, 1] * h
    np.testing.assert_allclose(trace["F"][1, 0], expected_F, rtol=1e-12, atol=1e-300)


def test_jax_layer_matches_the_direct_form():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from spikesyn.networks.stpn import _jax_forward

    jax.config.update("jax_enable_x64", True)
    try:
        net = _net()
        x, _ = associative_retrieval(4, N_PAIRS, N_KEYS, N_VALUES, seed=2)
        params = {k: jnp.asarray(getattr(net, k)) for k in ("W", "Lambda", "Gamma", "bias", "W_out", "b_out")}
        logits = _jax_forward(jax, jnp)(params, jnp.asarray(x, dtype=jnp.float64), jax.random.PRNGKey(0), 0.0, 1.0)
        h, _ = _direct(net, x)
        np.testing.assert_allclose(np.asarray(logits), h[:, -1] @ net.W_out.T, rtol=1e-9, atol=1e-12)
    finally:
        jax.config.update("jax_enable_x64", False)


def test_associative_retrieval_answer_is_the_value_of_the_queried_key():
    x, y = associative_retrieval(50, 3, 6, 4, seed=7)
    symbols = x.argmax(axis=2)
    for seq, answer in zip(symbols, y):
        keys, values = list(seq[0:6:2]), seq[1:6:2]
        assert len(set(keys)) == 3 and list(seq[6:8]) == [10, 10]
        assert values[keys.index(seq[-1])] - 6 == answer
    x2, y2 = associative_retrieval(50, 3, 6, 4, seed=7)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("regime", [pytest.param("none", marks=pytest.mark.slow), "device",
                                    pytest.param("unconstrained", marks=pytest.mark.slow)])
def test_training_clips_lambda_to_its_range(regime):
    pytest.importorskip("jax")
    from spikesyn.networks.stpn import train_stpn

    # a large step size drives Lambda against its bounds within a few steps
    cfg = STPNConfig(regime=regime, hidden=HIDDEN, n_pairs=N_PAIRS, n_keys=N_KEYS, n_values=N_VALUES,
                     steps=4, batch=8, n_test=8, learning_rate=1.0)
    net = train_stpn(cfg, seed=1)
    lo, hi = {"none": (0.0, 0.0), "device": (0.08, 0.92), "unconstrained": (0.0, 1.0)}[regime]
    assert net.Lambda.min() >= lo and net.Lambda.max() <= hi
    if regime != "none":
        at_bounds = np.isclose(net.Lambda, lo, atol=1e-6) | np.isclose(net.Lambda, hi, atol=1e-6)
        assert at_bounds.mean() > 0.5     # clipped, not merely initialised inside
    assert np.abs(net.W).max() <= 1.0 + 1e-7


def test_config_takes_the_cards_constraints():
    cfg = STPNConfig()
    assert cfg.lambda_range == (0.08, 0.92)
    np.testing.assert_allclose([cfg.update_noise, cfg.F_bound], [0.05, 1.0], rtol=1e-12, atol=0)
    assert LAMBDA_RANGES["unconstrained"] == (0.0, 1.0)


def test_deployment_in_brian2_reproduces_the_model_and_its_energy():
    """Noise-free: the Brian2 run gives the numpy model's outputs, and its energy accumulators
    hold the card's laws summed over the model's own F trajectory."""
    rng = np.random.default_rng(5)
    net = _net(Lambda=rng.uniform(0.08, 0.92, (HIDDEN, N_IN + HIDDEN)))
    x, _ = associative_retrieval(4, N_PAIRS, N_KEYS, N_VALUES, seed=3)
    run = deploy(net, x)
    logits, trace = forward_numpy(net, x, record=True)
    np.testing.assert_allclose(run.logits, logits, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(run.F), trace["F"][-1] * 50e-9, rtol=1e-9, atol=1e-24)
    # card values: W_max = F_max = 50 nS, T_step = 1 ms, E0 = 0.1 pJ at F0 = 1 nS, alpha = 1,
    # V_read = 0.6 V (Weilenmann et al. 2024), 1 us reads; V_bias from the sigmoid through
    # (0.08, 0 V) and (0.92, 0.6 V)
    g, T = 50e-9, 1e-3
    L = net.Lambda
    V = 0.3 - 0.122833 * np.log(1 / L - 1)
    F = trace["F"] * g
    dF = F[1:] - L * F[:-1]
    e_update = np.sum(0.1e-12 * np.abs(dF / 1e-9))
    e_read = np.sum(np.abs(net.W * g + F[:-1]) * 0.6 ** 2 * 1e-6)
    e_bias = np.sum(V ** 2 * np.abs(net.W * g * T + F[1:] * T * (L - 1) / np.log(L)))
    batch = x.shape[0]
    per_event = {k: float(v) for k, v in run.energy.per_event.items()}
    np.testing.assert_allclose(per_event["update"], e_update, rtol=1e-9, atol=0)
    np.testing.assert_allclose(per_event["read"], e_read, rtol=1e-9, atol=0)
    np.testing.assert_allclose(per_event["decay"], e_bias, rtol=1e-9, atol=0)
    np.testing.assert_allclose(float(run.energy_per_sequence), (e_update + e_read + e_bias) / batch,
                               rtol=1e-9, atol=0)
    assert run.per_synapse.shape == (HIDDEN, N_IN + HIDDEN)
    np.testing.assert_allclose(float(np.sum(run.per_synapse)), float(run.energy_per_sequence), rtol=1e-9, atol=0)


def test_deployment_with_update_noise_stays_close_to_the_model():
    net = _net(noise=0.05)
    x, _ = associative_retrieval(20, N_PAIRS, N_KEYS, N_VALUES, seed=8)
    noisy = deploy(net, x, seed=1).h
    _, trace = forward_numpy(net, x, record=True)
    clean = trace["h"][-1]
    difference = np.abs(noisy - clean)
    assert difference.max() > 0            # the noise acts
    assert difference.max() < 0.05         # and is a 5 % perturbation of the Hebbian term only


def test_gpu_estimate_uses_horowitz_figures():
    # per synapse and step: 2 x 5 + 2 x 3.7 + 3 x 0.9 pJ forward, 3 x 5 + 4 x 3.7 + 0.9 pJ update;
    # per neuron and step 2 x 5 + 4 x 3.7 + 2 x 0.9 pJ (Horowitz, ISSCC 2014, 45 nm)
    expected = 10 * 7 * (20.1e-12 + 30.7e-12) + 2 * 7 * 26.6e-12
    np.testing.assert_allclose(float(gpu_energy(10, 2, 7)), expected, rtol=1e-9, atol=0)


def test_lambda_outside_the_device_range_is_refused_before_brian2_runs():
    Lam = np.full((HIDDEN, N_IN + HIDDEN), 0.5)
    Lam[1, 4] = 0.97
    with pytest.raises(ParameterError, match=r"Lambda\[1, 4\] = 0.97 is outside the device range"):
        deploy(_net(Lambda=Lam), np.zeros((1, 3, N_IN)))
    with pytest.raises(ParameterError, match="Lambda"):
        deploy(_net(Lambda=0.0), np.zeros((1, 3, N_IN)))


def test_bad_inputs_are_refused():
    with pytest.raises(ParameterError, match="shape"):
        deploy(_net(), np.zeros((1, 3, N_IN + 1)))
    with pytest.raises(ParameterError, match="regime 'wide'"):
        STPNConfig(regime="wide")
    with pytest.raises(ParameterError, match="n_pairs"):
        associative_retrieval(2, n_pairs=5, n_keys=3)
    with pytest.raises(ParameterError, match="hidden"):
        STPNConfig(hidden=0)


def test_missing_jax_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(MissingExtraError, match=r'pip install "spikesyn\[stpn\]"'):
        require_jax()


@pytest.mark.slow
def test_cli_json_has_the_issues_keys(capsys):
    pytest.importorskip("jax")
    from spikesyn import cli

    status = cli.main(["stpn", "--json", "--seeds", "1", "--steps", "3", "--hidden", "3", "--pairs", "1",
                            "--keys", "2", "--values", "2", "--test", "8", "--deploy", "2", "--quiet"])
    assert status == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["score"]) == {"none", "device", "unconstrained"}
    assert out["seeds"] == [0]
    assert {"device_J", "gpu_J", "ratio"} <= set(out["energy"])
    assert out["energy"]["device_J"] > 0 and out["energy"]["gpu_J"] > 0
    np.testing.assert_allclose(out["energy"]["ratio"], out["energy"]["gpu_J"] / out["energy"]["device_J"],
                               rtol=1e-9, atol=0)


def test_cli_refuses_bad_input_with_one_line(capsys):
    from spikesyn import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(["stpn", "--seeds", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--seeds" in err and "Traceback" not in err


def test_cli_without_jax_exits_2_naming_the_pip_command(monkeypatch, capsys):
    from spikesyn import cli

    monkeypatch.setitem(sys.modules, "jax", None)
    assert cli.main(["stpn", "--json", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'pip install "spikesyn[stpn]"' in err


def test_cli_json_shape_without_training(monkeypatch, capsys):
    """The command's plumbing (study, Brian2 deployment, JSON) with training replaced by a
    fixed network, so that it runs without JAX."""
    from spikesyn import cli
    from spikesyn.networks import stpn_study

    def fixed_network(config, seed):
        rng = np.random.default_rng(seed)
        net = _net(Lambda=rng.uniform(0.08, 0.92, (HIDDEN, N_IN + HIDDEN)), seed=seed)
        net.config, net.seed, net.accuracy = config, seed, {"none": 0.25, "device": 0.5}.get(config.regime, 0.75)
        return net

    monkeypatch.setattr(stpn_study, "train_stpn", fixed_network)
    status = cli.main(["stpn", "--json", "--quiet", "--seeds", "2", "--hidden", str(HIDDEN), "--pairs", str(N_PAIRS),
                            "--keys", str(N_KEYS), "--values", str(N_VALUES), "--deploy", "3"])
    assert status == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == {"none": 0.25, "device": 0.5, "unconstrained": 0.75}
    assert out["seeds"] == [0, 1]
    assert out["per_seed"]["device"] == [0.5, 0.5]
    energy = out["energy"]
    np.testing.assert_allclose(energy["ratio"], energy["gpu_J"] / energy["device_J"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(sum(energy["device_per_event_J"].values()), energy["device_J"], rtol=1e-9, atol=0)
    assert out["deployment"]["sequences"] == 3
