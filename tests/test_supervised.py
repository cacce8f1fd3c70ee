"""The supervised device learner: reads and pulse-coded updates go through the cards' physics."""

import math

import numpy as np
import pytest
from brian2 import joule, ms, uS

from spikesyn.datasets import make_labelled_set
from spikesyn.networks import supervised as sup
from spikesyn.networks.supervised import SupervisedConfig, SupervisedError, train_supervised

TRACE = math.exp(-1 / sup._TRACE_STEPS)     # trace value one step after a spike


def _net(learner, n_pixels=4, n_classes=2, **overrides):
    from brian2 import seed
    seed(5)
    return sup.build_network(learner, n_pixels, n_classes, SupervisedConfig(overrides=overrides),
                             1 * ms)


def _weights(sn):
    """W (n_inputs, n_classes) in uS of a two-tier (or ideal twin) network."""
    s = sn.syn
    F = float(sn.namespace["F_gain"])
    W = F * (np.asarray(s.Gp_) - np.asarray(s.Gm_)) + (1 - 2 * np.asarray(s.flip_)) * np.asarray(s.g_)
    out = np.zeros((sn.n_inputs, sn.n_classes))
    out[np.asarray(s.i_), np.asarray(s.j_)] = W * 1e6
    return out


def test_read_returns_the_weighted_sum_of_pulse_counts():
    sn = _net("ideal")
    W = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0], [-1.0, 1.0], [0.25, -0.25]])   # uS
    sn.syn.g_[:] = W[np.asarray(sn.syn.i_), np.asarray(sn.syn.j_)] * 1e-6
    X = np.array([[1.0, 0.5, 0.0, 0.75], [0.0, 1.0, 1.0, 0.25]])
    counts = sup._read_counts(X, 4)
    sched = sup._Schedule(sn, 0, np.random.default_rng(0))
    sched.reads(counts)
    out, _ = sched.run()
    y = out.T / (float(sn.namespace["gain"]) * 4) * 1e6             # back to uS
    expected = (counts / 4.0) @ W                                   # the bias line reads 4 pulses
    np.testing.assert_allclose(y, expected, rtol=1e-9, atol=1e-12)


def test_pulse_update_is_the_sign_of_the_delta_rule_times_one_pairing():
    sn = _net("ideal")
    step = float(sup.pairing_step(sn.model, sn.namespace) / uS)
    assert step == pytest.approx(0.5 * TRACE)
    X = np.array([[1.0, 0.0, 1.0, 0.0]])             # inputs 0 and 2 (and the bias line) fire
    err = np.array([[1.0, -1.0]])                   # class 0 too high, class 1 too low
    sched = sup._Schedule(sn, 0, np.random.default_rng(0))
    sched.updates(X, err, prob_scale=1.0)           # probability 1: every pairing fires once
    sched.run()
    dW = _weights(sn)
    on = np.array([1, 0, 1, 0, 1], bool)
    np.testing.assert_allclose(dW[on, 0], -step, rtol=1e-6)      # depressed by one pairing
    np.testing.assert_allclose(dW[on, 1], +step, rtol=1e-6)      # potentiated by one pairing
    np.testing.assert_allclose(dW[~on], 0.0, atol=step * 1e-3)   # silent inputs: cross-talk only


def test_two_tier_single_cell_transfers_and_inverts_polarity_through_the_learner():
    sn = _net("two_tier", n_pixels=1, n_classes=1, prog_noise_scale=0, transfer_every=4)
    X, up = np.array([[1.0]]), np.array([[-1.0]])
    history = []
    for _ in range(6):
        sched = sup._Schedule(sn, 0 if not history else history[-1][0], np.random.default_rng(0))
        sched.updates(X, up, prob_scale=1.0)
        at = sched.run()[1]
        s = sn.syn
        history.append((at, float(s.flip_[0]), float(s.n_transfers_[0]), float(s.g_[0]),
                        _weights(sn)[0, 0]))
    flips = [h[1] for h in history]
    transfers = [h[2] for h in history]
    W = [h[4] for h in history]
    assert transfers[-1] >= 2                                   # transferred, more than once
    # each transfer inverts the polarity, so flip = n_transfers mod 2
    assert all(f == t % 2 for f, t in zip(flips, transfers))
    # potentiation keeps W rising through every transfer (no noise: the transfer conserves W)
    assert all(b > a for a, b in zip(W, W[1:]))
    assert any(h[3] < 0 for h in history if h[1] == 1)          # inverted: charge goes negative


