"""Device kernels: Brian2 functions that evaluate a PCM device's costly parts only when needed.

Brian2's abstract code has no branches, so a card written in plain equations computes every
term at every event: the RESET or SET pulse with its programming noise and new drift exponent
is drawn and thrown away unless the pairing fires, and ``x**(-nu)`` is evaluated even where the
drift clock has not reached ``t0``. The functions here carry that logic in the target's own
language (numpy, Cython, C++ for cpp_standalone), with the same physics as the formulas of the
``pcm`` card (aihwkit's PCM model: Nandakumar et al. 2018/2019, Joshi et al. 2020, with the
fits of ``aihwkit.simulator.noise_models.PCMLikeNoiseModel``):

=================================================  =============================================
``pcm_drift(x, nu)``                               ``x**(-nu)`` for ``x > 1``, else 1
                                                   (the cards pass ``x = (t - t_prog + t0)/t0``
                                                   as aihwkit's code does)
``pcm_read_noise(g, x, scale)``                    ``scale Q_s(g) sqrt(ln x) N(0, 1)`` for
                                                   ``x > 1`` and ``scale > 0``, else 0, with
                                                   ``Q_s = min(0.0088 g**-0.65, 0.2)`` (the
                                                   amplitude in single precision on Cython
                                                   and C++)
``pcm_coin(cond, p)``                              1 with probability ``p`` where ``cond > 0``
                                                   (a uniform number is drawn only then), else 0
``pcm_set(hit, dG, x, nu, Gmin, Gmax, dw_min, A,   where ``hit``: one open-loop SET pulse from
gamma, w_span, sd, sd_add, sd_slope)``             the drifted conductance with aihwkit's
                                                   ``PCMPresetDevice`` step law (below); else
                                                   ``dG`` unchanged
``pcm_reset(hit, dG, Gmin, Gmax, prog_scale,       where ``hit``: back to ``Gmin`` plus programming
c0, c1, c2)``                                      noise; else ``dG`` unchanged
``pcm_program(hit, dG, target, Gmin, Gmax,        where ``hit``: programmed to ``target``
prog_scale, c0, c1, c2)``                          (clipped to the window) plus programming
                                                   noise, the result clipped at ``G >= 0`` only
                                                   (as aihwkit); else ``dG`` unchanged
``pcm_nu(hit, nu, g, drift_scale)``                where ``hit``: a new drift exponent
                                                   ``drift_scale |N(mu_nu(g), sigma_nu(g))|``
``pcm_nu_mean(g, drift_scale)``                    ``drift_scale mu_nu(g)`` (no random number;
                                                   the cards' ``[initial]`` drift exponents)
``pcm_levels(hit, dG, span, levels, stochastic)``  where ``hit`` and ``levels >= 2``: ``dG``
                                                   rounded to the grid of ``levels`` levels in
                                                   ``[0, span]`` (a uniform number is drawn only
                                                   for ``stochastic != 0``); else ``dG`` unchanged
=================================================  =============================================

Conductances are ``dG = G - Gmin`` in siemens, ``g = G/Gmax``; programming noise is
``prog_scale max(c0 + c1 g + c2 g**2, 0)`` at the target ``g`` (the cards pass
``prog_scale = prog_noise_scale Gmax / prog_Gmax_ref``, aihwkit's rescaling of its fit to another
``Gmax``). A SET pulse works in aihwkit's weight units ``w = w_span (G - Gmin)/(Gmax - Gmin)``
(``w_span = 2`` for ``PCMPresetDevice``): the mean step is ``dw = dw_min max(1 + A exp(-gamma w),
0)``, its cycle-to-cycle spread ``sd (|dw| + sd_add + sd_slope |w|)``, and the result is clipped
to ``[0, w_span]`` (aihwkit's ``ExpStepDevice`` with ``A = -A_up``, ``a = -1``, ``b = 0``; its
fit to Nandakumar et al., Front. Neurosci. 2020). The SET pulse carries no programming noise:
that fit belongs to program-and-verify writes to a target (``pcm_program``). The fits of Q_s, mu_nu
and sigma_nu are those of :mod:`spikesyn.devices.pcm`: the numpy versions call its functions and
the Cython and C++ code is generated from its constants (the programming-noise polynomial and
the SET law take the card's coefficients as arguments). Random numbers come from
Brian2's own generator (``rand()``; seeded by ``brian2.seed``), so a run is reproducible on each
target. On Cython and C++ the standard normal numbers are made from it with the ziggurat method
(Marsaglia & Tsang 2000, doi:10.18637/jss.v005.i08; 256 layers, one uniform number per normal in
about 99 % of draws); the numpy target uses ``numpy.random.randn``.

Examples
--------
>>> import brian2 as b2
>>> from spikesyn.devices.kernels import KERNELS
>>> b2.prefs.codegen.target = "numpy"
>>> G = b2.NeuronGroup(3, "y : 1", namespace={"pcm_drift": KERNELS["pcm_drift"]})
>>> G.y = "pcm_drift(0.5 + i, 0.05)"     # x = 0.5, 1.5, 2.5
>>> [round(float(v), 4) for v in G.y]
[1.0, 0.9799, 0.9552]
"""

