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

import ctypes
import multiprocessing as mp
import os
import queue as queue_module
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import replace

import numpy as np

__all__ = ["solve_in_workers", "worker_seeds"]

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


def solve_in_workers(job, workers, solve):
    """Run ``solve`` (maxcut's one-process solve) on ``job`` (a :class:`~.maxcut.SolveJob`) in
    ``workers`` processes and merge their results (see the module docstring). The caller's progress function is
    called as often as the job's plan says (``progress_every_s``) with the merged figures."""
    ctx = _context()
    seeds = worker_seeds(job.seed, workers)
    stop, interrupt = ctx.Event(), ctx.Event()
    results_q = ctx.Queue()
    user_progress = job.progress
    t_call = job.t_call
    progress_every_s = job.plan.progress_every_s
    procs = []
    for j, s in enumerate(seeds):
        # worker 0 goes on with the caller's generator (after programming); the others start
        # their own
        rng = job.rng if j == 0 else np.random.default_rng(s)
        # the caller's progress function stays here (it may not survive pickling): a worker
        # reports to the queue, and the caller passes the merged figures on
        wjob = replace(job, seed=s, rng=rng, progress=user_progress is not None)
        procs.append(ctx.Process(target=_worker, args=(j, wjob, solve, stop, interrupt, results_q, os.getpid()),
                                 daemon=True,
                                 name=f"spikesyn-maxcut-{j}"))
    with warnings.catch_warnings():
        # Python >= 3.12 warns that forking a process with threads (numpy's BLAS pool) may
        # deadlock a child that uses them; the workers run single-threaded Brian2 code
        warnings.filterwarnings("ignore", message=".*multi-threaded.*fork", category=DeprecationWarning)
        for p in procs:
            p.start()
    results, errors, latest = {}, {}, {}
    last_progress = 0.0
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
                    latest[j] = payload
                    now = time.perf_counter()
                    if user_progress is not None and now - last_progress >= progress_every_s:
                        last_progress = now
                        user_progress({"elapsed": now - t_call,
                                       "best": max(v["best"] for v in latest.values()),
                                       "sweeps": int(np.mean([v["sweeps"] for v in latest.values()]))})
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
    real = {j: e for j, e in errors.items() if e[0] != "KeyboardInterrupt"}
    if real:
        j, (name, text) = min(real.items())
        raise RuntimeError(f"max-cut worker {j} failed with {name}:\n{text}")
    if not results:
        raise KeyboardInterrupt
    res = _merge(results, seeds, t_call)
    if interrupted_at is not None and not res.interrupted:
        res.interrupted, res.stop_reason = True, "interrupted"
    return res
