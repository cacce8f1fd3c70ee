"""Read large graph files straight into a sparse matrix, without a networkx graph.

A networkx graph costs about 1 KB per edge and a Python loop per line to build; a million-node
Gset file takes 50 s and 1.6 GB that way. :func:`read_graph_matrix` parses Gset / rudy,
numeric edge lists and Matrix Market files with numpy and scipy (about a second for 1.5 million
edges) into an upper-triangular ``scipy.sparse.coo_array`` of edge weights (repeated edges
are separate entries, which :func:`spikesyn.maxcut` sums) and the node labels of its rows.
The nodes and their order are those of :func:`spikesyn.graphio.read_graph`, so a solve gives
the same answer from either.

A file the fast parser cannot take (a malformed line, non-numeric labels, GML, GraphML) goes
through :func:`spikesyn.graphio.read_graph`: a malformed file gets the same error, naming
file and line, and a valid one the same graph, converted.

Examples
--------
>>> from spikesyn.graph_arrays import read_graph_matrix
>>> A, labels = read_graph_matrix("G1.txt")        # doctest: +SKIP
>>> A.shape, A.nnz, labels[:3]                     # doctest: +SKIP
((800, 800), 19176, [1, 2, 3])
"""

from __future__ import annotations

import os
import warnings

import networkx as nx
import numpy as np
import scipy.io
import scipy.sparse as sp

from spikesyn.graphio import FORMATS, _content_lines, detect_format, read_graph

__all__ = ["read_graph_matrix", "graph_from_matrix", "is_symmetric"]

_GSET_COMMENTS = ("#", "%", "c")


def read_graph_matrix(path, format="auto"):
    """Read a graph file into an upper-triangular sparse matrix of edge weights and its labels.

    Parameters
    ----------
    path : str or os.PathLike
    format : {"auto", "gset", "edgelist", "gml", "graphml", "mtx"}

    Returns
    -------
    A : scipy.sparse.coo_array
        n x n; entry ``(i, j)``, ``i <= j``, is an edge of that weight (repeated edges repeat;
        ``i == j`` is a self-loop).
    labels : sequence
        The label of node ``k`` (row ``k``), as :func:`spikesyn.graphio.read_graph` labels it
        (``range(1, n + 1)`` for Gset and Matrix Market files).

    Raises
    ------
    GraphFormatError
        As :func:`spikesyn.graphio.read_graph`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "g.txt")
    >>> _ = open(path, "w").write("3 2\\n1 2 1\\n3 2 -2\\n")
    >>> A, labels = read_graph_matrix(path)
    >>> A.toarray().tolist(), list(labels)
    ([[0.0, 1.0, 0.0], [0.0, 0.0, -2.0], [0.0, 0.0, 0.0]], [1, 2, 3])
    """
    if format not in FORMATS:
        raise ValueError(f"unknown graph format {format!r}; choose one of {', '.join(FORMATS)}")
    path = os.fspath(path)
    fmt = detect_format(path) if format == "auto" else format
    fast = {"gset": _fast_gset, "edgelist": _fast_edgelist, "mtx": _fast_mtx}.get(fmt)
    found = fast(path) if fast is not None else None
    if found is not None:
        return found
    return _matrix_of(read_graph(path, format=fmt))


def graph_from_matrix(A, labels):
    """The networkx graph of :func:`read_graph_matrix`'s result (for drawing small graphs).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> G = graph_from_matrix(sp.coo_array(([2.0], ([0], [1])), shape=(2, 2)), ["a", "b"])
    >>> G.edges(data=True)
    EdgeDataView([('a', 'b', {'weight': 2.0})])
    """
    G = nx.Graph()
    G.add_nodes_from(labels)
    A = sp.coo_array(A)
    for i, j, w in zip(A.row.tolist(), A.col.tolist(), A.data.tolist()):
        u, v = labels[i], labels[j]
        G.add_edge(u, v, weight=G[u][v]["weight"] + w if G.has_edge(u, v) else w)
    return G


def _matrix_of(G):
    labels = list(G.nodes)
    index = {u: k for k, u in enumerate(labels)}
    rows, cols, data = [], [], []
    for u, v, d in G.edges(data=True):
        a, b = sorted((index[u], index[v]))
        rows.append(a)
        cols.append(b)
        data.append(float(d.get("weight", 1)))
    n = len(labels)
    return sp.coo_array((np.array(data, dtype=float), (np.array(rows, dtype=np.int64),
                                                        np.array(cols, dtype=np.int64))), shape=(n, n)), labels


def _upper(i, j, w, n):
    a, b = np.minimum(i, j), np.maximum(i, j)
    return sp.coo_array((w, (a, b)), shape=(n, n))


