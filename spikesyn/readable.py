"""Numbers for people: quantities with a fixed number of significant digits and an SI prefix.

Brian2 prints quantities with all their digits (``0.32817048 nJ``) or with a trailing dot
(``20. fJ``); every table spikesyn prints goes through :func:`format_si` instead.

Examples
--------
>>> from brian2 import joule, pjoule, ujoule
>>> format_si(0.32817048e-9 * joule), format_si(20e-15 * joule), format_si(35.3699572 * ujoule)
('328 pJ', '20 fJ', '35.4 uJ')
"""

import math

import numpy as np
from brian2 import Quantity
from brian2.units.fundamentalunits import get_unit_for_display

__all__ = ["format_si"]

_PREFIXES = {-24: "y", -21: "z", -18: "a", -15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "",
             3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def format_si(value, digits=3, unit=None):
    """A quantity as ``mantissa prefix+unit`` with ``digits`` significant digits.

    Parameters
    ----------
    value : brian2.Quantity or float
        A scalar; a plain number is taken to be in ``unit`` (SI).
    digits : int
        Significant digits (trailing zeros dropped).
    unit : str, optional
        The unit's symbol; by default Brian2's display name of the quantity's dimension
        ("J" for joules, "S" for siemens). A dimensionless value gets no prefix.

    Returns
    -------
    str

    Examples
    --------
    >>> from brian2 import joule, nS, ms
    >>> format_si(0.92e-9 * joule), format_si(2 * nS), format_si(0 * joule), format_si(1500 * ms)
    ('920 pJ', '2 nS', '0 J', '1.5 s')
    >>> format_si(999.96e-12 * joule), format_si(-3.14159e-6, unit="J"), format_si(1e-4)
    ('1 nJ', '-3.14 uJ', '0.0001')
    """
    if isinstance(value, Quantity):
        if unit is None:
            unit = "" if value.is_dimensionless else str(get_unit_for_display(value.dim))
        value = float(np.asarray(value))
    value = float(value)
    unit = unit or ""
    if value == 0 or not math.isfinite(value) or not unit:
        return f"{value:.{digits}g} {unit}".rstrip()
    exponent = 3 * math.floor(math.log10(abs(value)) / 3)
    exponent = min(max(exponent, min(_PREFIXES)), max(_PREFIXES))
    mantissa = float(f"{value / 10 ** exponent:.{digits}g}")
    if abs(mantissa) >= 1000 and exponent + 3 in _PREFIXES:
        exponent += 3
        mantissa = float(f"{value / 10 ** exponent:.{digits}g}")
    decimals = max(digits - 1 - math.floor(math.log10(abs(mantissa))), 0)
    text = f"{mantissa:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {_PREFIXES[exponent]}{unit}".rstrip()
