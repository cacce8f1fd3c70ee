"""A small demo network for device energy: Poisson inputs driving ``lif`` neurons through device synapses.

A Poisson input layer drives a layer of ``lif`` neurons through synapses of a chosen device card
(all to all, the card's ``[initial]`` values applied). After the run the report lists the joules
of each of the card's event types, the total, the same work priced on a digital processor from
cited per-operation figures (:mod:`spikesyn.energy_compare`) with the weights in SRAM and in
DRAM, and the ratio digital / device. ``spikesyn energy`` runs it from the shell.

Examples
--------
>>> from spikesyn.networks.energy_demo import energy_demo
>>> d = energy_demo("pcm", duration=0.01, inputs=4, neurons=2)
>>> d["n_synapses"], sorted(d["events"])
(8, ['read', 'reset', 'set'])
"""

from __future__ import annotations

import brian2 as b2

from spikesyn.brian_settings import brian_settings
from spikesyn.checks import finite_number, positive_int, seed_value
from spikesyn.energy import energy_of
from spikesyn.energy_compare import comparison, operation_counts
from spikesyn.errors import ParameterError
from spikesyn.model import load_model
from spikesyn.outputs import atomic_write, check_output
from spikesyn.resources import NEURON_BYTES, SYNAPSE_BYTES, check_memory

__all__ = ["energy_demo"]


def energy_demo(card="pcm", duration=1.0, inputs=50, neurons=10, rate=20.0, seed=0,
                target="numpy", plot=None):
    """Run the demo network and return the energy report as plain data.

    Parameters
    ----------
    card : str or path
        Synapse card with ``[events]``.
    duration : float
        Simulated seconds.
    inputs, neurons : int
        Sizes of the Poisson input layer and the LIF layer (all-to-all synapses).
    rate : float
        Input rate in Hz.
    seed : int
    target : {"numpy", "cython"}
    plot : str, optional
        Image to write (:func:`spikesyn.plot.plot_histogram`).

    Returns
    -------
    dict
        ``card``, ``duration_s``, ``seed``, ``n_synapses``, ``spikes`` (pre, post), ``plot``
        and the keys of :func:`spikesyn.energy_compare.comparison`: ``events``
        (``{name: {"count": int or None, "energy_J": float}}``), ``device_J``,
        ``per_synapse_J`` (min, mean, max), ``operations``, ``digital_J`` and
        ``ratio_digital_over_device`` (each ``{"sram": ..., "dram": ...}``),
        ``digital_neurons_J`` (None here: neuron updates are not counted) and ``figures``.

    Raises
    ------
    spikesyn.SpikesynError
        Unknown card, a card that is not a synapse, or one without energy events.
    """
    if plot is not None:
        check_output(plot, "plot", image=True)
    model = load_model(card)
    if model.kind != "synapse":
        raise ParameterError(f"card {model.name!r} is a {model.kind} card: give a synapse device card")
    if not model.events:
        raise ParameterError(f"card {model.name!r} declares no [events]: no device energy to report")
    lif = load_model("lif")
    missing = {k: v for k, v in model.requires.get("post", {}).items()
               if k not in lif.variables}
    if missing or model.requires.get("pre"):
        raise ParameterError(f"card {model.name!r} needs variables the Poisson -> lif demo "
                             f"lacks: {sorted(missing) or sorted(model.requires.get('pre', {}))}")

    inputs = positive_int(inputs, "inputs")
    neurons = positive_int(neurons, "neurons")
    seed = seed_value(seed)
    duration = finite_number(duration, "duration")
    rate = finite_number(rate, "rate")
    if duration <= 0 or rate <= 0:
        raise ParameterError(f"duration and rate must be positive, got duration={duration!r}, rate={rate!r}")
    check_memory(inputs * neurons * SYNAPSE_BYTES + (inputs + neurons) * NEURON_BYTES,
                 f"all-to-all synapses from {inputs} inputs to {neurons} neurons "
                 f"({inputs * neurons} synapses)")
    with brian_settings(target=target):
        b2.seed(seed)
        pre = b2.PoissonGroup(int(inputs), float(rate) * b2.Hz, name="energy_inputs*")
        post = b2.NeuronGroup(int(neurons), **lif.neuron_kwargs(), name="energy_neurons*")
        kwargs = model.synapse_kwargs()
        syn = b2.Synapses(pre, post, **kwargs, name="energy_synapses*")
        syn.connect()
        model.initialise(syn)
        m_pre, m_post = b2.SpikeMonitor(pre), b2.SpikeMonitor(post)
        net = b2.Network(pre, post, syn, m_pre, m_post)
        net.run(float(duration) * b2.second, namespace={})

    report = energy_of(syn, model)
    ops = operation_counts(syn, m_pre.count[:], m_post.count[:], plastic="on_post" in kwargs)
    if plot is not None:
        atomic_write(plot, report.plot_histogram)
    return {
        "card": model.name,
        "duration_s": float(duration),
        "seed": int(seed),
        "n_synapses": int(len(syn)),
        "spikes": {"pre": int(m_pre.num_spikes), "post": int(m_post.num_spikes)},
        **comparison(report, ops),
        "plot": plot,
    }
