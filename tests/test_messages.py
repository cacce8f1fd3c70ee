"""What spikesyn prints: Brian2's order warning hidden by ss.quiet(), the compile notice, user errors."""

import io
import logging
import subprocess
import sys

import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, ms, prefs
from brian2.utils.logger import BrianLogger

import spikesyn as ss
from spikesyn import messages

ORDER_WARNING = "Came across an abstract code block"


def _run_random_synapses():
    """Synaptic code with rand() onto a shared target: Brian2 warns about the loop order."""
    pre = SpikeGeneratorGroup(2, [0, 1], [1, 1] * ms)
    post = NeuronGroup(1, "x : 1")
    syn = Synapses(pre, post, "w : 1", on_pre="w = rand()\nx_post += w")
    syn.connect()
    Network(pre, post, syn).run(2 * ms)


@pytest.fixture
def console():
    """What Brian2's console handler prints (its filters applied), as a readable buffer."""
    ss.quiet(False)                                   # whatever ran before
    brian_logger = logging.getLogger("brian2")
    level = brian_logger.level
    brian_logger.setLevel(logging.DEBUG)              # a command run in-process may have raised it
    buffer = io.StringIO()
    previous = BrianLogger.console_handler.setStream(buffer)
    yield buffer
    BrianLogger.console_handler.setStream(previous)
    brian_logger.setLevel(level)
    ss.quiet(False)


def _read(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def test_brians_suppress_name_with_the_full_logger_name_does_not_hide_the_warning(console):
    # NameFilter compares only the last part of the record's name ("base")
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    try:
        _run_random_synapses()
    finally:
        handler = BrianLogger.console_handler
        for f in [f for f in handler.filters if getattr(f, "name", None) == "brian2.codegen.generators.base"]:
            handler.removeFilter(f)
    assert ORDER_WARNING in _read(console)


def test_quiet_hides_the_order_warning_and_only_it(console):
    ss.quiet()
    ss.quiet()                                       # twice is the same as once
    _run_random_synapses()
    NeuronGroup(1, "v : 1", threshold="v > 1", name="keeps_other_warnings")  # no reset: Brian2 warns
    err = _read(console)
    assert ORDER_WARNING not in err
    assert "keeps_other_warnings" in err and "reset" in err
    ss.quiet(False)
    _run_random_synapses()
    assert ORDER_WARNING in _read(console)


@pytest.fixture
def notices():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("spikesyn")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_compile_notice_once_per_environment(notices, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SPIKESYN_COMPILE_NOTICE", raising=False)
    prefs.codegen.target = "cython"
    ss.load_model("lif").neuron_kwargs()
    ss.load_model("pcm").synapse_kwargs()
    assert len(notices) == 1
    text = notices[0].getMessage()
    assert "first run" in text and "compiles" in text and "20-70 s" in text
    assert notices[0].levelno == logging.INFO


def test_no_compile_notice_on_numpy_or_when_turned_off(notices, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    prefs.codegen.target = "numpy"
    ss.load_model("lif").neuron_kwargs()
    prefs.codegen.target = "cython"
    monkeypatch.setenv("SPIKESYN_COMPILE_NOTICE", "0")
    ss.load_model("lif").neuron_kwargs()
    assert notices == []
    monkeypatch.delenv("SPIKESYN_COMPILE_NOTICE")
    assert messages.announce_compile() is True     # the marker was not spent by the silent calls


def test_an_uncaught_user_error_is_not_shown_as_a_brian2_bug(tmp_path):
    script = "import spikesyn as ss\nss.load_model('lfi')\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert "UnknownModelError: unknown model 'lfi'; did you mean 'lif'" in result.stderr
    assert "Brian 2 encountered an unexpected error" not in result.stderr
