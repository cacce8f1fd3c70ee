"""The short-term-STDP sequence network (networks/sequence.py) and its CLI (tiny sizes, numpy)."""

import json

import numpy as np
import pytest
from brian2 import Hz, ms, siemens, uS

import spikesyn as ss
from spikesyn.networks import sequence as sq
from spikesyn.cli import build_parser, main

TINY = dict(n_classes=2, size=12, n_exc=4, exemplars=1, epochs=1, n_frames=3, present_frames=1)


@pytest.fixture(scope="module")
def tiny_result():
    import brian2
    brian2.prefs.codegen.target = "numpy"
    brian2.start_scope()
    cfg = sq.SequenceConfig(**TINY, gamma_F=5 * uS)
    return sq.run_sequence(cfg, transforms=("occlude", "translate"), baselines=True,
                           variants={"off_by_gamma": {"gamma_F": 0 * uS, "F_dep": 0.5,
                                                     "F_max": 1 * uS},
                                     "card_silent": {"card": {"gain": 0.0}},
                                     "clear_none": {"F_clear_frames": 0}})


def test_accuracy_shape(tiny_result):
    acc = tiny_result.accuracy
    assert set(acc) == {"st_stdp", "static", "off_by_gamma", "card_silent", "clear_none",
                        "nearest_neighbour", "mlp"}
    for model, scores in acc.items():
        assert set(scores) == {"occlude", "translate", "overall"}
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    assert all(len(v) == TINY["n_frames"] for v in tiny_result.by_frame.values())


def test_switching_F_off_leaves_everything_else_identical(tiny_result):
    st = tiny_result.debug["state"]
    on, off = st["st_stdp"], st["static"]
    assert np.all(off["F"] == 0)                      # gamma_F = 0: F is exactly zero
    assert np.any(on["F"] != 0)                       # and it is not with gamma_F > 0
    for var in ("dG", "nu", "t_prog", "input_spikes", "theta"):
        np.testing.assert_array_equal(on[var], off[var], err_msg=var)
    # the static model is the same as the ST model with gamma_F = 0 (nothing else differs)
    assert tiny_result.accuracy["static"] == tiny_result.accuracy["off_by_gamma"]
    np.testing.assert_array_equal(tiny_result.predictions["static"],
                                  tiny_result.predictions["off_by_gamma"])


def test_clearing_F_after_no_frame_changes_nothing(tiny_result):
    np.testing.assert_array_equal(tiny_result.predictions["clear_none"],
                                  tiny_result.predictions["st_stdp"])
    np.testing.assert_array_equal(tiny_result.debug["state"]["clear_none"]["F"],
                                  tiny_result.debug["state"]["st_stdp"]["F"])


def test_a_card_parameter_variant_applies_to_its_own_test_only(tiny_result):
    # gain 0: the inputs drive nothing, so the output layer stays silent in that test ...
    assert tiny_result.spikes_per_frame["card_silent"] == 0
    assert tiny_result.spikes_per_frame["st_stdp"] > 0
    # ... and the test after it ("clear_none", which equals st_stdp) has the trained gain back
    np.testing.assert_array_equal(tiny_result.predictions["clear_none"],
                                  tiny_result.predictions["st_stdp"])


@pytest.mark.parametrize("clear", [False, True])
def test_F_is_cleared_at_the_start_of_the_gated_frames_only(clear):
    import brian2
    brian2.prefs.codegen.target = "numpy"
    brian2.start_scope()
    c = sq.check_config(sq.SequenceConfig(**TINY))
    rates = np.full((3, c.size * c.size), 5.0)
    sn = sq.build_network(c, rates, np.zeros(3, dtype=bool))
    sn.set_learning(False)
    sn.set_short_term(0 * uS)               # no new F: only the clearing can change it
    sn.syn.F = 1 * uS
    sn.f_clear_slots = frozenset({1}) if clear else frozenset()
    sn.net.run(c.frame * 0.5, namespace={})
    assert np.all(np.asarray(sn.syn.F) > 0)          # frame 0: F decays, is not cleared
    sn.net.run(c.frame, namespace={})                  # into frame 1
    F = np.asarray(sn.syn.F)
    assert np.all(F == 0) if clear else np.all(F > 0)


