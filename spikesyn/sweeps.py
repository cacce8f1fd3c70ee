"""Run a job over a grid of parameters and seeds on any executor, one record per task.

A *job* is a named job of :mod:`spikesyn.networks.sweep_jobs` (``maxcut``, ``sequence``,
``learning``, ``energy``: each maps parameters to the library call and returns a flat record of
its figures; ``spikesyn.sweep`` takes their names) or any picklable function
``job(params, seed) -> dict``. This module is the engine: it takes a job object (with ``name``,
``check``, ``run`` and ``warm_up``) or a function, and a ``registry`` of named jobs to look names
up in; it imports no network builder. The *grid* is a dict of
named lists (their product is swept) or an explicit list of parameter dicts; quantities are
written as in cards (``"100 ms"``, ``"2 uS"``) or given as Brian2 quantities. Everything is
checked before the first task starts: an unknown job, a parameter the job does not take, a value
without its unit or out of range, an output file that is not a previous sweep's.

Tasks run on a ``concurrent.futures.Executor``: by default a local process pool with one worker
per CPU core (started with ``forkserver`` or ``spawn``: Brian2 in a forked copy of a process
that has already run it is not safe; so a script that calls :func:`sweep` needs the usual
``if __name__ == "__main__":`` guard), or a Dask ``distributed.Client`` (:func:`dask_client`;
``pip install "spikesyn[cluster]"``). Each finished task is appended to ``out`` at once (CSV or
JSON lines, by extension; the first line marks the file as a sweep's), so an interrupted sweep
loses nothing and ``resume=True`` skips the tasks already done. A task that raises, or whose
worker process dies, is recorded with ``status = "failed"`` and its error; the others go on.

Brian2 compiles the Cython code of a network on its first run in an environment and caches it
in ``~/.cython``. Every worker process uses that cache; on a cluster, each machine (or each home
directory) builds its own on its first task (several workers on one machine may compile at once:
Brian2 locks each module of the cache while it builds it). With the local pool, named jobs first
run a tiny warm-up in this process, so that the workers start from a warm cache instead of
waiting for each other's builds, and again in each worker as it starts (a new process spends
seconds loading the compiled code on its first network), so that ``wall_s``, the time of the
task in its worker, holds the task alone. On Dask workers the first task of each worker carries
that cost; the max-cut record's ``solve_s`` leaves building and compiling out everywhere.

Examples
--------
>>> import os, tempfile
>>> import spikesyn as ss
>>> from spikesyn.sweeps import example_job
>>> out = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
>>> records = ss.sweep(example_job, {"x": [1, 2], "tau": ["10 ms"]}, seeds=2, out=out,
...                    executor="serial", progress=False)
>>> [(r["x"], r["seed"], r["y"]) for r in records]
[(1, 0, 0.01), (1, 1, 0.02), (2, 0, 0.02), (2, 1, 0.03)]
>>> len(open(out).read().splitlines())     # header + 4 records
5
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import itertools
import json
import logging
import math
import multiprocessing
import numbers
import os
import pickle
import stat
import time
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from spikesyn.checks import seed_value, shown
from spikesyn.cluster import dask_client, is_dask_client, prepare_workers
from spikesyn.errors import SchedulerError, SpikesynError, SweepError
from spikesyn.outputs import atomic_write, check_output, is_device_or_fifo
from spikesyn.units import number_and_unit

__all__ = ["sweep", "SweepError", "SchedulerError", "dask_client", "read_sweep", "tasks_of",
           "parse_quantity", "example_job", "SWEEP_FORMAT"]

logger = logging.getLogger("spikesyn.sweep")

#: version of the sweep file format (first line of every sweep file)
SWEEP_FORMAT = 1
_MARK = "spikesyn sweep"
_CSV_SUFFIXES = (".csv",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
#: most tasks one sweep takes (a grid of this many points is almost always a mistake)
MAX_TASKS = 1_000_000
_PROGRESS_EVERY_S = 2.0
_RESERVED = ("task", "seed", "status", "error", "wall_s", "worker")


# --------------------------------------------------------------------------- values
def parse_quantity(text):
    """A number with a unit written as in cards (``"100 ms"``, ``"2.5 uS"``, ``"4 kHz"``).

    Returns ``None`` when ``text`` is not a number followed by a unit (a plain string).

    Raises
    ------
    SweepError
        A number followed by something that is not a Brian2 unit.

    Examples
    --------
    >>> print(parse_quantity("100 ms"), parse_quantity("2uS"), parse_quantity("pcm"))
    100. ms 2. uS None
    >>> parse_quantity("3 parsecs")
    Traceback (most recent call last):
    ...
    spikesyn.errors.SweepError: '3 parsecs': 'parsecs' in 'parsecs' is not a Brian2 unit
    """
    try:
        read = number_and_unit(text)
    except ValueError as exc:
        raise SweepError(f"{shown(text)}: {exc}") from None
    if read is None or read[1] is None:
        return None
    return read[0] * read[1]


def example_job(params, seed):
    """A tiny job for examples and tests: ``y = x * tau / second + seed / 100``.

    Examples
    --------
    >>> from brian2 import ms
    >>> example_job({"x": 2, "tau": 10 * ms}, 1)
    {'y': 0.03}
    """
    from brian2 import second
    return {"y": round(params["x"] * float(params["tau"] / second) + seed / 100, 12)}


# --------------------------------------------------------------------------- jobs and grids
@dataclass(frozen=True)
class _Task:
    index: int
    params: dict       # as written (what the record shows)
    values: dict       # as the job takes them (quantities parsed and checked)
    seed: int

    @property
    def key(self):
        return task_key(self.params, self.seed)


def task_key(params, seed):
    """What identifies a task in a sweep file: its parameters as written and its seed.

    Examples
    --------
    >>> task_key({"tau": "10 ms", "x": 1}, 0) == task_key({"x": "1", "tau": "10 ms"}, "0")
    True
    """
    # a parameter left out, None and an empty CSV cell are the same: absent
    return json.dumps([sorted((str(k), str(v)) for k, v in params.items() if v is not None and v != ""),
                       str(seed)])


def _is_job(job):
    return all(hasattr(job, a) for a in ("name", "check", "run", "warm_up"))


def _resolve_job(job, registry=None):
    """(name, runner, spec): a named job object (looked up in ``registry`` when given by name),
    or a picklable callable (spec None)."""
    if isinstance(job, str):
        registry = registry or {}
        if job not in registry:
            raise SweepError(f"unknown job {job!r}: the named jobs are {', '.join(sorted(registry)) or 'none here'} "
                             f"(or pass a function job(params, seed) -> dict)")
        job = registry[job]
    if _is_job(job):
        return job.name, job, job
    if not callable(job):
        raise SweepError(f"job must be a job name or a function job(params, seed) -> dict, got {shown(job)}")
    try:
        pickle.dumps(job)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same to the user
        raise SweepError(f"job {shown(job)} cannot be sent to worker processes ({exc}): define it "
                         f"at the top level of an importable module (not a lambda or a local function)") from None
    name = f"{getattr(job, '__module__', '?')}.{getattr(job, '__qualname__', type(job).__name__)}"
    return name, job, None


def _grid_points(grid):
    if isinstance(grid, dict):
        names = list(grid)
        lists = []
        for name in names:
            values = grid[name]
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                values = [values]
            values = list(values)
            if not values:
                raise SweepError(f"grid: {name!r} has no values")
            lists.append(values)
        count = math.prod(len(v) for v in lists)
        if count > MAX_TASKS:
            raise SweepError(f"grid: {count} points is more than {MAX_TASKS}")
        return [dict(zip(names, combo)) for combo in itertools.product(*lists)]
    if isinstance(grid, (list, tuple)):
        if not grid:
            raise SweepError("grid: the list of parameter sets is empty")
        for i, point in enumerate(grid):
            if not isinstance(point, dict):
                raise SweepError(f"grid[{i}] must be a dict of parameters, got {shown(point)}")
        return [dict(p) for p in grid]
    raise SweepError(f"grid must be a dict of named lists or a list of dicts, got {shown(grid)}")


def _seeds(seeds):
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if not 1 <= seeds <= MAX_TASKS:
            raise SweepError(f"seeds must be a positive count or a list of seeds, got {seeds!r}")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise SweepError(f"seeds must be a positive count or a list of seeds, got {shown(seeds)}")
    out = []
    for s in seeds:
        try:
            out.append(seed_value(s))
        except SpikesynError as exc:
            raise SweepError(f"seeds: {exc}") from None
    if not out:
        raise SweepError("seeds: the list is empty")
    if len(set(out)) != len(out):
        raise SweepError(f"seeds: {shown(out)} repeats a seed")
    return out


def _written(value):
    """A parameter value as the record shows it (quantities as text)."""
    if isinstance(value, (str, bool, numbers.Integral, numbers.Real)) or value is None:
        return value.item() if hasattr(value, "item") else value
    return str(value)


def _callable_value(name, value):
    if isinstance(value, str):
        q = parse_quantity(value)
        return value if q is None else q
    return value


def tasks_of(job, grid, seeds, registry=None):
    """The tasks of a sweep, checked: ``(job name, runner, [task, ...])``.

    Raises
    ------
    SweepError
        An unknown job, a parameter it does not take, a value without its unit or out of range,
        a reserved parameter name, bad seeds.

    Examples
    --------
    >>> from spikesyn.networks.sweep_jobs import JOBS
    >>> name, runner, tasks = tasks_of("maxcut", {"nodes": [20], "sweeps": [50, 100]}, seeds=[3],
    ...                                registry=JOBS)
    >>> name, [(t.params["sweeps"], t.seed) for t in tasks]
    ('maxcut', [(50, 3), (100, 3)])
    >>> tasks_of(JOBS["maxcut"], {"nodes": [20], "time_limit": ["10"]}, seeds=1)
    Traceback (most recent call last):
    ...
    spikesyn.errors.SweepError: grid point 0: time_limit: '10' has no unit: write it as a time with its unit, for example '10 s'
    """
    name, runner, spec = _resolve_job(job, registry)
    points = _grid_points(grid)
    seeds = _seeds(seeds)
    if len(points) * len(seeds) > MAX_TASKS:
        raise SweepError(f"{len(points)} grid points x {len(seeds)} seeds is more than {MAX_TASKS} tasks")
    tasks = []
    for i, point in enumerate(points):
        for key in point:
            if not isinstance(key, str) or not key:
                raise SweepError(f"grid point {i}: parameter names must be non-empty strings, got {shown(key)}")
            if key in _RESERVED:
                raise SweepError(f"grid point {i}: {key!r} is a column of every record; name the parameter otherwise")
        if spec is not None:
            try:
                values = spec.check(point)
            except SpikesynError as exc:
                raise SweepError(f"grid point {i}: {exc}") from None
        else:
            values = {k: _callable_value(k, v) for k, v in point.items()}
        written = {k: _written(v) for k, v in point.items()}
        for seed in seeds:
            tasks.append(_Task(len(tasks), written, values, seed))
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise SweepError("grid: the same parameter set appears twice")
    return name, runner, tasks


# --------------------------------------------------------------------------- running one task
def _run_task(runner, values, seed):
    """In the worker: run one task; never raises (the error goes into the record)."""
    t0 = time.perf_counter()
    try:
        if _is_job(runner):
            record = runner.run(values, seed)
        else:
            record = runner(values, seed)
        if not isinstance(record, dict):
            raise TypeError(f"the job returned {type(record).__name__}, not a dict")
        record = {str(k): _plain(v) for k, v in record.items()}
        status, error = "ok", ""
    except BaseException as exc:  # noqa: BLE001 - a failed task is recorded, not raised
        if isinstance(exc, KeyboardInterrupt):
            raise
        record, status = {}, "failed"
        error = " / ".join(line for line in f"{type(exc).__name__}: {exc}".splitlines() if line.strip())
        logger.debug("task failed:\n%s", traceback.format_exc())
    return {"status": status, "error": error, "wall_s": time.perf_counter() - t0,
            "worker": f"{os.uname().nodename}:{os.getpid()}", **record}


def _plain(value):
    """A record value as plain JSON data (quantities as text, numpy scalars as Python numbers)."""
    if hasattr(value, "dim") and hasattr(value, "__array__"):
        return str(value)
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


# --------------------------------------------------------------------------- sweep files
class _SweepFile:
    """The output of a sweep: a header line, then one record per finished task."""

    def __init__(self, path, job_name, param_names):
        self.path = os.fspath(path)
        suffix = Path(self.path).suffix.lower()
        if suffix in _CSV_SUFFIXES:
            self.kind = "csv"
        elif suffix in _JSONL_SUFFIXES or is_device_or_fifo(self.path):
            self.kind = "jsonl"   # a terminal or a pipe gets JSON lines
        else:
            raise SweepError(f"out {self.path}: give a .csv or .jsonl (JSON lines) file name, got {suffix or 'no suffix'!r}")
        self.job_name = job_name
        self.columns = ["task", "seed", *param_names, "status", "error", "wall_s", "worker"]
        self.in_place = is_device_or_fifo(self.path)

    def header(self):
        meta = {"format": SWEEP_FORMAT, "job": self.job_name}
        if self.kind == "jsonl":
            return json.dumps({_MARK: meta}) + "\n"
        return f"# {_MARK} {json.dumps(meta)}\n"

    def existing(self):
        """Records already in the file (an empty list for a new or empty file)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            return None
        return read_sweep(self.path, job=self.job_name)

    def start(self, previous):
        """Write the header (a new file) or take the columns of the records already there."""
        if previous is None:
            if self.kind == "csv":
                text = self.header() + _csv_line(self.columns)
            else:
                text = self.header()
            if self.in_place:
                with open(self.path, "a") as f:
                    f.write(text)
            else:
                atomic_write(self.path, lambda tmp: Path(tmp).write_text(text))
            return
        _drop_cut_line(self.path)
        if self.kind == "csv":
            with open(self.path, newline="") as f:
                f.readline()
                self.columns = next(csv.reader(f))

    def append(self, record):
        if self.kind == "jsonl":
            self._write(json.dumps(record, default=str) + "\n")
            return
        new = [k for k in record if k not in self.columns]
        if new:
            self.columns += new
            if self.in_place:
                self._write(_csv_line(self.columns))
            else:
                self._rewrite_csv()
        self._write(_csv_line([_cell(record.get(c)) for c in self.columns]))

    def _write(self, text):
        with open(self.path, "a", newline="") as f:
            f.write(text)
            f.flush()

    def _rewrite_csv(self):
        with open(self.path, newline="") as f:
            f.readline()
            rows = list(csv.DictReader(f))
        body = io.StringIO()
        w = csv.writer(body, lineterminator="\n")
        w.writerow(self.columns)
        for row in rows:
            w.writerow([row.get(c, "") for c in self.columns])
        text = self.header() + body.getvalue()
        atomic_write(self.path, lambda tmp: Path(tmp).write_text(text))


