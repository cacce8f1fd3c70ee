"""HopfieldSampler: a dimod sampler on the noisy Hopfield network, checked against ExactSolver."""

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")

from spikesyn.errors import ParameterError  # noqa: E402
from spikesyn.networks.hopfield_sampler import HopfieldSampler, ising_graph  # noqa: E402

FAST = dict(sweeps=60, replicas=8, codegen="numpy")


def _spin_glass(n, density, fields, seed):
    rng = np.random.default_rng(seed)
    h = {i: float(rng.choice([-1.0, 1.0])) if fields else 0.0 for i in range(n)}
    J = {(i, j): float(rng.choice([-1.0, 1.0])) for i in range(n) for j in range(i + 1, n)
         if rng.random() < density}
    return h, J


@pytest.mark.slow
def test_ground_states_of_small_spin_glasses_match_the_exact_solver():
    sampler, exact = HopfieldSampler(), dimod.ExactSolver()
    hits = total = 0
    for problem, (n, fields) in enumerate([(8, True), (10, False), (12, True), (12, False)]):
        h, J = _spin_glass(n, 0.5, fields, seed=problem)
        ground = exact.sample_ising(h, J).first.energy
        result = sampler.sample_ising(h, J, num_reads=3, seed=10 * problem, **FAST)
        bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
        for sample, energy in result.data(["sample", "energy"]):
            assert set(sample.values()) <= {-1, 1} and set(sample) == set(bqm.variables)
            assert energy == bqm.energy(sample) >= ground
            hits += energy == ground
            total += 1
    assert hits >= 0.75 * total, f"ground state in {hits} of {total} reads"


def test_sample_set_holds_energies_data_and_solver_information():
    h, J = {"a": 0.5, "b": -0.25, "c": 0.0}, {("a", "b"): -1.0, ("b", "c"): 1.0}
    result = HopfieldSampler().sample_ising(h, J, num_reads=2, seed=4, **FAST)
    bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
    assert result.vartype is dimod.SPIN and len(result) == 2
    assert set(result.variables) == {"a", "b", "c"}
    np.testing.assert_array_equal(result.record.energy, bqm.energies(result))
    # the ground state of this chain: a = b = -1 (field and ferromagnetic bond), c = +1
    assert result.first.energy == -2.25 and result.first.sample == {"a": -1, "b": -1, "c": 1}
    assert sorted(result.record.seed) == [4, 5]
    # the cut of the max-cut graph and the energy: cut = (W - E) / 2, W = sum of all weights
    np.testing.assert_allclose(result.record.cut, (0.5 - 0.25 - 1.0 + 1.0 - result.record.energy) / 2,
                               rtol=0, atol=1e-12)
    assert result.info["solver"]["sweeps"] == 60 and result.info["solver"]["device"]["name"] == "pcm"
    assert len(result.info["reads"]) == 2 and result.info["time_s"] > 0


def test_qubo_and_bqm_samples_come_back_as_bits():
    Q = {(0, 0): -1.0, (1, 1): -1.0, (0, 1): 2.0, (2, 2): 0.5}
    result = HopfieldSampler().sample_qubo(Q, seed=2, **FAST)
    assert result.vartype is dimod.BINARY
    assert result.first.energy == -1.0 and result.first.sample[2] == 0
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q, offset=3.0)
    assert HopfieldSampler().sample(bqm, seed=2, **FAST).first.energy == 2.0


def test_ising_graph_adds_one_bias_node_for_the_fields():
    G, labels = ising_graph({"x": 2.0, "y": 0.0}, {("x", "y"): 1.0, ("y", "x"): 0.5})
    assert labels == ["x", "y"]
    assert sorted(G.edges(data="weight")) == [(0, 1, 1.5), (0, 2, 2.0)]


def test_an_empty_problem_gives_empty_samples():
    result = HopfieldSampler().sample_ising({}, {}, seed=0, **FAST)
    assert len(result.variables) == 0 and len(result) == 1 and result.first.energy == 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_reads=0), "num_reads must be a positive integer"),
    (dict(sweeps=10, temperature=1.0), "no parameter 'temperature'"),
    (dict(seed=-3), "seed must be an integer"),
    (dict(sweeps=0), "sweeps must be a positive integer"),
])
def test_bad_parameters_are_refused(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        HopfieldSampler().sample_ising({"a": 1.0}, {}, **{"codegen": "numpy", **kwargs})


def test_non_finite_fields_are_refused():
    with pytest.raises((ParameterError, ValueError)):
        HopfieldSampler().sample_ising({"a": float("nan")}, {}, codegen="numpy")


def test_dwave_networkx_maximum_cut_takes_the_sampler():
    dnx = pytest.importorskip("dwave_networkx")
    import networkx as nx
    G = nx.cycle_graph(6)
    side = dnx.maximum_cut(G, HopfieldSampler(), seed=1, **FAST)
    assert sum((u in side) != (v in side) for u, v in G.edges()) == 6
