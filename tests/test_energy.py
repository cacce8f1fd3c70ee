"""Energy accounting adds up exactly the events the cards count, per synapse and over time."""

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, joule, ms, pjoule

import spikesyn as ss

from conftest import FIXTURES

CARD = FIXTURES / "valid" / "decaying_synapse.toml"


def _network(energy=None):
    model = ss.load_model(CARD)
    pre = SpikeGeneratorGroup(3, [0, 1, 1, 2, 2, 2], [1, 2, 4, 3, 5, 7] * ms)
    post = NeuronGroup(2, "ge : siemens")
    overrides = {} if energy is None else {"E_event": energy}
    syn = Synapses(pre, post, **model.synapse_kwargs(**overrides))
    syn.connect()
    return model, pre, post, syn


def test_totals_are_events_times_energy_per_synapse():
    model, pre, post, syn = _network(energy=2 * pjoule)
    Network(pre, post, syn).run(10 * ms)
    report = ss.energy_of(syn, model)
    spikes_per_source = np.array([1, 2, 3])
    expected = spikes_per_source[np.array(syn.i)] * 2e-12
    np.testing.assert_allclose(np.asarray(report.per_synapse / joule), expected)
    assert report.counts["kick"] == 2 * 6  # 6 pre spikes, each to 2 post neurons
    assert float(report.total / pjoule) == pytest.approx(24.0)
    assert "kick" in str(report) and "total" in str(report)


def test_monitor_traces_cumulative_energy_over_time():
    model, pre, post, syn = _network()
    monitor = ss.EnergyMonitor(syn, model, dt=1 * ms)
    Network(pre, post, syn, monitor).run(10 * ms)
    total = np.asarray(monitor.total / pjoule)
    assert np.all(np.diff(total) >= 0)
    assert total[-1] == pytest.approx(float(ss.energy_of(syn, model).total / pjoule))
    # spikes at 1..7 ms, recording at the start of each step: after 8 ms nothing changes
    assert total[8] == total[-1] and total[1] < total[-1]
    assert monitor.per_synapse.shape == (len(syn), 10)


def test_monitor_needs_a_card_with_events():
    lif = ss.load_model("lif")
    group = NeuronGroup(1, **lif.neuron_kwargs())
    with pytest.raises(ValueError, match="declares no energy events"):
        ss.EnergyMonitor(group, lif)