def _csv_line(cells):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def read_sweep(path, job=None):
    """The records of a sweep file (CSV cells as text; JSON lines as written).

    Parameters
    ----------
    path : str or os.PathLike
    job : str, optional
        Refuse a file written by another job.

    Raises
    ------
    SweepError
        The file is not a spikesyn sweep file, or it is another job's.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "notes.csv")
    >>> _ = open(p, "w").write("a,b\\n1,2\\n")
    >>> read_sweep(p)
    Traceback (most recent call last):
    ...
    spikesyn.errors.SweepError: .../notes.csv is not a spikesyn sweep file (its first line does not mark it as one): refusing to add to it
    """
    path = os.fspath(path)
    try:
        with open(path, newline="") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise SweepError(f"{path} is not a spikesyn sweep file (not text): refusing to add to it") from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    first, _, body = text.partition("\n")
    meta = _header_meta(first, path)
    if job is not None and meta.get("job") != job:
        raise SweepError(f"{path} holds a sweep of job {meta.get('job')!r}, not {job!r}: "
                         f"refusing to add to it")
    # a last line without its newline is a record cut by an interruption: its task runs again
    body = body[:body.rfind("\n") + 1]
    if path.lower().endswith(_CSV_SUFFIXES):
        return [dict(row) for row in csv.DictReader(io.StringIO(body))]
    records = []
    for number, line in enumerate(body.splitlines(), start=2):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise SweepError(f"{path}, line {number}: not a JSON record") from None
    return records


