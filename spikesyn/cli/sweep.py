"""The ``spikesyn sweep`` subcommand: a sweep file (TOML) in, one record per task out.

A sweep file names the job, the seeds and the grid::

    job = "maxcut"             # or "module:function" for a function job(params, seed) -> dict
    seeds = 4                  # seeds 0..3, or a list: [1, 5, 9]
    [grid]                     # the product of these lists...
    nodes = [100, 200]
    time_limit = ["1 s", "2 s"]

or, instead of ``[grid]``, an explicit list of parameter sets::

    [[points]]
    nodes = 100
    [[points]]
    nodes = 200
    sweeps = 2000

``spikesyn sweep SWEEP.toml --out results.csv`` runs it on a local process pool (one worker per
core; ``--workers N`` for another number), ``--local N`` on a Dask LocalCluster of N worker
processes, ``--scheduler tcp://host:8786`` on a running Dask cluster; ``--resume`` continues a
sweep that an earlier run of the same file wrote to ``--out``.

Examples
--------
>>> import os, tempfile
>>> from spikesyn.cli import main
>>> d = tempfile.mkdtemp()
>>> sweep_file = os.path.join(d, "sweep.toml")
>>> _ = open(sweep_file, "w").write('job = "spikesyn.sweeps:example_job"\\nseeds = 2\\n'
...                                 '[grid]\\nx = [1, 2]\\ntau = ["10 ms"]\\n')
>>> main(["sweep", sweep_file, "--out", os.path.join(d, "r.csv"), "--serial", "--quiet"])
4 tasks: 4 ok, 0 failed; records in .../r.csv
0
"""

from __future__ import annotations

import importlib
import os
import tomllib

from spikesyn.cli.argtypes import number
from spikesyn.cli.command import EXIT_OK, Command

__all__ = ["COMMAND", "read_sweep_file"]

_KEYS = {"job", "seeds", "grid", "points"}


def read_sweep_file(path):
    """(job, grid, seeds) of a sweep file; :class:`spikesyn.sweeps.SweepError` naming what is wrong.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "s.toml")
    >>> _ = open(p, "w").write('job = "maxcut"\\nseeds = [1, 2]\\n[grid]\\nnodes = [50]\\n')
    >>> read_sweep_file(p)
    ('maxcut', {'nodes': [50]}, [1, 2])
    """
    from spikesyn.sweeps import SweepError
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SweepError(f"{path}: unknown key {unknown[0]!r} (a sweep file has job, seeds and grid or [[points]])")
    for key in ("job", "seeds"):
        if key not in data:
            raise SweepError(f"{path}: missing {key!r}")
    if ("grid" in data) == ("points" in data):
        raise SweepError(f"{path}: give either a [grid] table or [[points]] tables")
    grid = data.get("grid", data.get("points"))
    if "grid" in data and not isinstance(grid, dict):
        raise SweepError(f"{path}: grid must be a table of lists")
    job = data["job"]
    if not isinstance(job, str):
        raise SweepError(f"{path}: job must be a name or 'module:function', got {job!r}")
    if ":" in job:
        job = _import_job(path, job)
    return job, grid, data["seeds"]


def _import_job(path, text):
    from spikesyn.sweeps import SweepError
    module, _, name = text.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SweepError(f"{path}: job {text!r} cannot be imported ({exc})") from None


def _add_arguments(p):
    p.add_argument("sweep_file", metavar="SWEEP.toml", help="the sweep: job, seeds and grid")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="records: .csv or .jsonl (JSON lines), appended as tasks finish")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep already in --out: skip its finished tasks")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=number(int, 1, 4096), metavar="N",
                       help="local worker processes (default: one per CPU core)")
    where.add_argument("--local", type=number(int, 1, 4096), metavar="N",
                       help="a Dask LocalCluster of N worker processes (needs spikesyn[cluster])")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://host:8786 (needs spikesyn[cluster])")
    where.add_argument("--serial", action="store_true", help="run the tasks in this process")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _run(args, parser):
    import spikesyn as ss
    from spikesyn.networks.sweep_jobs import sweep
    from spikesyn.sweeps import dask_client
    job, grid, seeds = read_sweep_file(args.sweep_file)
    client = None
    try:
        if args.local is not None or args.scheduler is not None:
            client = dask_client(args.scheduler, local=args.local)
        ss.quiet()
        records = sweep(job, grid, seeds=seeds,
                        executor=client or ("serial" if args.serial else args.workers),
                        out=args.out, resume=args.resume, progress=not args.quiet)
    finally:
        if client is not None:
            client.close()
    ok = sum(r["status"] == "ok" for r in records)
    print(f"{len(records)} tasks: {ok} ok, {len(records) - ok} failed; records in {os.fspath(args.out)}")
    return EXIT_OK


COMMAND = Command(
    "sweep",
    help="run a job over a grid of parameters and seeds, on local cores or a Dask cluster",
    description="Run a job (maxcut, sequence, learning, energy, or module:function) for every "
                "parameter set and seed of a sweep file, each task's record appended to --out "
                "as it finishes.",
    epilog="exit status: 0 every task ran (failed tasks are recorded in the output), 2 bad input "
           "(sweep file, option, output, unreachable scheduler), 130 interrupted",
    add_arguments=_add_arguments, run=_run)
