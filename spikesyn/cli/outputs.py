"""Output paths of a subcommand: all checked before any work, written as a set afterwards.

Built on :mod:`spikesyn.outputs` (the checks of one path, the all-or-nothing writes); this adds
what a command with several output options needs: the option names in the messages and a
refusal of two options naming the same file.

Examples
--------
>>> check_output_paths([("--out", "part.txt", False), ("--plot", None, True)])
>>> check_output_paths([("--plot", "cut.txt", True)])
Traceback (most recent call last):
...
spikesyn.errors.CliError: --plot cut.txt: matplotlib cannot write '.txt' images (use .png, .pdf, .svg, ...)
"""

from __future__ import annotations

import os

from spikesyn.errors import CliError, SpikesynError
from spikesyn.outputs import OutputPathError, check_output, is_device_or_fifo, write_outputs

__all__ = ["check_output_paths", "write_output_set"]


def check_output_paths(outputs):
    """Check every output path of a command before any work starts.

    Parameters
    ----------
    outputs : list of (option, path, image)
        ``option`` as the user typed it (``"--plot"``), the path (None: option not given), and
        whether the output is a matplotlib figure (then its suffix must be one matplotlib
        writes).

    Raises
    ------
    CliError
        One line naming the option and the path: missing or unwritable directory, a directory
        or device, an unsupported image suffix, or two options naming the same file.
    """
    seen = {}
    for option, path, image in outputs:
        if path is None:
            continue
        try:
            check_output(path, option, image=image)
        except OutputPathError as exc:
            raise CliError(str(exc)) from None
        key = os.path.realpath(path)
        if key in seen and not is_device_or_fifo(key):
            raise CliError(f"{option} {path}: the same file as {seen[key]}")
        seen[key] = option


def write_output_set(items):
    """Write a command's output files as a set (all or none); a failure is a :class:`CliError`.

    Parameters
    ----------
    items : list of (path, write)
        As :func:`spikesyn.outputs.write_outputs`; entries whose path is None are skipped.
    """
    try:
        write_outputs([(p, w) for p, w in items if p is not None])
    except (SpikesynError, OSError, ValueError) as exc:
        raise CliError(f"writing the outputs failed, none written: {exc}") from None
