"""The experimental slow-gate memtransistor card of the sequence benchmark
(benchmarks/cards/pcm_memtransistor_slowgate.toml): F after one coincidence rises with tau_gate
and decays with tau_F, and tau_gate -> 0 gives back the shipped card's instant step."""

from pathlib import Path

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, StateMonitor, Synapses, ms, uS

import spikesyn as ss

CARD = Path(__file__).resolve().parent.parent / "benchmarks" / "cards" / "pcm_memtransistor_slowgate.toml"
T_PRE, T_POST = 10.0, 10.5                     # ms: one pre-before-post coincidence
PROBES = np.arange(20.0, 400.0, 20.0)         # ms: later pre spikes that read F


def _F_at_probes(card, **overrides):
    pre = SpikeGeneratorGroup(1, [0] * (1 + len(PROBES)), np.r_[T_PRE, PROBES] * ms)
    post = NeuronGroup(1, "ge : siemens", threshold=f"t > {T_POST - 0.05}*ms and t < {T_POST + 0.05}*ms")
    kw = card.synapse_kwargs(p_set=0, p_reset=0, read_noise_scale=0, F_dep=0, gamma_F=1 * uS,
                             **overrides)
    syn = Synapses(pre, post, **kw)
    syn.connect()
    mon = StateMonitor(syn, "F", record=0, when="end")
    Network(pre, post, syn, mon).run(PROBES[-1] * ms + 1 * ms)
    steps = np.rint(PROBES / 0.1).astype(int)   # F as written by each probe's event
    return np.asarray(mon.F[0] / uS)[steps]


@pytest.mark.parametrize("tau_gate", [5.0, 15.0, 40.0])
def test_F_rises_with_tau_gate_and_decays_with_tau_F(tau_gate):
    card = ss.load_model(str(CARD))
    F = _F_at_probes(card, tau_gate=tau_gate * ms)
    a = np.exp(-(T_POST - T_PRE) / 20.0)        # apre at the post spike (tau_pre 20 ms)
    s = PROBES - T_POST
    tau_F = 100.0
    expected = a * tau_F / (tau_F - tau_gate) * (np.exp(-s / tau_F) - np.exp(-s / tau_gate))
    np.testing.assert_allclose(F, expected, rtol=1e-9, atol=1e-12)
    assert F[0] < 0.99 * a * np.exp(-s[0] / tau_F)   # below the instant step: still rising


def test_a_fast_gate_is_the_shipped_cards_step():
    fast = _F_at_probes(ss.load_model(str(CARD)))                  # tau_gate 0.01 ms
    step = _F_at_probes(ss.load_model("pcm_memtransistor"))
    np.testing.assert_allclose(fast, step, rtol=1e-3)
