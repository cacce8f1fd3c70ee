"""Noisy Hopfield max-cut: exactness against brute force, noise versus noiseless, inputs, modes.

Everything runs on Brian2's numpy target (no compilation) on small graphs.
"""

import json
import sys
import time
import warnings

import networkx as nx
import numpy as np
import pytest

from spikesyn.errors import ParameterError
from spikesyn.networks import maxcut as mc
from spikesyn.networks.maxcut import AnnealSchedule, cut_value, maxcut

FAST = dict(codegen="numpy", replicas=8, sweeps=150)


def random_weighted(n, p, seed, integer=True):
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=int(seed))
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.integers(-2, 6)) if integer else float(rng.normal(1, 1))
    return G


def brute_force(G, weight="weight"):
    """Exact max cut by enumerating all 2^(n-1) partitions (node 0 fixed on side 0)."""
    nodes = list(G.nodes)
    n = len(nodes)
    idx = {u: k for k, u in enumerate(nodes)}
    edges = [(idx[u], idx[v], d.get(weight, 1)) for u, v, d in G.edges(data=True) if u != v]
    if n <= 1 or not edges:
        return 0.0
    iu = np.array([e[0] for e in edges])
    iv = np.array([e[1] for e in edges])
    w = np.array([e[2] for e in edges], dtype=float)
    best = -np.inf
    codes = np.arange(2 ** (n - 1), dtype=np.int64)
    for start in range(0, codes.size, 1 << 16):
        c = codes[start:start + (1 << 16)][:, None]
        bits = ((c >> np.arange(n)) & 1).astype(np.int8)
        cut = ((bits[:, iu] != bits[:, iv]) * w).sum(axis=1)
        best = max(best, float(cut.max()))
    return best


def assert_valid(G, res):
    a, b = res.partition
    assert isinstance(a, set) and isinstance(b, set)
    assert not (a & b), "a node on both sides"
    assert a | b == set(G.nodes), "partition misses or invents nodes"
    assert res.cut == pytest.approx(cut_value(G, res.partition))


# --------------------------------------------------------------------------- quality
def test_matches_brute_force_on_random_weighted_graphs():
    hits, trials = 0, 0
    for seed in range(10):
        n = 8 + seed  # 8 .. 17 nodes
        if seed >= 8:
            n = 20
        G = random_weighted(n, 0.35, seed, integer=seed % 2 == 0)
        opt = brute_force(G)
        res = maxcut(G, seed=seed, **FAST)
        assert_valid(G, res)
        assert res.cut <= opt + 1e-9
        hits += res.cut >= opt - 1e-9
        trials += 1
    assert hits >= 0.8 * trials, f"exact optimum in only {hits} of {trials} graphs"


def test_annealed_noise_beats_noiseless_hopfield():
    noisy, plain = [], []
    for seed in range(6):
        G = random_weighted(60, 0.15, 100 + seed)
        kw = dict(codegen="numpy", replicas=1, sweeps=80, seed=seed)
        noisy.append(maxcut(G, device="pcm", **kw).cut)
        plain.append(maxcut(G, device="noiseless", **kw).cut)
    assert np.mean(noisy) > np.mean(plain)


@pytest.mark.parametrize("device", ["pcm-prog", "pcm-4bit", "pcm-aged", "ideal", "noiseless"])
def test_every_device_mode_gives_a_valid_partition(device):
    G = random_weighted(14, 0.4, 7, integer=False)
    res = maxcut(G, seed=2, device=device, **FAST)
    assert_valid(G, res)
    assert res.cut <= brute_force(G) + 1e-9
    if device in ("ideal", "noiseless"):
        assert float(res.energy) == 0.0
    else:
        assert float(res.energy) > 0.0


