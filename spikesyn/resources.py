"""Memory estimates checked before a big allocation, so that a size typed by mistake (a graph
header of 10^8 nodes, a billion replicas) ends in one clear error instead of a MemoryError or a
machine that swaps for an hour.

The estimates are deliberately rough (bytes per node, edge, neuron or synapse as measured on
small runs, rounded up); they only need to tell a feasible size from an impossible one.

Examples
--------
>>> from spikesyn.resources import check_memory
>>> check_memory(10 ** 6, "a small graph")
>>> check_memory(10 ** 18, "a graph of 10^15 nodes")
Traceback (most recent call last):
...
spikesyn.errors.ResourceError: a graph of 10^15 nodes needs about 1e+09 GB of memory, ...
"""

from __future__ import annotations

import os

from spikesyn.errors import ResourceError

__all__ = ["ResourceError", "available_memory", "check_memory", "GRAPH_NODE_BYTES",
           "GRAPH_EDGE_BYTES", "NEURON_BYTES", "SYNAPSE_BYTES"]

#: networkx graph: bytes per node and per edge (dicts of dicts; about 400 and 300 measured)
GRAPH_NODE_BYTES = 500
GRAPH_EDGE_BYTES = 500
#: Brian2 groups of the device cards: bytes per neuron and per synapse (state variables,
#: indices, spike queues), rounded up from small runs
NEURON_BYTES = 200
SYNAPSE_BYTES = 250
#: fraction of the available memory one job may plan to use
_SHARE = 0.8


def available_memory():
    """Bytes of memory available to new allocations (``MemAvailable`` on Linux), or None.

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - no way to tell
        return None


def _gb(x):
    return f"{x / 1e9:.3g} GB"


def check_memory(estimate, what):
    """Refuse a job whose memory estimate exceeds what the machine has available.

    Parameters
    ----------
    estimate : int or float
        Estimated bytes.
    what : str
        The job in words, the start of the message (``"a graph of 10^8 nodes"``).

    Raises
    ------
    ResourceError
        ``estimate`` above 80 % of the available memory (when that is known).
    """
    available = available_memory()
    limit = _SHARE * available if available else None
    if limit is not None and estimate > limit:
        raise ResourceError(f"{what} needs about {_gb(estimate)} of memory, more than the "
                            f"{_gb(available)} available")
