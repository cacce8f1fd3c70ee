"""spikesyn.sweep: grids of tasks on a local pool, a Dask cluster, resumed, failing, refused."""

import csv
import re
import json
import os
import time

import networkx as nx
import pytest

import spikesyn as ss
from spikesyn.networks.sweep_jobs import sweep
from spikesyn.errors import ClusterError
from spikesyn.sweeps import SchedulerError, SweepError, read_sweep

import sweep_helpers as helpers


def _figures(records):
    """The records without what differs between runs (timing, worker)."""
    return [{k: v for k, v in r.items() if k not in ("wall_s", "worker")} for r in records]


def test_local_pool_runs_every_task_and_records_a_failure(tmp_path):
    out = tmp_path / "runs.csv"
    seen = []
    records = sweep(helpers.square, {"x": [1, -2, 3]}, seeds=[0, 10], executor=2, out=out,
                    progress=seen.append)
    assert [(r["x"], r["seed"], r["status"]) for r in records] == [
        (1, 0, "ok"), (1, 10, "ok"), (-2, 0, "failed"), (-2, 10, "failed"), (3, 0, "ok"), (3, 10, "ok")]
    assert [r.get("y") for r in records if r["status"] == "ok"] == [1, 11, 9, 19]
    assert records[2]["error"] == "ValueError: x must be >= 0, got -2"
    assert len({r["worker"] for r in records}) >= 1
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# spikesyn sweep ")
    rows = list(csv.DictReader(lines[1:]))
    assert sorted((int(r["x"]), int(r["seed"]), r["status"]) for r in rows) == sorted(
        (r["x"], r["seed"], r["status"]) for r in records)
    assert seen[-1] == {"done": 4, "failed": 2, "remaining": 0, "total": 6}


def test_quantities_written_as_in_cards_reach_the_job_with_units():
    from brian2 import ms
    from spikesyn.sweeps import example_job
    records = sweep(example_job, [{"x": 3, "tau": "20 ms"}, {"x": 1, "tau": 5 * ms}], seeds=1,
                    executor="serial", progress=False)
    assert [r["y"] for r in records] == [0.06, 0.005]
    assert [r["tau"] for r in records] == ["20 ms", "5. ms"]


def test_a_dead_worker_is_recorded_and_the_others_go_on(tmp_path):
    records = sweep(helpers.dies, {"x": [1, 13, 2]}, seeds=1, executor=2, progress=False)
    assert [r["status"] for r in records] == ["ok", "failed", "ok"]
    assert "worker process died" in records[1]["error"]
    assert [records[0]["y"], records[2]["y"]] == [1, 2]


def test_resume_skips_done_tasks_and_reruns_an_interrupted_one(tmp_path):
    out = tmp_path / "runs.jsonl"
    first = sweep(helpers.square, {"x": [1, 2]}, seeds=2, out=out, executor="serial", progress=False)
    # an interrupted sweep: a record cut in the middle of its line
    with open(out, "a") as f:
        f.write('{"task": 4, "seed": 0, "x": 3, "sta')
    states = []
    records = sweep(helpers.square, {"x": [1, 2, 3]}, seeds=2, out=out, resume=True,
                    executor="serial", progress=states.append)
    assert states[0] == {"done": 4, "failed": 0, "remaining": 2, "total": 6}
    assert _figures(records[:4]) == _figures(first)
    assert [r["y"] for r in records] == [1, 2, 4, 5, 9, 10]
    # the file reads back whole: header, 4 + 2 records (the broken line skipped)
    assert sorted(r["y"] for r in read_sweep(out)) == [1, 2, 4, 5, 9, 10]
    again = sweep(helpers.square, {"x": [1, 2, 3]}, seeds=2, out=out, resume=True,
                  executor="serial", progress=states.append)
    assert states[-1]["remaining"] == 0 and _figures(again) == _figures(records)


