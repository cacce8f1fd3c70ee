"""Device presets for the max-cut network: how graph weights become synapses, and how noisy they are.

A weight ``w`` is stored in a PCM differential pair ``(G+, G-)``: the sign picks the device that
is SET, the other stays at its RESET level (0 above Gmin), and ``|w| = max|w|`` maps to ``Gmax``
(:func:`spikesyn.quantise.to_conductance_pair` with ``Gmin = 0``).
Programming can add the aihwkit programming error, quantise to ``levels`` states and let the
pair drift for ``t_since`` from the end of programming (aihwkit's time origin; all from
:mod:`spikesyn.devices.pcm`, the drift exponent drawn at the target, the read noise's Q_s from the
programmed conductance). The 1/f read noise of the two
devices of every synapse of a neuron adds up (independent Gaussians: variances sum) to the
neuron's ``sigma_dev``, the noise its field carries each time it is read.

Presets (``device=`` in :func:`spikesyn.maxcut`):

========== ==================================================================================
name       what it models
========== ==================================================================================
pcm        differential PCM pair, ideal (write-verified) programming, 1/f read noise (default)
pcm-prog   as ``pcm`` plus the programming error of a single write pulse sequence
pcm-4bit   as ``pcm-prog`` with conductance quantised to 16 levels
pcm-aged   as ``pcm-prog`` read one day after programming (drift and grown 1/f noise)
ideal      exact software weights with Gaussian noise of the same schedule (no device)
noiseless  exact weights, no noise: a plain Hopfield network descending to a local optimum
========== ==================================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from brian2 import nsecond, second, siemens, uS, volt

from spikesyn.devices import pcm
from spikesyn.errors import ParameterError
from spikesyn.quantise import to_conductance_pair

__all__ = ["Device", "DEVICES", "get_device", "program"]


@dataclass(frozen=True)
class Device:
    """How the coupling weights are stored and read.

    Parameters
    ----------
    name : str
    kind : {"pcm", "ideal", "noiseless"}
    programming_noise : bool
        Add the aihwkit programming error when writing a conductance.
    levels : int or None
        Quantise conductances to this many equally spaced levels in [0, Gmax].
    t_since : brian2.Quantity
        Time between programming and the run (drift and the 1/f noise window).
    Gmax : brian2.Quantity
    read_voltage : brian2.Quantity
        Read pulse amplitude (for the energy account).
    read_pulse : brian2.Quantity
        Read pulse duration (for the energy account).
    """

    name: str
    kind: str = "pcm"
    programming_noise: bool = False
    levels: int | None = None
    t_since: object = field(default_factory=lambda: 1 * second)
    Gmax: object = field(default_factory=lambda: 25 * uS)
    read_voltage: object = field(default_factory=lambda: 0.2 * volt)
    read_pulse: object = field(default_factory=lambda: 100 * nsecond)

    def describe(self):
        """Plain-data description (for the result's settings and JSON)."""
        d = asdict(self)
        for key in ("t_since", "Gmax", "read_voltage", "read_pulse"):
            d[key] = str(d[key])
        return d


DEVICES = {
    "pcm": Device("pcm"),
    "pcm-prog": Device("pcm-prog", programming_noise=True),
    "pcm-4bit": Device("pcm-4bit", programming_noise=True, levels=16),
    "pcm-aged": Device("pcm-aged", programming_noise=True, t_since=86400 * second),
    "ideal": Device("ideal", kind="ideal"),
    "noiseless": Device("noiseless", kind="noiseless"),
}


def get_device(device):
    """A :class:`Device` from a preset name or a Device instance.

    Examples
    --------
    >>> get_device("pcm-4bit").levels
    16
    """
    if isinstance(device, Device):
        return device
    if isinstance(device, str) and device in DEVICES:
        return DEVICES[device]
    raise ParameterError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)} "
                         f"or pass a spikesyn.networks.maxcut_devices.Device")


def program(w, device, rng):
    """Store weights on devices.

    Parameters
    ----------
    w : ndarray
        Edge weights (one per undirected edge).
    device : Device
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``w_eff`` (weights as the devices hold them, in weight units), ``var_read`` (read-noise
        variance of each edge's pair, weight units squared, per read), ``g_sum`` (G+ + G- of
        each edge, siemens as float), ``G_unit`` (siemens per unit weight, float).

    Examples
    --------
    >>> out = program(np.array([1.0, -2.0]), get_device("pcm"), np.random.default_rng(0))
    >>> round(out["G_unit"] * 1e6, 6)                 # |w| = 2 -> Gmax = 25 uS
    12.5
    >>> np.round(out["w_eff"], 2).tolist()            # exact writes, 1 s of drift: ((1 + t0)/t0)^-nu
    [1.0, -2.0]
    >>> bool(np.all(out["var_read"] > 0))             # 1/f read noise on every read
    True
    """
    w = np.asarray(w, dtype=float)
    if device.kind in ("ideal", "noiseless") or w.size == 0:
        var = w ** 2 if device.kind == "ideal" else np.zeros_like(w)
        return {"w_eff": w.copy(), "var_read": var, "g_sum": np.zeros_like(w), "G_unit": 1.0}
    gmax = float(device.Gmax / siemens)
    wmax = float(np.max(np.abs(w))) or 1.0
    G_unit = gmax / wmax
    G_plus, G_minus = to_conductance_pair(w, wmax, 0 * siemens, device.Gmax)
    # the device the sign picks is SET to |w| G_unit, its RESET partner stays at Gmin = 0
    target = np.asarray((G_plus + G_minus) / siemens)
    G = target.copy()
    if device.levels:
        step = gmax / (device.levels - 1)
        G = np.round(G / step) * step
    G_prog = G.copy()
    if device.programming_noise:
        G_prog = np.where(target > 0, np.asarray(pcm.program(G * siemens, rng, device.Gmax) / siemens), G)
    nu = pcm.draw_drift_exponent(G * siemens, rng, device.Gmax)
    G = np.asarray(pcm.drift(G_prog * siemens, nu, device.t_since) / siemens)
    sig = np.asarray(pcm.read_noise_std(G * siemens, device.t_since, device.Gmax,
                                        G_prog=G_prog * siemens) / siemens)
    sign = np.where(w >= 0, 1.0, -1.0)
    # the RESET partner sits at Gmin (0 above Gmin): no current, no read noise
    return {"w_eff": sign * G / G_unit, "var_read": (sig / G_unit) ** 2, "g_sum": G,
            "G_unit": G_unit}
