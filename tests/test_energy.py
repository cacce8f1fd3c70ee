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
    # recorded at the start of 0..9 ms, then the end of the run
    np.testing.assert_allclose(np.asarray(monitor.times / ms), np.arange(11), atol=1e-9, rtol=0)
    assert total[-1] == float(ss.energy_of(syn, model).total / pjoule)
    # spikes at 1..7 ms, recording at the start of each step: after 8 ms nothing changes
    assert total[8] == total[-1] and total[1] < total[-1]
    assert monitor.per_synapse.shape == (len(syn), 11)


def test_monitor_ends_at_energy_of_when_the_last_event_falls_in_the_last_interval():
    """A kick at 9.5 ms lies after the last recording (9 ms): the final value still counts it."""
    model = ss.load_model(CARD)
    pre = SpikeGeneratorGroup(1, [0, 0], [1, 9.5] * ms)
    post = NeuronGroup(1, "ge : siemens")
    syn = Synapses(pre, post, **model.synapse_kwargs(E_event=3 * pjoule))
    syn.connect()
    monitor = ss.EnergyMonitor(syn, model, dt=3 * ms)
    net = Network(pre, post, syn, monitor)
    net.run(10 * ms)
    np.testing.assert_allclose(np.asarray(monitor.times / ms), [0, 3, 6, 9, 10], atol=1e-9, rtol=0)
    np.testing.assert_allclose(np.asarray(monitor.total / pjoule), [0, 3, 3, 3, 6], atol=1e-9, rtol=0)
    assert monitor.per_event["kick"][-1] == ss.energy_of(syn, model).per_event["kick"]
    net.run(5 * ms)  # a second run: the end moves on, nothing is counted twice
    np.testing.assert_allclose(np.asarray(monitor.times / ms), [0, 3, 6, 9, 12, 15], atol=1e-9, rtol=0)
    assert float(monitor.total[-1] / pjoule) == 6.0


def test_monitor_needs_a_card_with_events():
    lif = ss.load_model("lif")
    group = NeuronGroup(1, **lif.neuron_kwargs())
    with pytest.raises(ss.SpikesynError, match="declares no energy events"):
        ss.EnergyMonitor(group, lif)