import re

import numpy as np
from brian2 import DEFAULT_FUNCTIONS, Function, siemens

from spikesyn.devices.pcm import (G_FLOOR, NU_MEAN_FIT, NU_SPREAD_FIT, READ_NOISE_FIT,
                                  drift_exponent_fit, programming_noise_fit, read_noise_amplitude,
                                  set_step_fit)

# ----------------------------------------------------------------------------------------------
# Ziggurat tables (256 layers of equal area under exp(-x^2/2)); R is Marsaglia & Tsang's tail start.
_ZIG_LAYERS = 256
_ZIG_R = 3.6541528853610088


def _ziggurat_tables(n=_ZIG_LAYERS, r=_ZIG_R):
    """Layer edges ``x[0..n]`` (``x[0]`` the base layer's pseudo-width, ``x[1] = r``, ``x[n] = 0``)
    and ``f[i] = exp(-x[i]**2/2)``."""
    from scipy.special import erfc
    f = lambda v: np.exp(-0.5 * v * v)  # noqa: E731
    area = r * f(r) + np.sqrt(np.pi / 2) * erfc(r / np.sqrt(2))
    x = np.zeros(n + 1)
    x[0], x[1] = area / f(r), r
    for i in range(1, n - 1):
        x[i + 1] = np.sqrt(-2.0 * np.log(area / x[i] + f(x[i])))
    return x, f(x)


_ZIG_X, _ZIG_F = _ziggurat_tables()


def _c_array(name, values):
    return (f"static const double {name}[{len(values)}] = {{"
            + ", ".join(repr(float(v)) for v in values) + "};")


# One uniform U: its top 8 bits pick the layer, the remaining 45 its position in (-1, 1).
_NORMAL_CPP = _c_array("_pcm_zig_x", _ZIG_X) + "\n" + _c_array("_pcm_zig_f", _ZIG_F) + f"""
static inline double _pcm_normal(const int _idx) {{
    while (true) {{
        const double s = _rand(_idx) * {_ZIG_LAYERS}.0;
        const int i = (int) s;
        const double z = (2.0 * (s - i) - 1.0) * _pcm_zig_x[i];
        if (fabs(z) < _pcm_zig_x[i + 1]) return z;
        if (i == 0) {{
            double a, b;
            do {{
                a = -log(1.0 - _rand(_idx)) / {_ZIG_R!r};
                b = -log(1.0 - _rand(_idx));
            }} while (b + b < a * a);
            return z < 0 ? -({_ZIG_R!r} + a) : {_ZIG_R!r} + a;
        }}
        if (_pcm_zig_f[i] + _rand(_idx) * (_pcm_zig_f[i + 1] - _pcm_zig_f[i]) < exp(-0.5 * z * z))
            return z;
    }}
}}
"""