def _drop_cut_line(path):
    """Remove a last line that an interrupted write left without its newline."""
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def _header_meta(first, path):
    text = first.strip()
    meta = None
    try:
        if text.startswith("{"):
            meta = json.loads(text).get(_MARK)
        elif text.startswith(f"# {_MARK} "):
            meta = json.loads(text[len(f"# {_MARK} "):])
    except (json.JSONDecodeError, AttributeError):
        meta = None
    if not isinstance(meta, dict):
        raise SweepError(f"{path} is not a spikesyn sweep file (its first line does not mark it "
                         f"as one): refusing to add to it")
    if meta.get("format") != SWEEP_FORMAT:
        raise SweepError(f"{path} is a sweep file of format {meta.get('format')!r}; this spikesyn "
                         f"reads format {SWEEP_FORMAT}")
    return meta


# --------------------------------------------------------------------------- executors
def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def local_workers():
    """CPU cores this process may use: the default number of local workers.

    Examples
    --------
    >>> local_workers() >= 1
    True
    """
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _warm_worker(runner, values_list):
    """Start of a local worker process: a named job's warm-up (Brian2's first network in a new
    process loads its compiled code, seconds that would otherwise land in the first task's
    time). An error here is left to the tasks, which meet it again and record it."""
    try:
        runner.warm_up(values_list)
    except Exception:  # noqa: BLE001
        logger.debug("warm-up failed:\n%s", traceback.format_exc())