def test_resume_reruns_failed_tasks_in_a_csv(tmp_path):
    out = tmp_path / "runs.csv"
    sweep(helpers.square, {"x": [1, -1]}, seeds=1, out=out, executor="serial", progress=False)
    states = []
    records = sweep(helpers.square, {"x": [1, -1]}, seeds=1, out=out, resume=True,
                    executor="serial", progress=states.append)
    assert states[0]["remaining"] == 1
    assert records[0]["y"] == "1" and records[1]["status"] == "failed"


def test_csv_columns_grow_with_new_record_keys(tmp_path):
    out = tmp_path / "runs.csv"
    sweep(helpers.extra_column, {"x": [0, 1, 2, 3]}, seeds=1, out=out, executor="serial",
          progress=False)
    rows = read_sweep(out)
    assert [r["z"] for r in rows] == ["", "", "late", "late"]
    assert [r["y"] for r in rows] == ["0", "1", "2", "3"]


@pytest.mark.slow
def test_maxcut_job_matches_the_direct_call_on_a_local_pool():
    from brian2 import prefs
    prefs.codegen.target = "numpy"
    grid = {"nodes": [16], "degree": [3], "graph_seed": [1], "sweeps": [60], "codegen": ["numpy"]}
    records = sweep("maxcut", grid, seeds=[5, 6], executor=2, progress=False)
    assert [r["status"] for r in records] == ["ok", "ok"], records
    G = nx.random_regular_graph(3, 16, seed=1)
    direct = [ss.maxcut(G, seed=s, sweeps=60, codegen="numpy").cut for s in (5, 6)]
    assert [r["cut"] for r in records] == direct
    assert all(r["m"] == 24 and r["n"] == 16 and r["solve_s"] <= r["time_s"] for r in records)


