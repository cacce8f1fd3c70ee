"""The soft winner-take-all digit network: softmax spike assignment, Nessler's rule, F, pairing."""

import json
import subprocess
import sys

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, Synapses, ms, second
from brian2 import seed as brian_seed

import spikesyn as ss
from spikesyn.networks.digit_sequence import (DigitSequenceConfig, DigitSequenceError,
                                              SoftWTANetwork, TrainedLayer, check_config,
                                              class_scores, initial_weights, label_neurons,
                                              run_videos, train_layer)

pytestmark = pytest.mark.slow


def _layer_with_fixed_biases(b, duration, seed):
    """One soft-WTA layer with silent inputs: u = b, so spikes must follow softmax(b)."""
    K = len(b)
    cfg = DigitSequenceConfig(n_neurons=K, layer_rate=400 * Hz)
    rates = np.zeros((1, 2))
    W = np.zeros((K, 2))
    brian_seed(seed)
    net = SoftWTANetwork(cfg, 1, 2, rates, W, np.asarray(b, dtype=float), 0.0, 0.0, plastic=False)
    net.net.run(duration, namespace={})
    return np.asarray(net.spikes.i), np.asarray(net.spikes.t / second)


def test_spike_assignment_follows_softmax_of_u_at_the_layer_rate():
    from scipy.stats import chisquare
    b = np.array([0.0, 1.0, -1.0, 2.0, 0.5])
    duration = 10 * second
    index, times = _layer_with_fixed_biases(b, duration, seed=3)
    counts = np.bincount(index, minlength=len(b))
    p = np.exp(b - b.max())
    p /= p.sum()
    total = counts.sum()
    expected_total = 400 * 10
    # Poisson count at rate R: 5 standard deviations
    assert abs(total - expected_total) < 5 * np.sqrt(expected_total), total
    stat, pvalue = chisquare(counts, total * p)
    assert pvalue > 1e-3, (counts, total * p)
    # a softmax is blind to a common shift of u: the same draws give the same spikes as the
    # first 2 s of the run above (any difference shows in its first few hundred spikes)
    shifted_index, shifted_times = _layer_with_fixed_biases(b - 40.0, 2 * second, seed=3)
    first = times < 2 - 0.5e-4                          # the steps before 2 s (dt = 0.1 ms)
    assert len(shifted_index) > 500
    np.testing.assert_array_equal(shifted_index, index[first])
    np.testing.assert_array_equal(shifted_times, times[first])


def test_nessler_rule_drives_each_channel_pair_towards_one():
    rng = np.random.default_rng(0)
    images = (rng.random((20, 9)) < 0.4).astype(float)
    labels = np.arange(20) % 2
    # fast homeostasis so that every neuron wins its share of the spikes, and so learns
    cfg = DigitSequenceConfig(n_neurons=4, epochs=12, eta_W=0.05, eta_b=0.05)
    start = np.full((4, 18), -2.5)               # pairs start at 2 e^-2.5 = 0.16
    trained = train_layer(images, labels, cfg, n_classes=2, seed=1, initial_W=start)
    pair = np.exp(trained.W[:, :9]) + np.exp(trained.W[:, 9:])
    # from 0.16 to about one for every neuron (the traces' sampling noise keeps it from exactly one)
    np.testing.assert_allclose(pair.mean(axis=1), 1.0, rtol=0, atol=0.2)
    np.testing.assert_allclose(pair.mean(), 1.0, rtol=0, atol=0.1)


def _f_at_a_post_spike(card, F0, **values):
    """F of silent inputs right after a postsynaptic spike at 100 ms, from F0 at t = 0."""
    syn = ss.load_model(card)
    pre = NeuronGroup(len(F0), "y : 1", threshold="False", namespace={})
    post_group = NeuronGroup(1, "u_W : 1\nu_F : 1\nfire_at : second", threshold="abs(t - fire_at) < 0.5*dt",
                             namespace={})
    post_group.fire_at = 100 * ms
    S = Synapses(pre, post_group, **syn.synapse_kwargs(**values))
    S.connect()
    S.F = F0
    Network(pre, post_group, S).run(101 * ms, namespace={})
    return S.F[:]


def test_f_decays_with_tau_F_at_post_events_and_zero_gamma_keeps_it_zero():
    """At a postsynaptic spike F has decayed by exp(-t / tau_F); with gamma = 0 it stays 0."""
    F = _f_at_a_post_spike("em_stdp", [1.0, 0.0], tau_F=40 * ms)
    np.testing.assert_allclose(F, [np.exp(-100 / 40), 0.0], rtol=1e-3, atol=0)


