"""Solve one max-cut in several processes: more replicas of the same programmed network, in parallel.

A Brian2 runtime simulation runs on one CPU core. :func:`spikesyn.maxcut` with ``workers=k``
starts ``k`` processes that each build and run the network of :mod:`.maxcut` on the same graph
and the same programmed devices (one chip's weights, read by more replicas), each with its own
random stream, and returns the best cut any of them found:

* worker 0 runs exactly the single-process solve of ``seed`` (same initial states, same read
  noise), so with a fixed number of sweeps ``workers=k`` never returns a smaller cut than
  ``workers=1`` for the same seed; worker ``j > 0`` uses the seed
  ``SeedSequence([seed, j])`` derives (listed in ``settings["worker_seeds"]``);
* a ``time_limit`` is each worker's own (counted from its first simulated step), a ``target``
  reached by one worker stops all of them (a shared event the workers check with their cuts);
* the trace is the best-so-far cut over all workers, with times from the call; anneals,
  flips and energy are summed over the workers, ``sweeps_done`` is the sweeps of a replica
  (the mean over the workers; each worker's in ``settings["worker_sweeps_done"]``),
  ``replica_cuts`` and ``node_flips`` list the replicas of worker 0 first, then those of
  worker 1, ...; the couplings are the shared programmed devices, so the flip-counted energy
  of :mod:`.maxcut_energy` stays exact;
* Ctrl-C ends every worker (the caller sets a shared event that the workers check with their
  cuts; from a terminal they get the signal as well): each returns its best state so far and
  the merged result is marked ``interrupted``.

Processes are forked where the platform allows it (Linux): a user's script needs no
``if __name__ == "__main__":`` guard and the workers start without importing Brian2 again.
Elsewhere they are spawned (then the calling script needs that guard, as for any
multiprocessing code).

With ``executor`` (:func:`solve_on_executor`) the workers are tasks of a Dask
``distributed.Client`` (on any machine of its cluster; Dask events carry the target's stop and
Ctrl-C, the scheduler's metadata the progress) or of a ``concurrent.futures`` executor of
processes (a multiprocessing manager carries them); each worker asks for the stop at most every
0.05 s. The workers' jobs and seeds are the same as with local processes, so the same seed and
sweeps give the same result.

Examples
--------
>>> import networkx as nx
>>> import spikesyn as ss
>>> G = nx.random_regular_graph(3, 60, seed=1)
>>> one = ss.maxcut(G, seed=4, sweeps=200)                 # doctest: +SKIP
>>> two = ss.maxcut(G, seed=4, sweeps=200, workers=2)      # doctest: +SKIP
>>> two.cut >= one.cut, two.replica_cuts[:16] == one.replica_cuts   # doctest: +SKIP
(True, True)
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing as mp
import os
import queue as queue_module
import signal
import sys
import threading
import time
import traceback
import uuid
import warnings
from dataclasses import replace

import numpy as np

from spikesyn.checks import shown
from spikesyn.errors import ParameterError

__all__ = ["check_executor", "solve_in_workers", "solve_on_executor", "worker_seeds"]

#: seconds the caller waits for the workers' results after Ctrl-C before ending them
_INTERRUPT_GRACE_S = 30.0


def worker_seeds(seed, workers):
    """Seeds of the workers: ``seed`` itself for worker 0, then seeds derived from it.

    Examples
    --------
    >>> s = worker_seeds(7, 3)
    >>> s[0], len(set(s)), s == worker_seeds(7, 3)
    (7, 3, True)
    """
    out = [int(seed)]
    for j in range(1, int(workers)):
        out.append(int(np.random.SeedSequence([int(seed), j]).generate_state(1)[0] % (2 ** 31)))
    return out


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid):
    """End this worker when the process that started it ends, however it ends (SIGKILL
    included): Linux sends it SIGKILL then (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread
    watches the parent's pid. Without it an orphaned worker finishes its solve and then blocks
    forever on the queue that nobody reads."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
        else:
            if os.getppid() != parent_pid:  # the parent ended before prctl took effect
                os._exit(1)
            return

    def watch():  # pragma: no cover - not Linux
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="spikesyn-parent-watch").start()