def _local_pool(workers, warm=None):
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(),
                                  initializer=None if warm is None else _warm_worker,
                                  initargs=() if warm is None else warm)


class _Serial(cf.Executor):
    """Runs each task in this process when it is submitted (for examples and debugging)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


def _as_executor(executor, warm=None):
    """(executor, owned, local): a concurrent.futures.Executor to submit to."""
    if executor is None:
        return _local_pool(local_workers(), warm), True, True
    if isinstance(executor, str) and executor == "serial":
        return _Serial(), True, False
    if isinstance(executor, numbers.Integral) and not isinstance(executor, bool):
        if executor < 1:
            raise SweepError(f"executor: {executor} local workers; give at least 1")
        return _local_pool(int(executor), warm), True, True
    if is_dask_client(executor):
        return executor.get_executor(pure=False), False, False
    if isinstance(executor, cf.Executor):
        return executor, False, isinstance(executor, cf.ProcessPoolExecutor)
    raise SweepError(f"executor must be a concurrent.futures.Executor, a dask distributed Client, "
                     f"a number of local workers or None, got {shown(executor)}")


# --------------------------------------------------------------------------- the sweep
class _Progress:
    def __init__(self, total, skipped, progress):
        self.total, self.skipped, self.done, self.failed = total, skipped, 0, 0
        self.progress = progress
        self.last, self.shown = 0.0, None

    def update(self, record, force=False):
        if record is not None:
            self.done += record["status"] == "ok"
            self.failed += record["status"] != "ok"
        now = time.monotonic()
        if not force and now - self.last < _PROGRESS_EVERY_S:
            return
        state = {"done": self.done + self.skipped, "failed": self.failed,
                 "remaining": self.total - self.skipped - self.done - self.failed,
                 "total": self.total}
        if state == self.shown:
            return
        self.last, self.shown = now, state
        if callable(self.progress):
            self.progress(state)
        elif self.progress:
            logger.info("sweep: %(done)d done, %(failed)d failed, %(remaining)d remaining (of %(total)d)",
                        state)


def sweep(job, grid, *, seeds, executor=None, out=None, resume=False, progress=True, registry=None):
    """Run ``job`` for every grid point and seed on an executor; return the records.

    Parameters
    ----------
    job : str, job object or callable
        A named job (``"maxcut"``, ``"sequence"``, ``"learning"``, ``"energy"``; see
        :mod:`spikesyn.networks.sweep_jobs` for their parameters; a name is looked up in
        ``registry``, which ``spikesyn.sweep`` fills), a job object, or a picklable function
        ``job(params, seed) -> dict`` whose record is flat (numbers and text).
    grid : dict of lists, or list of dicts
        ``{"nodes": [50, 100], "time_limit": ["1 s", "2 s"]}`` sweeps the product;
        ``[{"nodes": 50}, {"nodes": 100, "sweeps": 2000}]`` the sets given. Quantities are text
        with a unit as in cards (``"100 ms"``) or Brian2 quantities; a function job receives them
        as Brian2 quantities.
    seeds : int or list of int
        A count (seeds 0, 1, ...) or the seeds; every grid point runs with each.
    executor : concurrent.futures.Executor, distributed.Client, int or None
        Where tasks run: None, a local process pool with one worker per CPU core; an int, a
        local pool of that many workers; a Dask ``Client`` (see :func:`dask_client`); any
        other Executor (it must be able to pickle the job); ``"serial"``, in this process.
    out : str or os.PathLike, optional
        ``.csv`` or ``.jsonl`` file that receives each record as its task finishes. A file that
        exists must be a sweep file of the same job and needs ``resume=True``.
    resume : bool
        Skip the tasks that ``out`` already records as done (failed ones run again).
    progress : bool or callable
        A line with done / failed / remaining on the ``spikesyn`` logger every few seconds
        (``logging.getLogger("spikesyn").setLevel(logging.WARNING)`` hides it), or a function
        called with that dict.
    registry : dict, optional
        Named jobs, ``{name: job object}``.

    Returns
    -------
    list of dict
        One record per task, in grid order (with ``resume``, the records read back from
        ``out`` for the skipped tasks; a CSV file gives them back as text): ``task``, ``seed``, the parameters as written,
        ``status`` ("ok" or "failed"), ``error``, ``wall_s`` (seconds of the task in its
        worker), ``worker`` and the job's figures.

    Raises
    ------
    SweepError
        Bad job, grid, seeds, executor or output, before any task starts.
    """
    name, runner, tasks = tasks_of(job, grid, seeds, registry)
    param_names = list(dict.fromkeys(k for t in tasks for k in t.params))
    if not isinstance(resume, bool):
        raise SweepError(f"resume must be True or False, got {shown(resume)}")
    if not (isinstance(progress, bool) or callable(progress)):
        raise SweepError(f"progress must be True, False or a function of one dict, got {shown(progress)}")
    if progress is True:
        import spikesyn.messages  # noqa: F401  (sets up the "spikesyn" logger's console handler)
    done = {}
    sink = None
    if out is not None:
        check_output(out, "out")
        sink = _SweepFile(out, name, param_names)
        previous = sink.existing()
        if previous is not None and not resume:
            raise SweepError(f"out {sink.path} already holds a sweep ({len(previous)} records): "
                             f"resume=True (--resume) continues it; remove the file to start again")
        if resume and sink.in_place:
            raise SweepError(f"out {sink.path} is not a regular file: a sweep written there cannot be resumed")
        for rec in previous or []:
            if rec.get("status") == "ok":
                done[task_key({k: rec.get(k, "") for k in param_names}, rec.get("seed"))] = rec
    elif resume:
        raise SweepError("resume=True needs the out file of the sweep to continue")
    todo = [t for t in tasks if t.key not in done]
    records = {t.index: {**done[t.key], "task": t.index} for t in tasks if t.key in done}

    named = _is_job(runner)
    warm = (runner, [t.values for t in todo]) if named and todo else None
    pool, owned, local = _as_executor(executor, warm)
    finished = False
    try:
        if is_dask_client(executor):
            prepare_workers(executor, named)
        if sink is not None:
            sink.start(previous)
        if todo and local and named:
            runner.warm_up([t.values for t in todo])
        state = _Progress(len(tasks), len(tasks) - len(todo), progress)
        state.update(None, force=True)
        for task, result in _results(pool, owned, runner, todo):
            record = {"task": task.index, "seed": task.seed, **task.params, **result}
            records[task.index] = record
            if sink is not None:
                sink.append(record)
            state.update(record)
        state.update(None, force=True)
        finished = True
    finally:
        if owned:   # after an interruption, running tasks are not waited for
            pool.shutdown(wait=finished, cancel_futures=True)
    return [records[i] for i in sorted(records)]


def _results(pool, owned, runner, todo):
    """Yield (task, result) as tasks finish; a task whose worker died is retried once alone."""
    if isinstance(pool, _Serial):
        for task in todo:
            yield task, _run_task(runner, task.values, task.seed)
        return
    futures = {pool.submit(_run_task, runner, t.values, t.seed): t for t in todo}
    broken = []
    try:
        for future in cf.as_completed(futures):
            task = futures[future]
            exc = future.exception()
            if exc is None:
                yield task, future.result()
            elif isinstance(exc, BrokenProcessPool) and owned:
                broken.append(task)
            else:
                yield task, _failure(exc)
    finally:
        for f in futures:
            f.cancel()
    # a worker process died: every task that was queued or running in that pool failed with
    # it; each runs again in a pool of its own, so only the one that kills its worker fails
    for task in broken:
        with _local_pool(1) as alone:
            try:
                yield task, alone.submit(_run_task, runner, task.values, task.seed).result()
            except BrokenProcessPool as exc:
                yield task, _failure(exc, "the worker process died while running this task")


def _failure(exc, why=None):
    error = why or f"{type(exc).__name__}: {exc}"
    return {"status": "failed", "error": error, "wall_s": None, "worker": None}