def _trained(K=6, P=9, seed=0):
    rng = np.random.default_rng(seed)
    images = (rng.random((30, P)) < 0.4).astype(float)
    labels = np.arange(30) % 3
    cfg = DigitSequenceConfig(n_neurons=K, epochs=1, batch=4)
    return cfg, train_layer(images, labels, cfg, n_classes=3, seed=seed), images


def test_zero_gamma_short_term_is_exactly_the_static_network():
    cfg, trained, images = _trained()
    frames = np.repeat(images[:4, None, :], 5, axis=1)
    static = run_videos(trained, frames, cfg, short_term=False, seed=2)
    from dataclasses import replace
    zero = run_videos(trained, frames, replace(cfg, gamma1=0.0, gamma2=0.0), short_term=True, seed=2)
    np.testing.assert_array_equal(static, zero)
    live = run_videos(trained, frames, replace(cfg, gamma1=0.2, gamma2=0.05), short_term=True, seed=2)
    assert live.sum() > 0 and not np.array_equal(live, static)


def test_pcm_twin_without_noise_reads_back_w_and_equals_the_ideal_card():
    """Exact devices (no programming, drift or read noise) give the ideal card's spikes."""
    cfg, trained, images = _trained()
    frames = np.repeat(images[:3, None, :], 4, axis=1)
    from spikesyn.networks.digit_sequence import channel_rates, program_devices, _simulate
    from dataclasses import replace
    rates = channel_rates(frames, 30.0).transpose(1, 0, 2).reshape(4, -1)
    W, b, K, n = trained.W, trained.b, cfg.n_neurons, trained.W.shape[1]
    out = {}
    for card in ("em_stdp", "em_stdp_pcm"):
        brian_seed(11)
        net = _simulate(replace(cfg, synapse=card), "numpy", 4 * cfg.frame, 3, n, rates, W, b, 0.2, 0.05,
                        plastic=False, devices=program_devices(W, cfg, seed=0, noise=()))
        out[card] = (np.asarray(net.spikes.i).copy(), np.asarray(net.spikes.t / ms).copy(),
                     np.asarray(net.synapses.F[:]).copy())
    assert len(out["em_stdp"][0]) > 20
    np.testing.assert_array_equal(out["em_stdp"][0], out["em_stdp_pcm"][0])
    np.testing.assert_allclose(out["em_stdp"][2], out["em_stdp_pcm"][2], rtol=0, atol=1e-9)


def test_pcm_programming_maps_the_log_window_onto_the_conductance_window():
    from spikesyn.networks.digit_sequence import program_devices
    exact = program_devices(np.array([[-5.0, -2.0, 1.0, 3.0]]), DigitSequenceConfig(), seed=0, noise=())
    # W_min -> Gmin = 0.1 uS, W_max -> Gmax = 25 uS, linear between, clipped outside
    np.testing.assert_allclose(np.asarray(exact["G_prog"]) * 1e6, [[0.1, 12.55, 25.0, 25.0]], rtol=1e-9, atol=0)
    noisy = program_devices(np.full((50, 40), -2.0), DigitSequenceConfig(), seed=0)
    # aihwkit's programming noise at g = 0.502: 0.26348 + 1.9650 g - 1.1731 g^2 = 0.955 uS
    np.testing.assert_allclose(np.std(np.asarray(noisy["G_prog"])) * 1e6, 0.955, rtol=0.05, atol=0)
    # drift exponents: aihwkit's mean -0.0155 ln g + 0.0244 = 0.0351 at g = 0.502, raised to its
    # floor 0.049; one hour of drift compensated
    np.testing.assert_allclose(noisy["nu"].mean(), 0.049, rtol=0.05, atol=0)
    assert 1.1 < noisy["drift_comp"] < 1.4


def test_srtio3_twin_decays_f_by_lambda_per_frame_and_refuses_lambda_outside_the_device():
    F = _f_at_a_post_spike("em_stdp_srtio3", [1.0], Lambda=0.5, T_step=50 * ms)
    np.testing.assert_allclose(F, [0.25], rtol=1e-3, atol=0)  # two steps of Lambda = 0.5
    with pytest.raises(DigitSequenceError, match="outside the device range"):
        check_config(DigitSequenceConfig(synapse="em_stdp_srtio3", frame=1 * ms))
    with pytest.raises(DigitSequenceError, match="synapse must be one of"):
        check_config(DigitSequenceConfig(synapse="pcm"))
    with pytest.raises(DigitSequenceError, match="pcm_noise must be a tuple"):
        check_config(DigitSequenceConfig(pcm_noise="read"))


