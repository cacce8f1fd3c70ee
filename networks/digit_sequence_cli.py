"""``spikesyn sequence --data digits``: the soft winner-take-all network on occluded digit videos.

The parser lives in :mod:`spikesyn.networks.sequence_cli` (one ``sequence`` command for both
data sets); this module runs the digits branch, prints the table or one JSON object, and draws
the figure::

    spikesyn sequence --seed 0 --json
    spikesyn sequence --videos 50 --plot digits.png

``--json`` prints ``{"accuracy": {model: {condition: accuracy, "occlude_erase_hidden": ...,
"occlude_bright_hidden": ...}}, "n_videos": {condition: n}, "seed": K, "chance": 0.1, ...}``.
Options of the glyph network are refused with ``--data digits``:

>>> from spikesyn.networks.digit_sequence_cli import GLYPH_ONLY
>>> sorted(GLYPH_ONLY)[:4]
['classes', 'decode', 'encoding', 'energy']
"""

from __future__ import annotations

import json
import math
import sys

from brian2 import ms

from spikesyn.errors import SpikesynError
from spikesyn.outputs import atomic_write, check_output

__all__ = ["run_digits", "plot_digit_result", "GLYPH_ONLY"]

EXIT_USAGE = 2

#: Options of the glyph network, refused with --data digits when set.
GLYPH_ONLY = {"classes": 10, "size": 16, "exemplars": 5, "sequences": 1, "gamma_F": None,
              "w_norm": 0.1, "encoding": "pixel", "decode": "mean", "occlusion": 0.6,
              "transforms": None, "energy": False, "energy_plot": None}
_MODEL_ORDER = ("st_stdp", "static", "smoothing", "nearest_neighbour", "mlp", "mlp_occluded")


def _config(args):
    from spikesyn.networks.digit_sequence import DigitSequenceConfig
    kw = dict(n_neurons=args.neurons, frame=args.frame_ms * ms, gamma1=args.gamma1,
              gamma2=args.gamma2, batch=args.batch)
    if args.epochs is not None:
        kw["epochs"] = args.epochs
    if args.tau_F is not None:
        kw["tau_F"] = args.tau_F * ms
    return DigitSequenceConfig(**kw)


def plot_digit_result(path, result):
    """Per-frame accuracy along occluded videos and accuracy against the hidden ink fraction.

    Parameters
    ----------
    path : str
        PNG file to write.
    result : DigitSequenceResult
    """
    import matplotlib.pyplot as plt
    import numpy as np
    conds = [c for c in ("occlude_erase", "occlude_bright") if c in result.n_videos]
    if not conds:
        conds = list(result.n_videos)[:1]
    fig, axes = plt.subplots(2, len(conds), figsize=(5.5 * len(conds), 7.5), squeeze=False)
    bins = np.asarray(result.hidden_bins)
    mids = (bins[:-1] + bins[1:]) / 2
    for col, cond in enumerate(conds):
        top, bottom = axes[0, col], axes[1, col]
        for name in _MODEL_ORDER:
            if name not in result.per_frame or cond not in result.per_frame[name]:
                continue
            style = dict(lw=2.5) if name == "st_stdp" else dict(lw=1.2)
            pf = result.per_frame[name][cond]
            top.plot(np.arange(len(pf)), pf, "o-", ms=3, label=name, **style)
            bottom.plot(mids, result.by_hidden[name][cond], "o-", ms=3, label=name, **style)
        top.axhline(result.chance, color="grey", ls=":", lw=1)
        bottom.axhline(result.chance, color="grey", ls=":", lw=1)
        top.set(title=f"{cond}: accuracy along the video", xlabel="frame", ylabel="accuracy",
                ylim=(0, 1.02))
        bottom.set(title=f"{cond}: accuracy against occlusion", xlabel="fraction of the ink hidden",
                   ylabel="accuracy", ylim=(0, 1.02))
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _table(result):
    keys = list(next(iter(result.accuracy.values())))
    short = {"untransformed": "untransf", "occlude_erase": "erase", "occlude_bright": "bright",
             "noise": "noise", "shuffled": "shuffled", "occlude_erase_hidden": "erase>=50%",
             "occlude_bright_hidden": "bright>=50%"}
    lines = ["model              " + " ".join(f"{short.get(k, k)[:11]:>11s}" for k in keys)]
    for name in [m for m in _MODEL_ORDER if m in result.accuracy]:
        acc = result.accuracy[name]
        cells = ["        nan" if math.isnan(acc.get(k, math.nan)) else f"{acc[k]:11.3f}" for k in keys]
        lines.append(f"{name:18s} " + " ".join(cells))
    lines.append(f"chance {result.chance:.3f}; {next(iter(result.n_videos.values()))} videos per "
                 f"condition; accuracy = fraction of frames classified right (>=50%: frames with "
                 f"at least half the ink hidden); st_stdp and static differ only in F")
    lines.append(f"({result.timing['total_s']:.0f} s)")
    return lines


def run_digits(args):
    """Run ``spikesyn sequence --data digits`` for parsed ``args``; return the exit status."""
    from brian2 import prefs

    from spikesyn import compile_notice
    from spikesyn.messages import quiet as hide_order_warning
    from spikesyn.digit_videos import CONDITIONS
    from spikesyn.networks.digit_experiment import run_digit_sequence
    quiet = args.json
    say = None if quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    try:
        glyph_set = [k for k, v in GLYPH_ONLY.items() if getattr(args, k, v) != v]
        if glyph_set:
            opt = "--" + glyph_set[0].replace("_", "-")
            raise SpikesynError(f"{opt} belongs to --data glyphs; the digit network does not take it")
        conditions = tuple(c.strip() for c in args.conditions.split(",") if c.strip())
        unknown = [c for c in conditions if c not in CONDITIONS]
        if unknown or not conditions:
            raise SpikesynError(f"--conditions: {','.join(unknown) or 'none given'}: choose from "
                                f"{', '.join(CONDITIONS)}")
        if args.plot is not None:
            check_output(args.plot, "--plot", image=True)
        config = _config(args)
        prefs.codegen.target = args.target
        hide_order_warning()
        kind = "sequence-digits-soft_wta"
        if args.target == "cython" and not quiet and compile_notice.needs_compile(kind):
            print("compiling, first run only (about 60 s) ...", file=sys.stderr, flush=True)
        baselines = () if args.no_baselines else ("nearest_neighbour", "mlp", "mlp_occluded")
        result = run_digit_sequence(config, n_videos=args.videos,
                                    n_frames=20 if args.frames is None else args.frames,
                                    n_train=args.train_per_class, seed=args.seed,
                                    conditions=conditions, baselines=baselines,
                                    target=args.target, progress=say)
    except SpikesynError as exc:
        print(f"spikesyn sequence: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.target == "cython":
        compile_notice.mark_compiled(kind)
    if args.json:
        print(json.dumps(result.to_dict(), allow_nan=True))
    else:
        print("\n".join(_table(result)))
    if args.plot is not None:
        try:
            atomic_write(args.plot, lambda tmp: plot_digit_result(tmp, result))
        except (SpikesynError, OSError) as exc:
            print(f"spikesyn sequence: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    return 0
