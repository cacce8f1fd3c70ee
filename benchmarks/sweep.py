"""What spikesyn.sweep costs and gains: 16 max-cut tasks run directly, in this process, on 1 and 2
local workers, and on a Dask LocalCluster of 2 worker processes.

The tasks: the ``maxcut`` job on random 3-regular graphs of ``--nodes`` nodes (4 graph seeds x 4
solver seeds), ``--sweeps`` sweeps each (no time limit, so every record is reproducible), Cython
code compiled once before anything is timed. Runs, one after the other:

* direct: ``JOBS["maxcut"].run(params, seed)`` for each task in a loop (no sweep machinery);
* serial: ``sweep(..., executor="serial")`` (the bookkeeping and the output file, no processes);
* local 1 / local 2: ``sweep(..., executor=1 / 2)``, a fresh process pool each (the workers'
  start, with Brian2's import, is inside the wall time);
* dask 2: ``sweep(..., executor=client)``, a LocalCluster of 2 single-threaded processes
  (started before the clock starts).

Every run's records are compared with the direct ones on every field but the timings.

Usage::

    python benchmarks/sweep.py --nodes 100 --sweeps 2000 --md out.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

from report import emit

TIMING = ("wall_s", "worker", "time_s", "setup_s", "solve_s", "time_to_best_s", "task", "status", "error")


def b2_second():
    from brian2 import second
    return second


def figures(record):
    return {k: v for k, v in record.items() if k not in TIMING}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=100)
    p.add_argument("--sweeps", type=int, default=2000)
    p.add_argument("--no-dask", action="store_true", help="leave the Dask run out")
    p.add_argument("--md", help="write the table as Markdown here")
    args = p.parse_args(argv)

    import spikesyn as ss
    from spikesyn.networks.sweep_jobs import JOBS
    from spikesyn.sweeps import tasks_of
    ss.quiet()
    grid = {"nodes": [args.nodes], "graph_seed": [0, 1, 2, 3], "sweeps": [args.sweeps],
            "codegen": ["cython"]}
    seeds = [0, 1, 2, 3]
    _, _, tasks = tasks_of("maxcut", grid, seeds, registry=JOBS)
    JOBS["maxcut"].warm_up([t.values for t in tasks])      # compile before any clock starts
    work = tempfile.mkdtemp()
    load0 = os.getloadavg()[0]
    rows, reference = [], None

    t0 = time.perf_counter()
    direct = [{"seed": t.seed, **t.params, **JOBS["maxcut"].run(t.values, t.seed)} for t in tasks]
    rows.append(("direct (loop of job calls)", time.perf_counter() - t0, None, "reference"))
    reference = [figures(r) for r in direct]
    solve = sum(r["time_s"] for r in direct)
    print(f"direct: {rows[-1][1]:.2f} s (maxcut's own time_s summed: {solve:.2f} s)", flush=True)

    first_tasks = []

    def timed(label, executor):
        out = os.path.join(work, f"{len(rows)}.csv")
        t = time.perf_counter()
        records = ss.sweep("maxcut", grid, seeds=seeds, executor=executor, out=out, progress=False)
        wall = time.perf_counter() - t
        same = [figures(r) for r in records] == reference
        tasks_s = sum(r["wall_s"] for r in records)
        by_worker = {}
        for r in sorted(records, key=lambda r: r["task"]):
            by_worker.setdefault(r["worker"], []).append(r["wall_s"])
        if executor != "serial":
            first_tasks.append((label, [w[0] for w in by_worker.values()],
                                [x for w in by_worker.values() for x in w[1:]]))
        rows.append((label, wall, tasks_s, "identical" if same else "DIFFERENT"))
        print(f"{label}: {wall:.2f} s, tasks {tasks_s:.2f} s, records {rows[-1][3]}", flush=True)

    timed("sweep, serial (this process)", "serial")
    timed("sweep, local pool of 1 worker", 1)
    timed("sweep, local pool of 2 workers", 2)
    if not args.no_dask:
        try:
            client = ss.dask_client(local=2)
        except ss.SpikesynError as exc:
            print(f"dask: {exc}")
        else:
            with client:
                timed("sweep, Dask LocalCluster of 2 workers", client)

    # the machinery alone: 200 tasks of a job that does nothing
    from spikesyn.sweeps import example_job
    noop = {"x": list(range(50)), "tau": ["1 ms"]}
    t = time.perf_counter()
    for point in [{"x": x, "tau": 1e-3 * b2_second()} for x in noop["x"]]:
        for seed in range(4):
            example_job(point, seed)
    loop_s = time.perf_counter() - t
    t = time.perf_counter()
    ss.sweep(example_job, noop, seeds=4, executor="serial", out=os.path.join(work, "noop.csv"), progress=False)
    serial_noop = (time.perf_counter() - t - loop_s) / 200
    t = time.perf_counter()
    ss.sweep(example_job, noop, seeds=4, executor=1, out=os.path.join(work, "noop1.csv"), progress=False)
    pool_noop = (time.perf_counter() - t - loop_s) / 200
    print(f"no-op job: {serial_noop * 1e3:.2f} ms a task in this process, {pool_noop * 1e3:.2f} ms in a 1-worker pool")

    t0 = time.perf_counter()
    again = [figures({"seed": t.seed, **t.params, **JOBS["maxcut"].run(t.values, t.seed)}) for t in tasks]
    rows.append(("direct again, at the end (load drift)", time.perf_counter() - t0, None,
                 "identical" if again == reference else "DIFFERENT"))
    print(f"direct again: {rows[-1][1]:.2f} s", flush=True)

    base = rows[0][1]
    one = next(r[1] for r in rows if r[0].endswith("1 worker"))
    two = next(r[1] for r in rows if r[0].endswith("2 workers"))
    serial = next(r[1] for r in rows if "serial" in r[0])
    lines = [f"Command: `python benchmarks/sweep.py --nodes {args.nodes} --sweeps {args.sweeps}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
             f"shared with other jobs while it ran (load average {load0:.1f} at the start, "
             f"{os.getloadavg()[0]:.1f} at the end), so the wall times carry their load.", "",
             f"16 tasks: maxcut job, random 3-regular graphs of {args.nodes} nodes (graph seeds 0-3) x "
             f"solver seeds 0-3, {args.sweeps} sweeps, Cython (compiled before timing).", "",
             "| run | wall s | sum of task wall_s | records vs direct |", "|---|---|---|---|"]
    for label, wall, tasks_s, same in rows:
        lines.append(f"| {label} | {wall:.2f} | {'-' if tasks_s is None else f'{tasks_s:.2f}'} | {same} |")
    tasks_one = next(r[2] for r in rows if r[0].endswith("1 worker"))
    tasks_two = next(r[2] for r in rows if r[0].endswith("2 workers"))
    lines += ["",
              f"- 2 workers / 1 worker wall time: {two / one:.2f}",
              f"- the same tasks take {tasks_two / tasks_one:.2f} x as long each when two run at once "
              f"(sum of task wall_s, 2 workers / 1 worker): the machine's two cores do not give twice "
              f"the speed, so {tasks_two / tasks_one / 2:.2f} is the best wall-time ratio 2 workers can "
              f"reach here, worker start aside",
              f"- per-task overhead of the sweep in this process (serial - direct) / 16: "
              f"{(serial - base) / 16 * 1e3:.1f} ms ({(serial - base) / base * 100:+.1f} %)",
              f"- per-task overhead of a 1-worker pool, its start included, (local 1 - direct) / 16: "
              f"{(one - base) / 16 * 1e3:.0f} ms ({(one - base) / base * 100:+.1f} %)"]
    lines.append(f"- the machinery alone, 200 tasks of a job that does nothing (each task's record written "
                 f"to a CSV file): {serial_noop * 1e3:.2f} ms a task in this process, {pool_noop * 1e3:.2f} ms "
                 f"in a 1-worker pool (its start included)")
    for label, first, rest in first_tasks:
        lines.append(f"- {label}: first task of each worker {sum(first) / len(first):.2f} s on average, "
                     f"later tasks {sum(rest) / max(len(rest), 1):.2f} s (local workers warm up "
                     f"as they start; Dask workers do not)")
    emit("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