def test_dask_local_cluster_gives_the_local_pool_records():
    distributed = pytest.importorskip("distributed")
    from spikesyn.sweeps import example_job
    grid = {"x": [1, 2, 3], "tau": ["1 ms", "1 s"]}
    local = sweep(example_job, grid, seeds=2, executor=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = sweep(example_job, grid, seeds=2, executor=client, progress=False)
    assert _figures(remote) == _figures(local)
    assert len(remote) == 12


@pytest.mark.slow
def test_maxcut_on_a_dask_cluster_of_processes_matches_the_local_pool():
    pytest.importorskip("distributed")
    grid = {"nodes": [20], "graph_seed": [2], "sweeps": [50], "codegen": ["numpy"]}
    local = sweep("maxcut", grid, seeds=[1, 2], executor=2, progress=False)
    with ss.dask_client(local=2) as client:
        remote = sweep("maxcut", grid, seeds=[1, 2], executor=client, progress=False)
    keep = ("cut", "n", "m", "sweeps_done", "flips", "seed", "status")
    assert [{k: r[k] for k in keep} for r in remote] == [{k: r[k] for k in keep} for r in local]


def test_unreachable_scheduler_fails_within_seconds():
    pytest.importorskip("distributed")
    t0 = time.perf_counter()
    with pytest.raises(SchedulerError, match="no Dask scheduler answered at tcp://127.0.0.1:9"):
        ss.dask_client("tcp://127.0.0.1:9", timeout=2)
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize("job, grid, seeds, match", [
    ("annealing", {"x": [1]}, 1, "unknown job 'annealing'"),
    ("maxcut", {"nodes": [20], "sweep": [10]}, 1, "takes no parameter 'sweep' \\(did you mean 'sweeps'\\?\\)"),
    ("maxcut", {"nodes": [20], "time_limit": [10]}, 1, "time_limit: 10 has no unit"),
    ("maxcut", {"nodes": [20], "time_limit": ["10 mV"]}, 1, "time_limit must be one time"),
    ("maxcut", {"nodes": [20], "time_limit": ["-1 s"]}, 1, "time_limit must be in \\[0.001, 604800\\] seconds"),
    ("maxcut", {"nodes": [20], "sweeps": [0]}, 1, "sweeps must be in \\[1, 1e\\+09\\]"),
    ("maxcut", {"nodes": [20], "device": ["flash"]}, 1, "device must be one of"),
    ("maxcut", {"nodes": [21], "degree": [3]}, 1, "degree x nodes even"),
    ("maxcut", {"sweeps": [10]}, 1, "needs a graph"),
    ("maxcut", {"nodes": [20]}, 0, "seeds must be a positive count"),
    ("maxcut", {"nodes": [20]}, [1, 1], "repeats a seed"),
    ("maxcut", {"nodes": [20]}, [-1], "seed must be an integer"),
    ("maxcut", {"nodes": []}, 1, "'nodes' has no values"),
    ("maxcut", [], 1, "list of parameter sets is empty"),
    ("maxcut", [{"nodes": 20}, {"nodes": 20}], 1, "same parameter set appears twice"),
    ("sequence", {"tau_F": ["100 parsec"]}, 1, "'parsec' .* is not a Brian2 unit"),
    ("sequence", {"gamma_F": ["1 ms"]}, 1, "gamma_F must be one conductance"),
    ("energy", {"rate": ["-3 Hz"]}, 1, "rate must be in"),
    (lambda p, s: {}, {"x": [1]}, 1, "cannot be sent to worker processes"),
    (helpers.square, {"status": [1]}, 1, "'status' is a column of every record"),
])
def test_bad_input_is_one_clear_error_before_anything_runs(tmp_path, job, grid, seeds, match):
    out = tmp_path / "runs.csv"
    with pytest.raises(SweepError, match=match):
        sweep(job, grid, seeds=seeds, out=out, progress=False)
    assert not out.exists()


def test_an_output_that_is_not_a_sweep_file_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("a,b\n1,2\n")
    for resume in (False, True):
        with pytest.raises(SweepError, match="is not a spikesyn sweep file"):
            sweep(helpers.square, {"x": [1]}, seeds=1, out=out, resume=resume, executor="serial")
    assert out.read_text() == "a,b\n1,2\n"


def test_an_existing_sweep_needs_resume_and_the_same_job(tmp_path):
    out = tmp_path / "runs.jsonl"
    sweep(helpers.square, {"x": [1]}, seeds=1, out=out, executor="serial", progress=False)
    before = out.read_text()
    with pytest.raises(SweepError, match="already holds a sweep .*resume=True"):
        sweep(helpers.square, {"x": [1]}, seeds=1, out=out, executor="serial")
    with pytest.raises(SweepError, match="holds a sweep of job 'sweep_helpers.square', not 'sweep_helpers.dies'"):
        sweep(helpers.dies, {"x": [1]}, seeds=1, out=out, resume=True, executor="serial")
    assert out.read_text() == before
    assert json.loads(before.splitlines()[0]) == {"spikesyn sweep": {"format": 1, "job": "sweep_helpers.square"}}


@pytest.mark.parametrize("name, match", [
    ("runs.txt", "give a .csv or .jsonl"),
    ("missing/runs.csv", "does not exist"),
])
def test_bad_output_paths(tmp_path, name, match):
    with pytest.raises(SweepError if "csv" in match else Exception, match=match):
        sweep(helpers.square, {"x": [1]}, seeds=1, out=tmp_path / name, executor="serial")


def test_a_directory_and_resume_without_output_are_refused(tmp_path):
    with pytest.raises(ss.SpikesynError, match="is a directory"):
        sweep(helpers.square, {"x": [1]}, seeds=1, out=tmp_path, executor="serial")
    with pytest.raises(SweepError, match="resume=True needs the out file"):
        sweep(helpers.square, {"x": [1]}, seeds=1, resume=True, executor="serial")
    with pytest.raises(SweepError, match="executor must be"):
        sweep(helpers.square, {"x": [1]}, seeds=1, executor="dask")


def test_named_jobs_refuse_dask_workers_that_share_a_process():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with pytest.raises(ClusterError, match="one thread each and a process of their own"):
            sweep("maxcut", {"nodes": [20]}, seeds=1, executor=client)


def test_records_stream_to_a_character_device():
    records = sweep(helpers.square, {"x": [2]}, seeds=1, out=os.devnull, executor="serial",
                    progress=False)
    assert records[0]["y"] == 4


@pytest.mark.slow
def test_energy_and_learning_jobs_give_their_figures():
    energy = sweep("energy", {"duration": ["50 ms"], "inputs": [5], "neurons": [2], "rate": ["20 Hz"]},
                   seeds=1, executor="serial", progress=False)[0]
    assert energy["status"] == "ok", energy["error"]
    assert energy["n_synapses"] == 10 and energy["device_J"] > 0 and energy["spikes_pre"] > 0
    learning = sweep("learning", {"learner": ["ideal"], "n_classes": [2], "train_per_class": [5],
                                  "test_per_class": [5], "epochs": [1]},
                     seeds=1, executor="serial", progress=False)[0]
    assert learning["status"] == "ok", learning["error"]
    assert 0 <= learning["test_accuracy"] <= 1 and learning["energy_J"] > 0


def _cli(argv, capsys):
    from spikesyn.cli import main
    status = main(["sweep", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_runs_a_sweep_file_and_resumes_it(tmp_path, capsys):
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text('job = "sweep_helpers:square"\nseeds = [0, 1]\n'
                          '[[points]]\nx = 2\n[[points]]\nx = -1\n')
    out = tmp_path / "r.jsonl"
    status, text, err = _cli([sweep_file, "--out", out, "--serial", "--quiet"], capsys)
    assert (status, text.strip()) == (0, f"4 tasks: 2 ok, 2 failed; records in {out}")
    status, text, err = _cli([sweep_file, "--out", out, "--serial", "--resume", "--quiet"], capsys)
    assert (status, text.strip()) == (0, f"4 tasks: 2 ok, 2 failed; records in {out}")
    # the two done tasks were skipped, the two failed ones ran again
    assert [(r["x"], r["seed"], r["status"]) for r in read_sweep(out)] == [
        (2, 0, "ok"), (2, 1, "ok"), (-1, 0, "failed"), (-1, 1, "failed"), (-1, 0, "failed"), (-1, 1, "failed")]


@pytest.mark.parametrize("content, match", [
    ('job = "maxcut"\nseeds = 1\n', "give either a \\[grid\\] table or \\[\\[points\\]\\] tables"),
    ('job = "maxcut"\n[grid]\nnodes = [10]\n', "missing 'seeds'"),
    ('job = "maxcut"\nseed = 1\n[grid]\nnodes = [10]\n', "unknown key 'seed'"),
    ('job = maxcut\n', "not valid TOML"),
    ('job = "nosuchmodule:f"\nseeds = 1\n[grid]\nx = [1]\n', "cannot be imported"),
    ('job = "maxcut"\nseeds = 1\n[grid]\nnodes = [20]\ntime_limit = ["5"]\n', "time_limit: '5' has no unit"),
])
def test_cli_bad_sweep_files_exit_2_with_one_line(tmp_path, capsys, content, match):
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(content)
    status, text, err = _cli([sweep_file, "--out", tmp_path / "r.csv", "--serial"], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("spikesyn sweep: error: ") and re.search(match, err)


def test_cli_unreachable_scheduler_exits_2_within_seconds(tmp_path, capsys):
    pytest.importorskip("distributed")
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text('job = "maxcut"\nseeds = 1\n[grid]\nnodes = [20]\n')
    t0 = time.perf_counter()
    status, text, err = _cli([sweep_file, "--out", tmp_path / "r.csv", "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert status == 2 and "no Dask scheduler answered at tcp://127.0.0.1:9" in err
    assert time.perf_counter() - t0 < 15


@pytest.mark.slow
def test_a_dask_worker_that_dies_is_recorded_and_the_others_go_on():
    pytest.importorskip("distributed")
    import cloudpickle
    import dask
    cloudpickle.register_pickle_by_value(helpers)      # the workers cannot import tests/
    try:   # the scheduler gives up on a task at the first worker it kills (default: after 3)
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
                ss.dask_client(local=2) as client:
            records = sweep(helpers.dies, {"x": [1, 13, 2]}, seeds=1, executor=client, progress=False)
    finally:
        cloudpickle.unregister_pickle_by_value(helpers)
    assert [r["status"] for r in records] == ["ok", "failed", "ok"]
    assert "KilledWorker" in records[1]["error"]
    assert [records[0]["y"], records[2]["y"]] == [1, 2]
