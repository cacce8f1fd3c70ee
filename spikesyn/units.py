"""Reading unit strings from cards and checking user quantities against them.

Unit strings are parsed with a small arithmetic grammar (names of Brian2 units, numbers,
``*``, ``/`` and ``**``), never with ``eval``, so a card file cannot run code. Numbers are
floats and exponents lie in ``[-MAX_EXPONENT, MAX_EXPONENT]``, so no unit string can make the
parser compute for long (``"ms*9**9**9"`` is refused at once) and a unit's scale is a finite,
non-zero float.
"""

import ast
import numbers
import re

import numpy as np
from brian2 import Quantity
from brian2.units import allunits, fundamentalunits, stdunits

from spikesyn.errors import ParameterError

_UNIT_NAMES = {name: getattr(allunits, name) for name in allunits.__all__}
_UNIT_NAMES.update({name: getattr(stdunits, name) for name in stdunits.__all__})
_DIMENSIONLESS = {"", "1", "dimensionless"}
#: largest exponent a unit string may use (``m**3``, ``second**-2``)
MAX_EXPONENT = 10
#: longest unit string read
_MAX_LENGTH = 200
_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z].*?)?\s*$")
# short time units Brian2 spells out (it has ms and us, not s, ns or ps)
_UNIT_ALIASES = {"s": "second", "ns": "nsecond", "ps": "psecond"}


def number_and_unit(text):
    """Read a number followed by an optional unit, as users write them (``"100 ms"``, ``"20ns"``).

    Returns
    -------
    (float, brian2.Quantity or None) or None
        The number and its unit (``None`` when there is none); ``None`` when ``text`` does not
        start with a number or has more than a unit after it.

    Raises
    ------
    ValueError
        The text after the number is not a Brian2 unit (the message of :func:`parse_unit`).

    Examples
    --------
    >>> from spikesyn.units import number_and_unit
    >>> number_and_unit("20ns"), number_and_unit("4"), number_and_unit("pcm")
    ((20.0, 1. * nsecond), (4.0, None), None)
    """
    match = _NUMBER_AND_UNIT.match(str(text))
    if match is None:
        return None
    number, unit = match.groups()
    return float(number), (parse_unit(_UNIT_ALIASES.get(unit, unit)) if unit else None)


