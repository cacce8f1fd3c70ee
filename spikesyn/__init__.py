"""spikesyn: memristive and phase-change-memory synapses for Brian2.

Load a model card and hand its arguments to Brian2::

    from brian2 import *
    import spikesyn as ss
    pcm = ss.load_model("pcm")
    S = Synapses(pre, post, **pcm.synapse_kwargs())
"""

from spikesyn.cards import available_models
from spikesyn.energy import EnergyMonitor, energy_of
from spikesyn.energy_compare import DigitalEstimate, EnergyComparison, compare, digital_energy
from spikesyn.errors import CardError, ParameterError, SpikesynError, UnknownModelError
from spikesyn.graphio import GraphFormatError, read_graph
from spikesyn.messages import quiet
from spikesyn.model import Model, load_model

__version__ = "0.1.0"

__all__ = [
    "AnnealSchedule", "CardError", "DigitalEstimate", "EnergyComparison", "EnergyMonitor", "GraphFormatError", "MaxCutResult", "Model",
    "ParameterError", "SpikesynError", "UnknownModelError", "available_models", "compare", "digital_energy", "energy_of",
    "load_model", "maxcut", "quiet", "read_graph",
]

_LAZY = {
    "maxcut": ("spikesyn.networks.maxcut", "maxcut"),
    "MaxCutResult": ("spikesyn.networks.maxcut", "MaxCutResult"),
    "AnnealSchedule": ("spikesyn.networks.maxcut", "AnnealSchedule"),
}


def __getattr__(name):
    # Builders import the engine, so the engine reaches them only on demand.
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'spikesyn' has no attribute {name!r}")
