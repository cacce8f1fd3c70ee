"""The examples in the engine's docstrings run and print what they say."""

import doctest
import importlib
import pkgutil

import pytest

import spikesyn
import spikesyn.networks

# every module of the engine and of the network builders (spikesyn.models holds only cards);
# these have no examples of their own: exception classes, package markers, ``python -m`` doors
NO_EXAMPLES = {"spikesyn.errors", "spikesyn.devices", "spikesyn.networks", "spikesyn.cli.__main__"}
MODULES = sorted({m.name for path, prefix in ((spikesyn.__path__, "spikesyn."),
                                              (spikesyn.networks.__path__, "spikesyn.networks."))
                  for m in pkgutil.walk_packages(path, prefix)
                  if not m.name.startswith("spikesyn.models")} - NO_EXAMPLES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
