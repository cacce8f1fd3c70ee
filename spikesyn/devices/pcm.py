"""Statistical model of phase-change-memory conductance: programming noise, drift, read noise.

These are the published fits of the PCM model in IBM's aihwkit (Joshi et al., Nat. Commun. 11,
2473 (2020), doi:10.1038/s41467-020-16108-9; Nandakumar et al., ISCAS 2018,
doi:10.1109/ISCAS.2018.8351656), written as numpy functions with Brian2 units at the boundary.
The PCM cards in models/synapses encode the same formulas in their event code; these functions
are the reference the tests compare the cards against, and what network builders use when they
need a device statistic without simulating each read.

All conductances are normalised by ``Gmax`` (25 uS in aihwkit) before the fits are applied.
"""

import numpy as np
from brian2 import nsecond, second, siemens, uS
from brian2.units.fundamentalunits import fail_for_dimension_mismatch

GMAX = 25 * uS
T0 = 20 * second
T_READ = 250 * nsecond
PROG_COEFFICIENTS = (0.26348, 1.9650, -1.1731)  # uS, in powers of g = G/Gmax


def _siemens(value, name):
    fail_for_dimension_mismatch(value, siemens, f"{name} must be a conductance")
    return np.asarray(value / siemens, dtype=float)


def _seconds(value, name):
    fail_for_dimension_mismatch(value, second, f"{name} must be a time")
    return np.asarray(value / second, dtype=float)


def _relative(G, Gmax):
    return np.clip(_siemens(G, "G") / float(Gmax / siemens), 1e-6, None)


def programming_noise_std(G, Gmax=GMAX):
    """Standard deviation of the conductance reached when programming to target ``G``.

    sigma_prog = max(0.26348 + 1.9650 g - 1.1731 g^2, 0) uS with g = G/Gmax.

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
    c0, c1, c2 = PROG_COEFFICIENTS
    return np.maximum(c0 + c1 * g + c2 * g ** 2, 0.0) * uS


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
    log_g = np.log(_relative(G, Gmax))
    mu = np.clip(-0.0155 * log_g + 0.0244, 0.049, 0.1)
    sigma = np.clip(-0.0125 * log_g - 0.0059, 0.008, 0.045)
    return mu, sigma


def drift(G_prog, nu, t_since, t0=T0):
    """Conductance after drift: G(t) = G_prog (t/t0)^-nu for t > t0, G_prog before.

    Parameters
    ----------
    G_prog : brian2.Quantity
        Conductance right after programming.
    nu : array_like
        Drift exponent(s).
    t_since : brian2.Quantity
        Time since programming.
    t0 : brian2.Quantity

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> from brian2 import uS, second
    >>> from spikesyn.devices.pcm import drift
    >>> print(drift(10 * uS, 0.05, 2000 * second))
    7.94328235 uS
    """
    ratio = np.maximum(_seconds(t_since, "t_since") / float(t0 / second), 1.0)
    return _siemens(G_prog, "G_prog") * ratio ** (-np.asarray(nu, dtype=float)) * siemens


def read_noise_std(G, t_since, Gmax=GMAX, t_read=T_READ):
    """Standard deviation of the 1/f read noise of a device of conductance ``G``.

    sigma_read = G Q_s sqrt(ln((t + t_r)/(2 t_r))), Q_s = min(0.0088 / g^0.65, 0.2).

    Parameters
    ----------
    G : brian2.Quantity
        Conductance being read.
    t_since : brian2.Quantity
        Time since programming (the 1/f noise integrates over this window).
    Gmax, t_read : brian2.Quantity

    Returns
    -------
    brian2.Quantity

    Examples
    --------
    >>> from brian2 import uS, second
    >>> from spikesyn.devices.pcm import read_noise_std
    >>> print(read_noise_std(10 * uS, 1 * second))
    0.60807521 uS
    """
    G_s = _siemens(G, "G")
    q_s = np.minimum(0.0088 / _relative(G, Gmax) ** 0.65, 0.2)
    t = _seconds(t_since, "t_since")
    t_r = float(t_read / second)
    window = np.log(np.maximum((t + t_r) / (2 * t_r), 1.0))
    return G_s * q_s * np.sqrt(window) * siemens


__all__ = ["GMAX", "T0", "T_READ", "drift", "drift_exponent_stats", "programming_noise_std",
           "read_noise_std"]
