"""The one home of argument checks: each raises one error naming the argument, whatever the
wrong value is (a string, NaN, infinity, a float where an integer is due, a missing unit).

Policy on bare numbers: an argument with a physical dimension (a time, a rate, a current) must
be a Brian2 quantity; a plain number is refused, never read in an assumed unit
(:func:`quantity_in`; card parameters: :func:`spikesyn.units.as_quantity`). Counts are ``int``
or numpy integers (:func:`integer_in`); :func:`seed_value` and :func:`positive_int`
also take a float that holds a whole number. A builder passes its own error class
(``error=``, a :class:`~spikesyn.errors.SpikesynError` subclass) so that its callers catch one type.

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

import numpy as np

from spikesyn.errors import ParameterError

__all__ = ["SEED_MAX", "seed_value", "positive_int", "finite_number", "integer_in", "real_in",
           "quantity_in", "shown"]

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


def _interval(low, high, low_open=False, unit=""):
    """`` in [low, high] unit``, `` in (low, high] unit``, `` >= low unit`` or `` > low unit``."""
    unit = f" {unit}" if unit else ""
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low}{unit}"
    return f" in {'(' if low_open else '['}{'-inf' if low is None else low}, {high}]{unit}"


def _outside(x, low, high, low_open):
    return (low is not None and (x < low or (low_open and x == low))) or (high is not None and x > high)


def integer_in(value, name, low=0, high=None, error=ParameterError):
    """A count: an ``int`` or numpy integer (not a bool, not a float) in ``[low, high]``, as int.

    Examples
    --------
    >>> integer_in(3, "n_frames", 1, 10)
    3
    >>> integer_in(2.0, "n_frames", 1, 10)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: n_frames must be an integer in [1, 10], got 2.0
    >>> integer_in(-1, "seed")
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: seed must be a non-negative integer, got -1
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) \
            or _outside(int(value), low, high, False):
        what = "a non-negative integer" if low == 0 and high is None else f"an integer{_interval(low, high)}"
        raise error(f"{name} must be {what}, got {shown(value)}")
    return int(value)


def real_in(value, name, low=None, high=None, low_open=False, why="", error=ParameterError):
    """A finite real number (not a bool, not a quantity) in ``[low, high]``, as float.

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for the message.
    low, high : float, optional
        Bounds (None: none); ``low_open`` refuses ``low`` itself.
    why : str
        Added after the bounds in the message (``" (0: off)"``).
    error : type
        The exception raised.

    Examples
    --------
    >>> real_in(0.5, "occlusion", 0.0, 1.0)
    0.5
    >>> real_in(0, "lr", 0, low_open=True)
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: lr must be a finite number > 0, got 0
    """
    # a Brian2 quantity is an ndarray, neither numbers.Real nor a numpy scalar: refused here
    ok = (isinstance(value, (numbers.Real, np.floating, np.integer))
          and not isinstance(value, bool) and math.isfinite(float(value)))
    if not ok or _outside(float(value), low, high, low_open):
        what = (f"a finite number{_interval(low, high, low_open)}" if high is None
                else f"a number{_interval(low, high, low_open)}")
        raise error(f"{name} must be {what}{why}, got {shown(value)}")
    return float(value)


def quantity_in(value, unit, name, kind=None, low=None, high=None, low_open=False,
                error=ParameterError):
    """One finite Brian2 quantity with the dimensions of ``unit``, in ``[low, high]`` (in
    ``unit``), as a float in ``unit``. A plain number is refused.

    Parameters
    ----------
    value : object
    unit : brian2.Quantity
        The unit the bounds and the result are in (``ms``, ``Hz``, ``mA``).
    name : str
        The argument's name, for the message.
    kind : str, optional
        What the value is, for the message (``"a time"``); default: the unit's name.
    low, high : float, optional
        Bounds in ``unit`` (None: none); ``low_open`` refuses ``low`` itself.
    error : type
        The exception raised.

    Examples
    --------
    >>> from brian2 import ms
    >>> quantity_in(250 * ms, ms, "tau_F", "a time", 0, low_open=True)
    250.0
    >>> quantity_in(250, ms, "tau_F", "a time")
    Traceback (most recent call last):
    ...
    spikesyn.errors.ParameterError: tau_F must be a time with a Brian2 unit (for example 250*ms), got 250
    """
    # imported here so that the checks of plain numbers load without Brian2 (data sets, baselines)
    from brian2 import Quantity

    unit_name = str(unit.in_best_unit()).split()[-1]
    what = kind or f"a brian2 quantity in units of {unit_name}"
    if not isinstance(value, Quantity) or value.dim is not unit.dim or np.ndim(value) != 0:
        example = (f" (for example {float(value):g}*{unit_name})"
                   if isinstance(value, numbers.Real) and not isinstance(value, bool) else "")
        unit_said = " with a Brian2 unit" if kind else ""
        raise error(f"{name} must be {what}{unit_said}{example}, got {shown(value)}")
    x = float(value / unit)
    if not math.isfinite(x) or _outside(x, low, high, low_open):
        raise error(f"{name} must be {what}{_interval(low, high, low_open, unit_name)} and finite, "
                    f"got {shown(value)}")
    return x