def _worker(j, job, solve, stop, interrupt, results, parent_pid=None):
    """Body of worker ``j``: one single-process ``solve`` of ``job``; its result, progress or
    error go to ``results`` as (kind, j, payload)."""
    if parent_pid is not None:
        _die_with_parent(parent_pid)

    def progress(info):
        results.put(("progress", j, dict(info)))

    try:
        job = replace(job, progress=progress if job.progress else None)
        res = solve(job, stop=stop, interrupt=interrupt)
        results.put(("result", j, res))
    except BaseException as exc:  # noqa: BLE001 - reported to the caller, which re-raises
        results.put(("error", j, (type(exc).__name__, traceback.format_exc())))


def _merge(results, seeds, t_call):
    """One MaxCutResult from the workers' results (dict worker -> result): the best worker's,
    with the figures of all."""
    order = sorted(results)
    best_j = max(order, key=lambda j: (results[j].cut, -j))
    best = results[best_j]
    trace, top = [], -np.inf
    for t, cut in sorted((p for j in order for p in results[j].trace), key=lambda p: p[0]):
        if cut > top:
            top = cut
            trace.append((t, cut))
    reasons = [results[j].stop_reason for j in order]
    reason = ("interrupted" if "interrupted" in reasons else
              "target" if "target" in reasons else best.stop_reason)
    merged_settings = dict(best.settings)  # holds "workers" already (maxcut's settings)
    merged_settings["worker_seeds"] = [seeds[j] for j in order]
    merged_settings["anneal_sweeps"] = [results[j].settings["anneal_sweeps"] for j in order]
    merged_settings["worker_sweeps_done"] = [results[j].sweeps_done for j in order]
    merged_settings["best_worker"] = best_j
    return replace(
        best, trace=trace,
        energy=sum((results[j].energy for j in order[1:]), results[order[0]].energy),
        settings=merged_settings, n=best.n, m=best.m,
        sweeps_done=int(round(np.mean(merged_settings["worker_sweeps_done"]))),
        anneals_done=round(sum(results[j].anneals_done for j in order), 3),
        flips=sum(results[j].flips for j in order), time_s=time.perf_counter() - t_call,
        build_s=max(results[j].build_s for j in order),
        replica_cuts=[c for j in order for c in results[j].replica_cuts],
        interrupted=reason == "interrupted", stop_reason=reason,
        node_flips=np.concatenate([results[j].node_flips for j in order], axis=0),
        setup_s=max(results[j].setup_s for j in order))


def _next_message(results_q, procs, results, errors):
    """The next (kind, worker, payload) from the workers, or None after a short wait. A worker
    that exited without a last message is recorded in ``errors``."""
    try:
        return results_q.get(timeout=0.2)
    except queue_module.Empty:
        pass
    gone = [k for k, p in enumerate(procs) if k not in results and k not in errors and p.exitcode is not None]
    if not gone:
        return None
    try:  # a worker's last message is in the pipe before it exits
        return results_q.get(timeout=1.0)
    except queue_module.Empty:
        for k in gone:
            errors[k] = ("WorkerDied", f"worker {k} exited with code {procs[k].exitcode}")
        return None


def _worker_jobs(job, workers):
    """The seeds of the workers and a copy of ``job`` for each: worker 0 goes on with the
    caller's generator (after programming), the others start their own. The caller's progress
    function stays with the caller (it may not survive pickling): a worker's job only says
    whether to report."""
    seeds = worker_seeds(job.seed, workers)
    jobs = [replace(job, seed=s, rng=job.rng if j == 0 else np.random.default_rng(s),
                    progress=job.progress is not None)
            for j, s in enumerate(seeds)]
    return seeds, jobs


class _MergedProgress:
    """Passes the workers' latest figures, merged, to the caller's progress function as often as
    the plan says."""

    def __init__(self, job):
        self.user, self.t_call, self.every = job.progress, job.t_call, job.plan.progress_every_s
        self.latest, self.last = {}, 0.0

    def __call__(self, j, info):
        self.latest[j] = info
        now = time.perf_counter()
        if self.user is not None and now - self.last >= self.every:
            self.last = now
            self.user({"elapsed": now - self.t_call,
                       "best": max(v["best"] for v in self.latest.values()),
                       "sweeps": int(np.mean([v["sweeps"] for v in self.latest.values()]))})


def _finish(results, errors, seeds, t_call, interrupted):
    """The merged result, or the first worker's error (a worker's Ctrl-C is not one)."""
    real = {j: e for j, e in errors.items() if e[0] != "KeyboardInterrupt"}
    if real:
        j, (name, text) = min(real.items())
        raise RuntimeError(f"max-cut worker {j} failed with {name}:\n{text}")
    if not results:
        raise KeyboardInterrupt
    res = _merge(results, seeds, t_call)
    if interrupted and not res.interrupted:
        res.interrupted, res.stop_reason = True, "interrupted"
    return res


