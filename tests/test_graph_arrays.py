"""Graph files straight into sparse matrices, sparse-matrix input to maxcut, the fast colouring."""

import json
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

import spikesyn.networks.maxcut as mc
from spikesyn.errors import GraphFormatError, ParameterError
from spikesyn.graph_arrays import graph_from_matrix, read_graph_matrix
from spikesyn.graphio import read_graph
from spikesyn.networks.maxcut_graph import greedy_colouring, prepare_graph
from test_graphio import BAD


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _same_problem(path, fmt="auto"):
    """prepare_graph of the networkx reading and of the matrix reading agree: same nodes in the
    same order, same edges and weights."""
    nodes, iu, iv, w = prepare_graph(read_graph(path, format=fmt))
    A, labels = read_graph_matrix(path, format=fmt)
    rows, ju, jv, x = prepare_graph(A)
    assert list(nodes) == [labels[k] for k in rows]
    assert_array_equal(iu, ju)
    assert_array_equal(iv, jv)
    assert_array_equal(w, x)
    return A, labels


GOOD = [
    ("g.txt", "5 4\n1 2 1\n3 2 -2\n2 1 0.5\n4 5 3\n"),            # float weights, a repeated edge
    ("u.txt", "4 3\n1 2\n2 3\n4 3\n"),                              # unweighted Gset
    ("c.txt", "# a comment\n4 2\nc another\n1 4 2\n\n2 3 -1\n"),    # comments and blank lines
    ("loop.txt", "3 2\n1 1 5\n2 3 1\n"),                            # a self-loop
    ("e.edges", "10 30 1\n30 20 2.5\n20 10 -1\n30 10 1\n"),         # integer labels, first seen first
    ("e2.edges", "7 3\n3 9\n# c\n9 7\n"),                           # unweighted edge list
    ("s.edges", "a b 2\nb c 1\n"),                                  # string labels: the careful reader
    ("sym.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1.5\n3 2 -1\n"),
    ("gen.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 3\n2 1 1.5\n1 2 1\n3 2 -1\n"),
    ("pat.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 1\n"),
    ("arr.mtx", "%%MatrixMarket matrix array real general\n2 2\n0\n1\n2\n0\n"),
    ("int.mtx", "%%MatrixMarket matrix coordinate integer general\n3 3 2\n2 1 3\n3 1 -2\n"),
    ("g.gml", 'graph [\n node [ id 0 label "a" ]\n node [ id 1 label "b" ]\n'
              ' edge [ source 0 target 1 weight 2 ]\n]\n'),
]


@pytest.mark.parametrize("name,text", GOOD, ids=[g[0] for g in GOOD])
def test_the_matrix_reading_is_the_same_problem_as_the_graph_reading(tmp_path, name, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # self-loops
        _same_problem(_write(tmp_path, name, text))


def test_gset_labels_and_matrix_layout(tmp_path):
    A, labels = _same_problem(_write(tmp_path, "g.txt", "5 4\n1 2 1\n3 2 -2\n2 1 0.5\n4 5 3\n"))
    assert list(labels) == [1, 2, 3, 4, 5]
    assert A.shape == (5, 5) and np.all(A.row <= A.col)
    assert A.tocsr()[0, 1] == 1.5 and A.tocsr()[1, 2] == -2


def test_edge_list_nodes_come_in_order_of_first_appearance(tmp_path):
    A, labels = _same_problem(_write(tmp_path, "e.edges", "10 30 1\n30 20 2.5\n20 10 -1\n"))
    assert labels == [10, 30, 20]


MORE_BAD = [("mtx", "int15.mtx", "%%MatrixMarket matrix coordinate integer symmetric\n3 3 1\n2 1 1.5\n", 3, "1.5")]


@pytest.mark.parametrize("fmt,name,text,line,words", BAD + MORE_BAD, ids=[b[1] for b in BAD + MORE_BAD])
def test_a_bad_file_gets_the_same_error_as_from_read_graph(tmp_path, fmt, name, text, line, words):
    p = _write(tmp_path, name, text)
    with pytest.raises(GraphFormatError) as expected:
        read_graph(p, format=fmt)
    with pytest.raises(GraphFormatError) as got:
        read_graph_matrix(p, format=fmt)
    assert str(got.value) == str(expected.value)


def test_real_gset_as_a_matrix():
    from pathlib import Path
    p = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset" / "G14.txt"
    if not p.exists():
        pytest.skip("Gset data not available")
    A, labels = _same_problem(p)
    assert A.shape == (800, 800) and A.nnz == 4694


def test_graph_from_matrix_sums_repeated_edges():
    A = sp.coo_array(([1.0, 2.0, -1.0], ([0, 0, 1], [1, 1, 2])), shape=(3, 3))
    G = graph_from_matrix(A, ["x", "y", "z"])
    assert G["x"]["y"]["weight"] == 3.0 and G["y"]["z"]["weight"] == -1.0


# --------------------------------------------------------------------------- sparse input
def test_prepare_graph_reads_symmetric_upper_and_directed_matrices_as_networkx_does():
    G = nx.gnp_random_graph(30, 0.2, seed=4)
    rng = np.random.default_rng(4)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.integers(-3, 4) or 1)
    ref = prepare_graph(G)
    S = nx.to_scipy_sparse_array(G, nodelist=range(30))
    for A in (S, sp.triu(S, 1), sp.coo_array(S), sp.csc_matrix(S)):
        got = prepare_graph(A)
        for a, b in zip(ref[1:], got[1:]):
            assert_array_equal(a, b)
    # a directed graph: both directions are summed, as for a networkx DiGraph
    D = nx.DiGraph([(0, 1, {"weight": 2.0}), (1, 0, {"weight": 3.0}), (1, 2, {"weight": -1.0})])
    got = prepare_graph(nx.to_scipy_sparse_array(D, nodelist=[0, 1, 2]))
    assert got[3].tolist() == prepare_graph(D)[3].tolist() == [5.0, -1.0]


