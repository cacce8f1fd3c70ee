"""Device energy against a digital estimate: totals, cited figures, ratio, units, plot, CLI."""

import json

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, joule, mV, ms, pjoule

import spikesyn as ss
from spikesyn.energy_compare import (HOROWITZ_45NM, DigitalEstimate, compare, digital_energy,
                                     operation_counts)
from spikesyn.plot import plot_histogram
from spikesyn.errors import ParameterError

# pcm card without noise or drift, so every event's energy can be computed by hand
QUIET = dict(read_noise_scale=0, prog_noise_scale=0, set_sd=0, drift_scale=0)


def _pcm_run():
    """Two inputs, one output. Input 0 spikes at 1 and 5 ms, input 1 at 40 ms; output at 3 ms.

    At 3 ms synapse 0 has apre = exp(-2/20) > a_th: one SET. At 5 ms its apost = exp(-2/20) > a_th:
    a read, then one RESET. At 40 ms synapse 1's apost = exp(-37/20) < a_th: a read only.
    """
    model = ss.load_model("pcm")
    pre = SpikeGeneratorGroup(2, [0, 0, 1], [1, 5, 40] * ms)
    post = NeuronGroup(1, "ge : siemens", threshold="abs(t - 3*ms) < 0.05*ms",
                       namespace={"ms": ms})
    syn = Synapses(pre, post, **model.synapse_kwargs(**QUIET))
    syn.connect()
    net = Network(pre, post, syn)
    net.run(50 * ms)
    return model, syn


def test_device_totals_are_the_events_counted():
    model, syn = _pcm_run()
    report = ss.energy_of(syn, model)
    assert report.counts == {"set": 1, "reset": 1}
    # reads: Gmin at 1 ms, after the SET at 5 ms Gmin + the first step of aihwkit's PCMPresetDevice
    # law, 0.01 (1 + 27.235) (Gmax - Gmin)/2, Gmin at 40 ms
    g_reads_us = [0.1, 0.1 + 0.01 * 28.235 * 24.9 / 2, 0.1]
    read_pj = sum(g * 1e-6 * 0.2 ** 2 * 250e-9 for g in g_reads_us) / 1e-12
    assert float(report.per_event["set"] / pjoule) == pytest.approx(5.0)
    assert float(report.per_event["reset"] / pjoule) == pytest.approx(20.0)
    assert float(report.per_event["read"] / pjoule) == pytest.approx(read_pj)
    assert float(report.total / pjoule) == pytest.approx(25.0 + read_pj)
    by_syn = np.asarray(report.per_synapse / pjoule)
    assert by_syn[0] == pytest.approx(25.0 + (g_reads_us[0] + g_reads_us[1]) * 0.01)
    assert by_syn[1] == pytest.approx(g_reads_us[2] * 0.01)
    assert by_syn.sum() == pytest.approx(float(report.total / pjoule))


def test_digital_estimate_is_the_hand_computation_from_the_cited_figures():
    assert float(HOROWITZ_45NM.add / pjoule) == 0.9
    assert float(HOROWITZ_45NM.mult / pjoule) == 3.7
    assert float(HOROWITZ_45NM.sram / pjoule) == 5.0
    assert float(HOROWITZ_45NM.dram / pjoule) == 640.0
    assert "doi:10.1109/ISSCC.2014.6757323" in HOROWITZ_45NM.source
    assert "45 nm" in HOROWITZ_45NM.node and "halved" in HOROWITZ_45NM.scaling
    # synaptic event: 1 memory read + multiply + add; weight update: read + write + multiply + add
    dram = 3 * (640 + 3.7 + 0.9) + 5 * (2 * 640 + 3.7 + 0.9)
    sram = 3 * (5 + 3.7 + 0.9) + 5 * (2 * 5 + 3.7 + 0.9)
    assert float(digital_energy(3, 5, memory="dram") / pjoule) == pytest.approx(dram)
    assert float(digital_energy(3, 5, memory="sram") / pjoule) == pytest.approx(sram)
    neuron = 2 * 5 + 2 * 3.7 + 2 * 0.9
    assert float(digital_energy(0, 0, 7, memory="sram") / pjoule) == pytest.approx(7 * neuron)
    with pytest.raises(ParameterError, match="memory"):
        digital_energy(1, memory="hbm")
    with pytest.raises(ParameterError, match="n_synaptic_events"):
        digital_energy(-1)