def test_pcm_energy_grows_with_sweeps():
    G = nx.cycle_graph(12)
    e1 = maxcut(G, seed=1, codegen="numpy", replicas=2, sweeps=20).energy
    e2 = maxcut(G, seed=1, codegen="numpy", replicas=2, sweeps=40).energy
    assert float(e2) == pytest.approx(2 * float(e1))


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_same_answer_different_seed_runs():
    G = random_weighted(30, 0.2, 3)
    r1 = maxcut(G, seed=11, **FAST)
    r2 = maxcut(G, seed=11, **FAST)
    assert r1.cut == r2.cut and r1.partition == r2.partition and r1.flips == r2.flips
    assert r1.settings["seed"] == 11
    r3 = maxcut(G, **FAST)
    assert isinstance(r3.settings["seed"], int)


# --------------------------------------------------------------------------- graph kinds
def test_labels_of_any_hashable_type_and_json():
    G = nx.relabel_nodes(nx.cycle_graph(6), {0: "a", 1: (1, 2), 2: 3.5, 3: frozenset({1}), 4: "None", 5: 7})
    res = maxcut(G, seed=0, **FAST)
    assert res.cut == 6.0
    assert_valid(G, res)
    d = res.to_dict()
    json.dumps(d)
    assert sorted(map(len, d["partition"])) == [3, 3]


def test_digraph_and_multigraph_weights_are_summed():
    D = nx.DiGraph()
    D.add_edge("x", "y", weight=2.0)
    D.add_edge("y", "x", weight=3.0)
    D.add_edge("y", "z", weight=-1.0)
    res = maxcut(D, seed=0, **FAST)
    assert res.cut == 5.0  # x | y,z : the summed 5 cut, the negative edge not cut
    M = nx.MultiGraph()
    M.add_edge(0, 1, weight=1.0)
    M.add_edge(0, 1, weight=4.0)
    M.add_edge(1, 2)
    M.add_edge(0, 2, weight=-10)
    res = maxcut(M, seed=0, **FAST)
    assert res.cut == brute_force(nx.Graph([(0, 1, {"weight": 5.0}), (1, 2, {"weight": 1.0}),
                                            (0, 2, {"weight": -10.0})]))


def test_self_loops_ignored_with_warning():
    G = nx.cycle_graph(4)
    G.add_edge(0, 0, weight=100)
    with pytest.warns(UserWarning, match="self-loop"):
        res = maxcut(G, seed=0, **FAST)
    assert res.cut == 4.0


def test_custom_weight_attribute_and_default_weight():
    G = nx.path_graph(3)
    G[0][1]["cost"] = 5.0
    res = maxcut(G, seed=0, weight="cost", **FAST)
    assert res.cut == 6.0  # 5 + default 1


@pytest.mark.parametrize("G", [nx.empty_graph(5), nx.Graph(), nx.Graph([(1, 1)])])
def test_graph_without_edges_cuts_nothing(G):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = maxcut(G, seed=0, **FAST)
    assert res.cut == 0.0
    assert res.partition[0] | res.partition[1] == set(G.nodes)
    json.dumps(res.to_dict())


# --------------------------------------------------------------------------- stopping
def test_target_stops_early():
    G = nx.cycle_graph(10)
    res = maxcut(G, seed=0, target=10, codegen="numpy", replicas=4, sweeps=2000)
    assert res.cut == 10.0 and res.stop_reason == "target"
    assert res.sweeps_done < 2000


