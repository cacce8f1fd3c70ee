"""Read graphs for max-cut from files: Gset/rudy, edge lists, GML, GraphML and Matrix Market.

Every reader returns an undirected :class:`networkx.Graph` whose edges carry a ``weight``
attribute (default 1). Parallel edges in a file are summed. Self-loops are kept as read (the
max-cut solver ignores them with a warning).

Large files (a million nodes) are better read by :func:`spikesyn.graph_arrays.read_graph_matrix`,
which returns a sparse matrix for :func:`spikesyn.maxcut` without building a networkx graph
(``spikesyn maxcut`` reads every file that way).

Any problem with a file raises :class:`GraphFormatError`, whose message names the file and, where
it applies, the line: ``G1.txt:3: expected 3 fields 'i j w', got 2``.

Examples
--------
>>> from spikesyn.graphio import read_graph
>>> G = read_graph("G1.txt")                      # doctest: +SKIP
>>> G.number_of_nodes(), G.number_of_edges()      # doctest: +SKIP
(800, 19176)
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.io
import scipy.sparse

from spikesyn.checks import shown
from spikesyn.errors import GraphFormatError
from spikesyn.resources import GRAPH_EDGE_BYTES, GRAPH_NODE_BYTES, ResourceError, check_memory

__all__ = [
    "FORMATS",
    "GraphFormatError",
    "detect_format",
    "read_graph",
    "read_gset",
    "read_edgelist",
    "read_gml",
    "read_graphml",
    "read_mtx",
]

#: Formats :func:`read_graph` understands ("auto" picks one from the extension and content).
FORMATS = ("auto", "gset", "edgelist", "gml", "graphml", "mtx")

_EXTENSIONS = {
    ".gml": "gml",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".mtx": "mtx",
    ".mm": "mtx",
    ".edges": "edgelist",
    ".edgelist": "edgelist",
    ".el": "edgelist",
    ".csv": "edgelist",
}


# --------------------------------------------------------------------------- helpers
def _read_lines(path):
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark (some Windows editors write one) is not part of a label
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except FileNotFoundError:
        raise GraphFormatError(path, "no such file") from None
    except IsADirectoryError:
        raise GraphFormatError(path, "is a directory, not a graph file") from None
    except UnicodeDecodeError as exc:
        raise GraphFormatError(path, f"not a text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise GraphFormatError(path, f"cannot read: {exc.strerror or exc}") from None
    if not text.strip():
        raise GraphFormatError(path, "file is empty")
    return text.splitlines()


def _content_lines(lines, comments=("#", "%", "c ")):
    """Yield (line number, stripped text) of lines that are neither blank nor comments."""
    for k, raw in enumerate(lines, start=1):
        s = raw.strip()
        if not s or s.startswith(comments) or s == "c":
            continue
        yield k, s


def _number(path, lineno, token, what):
    try:
        x = float(token)
    except ValueError:
        raise GraphFormatError(path, f"{what} {shown(token)} is not a number", lineno) from None
    if not math.isfinite(x):
        raise GraphFormatError(path, f"{what} {shown(token)} is not finite", lineno)
    return x


def _integer(path, lineno, token, what):
    try:
        return int(token)
    except ValueError:
        raise GraphFormatError(path, f"{what} {shown(token)} is not an integer", lineno) from None


def _check_graph_memory(path, n, m, where):
    """Refuse, before allocating, a graph whose declared size the machine cannot hold."""
    try:
        check_memory(n * GRAPH_NODE_BYTES + m * GRAPH_EDGE_BYTES,
                     f"{where} announces {n} nodes and {m} edges: a graph of that size")
    except ResourceError as exc:
        raise GraphFormatError(path, str(exc)) from None


def _add_edge(G, u, v, w):
    if G.has_edge(u, v):
        G[u][v]["weight"] += w
    else:
        G.add_edge(u, v, weight=w)


def _check_weights(G, path, weight):
    for u, v, d in G.edges(data=True):
        w = d.get(weight, 1)
        try:
            x = float(w)
        except (TypeError, ValueError):
            raise GraphFormatError(path, f"edge ({u!r}, {v!r}): weight {w!r} is not a number") from None
        if not math.isfinite(x):
            raise GraphFormatError(path, f"edge ({u!r}, {v!r}): weight {w!r} is not finite")


def _as_simple(G, weight="weight"):
    """Undirected simple Graph with float ``weight``; parallel and reverse edges summed."""
    H = nx.Graph()
    H.add_nodes_from(G.nodes)
    for u, v, d in G.edges(data=True):
        _add_edge(H, u, v, float(d.get(weight, 1)))
    return H


# --------------------------------------------------------------------------- readers
def read_gset(path):
    """Read a Gset / rudy file: a header ``n m`` then ``m`` lines ``i j w`` with 1-based ids.

    Lines ``i j`` without a weight (an unweighted Gset file) are edges of weight 1.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    networkx.Graph
        Nodes ``1..n`` (all of them, isolated ones included), edges with a float ``weight``.

    Raises
    ------
    GraphFormatError
        Bad header, a line that is not ``i j w``, non-numeric or non-finite fields, node ids out
        of ``1..n``, or an edge count that differs from the header.

    Examples
    --------
    >>> G = read_gset("G1.txt")    # doctest: +SKIP
    """
    lines = _read_lines(path)
    body = _content_lines(lines)
    lineno, header = next(body)
    parts = header.split()
    if len(parts) != 2:
        raise GraphFormatError(path, f"bad header {shown(header)}: expected 'n m' (nodes, edges)", lineno)
    n = _integer(path, lineno, parts[0], "header node count")
    m = _integer(path, lineno, parts[1], "header edge count")
    if n < 1 or m < 0:
        raise GraphFormatError(path, f"bad header {shown(header)}: need n >= 1 and m >= 0", lineno)
    # the header's sizes are checked against the file before anything is allocated for them
    lines_left = sum(1 for _ in _content_lines(lines[lineno:]))
    _check_graph_memory(path, n, min(m, lines_left), "the header")
    G = nx.Graph()
    count = 0
    ncols = None
    for lineno, s in body:
        parts = s.split()
        if ncols is None and len(parts) in (2, 3):
            ncols = len(parts)
        if len(parts) != ncols:
            expected = "3 fields 'i j w'" if ncols in (3, None) else "2 fields 'i j' as on the first edge line"
            raise GraphFormatError(path, f"expected {expected}, got {len(parts)}: {shown(s)}", lineno)
        i = _integer(path, lineno, parts[0], "node id")
        j = _integer(path, lineno, parts[1], "node id")
        w = _number(path, lineno, parts[2], "weight") if len(parts) == 3 else 1.0
        for x in (i, j):
            if not 1 <= x <= n:
                raise GraphFormatError(path, f"node id {x} out of range 1..{n}", lineno)
        count += 1
        if count > m:
            raise GraphFormatError(path, f"more edges than the {m} the header announces", lineno)
        _add_edge(G, i, j, w)
    if count != m:
        raise GraphFormatError(path, f"header announces {m} edges but the file has {count}")
    H = nx.Graph()
    H.add_nodes_from(range(1, n + 1))
    H.add_edges_from(G.edges(data=True))
    return H


def _label(token):
    try:
        return int(token)
    except ValueError:
        return token


def read_edgelist(path, delimiter=None):
    """Read a weighted or unweighted edge list: one ``u v [w]`` per line, ``#`` comments.

    Node labels that parse as integers become ``int``, others stay strings. Repeated edges (in
    either direction) are summed. A missing weight is 1.

    Parameters
    ----------
    path : str or Path
    delimiter : str, optional
        Field separator; default any whitespace (commas are also accepted).

    Returns
    -------
    networkx.Graph

    Examples
    --------
    >>> G = read_edgelist("graph.edges")    # doctest: +SKIP
    """
    lines = _read_lines(path)
    G = nx.Graph()
    any_line = False
    for lineno, s in _content_lines(lines, comments=("#", "%")):
        any_line = True
        if delimiter is None:
            parts = s.replace(",", " ").split()
        else:
            parts = [p.strip() for p in s.split(delimiter)]
        if len(parts) not in (2, 3):
            raise GraphFormatError(path, f"expected 'u v' or 'u v w', got {len(parts)} fields: {shown(s)}",
                                   lineno)
        w = _number(path, lineno, parts[2], "weight") if len(parts) == 3 else 1.0
        _add_edge(G, _label(parts[0]), _label(parts[1]), w)
    if not any_line:
        raise GraphFormatError(path, "file has no edges (only comments or blank lines)")
    return G


def _wrap_nx(path, reader, name, weight="weight"):
    _read_lines(path)  # same errors for missing / empty / binary files
    try:
        G = reader(path)
    except GraphFormatError:
        raise
    except Exception as exc:  # networkx raises many types for malformed files
        msg = str(exc).strip() or type(exc).__name__
        line = getattr(exc, "lineno", None)
        if line is None and getattr(exc, "position", None):
            line = exc.position[0]
        raise GraphFormatError(path, f"not a valid {name} file: {msg}", line) from None
    _check_weights(G, path, weight)
    return _as_simple(G, weight)


def read_gml(path, weight="weight"):
    """Read a GML file through :func:`networkx.read_gml` (labels as in the file).

    Examples
    --------
    >>> G = read_gml("graph.gml")    # doctest: +SKIP
    """
    return _wrap_nx(path, lambda p: nx.read_gml(p, label="label"), "GML", weight)


def read_graphml(path, weight="weight"):
    """Read a GraphML file through :func:`networkx.read_graphml`.

    Examples
    --------
    >>> G = read_graphml("graph.graphml")    # doctest: +SKIP
    """
    return _wrap_nx(path, nx.read_graphml, "GraphML", weight)


def read_mtx(path):
    """Read a Matrix Market file (square adjacency matrix) through :func:`scipy.io.mmread`.

    Nodes are ``1..n`` as in the file. A symmetric matrix is an adjacency matrix: entry
    ``(i, j) = w`` is one edge of weight ``w``. A non-symmetric matrix is read as a directed
    graph whose two directions are summed. Diagonal entries are self-loops.

    Examples
    --------
    >>> G = read_mtx("graph.mtx")    # doctest: +SKIP
    """
    lines = _read_lines(path)
    body = _content_lines(lines, comments=("%",))
    first = lines[0].strip()
    if not first.lower().startswith("%%matrixmarket"):
        raise GraphFormatError(path, "missing '%%MatrixMarket' banner", 1)
    banner = first.lower().split()
    if len(banner) < 5 or banner[1] != "matrix":
        raise GraphFormatError(path, f"bad banner {first!r}", 1)
    layout, field = banner[2], banner[3]
    if field == "complex":
        raise GraphFormatError(path, "complex matrices are not graphs", 1)
    if field not in ("real", "integer", "pattern", "double"):
        raise GraphFormatError(path, f"unknown field {banner[3]!r} (real, integer or pattern)", 1)
    if banner[4] not in ("general", "symmetric"):
        raise GraphFormatError(path, f"{banner[4]} matrices are not adjacency matrices: give a "
                                     f"general or symmetric matrix of edge weights", 1)
    try:
        lineno, size = next(body)
    except StopIteration:
        raise GraphFormatError(path, "missing size line") from None
    sp = size.split()
    if layout == "coordinate":
        if len(sp) != 3:
            raise GraphFormatError(path, f"bad size line {shown(size)}: expected 'rows cols entries'", lineno)
        nr, nc, nnz = (_integer(path, lineno, t, "size") for t in sp)
        if nr != nc:
            raise GraphFormatError(path, f"matrix is {nr}x{nc}, an adjacency matrix must be square", lineno)
        if nr < 1 or nnz < 0:
            raise GraphFormatError(path, f"bad size line {shown(size)}: need rows >= 1 and entries >= 0", lineno)
        ncols = 2 if field == "pattern" else 3
        count = 0
        for lineno, s in body:
            parts = s.split()
            if len(parts) != ncols:
                raise GraphFormatError(path, f"expected {ncols} fields, got {len(parts)}: {shown(s)}", lineno)
            for t in parts[:2]:
                x = _integer(path, lineno, t, "index")
                if not 1 <= x <= nr:
                    raise GraphFormatError(path, f"index {x} out of range 1..{nr}", lineno)
            if field == "integer":
                _integer(path, lineno, parts[2], "value of an 'integer' matrix")
            elif ncols == 3:
                _number(path, lineno, parts[2], "value")
            count += 1
        if count != nnz:
            raise GraphFormatError(path, f"size line announces {nnz} entries but the file has {count}")
        _check_graph_memory(path, nr, nnz, "the size line")
    else:
        if len(sp) != 2:
            raise GraphFormatError(path, f"bad size line {shown(size)}: expected 'rows cols'", lineno)
        nr, nc = (_integer(path, lineno, t, "size") for t in sp)
        if nr != nc:
            raise GraphFormatError(path, f"matrix is {nr}x{nc}, an adjacency matrix must be square", lineno)
        if nr < 1:
            raise GraphFormatError(path, f"bad size line {shown(size)}: need rows >= 1", lineno)
        expected = nr * (nr + 1) // 2 if banner[4] == "symmetric" else nr * nr
        count = 0
        for lineno, s in body:
            parts = s.split()
            if len(parts) != 1:
                raise GraphFormatError(path, f"expected one value per line, got {len(parts)}: {shown(s)}", lineno)
            if field == "integer":
                _integer(path, lineno, parts[0], "value of an 'integer' matrix")
            else:
                _number(path, lineno, parts[0], "value")
            count += 1
        if count != expected:
            raise GraphFormatError(path, f"size line announces a {nr}x{nr} {banner[4]} array of "
                                         f"{expected} values but the file has {count}")
    try:
        with warnings.catch_warnings():
            # scipy >= 1.15 warns that mmread's default return type will change; csr_matrix
            # below accepts either type
            warnings.simplefilter("ignore", DeprecationWarning)
            A = scipy.io.mmread(str(path))
    except Exception as exc:
        raise GraphFormatError(path, f"not a valid Matrix Market file: {exc}") from None
    A = scipy.sparse.csr_matrix(A)
    if not np.all(np.isfinite(A.data)):
        raise GraphFormatError(path, "matrix has non-finite values")
    if (A != A.T).nnz:
        # not symmetric: a directed adjacency matrix; both directions are summed
        A = A + A.T - scipy.sparse.diags(A.diagonal())
    A = scipy.sparse.triu(A).tocoo()
    G = nx.Graph()
    G.add_nodes_from(range(1, nr + 1))
    for i, j, w in zip(A.row.tolist(), A.col.tolist(), A.data.tolist()):
        if w != 0:
            _add_edge(G, i + 1, j + 1, float(w))
    return G


# --------------------------------------------------------------------------- dispatch
def detect_format(path):
    """Guess a graph file's format from its extension, then from its content.

    Returns
    -------
    str
        One of ``"gset"``, ``"edgelist"``, ``"gml"``, ``"graphml"``, ``"mtx"``.

    Examples
    --------
    >>> detect_format("G1.txt")    # doctest: +SKIP
    'gset'
    """
    ext = Path(path).suffix.lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    lines = _read_lines(path)
    head = lines[0].lstrip().lower()
    if head.startswith("%%matrixmarket"):
        return "mtx"
    if head.startswith("<?xml") or head.startswith("<graphml"):
        return "graphml"
    content = list(_content_lines(lines[:2000]))
    if content and (content[0][1].split()[:1] == ["graph"] or content[0][1].startswith("graph[")):
        return "gml"
    if content and _looks_like_gset(content[0][1], lines):
        return "gset"
    return "edgelist"


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _looks_like_gset(first, lines):
    """A first line of two numbers is a Gset header ``n m`` (never an edge) when nothing follows
    it, when ``i j w`` lines follow, or when exactly ``m`` lines ``i j`` with ids in ``1..n``
    follow (an unweighted Gset file); a header that is not two integers is then reported by
    :func:`read_gset` instead of being read as an edge between the nodes '4.0' and '3'."""
    head = first.split()
    if len(head) != 2 or not all(_is_number(t) for t in head):
        return False
    rest = (s.split() for _, s in _content_lines(lines))
    next(rest)  # the header
    second = next(rest, None)
    if second is None or len(second) == 3:
        return True
    if not all(t.isdigit() for t in head):
        return False
    n, m = int(head[0]), int(head[1])
    count = 0
    for r in itertools.chain([second], rest):
        count += 1
        if count > m or len(r) != 2 or not all(t.isdigit() and 1 <= int(t) <= n for t in r):
            return False
    return count == m


_READERS = {
    "gset": read_gset,
    "edgelist": read_edgelist,
    "gml": read_gml,
    "graphml": read_graphml,
    "mtx": read_mtx,
}


def read_graph(path, format="auto"):
    """Read a graph file in any supported format.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    format : {"auto", "gset", "edgelist", "gml", "graphml", "mtx"}
        ``"auto"`` guesses from the extension and the content (see :func:`detect_format`).

    Returns
    -------
    networkx.Graph
        Undirected, every edge with a float ``weight`` attribute.

    Raises
    ------
    GraphFormatError
        The file is missing, empty or malformed; the message names file and line.
    ValueError
        ``format`` is not one of :data:`FORMATS`.

    Examples
    --------
    >>> import spikesyn.graphio as gio
    >>> G = gio.read_graph("G1.txt", format="auto")    # doctest: +SKIP
    """
    if format not in FORMATS:
        raise ValueError(f"unknown graph format {format!r}; choose one of {', '.join(FORMATS)}")
    path = os.fspath(path)
    fmt = detect_format(path) if format == "auto" else format
    return _READERS[fmt](path)
