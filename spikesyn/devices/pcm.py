"""Statistical model of phase-change-memory conductance: programming noise, drift, read noise.

These are the published fits of the PCM model in IBM's aihwkit (``PCMLikeNoiseModel``, which
aihwkit attributes to Nandakumar et al., ICECS 2019, doi:10.1109/ICECS46596.2019.8964852, and
Joshi et al., Nat. Commun. 11, 2473 (2020), doi:10.1038/s41467-020-16108-9), written as numpy
functions with Brian2 units at the boundary, and the pulse-by-pulse SET law of aihwkit's
``PCMPresetDevice`` (its fit to Nandakumar et al., Front. Neurosci. 14, 406 (2020),
doi:10.3389/fnins.2020.00406). Each fit's constants are named once here: the device kernels
(spikesyn.devices.kernels) call these functions on the numpy target and are generated from these
constants for Cython and C++, the cards take the fits' parameters as their defaults (a test ties
them to the constants), and ``PCMArray`` and the max-cut device presets call these functions.

Time origin. aihwkit's code evaluates drift and 1/f read noise at ``t_inference + t0``, with
``t_inference`` counted from the end of programming: drift starts at once and the 1/f window
never falls below ``ln((t0 + t_r)/(2 t_r))``. That is the default (``time_origin="aihwkit"``).
``time_origin="programming"`` gives the formula as usually written, ``G_prog (t/t0)^-nu`` for
``t > t0`` and a 1/f window ``ln((t + t_r)/(2 t_r))`` that starts at programming.

All conductances are normalised by ``Gmax`` (25 uS in aihwkit) before the fits are applied.
"""

from typing import NamedTuple

import numpy as np
from brian2 import nsecond, second, siemens, uS
from brian2.units.fundamentalunits import fail_for_dimension_mismatch

from spikesyn.errors import ParameterError

GMAX = 25 * uS
T0 = 20 * second
T_READ = 250 * nsecond
PROG_COEFFICIENTS = (0.26348, 1.9650, -1.1731)  # uS at Gmax = 25 uS, in powers of g = G/Gmax
PROG_GMAX_REF = 25 * uS                         # the Gmax of aihwkit's programming-noise fit
#: aihwkit's PCMPresetDevice (ExpStepDevice) SET law: A = -A_up, a = -1, b = 0, over w in [0, w_span]
SET_LAW = {"dw_min": 0.01, "A": 27.235, "gamma": 2.5, "w_span": 2.0,
           "sd": 0.6, "sd_add": 0.042, "sd_slope": 0.108}
TIME_ORIGINS = ("aihwkit", "programming")


class ClippedLogFit(NamedTuple):
    """``clip(slope ln g + intercept, low, high)``, a fit in the log of ``g = G/Gmax``."""

    slope: float
    intercept: float
    low: float
    high: float


class PowerFit(NamedTuple):
    """``min(coefficient g^-exponent, cap)``."""

    coefficient: float
    exponent: float
    cap: float


#: aihwkit's drift-exponent statistics at the programmed g: mean mu_nu and spread sigma_nu
NU_MEAN_FIT = ClippedLogFit(-0.0155, 0.0244, 0.049, 0.1)
NU_SPREAD_FIT = ClippedLogFit(-0.0125, -0.0059, 0.008, 0.045)
#: aihwkit's relative 1/f read-noise amplitude Q_s at the programmed g
READ_NOISE_FIT = PowerFit(0.0088, 0.65, 0.2)
#: smallest g the fits are evaluated at (their logarithm and negative power diverge at 0)
G_FLOOR = 1e-6


def _siemens(value, name):
    fail_for_dimension_mismatch(value, siemens, f"{name} must be a conductance")
    return np.asarray(value / siemens, dtype=float)


def _seconds(value, name):
    fail_for_dimension_mismatch(value, second, f"{name} must be a time")
    return np.asarray(value / second, dtype=float)


def drift_exponent_fit(g):
    """mu_nu and sigma_nu of devices programmed to relative conductance ``g`` (plain numbers).

    The unitless core of :func:`drift_exponent_stats`, which the device kernels call.

    Examples
    --------
    >>> mu, sigma = drift_exponent_fit(0.004)
    >>> float(mu), float(sigma)
    (0.1, 0.045)
    """
    log_g = np.log(np.clip(g, G_FLOOR, None))
    mu = np.clip(NU_MEAN_FIT.slope * log_g + NU_MEAN_FIT.intercept, NU_MEAN_FIT.low, NU_MEAN_FIT.high)
    sigma = np.clip(NU_SPREAD_FIT.slope * log_g + NU_SPREAD_FIT.intercept, NU_SPREAD_FIT.low,
                    NU_SPREAD_FIT.high)
    return mu, sigma


def read_noise_amplitude(g_prog):
    """Q_s = min(0.0088 g_prog^-0.65, 0.2) of relative programmed conductance ``g_prog`` (plain numbers).

    The unitless core of :func:`read_noise_std`, which the device kernels call.

    Examples
    --------
    >>> round(float(read_noise_amplitude(0.4)), 6)
    0.015964
    """
    g = np.maximum(np.abs(np.asarray(g_prog, dtype=float)), G_FLOOR)
    return np.minimum(READ_NOISE_FIT.coefficient * g ** -READ_NOISE_FIT.exponent, READ_NOISE_FIT.cap)