_NORMAL_CYTHON = f"""
cdef double _pcm_normal(int _idx) noexcept:
    cdef double s, z, a, b
    cdef int i
    cdef double *zx = _namespace_pcm_zig_x
    cdef double *zf = _namespace_pcm_zig_f
    while True:
        s = _rand(_idx) * {_ZIG_LAYERS}.0
        i = <int> s
        z = (2.0 * (s - i) - 1.0) * zx[i]
        if fabs(z) < zx[i + 1]:
            return z
        if i == 0:
            while True:
                a = -log(1.0 - _rand(_idx)) / {_ZIG_R!r}
                b = -log(1.0 - _rand(_idx))
                if b + b >= a * a:
                    break
            return -({_ZIG_R!r} + a) if z < 0 else {_ZIG_R!r} + a
        if zf[i] + _rand(_idx) * (zf[i + 1] - zf[i]) < exp(-0.5 * z * z):
            return z

"""

_LIBRARY_CYTHON = """
cdef inline double _pcm_clip(double v, double lo, double hi) noexcept:
    return lo if v < lo else (hi if v > hi else v)

cdef inline double _pcm_drift_factor(double x, double nu) noexcept:
    if x > 1.0 and nu != 0.0:
        return exp(-nu * log(x))
    return 1.0

cdef inline double _pcm_prog_sigma(double g, double scale, double c0, double c1, double c2) noexcept:
    cdef double s = c0 + c1 * g + c2 * g * g
    return scale * s if s > 0.0 else 0.0
"""

_LIBRARY_CPP = """
static inline double _pcm_clip(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}
static inline double _pcm_drift_factor(double x, double nu) {
    return (x > 1.0 && nu != 0.0) ? pow(x, -nu) : 1.0;
}
static inline double _pcm_prog_sigma(double g, double scale, double c0, double c1, double c2) {
    const double s = c0 + c1 * g + c2 * g * g;
    return s > 0.0 ? scale * s : 0.0;
}
"""

# ----------------------------------------------------------------------------------------------
# The fits of spikesyn.devices.pcm as C expressions (also valid Cython) in ``g`` and ``lg = ln g``.

def _log_fit(fit):
    return f"_pcm_clip({fit.slope!r} * lg + {fit.intercept!r}, {fit.low!r}, {fit.high!r})"


_FITS = {
    "floor": repr(G_FLOOR),
    "q_coefficient": repr(READ_NOISE_FIT.coefficient),
    "q_exponent": repr(READ_NOISE_FIT.exponent),
    "q_cap": repr(READ_NOISE_FIT.cap),
    "nu_mean": _log_fit(NU_MEAN_FIT),
    "nu_spread": _log_fit(NU_SPREAD_FIT),
}

# ----------------------------------------------------------------------------------------------
# The kernels, each as (numpy function, C++ body, Cython body). Bodies use the helpers above;
# ``{name}`` fields are filled from _FITS (literal braces of the code are doubled).