def test_the_cards_whole_short_term_state_is_cleared():
    # the slow-gate card declares short_term = ["F", "Fq"]: its gate charge must be cleared
    # with F, or it leaks from one sequence into the next
    from pathlib import Path

    import brian2
    card = Path(__file__).resolve().parent.parent / "benchmarks" / "cards" / "pcm_memtransistor_slowgate.toml"
    assert ss.load_model(str(card)).short_term == ("F", "Fq")
    assert ss.load_model("pcm_memtransistor").short_term == ("F",)
    brian2.prefs.codegen.target = "numpy"
    brian2.start_scope()
    c = sq.check_config(sq.SequenceConfig(**TINY, synapse_card=str(card)))
    sn = sq.build_network(c, np.full((3, c.size * c.size), 5.0), np.zeros(3, dtype=bool))
    sn.set_learning(False)
    sn.set_short_term(0 * uS)
    sn.syn.F, sn.syn.Fq = 1 * uS, 1 * uS
    sn.f_clear_slots = frozenset({1})
    sn.net.run(c.frame * 1.5, namespace={})
    assert np.all(np.asarray(sn.syn.F) == 0) and np.all(np.asarray(sn.syn.Fq) == 0)


def test_training_refresh_normalises_incoming_W(tiny_result):
    sn = tiny_result.network
    assert sn.n_refresh >= 1 and not sn.normalising
    c = sn.config
    span = float((sn.synapse_model.parameters["Gmax"] - sn.synapse_model.parameters["Gmin"])
                 / siemens)
    dG = tiny_result.debug["state"]["static"]["dG"]      # frozen after the last refresh
    sums = np.bincount(np.asarray(sn.syn.j[:]), weights=dG, minlength=c.n_exc)
    np.testing.assert_allclose(sums, c.w_norm * c.size ** 2 * span, rtol=1e-9)


def test_normalise_incoming_unit():
    class FakeSyn:
        pass
    syn = FakeSyn()
    syn.dG_ = np.array([1.0, 3.0, 0.0, 0.0, 2.0, 2.0])
    post = np.array([0, 0, 1, 1, 2, 2])
    sq.normalise_incoming(syn, post, 3, 8.0, 5.0)
    # neuron 0 scaled to 8 (2, 6 -> clipped to 5), neuron 1 all zero: left alone, neuron 2: 4, 4
    np.testing.assert_allclose(syn.dG_, [2.0, 5.0, 0.0, 0.0, 4.0, 4.0])


def test_overall_leaves_out_untransformed_control():
    correct = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    names = np.array(["static", "static", "occlude", "occlude", "rotate", "rotate"])
    out = sq._scores(correct, names, ("static", "occlude", "rotate"))
    assert out["static"] == 1.0 and out["overall"] == 0.25


def test_result_json_round_trip(tiny_result):
    d = json.loads(json.dumps(tiny_result.to_dict()))
    assert set(d["accuracy"]["st_stdp"]) == {"occlude", "translate", "overall"}
    assert len(d["occlusion"]["bins"]) == len(d["occlusion"]["st_stdp"]) + 1


