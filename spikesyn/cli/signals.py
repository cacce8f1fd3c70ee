"""Ctrl-C and SIGTERM in a subcommand: the first one interrupts the run (a max-cut solve then
returns its best result so far), repeats of the same keypress are dropped, and none can lose a
finished result while it is written and printed.

Examples
--------
>>> import signal
>>> with signals_deferred():
...     signal.getsignal(signal.SIGINT) == signal.SIG_IGN
True
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

__all__ = ["signals_handled", "signals_deferred", "ignore_signals"]

#: a Ctrl-C this soon after the one before is the same keypress repeated (or a SIGTERM that
#: arrives with it), not a request to abandon the result that the first one is collecting
_REPEAT_S = 1.0


def _main_thread():
    return threading.current_thread() is threading.main_thread()


@contextmanager
def signals_deferred():
    """Ignore Ctrl-C and SIGTERM while a finished result is written and printed (a second
    Ctrl-C right after the first would otherwise lose it and exit 130)."""
    if not _main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


class _CtrlC:
    """SIGINT handler of a command: passes the first Ctrl-C on to the handler before it
    (Brian2's, which ends the current run, or Python's KeyboardInterrupt) and drops repeats
    that follow within ``_REPEAT_S``; a later one is passed on too (it forces the interrupt)."""

    def __init__(self, previous):
        self.previous, self.last = previous, None

    def __call__(self, signum, frame):
        now = time.monotonic()
        repeat = self.last is not None and now - self.last < _REPEAT_S
        self.last = now
        if repeat or self.previous == signal.SIG_IGN:
            return
        if callable(self.previous):
            self.previous(signum, frame)
        else:
            raise KeyboardInterrupt


def _sigterm_as_ctrl_c(signum, frame):
    """SIGTERM (``kill``, ``timeout``, process supervisors) ends a run as Ctrl-C does: the
    signal is passed on as SIGINT, which Brian2's run loop or Python's handler turns into the
    interrupt that returns the best result so far."""
    signal.raise_signal(signal.SIGINT)


@contextmanager
def signals_handled():
    """Ctrl-C and SIGTERM interrupt the command once (see :class:`_CtrlC`)."""
    if not _main_thread():
        yield
        return
    saved_int = signal.getsignal(signal.SIGINT)
    saved_term = signal.signal(signal.SIGTERM, _sigterm_as_ctrl_c)
    signal.signal(signal.SIGINT, _CtrlC(saved_int))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, saved_term)
        signal.signal(signal.SIGINT, saved_int if saved_int is not None else signal.default_int_handler)


def ignore_signals():
    """Ignore Ctrl-C and SIGTERM from now on: the program's answer is out, and Python's shutdown
    resets SIGINT to the default action, which would let a repeated Ctrl-C turn exit 0 into
    death by signal."""
    if _main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