_CPP = {
    "pcm_drift": """
static inline double _pcm_drift(double x, double nu) {{ return _pcm_drift_factor(x, nu); }}
""",
    "pcm_read_noise": """
static inline double _pcm_read_noise(double g, double x, double scale, const int _idx) {{
    if (!(x > 1.0) || scale == 0.0) return 0.0;
    // the noise amplitude in single precision (relative error ~1e-7, far below the fit's own
    // uncertainty): powf/logf/sqrtf cost about half their double versions at every read
    const float q = {q_coefficient}f * powf((float) _pcm_clip(g, {floor}, 1.0), -{q_exponent}f);
    const float a = (q < {q_cap}f ? q : {q_cap}f) * sqrtf(logf((float) x));
    return scale * (double) a * _pcm_normal(_idx);
}}
""",
    "pcm_coin": """
static inline double _pcm_coin(double cond, double p, const int _idx) {{
    return (cond > 0.0 && _rand(_idx) < p) ? 1.0 : 0.0;
}}
""",
    "pcm_set": """
static inline double _pcm_set(double hit, double dG, double x, double nu, double Gmin, double Gmax,
                              double dw_min, double A, double gamma, double w_span,
                              double sd, double sd_add, double sd_slope, const int _idx) {{
    if (!(hit > 0.0)) return dG;
    const double span = Gmax - Gmin;
    const double w = w_span * ((Gmin + dG) * _pcm_drift_factor(x, nu) - Gmin) / span;
    const double y = 1.0 + A * exp(-gamma * w);
    const double dw = dw_min * (y > 0.0 ? y : 0.0);
    const double s = sd * (fabs(dw) + sd_add + sd_slope * fabs(w));
    return _pcm_clip(w + dw + s * _pcm_normal(_idx), 0.0, w_span) * span / w_span;
}}
""",
    "pcm_reset": """
static inline double _pcm_reset(double hit, double dG, double Gmin, double Gmax, double scale,
                                double c0, double c1, double c2, const int _idx) {{
    return _pcm_program(hit, dG, 0.0, Gmin, Gmax, scale, c0, c1, c2, _idx);
}}
""",
    "pcm_program": """
static inline double _pcm_program(double hit, double dG, double target, double Gmin, double Gmax,
                                  double scale, double c0, double c1, double c2, const int _idx) {{
    if (!(hit > 0.0)) return dG;
    const double d = _pcm_clip(target, 0.0, Gmax - Gmin);
    const double v = d + _pcm_prog_sigma((Gmin + d) / Gmax, scale, c0, c1, c2) * _pcm_normal(_idx);
    return v > -Gmin ? v : -Gmin;
}}
""",
    "pcm_nu": """
static inline double _pcm_nu(double hit, double nu, double g, double drift_scale, const int _idx) {{
    if (!(hit > 0.0)) return nu;
    const double lg = log(_pcm_clip(g, {floor}, 1.0));
    const double mu = {nu_mean};
    const double sd = {nu_spread};
    return drift_scale * fabs(mu + sd * _pcm_normal(_idx));
}}
""",
    "pcm_levels": """
static inline double _pcm_levels(double hit, double dG, double span, double levels,
                                 double stochastic, const int _idx) {{
    if (!(hit > 0.0) || !(levels >= 2.0)) return dG;
    const double step = span / (levels - 1.0);
    const double r = stochastic != 0.0 ? stochastic * (_rand(_idx) - 0.5) : 0.0;
    return _pcm_clip(floor(dG / step + 0.5 + r), 0.0, levels - 1.0) * step;
}}
""",
    "pcm_nu_mean": """
static inline double _pcm_nu_mean(double g, double drift_scale) {{
    const double lg = log(_pcm_clip(g, {floor}, 1.0));
    return drift_scale * {nu_mean};
}}
""",
}

