"""What the subcommands print on stderr besides their result: progress lines, the "compiling,
first run only" notice, and warnings as one line.

Examples
--------
>>> import tempfile
>>> say = progress_lines(quiet=True)
>>> say is None
True
>>> cache = tempfile.mkdtemp()
>>> with first_run("demo-kind", about="40", show=False, cache_dir=cache) as first:
...     first
True
>>> with first_run("demo-kind", about="40", show=False, cache_dir=cache) as first:
...     first
False
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from spikesyn import compile_notice

__all__ = ["say", "progress_lines", "say_compiling", "first_run", "one_line_warnings"]


def say(message):
    """Print one line on stderr at once (progress, notices)."""
    print(message, file=sys.stderr, flush=True)


def progress_lines(quiet, indent=""):
    """A ``progress(message)`` callback printing each message on stderr, or None when ``quiet``."""
    if quiet:
        return None
    return lambda message: say(f"{indent}{message}")


def say_compiling(about):
    """Tell the user that the coming run compiles Brian2's code (``about``: seconds, as text)."""
    say(f"compiling, first run only (about {about} s) ...")


@contextmanager
def first_run(kind, about, show=True, cache_dir=None):
    """Announce the first compiled run of ``kind`` in this environment; remember it once it ends well.

    Parameters
    ----------
    kind : str
        What is compiled (:func:`spikesyn.compile_notice.needs_compile`).
    about : str
        Typical compile time in seconds, for the notice.
    show : bool
        Print the notice (False: only remember the run).
    cache_dir : str, optional
        Where the markers live (default: :mod:`spikesyn.compile_notice`'s).

    Yields
    ------
    bool
        Whether this run compiles (no finished run of ``kind`` here before). A run that raises
        is not remembered: the next one says it again.
    """
    first = compile_notice.needs_compile(kind, cache_dir=cache_dir)
    if first and show:
        say_compiling(about)
    yield first
    compile_notice.mark_compiled(kind, cache_dir=cache_dir)


def one_line_warnings(command):
    """A ``warnings.showwarning`` that prints one line naming the command, without the source line."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"spikesyn {command}: warning: {message}", file=sys.stderr if file is None else file)
    return show
