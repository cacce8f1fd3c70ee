"""The ``--energy`` flag of ``spikesyn maxcut`` and ``spikesyn sequence`` (tiny runs, numpy)."""

import json

import networkx as nx
import numpy as np
import pytest
from brian2 import joule, pjoule

import spikesyn as ss
from spikesyn.cli import main
from spikesyn.energy_compare import HOROWITZ_45NM, digital_energy
from spikesyn.errors import ParameterError
from spikesyn.networks import maxcut_energy

FAST = ["--codegen", "numpy", "--sweeps", "60", "--replicas", "2", "--quiet", "--seed", "2"]
SEQ = ["sequence", "--data", "glyphs", "--seed", "1", "--classes", "2", "--size", "12", "--neurons", "4",
       "--exemplars", "1", "--epochs", "1", "--frames", "2", "--transforms", "occlude",
       "--target", "numpy", "--no-baselines"]


def _cycle_file(tmp_path, n=10):
    # a cycle with |w| = 1 everywhere: every edge's SET device sits at Gmax = 25 uS and every
    # node has degree 2, so reads = 2 x flips and one read costs 25 uS x (0.2 V)^2 x 100 ns
    p = tmp_path / "cycle.txt"
    p.write_text("".join(f"{k} {(k + 1) % n} {1 if k % 3 else -1}\n" for k in range(n)))
    return p


