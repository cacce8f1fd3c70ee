"""spikesyn: memristive and phase-change-memory synapses for Brian2.

Load a model card and hand its arguments to Brian2::

    from brian2 import *
    import spikesyn as ss
    pcm = ss.load_model("pcm")
    S = Synapses(pre, post, **pcm.synapse_kwargs())
"""

import importlib

__version__ = "0.1.0"

# Every name is imported on first use, so that ``import spikesyn`` (and the ``spikesyn``
# command, whose start-up a Ctrl-C may interrupt) costs nothing until Brian2 is needed; the
# builders import the engine, so the engine reaches them only on demand too.
_LAZY = {
    "available_models": "spikesyn.cards",
    "EnergyMonitor": "spikesyn.energy",
    "energy_of": "spikesyn.energy",
    "DigitalEstimate": "spikesyn.energy_compare",
    "EnergyComparison": "spikesyn.energy_compare",
    "compare": "spikesyn.energy_compare",
    "digital_energy": "spikesyn.energy_compare",
    "CardError": "spikesyn.errors",
    "ParameterError": "spikesyn.errors",
    "SpikesynError": "spikesyn.errors",
    "UnknownModelError": "spikesyn.errors",
    "GraphFormatError": "spikesyn.errors",
    "read_graph": "spikesyn.graphio",
    "Model": "spikesyn.model",
    "load_model": "spikesyn.model",
    "maxcut": "spikesyn.networks.maxcut",
    "HopfieldSampler": "spikesyn.networks.hopfield_sampler",
    "MaxCutResult": "spikesyn.networks.maxcut",
    "AnnealSchedule": "spikesyn.networks.maxcut",
    "AnnealPlan": "spikesyn.networks.maxcut",
    "quiet": "spikesyn.messages",
    "sweep": "spikesyn.networks.sweep_jobs",
    "SweepError": "spikesyn.sweeps",
    "dask_client": "spikesyn.cluster",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'spikesyn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