def solve_in_workers(job, workers, solve, executor=None):
    """Run ``solve`` (maxcut's one-process solve) on ``job`` (a :class:`~.maxcut.SolveJob`) in
    ``workers`` processes and merge their results (see the module docstring): forked local
    processes, or the tasks of ``executor`` (:func:`solve_on_executor`). The caller's progress
    function is called as often as the job's plan says (``progress_every_s``) with the merged
    figures."""
    if executor is not None:
        return solve_on_executor(job, workers, solve, executor)
    ctx = _context()
    seeds, jobs = _worker_jobs(job, workers)
    stop, interrupt = ctx.Event(), ctx.Event()
    results_q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(j, wjob, solve, stop, interrupt, results_q, os.getpid()),
                         daemon=True, name=f"spikesyn-maxcut-{j}")
             for j, wjob in enumerate(jobs)]
    with warnings.catch_warnings():
        # Python >= 3.12 warns that forking a process with threads (numpy's BLAS pool) may
        # deadlock a child that uses them; the workers run single-threaded Brian2 code
        warnings.filterwarnings("ignore", message=".*multi-threaded.*fork", category=DeprecationWarning)
        for p in procs:
            p.start()
    results, errors = {}, {}
    report = _MergedProgress(job)
    interrupted_at = None
    try:
        while len(results) + len(errors) < workers:
            try:
                msg = _next_message(results_q, procs, results, errors)
                if msg is None:
                    if interrupted_at is not None and time.perf_counter() - interrupted_at > _INTERRUPT_GRACE_S:
                        break
                    continue
                kind, j, payload = msg
                if kind == "progress":
                    report(j, payload)
                elif kind == "result":
                    results[j] = payload
                else:
                    errors[j] = payload
                    if payload[0] != "KeyboardInterrupt":
                        stop.set()
            except KeyboardInterrupt:
                # the workers end their runs at their next check of the cut (they may have
                # had the signal too, from the terminal) and send their best so far
                interrupt.set()
                interrupted_at = interrupted_at or time.perf_counter()
    finally:
        for p in procs:
            p.join(timeout=5.0)
            if p.is_alive():
                p.terminate()
                p.join()
    return _finish(results, errors, seeds, job.t_call, interrupted_at is not None)


# --------------------------------------------------------------------------- any executor
class _PolledEvent:
    """An event of another process or machine, asked at most every ``every_s`` seconds: a
    network checks its stop events every sweep, and asking a Dask scheduler or a multiprocessing
    manager costs a round trip (~0.1-1 ms). Once seen set, it stays set."""

    def __init__(self, event, every_s=0.05):
        self.event, self.every_s = event, every_s
        self._set, self._asked = False, -np.inf

    def is_set(self):
        now = time.perf_counter()
        if not self._set and now - self._asked >= self.every_s:
            self._asked = now
            self._set = bool(self.event.is_set())
        return self._set

    def set(self):
        self._set = True
        self.event.set()

    def __getstate__(self):
        return {"event": self.event, "every_s": self.every_s}

    def __setstate__(self, state):
        self.__init__(state["event"], state["every_s"])


class _DaskProgress:
    """Progress of the workers on a Dask cluster, kept as the scheduler's metadata (one entry
    per worker, the latest figures): a worker's task stores, the caller reads."""

    def __init__(self, tag):
        self.key = ["spikesyn-maxcut-progress", tag]

    def put(self, message):
        from distributed import get_client
        j, info = message
        get_client().set_metadata([*self.key, str(j)], info)

    def latest(self, client):
        return [(int(j), info) for j, info in (client.get_metadata(self.key, default=None) or {}).items()]