def _main(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- maxcut
def test_maxcut_energy_json_is_the_hand_count(tmp_path, capsys):
    code, out, _ = _main(capsys, ["maxcut", str(_cycle_file(tmp_path)), "--format", "edgelist",
                                  "--json", "--energy", *FAST])
    assert code == 0
    d = json.loads(out)
    e = d["energy"]
    reads = 2 * d["flips"]
    assert d["flips"] > 0
    assert e["events"]["read"]["count"] == e["operations"]["n_synaptic_events"] == reads
    assert e["operations"]["n_weight_updates"] == 0
    assert e["operations"]["n_neuron_updates"] == 10 * 2 * d["sweeps_done"]
    assert e["n_synapses"] == 2 * 10 * 2
    # every read at Gmax = 25 uS, less 1 s of drift at aihwkit's time origin, ((1 + t0)/t0)^-nu
    # with nu about 0.05 (a 0.2 % lower conductance)
    np.testing.assert_allclose(e["device_J"], reads * 25e-6 * 0.2 ** 2 * 100e-9 * (21 / 20) ** -0.049,
                               rtol=2e-3, atol=0)
    assert e["digital_J"]["sram"] == pytest.approx(reads * 9.6e-12)
    np.testing.assert_allclose(e["ratio_digital_over_device"]["sram"], 96.0 * (21 / 20) ** 0.049,
                               rtol=2e-3, atol=0)
    assert e["figures"] == HOROWITZ_45NM.to_dict()
    # the every-sweep read figure of the result is the larger one
    assert d["energy_J"] >= e["device_J"]


def test_maxcut_energy_table_and_plot(tmp_path, capsys):
    png = tmp_path / "reads.png"
    code, out, _ = _main(capsys, ["maxcut", str(_cycle_file(tmp_path)), "--format", "edgelist",
                                  "--energy-plot", str(png), *FAST])
    assert code == 0
    assert "counted from the flips" in out and "digital / device = 96" in out
    assert f"energy plot written to {png}" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")], "temporary file left"


def test_maxcut_software_device_has_no_device_energy(tmp_path, capsys):
    code, out, _ = _main(capsys, ["maxcut", str(_cycle_file(tmp_path)), "--format", "edgelist",
                                  "--device", "ideal", "--energy", *FAST])
    assert code == 0
    assert "stores no weight on a device" in out and "digital / device = -" in out


def test_maxcut_energy_plot_in_missing_directory_exits_2(tmp_path, capsys):
    code, out, err = _main(capsys, ["maxcut", "--demo", "--energy-plot",
                                    str(tmp_path / "nope" / "e.png"), *FAST])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "does not exist" in err


def test_flip_read_report_of_an_irregular_graph():
    G = nx.star_graph(4)
    G.add_edge(1, 2)
    res = ss.maxcut(G, seed=4, sweeps=40, replicas=3, codegen="numpy")
    flips = res.node_flips
    assert flips.shape == (3, 5) and flips.sum() == res.flips
    deg = np.array([G.degree(u) for u in G.nodes])
    rep = maxcut_energy.flip_read_report(res)
    assert rep.counts["read"] == int((flips * deg).sum())
    assert rep.per_synapse.size == 3 * 2 * G.number_of_edges()
    assert float(rep.total / joule) == pytest.approx(float(np.sum(rep.per_synapse / joule)))


def test_coupling_read_report_refuses_bad_input():
    with pytest.raises(ParameterError, match="one entry per edge"):
        maxcut_energy.coupling_read_report([0, 1], [1], [1e-6], [[1, 1]])
    with pytest.raises(ParameterError, match=r"node indices in \[0, 1\]"):
        maxcut_energy.coupling_read_report([0], [2], [1e-6], [[1, 1]])
    with pytest.raises(ParameterError, match="read_pulse must be a brian2 quantity"):
        maxcut_energy.coupling_read_report([0], [1], [1e-6], [[1, 1]], read_pulse=1 * pjoule)


# --------------------------------------------------------------------------- sequence
@pytest.fixture(scope="module")
def tiny_sequence():
    import brian2
    from brian2 import uS

    from spikesyn.networks import sequence as sq
    brian2.prefs.codegen.target = "numpy"
    cfg = sq.SequenceConfig(n_classes=2, size=12, n_exc=4, exemplars=1, epochs=1, n_frames=2,
                            present_frames=1, gamma_F=5 * uS)
    return sq.run_sequence(cfg, transforms=("occlude",), baselines=False)


def test_sequence_phase_reports_add_up_to_the_device_counters(tiny_sequence):
    from spikesyn.energy import total_report
    res = tiny_sequence
    assert list(res.energy) == ["train", "label", "test_st_stdp", "test_static"]
    # each test restarts from the trained state: the counters at the end hold
    # train + label + the last test
    sn = res.network
    end = ss.energy_of(sn.syn, sn.synapse_model)
    part = total_report([res.energy[k] for k in ("train", "label", "test_static")])
    assert float(part.total / joule) == pytest.approx(float(end.total / joule), rel=1e-9)
    assert part.counts == end.counts
    ops = res.operations
    assert ops["test_static"]["n_weight_updates"] == 0 == ops["label"]["n_weight_updates"]
    assert ops["test_st_stdp"]["n_weight_updates"] > 0 and ops["train"]["n_weight_updates"] > 0
    assert res.energy["test_static"].counts["gate"] == 0 < res.energy["test_st_stdp"].counts["gate"]
    # the two tests see the same input spikes
    assert ops["test_static"]["n_synaptic_events"] == ops["test_st_stdp"]["n_synaptic_events"]


def test_sequence_energy_summary_and_table(tiny_sequence):
    from spikesyn.networks.sequence_energy import energy_summary, format_energy
    e = energy_summary(tiny_sequence)
    assert e["card"] == "pcm_memtransistor" and e["n_synapses"] == 144 * 4
    assert e["total"]["device_J"] == pytest.approx(sum(p["device_J"] for p in e["phases"].values()))
    n = {k: sum(p["operations"][k] for p in e["phases"].values()) for k in e["total"]["operations"]}
    assert n == e["total"]["operations"]
    assert e["total"]["digital_J"]["dram"] == pytest.approx(
        float(digital_energy(n["n_synaptic_events"], n["n_weight_updates"]) / joule))
    text = "\n".join(format_energy(e))
    for word in ("test_st_stdp", "all phases", "program", "gate", "digital / device", "not counted"):
        assert word in text


def test_sequence_cli_energy_json_and_plot(tmp_path, capsys):
    png = tmp_path / "seq_energy.png"
    code, out, _ = _main(capsys, [*SEQ, "--json", "--energy-plot", str(png)])
    assert code == 0
    d = json.loads(out)
    assert {"accuracy", "energy"} <= set(d)
    e = d["energy"]
    assert set(e["phases"]) == {"train", "label", "test_st_stdp", "test_static"}
    assert set(e["total"]["events"]) == {"read", "gate", "set", "reset"}
    assert e["total"]["device_J"] > 0 and e["total"]["ratio_digital_over_device"]["dram"] > 1
    assert e["plot"] == str(png) and png.read_bytes()[:4] == b"\x89PNG"
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")], "temporary file left"


def test_sequence_energy_plot_in_missing_directory_exits_2(tmp_path, capsys):
    code, out, err = _main(capsys, [*SEQ, "--energy-plot", str(tmp_path / "nope" / "e.png")])
    assert code == 2 and out == ""
    assert "does not exist" in err
