"""Restoring a Brian2 network together with its random state, safely on every Brian2 version.

``Network.restore(name, restore_random_state=True)`` on Brian2's runtime targets before 2.10
restores, with numpy's generator state, the *address* of the buffer from which the Cython
target's ``rand()`` / ``randn()`` take their numbers. When that buffer was refilled (and so
freed) between ``store`` and ``restore``, the restored address points to freed memory: the
numbers drawn next are read from it and the next refill frees it a second time ("double free
or corruption" / "munmap_chunk(): invalid pointer" in glibc, or silently wrong numbers).
Brian2 2.10 and later keep the buffer contents themselves and are not affected.

:func:`restore_network` restores as Brian2 does, then, on the affected versions, releases the
live buffer and lets the next draw refill from numpy's restored state. Every restore of the
same stored state therefore continues with the same random numbers.

Examples
--------
>>> import brian2 as b2
>>> from spikesyn.randomstate import restore_network
>>> b2.prefs.codegen.target = "numpy"
>>> G = b2.NeuronGroup(3, "v : 1"); op = G.run_regularly("v = rand()")
>>> net = b2.Network(G); b2.seed(1); net.store("s")
>>> runs = []
>>> for _ in range(2):
...     restore_network(net, "s"); net.run(1 * b2.ms); runs.append(G.v[:].copy())
>>> bool((runs[0] == runs[1]).all())
True
"""

import ctypes
import ctypes.util

import numpy as np
from brian2 import get_device

_LIBC = None


def _free(address):
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
        _LIBC.free.argtypes = [ctypes.c_void_p]
    _LIBC.free(ctypes.c_void_p(int(address)))


def _pointer_buffers(device):
    """The (address array, index array) pairs of Brian2 < 2.10's Cython random buffers."""
    pairs = []
    for name in ("rand", "randn"):
        buf = getattr(device, f"{name}_buffer", None)
        idx = getattr(device, f"{name}_buffer_index", None)
        if isinstance(buf, np.ndarray) and buf.dtype == np.intp and buf.size == 1 \
                and idx is not None:
            pairs.append((buf, idx))
    return pairs


def restore_network(net, name):
    """``net.restore(name, restore_random_state=True)`` without Brian2 2.9's stale buffer.

    Parameters
    ----------
    net : brian2.Network
        A network with a state stored under ``name`` (``net.store(name)``).
    name : str
        The name of the stored state.
    """
    pairs = _pointer_buffers(get_device())
    for buf, _ in pairs:       # the buffer in use now is live: release it (as a refill would)
        if buf[0]:
            _free(buf[0])
            buf[0] = 0
    net.restore(name, restore_random_state=True)
    for buf, idx in pairs:     # the restored address may be freed memory: never use it
        buf[0] = 0
        idx[0] = 0