def programming_noise_fit(g, coefficients=PROG_COEFFICIENTS):
    """``max(c0 + c1 g + c2 g^2, 0)`` of relative target conductance ``g`` (plain numbers, in the
    coefficients' unit: uS at Gmax = 25 uS for aihwkit's).

    The unitless core of :func:`programming_noise_std`, which the device kernels call with a card's
    coefficients.

    Examples
    --------
    >>> round(float(programming_noise_fit(0.5)), 6)
    0.952705
    """
    c0, c1, c2 = coefficients
    return np.maximum(c0 + c1 * g + c2 * g ** 2, 0.0)


def set_step_fit(w, dw_min, A, gamma):
    """Mean SET step ``dw_min max(1 + A exp(-gamma w), 0)`` in aihwkit's weight units ``w``.

    The unitless core of :func:`set_step_mean`, which the SET kernel calls with a card's values.

    Examples
    --------
    >>> round(float(set_step_fit(0.0, **{k: SET_LAW[k] for k in ("dw_min", "A", "gamma")})), 5)
    0.28235
    """
    return dw_min * np.maximum(1.0 + A * np.exp(-gamma * w), 0.0)


def programming_noise_std(G, Gmax=GMAX):
    """Standard deviation of the conductance reached when programming to target ``G``.

    sigma_prog = max(0.26348 + 1.9650 g - 1.1731 g^2, 0) uS (Gmax / 25 uS), g = G/Gmax: the
    fit was made at Gmax = 25 uS and aihwkit rescales it by Gmax / 25 uS for another Gmax.

    Parameters
    ----------
    G : brian2.Quantity
        Target conductance(s).
    Gmax : brian2.Quantity

    Returns
    -------
    brian2.Quantity
        In siemens, same shape as ``G``.

    Examples
    --------
    >>> from brian2 import uS
    >>> from spikesyn.devices.pcm import programming_noise_std
    >>> print(programming_noise_std(12.5 * uS))
    0.952705 uS
    """
    g = _siemens(G, "G") / float(Gmax / siemens)
    return programming_noise_fit(g) * float(Gmax / PROG_GMAX_REF) * uS


def program(G_target, rng, Gmax=GMAX, scale=1.0):
    """Conductances reached by programming (program-and-verify) to ``G_target``.

    ``G_target + scale sigma_prog(G_target) N(0, 1)``, clipped at 0 only (as aihwkit).

    Parameters
    ----------
    G_target : brian2.Quantity
    rng : numpy.random.Generator
    Gmax : brian2.Quantity
    scale : float
        Scale of the programming noise (0: exact).

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> import numpy as np
    >>> from brian2 import uS
    >>> G = program(np.full(20000, 10.0) * uS, np.random.default_rng(0))
    >>> round(float(G.std() / uS), 2)          # sigma_prog(10 uS) = 0.864 uS
    0.86
    """
    G = _siemens(G_target, "G_target")
    sigma = np.asarray(programming_noise_std(G * siemens, Gmax) / siemens)
    return np.maximum(G + scale * sigma * rng.standard_normal(G.shape), 0.0) * siemens


def drift_exponent_stats(G, Gmax=GMAX):
    """Mean and spread of the drift exponent nu for a device programmed to ``G``.

    mu_nu = clip(-0.0155 ln g + 0.0244, 0.049, 0.1),
    sigma_nu = clip(-0.0125 ln g - 0.0059, 0.008, 0.045).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Dimensionless mu_nu and sigma_nu.

    Examples
    --------
    >>> from brian2 import uS
    >>> from spikesyn.devices.pcm import drift_exponent_stats
    >>> mu, sigma = drift_exponent_stats(25 * uS)
    >>> float(mu), float(sigma)
    (0.049, 0.008)
    """
    return drift_exponent_fit(_siemens(G, "G") / float(Gmax / siemens))


def draw_drift_exponent(G_target, rng, Gmax=GMAX, drift_scale=1.0):
    """Drift exponents of devices programmed to ``G_target``: ``drift_scale |N(mu_nu, sigma_nu)|``.

    The absolute value is aihwkit's: without it about 1 % of the devices near Gmin would drift
    upwards.

    Parameters
    ----------
    G_target : brian2.Quantity
        The programming target (not the noisy programmed value).
    rng : numpy.random.Generator
    Gmax : brian2.Quantity
    drift_scale : float

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from brian2 import uS
    >>> nu = draw_drift_exponent(np.full(1000, 0.1) * uS, np.random.default_rng(0))
    >>> bool(nu.min() >= 0)
    True
    """
    mu, sigma = drift_exponent_stats(G_target, Gmax)
    z = rng.standard_normal(np.shape(mu))
    return drift_scale * np.abs(mu + sigma * z)