def test_prepare_graph_drops_zero_sums_and_warns_of_self_loops():
    A = sp.coo_array(([1.0, -1.0, 4.0, 2.0], ([0, 1, 2, 1], [1, 0, 2, 2])), shape=(3, 3))
    with pytest.warns(UserWarning, match="ignores 1 self-loop"):
        nodes, iu, iv, w = prepare_graph(A)
    assert (iu.tolist(), iv.tolist(), w.tolist()) == ([1], [2], [2.0])


@pytest.mark.parametrize("A,message", [
    (sp.csr_array(np.ones((2, 3))), "square adjacency matrix, got shape \\(2, 3\\)"),
    (sp.csr_array(np.array([[0, np.nan], [np.nan, 0]])), "entry \\(0, 1\\): weight nan is not finite"),
    (sp.csr_array(np.array([[0, 1j], [1j, 0]])), "not real numbers"),
    (sp.csr_array(np.array([[0, 1e300], [1e300, 0]])), "outside the magnitudes the solver handles"),
    (np.zeros((2, 2)), "networkx graph or a scipy.sparse matrix, got ndarray"),
])
def test_a_bad_matrix_is_one_clear_error(A, message):
    with pytest.raises(ParameterError, match=message):
        prepare_graph(A)


def test_maxcut_of_a_matrix_is_maxcut_of_the_graph():
    G = nx.gnp_random_graph(40, 0.15, seed=2)
    rng = np.random.default_rng(2)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.choice([-1, 1, 2]))
    A = nx.to_scipy_sparse_array(G, nodelist=range(40))
    a = mc.maxcut(G, seed=5, sweeps=150, replicas=2, codegen="numpy")
    b = mc.maxcut(A, seed=5, sweeps=150, replicas=2, codegen="numpy")
    assert a.cut == b.cut and a.partition == b.partition and a.replica_cuts == b.replica_cuts
    assert mc.cut_value(A, b.partition) == mc.cut_value(G, a.partition) == a.cut
    named = b.relabelled([f"n{k}" for k in range(40)])
    assert named.partition[0] == {f"n{k}" for k in b.partition[0]} and named.cut == b.cut


def test_the_same_graph_gives_the_same_answer_whatever_its_edge_order():
    edges = [(u, v, {"weight": float((u * 7 + v) % 5 - 2 or 1)})
             for u, v in nx.gnp_random_graph(30, 0.2, seed=8).edges]
    G, H = nx.Graph(), nx.Graph()
    G.add_nodes_from(range(30))
    H.add_nodes_from(range(30))
    G.add_edges_from(edges)
    H.add_edges_from(reversed(edges))
    a = mc.maxcut(G, seed=1, sweeps=100, replicas=2, codegen="numpy")
    b = mc.maxcut(H, seed=1, sweeps=100, replicas=2, codegen="numpy")
    assert a.partition == b.partition and a.replica_cuts == b.replica_cuts


# --------------------------------------------------------------------------- colouring
@pytest.mark.parametrize("seed", range(6))
def test_greedy_colouring_is_networkx_largest_first(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    G = nx.gnp_random_graph(n, float(rng.uniform(0, 0.3)), seed=seed)
    nodes, iu, iv, w = prepare_graph(G)
    colour, k = greedy_colouring(n, iu, iv)
    H = nx.Graph()
    H.add_nodes_from(range(n))
    H.add_edges_from(zip(iu.tolist(), iv.tolist()))
    ref = nx.greedy_color(H, strategy="largest_first")
    assert colour.tolist() == [ref[u] for u in range(n)]
    assert k == max(ref.values(), default=0) + 1
    assert not np.any(colour[iu] == colour[iv])


# --------------------------------------------------------------------------- CLI
def test_cli_reads_files_into_arrays_and_answers_as_the_library_on_the_graph(tmp_path, capsys):
    from spikesyn.cli import main
    G = nx.gnp_random_graph(25, 0.2, seed=3)
    p = _write(tmp_path, "g.txt", f"25 {G.number_of_edges()}\n"
               + "".join(f"{u + 1} {v + 1} {1 + (u + v) % 3}\n" for u, v in G.edges))
    code = main(["maxcut", str(p), "--json", "--seed", "4", "--sweeps", "120", "--replicas", "2",
                 "--codegen", "numpy", "--quiet"])
    d = json.loads(capsys.readouterr().out)
    ref = mc.maxcut(read_graph(p), seed=4, sweeps=120, replicas=2, codegen="numpy")
    assert code == 0 and d["cut"] == ref.cut
    assert [set(side) for side in d["partition"]] == [set(side) for side in ref.partition]
    assert min(min(side) for side in d["partition"]) == 1   # the file's labels


def test_cli_refuses_a_huge_declared_graph_with_the_estimate_before_building(tmp_path, capsys):
    import time
    from spikesyn.cli import main
    p = _write(tmp_path, "h.txt", "1000000000 1\n1 2 1\n")
    t0 = time.perf_counter()
    code = main(["maxcut", str(p), "--codegen", "numpy"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "1000000000 neurons" in err and "GB of memory" in err
    assert time.perf_counter() - t0 < 5


def test_a_matrix_beyond_32_bit_neuron_numbers_is_refused():
    with pytest.raises(ParameterError, match="at most 2147483647"):
        prepare_graph(sp.coo_array(([1.0], ([0], [1])), shape=(2 ** 32, 2 ** 32)))