def test_operation_counts_and_ratio_of_a_run():
    model, syn = _pcm_run()
    ops = operation_counts(syn, pre_counts=[2, 1], post_counts=[1])
    assert ops == {"n_synaptic_events": 3, "n_weight_updates": 3 + 2}
    report = ss.energy_of(syn, model)
    digital = digital_energy(**ops, memory="dram")
    result = compare(report, digital)
    assert result.ratio == pytest.approx(float(digital / report.total))
    assert float(result.device / joule) == pytest.approx(float(report.total / joule))
    d = result.to_dict()
    assert set(d) == {"device_J", "digital_J", "ratio_digital_over_device"}
    assert compare(0 * joule, 1 * pjoule).ratio == float("inf")
    assert compare(2 * pjoule, 1 * pjoule).ratio == pytest.approx(0.5)


def test_energies_without_units_are_refused_naming_the_argument():
    with pytest.raises(ParameterError, match=r"^add has no unit"):
        DigitalEstimate(add=0.9, mult=3.7 * pjoule, sram=5 * pjoule, dram=640 * pjoule)
    with pytest.raises(ParameterError, match=r"^dram must be an energy"):
        DigitalEstimate(add=0.9 * pjoule, mult=3.7 * pjoule, sram=5 * pjoule, dram=640 * mV)
    with pytest.raises(ParameterError, match=r"^digital has no unit"):
        compare(1 * pjoule, 5.0)
    with pytest.raises(ParameterError, match=r"^report has no unit"):
        compare(np.float64(1e-12), 1 * pjoule)
    with pytest.raises(ParameterError, match="non-negative"):
        compare(-1 * pjoule, 1 * pjoule)
    custom = DigitalEstimate(add=1 * pjoule, mult=2 * pjoule, sram=3 * pjoule, dram=4 * pjoule,
                             ops={"synaptic_event": {"mem": 1, "add": 1}})
    assert float(digital_energy(2, figures=custom) / pjoule) == pytest.approx(2 * (4 + 1))


def test_histogram_and_bar_chart_written(tmp_path):
    model, syn = _pcm_run()
    report = ss.energy_of(syn, model)
    path = tmp_path / "energy.png"
    report.plot_histogram(path)
    assert path.exists() and path.stat().st_size > 1000
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2)
    assert plot_histogram(report, axes) is fig
    assert axes[1].get_title() == "per event type"
    plt.close(fig)


def _cli(argv):
    from spikesyn.cli import main
    return main(["energy", *argv])


def test_cli_json_shape(capsys, tmp_path):
    png = tmp_path / "e.png"
    rc = _cli(["--card", "pcm", "--duration", "0.1", "--inputs", "8", "--neurons", "3",
               "--rate", "50", "--seed", "3", "--json", "--plot", str(png)])
    assert rc == 0 and png.exists()
    d = json.loads(capsys.readouterr().out)
    assert d["card"] == "pcm" and d["n_synapses"] == 24 and d["seed"] == 3
    assert set(d["events"]) == {"set", "reset", "read"}
    assert d["device_J"] == pytest.approx(sum(e["energy_J"] for e in d["events"].values()))
    assert set(d["digital_J"]) == set(d["ratio_digital_over_device"]) == {"sram", "dram"}
    ops = d["operations"]
    assert d["digital_J"]["dram"] == pytest.approx(
        float(digital_energy(ops["n_synaptic_events"], ops["n_weight_updates"]) / joule))
    if d["device_J"] > 0:
        assert d["ratio_digital_over_device"]["dram"] == pytest.approx(
            d["digital_J"]["dram"] / d["device_J"])
    assert d["figures"]["dram_pJ"] == 640.0


def test_cli_table_and_bad_cards(capsys):
    assert _cli(["--card", "srtio3", "--duration", "0.05", "--inputs", "4", "--neurons", "2"]) == 0
    out = capsys.readouterr().out
    assert "total" in out and "digital / device" in out and "ISSCC 2014" in out
    assert _cli(["--card", "lif", "--duration", "0.01"]) == 2
    assert "neuron card" in capsys.readouterr().err
    assert _cli(["--card", "no_such_card_xyz", "--duration", "0.01"]) == 2
    assert _cli(["--card", "hopfield_coupling", "--duration", "0.01"]) == 2
