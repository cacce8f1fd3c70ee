"""Graph readers: every format, auto-detection, and every kind of bad input."""

import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from spikesyn.graphio import (
    GraphFormatError,
    detect_format,
    read_graph,
)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _random_weighted(seed=0, n=9, p=0.5):
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.integers(-3, 4) or 1)
    return G


def _same_weighted(G, H, relabel=lambda x: x):
    assert {relabel(x) for x in G.nodes} == set(H.nodes)
    assert G.number_of_edges() == H.number_of_edges()
    for u, v, d in G.edges(data=True):
        assert H[relabel(u)][relabel(v)]["weight"] == pytest.approx(d["weight"])


# --------------------------------------------------------------------------- good files
def test_gset_roundtrip(tmp_path):
    G = _random_weighted(1)
    lines = [f"{G.number_of_nodes()} {G.number_of_edges()}"]
    lines += [f"{u + 1} {v + 1} {int(d['weight'])}" for u, v, d in G.edges(data=True)]
    p = _write(tmp_path, "g.txt", "\n".join(lines) + "\n")
    assert detect_format(p) == "gset"
    H = read_graph(p)
    _same_weighted(G, H, relabel=lambda x: x + 1)


def test_gset_keeps_isolated_nodes_and_empty_edge_set(tmp_path):
    H = read_graph(_write(tmp_path, "g.txt", "5 1\n1 2 1\n"), format="gset")
    assert set(H.nodes) == {1, 2, 3, 4, 5}
    H = read_graph(_write(tmp_path, "e.txt", "4 0\n"))
    assert H.number_of_nodes() == 4 and H.number_of_edges() == 0


def test_edgelist_labels_weights_and_duplicates(tmp_path):
    p = _write(tmp_path, "g.edges", "# comment\na b 2.5\nb c\n\nc a -1\nb a 0.5\n")
    H = read_graph(p)
    assert set(H.nodes) == {"a", "b", "c"}
    assert H["a"]["b"]["weight"] == pytest.approx(3.0)  # both directions summed
    assert H["b"]["c"]["weight"] == 1.0
    assert H["a"]["c"]["weight"] == -1.0


def test_edgelist_autodetected_without_extension(tmp_path):
    p = _write(tmp_path, "graph", "1 2\n2 3\n3 1\n")
    assert detect_format(p) == "edgelist"
    assert read_graph(p).number_of_edges() == 3


@pytest.mark.parametrize("ext,writer", [
    (".gml", nx.write_gml),
    (".graphml", nx.write_graphml),
])
def test_networkx_formats(tmp_path, ext, writer):
    G = nx.relabel_nodes(_random_weighted(2), {i: f"n{i}" for i in range(9)})
    p = tmp_path / f"g{ext}"
    writer(G, p)
    _same_weighted(G, read_graph(p))
    q = tmp_path / "noext"
    q.write_bytes(p.read_bytes())
    assert detect_format(q) == ext[1:]


@pytest.mark.parametrize("symmetric", [True, False])
def test_matrix_market(tmp_path, symmetric):
    import scipy.io
    import scipy.sparse

    G = _random_weighted(3)
    A = nx.to_scipy_sparse_array(G, nodelist=range(9), weight="weight", format="coo")
    p = tmp_path / "g.mtx"
    if symmetric:
        scipy.io.mmwrite(str(p), scipy.sparse.coo_matrix(A), symmetry="symmetric")
        _same_weighted(G, read_graph(p), relabel=lambda x: x + 1)
    else:
        # a general (upper-triangle only) matrix
        U = scipy.sparse.triu(scipy.sparse.coo_matrix(A))
        scipy.io.mmwrite(str(p), U, symmetry="general")
        _same_weighted(G, read_graph(p), relabel=lambda x: x + 1)
    q = tmp_path / "noext"
    q.write_bytes(p.read_bytes())
    assert detect_format(q) == "mtx"


def test_real_gset_if_present():
    d = os.environ.get("SPIKESYN_GSET_DIR") or str(Path(__file__).resolve().parents[1].parent / "shared/data/gset")
    p = Path(d) / "G11.txt"
    if not p.exists():
        pytest.skip("Gset data not available")
    G = read_graph(p)
    assert G.number_of_nodes() == 800 and G.number_of_edges() == 1600


