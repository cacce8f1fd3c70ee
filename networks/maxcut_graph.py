"""A max-cut problem as arrays: the input graph's edges, checked and summed, and its colouring.

:func:`spikesyn.maxcut` takes a networkx graph or a scipy.sparse matrix. Either becomes the
same arrays here: node labels, edge endpoints ``iu < iv`` (node indices) and summed weights,
edges in ascending ``(iu, iv)`` order whatever the input's order, so a graph gives the same
answer for the same seed however it was built or read. A sparse matrix is handled without a
Python loop over its entries (a million-node graph in about a second); a networkx graph is read
edge by edge (its edges are Python objects anyway).
"""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import scipy.sparse as sp

from spikesyn.errors import ParameterError
from spikesyn.graph_arrays import is_symmetric

__all__ = ["prepare_graph", "cut_value", "greedy_colouring", "WEIGHT_RANGE"]

#: magnitudes of a (summed, non-zero) edge weight the solver takes: it sums squares of weights
#: (the noise scale), which overflow above ~1e154 and lose all precision in subnormals
WEIGHT_RANGE = (1e-150, 1e150)
_MAX_NODES = 2 ** 31 - 1


def prepare_graph(G, weight="weight"):
    """Turn a networkx graph or a sparse adjacency matrix into arrays: nodes, edge endpoints and
    summed weights.

    Parameters
    ----------
    G : networkx graph or scipy.sparse matrix / array
        networkx: parallel edges (MultiGraph) and both directions (DiGraph) are summed.
        A square sparse matrix ``A`` of n nodes ``0..n-1``: a symmetric one gives edge
        ``(i, j)`` the weight ``A[i, j]`` (as networkx reads it); otherwise, as a directed
        graph, ``A[i, j] + A[j, i]`` (an upper-triangular matrix: ``A[i, j]``). Explicit zeros
        are no edges.
    weight : str or None
        networkx: the edge attribute holding the weight (1 when missing); None: all weights 1.
        Not used for a matrix.

    Self-loops (the diagonal) are ignored with a warning; edges whose summed weight is 0 are
    dropped.

    Returns
    -------
    nodes : list or range
    iu, iv : ndarray of int
        Endpoints (node indices), ``iu < iv``, in ascending ``(iu, iv)`` order.
    w : ndarray of float

    Raises
    ------
    ParameterError
        Not a graph or a square matrix, a weight that is not a finite number, or a summed
        weight's magnitude outside :data:`WEIGHT_RANGE`.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> nodes, iu, iv, w = prepare_graph(sp.csr_array([[0, 2, 0], [2, 0, -1], [0, -1, 0]]))
    >>> list(nodes), iu.tolist(), iv.tolist(), w.tolist()
    ([0, 1, 2], [0, 1], [1, 2], [2.0, -1.0])
    """
    if sp.issparse(G):
        return _prepare_matrix(G)
    if not isinstance(G, nx.Graph):
        raise ParameterError(f"maxcut needs a networkx graph or a scipy.sparse matrix, got {type(G).__name__}")
    nodes = list(G.nodes)
    index = {u: k for k, u in enumerate(nodes)}
    acc = {}
    loops = 0
    for u, v, d in G.edges(data=True):
        if u == v:
            loops += 1
            continue
        x = d.get(weight, 1) if weight is not None else 1
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise ParameterError(f"edge ({u!r}, {v!r}): weight {x!r} is not a number") from None
        if not math.isfinite(x):
            raise ParameterError(f"edge ({u!r}, {v!r}): weight {x!r} is not finite")
        a, b = sorted((index[u], index[v]))
        acc[(a, b)] = acc.get((a, b), 0.0) + x
    _warn_loops(loops, stacklevel=4)
    keys = sorted(k for k, x in acc.items() if x != 0.0)
    iu = np.array([k[0] for k in keys], dtype=np.int64)
    iv = np.array([k[1] for k in keys], dtype=np.int64)
    w = np.array([acc[k] for k in keys], dtype=float)
    _check_range(w, lambda k: f"edge ({nodes[iu[k]]!r}, {nodes[iv[k]]!r})")
    return nodes, iu, iv, w


def _warn_loops(loops, stacklevel):
    """Warn, at maxcut's caller (``stacklevel`` frames up), of ignored self-loops."""
    if loops:
        warnings.warn(f"maxcut ignores {loops} self-loop(s): they are never cut", stacklevel=stacklevel)


