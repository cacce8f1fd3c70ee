"""Argument types for the command line: numbers checked against a range, one clear message."""

import argparse
import math

from spikesyn.checks import shown


def number(kind, low=-math.inf, high=math.inf, low_open=False, unit="", why=""):
    """An ``argparse`` type that reads a finite ``kind`` (int or float) in [low, high].

    Parameters
    ----------
    kind : type
        ``int`` or ``float``.
    low, high : float
        Bounds, inclusive unless ``low_open`` (then ``low`` itself is refused).
    low_open : bool
    unit : str
        Unit named in the error message (``"seconds"``).
    why : str
        Reason for the bounds, added to the error message.

    Returns
    -------
    callable

    Examples
    --------
    >>> from spikesyn.argtypes import number
    >>> number(int, 1)("16")
    16
    >>> number(float, 0, low_open=True, unit="seconds")("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a finite number of seconds in (0, inf), got '-1'
    >>> number(int, 0, 9)("9" * 5000)
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '99999999999999999999999999999999999999999999999999999... (5002 characters) is not an integer
    """
    noun = {int: "an integer", float: "a finite number"}[kind]

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{shown(text)} is not {noun}") from None
        if not math.isfinite(value) or not low <= value <= high or (low_open and value == low):
            what = f"{noun} of {unit}" if unit else noun
            opening = "(" if low_open or low == -math.inf else "["
            closing = ")" if high == math.inf else "]"
            raise argparse.ArgumentTypeError(
                f"must be {what} in {opening}{_bound(low)}, {_bound(high)}{closing}{why}, got {shown(text)}")
        return value

    return parse


def _bound(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
