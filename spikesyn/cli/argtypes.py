"""Argument types for the command line: numbers checked against a range, quantities with their
unit; each refuses a wrong value with one message that argparse prints after the option's name."""

import argparse
import math

import brian2 as b2

from spikesyn.checks import shown
from spikesyn.units import number_and_unit

__all__ = ["number", "quantity"]


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


def quantity(unit_name, what):
    """An ``argparse`` type reading a number with a Brian2 unit of the dimension of ``unit_name``.

    Examples
    --------
    >>> print(quantity("second", "a time")("20ns"))
    20. ns
    >>> quantity("second", "a time")("20")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '20' has no unit: give a time with its unit, e.g. 20ns
    """
    unit = getattr(b2, unit_name)
    example = {"second": "20ns", "amp": "6mA", "hertz": "1kHz"}[unit_name]

    def parse(text):
        try:
            read = number_and_unit(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
        if read is None:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} such as {example}")
        if read[1] is None:
            raise argparse.ArgumentTypeError(
                f"{text!r} has no unit: give {what} with its unit, e.g. {example}")
        q = read[0] * read[1]
        if q.dim != unit.dim:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (e.g. {example})")
        return q

    return parse
