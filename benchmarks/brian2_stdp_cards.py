"""Brian2's Song, Miller & Abbott (2000) STDP network with a synapse card swapped in.

1000 Poisson inputs at 15 Hz onto one LIF neuron, as in Brian2's examples/synapses/STDP.py, with
``ge`` in siemens and divided by a leak conductance of 200 nS (so the stdp card's w_max = 2 nS
is the example's gmax = 0.01). Prints the output rate and a 10-bin histogram of the weights
(as a fraction of the card's top weight) at four checkpoints; tutorial 05 explains the cards.

    python benchmarks/brian2_stdp_cards.py pcm_pair --duration 60 \
        --set G_refresh=5*uS set_dw_min=0.0007 gain=4e-4

Results and commands: benchmarks/RESULTS_brian2_stdp.md.
"""

import argparse
import time

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, mV, ms, nS,
                    prefs, second, seed)

import spikesyn as ss
from spikesyn.units import parse_unit

SONG = dict(taum=10 * ms, Ee=0 * mV, vt=-54 * mV, vr=-60 * mV, El=-74 * mV, taue=5 * ms,
            g_leak=200 * nS)
NEURON = """dv/dt = (ge/g_leak*(Ee - v) + El - v)/taum : volt
            dge/dt = -ge/taue : siemens
            gi : siemens"""


def relative_weight(card_name, S):
    """The card's weight as a fraction of its top value (pcm_pair: signed, in [-1, 1])."""
    ns = S.namespace
    if card_name == "pcm_pair":
        return np.asarray((S.dGp - S.dGm) / (ns["G_refresh"] - ns["Gmin"]))
    if card_name == "stdp":
        return np.asarray(S.w / ns["w_max"])
    if card_name == "srtio3":
        return np.asarray(S.W / ns["W_max"])
    return np.asarray(S.dG / (ns["Gmax"] - ns["Gmin"]))


def parse_override(text):
    name, _, value = text.partition("=")
    number, _, unit = value.partition("*")
    return name, float(number) * (parse_unit(unit) if unit else 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("card", choices=("stdp", "pcm", "pcm_pair", "pcm_memtransistor", "srtio3"))
    parser.add_argument("--duration", type=float, default=100.0, help="simulated seconds (default 100)")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE[*UNIT]",
                        help="card parameter overrides, e.g. gain=8e-5 G_refresh=5*uS")
    parser.add_argument("--target", default="cython", help="Brian2 target (default cython)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    prefs.codegen.target = args.target
    ss.quiet()
    seed(args.seed)
    inputs = PoissonGroup(1000, rates=15 * Hz)
    neuron = NeuronGroup(1, NEURON, threshold="v > vt", reset="v = vr", method="euler",
                         namespace=SONG)
    neuron.v = SONG["vr"]
    card = ss.load_model(args.card)
    S = Synapses(inputs, neuron, **card.synapse_kwargs(**dict(map(parse_override, args.set))))
    S.connect()
    card.initialise(S)
    spikes = SpikeMonitor(neuron)
    net = Network(inputs, neuron, S, spikes)
    started, done = time.time(), 0.0
    for end in np.linspace(0, args.duration, 5)[1:]:
        before = spikes.num_spikes
        net.run((end - done) * second, namespace={})
        w = relative_weight(args.card, S)
        hist = np.histogram(w, bins=10, range=(-1 if args.card == "pcm_pair" else 0, 1))[0]
        print(f"t={end:.1f}s rate {(spikes.num_spikes - before) / (end - done):.1f} Hz  "
              f"weight mean {np.mean(w):.3f} hist10 {hist}", flush=True)
        done = end
    print(f"{time.time() - started:.0f} s wall clock (including compilation)")


if __name__ == "__main__":
    main()
