"""Output files: checked before any work starts, then written whole or not at all.

:func:`check_output` refuses a path that cannot take the output (missing or unwritable
directory, a directory, a block device or socket, an image name matplotlib cannot write) with
one :class:`OutputPathError` that names the option and the path. :func:`write_outputs` writes a
set of files so that either all of them are in place or none has changed: each is written to a
temporary sibling first and moved over its target only when every one of them is complete.

What is at the path decides how it is written:

* a regular file or a new name: through a temporary file in the same directory and
  ``os.replace``; a new file gets the mode the umask gives (``0644`` under the usual ``022``),
  an existing one keeps its mode;
* a symbolic link: the same, applied to the file the link points to (the link stays a link);
* a character device (``/dev/null``, a terminal) or a FIFO (``/dev/stdout`` in a pipeline):
  written directly, nothing is ever replaced; a FIFO that no process reads when the output is
  written is an error instead of a wait without end (it is not opened before then: a reader
  such as ``cat`` ends at the first writer that closes).

Examples
--------
>>> import os, tempfile
>>> from spikesyn.outputs import check_output, write_outputs
>>> d = tempfile.mkdtemp()
>>> out = os.path.join(d, "part.txt")
>>> check_output(out, "--out")
>>> write_outputs([(out, lambda tmp: open(tmp, "w").write("1 0\\n"))])
>>> open(out).read()
'1 0\\n'
>>> check_output(d, "--out")
Traceback (most recent call last):
...
spikesyn.errors.OutputPathError: --out ...: is a directory, not a file
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from spikesyn.errors import OutputPathError

__all__ = ["OutputPathError", "check_output", "image_suffixes", "write_outputs", "atomic_write"]


def image_suffixes():
    """File suffixes matplotlib can save a figure as (``png``, ``pdf``, ``svg``, ...).

    Examples
    --------
    >>> "png" in image_suffixes() and "txt" not in image_suffixes()
    True
    """
    from matplotlib.backend_bases import FigureCanvasBase
    return sorted(FigureCanvasBase.get_supported_filetypes())


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output(path, option="", image=False):
    """Refuse, before any work, an output path that cannot take the output.

    Parameters
    ----------
    path : str or os.PathLike
        Where the output will go.
    option : str
        The option that named it (``"--out"``), for the message.
    image : bool
        The output is a matplotlib figure: the name must end in a suffix matplotlib writes.

    Raises
    ------
    OutputPathError
        Empty name, a directory, a block device or socket, a missing or unwritable directory,
        an unwritable file, or (``image``) an unsupported suffix.

    Examples
    --------
    >>> check_output("/no/such/dir/cut.png", "--plot")
    Traceback (most recent call last):
    ...
    spikesyn.errors.OutputPathError: --plot /no/such/dir/cut.png: directory /no/such/dir does not exist
    >>> check_output("cut.txt", "--plot", image=True)
    Traceback (most recent call last):
    ...
    spikesyn.errors.OutputPathError: --plot cut.txt: matplotlib cannot write '.txt' images (use .png, .pdf, .svg, ...)
    """
    text = os.fspath(path)
    if not str(text).strip():
        raise OutputPathError(option, repr(text), "empty file name")
    p = Path(text)
    if image:
        suffix = p.suffix.lower().lstrip(".")
        if not suffix:
            raise OutputPathError(option, text, "needs an image suffix such as .png, .pdf or .svg")
        if suffix not in image_suffixes():
            raise OutputPathError(option, text,
                                  f"matplotlib cannot write '.{suffix}' images (use .png, .pdf, .svg, ...)")
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputPathError(option, text, f"cannot use: {exc.strerror or exc}") from None
    if st is not None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise OutputPathError(option, text, "is a directory, not a file")
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            if not os.access(p, os.W_OK):
                raise OutputPathError(option, text, "is not writable")
            return
        if not stat.S_ISREG(mode):
            raise OutputPathError(option, text, "is a device or socket: spikesyn writes only regular "
                                                "files, character devices and FIFOs")
    target = _target(p)
    directory = target.parent
    if not directory.is_dir():
        raise OutputPathError(option, text, f"directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(option, text, f"directory {directory} is not writable")
    if st is not None and not os.access(p, os.W_OK):
        raise OutputPathError(option, text, "file is not writable")


@contextmanager
def _reader_held(p):
    """For a FIFO: fail at once when no process reads it, and keep it open for writing while
    the output is written (so that the ``open`` of the writer cannot block, and the reader
    sees one end of file, after the output)."""
    if not stat.S_ISFIFO(os.stat(p).st_mode):
        yield
        return
    try:
        fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputPathError("", p, "is a FIFO that no process reads") from None
        raise
    try:
        yield
    finally:
        os.close(fd)


def _target(p):
    """The file a path names: a symbolic link's final target (a dangling one's too)."""
    return Path(os.path.realpath(p)) if os.path.islink(p) else p


def is_device_or_fifo(p):
    """True for a character device or a FIFO: outputs written in place, never replaced."""
    try:
        mode = os.stat(p).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _named(path, write, name):
    """Run ``write(name)``; an OSError becomes an error that names the output."""
    try:
        write(name)
    except OSError as exc:
        raise OutputPathError("", path, f"cannot be written: {exc.strerror or exc}") from None


def write_outputs(items):
    """Write several files as a set: all complete and in place, or none changed.

    Parameters
    ----------
    items : list of (path, write)
        ``write(name)`` writes the whole content to the file ``name`` (a temporary sibling of
        the target, or the target itself when that is a character device or FIFO).

    Raises
    ------
    OutputPathError
        A ``write`` failed with an OSError (named after its output), or a FIFO has no reader;
        no target is replaced then.
    Exception
        Whatever else a ``write`` raised (no target replaced either), or ``OSError`` of a move.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> a, b = os.path.join(d, "a.txt"), os.path.join(d, "b.txt")
    >>> def fail(name):
    ...     raise OSError("disk full")
    >>> write_outputs([(a, lambda t: open(t, "w").write("a")), (b, fail)])
    Traceback (most recent call last):
    ...
    spikesyn.errors.OutputPathError: .../b.txt: cannot be written: disk full
    >>> os.path.exists(a), os.listdir(d)
    (False, [])
    """
    staged, direct = [], []
    try:
        for path, write in items:
            p = Path(os.fspath(path))
            if is_device_or_fifo(p):
                direct.append((p, write))
                continue
            target = _target(p)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                                       dir=target.parent if str(target.parent) else ".")
            os.close(fd)
            staged.append((tmp, target))
            _named(p, write, tmp)
            try:
                keep = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                keep = 0o666 & ~_umask()
            os.chmod(tmp, keep)
        for p, write in direct:
            with _reader_held(p):
                _named(p, write, str(p))
    except BaseException:
        for tmp, _ in staged:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)


def atomic_write(path, write):
    """Write one file whole or not at all (:func:`write_outputs` of one item).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> atomic_write(p, lambda tmp: open(tmp, "w").write("x"))
    >>> oct(os.stat(p).st_mode & 0o777) == oct(0o666 & ~_umask())
    True
    """
    write_outputs([(path, write)])
