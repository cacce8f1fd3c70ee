"""Speed of the max-cut thresholder's normal-number generators.

Its tables are in the git history of RESULTS_maxcut.md.

The max-cut network draws one standard normal number per neuron read (networks/maxcut.py,
``_read_noise_function``). This script times whole ``spikesyn.maxcut`` calls at a fixed number
of sweeps with three Cython generators on the same xorshift128+ uniforms, interleaved run by
run so that the machine's speed changes hit all three alike:

* ``polar``: Marsaglia's polar method as first used (two uniforms, a log and a sqrt per pair
  of normals; the Cython functions may raise, so every call is followed by an error check);
* ``polar_noexcept``: the same, declared ``noexcept`` (the shipped generator);
* ``ziggurat``: the ziggurat loop of spikesyn.devices.kernels on the same uniforms,
  ``noexcept`` (within the machine's noise of ``polar_noexcept``).

Usage::

    python benchmarks/maxcut_read_noise.py G22 --sweeps 20000 --repeats 5
    python benchmarks/maxcut_read_noise.py G1 --sweeps 8000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from maxcut_gset import gset_dir, load  # noqa: E402


def _ziggurat_code():
    """The ziggurat variant, put together from the shipped pieces: the xorshift128+ step of
    maxcut's generator and the ziggurat loop of spikesyn.devices.kernels (``_pcm_normal``),
    the loop fed by that xorshift stream instead of Brian2's ``rand()``."""
    import spikesyn.networks.maxcut as mc
    from spikesyn.devices.kernels import _NORMAL_CYTHON
    xorshift = mc._READ_NOISE_CYTHON[:mc._READ_NOISE_CYTHON.index("cdef double _read_noise(")]
    uniform = "(<double> (_read_noise_next(_namespace_read_noise_state) >> 11) * 1.1102230246251565e-16)"
    return (xorshift + _NORMAL_CYTHON.replace("_rand(_idx)", uniform)
            + "\ncdef double _read_noise(int _idx) noexcept:\n    return _pcm_normal(_idx)\n")


def _generator(code, namespace=None):
    """A replacement for maxcut's ``_read_noise_function`` that compiles ``code`` instead."""
    import spikesyn.networks.maxcut as mc
    shipped = mc._read_noise_function     # the original, also while the variant is patched in
    return lambda seed: shipped(seed, code=code, namespace=namespace)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("graph", help="Gset graph name, e.g. G22")
    p.add_argument("--sweeps", type=int, default=20000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    d = gset_dir()
    if d is None:
        print("Gset data not found (set SPIKESYN_GSET_DIR); nothing to do.")
        return 0
    import spikesyn.networks.maxcut as mc
    from spikesyn.devices.kernels import _ZIG_F, _ZIG_X
    shipped = mc._read_noise_function
    variants = {
        "polar": _generator(mc._READ_NOISE_CYTHON.replace(" noexcept:", ":")),
        "polar_noexcept": shipped,
        "ziggurat": _generator(_ziggurat_code(), {"_pcm_zig_x": _ZIG_X, "_pcm_zig_f": _ZIG_F}),
    }
    G = load(d, args.graph)
    times = {k: [] for k in variants}
    cuts = {k: [] for k in variants}
    try:
        for name, make in variants.items():  # compile outside the timing
            mc._read_noise_function = make
            mc.maxcut(G, sweeps=20, seed=0)
        for rep in range(args.repeats):
            for name, make in variants.items():
                mc._read_noise_function = make
                t0 = time.perf_counter()
                r = mc.maxcut(G, sweeps=args.sweeps, seed=rep)
                times[name].append(time.perf_counter() - t0)
                cuts[name].append(r.cut)
    finally:
        mc._read_noise_function = shipped
    base = statistics.median(times["polar"])
    print(f"{args.graph}, {args.sweeps} sweeps per call, seeds 0-{args.repeats - 1}, whole calls (build included)\n")
    print("| generator | median s | vs polar | per run (s) | cuts |")
    print("|---|---|---|---|---|")
    for name in variants:
        med = statistics.median(times[name])
        print(f"| {name} | {med:.2f} | {100 * (med / base - 1):+.0f} % | "
              f"{', '.join(f'{t:.2f}' for t in times[name])} | {', '.join(f'{c:g}' for c in cuts[name])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