class _Channels:
    """The stop and interrupt events and the progress sink that the caller shares with
    workers on an executor: Dask's (reachable from any machine of the cluster) for a Dask
    client, a multiprocessing manager's for other executors (this machine's processes)."""

    def __init__(self, client):
        self._client = client
        self._manager = None
        if client is not None:
            from distributed import Event
            tag = uuid.uuid4().hex
            self.stop = Event(f"spikesyn-maxcut-stop-{tag}", client=client)
            self.interrupt = Event(f"spikesyn-maxcut-interrupt-{tag}", client=client)
            self.progress = _DaskProgress(tag)
        else:
            self._manager = mp.Manager()
            self.stop, self.interrupt = self._manager.Event(), self._manager.Event()
            self.progress = self._manager.Queue()

    def progress_messages(self):
        """The progress messages that arrived since the last call ((worker, figures) pairs)."""
        if self._client is not None:
            return self.progress.latest(self._client)
        out = []
        try:
            while True:
                out.append(self.progress.get_nowait())
        except queue_module.Empty:
            pass
        return out

    def close(self):
        if self._manager is not None:
            self._manager.shutdown()
        else:
            self._client.set_metadata(self.progress.key, {})


def _executor_worker(j, job, solve, stop, interrupt, progress_q):
    """Body of worker ``j`` on an executor: one single-process ``solve`` of ``job``, returned
    (an error propagates through the future); progress goes to ``progress_q``."""

    def progress(info):
        progress_q.put((j, dict(info)))

    job = replace(job, progress=progress if job.progress else None)
    return solve(job, stop=_PolledEvent(stop), interrupt=_PolledEvent(interrupt))


def check_executor(executor):
    """Refuse, before any work, an ``executor`` the workers cannot run on.

    Raises
    ------
    ParameterError
        Not a Dask client nor a concurrent.futures executor, or an executor of threads.

    Examples
    --------
    >>> import concurrent.futures as cf
    >>> check_executor(cf.ThreadPoolExecutor(1))
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: executor: a ThreadPoolExecutor runs the workers in one process, ...
    """
    from spikesyn.cluster import is_dask_client
    if is_dask_client(executor) or is_dask_client(getattr(executor, "_client", None)):
        return
    if isinstance(executor, cf.ThreadPoolExecutor):
        raise ParameterError("executor: a ThreadPoolExecutor runs the workers in one process, and "
                             "Brian2 runs one network at a time per process; give a "
                             "ProcessPoolExecutor or a Dask Client")
    if not isinstance(executor, cf.Executor):
        raise ParameterError(f"executor must be a Dask distributed.Client or a concurrent.futures."
                             f"Executor (of processes), got {shown(executor)}")


def _as_futures_executor(executor):
    """(concurrent.futures.Executor, Dask client or None) for a checked ``executor``; a Dask
    cluster's workers are checked and have Brian2 imported."""
    from spikesyn.cluster import is_dask_client, prepare_workers
    check_executor(executor)
    client = executor if is_dask_client(executor) else getattr(executor, "_client", None)
    if not is_dask_client(client):
        return executor, None
    prepare_workers(client)
    return (executor.get_executor(pure=False) if client is executor else executor), client


def solve_on_executor(job, workers, solve, executor):
    """:func:`solve_in_workers` with the workers as tasks of ``executor``: a Dask
    ``distributed.Client`` (the workers may run anywhere on its cluster; Dask's events stop
    them) or a ``concurrent.futures`` executor of processes on this machine (a multiprocessing
    manager's events). The same seeds give the same result as the local processes; a worker
    that fails or dies stops the others and raises ``RuntimeError``."""
    pool, client = _as_futures_executor(executor)
    seeds, jobs = _worker_jobs(job, workers)
    channels = _Channels(client)
    report = _MergedProgress(job)
    results, errors, futures = {}, {}, {}
    interrupted_at = None
    try:
        futures = {pool.submit(_executor_worker, j, wjob, solve, channels.stop, channels.interrupt,
                               channels.progress): j
                   for j, wjob in enumerate(jobs)}
        pending = set(futures)
        while pending:
            try:
                done, pending = cf.wait(pending, timeout=0.2)
                for future in done:
                    j = futures[future]
                    exc = future.exception()
                    if exc is None:
                        results[j] = future.result()
                    else:
                        errors[j] = (type(exc).__name__, "".join(traceback.format_exception(exc)))
                        if not isinstance(exc, KeyboardInterrupt):
                            channels.stop.set()
                for j, info in channels.progress_messages():
                    report(j, info)
                if interrupted_at is not None and time.perf_counter() - interrupted_at > _INTERRUPT_GRACE_S:
                    break
            except KeyboardInterrupt:
                channels.interrupt.set()
                interrupted_at = interrupted_at or time.perf_counter()
    finally:
        for future in futures:
            future.cancel()
        channels.close()
    return _finish(results, errors, seeds, job.t_call, interrupted_at is not None)