_CYTHON = {
    "pcm_drift": """
cdef double _pcm_drift(double x, double nu) noexcept:
    return _pcm_drift_factor(x, nu)
""",
    "pcm_read_noise": """
from libc.math cimport powf, logf, sqrtf

cdef double _pcm_read_noise(double g, double x, double scale, int _idx) noexcept:
    cdef float q, a
    if not (x > 1.0) or scale == 0.0:
        return 0.0
    # single precision, as in the C++ version
    q = {q_coefficient} * powf(<float> _pcm_clip(g, {floor}, 1.0), -{q_exponent})
    a = (q if q < {q_cap} else {q_cap}) * sqrtf(logf(<float> x))
    return scale * a * _pcm_normal(_idx)
""",
    "pcm_coin": """
cdef double _pcm_coin(double cond, double p, int _idx) noexcept:
    if cond > 0.0 and _rand(_idx) < p:
        return 1.0
    return 0.0
""",
    "pcm_set": """
cdef double _pcm_set(double hit, double dG, double x, double nu, double Gmin, double Gmax,
                     double dw_min, double A, double gamma, double w_span,
                     double sd, double sd_add, double sd_slope, int _idx) noexcept:
    cdef double span, w, y, dw, s
    if not (hit > 0.0):
        return dG
    span = Gmax - Gmin
    w = w_span * ((Gmin + dG) * _pcm_drift_factor(x, nu) - Gmin) / span
    y = 1.0 + A * exp(-gamma * w)
    dw = dw_min * (y if y > 0.0 else 0.0)
    s = sd * (fabs(dw) + sd_add + sd_slope * fabs(w))
    return _pcm_clip(w + dw + s * _pcm_normal(_idx), 0.0, w_span) * span / w_span
""",
    "pcm_reset": """
cdef double _pcm_reset(double hit, double dG, double Gmin, double Gmax, double scale,
                       double c0, double c1, double c2, int _idx) noexcept:
    return _pcm_program(hit, dG, 0.0, Gmin, Gmax, scale, c0, c1, c2, _idx)
""",
    "pcm_program": """
cdef double _pcm_program(double hit, double dG, double target, double Gmin, double Gmax,
                         double scale, double c0, double c1, double c2, int _idx) noexcept:
    cdef double d, v
    if not (hit > 0.0):
        return dG
    d = _pcm_clip(target, 0.0, Gmax - Gmin)
    v = d + _pcm_prog_sigma((Gmin + d) / Gmax, scale, c0, c1, c2) * _pcm_normal(_idx)
    return v if v > -Gmin else -Gmin
""",
    "pcm_nu": """
cdef double _pcm_nu(double hit, double nu, double g, double drift_scale, int _idx) noexcept:
    cdef double lg, mu, sd
    if not (hit > 0.0):
        return nu
    lg = log(_pcm_clip(g, {floor}, 1.0))
    mu = {nu_mean}
    sd = {nu_spread}
    return drift_scale * fabs(mu + sd * _pcm_normal(_idx))
""",
    "pcm_levels": """
cdef double _pcm_levels(double hit, double dG, double span, double levels, double stochastic,
                        int _idx) noexcept:
    cdef double step, r = 0.0
    if not (hit > 0.0) or not (levels >= 2.0):
        return dG
    step = span / (levels - 1.0)
    if stochastic != 0.0:
        r = stochastic * (_rand(_idx) - 0.5)
    return _pcm_clip(floor(dG / step + 0.5 + r), 0.0, levels - 1.0) * step
""",
    "pcm_nu_mean": """
cdef double _pcm_nu_mean(double g, double drift_scale) noexcept:
    cdef double lg = log(_pcm_clip(g, {floor}, 1.0))
    return drift_scale * {nu_mean}
""",
}


# ----------------------------------------------------------------------------------------------
# numpy versions (Brian2's numpy target passes arrays, or scalars, in SI base units)

def _size(idx):
    try:
        return len(idx)
    except TypeError:
        return int(idx) if np.ndim(idx) == 0 and int(idx) > 1 else 1


def _arrays(n, *values):
    return [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in values]


def _out(values, idx):
    return values if np.ndim(idx) else values[0]


def _drift_np(x, nu):
    x, nu = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(nu, dtype=float))
    out = np.ones(x.shape)
    m = (x > 1.0) & (nu != 0.0)
    out[m] = x[m] ** (-nu[m])
    return out if out.ndim else float(out)


def _prog_sigma_np(g, scale, c0, c1, c2):
    return scale * programming_noise_fit(g, (c0, c1, c2))


def _read_noise_np(g, x, scale, idx):
    n = _size(idx)
    g, x, scale = _arrays(n, g, x, scale)
    out = np.zeros(n)
    m = (x > 1.0) & (scale != 0.0)
    q = read_noise_amplitude(np.clip(g[m], G_FLOOR, 1.0))
    out[m] = scale[m] * q * np.sqrt(np.log(x[m])) * np.random.randn(int(m.sum()))
    return _out(out, idx)


