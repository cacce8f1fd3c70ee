"""Limited-precision weights: k conductance levels, nearest-level quantisation, PCM pairs.

A device that holds only ``k`` stable conductance states stores a trained weight as one of ``k``
values. This module places those values (:func:`uniform_levels`, :func:`distribution_levels`),
rounds weights onto them (:func:`quantise`) and maps signed weights onto a differential pair of
phase-change-memory devices and back (:func:`to_conductance_pair`,
:func:`from_conductance_pair`). The learning side (retraining with a quantisation penalty,
re-fitting biases) lives in :mod:`spikesyn.networks.precision`.

The three methods of Wang, Wen, Song and Li (ASP-DAC 2017, arXiv:1701.01791,
doi:10.1109/ASPDAC.2017.7858418) are distribution-aware quantisation, quantisation
regularisation and bias tuning. Only the paper's abstract was at hand when this was written, so
the methods follow their standard reading: here, distribution-aware quantisation places the
levels by Lloyd-Max (1-D k-means) on the trained weights instead of evenly over
``[-max|w|, max|w|]``.

Examples
--------
>>> import numpy as np
>>> from spikesyn.quantise import uniform_levels, quantise
>>> levels = uniform_levels(-1.0, 1.0, 3)
>>> quantise(np.array([-0.8, 0.1, 0.6]), levels).tolist()
[-1.0, 0.0, 1.0]
"""

from __future__ import annotations

import numbers

import numpy as np
from brian2 import siemens

from spikesyn.errors import ParameterError, QuantisationError
from spikesyn.units import as_quantity

__all__ = ["QuantisationError", "uniform_levels", "distribution_levels", "quantise",
           "quantisation_mse", "to_conductance_pair", "from_conductance_pair"]


def _check_k(k):
    if (isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer))
            or k < 2):
        raise QuantisationError(f"k (the number of levels) must be an integer >= 2, got {k!r}")
    return int(k)


def _finite_array(values, name):
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise QuantisationError(f"{name} must be an array of real numbers, got {values!r}") from exc
    if arr.size == 0:
        raise QuantisationError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise QuantisationError(f"{name} must be finite (no NaN or inf), "
                                f"got {int(np.sum(~np.isfinite(arr)))} non-finite value(s)")
    return arr


def _finite_real(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating,
                                                                       np.integer)):
        raise QuantisationError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value):
        raise QuantisationError(f"{name} must be finite, got {value!r}")
    return float(value)


def _check_levels(levels):
    lv = _finite_array(levels, "levels").ravel()
    lv = np.sort(lv)
    if len(lv) > 1 and np.any(np.diff(lv) == 0):
        raise QuantisationError(f"levels must be distinct values, got {levels!r}")
    return lv