def test_each_video_starts_afresh_whatever_the_others_show():
    cfg, trained, images = _trained()
    a = np.repeat(images[:1, None, :], 4, axis=1)
    b = np.repeat(images[1:2, None, :], 4, axis=1)
    c = np.repeat(1.0 - images[2:3, None, :], 4, axis=1)
    first = run_videos(trained, np.concatenate([a, b]), cfg, seed=5)
    second = run_videos(trained, np.concatenate([a, c]), cfg, seed=5)
    np.testing.assert_array_equal(first[0], second[0])
    again = run_videos(trained, np.concatenate([a, b]), cfg, seed=5)
    np.testing.assert_array_equal(first, again)


def test_labels_and_class_scores():
    counts = np.array([[5, 0, 1], [0, 4, 0], [4, 1, 0]])
    labels = label_neurons(counts, np.array([0, 1, 0]), 3)
    assert labels.tolist() == [0, 1, 0]
    scores = class_scores(np.array([[3.0, 1.0, 1.0]]), labels, 3)
    np.testing.assert_allclose(scores, [[2.0, 1.0, 0.0]])


def test_initial_weights_are_normalised_log_probabilities():
    W = initial_weights(np.eye(4), 5, seed=0)
    np.testing.assert_allclose(np.exp(W[:, :4]) + np.exp(W[:, 4:]), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("changes, message", [
    (dict(tau_F=5), "tau_F must be a time"),
    (dict(n_neurons=1), "n_neurons"),
    (dict(gamma1=-0.1), "gamma1"),
    (dict(gamma2=float("nan")), "gamma2"),
    (dict(layer_rate=2000 * Hz), "rates x dt"),
    (dict(frame=50.5 * ms), "whole number of dt"),
    (dict(input_rate=30 * ms), "input_rate must be a rate"),
])
def test_bad_settings_are_refused_before_any_simulation(changes, message):
    with pytest.raises(DigitSequenceError, match=message):
        check_config(DigitSequenceConfig(**changes))


def test_trained_layer_shape_is_checked():
    cfg = DigitSequenceConfig(n_neurons=3)
    with pytest.raises(DigitSequenceError, match="initial_W"):
        train_layer(np.zeros((2, 4)), np.zeros(2, int), cfg, initial_W=np.zeros((3, 4)))
    _ = TrainedLayer


def test_cli_json_shape_on_a_small_run():
    pytest.importorskip("mlxtend")
    pytest.importorskip("sklearn")
    # numpy target: no compiling (tutorial 03 runs this network on cython)
    cmd = [sys.executable, "-m", "spikesyn.cli", "sequence", "--json", "--videos", "3", "--frames", "4",
           "--train-per-class", "3", "--neurons", "10", "--epochs", "1", "--seed", "1",
           "--target", "numpy"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    d = json.loads(out.stdout)
    models = {"st_stdp", "static", "nearest_neighbour", "mlp", "mlp_occluded", "smoothing"}
    keys = {"untransformed", "occlude_erase", "occlude_bright", "noise", "shuffled",
            "occlude_erase_hidden", "occlude_bright_hidden"}
    assert models <= set(d["accuracy"])
    for name in models:
        assert set(d["accuracy"][name]) == keys, name
        for value in d["accuracy"][name].values():
            assert value != value or 0.0 <= value <= 1.0
    assert d["n_videos"] == {c: 3 for c in ("untransformed", "occlude_erase", "occlude_bright",
                                            "noise", "shuffled")}
    assert d["seed"] == 1 and d["chance"] == pytest.approx(0.1)


def _sequence_cli(argv, capsys):
    """Exit status, stdout and stderr of ``spikesyn sequence ARGV``, run in this process (the
    JSON test above runs the command as its own process)."""
    from spikesyn.cli import main
    try:
        status = main(["sequence", *argv])
    except SystemExit as exc:                       # argparse's own errors and --help
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("argv, message", [
    (["--conditions", "wobble"], "--conditions"),
    (["--plot", "out.txt"], "--plot out.txt"),
    (["--classes", "3"], "--classes belongs to --data glyphs"),
    (["--plot", "/nonexistent/dir/x.png"], "does not exist"),
])
def test_cli_bad_digit_options_exit_2_with_one_line(argv, message, capsys):
    status, _, err = _sequence_cli(argv, capsys)
    assert status == 2
    assert message in err and "Traceback" not in err


def test_sequence_help_shows_every_default(capsys):
    status, out, _ = _sequence_cli(["--help"], capsys)
    assert status == 0
    text = " ".join(out.split())
    for fragment in ("--videos VIDEOS test videos per condition (default: 300)",
                     "--gamma1 GAMMA1", "(default: 0.005)", "--data {digits,glyphs}",
                     "(default: digits)", "--synapse {em_stdp,em_stdp_pcm,em_stdp_srtio3}",
                     "(default: em_stdp)"):
        assert fragment in text, fragment
