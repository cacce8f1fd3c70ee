"""Argument types for the command line: numbers checked against a range, one clear message."""

import argparse
import math


def number(kind, low=-math.inf, high=math.inf, low_open=False, unit=""):
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
    argparse.ArgumentTypeError: must be a number of seconds in (0, inf], got '-1'
    """
    noun = {int: "an integer", float: "a number"}[kind]

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not math.isfinite(value) or not low <= value <= high or (low_open and value == low):
            what = f"{noun} of {unit}" if unit else noun
            raise argparse.ArgumentTypeError(
                f"must be {what} in {'(' if low_open else '['}{low}, {high}], got {text!r}")
        return value

    return parse
