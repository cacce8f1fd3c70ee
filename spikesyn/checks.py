"""Checks of the plain arguments of the public functions: one :class:`ParameterError` naming the
argument, whatever the wrong value is (a string, NaN, infinity, a float where an integer is due).

Examples
--------
>>> from spikesyn.checks import seed_value, positive_int
>>> seed_value(7), positive_int(16.0, "replicas")
(7, 16)
>>> seed_value(1.7)
Traceback (most recent call last):
...
spikesyn.errors.ParameterError: seed must be an integer in [0, 4294967295], got 1.7
"""

from __future__ import annotations

import math
import numbers

from spikesyn.errors import ParameterError

__all__ = ["SEED_MAX", "seed_value", "positive_int", "finite_number", "shown"]

#: largest seed: numpy's legacy generator (``brian2.seed``) takes 32-bit seeds
SEED_MAX = 2 ** 32 - 1


def shown(value, limit=60):
    """``repr(value)`` cut to ``limit`` characters, for messages that echo user input.

    Examples
    --------
    >>> shown("9" * 1000, limit=12)
    "'9999999...' (1002 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 4]}...{text[0] if text[0] in chr(39) + chr(34) else ''} ({len(text)} characters)"


def _integer(value):
    """The int a value stands for, or None when it is not a finite whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer():
        return int(value)
    return None


def seed_value(value, name="seed"):
    """A random seed: a whole number in ``[0, SEED_MAX]``.

    Examples
    --------
    >>> seed_value(-1)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: seed must be an integer in [0, 4294967295], got -1
    """
    k = _integer(value)
    if k is None or not 0 <= k <= SEED_MAX:
        raise ParameterError(f"{name} must be an integer in [0, {SEED_MAX}], got {shown(value)}")
    return k


def positive_int(value, name, maximum=None, why=""):
    """A whole number >= 1 (an integer-valued float is accepted), at most ``maximum``.

    Examples
    --------
    >>> positive_int(float("nan"), "replicas")
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: replicas must be a positive integer, got nan
    """
    k = _integer(value)
    if k is None or k < 1:
        raise ParameterError(f"{name} must be a positive integer, got {shown(value)}")
    if maximum is not None and k > maximum:
        raise ParameterError(f"{name} must be at most {maximum}{why}, got {k}")
    return k


def finite_number(value, name):
    """A finite real number as float.

    Examples
    --------
    >>> finite_number("3", "target")
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: target must be a finite number, got '3'
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ParameterError(f"{name} must be a finite number, got {shown(value)}")
    return float(value)
