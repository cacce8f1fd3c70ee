"""A crossbar of PCM differential pairs held as numpy arrays: program, let drift, read.

Every weight ``w`` of a matrix is stored in a pair of PCM devices ``(G+, G-)`` and read as
``w = (G+ - G-) * scale``. The mapping of a signed software weight to its pair is the usual one
for devices whose only gradual operation is SET: the sign picks the device that is SET, and the
other device stays at its RESET level ``Gmin``::

    w >= 0:  G+ = Gmin + (w / w_max) (Gmax - Gmin),  G- = Gmin
    w <  0:  G+ = Gmin,                              G- = Gmin + (|w| / w_max) (Gmax - Gmin)

so ``|w| = w_max`` maps to ``Gmax - Gmin`` above ``Gmin`` on one device, and
``scale = w_max / (Gmax - Gmin)``. Weights beyond ``+-w_max`` are clipped to it. The mapping is
:func:`spikesyn.quantise.to_conductance_pair` and its inverse
:func:`spikesyn.quantise.from_conductance_pair`, the package's one weight-to-conductance map.

The device statistics are those of :mod:`spikesyn.devices.pcm` (IBM aihwkit's PCM model):

* :meth:`PCMArray.program` writes new targets without verification: each written device lands
  at ``target + N(0, sigma_prog(target))``, clipped at 0 (as aihwkit), draws a fresh drift
  exponent ``nu = |N(mu_nu(target), sigma_nu(target))|`` and restarts its drift clock.
* :meth:`PCMArray.read` returns ``G_prog ((age + t0) / t0)^-nu`` (aihwkit's time origin) plus
  1/f read noise of std ``read_noise_std(G_drift, age, G_prog=G_prog)`` (Q_s from the programmed
  conductance), drawn independently at every read, and clipped at 0.

Time is the array's own clock, in seconds from an arbitrary origin: ``program(W, t)`` stamps the
written devices with ``t``, ``read(t)`` evaluates every device at its own age ``t - t_prog``.
All randomness comes from one seeded numpy Generator, so the same seed and the same sequence of
calls give the same conductances.

Examples
--------
>>> from brian2 import second
>>> import numpy as np
>>> from spikesyn.devices.pcm_array import PCMArray
>>> arr = PCMArray((3, 2), w_max=1.0, seed=0)
>>> arr.program(np.array([[1.0, -0.5], [0.0, 0.25], [-1.0, 0.5]]), 0 * second)
12
>>> W = arr.read_weights(3600 * second)   # one hour after programming
>>> W.shape, bool(np.all(np.abs(W) < 1.3))
((3, 2), True)
"""

from __future__ import annotations

import numbers

import numpy as np
from brian2 import Quantity, second, siemens, uS

from spikesyn.devices.pcm import (GMAX, T0, T_READ, draw_drift_exponent, drift, program,
                                  read_noise_std)
from spikesyn.errors import ParameterError
from spikesyn.quantise import from_conductance_pair, to_conductance_pair
from spikesyn.units import as_quantity, scalar_time

__all__ = ["PCMArray"]


def _conductance(value, name):
    q = as_quantity(value, siemens, name, "uS")
    if np.ndim(q) != 0 or not np.isfinite(float(q / siemens)) or float(q / siemens) < 0:
        raise ParameterError(f"parameter {name!r} must be one conductance >= 0, got {value!r}")
    return float(q / siemens)