# --------------------------------------------------------------------------- bad files
BAD = [
    ("gset", "bad_header.txt", "800\n1 2 1\n", 1, "header"),
    ("gset", "bad_header2.txt", "n m\n1 2 1\n", 1, "not an integer"),
    ("gset", "count.txt", "3 3\n1 2 1\n2 3 1\n", None, "header announces 3 edges"),
    ("gset", "count2.txt", "3 1\n1 2 1\n2 3 1\n", 3, "more edges"),
    ("gset", "nonnum.txt", "3 2\n1 2 1\n2 x 1\n", 3, "not an integer"),
    ("gset", "nonnum_w.txt", "3 2\n1 2 1\n2 3 abc\n", 3, "not a number"),
    ("gset", "nan.txt", "3 2\n1 2 nan\n2 3 1\n", 2, "not finite"),
    ("gset", "inf.txt", "3 2\n1 2 1\n2 3 -inf\n", 3, "not finite"),
    ("gset", "range.txt", "3 2\n1 2 1\n2 4 1\n", 3, "out of range"),
    ("gset", "range0.txt", "3 2\n0 2 1\n2 3 1\n", 2, "out of range"),
    ("gset", "fields.txt", "3 2\n1 2 1\n2 3\n", 3, "expected 3 fields"),
    ("gset", "empty.txt", "", None, "empty"),
    ("edgelist", "e_empty.edges", "  \n\n", None, "empty"),
    ("edgelist", "e_comments.edges", "# nothing\n", None, "no edges"),
    ("edgelist", "e_fields.edges", "1 2 3 4\n", 1, "expected"),
    ("edgelist", "e_nan.edges", "1 2 1\n2 3 NaN\n", 2, "not finite"),
    ("edgelist", "e_inf.edges", "1 2 inf\n", 1, "not finite"),
    ("edgelist", "e_nonnum.edges", "1 2 1\n2 3 heavy\n", 2, "not a number"),
    ("gml", "bad.gml", "graph [\n node [ id 0 \n", None, "GML"),
    ("gml", "nan.gml", 'graph [\n node [ id 0 label "a" ]\n node [ id 1 label "b" ]\n'
                       ' edge [ source 0 target 1 weight NAN ]\n]\n', None, "not finite"),
    ("graphml", "bad.graphml", "<graphml><graph><node id='a'></graph>", None, "GraphML"),
    ("mtx", "banner.mtx", "1 2 3\n", 1, "banner"),
    ("mtx", "count.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1.0\n", None,
     "announces 2"),
    ("mtx", "range.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n4 1 1.0\n", 3,
     "out of range"),
    ("mtx", "nan.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 1\n2 1 nan\n", 3,
     "not finite"),
    ("mtx", "nonnum.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 1\n2 1 x\n", 3,
     "not a number"),
    ("mtx", "rect.mtx", "%%MatrixMarket matrix coordinate real general\n3 2 1\n2 1 1\n", 2, "square"),
    ("mtx", "empty.mtx", "", None, "empty"),
]


# "n m / 1 2 1" is also a valid edge list with string labels "n", "m"
AMBIGUOUS = {"bad_header2.txt"}


@pytest.mark.parametrize("fmt,name,text,line,words", BAD, ids=[b[1] for b in BAD])
@pytest.mark.parametrize("explicit", [True, False])
def test_bad_files_raise_one_clear_error(tmp_path, fmt, name, text, line, words, explicit):
    p = _write(tmp_path, name, text)
    if not explicit and name in AMBIGUOUS:
        pytest.skip("this content is also a valid file in another format")
    with pytest.raises(GraphFormatError) as info:
        read_graph(p, format=fmt if explicit else "auto")
    err = info.value
    assert isinstance(err, ValueError)
    assert str(p) in str(err)
    if explicit:
        assert words.lower() in str(err).lower()
        if line is not None:
            assert f"{p}:{line}:" in str(err)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(GraphFormatError, match="no such file"):
        read_graph(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="unknown graph format"):
        read_graph(_write(tmp_path, "a.txt", "1 2\n"), format="dimacs")


def test_error_carries_path_and_line(tmp_path):
    p = _write(tmp_path, "g.txt", "2 1\n1 3 1\n")
    with pytest.raises(GraphFormatError) as info:
        read_graph(p)
    assert info.value.path == str(p) and info.value.line == 2