def _check_range(w, where):
    bad = np.flatnonzero(~((np.abs(w) >= WEIGHT_RANGE[0]) & (np.abs(w) <= WEIGHT_RANGE[1])))
    if bad.size:
        k = int(bad[0])
        raise ParameterError(
            f"{where(k)}: weight {float(w[k])!r} is outside the magnitudes the solver "
            f"handles exactly ({WEIGHT_RANGE[0]:g} to {WEIGHT_RANGE[1]:g}: it squares and sums "
            f"weights); scale the weights (the best partition does not change)")


def _prepare_matrix(A):
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ParameterError(f"maxcut needs a square adjacency matrix, got shape {A.shape}")
    n = int(A.shape[0])
    if n > _MAX_NODES:
        raise ParameterError(f"adjacency matrix of {n} nodes: the solver takes at most {_MAX_NODES} "
                             f"(Brian2 numbers neurons with 32-bit integers)")
    A = sp.coo_array(A)
    if not np.issubdtype(A.dtype, np.number) or np.issubdtype(A.dtype, np.complexfloating):
        raise ParameterError(f"adjacency matrix: weights of type {A.dtype} are not real numbers")
    r, c, x = A.row.astype(np.int64), A.col.astype(np.int64), A.data.astype(float)
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        k = int(bad[0])
        raise ParameterError(f"adjacency matrix entry ({r[k]}, {c[k]}): weight {float(x[k])!r} is not finite")
    off = r != c
    _warn_loops(int(np.count_nonzero(x[~off])), stacklevel=5)
    r, c, x = r[off], c[off], x[off]
    a, b = np.minimum(r, c), np.maximum(r, c)
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key, x = key[order], x[order]
    if is_symmetric(A):
        # each edge appears as (i, j) and (j, i) with the same weight: keep one of the two
        keep = r[order] < c[order]
        key, x = key[keep], x[keep]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.int64)
    key = key[starts]
    w = np.add.reduceat(x, starts) if key.size else x[:0]
    nonzero = w != 0.0
    key, w = key[nonzero], w[nonzero]
    iu, iv = key // max(n, 1), key % max(n, 1)
    _check_range(w, lambda k: f"adjacency matrix entry ({iu[k]}, {iv[k]})")
    return range(n), iu, iv, w


def greedy_colouring(n, iu, iv):
    """Colour the nodes ``0..n-1`` so that no edge joins two nodes of one colour: networkx's
    ``greedy_color(G, "largest_first")`` on the graph of these edges (the same colours), in
    a fraction of its time and memory.

    Nodes are taken by decreasing degree (ties: lower index first); each gets the smallest
    colour none of its coloured neighbours has.

    Returns
    -------
    colour : ndarray of int32
    colours : int
        Number of colours (1 for a graph without edges).

    Examples
    --------
    >>> import numpy as np
    >>> colour, k = greedy_colouring(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> colour.tolist(), k
    ([1, 0, 1, 0], 2)
    """
    src, dst = np.r_[iu, iv], np.r_[iv, iu]
    degree = np.bincount(src, minlength=n)
    neighbours = dst[np.argsort(src, kind="stable")].tolist()
    start = np.r_[0, np.cumsum(degree)].tolist()
    colour = [-1] * n
    for u in np.argsort(-degree, kind="stable").tolist():
        used = {colour[v] for v in neighbours[start[u]:start[u + 1]]}
        c = 0
        while c in used:
            c += 1
        colour[u] = c
    colour = np.array(colour, dtype=np.int32)
    return colour, int(colour.max()) + 1 if n else 1


def cut_value(G, partition, weight="weight"):
    """Weight of the edges between the two sides (parallel edges and directions summed).

    ``G`` is a networkx graph or a sparse adjacency matrix (read as :func:`prepare_graph` reads
    it; its nodes are ``0..n-1``).

    Examples
    --------
    >>> import networkx as nx
    >>> cut_value(nx.path_graph(3), ({0, 2}, {1}))
    2.0
    """
    if sp.issparse(G):
        nodes, iu, iv, w = prepare_graph(G)
        side = np.zeros(len(nodes), dtype=bool)
        side[np.fromiter(partition[0], dtype=np.int64, count=len(partition[0]))] = True
        return float(np.sum(w[side[iu] != side[iv]]))
    side = {u: 0 for u in partition[0]}
    side.update({u: 1 for u in partition[1]})
    total = 0.0
    for u, v, d in G.edges(data=True):
        if u != v and side[u] != side[v]:
            total += float(d.get(weight, 1) if weight is not None else 1)
    return total
