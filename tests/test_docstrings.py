"""The examples in the engine's docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["spikesyn.units", "spikesyn.cards", "spikesyn.model", "spikesyn.energy",
           "spikesyn.devices.pcm", "spikesyn.datasets", "spikesyn.energy_compare", "spikesyn.argtypes"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
