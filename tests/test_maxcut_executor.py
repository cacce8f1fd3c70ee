"""maxcut's workers as tasks of an executor: a Dask cluster or a process pool."""

import concurrent.futures as cf
import multiprocessing as mp
import time

import networkx as nx
import numpy as np
import pytest

import maxcut_helpers as helpers
import spikesyn as ss
import spikesyn.networks.maxcut as mc
from spikesyn.errors import ParameterError
from spikesyn.networks.maxcut import maxcut

pytestmark = pytest.mark.slow


def _graph():
    G = nx.gnp_random_graph(16, 0.4, seed=5)
    rng = np.random.default_rng(5)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.choice([-1.0, 1.0, 2.0]))
    return G


def _same(a, b):
    assert a.cut == b.cut and a.partition == b.partition
    assert a.replica_cuts == b.replica_cuts
    assert np.array_equal(a.node_flips, b.node_flips) and a.flips == b.flips
    assert a.settings["worker_seeds"] == b.settings["worker_seeds"]
    assert a.settings["worker_sweeps_done"] == b.settings["worker_sweeps_done"]
    assert a.energy == b.energy


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    with ss.dask_client(local=2) as c:
        yield c


def test_workers_on_a_dask_cluster_give_the_local_answer(client):
    G = _graph()
    local = maxcut(G, seed=4, sweeps=80, replicas=2, codegen="numpy", workers=2)
    remote = maxcut(G, seed=4, sweeps=80, replicas=2, codegen="numpy", workers=2, executor=client)
    _same(remote, local)
    assert remote.settings["workers"] == 2 and remote.stop_reason == "sweeps"


def test_one_worker_on_a_dask_cluster_is_the_single_process_solve(client):
    G = _graph()
    one = maxcut(G, seed=9, sweeps=60, replicas=2, codegen="numpy")
    remote = maxcut(G, seed=9, sweeps=60, replicas=2, codegen="numpy", executor=client)
    assert remote.cut == one.cut and remote.replica_cuts == one.replica_cuts
    assert np.array_equal(remote.node_flips, one.node_flips)


def test_workers_in_a_process_pool_give_the_local_answer():
    G = _graph()
    local = maxcut(G, seed=4, sweeps=80, replicas=2, codegen="numpy", workers=3)
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        pooled = maxcut(G, seed=4, sweeps=80, replicas=2, codegen="numpy", workers=3, executor=pool)
    _same(pooled, local)


def test_a_target_reached_on_the_cluster_stops_every_worker(client):
    seen = []
    t0 = time.perf_counter()
    res = maxcut(nx.cycle_graph(10), seed=0, target=10, time_limit=60, codegen="numpy",
                 replicas=2, sweeps=20, workers=2, executor=client, progress=seen.append)
    assert res.cut == 10.0 and res.stop_reason == "target"
    assert time.perf_counter() - t0 < 30, "a worker ran on to its time limit"


def test_progress_of_cluster_workers_reaches_the_caller(client):
    seen = []
    res = maxcut(_graph(), seed=1, time_limit=2.5, codegen="numpy", replicas=2, sweeps=20,
                 workers=2, executor=client, progress=seen.append)
    assert res.stop_reason == "time_limit"
    assert seen and all(set(p) == {"elapsed", "best", "sweeps"} for p in seen)
    assert max(p["best"] for p in seen) <= res.cut


def test_a_failing_cluster_worker_raises_with_its_error(client, monkeypatch):
    import cloudpickle
    cloudpickle.register_pickle_by_value(helpers)      # the Dask workers cannot import tests/
    monkeypatch.setattr(mc, "_solve", helpers.failing_solve)
    try:
        with pytest.raises(RuntimeError, match=r"max-cut worker 0 failed with ValueError:(.|\n)*device array on fire"):
            maxcut(nx.cycle_graph(6), seed=0, codegen="numpy", replicas=2, sweeps=10, workers=2,
                   executor=client)
    finally:
        cloudpickle.unregister_pickle_by_value(helpers)


@pytest.mark.parametrize("executor, message", [
    (cf.ThreadPoolExecutor(1), "a ThreadPoolExecutor runs the workers in one process"),
    ("tcp://127.0.0.1:8786", "executor must be a Dask distributed.Client or a concurrent.futures.Executor"),
])
def test_an_executor_the_workers_cannot_use_is_refused_before_building(executor, message, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the graph was prepared before the executor was checked")

    monkeypatch.setattr(mc, "prepare_graph", never)
    with pytest.raises(ParameterError, match=message):
        maxcut(nx.cycle_graph(6), seed=0, workers=2, executor=executor)


# --------------------------------------------------------------------------- CLI --scheduler
def _cli(capsys, argv):
    from spikesyn.cli import main
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scheduler_runs_the_workers_on_the_cluster(client, tmp_path, capsys):
    import json
    G = _graph()
    path = tmp_path / "g.txt"
    path.write_text(f"{G.number_of_nodes()} {G.number_of_edges()}\n"
                    + "".join(f"{u + 1} {v + 1} {d['weight']:g}\n" for u, v, d in G.edges(data=True)))
    base = ["maxcut", str(path), "--json", "--seed", "2", "--workers", "2", "--sweeps", "60",
            "--replicas", "2", "--codegen", "numpy", "--quiet"]
    code, out, _ = _cli(capsys, base)
    local = json.loads(out)
    code_remote, out, _ = _cli(capsys, base + ["--scheduler", client.scheduler.address])
    remote = json.loads(out)
    assert code == code_remote == 0
    for key in ("cut", "partition", "replica_cuts", "flips"):
        assert remote[key] == local[key], key


def test_cli_unreachable_scheduler_is_one_error_within_seconds(tmp_path, capsys):
    pytest.importorskip("distributed")
    path = tmp_path / "g.txt"
    path.write_text("3 2\n1 2 1\n2 3 1\n")
    t0 = time.perf_counter()
    code, out, err = _cli(capsys, ["maxcut", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2 and "no Dask scheduler answered at tcp://127.0.0.1:9" in err and out == ""
    assert time.perf_counter() - t0 < 15


def test_cli_workers_beyond_the_local_cores_need_a_scheduler(tmp_path, capsys):
    path = tmp_path / "g.txt"
    path.write_text("3 2\n1 2 1\n2 3 1\n")
    with pytest.raises(SystemExit) as e:
        _cli(capsys, ["maxcut", str(path), "--workers", str(mc.max_workers() + 1)])
    assert e.value.code == 2
    assert "four per CPU core" in capsys.readouterr().err