def _load(fh, ndmin=2, **kwargs):
    """``numpy.loadtxt`` of the rest of ``fh``, or None where it cannot parse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        try:
            return np.loadtxt(fh, ndmin=ndmin, **kwargs)
        except ValueError:
            return None


def _fast_gset(path):
    """A valid Gset file as arrays; None (the careful reader then reports) for anything else."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header = None
            while header is None:
                line = fh.readline()
                if not line:
                    return None
                s = line.strip()
                if s and not s.startswith(_GSET_COMMENTS):
                    header = s.split()
            if len(header) != 2 or not all(t.isdigit() for t in header):
                return None
            n, m = int(header[0]), int(header[1])
            E = _load(fh, dtype=np.int64, comments=_GSET_COMMENTS, usecols=None)
            if E is None:
                fh.seek(0)
                E = _weighted_rows(fh)
    except (OSError, UnicodeDecodeError):
        return None
    if E is None or n < 1 or len(E) != m or (m and E.shape[1] not in (2, 3)):
        return None
    if m == 0:
        return sp.coo_array((n, n)), range(1, n + 1)
    ids = E[:, :2]
    if ids.dtype.kind == "f" and not np.all(ids == np.round(ids)):
        return None
    ids = ids.astype(np.int64)
    if ids.min() < 1 or ids.max() > n:
        return None
    w = E[:, 2].astype(float) if E.shape[1] == 3 else np.ones(m)
    if not np.all(np.isfinite(w)):
        return None
    return _upper(ids[:, 0] - 1, ids[:, 1] - 1, w, n), range(1, n + 1)


def _weighted_rows(fh):
    """Gset rows ``i j w`` with non-integer weights: parsed as floats after the header."""
    for line in fh:
        s = line.strip()
        if s and not s.startswith(_GSET_COMMENTS):
            break
    return _load(fh, dtype=float, comments=_GSET_COMMENTS)


def _fast_edgelist(path):
    """Whitespace-separated edge lists with integer labels; None for anything else."""
    try:
        ncols = _columns(path)
        if ncols is None:
            return None
        # integer labels (a label "1.0" stays text for the careful reader) and float weights
        fields = [("u", np.int64), ("v", np.int64)] + ([("w", float)] if ncols == 3 else [])
        with open(path, encoding="utf-8-sig") as fh:
            E = _load(fh, ndmin=1, dtype=fields, comments=("#", "%"))
    except (OSError, UnicodeDecodeError):
        return None
    if E is None or len(E) == 0:
        return None
    w = E["w"] if ncols == 3 else np.ones(len(E))
    if not np.all(np.isfinite(w)):
        return None
    ids = np.stack([E["u"], E["v"]], axis=1)
    # nodes in order of first appearance, as the line-by-line reader adds them
    flat = ids.ravel()
    unique, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    index = rank[inverse].reshape(ids.shape)
    return _upper(index[:, 0], index[:, 1], w, len(unique)), unique[order].tolist()


def _columns(path):
    """The number of fields of every content line of an edge list (2 or 3), or None when lines
    differ or hold commas (the careful reader takes those)."""
    counts = set()
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, s in _content_lines(fh, comments=("#", "%")):
            if "," in s:
                return None
            counts.add(len(s.split()))
            if len(counts) > 1:
                return None
    return counts.pop() if counts and counts <= {2, 3} else None


def _fast_mtx(path):
    """Matrix Market files of a general or symmetric real, integer or pattern matrix, through
    scipy's reader; None (the careful reader then reports) for anything else."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            banner = fh.readline().lower().split()
    except (OSError, UnicodeDecodeError):
        return None
    if (len(banner) < 5 or banner[0] != "%%matrixmarket" or banner[1] != "matrix"
            or banner[3] not in ("real", "integer", "pattern", "double")
            or banner[4] not in ("general", "symmetric")):
        return None
    if banner[3] == "integer" and not _all_integers(path):
        return None     # scipy reads 1.5 in an integer matrix as 1; the careful reader refuses it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            A = scipy.io.mmread(path)
    except Exception:  # noqa: BLE001 - the careful reader says what is wrong
        return None
    A = sp.coo_array(A)
    if A.shape[0] != A.shape[1] or A.shape[0] < 1 or not np.all(np.isfinite(A.data)):
        return None
    n = A.shape[0]
    r, c, x = A.row.astype(np.int64), A.col.astype(np.int64), A.data.astype(float)
    if banner[4] == "symmetric" or is_symmetric(A):
        keep = r <= c
        r, c, x = r[keep], c[keep], x[keep]
    keep = x != 0
    return _upper(r[keep], c[keep], x[keep], n), range(1, n + 1)


def _all_integers(path):
    """Whether every field after a Matrix Market file's banner, comments and size line is an
    integer."""
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            s = line.strip()
            if s and not s.startswith("%"):
                break                       # the size line
        return _load(fh, dtype=np.int64, comments="%") is not None


def is_symmetric(A):
    """Whether the sparse matrix ``A`` equals its transpose (explicit zeros aside).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> is_symmetric(sp.csr_array([[0, 2], [2, 0]])), is_symmetric(sp.csr_array([[0, 2], [0, 0]]))
    (True, False)
    """
    A = sp.csr_array(A)
    return bool((A - A.T).count_nonzero() == 0)