# --------------------------------------------------------------------------- workers
def test_workers_keep_the_single_process_solve_and_add_more_replicas():
    """Worker 0 is the workers=1 solve of the same seed; the others add replicas of the same
    programmed devices with their own seeds; the merged result is the best of all."""
    G = random_weighted(14, 0.4, 5)
    one = maxcut(G, seed=3, codegen="numpy", replicas=2, sweeps=60)
    two = maxcut(G, seed=3, codegen="numpy", replicas=2, sweeps=60, workers=2)
    assert_valid(G, two)
    assert two.replica_cuts[:2] == one.replica_cuts
    assert two.cut == max(two.replica_cuts) >= one.cut
    assert two.cut <= brute_force(G) + 1e-9
    seeds = two.settings["worker_seeds"]
    assert two.settings["workers"] == 2 and seeds[0] == 3 and len(set(seeds)) == 2
    assert two.node_flips.shape == (4, G.number_of_nodes())
    assert np.array_equal(two.node_flips[:2], one.node_flips)
    assert two.flips == int(two.node_flips.sum()) and two.sweeps_done == one.sweeps_done
    assert two.settings["worker_sweeps_done"] == [60, 60]
    from spikesyn.networks.maxcut_energy import operations
    ops_one, ops_two = operations(one), operations(two)
    assert ops_two["n_neuron_updates"] == 2 * ops_one["n_neuron_updates"] == 2 * 2 * 14 * 60
    # one chip's devices: the same programmed couplings, so energies add up
    assert np.array_equal(two.couplings["g_sum"], one.couplings["g_sum"])
    assert float(two.energy / one.energy) == pytest.approx(2.0)
    cuts = [c for _, c in two.trace]
    assert cuts == sorted(cuts) and cuts[-1] == two.cut
    again = maxcut(G, seed=3, codegen="numpy", replicas=2, sweeps=60, workers=2)
    assert again.replica_cuts == two.replica_cuts and again.partition == two.partition


def test_a_target_reached_by_one_worker_stops_the_others():
    G = nx.cycle_graph(10)
    t0 = time.perf_counter()
    res = maxcut(G, seed=0, target=10, time_limit=60, codegen="numpy", replicas=2, sweeps=20, workers=2)
    assert res.cut == 10.0 and res.stop_reason == "target"
    assert time.perf_counter() - t0 < 30, "a worker ran on to its time limit"


def test_a_failing_worker_raises_with_its_error(monkeypatch):
    def broken(self, *args, **kwargs):
        raise ValueError("device array on fire")

    monkeypatch.setattr(mc._Simulation, "run", broken)
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("the patch reaches the workers only when they are forked")
    with pytest.raises(RuntimeError, match="device array on fire"):
        maxcut(nx.cycle_graph(6), seed=0, codegen="numpy", replicas=2, sweeps=10, workers=2)


def test_time_limit_repeats_anneals_and_stops():
    G = random_weighted(30, 0.2, 5)
    res = maxcut(G, seed=0, time_limit=1.0, codegen="numpy", replicas=2, sweeps=20)
    assert res.stop_reason == "time_limit"
    assert res.anneals_done > 1
    assert res.time_s - res.build_s < 3.0
    times = [t for t, _ in res.trace]
    cuts = [c for _, c in res.trace]
    assert times == sorted(times) and cuts == sorted(cuts) and cuts[-1] == res.cut


def _count_random_starts(monkeypatch):
    """A list that grows by one at every start of the replicas from random states."""
    randomised = []
    real = mc._Simulation._randomise

    def randomise(self):
        randomised.append(1)
        return real(self)

    monkeypatch.setattr(mc._Simulation, "_randomise", randomise)
    return randomised


def _assert_reheats(res, reheated, length):
    """Reheated anneals all of ``length`` sweeps (the last one cut by the time limit), and a
    best-so-far trace that only rises, to the result's cut."""
    assert all(r == length for r in reheated[:-1]) and reheated[-1] <= length
    cuts = [c for _, c in res.trace]
    assert cuts == sorted(cuts) and cuts[-1] == res.cut


def test_reheat_restarts_from_the_best_state_until_the_time_limit(monkeypatch):
    """restarts="reheat": doubling anneals from random states, then anneals of the last doubling
    length that start from the best state (no new random state) at a lower start noise."""
    randomised = _count_random_starts(monkeypatch)
    G = random_weighted(16, 0.4, 3)
    res = maxcut(G, seed=2, time_limit=1.5, codegen="numpy", replicas=2, sweeps=10, restarts="reheat")
    assert res.stop_reason == "time_limit" and res.settings["restarts"] == "reheat"
    assert_valid(G, res)
    assert res.cut <= brute_force(G) + 1e-9
    lengths = res.settings["anneal_sweeps"]
    n_random = len(randomised)  # the initial state and one per doubling restart
    doubling, reheated = lengths[:n_random], lengths[n_random:]
    assert doubling == [10 * 2 ** k for k in range(n_random)]
    assert len(reheated) >= 2, lengths
    _assert_reheats(res, reheated, doubling[-1])


