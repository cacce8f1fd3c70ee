"""The one way a benchmark script hands over its Markdown: printed, and written whole to --md."""

from pathlib import Path

from spikesyn.outputs import atomic_write


def emit(text, md=None, append=False):
    """Print ``text``; with ``md``, write it to that file whole (or add it at the end with
    ``append``, keeping what the file held).

    Examples
    --------
    >>> emit("| a |")
    | a |
    """
    print(text)
    if md:
        before = Path(md).read_text(encoding="utf-8") if append and Path(md).exists() else ""
        atomic_write(md, lambda tmp: Path(tmp).write_text(before + text, encoding="utf-8"))