def uniform_levels(lo, hi, k):
    """``k`` evenly spaced levels from ``lo`` to ``hi``, both ends included.

    Parameters
    ----------
    lo, hi : float
        Lowest and highest level, ``lo < hi``.
    k : int
        Number of levels, at least 2.

    Returns
    -------
    numpy.ndarray
        Shape (k,), increasing.

    Raises
    ------
    QuantisationError
        If ``k`` is not an integer >= 2 or ``lo``, ``hi`` are not finite with ``lo < hi``.

    Examples
    --------
    >>> from spikesyn.quantise import uniform_levels
    >>> uniform_levels(-1.0, 1.0, 5).tolist()
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    k = _check_k(k)
    lo, hi = _finite_real(lo, "lo"), _finite_real(hi, "hi")
    if not lo < hi:
        raise QuantisationError(f"lo must be below hi, got lo={lo!r}, hi={hi!r}")
    return np.linspace(lo, hi, k)


def _assign(sorted_w, levels):
    """Index of the nearest level for each value (ties go to the lower level)."""
    mids = 0.5 * (levels[1:] + levels[:-1])
    return np.searchsorted(mids, sorted_w, side="left")


def _fill_levels(sorted_w, levels, k):
    """Add levels at the worst-quantised values until there are ``k`` distinct ones."""
    levels = np.unique(levels)
    while len(levels) < k:
        err = np.abs(sorted_w - levels[_assign(sorted_w, levels)])
        levels = np.unique(np.append(levels, sorted_w[int(np.argmax(err))]))
    return levels


def distribution_levels(w, k, max_iter=100):
    """``k`` levels placed by the distribution of ``w`` (Lloyd-Max / 1-D k-means).

    The levels start at the quantiles ``(i + 1/2) / k`` of ``w`` and are refined by Lloyd's
    iterations: each value goes to its nearest level, each level moves to the mean of its
    values. This lowers the mean squared quantisation error below that of evenly spaced levels
    when the weights are peaked around zero, which trained weights usually are. A level left
    without values is moved to the value quantised worst, so the result always has ``k``
    distinct levels. Deterministic (no random start).

    This is the distribution-aware quantisation of Wang et al. (ASP-DAC 2017,
    arXiv:1701.01791) in its standard reading; the paper's exact placement rule was not
    available when this was written.

    Parameters
    ----------
    w : array_like
        Trained weights (any shape, finite), with at least ``k`` distinct values.
    k : int
        Number of levels, at least 2.
    max_iter : int
        Most Lloyd iterations (stops earlier when the levels no longer move).

    Returns
    -------
    numpy.ndarray
        Shape (k,), strictly increasing, inside ``[min(w), max(w)]``.

    Raises
    ------
    QuantisationError
        If ``k`` is not an integer >= 2, ``w`` is not finite, or ``w`` has fewer than ``k``
        distinct values.

    Examples
    --------
    >>> import numpy as np
    >>> from spikesyn.quantise import distribution_levels
    >>> w = np.array([-2.0, -1.9, -2.1, 0.0, 0.1, -0.1, 3.0, 3.1, 2.9])
    >>> np.round(distribution_levels(w, 3), 6).tolist()
    [-2.0, 0.0, 3.0]
    """
    k = _check_k(k)
    if (isinstance(max_iter, bool) or not isinstance(max_iter, (numbers.Integral, np.integer))
            or max_iter < 1):
        raise QuantisationError(f"max_iter must be a positive integer, got {max_iter!r}")
    sw = np.sort(_finite_array(w, "w").ravel())
    n_distinct = len(np.unique(sw))
    if n_distinct < k:
        raise QuantisationError(f"w has only {n_distinct} distinct value(s); k={k} distinct "
                                f"levels need at least k")
    levels = _fill_levels(sw, np.quantile(sw, (np.arange(k) + 0.5) / k), k)
    csum = np.concatenate([[0.0], np.cumsum(sw)])
    for _ in range(int(max_iter)):
        idx = _assign(sw, levels)
        bounds = np.searchsorted(idx, np.arange(k + 1), side="left")
        counts = np.diff(bounds)
        sums = csum[bounds[1:]] - csum[bounds[:-1]]
        new = np.where(counts > 0, sums / np.maximum(counts, 1), levels)
        if np.any(counts == 0):
            new = _fill_levels(sw, new[counts > 0], k)
        if np.allclose(new, levels, rtol=0.0, atol=1e-12 * max(1.0, np.abs(sw).max())):
            levels = new
            break
        levels = new
    return levels


def quantise(w, levels):
    """Round each weight to its nearest level (a value halfway between two goes to the lower).

    Parameters
    ----------
    w : array_like
        Weights, finite, any shape.
    levels : array_like
        The allowed values, distinct and finite (any order).

    Returns
    -------
    numpy.ndarray
        Same shape as ``w``; every entry is one of ``levels``.

    Raises
    ------
    QuantisationError
        If ``w`` or ``levels`` contain NaN or inf, or ``levels`` repeats a value.

    Examples
    --------
    >>> from spikesyn.quantise import quantise
    >>> quantise([[0.2, -0.7], [0.9, 0.4]], [-1.0, 0.0, 0.5, 1.0]).tolist()
    [[0.0, -1.0], [1.0, 0.5]]
    """
    arr = _finite_array(w, "w")
    lv = _check_levels(levels)
    return lv[_assign(arr, lv)]


def quantisation_mse(w, levels):
    """Mean squared difference between ``w`` and its quantised version :func:`quantise`.

    Examples
    --------
    >>> from spikesyn.quantise import quantisation_mse
    >>> round(quantisation_mse([0.1, 0.9], [0.0, 1.0]), 12)
    0.01
    """
    arr = _finite_array(w, "w")
    return float(np.mean((arr - quantise(arr, levels)) ** 2))


def _conductance(value, name):
    try:
        q = as_quantity(value, siemens, name, "uS")
    except ParameterError as exc:
        raise QuantisationError(str(exc)) from exc
    g = np.asarray(q / siemens, dtype=float)
    if not np.all(np.isfinite(g)):
        raise QuantisationError(f"{name} must be finite, got {value!r}")
    return g


def _conductance_range(Gmin, Gmax):
    gmin, gmax = _conductance(Gmin, "Gmin"), _conductance(Gmax, "Gmax")
    if gmin.ndim or gmax.ndim:
        raise QuantisationError(f"Gmin and Gmax must be single conductances, got shapes "
                                f"{gmin.shape} and {gmax.shape}")
    if gmin < 0:
        raise QuantisationError(f"Gmin must be >= 0 siemens, got {Gmin!r}")
    if not gmax > gmin:
        raise QuantisationError(f"Gmax must be above Gmin, got Gmin={Gmin!r}, Gmax={Gmax!r}")
    return float(gmin), float(gmax)


def _positive_wmax(w_max):
    w_max = _finite_real(w_max, "w_max")
    if w_max <= 0:
        raise QuantisationError(f"w_max must be > 0, got {w_max!r}")
    return w_max


def to_conductance_pair(w_q, w_max, Gmin, Gmax):
    """Map signed weights to a differential PCM pair ``(G+, G-)``, linearly.

    ``G+ = Gmin + max(w, 0) / w_max * (Gmax - Gmin)`` and
    ``G- = Gmin + max(-w, 0) / w_max * (Gmax - Gmin)``: a positive weight is held by the
    ``G+`` device, a negative one by ``G-``, the other device stays at ``Gmin``. The synapse
    reads ``G+ - G-``, so the weight is ``w_max * (G+ - G-) / (Gmax - Gmin)``
    (:func:`from_conductance_pair`). A set of ``k`` weight levels gives each device at most
    ``k`` conductance states.

    Parameters
    ----------
    w_q : array_like
        Weights (usually quantised), with ``|w_q| <= w_max``.
    w_max : float
        The weight that maps to a full ``Gmax`` device, > 0.
    Gmin, Gmax : brian2.Quantity
        Conductance range of one device, in siemens (e.g. ``0 * uS`` and ``25 * uS``).

    Returns
    -------
    (brian2.Quantity, brian2.Quantity)
        ``G+`` and ``G-`` in siemens, each the shape of ``w_q`` and inside ``[Gmin, Gmax]``.

    Raises
    ------
    QuantisationError
        If ``Gmin`` or ``Gmax`` is a plain number or not a conductance, ``Gmax <= Gmin``,
        ``w_max <= 0``, or a weight is not finite or beyond ``w_max`` in magnitude.

    Examples
    --------
    >>> from brian2 import uS
    >>> from spikesyn.quantise import to_conductance_pair
    >>> gp, gm = to_conductance_pair([-1.0, 0.0, 0.5], 1.0, 1 * uS, 25 * uS)
    >>> print(gp)
    [ 1.  1. 13.] uS
    >>> print(gm)
    [25.  1.  1.] uS
    """
    w = _finite_array(w_q, "w_q")
    w_max = _positive_wmax(w_max)
    gmin, gmax = _conductance_range(Gmin, Gmax)
    if np.abs(w).max() > w_max * (1 + 1e-12):
        raise QuantisationError(f"w_q must lie in [-w_max, w_max] = [{-w_max}, {w_max}], "
                                f"got a weight of magnitude {float(np.abs(w).max())}")
    span = gmax - gmin
    g_plus = gmin + np.clip(w, 0.0, w_max) / w_max * span
    g_minus = gmin + np.clip(-w, 0.0, w_max) / w_max * span
    return g_plus * siemens, g_minus * siemens


def from_conductance_pair(G_plus, G_minus, w_max, Gmin, Gmax):
    """Read the weight back from a differential pair: ``w_max * (G+ - G-) / (Gmax - Gmin)``.

    The inverse of :func:`to_conductance_pair` (also for pairs whose conductances moved, e.g.
    by drift or noise, which then read as a different weight).

    Parameters
    ----------
    G_plus, G_minus : brian2.Quantity
        Conductances of the two devices, in siemens, same shape.
    w_max : float
        The weight of a full ``Gmax`` device, > 0.
    Gmin, Gmax : brian2.Quantity
        Conductance range of one device.

    Returns
    -------
    numpy.ndarray
        The weights, the shape of ``G_plus``.

    Raises
    ------
    QuantisationError
        If a conductance has no unit or the wrong one, or the shapes differ.

    Examples
    --------
    >>> from brian2 import uS
    >>> from spikesyn.quantise import from_conductance_pair
    >>> from_conductance_pair([13.0, 1.0] * uS, [1.0, 25.0] * uS, 1.0, 1 * uS, 25 * uS).tolist()
    [0.5, -1.0]
    """
    w_max = _positive_wmax(w_max)
    gmin, gmax = _conductance_range(Gmin, Gmax)
    gp, gm = _conductance(G_plus, "G_plus"), _conductance(G_minus, "G_minus")
    if gp.shape != gm.shape:
        raise QuantisationError(f"G_plus and G_minus must have the same shape, got {gp.shape} "
                                f"and {gm.shape}")
    return w_max * (gp - gm) / (gmax - gmin)
