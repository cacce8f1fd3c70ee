"""``spikesyn sequence --data digits``: the soft winner-take-all network on occluded digit videos.

The options are :mod:`spikesyn.cli.sequence`'s (one ``sequence`` command for both data sets);
this module runs the digits branch and prints the table or one JSON object::

    spikesyn sequence --seed 0 --json
    spikesyn sequence --videos 50 --plot digits.png

``--json`` prints ``{"accuracy": {model: {condition: accuracy, "occlude_erase_hidden": ...,
"occlude_bright_hidden": ...}}, "n_videos": {condition: n}, "seed": K, "chance": 0.1, ...}``.
Options of the glyph network are refused with ``--data digits``:

>>> sorted(GLYPH_ONLY)[:4]
['classes', 'decode', 'encoding', 'energy']
"""

from __future__ import annotations

import json
import math
from contextlib import nullcontext

from brian2 import ms

from spikesyn.cli.command import EXIT_OK
from spikesyn.cli.console import first_run, progress_lines
from spikesyn.cli.outputs import check_output_paths, write_output_set
from spikesyn.digit_videos import CONDITIONS
from spikesyn.errors import CliError
from spikesyn.messages import quiet as hide_order_warning
from spikesyn.networks.digit_experiment import run_digit_sequence
from spikesyn.networks.digit_sequence import DigitSequenceConfig
from spikesyn.plot import DIGIT_MODEL_ORDER, plot_digit_sequence

__all__ = ["run_digits", "GLYPH_ONLY"]

#: Options of the glyph network, refused with --data digits when set.
GLYPH_ONLY = {"classes": 10, "size": 16, "exemplars": 5, "sequences": 1, "gamma_F": None,
              "w_norm": 0.1, "encoding": "pixel", "decode": "mean", "occlusion": 0.6,
              "transforms": None, "energy": False, "energy_plot": None}
_SHORT = {"untransformed": "untransf", "occlude_erase": "erase", "occlude_bright": "bright",
          "noise": "noise", "shuffled": "shuffled", "occlude_erase_hidden": "erase>=50%",
          "occlude_bright_hidden": "bright>=50%"}


def _config(args):
    kw = dict(n_neurons=args.neurons, frame=args.frame_ms * ms, gamma1=args.gamma1,
              gamma2=args.gamma2, batch=args.batch, synapse=args.synapse)
    if args.epochs is not None:
        kw["epochs"] = args.epochs
    if args.tau_F is not None:
        kw["tau_F"] = args.tau_F * ms
    return DigitSequenceConfig(**kw)


def _table(result):
    keys = list(next(iter(result.accuracy.values())))
    lines = ["model              " + " ".join(f"{_SHORT.get(k, k)[:11]:>11s}" for k in keys)]
    for name in [m for m in DIGIT_MODEL_ORDER if m in result.accuracy]:
        acc = result.accuracy[name]
        cells = ["        nan" if math.isnan(acc.get(k, math.nan)) else f"{acc[k]:11.3f}" for k in keys]
        lines.append(f"{name:18s} " + " ".join(cells))
    lines.append(f"chance {result.chance:.3f}; {next(iter(result.n_videos.values()))} videos per "
                 f"condition; accuracy = fraction of frames classified right (>=50%: frames with "
                 f"at least half the ink hidden); st_stdp and static differ only in F")
    lines.append(f"({result.timing['total_s']:.0f} s)")
    return lines


def _conditions(text):
    conditions = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise CliError(f"--conditions: {','.join(unknown) or 'none given'}: choose from "
                       f"{', '.join(CONDITIONS)}")
    return conditions


def run_digits(args):
    """Run ``spikesyn sequence --data digits`` for parsed ``args``; return the exit status."""
    quiet = args.json
    glyph_set = [k for k, v in GLYPH_ONLY.items() if getattr(args, k, v) != v]
    if glyph_set:
        opt = "--" + glyph_set[0].replace("_", "-")
        raise CliError(f"{opt} belongs to --data glyphs; the digit network does not take it")
    conditions = _conditions(args.conditions)
    check_output_paths([("--plot", args.plot, True)])
    config = _config(args)
    hide_order_warning()
    baselines = () if args.no_baselines else ("nearest_neighbour", "mlp", "mlp_occluded")
    notice = (first_run("sequence-digits-soft_wta", "60", show=not quiet)
              if args.target == "cython" else nullcontext())
    with notice:
        result = run_digit_sequence(config, n_videos=args.videos,
                                    n_frames=20 if args.frames is None else args.frames,
                                    n_train=args.train_per_class, seed=args.seed,
                                    conditions=conditions, baselines=baselines,
                                    target=args.target, progress=progress_lines(quiet))
    if args.json:
        print(json.dumps(result.to_dict(), allow_nan=True))
    else:
        print("\n".join(_table(result)))
    if args.plot is not None:
        write_output_set([(args.plot, lambda tmp: plot_digit_sequence(tmp, result))])
    return EXIT_OK