def test_pcm_pair_programs_only_by_set_pulses():
    """SET-only: between refreshes neither device's conductance ever decreases; W goes down only
    by SET pulses on G-, and each SET step shrinks as the device nears Gmax."""
    sn = _net("pcm_pair", n_pixels=3, n_classes=2, prog_noise_scale=0, read_noise_scale=0,
              set_sd=0, drift_scale=0)
    rng = np.random.default_rng(1)
    X = np.ones((1, 3))
    at, prev = 0, None
    steps_up = []
    for k in range(30):
        err = np.array([[-1.0, 1.0]]) if k < 20 else np.array([[1.0, -1.0]])
        sched = sup._Schedule(sn, at, rng)
        sched.updates(X, err, prob_scale=1.0)
        at = sched.run()[1]
        now = (np.asarray(sn.syn.dGp_).copy(), np.asarray(sn.syn.dGm_).copy(),
               np.asarray(sn.syn.n_refresh_).copy())
        if prev is not None:
            fresh = now[2] == prev[2]
            assert np.all(now[0][fresh] >= prev[0][fresh] - 1e-15)
            assert np.all(now[1][fresh] >= prev[1][fresh] - 1e-15)
            j = np.asarray(sn.syn.j_)
            if k < 20 and np.all(fresh[j == 0]):
                steps_up.append(float(np.mean(now[0][j == 0] - prev[0][j == 0])))
        prev = now
    assert np.all(np.asarray(sn.syn.n_set_) > 0)
    assert steps_up[0] > steps_up[-1] > 0                       # saturating SET steps
    # aihwkit's PCMPresetDevice law from Gmin, in w = 2 (G - Gmin)/(Gmax - Gmin): dw = 0.01 (1 + 27.235 e^-2.5w)
    # (steps_up starts at the second pulse)
    w = [0.0]
    for _ in range(3):
        w.append(w[-1] + 0.01 * (1 + 27.235 * np.exp(-2.5 * w[-1])))
    np.testing.assert_allclose(steps_up[1] / steps_up[0], (w[3] - w[2]) / (w[2] - w[1]), rtol=1e-6, atol=0)


def test_learners_learn_and_energy_is_the_sum_of_the_events():
    train, test = make_labelled_set(3, 12, size=12, seed=1), make_labelled_set(3, 8, size=12, seed=2)
    ideal = train_supervised("ideal", train, test, epochs=4, batch=12, seed=3)
    assert ideal.test_accuracy >= 0.6                           # chance: 1/3
    assert ideal.counters["n_transfers"] == 0
    tt = train_supervised("two_tier", train, test, epochs=2, batch=12, seed=3, transfer_every=20)
    assert tt.counters["n_transfers"] > 0
    ns = tt.network.syn.namespace
    s = tt.network.syn
    expected = (np.sum(s.n_read_) * ns["E_read"] + np.sum(s.n_cap_) * ns["E_cap"]
                + np.sum(s.e_transfer_) * joule)
    assert float(tt.energy.total) == pytest.approx(float(expected), rel=1e-9)
    d = tt.to_dict()
    assert d["learner"] == "two_tier" and len(d["curve"]) == 2


def test_same_seed_same_result():
    train, test = make_labelled_set(2, 6, size=12, seed=1), make_labelled_set(2, 4, size=12, seed=2)
    a = train_supervised("pcm_pair", train, test, epochs=1, batch=6, seed=9)
    b = train_supervised("pcm_pair", train, test, epochs=1, batch=6, seed=9)
    np.testing.assert_array_equal(np.asarray(a.network.syn.dGp_), np.asarray(b.network.syn.dGp_))
    assert a.curve[0]["test_accuracy"] == b.curve[0]["test_accuracy"]


@pytest.mark.parametrize("kwargs, match", [
    ({"learner": "analog"}, "learner must be one of"),
    ({"lr": 0.5}, "lr must carry units"),
    ({"lr": 0.5 * ms}, "lr must have units"),
    ({"lr": 100 * uS}, "more than the device's whole range"),
    ({"transfer_every": 0}, "transfer_every must be an integer >= 1"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"beta": -1 / uS}, "beta must be positive"),
    ({"colour": 1}, "unknown setting"),
])
def test_bad_settings_are_refused_with_their_name(kwargs, match):
    train = make_labelled_set(2, 2, size=12, seed=1)
    learner = kwargs.pop("learner", "two_tier")
    with pytest.raises(SupervisedError, match=match):
        train_supervised(learner, train, train, **kwargs)


def test_a_learning_rate_above_one_pairing_is_clipped_and_warned():
    train = make_labelled_set(2, 4, size=12, seed=1)
    with pytest.warns(UserWarning, match="clipped to 1"):
        r = train_supervised("ideal", train, train, epochs=1, batch=4, lr=20 * uS)
    assert r.clipped_fraction > 0.01


def test_an_update_larger_than_one_pairing_gets_several_rounds():
    sn = _net("ideal")
    step = float(sup.pairing_step(sn.model, sn.namespace) / uS)
    X = np.array([[1.0, 1.0, 0.0, 0.0]])
    sched = sup._Schedule(sn, 0, np.random.default_rng(0))
    clipped = sched.updates(X, np.array([[1.0, -1.0]]), prob_scale=3.0)   # asks 3 pairings
    sched.run()
    assert clipped == 0
    dW = _weights(sn)
    # three pairings each; each round also sees the last round's traces (exp(-11/2) cross-talk)
    np.testing.assert_allclose(dW[[0, 1, 4], 0], -3 * step, rtol=1e-2)
    np.testing.assert_allclose(dW[[0, 1, 4], 1], +3 * step, rtol=1e-2)