def test_the_plan_sets_the_reheat_length_and_is_recorded(monkeypatch):
    """A plan passed in reaches the run: reheated anneals half as long as the last doubling
    one with reheat_length=0.5; the settings record a plan that is not the default."""
    randomised = _count_random_starts(monkeypatch)
    G = random_weighted(16, 0.4, 3)
    plan = mc.AnnealPlan(reheat_length=0.5)
    res = maxcut(G, seed=2, time_limit=1.5, codegen="numpy", replicas=2, sweeps=10, restarts="reheat",
                 plan=plan)
    lengths = res.settings["anneal_sweeps"]
    doubling, reheated = lengths[:len(randomised)], lengths[len(randomised):]
    assert len(reheated) >= 2, lengths
    _assert_reheats(res, reheated, doubling[-1] // 2)
    assert res.settings["plan"]["reheat_length"] == 0.5
    assert "plan" not in maxcut(G, seed=2, **FAST).settings


@pytest.mark.parametrize("field,value,words", [
    ("replan_at", 0.0, r"plan replan_at must lie in \(0, 1\]"),
    ("resample", 1.5, r"plan resample must lie in \[0, 1\]"),
    ("fill_overshoot", 0.9, "plan fill_overshoot"),
    ("min_fill_sweeps", 2.5, "plan min_fill_sweeps must be a whole number"),
    ("reheat_noise", float("nan"), "plan reheat_noise"),
    ("progress_every_s", "1", "plan progress_every_s"),
])
def test_plan_fields_are_checked(field, value, words):
    with pytest.raises(ParameterError, match=words):
        mc.AnnealPlan(**{field: value})


def test_mixed_fills_part_of_the_time_then_reheats(monkeypatch):
    """restarts="mixed": the doubling anneals and a filling anneal from random states, the
    filling one planned shorter than the time left, then anneals of the last doubling length
    from the best state until the time limit."""
    randomised = _count_random_starts(monkeypatch)
    G = random_weighted(16, 0.4, 3)
    res = maxcut(G, seed=2, time_limit=1.5, codegen="numpy", replicas=2, sweeps=10, restarts="mixed")
    assert res.stop_reason == "time_limit" and res.settings["restarts"] == "mixed"
    assert_valid(G, res)
    assert res.cut <= brute_force(G) + 1e-9
    lengths = res.settings["anneal_sweeps"]
    n_random = len(randomised)  # the initial state, one per doubling restart, the filling anneal
    doubling, fill, reheated = lengths[:n_random - 1], lengths[n_random - 1], lengths[n_random:]
    assert doubling == [10 * 2 ** k for k in range(n_random - 1)]
    assert fill > doubling[-1], lengths
    assert len(reheated) >= 1, lengths
    _assert_reheats(res, reheated, doubling[-1])


def test_time_limit_starts_after_a_slow_first_preparation(monkeypatch):
    """A first run compiles inside Brian2's first run (tens of seconds): the time limit must
    count from the first simulated step, or a cold run returns its random initial state."""
    import brian2
    real = brian2.Network.before_run
    slow = []

    def before_run(self, *args, **kwargs):
        if not slow:  # the first preparation only, like a compile
            slow.append(1)
            time.sleep(1.5)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(brian2.Network, "before_run", before_run)
    G = random_weighted(30, 0.2, 5)
    res = maxcut(G, seed=0, time_limit=0.5, codegen="numpy", replicas=2, sweeps=20)
    assert slow and res.stop_reason == "time_limit"
    assert res.setup_s >= 1.5 and res.sweeps_done >= 20
    # the simulation ran after the slow setup; how long it ran depends on the machine's speed
    # (a plan stops once fewer than plan.min_fill_sweeps fit in the time left), so no lower bound
    assert res.time_s > res.setup_s and res.setup_s > res.build_s + 1.5
    assert res.to_dict()["setup_s"] == res.setup_s


def test_ctrl_c_returns_best_so_far():
    calls = []

    def interrupt(info):
        calls.append(info)
        if len(calls) == 5:
            raise KeyboardInterrupt

    G = random_weighted(25, 0.3, 9)
    res = maxcut(G, seed=0, progress=interrupt, codegen="numpy", replicas=2, sweeps=5000,
                 plan=mc.AnnealPlan(progress_every_s=0.0))
    assert res.interrupted and res.stop_reason == "interrupted"
    assert res.sweeps_done < 5000
    assert_valid(G, res)


@pytest.mark.parametrize("kw,words", [
    (dict(time_limit=0), "positive"),
    (dict(time_limit=-1.0), "positive"),
    (dict(time_limit="10"), "seconds"),
    (dict(sweeps=0), "positive integer"),
    (dict(replicas=2.5), "positive integer"),
    (dict(device="memristor-9000"), "unknown device"),
    (dict(schedule=(1.0, -1.0)), "positive"),
    (dict(codegen="cuda"), "codegen"),
    (dict(restarts="forever"), "restarts"),
    (dict(workers=0), "workers must be a positive integer"),
    (dict(plan="fast"), "plan must be an AnnealPlan"),
])
def test_bad_arguments(kw, words):
    with pytest.raises(ParameterError, match=words):
        maxcut(nx.path_graph(3), **kw)


def test_time_limit_accepts_brian2_time_and_rejects_other_units():
    from brian2 import ms, volt
    res = maxcut(nx.path_graph(4), seed=0, time_limit=300 * ms, codegen="numpy", replicas=1, sweeps=10)
    assert res.stop_reason == "time_limit"
    with pytest.raises(Exception, match="time"):
        maxcut(nx.path_graph(3), time_limit=1 * volt)


def test_non_finite_weight_rejected():
    G = nx.path_graph(3)
    G[0][1]["weight"] = float("nan")
    with pytest.raises(ParameterError, match="not finite"):
        maxcut(G)


def test_schedule_object_is_recorded():
    res = maxcut(nx.cycle_graph(8), seed=0, schedule=AnnealSchedule(2.0, 0.1), **FAST)
    assert res.settings["schedule"]["start"] == 2.0 and res.cut == 8.0


@pytest.mark.parametrize("slots", [None, 1, 2])
def test_update_slots_exact_and_merged_sweeps_stay_valid(slots):
    G = random_weighted(16, 0.5, 21)
    res = maxcut(G, seed=4, update_slots=slots, **FAST)
    assert_valid(G, res)
    assert res.cut <= brute_force(G) + 1e-9
    assert res.settings["slots"] <= (slots or res.settings["colours"])


def test_filling_anneal_resamples_worst_replicas_from_best():
    """At the re-plan point of the filling anneal the lowest-cut replicas (a plan.resample fraction)
    go on from copies of the best replicas' states (fields copied with them); padding untouched."""
    import types

    import scipy.sparse as sp
    n, R = 3, 4  # path 0-1-2, unit weights
    W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    S = np.array([[1, 1, 1], [1, -1, 1], [1, 1, -1], [-1, 1, 1]], dtype=float)  # cuts 0, 2, 1, 1
    s_all = np.r_[S.ravel(), 7.0]
    h_all = np.r_[(-(W @ S.T).T).ravel(), 7.0]
    fake = types.SimpleNamespace(n=n, R=R, exact=True, W_total=2.0, W=W, plan=mc.AnnealPlan(resample=0.25))
    fake._replica_cuts = types.MethodType(mc._Simulation._replica_cuts, fake)
    s2, h2 = mc._Simulation._select(fake, s_all.copy(), h_all.copy())
    assert s2[:3].tolist() == [1, -1, 1] and s2[3:6].tolist() == [1, -1, 1]  # worst <- best
    assert s2[6:12].tolist() == S[2:].ravel().tolist() and s2[12] == 7.0
    assert np.allclose(h2[:12], (-(W @ s2[:12].reshape(R, n).T).T).ravel()) and h2[12] == 7.0
    fake.plan = mc.AnnealPlan(resample=0.0)
    s3, _ = mc._Simulation._select(fake, s_all.copy(), h_all.copy())
    assert np.array_equal(s3, s_all)


def _read_noise_draws(seed, n=200000):
    from brian2 import Network, NeuronGroup, ms
    group = NeuronGroup(n, "z : 1", namespace={"read_noise": mc._read_noise_function(seed)})
    group.run_regularly("z = read_noise()", dt=1 * ms)
    Network(group).run(1 * ms)
    return np.asarray(group.z_)


@pytest.mark.slow
@pytest.mark.cython
def test_compiled_read_noise_is_standard_normal_and_seeded():
    """The thresholder's compiled normal generator (polar method on xorshift128+): shape, both
    tails (at 2 sigma and at 3.65 sigma), same seed same numbers."""
    from brian2 import prefs
    from scipy import stats

    from spikesyn.devices.kernels import _ZIG_R
    prefs.codegen.target = "cython"
    z = _read_noise_draws(3)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 5 / np.sqrt(z.size) and z.std() == pytest.approx(1.0, abs=0.01)
    for cut in (2.0, _ZIG_R):
        p = 2 * stats.norm.sf(cut)
        assert np.mean(np.abs(z) > cut) == pytest.approx(p, abs=5 * np.sqrt(p / z.size))
    np.testing.assert_array_equal(z, _read_noise_draws(3))
    assert not np.array_equal(z, _read_noise_draws(4))


def test_compile_notice_is_remembered_per_bucket_and_environment(tmp_path, monkeypatch):
    """The CLI's "compiling, first run only" notice: once per group-size bucket, and again
    where Brian2's Cython cache would compile again (another Python executable, a new venv)."""
    pytest.importorskip("Cython")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert mc.needs_compile(3000, "cython")
    mc.mark_compiled(3000, "cython")
    assert not mc.needs_compile(3000, "cython")
    assert not mc.needs_compile(3050, "cython")          # same bucket (3072)
    assert mc.needs_compile(3500, "cython")              # next bucket (3584)
    assert not mc.needs_compile(3500, "numpy")           # nothing to compile
    monkeypatch.setattr(sys, "executable", str(tmp_path / "other-venv" / "bin" / "python"))
    assert mc.needs_compile(3000, "cython")


def test_the_builder_uses_the_card_threshold_as_written():
    """No builder edits card text: the network's threshold and reset are the binary_hopfield
    card's strings, and only the card's read_noise function is swapped for the solve's own."""
    import spikesyn as ss
    from spikesyn.networks.maxcut_devices import get_device, program

    card = ss.load_model("binary_hopfield")
    assert "read_noise" in card.functions and "read_margin" in card.parameters
    G = random_weighted(12, 0.4, 1)
    nodes, iu, iv, w = mc.prepare_graph(G)
    rng = np.random.default_rng(0)
    dev = get_device("pcm")
    sim = mc._Simulation(len(nodes), iu, iv, w, program(w, dev, rng), dev, AnnealSchedule(), 10, 2, 0,
                         "numpy", rng)
    card_kwargs = card.neuron_kwargs()
    assert sim.grp.events["spike"] == card_kwargs["threshold"]
    assert sim.grp.event_codes["spike"] == card_kwargs["reset"]
    assert sim.grp.namespace["read_margin"] == card.parameters["read_margin"]
    assert sim.grp.namespace["read_noise"] is not card_kwargs["namespace"]["read_noise"]
