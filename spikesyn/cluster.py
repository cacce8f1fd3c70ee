"""Dask clusters for spikesyn: a client, and workers that can run Brian2 networks.

Both :func:`spikesyn.sweep` and :func:`spikesyn.maxcut` (``workers=K, executor=client``) run
their tasks on a Dask ``distributed.Client``. Brian2 keeps global state (preferences, the
current device, the magic network), so each worker process must run one network at a time:
Dask workers need one thread each (``dask worker --nthreads 1``, or
``LocalCluster(processes=True, threads_per_worker=1)``, which :func:`dask_client` starts).
Dask is an optional extra: ``pip install "spikesyn[cluster]"``.

Examples
--------
>>> from spikesyn.cluster import dask_client
>>> with dask_client(local=2) as client:                      # doctest: +SKIP
...     prepare_workers(client)
"""

from __future__ import annotations

import numbers
import os

from spikesyn.checks import shown
from spikesyn.errors import ClusterError, SchedulerError

__all__ = ["dask_client", "is_dask_client", "prepare_workers", "ClusterError", "SchedulerError"]


def dask_client(scheduler=None, *, local=None, timeout=5.0):
    """A Dask ``distributed.Client``: of an existing cluster, or of a new LocalCluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``): a Slurm or Kubernetes cluster
        started with dask-jobqueue or dask-kubernetes works the same.
    local : int, optional
        Start a LocalCluster of this many single-threaded worker processes instead.
    timeout : float
        Seconds to wait for the scheduler before giving up.

    Raises
    ------
    SchedulerError
        Dask is not installed, or no scheduler answers at ``scheduler`` within ``timeout``.
    ClusterError
        Neither or both of ``scheduler`` and ``local`` given, or one of the wrong type.

    Examples
    --------
    >>> dask_client("tcp://127.0.0.1:9", timeout=2)          # doctest: +SKIP
    Traceback (most recent call last):
    ...
    spikesyn.errors.SchedulerError: no Dask scheduler answered at tcp://127.0.0.1:9 within 2 s ...
    """
    if (scheduler is None) == (local is None):
        raise ClusterError("give either a scheduler address or a number of local workers")
    try:
        from distributed import Client
    except ImportError:
        raise SchedulerError('Dask is not installed: pip install "spikesyn[cluster]"') from None
    if local is not None:
        if isinstance(local, bool) or not isinstance(local, numbers.Integral) or local < 1:
            raise ClusterError(f"local must be a positive number of workers, got {shown(local)}")
        # a client that starts its own LocalCluster closes it when it closes
        return Client(n_workers=int(local), threads_per_worker=1, processes=True,
                      dashboard_address=None)
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ClusterError(f"scheduler must be an address such as tcp://host:8786, got {shown(scheduler)}")
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(f"no Dask scheduler answered at {scheduler} within {timeout:g} s "
                             f"({type(exc).__name__}: {exc})") from None


def is_dask_client(obj):
    """Whether ``obj`` is a Dask ``distributed.Client`` (without importing Dask).

    Examples
    --------
    >>> is_dask_client(None)
    False
    """
    return hasattr(obj, "get_executor") and hasattr(obj, "scheduler_info")


def _worker_ready():
    """On a Dask worker, in its main thread: import Brian2 there (its import installs a signal
    handler, which only the main thread may do; tasks run in other threads)."""
    import brian2  # noqa: F401
    return os.getpid()


def prepare_workers(client, brian2_tasks=True):
    """Import Brian2 on every worker of ``client``; with ``brian2_tasks``, refuse workers that
    would run two networks in one process (more than one thread, or processes shared).

    Raises
    ------
    ClusterError
        A worker has more than one thread, or workers share a process.

    Examples
    --------
    >>> with dask_client(local=1) as client:                  # doctest: +SKIP
    ...     prepare_workers(client)
    """
    pids = client.run(_worker_ready)
    if not brian2_tasks:
        return
    threads = {w: info.get("nthreads", 1) for w, info in client.scheduler_info()["workers"].items()}
    shared = len(set(pids.values())) < len(pids)
    if shared or any(n > 1 for n in threads.values()):
        raise ClusterError("Brian2 runs one network at a time per process: give the Dask workers one "
                           "thread each and a process of their own (dask worker --nthreads 1; "
                           "LocalCluster(processes=True, threads_per_worker=1); spikesyn.dask_client)")