def _check_origin(time_origin):
    if time_origin not in TIME_ORIGINS:
        raise ParameterError(f"time_origin must be one of {', '.join(TIME_ORIGINS)}, "
                             f"got {time_origin!r}")


def drift(G_prog, nu, t_since, t0=T0, time_origin="aihwkit"):
    """Conductance after drift: G_prog ((t + t0)/t0)^-nu (aihwkit's code).

    With ``time_origin="programming"``: G_prog (t/t0)^-nu for t > t0, G_prog before.

    Parameters
    ----------
    G_prog : brian2.Quantity
        Conductance right after programming.
    nu : array_like
        Drift exponent(s).
    t_since : brian2.Quantity
        Time since programming.
    t0 : brian2.Quantity
    time_origin : {"aihwkit", "programming"}

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> from brian2 import uS, second
    >>> from spikesyn.devices.pcm import drift
    >>> print(drift(10 * uS, 0.05, 1980 * second))
    7.94328235 uS
    >>> print(drift(10 * uS, 0.05, 2000 * second, time_origin="programming"))
    7.94328235 uS
    """
    _check_origin(time_origin)
    t = _seconds(t_since, "t_since")
    if time_origin == "aihwkit":
        t = t + float(t0 / second)
    ratio = np.maximum(t / float(t0 / second), 1.0)
    return _siemens(G_prog, "G_prog") * ratio ** (-np.asarray(nu, dtype=float)) * siemens


def read_noise_std(G, t_since, Gmax=GMAX, t_read=T_READ, G_prog=None, t0=T0,
                   time_origin="aihwkit"):
    """Standard deviation of the 1/f read noise of a device read at conductance ``G``.

    sigma_read = |G| Q_s sqrt(ln((t + t0 + t_r)/(2 t_r))), Q_s = min(0.0088 / g_prog^0.65, 0.2)
    with g_prog = G_prog/Gmax, the programmed (not the drifted) conductance, as aihwkit's code.
    ``time_origin="programming"`` drops the ``t0`` from the window.

    Parameters
    ----------
    G : brian2.Quantity
        Conductance being read (after drift).
    t_since : brian2.Quantity
        Time since programming.
    Gmax, t_read : brian2.Quantity
    G_prog : brian2.Quantity, optional
        Programmed conductance that sets Q_s (default: ``G``).
    t0 : brian2.Quantity
    time_origin : {"aihwkit", "programming"}

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> from brian2 import uS, second
    >>> from spikesyn.devices.pcm import read_noise_std
    >>> print(read_noise_std(10 * uS, 1 * second))
    0.66883899 uS
    >>> print(read_noise_std(10 * uS, 1 * second, time_origin="programming"))
    0.60807521 uS
    """
    _check_origin(time_origin)
    G_s = np.abs(_siemens(G, "G"))
    g_prog = np.abs(_siemens(G if G_prog is None else G_prog, "G_prog")) / float(Gmax / siemens)
    q_s = read_noise_amplitude(g_prog)
    t = _seconds(t_since, "t_since")
    if time_origin == "aihwkit":
        t = t + float(t0 / second)
    t_r = float(t_read / second)
    window = np.log(np.maximum((t + t_r) / (2 * t_r), 1.0))
    return G_s * q_s * np.sqrt(window) * siemens


def set_step_mean(G, Gmin, Gmax=GMAX, law=None):
    """Mean conductance change of one SET pulse from ``G`` (aihwkit's PCMPresetDevice law).

    With ``w = w_span (G - Gmin)/(Gmax - Gmin)``: ``dw = dw_min max(1 + A exp(-gamma w), 0)``,
    returned in siemens (``dw (Gmax - Gmin)/w_span``), before the clip at Gmax.

    Parameters
    ----------
    G, Gmin, Gmax : brian2.Quantity
    law : dict, optional
        Keys of :data:`SET_LAW` to change.

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> from brian2 import uS
    >>> print(set_step_mean(0.1 * uS, 0.1 * uS))       # from RESET: 0.01 x 28.235 x 24.9/2 uS
    3.5152575 uS
    """
    p = dict(SET_LAW, **(law or {}))
    lo, hi = _siemens(Gmin, "Gmin"), _siemens(Gmax, "Gmax")
    w = p["w_span"] * (_siemens(G, "G") - lo) / (hi - lo)
    dw = set_step_fit(w, p["dw_min"], p["A"], p["gamma"])
    return dw * (hi - lo) / p["w_span"] * siemens


__all__ = ["GMAX", "G_FLOOR", "NU_MEAN_FIT", "NU_SPREAD_FIT", "PROG_COEFFICIENTS", "PROG_GMAX_REF",
           "READ_NOISE_FIT", "SET_LAW", "T0", "T_READ", "TIME_ORIGINS", "ClippedLogFit", "PowerFit",
           "draw_drift_exponent", "drift", "drift_exponent_fit", "drift_exponent_stats", "program",
           "programming_noise_fit", "programming_noise_std", "read_noise_amplitude", "read_noise_std",
           "set_step_fit", "set_step_mean"]