def test_helpers():
    frames = np.zeros((3, 12, 12))
    frames[:, 2:6, 2:6] = 1.0
    frames[1, 2:4, 2:6] = 0.0
    np.testing.assert_allclose(sq.hidden_fraction(frames), [0.0, 0.5, 0.0])
    rates = sq.encode_frames(np.concatenate([frames, np.zeros((1, 12, 12))]), 1000.0)
    np.testing.assert_allclose(rates.sum(1), [1000, 1000, 1000, 0])
    counts = np.array([[5, 0, 1], [0, 4, 0], [0, 0, 3]])
    labels = sq.assign_labels(counts, np.array([0, 1, 1]), 2)
    assert labels.tolist() == [0, 1, 1]
    assert sq.decode_frames(np.array([[3, 0, 0], [0, 1, 2], [0, 0, 0]]), labels, 2).tolist() \
        == [0, 1, -1]
    # summed spikes of each label's neurons: 3 vs 1 + 2 ties go to the lower class; mean: 3 vs 1.5
    assert sq.decode_frames(np.array([[3, 1, 2]]), labels, 2, mode="sum").tolist() == [0]
    assert sq.decode_frames(np.array([[2, 1, 2]]), labels, 2, mode="sum").tolist() == [1]
    assert sq.decode_frames(np.array([[2, 1, 2]]), labels, 2, mode="mean").tolist() == [0]


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=4), "size"),
    (dict(size=1000), "size"),
    (dict(n_classes=0), "n_classes"),
    (dict(n_frames=0), "n_frames"),
    (dict(n_exc=2.5), "n_exc"),
    (dict(tau_F=100), "tau_F"),
    (dict(tau_F=100 * Hz), "tau_F"),
    (dict(tau_F=-5 * ms), "tau_F"),
    (dict(occlusion=1.5), "occlusion"),
    (dict(occlusion=-0.1), "occlusion"),
    (dict(gamma_F=3), "gamma_F"),
    (dict(w_inh=5 * ms), "w_inh"),
    (dict(seed=-1), "seed"),
    (dict(w_norm=1.5), "w_norm"),
    (dict(w_norm=True), "w_norm"),
    (dict(decode="max"), "decode"),
    (dict(encoding="poisson"), "encoding"),
])
def test_bad_input_raises_before_simulation(kwargs, match, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a network was built")
    monkeypatch.setattr(sq, "build_network", boom)
    with pytest.raises(sq.SequenceError, match=match):
        sq.run_sequence(sq.SequenceConfig(**kwargs))


def test_bad_transform_and_variant(monkeypatch):
    monkeypatch.setattr(sq, "build_network", lambda *a, **k: pytest.fail("built"))
    with pytest.raises(sq.SequenceError, match="transform"):
        sq.run_sequence(sq.SequenceConfig(**TINY), transforms=("wobble",))
    with pytest.raises(sq.SequenceError, match="tau_F"):
        sq.run_sequence(sq.SequenceConfig(**TINY), variants={"x": {"tau_F": 3}})
    with pytest.raises(sq.SequenceError, match="F_dep"):
        sq.run_sequence(sq.SequenceConfig(**TINY), variants={"x": {"F_dep": 50.0}})
    with pytest.raises(sq.SequenceError, match="variant"):
        sq.run_sequence(sq.SequenceConfig(**TINY), variants={"x": {"gain": 1.0}})
    for card, word in (({"tau_gate": 1 * ms}, "tau_gate"), ({"gain": -1.0}, "gain"),
                       ({"tau_F": 10 * ms}, "card"), ([1], "card")):
        with pytest.raises(sq.SequenceError, match=word):
            sq.run_sequence(sq.SequenceConfig(**TINY), variants={"x": {"card": card}})
    for bad in (-1, TINY["n_frames"], 1.5, True):
        with pytest.raises(sq.SequenceError, match="F_clear_frames"):
            sq.run_sequence(sq.SequenceConfig(**TINY), variants={"x": {"F_clear_frames": bad}})


def _parser():
    return build_parser()


@pytest.mark.parametrize("argv", [
    ["sequence", "--classes", "0"], ["sequence", "--frames", "0"], ["sequence", "--size", "5"],
    ["sequence", "--occlusion", "1.2"], ["sequence", "--tau-F", "-3"],
    ["sequence", "--tau-F", "abc"], ["sequence", "--w-norm", "2"],
    ["sequence", "--decode", "max"], ["sequence", "--encoding", "x"],
])
def test_cli_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(argv)
    assert exc.value.code == 2


def test_cli_json(capsys, tmp_path):
    args = (
        ["sequence", "--data", "glyphs", "--seed", "1", "--classes", "2", "--size", "12", "--neurons", "4",
         "--exemplars", "1", "--epochs", "1", "--frames", "2", "--transforms", "occlude,rotate",
         "--target", "numpy", "--json", "--plot", str(tmp_path / "seq.png")])
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"st_stdp", "static", "nearest_neighbour", "mlp"} <= set(out["accuracy"])
    for scores in out["accuracy"].values():
        assert set(scores) == {"occlude", "rotate", "overall"}
        assert all(0 <= v <= 1 for v in scores.values())
    assert (tmp_path / "seq.png").stat().st_size > 0


def test_cli_error_is_one_line(capsys):
    args = ["sequence", "--data", "glyphs", "--transforms", "wobble", "--json"]
    assert main(args) == 2
    assert "transform" in capsys.readouterr().err


def test_cli_says_compiling_on_the_first_cython_run_only(capsys, tmp_path, monkeypatch):
    """The notice comes before the first Cython run in an environment, not after a finished one,
    not after a failed one, and never on the numpy target (the simulation itself is replaced:
    this checks the notice, the runs are tested above)."""
    import types
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    outcome = {}

    def fake_run_sequence(config, **kw):
        if outcome.get("fail"):
            raise sq.SequenceError("failed on purpose")
        return types.SimpleNamespace(accuracy={"st_stdp": {"overall": 0.5}}, timing={"total_s": 1.0})

    monkeypatch.setattr(sq, "run_sequence", fake_run_sequence)

    def notice(*argv):
        status = main(["sequence", "--data", "glyphs", *argv])
        return status, "compiling, first run only" in capsys.readouterr().err

    assert notice("--target", "numpy") == (0, False)
    outcome["fail"] = True
    assert notice("--target", "cython") == (2, True)
    outcome["fail"] = False
    assert notice("--target", "cython") == (0, True)
    assert notice("--target", "cython") == (0, False)