def _coin_np(cond, p, idx):
    n = _size(idx)
    cond, p = _arrays(n, cond, p)
    out = np.zeros(n)
    m = cond > 0.0
    out[m] = (np.random.rand(int(m.sum())) < p[m]).astype(float)
    return _out(out, idx)


def _set_np(hit, dG, x, nu, Gmin, Gmax, dw_min, A, gamma, w_span, sd, sd_add, sd_slope, idx):
    n = _size(idx)
    hit, dG, x, nu, Gmin, Gmax, dw_min, A, gamma, w_span, sd, sd_add, sd_slope = _arrays(
        n, hit, dG, x, nu, Gmin, Gmax, dw_min, A, gamma, w_span, sd, sd_add, sd_slope)
    out = dG.copy()
    m = hit > 0.0
    k = int(m.sum())
    if k:
        lo, span, ws = Gmin[m], Gmax[m] - Gmin[m], w_span[m]
        w = ws * ((lo + dG[m]) * _drift_np(x[m], nu[m]) - lo) / span
        dw = set_step_fit(w, dw_min[m], A[m], gamma[m])
        s = sd[m] * (np.abs(dw) + sd_add[m] + sd_slope[m] * np.abs(w))
        out[m] = np.clip(w + dw + s * np.random.randn(k), 0.0, ws) * span / ws
    return _out(out, idx)


def _program_np(hit, dG, target, Gmin, Gmax, scale, c0, c1, c2, idx):
    n = _size(idx)
    hit, dG, target, Gmin, Gmax, scale, c0, c1, c2 = _arrays(
        n, hit, dG, target, Gmin, Gmax, scale, c0, c1, c2)
    out = dG.copy()
    m = hit > 0.0
    k = int(m.sum())
    if k:
        top = Gmax[m] - Gmin[m]
        d = np.clip(target[m], 0.0, top)
        sigma = _prog_sigma_np((Gmin[m] + d) / Gmax[m], scale[m], c0[m], c1[m], c2[m])
        out[m] = np.maximum(d + sigma * np.random.randn(k), -Gmin[m])
    return _out(out, idx)


def _reset_np(hit, dG, Gmin, Gmax, scale, c0, c1, c2, idx):
    return _program_np(hit, dG, 0.0, Gmin, Gmax, scale, c0, c1, c2, idx)


def _nu_np(hit, nu, g, drift_scale, idx):
    n = _size(idx)
    hit, nu, g, drift_scale = _arrays(n, hit, nu, g, drift_scale)
    out = nu.copy()
    m = hit > 0.0
    k = int(m.sum())
    if k:
        mu, sd = drift_exponent_fit(np.clip(g[m], G_FLOOR, 1.0))
        out[m] = drift_scale[m] * np.abs(mu + sd * np.random.randn(k))
    return _out(out, idx)


def _nu_mean_np(g, drift_scale):
    mu, _ = drift_exponent_fit(np.clip(np.asarray(g, dtype=float), G_FLOOR, 1.0))
    return drift_scale * mu


def _levels_np(hit, dG, span, levels, stochastic, idx):
    n = _size(idx)
    hit, dG, span, levels, stochastic = _arrays(n, hit, dG, span, levels, stochastic)
    out = dG.copy()
    m = (hit > 0.0) & (levels >= 2.0)
    if m.any():
        step = span[m] / (levels[m] - 1.0)
        r = np.zeros(int(m.sum()))
        s = stochastic[m]
        r[s != 0.0] = s[s != 0.0] * (np.random.rand(int((s != 0.0).sum())) - 0.5)
        out[m] = np.clip(np.floor(dG[m] / step + 0.5 + r), 0.0, levels[m] - 1.0) * step
    return _out(out, idx)