def parse_unit(text):
    """Turn a unit string such as ``"uS"``, ``"pJ"`` or ``"mV/ms"`` into a Brian2 quantity.

    Parameters
    ----------
    text : str
        Unit expression; ``"1"`` or ``""`` means dimensionless.

    Returns
    -------
    brian2.Quantity
        The unit as a quantity (its value in SI), e.g. ``1e-6 * siemens`` for ``"uS"``.

    Raises
    ------
    ValueError
        If the text names something that is not a Brian2 unit.

    Examples
    --------
    >>> from spikesyn.units import parse_unit
    >>> parse_unit("uS")
    1. * usiemens
    >>> parse_unit("pjoule")
    1. * pjoule
    >>> parse_unit("ms*9**9**9")
    Traceback (most recent call last):
    ...
    ValueError: exponent 387420489.0 in 'ms*9**9**9' is outside [-10, 10]
    """
    text = str(text).strip()
    if text in _DIMENSIONLESS:
        return Quantity(1.0)
    if len(text) > _MAX_LENGTH:
        raise ValueError(f"unit {text[:40]!r}... is longer than {_MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"cannot read unit {text!r}") from exc
    try:
        with np.errstate(all="ignore"):
            value = _evaluate(tree.body, text)
    except (OverflowError, ZeroDivisionError):
        value = np.nan
    scale = float(np.asarray(value))
    if not np.isfinite(scale) or scale == 0:
        raise ValueError(f"unit {text!r} has a scale of {scale!r}: it must be a finite, non-zero number")
    return Quantity(value)


def _evaluate(node, text):
    if isinstance(node, ast.Name):
        if node.id not in _UNIT_NAMES:
            raise ValueError(f"{node.id!r} in {text!r} is not a Brian2 unit")
        return _UNIT_NAMES[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, numbers.Real) \
            and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div, ast.Pow)):
        left, right = _evaluate(node.left, text), _evaluate(node.right, text)
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if not isinstance(right, numbers.Real):
            raise ValueError(f"exponent in {text!r} must be a number")
        if not -MAX_EXPONENT <= right <= MAX_EXPONENT:
            raise ValueError(f"exponent {right!r} in {text!r} is outside [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
        return left ** right
    raise ValueError(f"cannot read unit {text!r}: only unit names, numbers, *, / and ** are allowed")


def as_quantity(value, unit, name, unit_text=None):
    """Check that a user value carries the dimensions of ``unit`` and return it as a Quantity.

    Plain numbers are accepted only for dimensionless parameters, so ``tau=50`` (meaning
    milliseconds?) is refused instead of silently read as 50 seconds.

    Parameters
    ----------
    value : brian2.Quantity or float
        What the user gave.
    unit : brian2.Quantity
        The unit the parameter is declared with.
    name : str
        Parameter name, used in the error message.
    unit_text : str, optional
        The unit as the card writes it (``"mV"``), used in the error's example.

    Returns
    -------
    brian2.Quantity

    Raises
    ------
    ParameterError
        If the value has no unit where one is needed, or the wrong dimensions.

    Examples
    --------
    >>> from brian2 import ms
    >>> from spikesyn.units import as_quantity, parse_unit
    >>> as_quantity(50 * ms, parse_unit("ms"), "tau_F")
    50. * msecond
    """
    unit_dim = fundamentalunits.get_dimensions(unit)
    if not isinstance(value, Quantity):
        if isinstance(value, (numbers.Real, np.ndarray)) and not isinstance(value, bool):
            if unit_dim is fundamentalunits.DIMENSIONLESS:
                return Quantity(value)
            raise ParameterError(
                f"parameter {name!r} needs a unit of {_dim_text(unit)} "
                f"(for example {float(np.asarray(value).ravel()[0]) if np.size(value) else 1}*{unit_text or _unit_text(unit)}); "
                f"got the plain number {value!r}")
        raise ParameterError(f"parameter {name!r}: expected a quantity, got {type(value).__name__} {value!r}")
    if value.dim is not unit_dim:
        raise ParameterError(
            f"parameter {name!r} needs a unit of {_dim_text(unit)}, got {value!r} "
            f"(dimensions {fundamentalunits.get_unit(value.dim) if value.dim is not fundamentalunits.DIMENSIONLESS else 'dimensionless'})")
    return value


def scalar_time(value, name, minimum=None):
    """One finite time (a Brian2 quantity) as float seconds, optionally at least ``minimum`` s.

    Raises
    ------
    ParameterError
        If the value is not one time with units, not finite, or below ``minimum``.

    Examples
    --------
    >>> from brian2 import ms
    >>> from spikesyn.units import scalar_time
    >>> scalar_time(250 * ms, "t_read", minimum=0)
    0.25
    """
    q = as_quantity(value, allunits.second, name, "second")
    t = float(q / allunits.second) if np.ndim(q) == 0 else np.nan
    if not np.isfinite(t) or (minimum is not None and t < minimum):
        bound = "" if minimum is None else f" >= {minimum:g} s"
        raise ParameterError(f"parameter {name!r} must be one finite time{bound}, got {value!r}")
    return t


def _dim_text(unit):
    dim = fundamentalunits.get_dimensions(unit)
    return "dimensionless" if dim is fundamentalunits.DIMENSIONLESS else str(fundamentalunits.get_unit(dim))


def _unit_text(unit):
    return "1" if fundamentalunits.get_dimensions(unit) is fundamentalunits.DIMENSIONLESS else str(fundamentalunits.get_unit(fundamentalunits.get_dimensions(unit)))


def unit_is_time(unit):
    """Whether a unit (a quantity) measures time.

    Examples
    --------
    >>> unit_is_time(parse_unit("ms")), unit_is_time(parse_unit("mV"))
    (True, False)
    """
    return fundamentalunits.get_dimensions(unit) is allunits.second.dim
