"""Brian2's global settings for one run, restored afterwards.

A builder that runs on a code-generation target or time step of its own sets Brian2's
``prefs.codegen.target`` and ``defaultclock.dt`` only inside :func:`brian_settings`, so a
user's script keeps its own settings after the call.

Examples
--------
>>> from brian2 import defaultclock, ms, prefs
>>> before = prefs.codegen.target, defaultclock.dt
>>> with brian_settings(target="numpy", dt=0.5 * ms):
...     prefs.codegen.target, defaultclock.dt
('numpy', 0.5 * msecond)
>>> (prefs.codegen.target, defaultclock.dt) == before
True
"""

from __future__ import annotations

from contextlib import contextmanager

from brian2 import defaultclock, prefs

__all__ = ["brian_settings"]


@contextmanager
def brian_settings(target=None, dt=None):
    """Run the block with Brian2's code-generation target and default time step set, then restore both.

    Parameters
    ----------
    target : str, optional
        ``prefs.codegen.target`` inside the block (None: left as it is).
    dt : brian2.Quantity, optional
        ``defaultclock.dt`` inside the block (None: left as it is).
    """
    saved = prefs.codegen.target, defaultclock.dt
    try:
        if target is not None:
            prefs.codegen.target = target
        if dt is not None:
            defaultclock.dt = dt
        yield
    finally:
        prefs.codegen.target, defaultclock.dt = saved
