"""``spikesyn sequence``: train and score the short-term-STDP network and its controls.

``--data digits`` (default) runs the soft winner-take-all network on occluded digit videos
(:mod:`spikesyn.cli.sequence_digits`); ``--data glyphs`` the memtransistor network on glyph
sequences. ``--json`` prints one object; for glyphs its ``accuracy`` maps each model
(``st_stdp``, ``static``, ``nearest_neighbour``, ``mlp``) to ``{transform: accuracy, ...,
"overall": accuracy}``. ``--energy`` adds the device energy of the input synapses per phase and
in total next to a digital estimate of the same operations (under ``"energy"`` in JSON).

Examples
--------
Shell::

    spikesyn sequence --data glyphs --seed 0 --classes 10 --size 16 --frames 10 --json
    spikesyn sequence --data glyphs --seed 1 --tau-F 200 --plot seq.png
    spikesyn sequence --data glyphs --energy --energy-plot energy.png

>>> from spikesyn.cli import build_parser
>>> args = build_parser().parse_args(["sequence", "--data", "glyphs", "--classes", "4"])
>>> config = config_from_args(args)
>>> config.n_classes, config.n_frames
(4, 10)
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext

from brian2 import BrianLogger, ms, uS

from spikesyn.cli.argtypes import number
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.cli.console import first_run, progress_lines
from spikesyn.cli.outputs import check_output_paths, write_output_set
from spikesyn.digit_videos import CONDITIONS
from spikesyn.energy import total_report
from spikesyn.messages import quiet as hide_order_warning
from spikesyn.networks import sequence as glyph_sequence
from spikesyn.networks.digit_sequence import SYNAPSE_CARDS, DigitSequenceConfig
from spikesyn.networks.sequence_energy import energy_summary, format_energy
from spikesyn.plot import plot_histogram, plot_sequence

__all__ = ["COMMAND", "config_from_args"]

_DIGITS = DigitSequenceConfig()


def _int_in(lo, hi):
    return number(int, lo, hi)


def _float_in(lo, hi, open_low=False):
    return number(float, lo, hi, low_open=open_low)


def _add_arguments(p):
    lim = glyph_sequence.LIMITS
    p.add_argument("--data", choices=("digits", "glyphs"), default="digits",
                   help="the data set and its network")
    p.add_argument("--seed", type=_int_in(0, 2**31 - 1), default=0, help="seed (data and network)")
    p.add_argument("--neurons", type=_int_in(*lim["n_exc"]), default=100,
                   help="winner-take-all neurons")
    p.add_argument("--epochs", type=_int_in(0, 1000), default=None,
                   help="passes over the training set (None: 3 for digits, 5 for glyphs)")
    p.add_argument("--frames", type=_int_in(*lim["n_frames"]), default=None,
                   help="frames per test video (None: 20 for digits, 10 for glyphs)")
    p.add_argument("--frame-ms", type=_float_in(0, 10_000, open_low=True), default=50.0,
                   help="frame duration in ms")
    p.add_argument("--tau-F", dest="tau_F", type=_float_in(0, 1e7, open_low=True), default=None,
                   help="decay of the short-term part F in ms (None: the network's, 250 ms for digits)")
    d = p.add_argument_group("digits")
    d.add_argument("--videos", type=_int_in(1, 100_000), default=300,
                   help="test videos per condition")
    d.add_argument("--train-per-class", type=_int_in(1, 450), default=300,
                   help="training digits per class")
    d.add_argument("--gamma1", type=_float_in(0, 10), default=_DIGITS.gamma1,
                   help="Hebbian step of F per output spike (nats per unit trace)")
    d.add_argument("--gamma2", type=_float_in(0, 10), default=_DIGITS.gamma2,
                   help="surprise-weighted step of F per output spike")
    d.add_argument("--synapse", choices=SYNAPSE_CARDS, default=_DIGITS.synapse,
                   help="synapse card at test time (the layer always learns with em_stdp): the ideal "
                        "card, W on PCM memtransistors with F on their gates, or W and F in SrTiO3")
    d.add_argument("--conditions", default=",".join(CONDITIONS),
                   help="comma-separated test conditions")
    d.add_argument("--batch", type=_int_in(1, 100_000), default=100,
                   help="videos simulated at once (memory grows with it)")
    g = p.add_argument_group("glyphs")
    g.add_argument("--classes", type=_int_in(*lim["n_classes"]), default=10)
    g.add_argument("--size", type=_int_in(*lim["size"]), default=16, help="image side, pixels")
    g.add_argument("--exemplars", type=_int_in(*lim["exemplars"]), default=5,
                   help="training exemplars per class")
    g.add_argument("--sequences", type=_int_in(*lim["sequences_per_class"]), default=1,
                   help="test sequences per class and transform")
    g.add_argument("--gamma-F", dest="gamma_F", type=_float_in(0, 1000), default=None,
                   help="F increase per coincidence in uS (None: this network's)")
    g.add_argument("--w-norm", dest="w_norm", type=_float_in(0, 1), default=0.1,
                   help="training-time refresh: each neuron's incoming dG is rescaled to "
                        "w_norm x inputs x (Gmax - Gmin) before each example (0: off)")
    g.add_argument("--encoding", choices=("pixel", "total"), default="pixel",
                   help="input rates: pixel (a fixed rate per unit of pixel value, default) or "
                        "total (each frame scaled to the same total rate)")
    g.add_argument("--decode", choices=("mean", "sum"), default="mean",
                   help="frame decoding: mean (default) or summed spikes of each label's neurons")
    g.add_argument("--occlusion", type=_float_in(0, 1), default=0.6,
                   help="largest hidden fraction of the object in occluded sequences, in [0, 1]")
    g.add_argument("--transforms", default=None,
                   help="comma-separated test transforms (default: all of the data set's)")
    p.add_argument("--no-baselines", action="store_true", help="skip the non-spiking baselines")
    p.add_argument("--target", choices=("cython", "numpy"), default="cython",
                   help="Brian2 code generation target (default cython)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="PNG", default=None,
                   help="write accuracy vs occlusion and per-frame accuracy to this PNG")
    g.add_argument("--energy", action="store_true",
                   help="also report the device energy of the input synapses (per event type, "
                        "per phase, in total) next to a digital estimate of the same "
                        "operations and the ratio (JSON: under \"energy\")")
    g.add_argument("--energy-plot", metavar="PNG", default=None,
                   help="write the per-synapse energy histogram of the whole run (implies --energy)")


def config_from_args(args):
    """A :class:`~spikesyn.networks.sequence.SequenceConfig` from parsed arguments."""
    kw = dict(n_classes=args.classes, size=args.size, n_exc=args.neurons,
              exemplars=args.exemplars, epochs=5 if args.epochs is None else args.epochs,
              n_frames=10 if args.frames is None else args.frames,
              sequences_per_class=args.sequences, frame=args.frame_ms * ms,
              occlusion=args.occlusion, seed=args.seed, w_norm=args.w_norm,
              decode=args.decode, encoding=args.encoding)
    if args.tau_F is not None:
        kw["tau_F"] = args.tau_F * ms
    if args.gamma_F is not None:
        kw["gamma_F"] = args.gamma_F * uS
    return glyph_sequence.SequenceConfig(**kw)


def _run(args, parser):
    if args.data == "digits":
        # a lazy door: the digit experiment loads scikit-learn, which the parser does not need
        from spikesyn.cli.sequence_digits import run_digits
        return run_digits(args)
    quiet = args.json
    want_energy = args.energy or args.energy_plot is not None
    config = config_from_args(args)
    transforms = None if args.transforms is None else tuple(
        t.strip() for t in args.transforms.split(",") if t.strip())
    check_output_paths([("--plot", args.plot, True), ("--energy-plot", args.energy_plot, True)])
    logging.getLogger("brian2").setLevel(logging.ERROR)
    BrianLogger.suppress_name("resolution_conflict")
    hide_order_warning()
    kind = f"sequence-{config.synapse_card}-{config.neuron_card}"
    with first_run(kind, "40", show=not quiet) if args.target == "cython" else nullcontext():
        result = glyph_sequence.run_sequence(config, transforms=transforms,
                                             baselines=not args.no_baselines, target=args.target,
                                             progress=progress_lines(quiet))
    if args.plot is not None:
        write_output_set([(args.plot, lambda tmp: plot_sequence(tmp, result))])
    energy = None
    if want_energy:
        energy = {**energy_summary(result), "plot": args.energy_plot}
        if args.energy_plot is not None:
            report = total_report(result.energy.values())
            write_output_set([(args.energy_plot, lambda tmp: plot_histogram(report, tmp))])
    if args.json:
        d = result.to_dict()
        if energy is not None:
            d["energy"] = energy
        print(json.dumps(d, allow_nan=True))
    else:
        names = list(next(iter(result.accuracy.values())))
        print("model              " + " ".join(f"{n[:9]:>9s}" for n in names))
        for model, acc in result.accuracy.items():
            print(f"{model:18s} " + " ".join(f"{acc[n]:9.3f}" for n in names))
        print(f"({result.timing['total_s']:.1f} s)")
        if energy is not None:
            print("\n".join(format_energy(energy)))
    return EXIT_OK


COMMAND = Command(
    "sequence",
    help="train a short-term-STDP spiking network on static digits (or glyphs) and score it "
         "frame by frame on occluded videos (with F = 0 and ANN baselines)",
    description="--data digits (default): train the soft winner-take-all network (cards "
                "poisson_trace, soft_wta, em_stdp) on static MNIST digits by spike-based EM, "
                "then score it frame by frame on videos of held-out digits (untransformed, "
                "occluded by an erasing or a bright bar, noisy, and a shuffled control) with "
                "the short-term part F on (st_stdp) and off (static, same input spikes), next "
                "to 1-NN, an MLP, an MLP trained on occluded frames and a leaky average of the "
                "static network's scores (smoothing). Needs the digits extra: "
                "pip install \"spikesyn[digits]\". --data glyphs: the earlier memtransistor "
                "network on procedural glyph sequences.",
    add_arguments=_add_arguments, run=_run, show_defaults=True)