# name: (numpy function, argument units, return unit, random?)
_S = siemens
_SPECS = {
    "pcm_drift": (_drift_np, [1, 1], 1, False),
    "pcm_read_noise": (_read_noise_np, [1, 1, 1], 1, True),
    "pcm_coin": (_coin_np, [1, 1], 1, True),
    "pcm_program": (_program_np, [1, _S, _S, _S, _S, 1, _S, _S, _S], _S, True),
    "pcm_set": (_set_np, [1, _S, 1, 1, _S, _S, 1, 1, 1, 1, 1, 1, 1], _S, True),
    "pcm_reset": (_reset_np, [1, _S, _S, _S, 1, _S, _S, _S], _S, True),
    "pcm_nu": (_nu_np, [1, 1, 1, 1], 1, True),
    "pcm_levels": (_levels_np, [1, _S, _S, 1, 1], _S, True),
    "pcm_nu_mean": (_nu_mean_np, [1, 1], 1, False),
}
_USES_NORMAL = {"pcm_read_noise", "pcm_set", "pcm_reset", "pcm_program", "pcm_nu"}
#: kernels whose compiled code calls another kernel (which must come earlier in _SPECS)
_CALLS = {"pcm_reset": ("pcm_program",)}


def _library_function(name, cpp, cython, namespace=None, random=False):
    """A code-only Brian2 function that the kernels list as a dependency, so that its
    definitions enter a code object once, however many kernels use them."""
    f = Function(lambda *args: None, arg_units=[], return_unit=1, stateless=not random)
    deps = {"_rand": DEFAULT_FUNCTIONS["rand"]} if random else {}
    f.implementations.add_implementation("cpp", code=cpp, name=name, dependencies=deps)
    f.implementations.add_implementation("cython", code=cython, name=name, dependencies=deps,
                                         namespace=namespace)
    return f


_LIBRARY = _library_function("_pcm_clip", _LIBRARY_CPP, _LIBRARY_CYTHON)
_NORMAL = _library_function("_pcm_normal", _NORMAL_CPP, _NORMAL_CYTHON, random=True,
                            namespace={"_pcm_zig_x": _ZIG_X, "_pcm_zig_f": _ZIG_F})


def _make(name):
    pyfunc, arg_units, return_unit, random = _SPECS[name]
    f = Function(pyfunc, arg_units=arg_units, return_unit=return_unit,
                 stateless=not random, auto_vectorise=random)
    deps = {"_pcm_clip": _LIBRARY}
    if random:
        deps["_rand"] = DEFAULT_FUNCTIONS["rand"]
    if name in _USES_NORMAL:
        deps["_pcm_normal"] = _NORMAL
    for other in _CALLS.get(name, ()):
        deps["_" + other] = KERNELS[other]
    # the numpy version works on unitless SI values (Brian2 would check the return unit of the
    # default implementation; generated code passes plain numbers)
    f.implementations.add_numpy_implementation(pyfunc, discard_units=True)
    for target, code in (("cpp", _CPP[name]), ("cython", _CYTHON[name])):
        f.implementations.add_implementation(target, code=code.format(**_FITS), name="_" + name,
                                             dependencies=deps)
    return f


#: The kernels by the name a card uses.
KERNELS = {}
for _name in _SPECS:
    KERNELS[_name] = _make(_name)
del _name


def kernels_used(*code):
    """The kernels that the given code strings call, as a namespace dict.

    Parameters
    ----------
    *code : str
        Equations or statements of a card; other values (a card's non-string entries) are
        skipped.

    Returns
    -------
    dict of str to brian2.Function

    Examples
    --------
    >>> sorted(kernels_used("y = pcm_drift(x, nu)", "z = pcm_coin(1, 0.5)"))
    ['pcm_coin', 'pcm_drift']
    """
    text = "\n".join(c for c in code if isinstance(c, str) and c)
    return {name: f for name, f in KERNELS.items() if re.search(rf"\b{name}\s*\(", text)}
