"""benchmarks/bad_inputs.py: every bad input through the CLI and the API ends in one clear error
(exit 2 with one 'error:' line naming the input, or a SpikesynError naming the argument), no
traceback, no file created or changed, within seconds; every edge input gives the right answer."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bad_inputs.py"


def _load():
    spec = importlib.util.spec_from_file_location("bad_inputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "fork"),
                    reason="forks a process per case and reads /proc")
def test_every_bad_input_ends_in_one_clean_error():
    bad_inputs = _load()
    rows = bad_inputs.run_all(timeout=15.0)
    assert len(rows) >= 60
    assert len([r for r in rows if r[0].startswith("api ")]) >= 15
    failures = [(name, outcome, {k: d.get(k) for k in ("code", "err", "exception")})
                for name, outcome, d in rows if outcome != "clean"]
    assert failures == []
    slow = [(name, round(d["elapsed"], 1)) for name, _, d in rows if d["elapsed"] > 8]
    assert slow == []