def _positive(value, name):
    if isinstance(value, (bool, Quantity)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value <= 0:
        raise ParameterError(f"parameter {name!r} must be a finite number > 0, got {value!r}")
    return float(value)


def _nonnegative(value, name):
    if isinstance(value, (bool, Quantity)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value < 0:
        raise ParameterError(f"parameter {name!r} must be a finite number >= 0, got {value!r}")
    return float(value)


def _weights(W, name):
    if isinstance(W, Quantity) and not W.is_dimensionless:
        raise ParameterError(f"parameter {name!r} holds dimensionless weights, got {W!r}")
    try:
        arr = np.asarray(W, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter {name!r} must be an array of numbers") from exc
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"parameter {name!r} must be finite")
    return arr


class PCMArray:
    """A crossbar of PCM differential pairs: one ``(G+, G-)`` pair per weight.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the weight matrix (e.g. ``(inputs, outputs)``).
    w_max : float
        Weight magnitude mapped to the full range ``Gmax - Gmin`` (see the module docstring).
    Gmax, Gmin : brian2.Quantity
        Largest conductance (aihwkit: 25 uS) and the RESET level of the idle device (default 0).
    seed : int
        Seed of the array's numpy Generator (programming noise, drift exponents, read noise).
    t0 : brian2.Quantity
        Drift reference time (20 s).
    t_read : brian2.Quantity
        Duration of one read, the lower cut-off of the 1/f noise (250 ns).
    prog_noise_scale, drift_scale, read_noise_scale : float
        Multipliers of the programming-noise std, of the drift exponents and of the read-noise
        std (1 = the published statistics, 0 = switched off).

    Attributes
    ----------
    G_prog_plus, G_prog_minus : brian2.Quantity
        Conductances right after the last write of each device.
    target_plus, target_minus : brian2.Quantity
        The targets of the last write (NaN before the first).
    nu_plus, nu_minus : numpy.ndarray
        Drift exponents drawn at the last write.
    t_prog_plus, t_prog_minus : brian2.Quantity
        Array time of the last write of each device.
    writes : int
        Device writes so far (a pair whose both devices are written counts 2).

    Examples
    --------
    >>> from brian2 import second
    >>> import numpy as np
    >>> arr = PCMArray(4, w_max=0.5, seed=1, prog_noise_scale=0, read_noise_scale=0)
    >>> arr.program(np.array([0.5, -0.25, 0.0, 0.1]), 0 * second)
    8
    >>> arr.read_weights(10 * second).round(6).tolist()     # 10 s of drift, ((10 + t0)/t0)^-nu
    [0.489585, -0.245212, 0.0, 0.097711]
    """

    def __init__(self, shape, w_max=1.0, Gmax=GMAX, Gmin=0 * uS, seed=0, t0=T0, t_read=T_READ,
                 prog_noise_scale=1.0, drift_scale=1.0, read_noise_scale=1.0):
        if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
            shape = (int(shape),)
        if not isinstance(shape, tuple) or not shape or any(
                isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 1
                for n in shape):
            raise ParameterError(f"parameter 'shape' must be a positive int or a tuple of them, "
                                 f"got {shape!r}")
        if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)) \
                or seed < 0:
            raise ParameterError(f"parameter 'seed' must be an integer >= 0, got {seed!r}")
        self.shape = tuple(int(n) for n in shape)
        self.w_max = _positive(w_max, "w_max")
        self._gmax, self._gmin = _conductance(Gmax, "Gmax"), _conductance(Gmin, "Gmin")
        if not self._gmin < self._gmax:
            raise ParameterError(f"parameter 'Gmin' must be below Gmax, got {Gmin!r} >= {Gmax!r}")
        self._t0 = scalar_time(t0, "t0")
        self._t_read = scalar_time(t_read, "t_read")
        if self._t0 <= 0 or self._t_read <= 0:
            raise ParameterError("parameters 't0' and 't_read' must be > 0 s")
        self.prog_noise_scale = _nonnegative(prog_noise_scale, "prog_noise_scale")
        self.drift_scale = _nonnegative(drift_scale, "drift_scale")
        self.read_noise_scale = _nonnegative(read_noise_scale, "read_noise_scale")
        self.seed = int(seed)
        self._rng = np.random.default_rng(self.seed)
        nan = np.full(self.shape, np.nan)
        # per device state, SI floats; index 0 is G+, index 1 is G-
        self._target = np.stack([nan, nan])
        self._g = np.zeros((2,) + self.shape)
        self._nu = np.zeros((2,) + self.shape)
        self._t_prog = np.full((2,) + self.shape, np.nan)
        self.writes = 0

    # ----------------------------------------------------------------- mapping
    @property
    def Gmax(self):
        """Largest conductance, in siemens."""
        return self._gmax * siemens

    @property
    def Gmin(self):
        """RESET level of the idle device of a pair, in siemens."""
        return self._gmin * siemens

    @property
    def scale(self):
        """Weight per unit of conductance difference, ``w_max / (Gmax - Gmin)`` (1/siemens)."""
        return self.w_max / (self._gmax - self._gmin) / siemens

    def to_conductances(self, W):
        """Target ``(G+, G-)`` of weights ``W`` under this array's mapping (see module docstring).

        Examples
        --------
        >>> arr = PCMArray(2, w_max=2.0)
        >>> Gp, Gm = arr.to_conductances([1.0, -2.0])
        >>> print(Gp, Gm)
        [12.5  0. ] uS [ 0. 25.] uS
        """
        W = np.clip(_weights(W, "W"), -self.w_max, self.w_max)
        return to_conductance_pair(W, self.w_max, self.Gmin, self.Gmax)

    def to_weights(self, G_plus, G_minus):
        """Weights ``(G+ - G-) * scale`` of a pair of conductance arrays.

        Examples
        --------
        >>> from brian2 import uS
        >>> PCMArray(2, w_max=2.0).to_weights([12.5, 0] * uS, [0, 25] * uS)
        array([ 1., -2.])
        """
        return from_conductance_pair(G_plus, G_minus, self.w_max, self.Gmin, self.Gmax)

    # ----------------------------------------------------------------- state
    G_prog_plus = property(lambda self: self._g[0] * siemens,
                           doc="Conductance of each G+ device right after its last write.")
    G_prog_minus = property(lambda self: self._g[1] * siemens,
                            doc="Conductance of each G- device right after its last write.")
    target_plus = property(lambda self: self._target[0] * siemens,
                           doc="Target of the last write of each G+ device (NaN before it).")
    target_minus = property(lambda self: self._target[1] * siemens,
                            doc="Target of the last write of each G- device (NaN before it).")
    nu_plus = property(lambda self: self._nu[0].copy(), doc="Drift exponents of the G+ devices.")
    nu_minus = property(lambda self: self._nu[1].copy(), doc="Drift exponents of the G- devices.")
    t_prog_plus = property(lambda self: self._t_prog[0] * second,
                           doc="Array time of the last write of each G+ device.")
    t_prog_minus = property(lambda self: self._t_prog[1] * second,
                            doc="Array time of the last write of each G- device.")

    @property
    def target_weights(self):
        """The weights the last writes aimed at (NaN where nothing was written yet).

        Examples
        --------
        >>> from brian2 import second
        >>> arr = PCMArray(2, w_max=1.0)
        >>> _ = arr.program([0.5, -0.5], 0 * second)
        >>> arr.target_weights
        array([ 0.5, -0.5])
        """
        return (self._target[0] - self._target[1]) * (self.w_max / (self._gmax - self._gmin))

    # ----------------------------------------------------------------- operations
    def program(self, W, t, mask=None, force=False):
        """Write weights ``W`` into the pairs at array time ``t``, without verification.

        A device is written when its pair is selected by ``mask`` and its target conductance
        differs from the target of its previous write (or ``force`` is True); every device
        is written the first time. A written device lands at ``target + N(0, sigma_prog)``
        clipped at 0, draws a fresh drift exponent ``nu = |N(mu_nu, sigma_nu)|``
        (times ``drift_scale``) and restarts its drift clock at ``t``.

        Parameters
        ----------
        W : array_like
            Weights, shaped like the array (dimensionless).
        t : brian2.Quantity
            Array time of the write.
        mask : array_like of bool, optional
            Which pairs to consider (default: all).
        force : bool
            Rewrite the selected devices even where the target is unchanged.

        Returns
        -------
        int
            Number of devices written by this call.

        Examples
        --------
        >>> from brian2 import second
        >>> arr = PCMArray(3, w_max=1.0, seed=0)
        >>> arr.program([0.2, -0.4, 0.0], 0 * second)
        6
        >>> arr.program([0.3, -0.4, 0.0], 5 * second)   # only the G+ of the first pair changes
        1
        """
        W = _weights(W, "W")
        if W.shape != self.shape:
            raise ParameterError(f"parameter 'W' must have the array's shape {self.shape}, "
                                 f"got {W.shape}")
        t = scalar_time(t, "t")
        if mask is None:
            sel = np.ones(self.shape, dtype=bool)
        else:
            sel = np.asarray(mask)
            if sel.shape != self.shape or sel.dtype != bool:
                raise ParameterError(f"parameter 'mask' must be a bool array of shape "
                                     f"{self.shape}")
        Gp, Gm = self.to_conductances(W)
        target = np.stack([np.asarray(Gp / siemens), np.asarray(Gm / siemens)])
        write = sel[None] & (force | ~(target == self._target))
        n = int(write.sum())
        if n == 0:
            return 0
        G_t = target[write]
        G_new = program(G_t * siemens, self._rng, self.Gmax, self.prog_noise_scale) / siemens
        self._g[write] = np.asarray(G_new)
        self._nu[write] = draw_drift_exponent(G_t * siemens, self._rng, self.Gmax,
                                              self.drift_scale)
        self._target[write] = G_t
        self._t_prog[write] = t
        self.writes += n
        return n

    def read(self, t):
        """Read every device at array time ``t``: drift since its write plus fresh 1/f noise.

        Parameters
        ----------
        t : brian2.Quantity
            Array time of the read, not before any device's last write.

        Returns
        -------
        (brian2.Quantity, brian2.Quantity)
            ``G+`` and ``G-`` as read, in siemens.

        Examples
        --------
        >>> from brian2 import second
        >>> arr = PCMArray(1000, w_max=1.0, seed=0, read_noise_scale=0)
        >>> _ = arr.program(np.full(1000, 0.5), 0 * second)
        >>> Gp, Gm = arr.read(86400 * second)          # one day
        >>> 0.5 < float((Gp / arr.G_prog_plus).mean()) < 0.7     # about (4320)^-0.06
        True
        """
        t = scalar_time(t, "t")
        if np.isnan(self._t_prog).any():
            raise ParameterError("the array is read before every device was programmed: "
                                 "call program() first")
        age = t - self._t_prog
        if age.min() < 0:
            raise ParameterError(f"parameter 't' ({t} s) is before the last write "
                                 f"({self._t_prog.max()} s)")
        G = np.asarray(drift(self._g * siemens, self._nu, age * second, self._t0 * second)
                       / siemens)
        if self.read_noise_scale > 0:
            sigma = np.asarray(read_noise_std(G * siemens, age * second, self.Gmax,
                                              self._t_read * second, G_prog=self._g * siemens,
                                              t0=self._t0 * second) / siemens)
            G = np.maximum(G + self.read_noise_scale * sigma
                           * self._rng.standard_normal(G.shape), 0.0)
        return G[0] * siemens, G[1] * siemens

    def read_weights(self, t):
        """Weights ``(G+ - G-) * scale`` of one read at array time ``t`` (see :meth:`read`).

        Examples
        --------
        >>> from brian2 import second
        >>> arr = PCMArray(2, w_max=1.0, prog_noise_scale=0, read_noise_scale=0, drift_scale=0)
        >>> _ = arr.program([1.0, -0.5], 0 * second)
        >>> arr.read_weights(20 * second)
        array([ 1. , -0.5])
        """
        Gp, Gm = self.read(t)
        return self.to_weights(Gp, Gm)

    def __repr__(self):
        return (f"PCMArray(shape={self.shape}, w_max={self.w_max:g}, Gmax={self.Gmax!r}, "
                f"Gmin={self.Gmin!r}, seed={self.seed}, writes={self.writes})")
