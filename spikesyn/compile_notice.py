"""Remember which Brian2 Cython builds this environment has, to tell a waiting user when a run compiles.

Brian2's Cython target compiles the code of a new model (or a new group size) on its first
run, 15-60 s on two cores, and caches it. The command-line tools say "compiling, first run
only" before such a run. Brian2 does not say in advance whether a build is cached, so the
tools leave an empty marker file under ``$XDG_CACHE_HOME/spikesyn/compiled`` (default
``~/.cache``) once a run of a given kind has finished, named after the kind and after what
Brian2 keys its own cache on besides the code (:func:`environment_tag`): a new virtualenv or a
numpy upgrade compiles again, and the notice comes again. A Brian2 cache emptied by hand is
not noticed.

Examples
--------
>>> import tempfile
>>> where = tempfile.mkdtemp()
>>> needs_compile("demo-kind", cache_dir=where)
True
>>> mark_compiled("demo-kind", cache_dir=where)
>>> needs_compile("demo-kind", cache_dir=where)
False
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

__all__ = ["environment_tag", "needs_compile", "mark_compiled"]


def environment_tag():
    """A short hash of what Brian2's Cython cache keys its modules on besides the code.

    Brian2 (``cython_rt/extension_manager.py``) names a compiled module after the code, the
    Python version and executable, the Cython version, numpy's major.minor version and the
    ``CC``/``CXX`` variables; the Brian2 version is added here because it changes the code.

    Examples
    --------
    >>> len(environment_tag()), environment_tag() == environment_tag()
    (12, True)
    """
    import brian2
    import numpy
    try:
        import Cython
        cython_version = Cython.__version__
    except ImportError:
        cython_version = None
    key = (sys.version_info[:3], sys.executable, cython_version,
           ".".join(numpy.__version__.split(".")[:2]), os.environ.get("CC"),
           os.environ.get("CXX"), brian2.__version__)
    return hashlib.md5(repr(key).encode()).hexdigest()[:12]


def _marker(kind, cache_dir):
    if cache_dir is None:
        home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        cache_dir = Path(home) / "spikesyn" / "compiled"
    return Path(cache_dir) / f"{kind}-{environment_tag()}"


def needs_compile(kind, cache_dir=None):
    """Whether no run of ``kind`` (a short name of model and sizes) finished in this environment.

    ``cache_dir`` defaults to ``$XDG_CACHE_HOME/spikesyn/compiled`` (``~/.cache/...``).
    """
    return not _marker(kind, cache_dir).exists()


def mark_compiled(kind, cache_dir=None):
    """Remember that a run of ``kind`` finished here (nothing happens if the cache is read-only)."""
    try:
        p = _marker(kind, cache_dir)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.touch()
    except OSError:
        pass
