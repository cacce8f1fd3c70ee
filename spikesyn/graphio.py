"""Read graphs for max-cut from files: Gset/rudy, edge lists, GML, GraphML and Matrix Market.

Every reader returns an undirected :class:`networkx.Graph` whose edges carry a ``weight``
attribute (default 1). Parallel edges in a file are summed. Self-loops are kept as read (the
max-cut solver ignores them with a warning).

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

import math
import os
import warnings
from pathlib import Path

import networkx as nx

from spikesyn.errors import SpikesynError

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


class GraphFormatError(SpikesynError, ValueError):
    """A graph file cannot be read: the message names the file and, when known, the line.

    Parameters
    ----------
    path : str or Path
        The file.
    problem : str
        What is wrong, in words.
    line : int, optional
        1-based line number of the offending line.
    """

    def __init__(self, path, problem, line=None):
        self.path, self.problem, self.line = str(path), problem, line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


# --------------------------------------------------------------------------- helpers
def _read_lines(path):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
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
        raise GraphFormatError(path, f"{what} {token!r} is not a number", lineno) from None
    if not math.isfinite(x):
        raise GraphFormatError(path, f"{what} {token!r} is not finite", lineno)
    return x


def _integer(path, lineno, token, what):
    try:
        return int(token)
    except ValueError:
        raise GraphFormatError(path, f"{what} {token!r} is not an integer", lineno) from None


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
        raise GraphFormatError(path, f"bad header {header!r}: expected 'n m' (nodes, edges)", lineno)
    n = _integer(path, lineno, parts[0], "header node count")
    m = _integer(path, lineno, parts[1], "header edge count")
    if n < 1 or m < 0:
        raise GraphFormatError(path, f"bad header {header!r}: need n >= 1 and m >= 0", lineno)
    G = nx.Graph()
    G.add_nodes_from(range(1, n + 1))
    count = 0
    for lineno, s in body:
        parts = s.split()
        if len(parts) != 3:
            raise GraphFormatError(path, f"expected 3 fields 'i j w', got {len(parts)}: {s!r}", lineno)
        i = _integer(path, lineno, parts[0], "node id")
        j = _integer(path, lineno, parts[1], "node id")
        w = _number(path, lineno, parts[2], "weight")
        for x in (i, j):
            if not 1 <= x <= n:
                raise GraphFormatError(path, f"node id {x} out of range 1..{n}", lineno)
        count += 1
        if count > m:
            raise GraphFormatError(path, f"more edges than the {m} the header announces", lineno)
        _add_edge(G, i, j, w)
    if count != m:
        raise GraphFormatError(path, f"header announces {m} edges but the file has {count}")
    return G


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
            raise GraphFormatError(path, f"expected 'u v' or 'u v w', got {len(parts)} fields: {s!r}",
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
    import numpy as np
    import scipy.io
    import scipy.sparse

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
    try:
        lineno, size = next(body)
    except StopIteration:
        raise GraphFormatError(path, "missing size line") from None
    sp = size.split()
    if layout == "coordinate":
        if len(sp) != 3:
            raise GraphFormatError(path, f"bad size line {size!r}: expected 'rows cols entries'", lineno)
        nr, nc, nnz = (_integer(path, lineno, t, "size") for t in sp)
        if nr != nc:
            raise GraphFormatError(path, f"matrix is {nr}x{nc}, an adjacency matrix must be square", lineno)
        ncols = 2 if field == "pattern" else 3
        count = 0
        for lineno, s in body:
            parts = s.split()
            if len(parts) != ncols:
                raise GraphFormatError(path, f"expected {ncols} fields, got {len(parts)}: {s!r}", lineno)
            for t in parts[:2]:
                x = _integer(path, lineno, t, "index")
                if not 1 <= x <= nr:
                    raise GraphFormatError(path, f"index {x} out of range 1..{nr}", lineno)
            if ncols == 3:
                _number(path, lineno, parts[2], "value")
            count += 1
        if count != nnz:
            raise GraphFormatError(path, f"size line announces {nnz} entries but the file has {count}")
    else:
        if len(sp) != 2:
            raise GraphFormatError(path, f"bad size line {size!r}: expected 'rows cols'", lineno)
        nr, nc = (_integer(path, lineno, t, "size") for t in sp)
        if nr != nc:
            raise GraphFormatError(path, f"matrix is {nr}x{nc}, an adjacency matrix must be square", lineno)
        for lineno, s in body:
            _number(path, lineno, s.split()[0] if s.split() else s, "value")
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
    if content:
        first = content[0][1].split()
        rest = [len(s.split()) for _, s in content[1:]]
        if len(first) == 2 and all(t.isdigit() for t in first):
            # "n m" then "i j w" lines; an unweighted edge list has 2 fields on its next line too.
            if (rest and rest[0] == 3) or (not rest and int(first[1]) == 0):
                return "gset"
    return "edgelist"


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
