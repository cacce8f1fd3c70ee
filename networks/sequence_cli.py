"""The ``spikesyn sequence`` subcommand: train and score the ST-STDP network and its controls.

Wire it into a parser with :func:`add_parser` and run it with :func:`run`::

    spikesyn sequence --seed 0 --classes 10 --size 16 --frames 10 --json
    spikesyn sequence --seed 1 --tau-F 200 --plot seq.png
    spikesyn sequence --energy --energy-plot energy.png

``--json`` prints one object; its ``accuracy`` maps each model (``st_stdp``, ``static``,
``nearest_neighbour``, ``mlp``) to ``{transform: accuracy, ..., "overall": accuracy}``.
``--energy`` adds the device energy of the input synapses per phase and in total next to a
digital estimate of the same operations (:func:`energy_summary`; under ``"energy"`` in JSON).
"""

from __future__ import annotations

import argparse
import json
import sys

from spikesyn.argtypes import number

__all__ = ["add_parser", "run", "config_from_args", "plot_result", "energy_summary",
           "format_energy", "total_report"]

EXIT_USAGE = 2


def _int_in(lo, hi):
    return number(int, lo, hi)


def _float_in(lo, hi, open_low=False):
    return number(float, lo, hi, low_open=open_low)


def add_parser(subparsers):
    """Add the ``sequence`` subcommand to an ``argparse`` subparsers object; return its parser."""
    from .sequence import LIMITS
    from spikesyn.digit_videos import CONDITIONS
    p = subparsers.add_parser(
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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    lim = LIMITS
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
    d.add_argument("--gamma1", type=_float_in(0, 10), default=0.01,
                   help="Hebbian step of F per output spike (nats per unit trace)")
    d.add_argument("--gamma2", type=_float_in(0, 10), default=0.003,
                   help="surprise-weighted step of F per output spike")
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
    p.set_defaults(func=lambda args, *rest: run(args))
    return p


def config_from_args(args):
    """A :class:`~spikesyn.networks.sequence.SequenceConfig` from parsed arguments."""
    from brian2 import ms, uS
    from .sequence import SequenceConfig
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
    return SequenceConfig(**kw)


def plot_result(path, result):
    """Accuracy versus occlusion level and accuracy per frame index, one line per model."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    bins = np.asarray(result.occlusion["bins"])
    mids = (bins[:-1] + np.minimum(bins[1:], 1.0)) / 2
    for name in result.accuracy:
        if name in result.occlusion:
            a1.plot(mids, result.occlusion[name], "o-", label=name)
        a2.plot(np.arange(len(result.by_frame[name])), result.by_frame[name], "o-", label=name)
    a1.set(xlabel="hidden fraction of the object", ylabel="accuracy", ylim=(0, 1.02),
           title="occluded sequences")
    a2.set(xlabel="frame", ylabel="accuracy", ylim=(0, 1.02), title="all sequences, per frame")
    a1.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def total_report(reports):
    """The sum of energy reports of the same synapses (for example the phases of one run).

    Parameters
    ----------
    reports : iterable of spikesyn.energy.EnergyReport
        Reports with the same event types and the same number of synapses.

    Returns
    -------
    spikesyn.energy.EnergyReport

    Examples
    --------
    >>> from brian2 import pjoule
    >>> from spikesyn.energy import EnergyReport
    >>> a = EnergyReport({"set": 1}, {"set": 5 * pjoule}, [5, 0] * pjoule)
    >>> b = EnergyReport({"set": 2}, {"set": 10 * pjoule}, [5, 5] * pjoule)
    >>> t = total_report([a, b])
    >>> t.counts, t.total
    ({'set': 3}, 15. * pjoule)
    """
    from spikesyn.energy import EnergyReport
    from spikesyn.errors import ParameterError
    reports = list(reports)
    if not reports:
        raise ParameterError("total_report needs at least one report")
    first = reports[0]
    counts, per_event, per_syn = dict(first.counts), dict(first.per_event), first.per_synapse
    for r in reports[1:]:
        if set(r.per_event) != set(per_event) or r.per_synapse.shape != per_syn.shape:
            raise ParameterError("total_report: the reports cover different events or synapses")
        counts = {k: v + r.counts.get(k, 0) for k, v in counts.items()}
        per_event = {k: v + r.per_event[k] for k, v in per_event.items()}
        per_syn = per_syn + r.per_synapse
    return EnergyReport(counts=counts, per_event=per_event, per_synapse=per_syn)


_NOT_COUNTED = ("the training-time refresh (w_norm reprogramming of dG between examples, done "
                "in Python), the neurons, the lateral inhibition and the peripheral circuits")


def energy_summary(result, figures=None):
    """Device energy of a sequence run next to the digital estimate, per phase and in total.

    Parameters
    ----------
    result : SequenceResult
        From :func:`~spikesyn.networks.sequence.run_sequence` (its ``energy`` and
        ``operations``).
    figures : spikesyn.energy_compare.DigitalEstimate, optional
        Per-operation energies (default ``HOROWITZ_45NM``).

    Returns
    -------
    dict
        ``card``, ``n_synapses``, ``phases`` (``{phase: comparison}``), ``total`` (the
        comparison of all phases together: every simulated event of the run),
        ``refreshes`` (training-time reprogramming steps, whose energy is not counted) and
        ``not_counted``; a comparison has the keys of
        :func:`spikesyn.networks.energy_cli.comparison`.

    Examples
    --------
    >>> from spikesyn.networks.sequence import SequenceConfig, run_sequence
    >>> res = run_sequence(SequenceConfig(n_classes=2, size=12, n_exc=4, exemplars=1,
    ...                    epochs=1, n_frames=2), baselines=False)          # doctest: +SKIP
    >>> sorted(energy_summary(res)["phases"])                               # doctest: +SKIP
    ['label', 'test_st_stdp', 'test_static', 'train']
    """
    from spikesyn.errors import ParameterError
    from .energy_cli import comparison
    if not getattr(result, "energy", None):
        raise ParameterError("this SequenceResult carries no energy reports: run "
                             "run_sequence again")
    ops_total = {}
    for ops in result.operations.values():
        for k, v in ops.items():
            ops_total[k] = ops_total.get(k, 0) + v
    total = total_report(result.energy.values())
    net = getattr(result, "network", None)
    return {
        "card": result.config.get("synapse_card"),
        "n_synapses": int(total.per_synapse.size),
        "phases": {phase: comparison(rep, result.operations[phase], figures=figures)
                   for phase, rep in result.energy.items()},
        "total": comparison(total, ops_total, figures=figures),
        # the NetworkOperation's refreshes and the last one after training
        "refreshes": None if net is None else
        int(net.n_refresh) + int(float(result.config.get("w_norm") or 0) > 0),
        "not_counted": _NOT_COUNTED,
    }


def format_energy(e):
    """The human-readable lines of :func:`energy_summary`'s dict."""
    from .energy_cli import _fmt_j, format_comparison
    lines = [f"device energy: card {e['card']}, {e['n_synapses']} input synapses",
             f"  {'phase':<16}{'device':>14}{'digital SRAM':>16}{'ratio':>9}"
             f"{'digital DRAM':>16}{'ratio':>9}"]

    def ratio(x):
        return "-" if x is None else f"{x:.3g}"

    for phase, d in [*e["phases"].items(), ("all phases", e["total"])]:
        r = d["ratio_digital_over_device"]
        lines.append(f"  {phase:<16}{_fmt_j(d['device_J']):>14}{_fmt_j(d['digital_J']['sram']):>16}"
                     f"{ratio(r['sram']):>9}{_fmt_j(d['digital_J']['dram']):>16}"
                     f"{ratio(r['dram']):>9}")
    lines.append("all phases:")
    lines += format_comparison(e["total"])
    refreshes = "" if e.get("refreshes") is None else f" ({e['refreshes']} refreshes)"
    lines.append(f"  not counted: {e['not_counted']}{refreshes}")
    if e.get("plot"):
        lines.append(f"energy plot written to {e['plot']}")
    return lines


def run(args):
    """Run the subcommand for parsed ``args``; return the exit status."""
    from spikesyn import compile_notice
    from spikesyn.errors import SpikesynError
    from .sequence import run_sequence
    if args.data == "digits":
        from .digit_sequence_cli import run_digits
        return run_digits(args)
    quiet = args.json
    want_energy = args.energy or args.energy_plot is not None
    try:
        config = config_from_args(args)
        transforms = None if args.transforms is None else tuple(
            t.strip() for t in args.transforms.split(",") if t.strip())
        from spikesyn.outputs import check_output
        for option, path in (("--plot", args.plot), ("--energy-plot", args.energy_plot)):
            if path is not None:
                check_output(path, option, image=True)
        from brian2 import prefs
        prefs.codegen.target = args.target
        import logging
        logging.getLogger("brian2").setLevel(logging.ERROR)
        from brian2 import BrianLogger
        BrianLogger.suppress_name("resolution_conflict")
        from spikesyn.messages import quiet as hide_order_warning
        hide_order_warning()
        kind = f"sequence-{config.synapse_card}-{config.neuron_card}"
        if args.target == "cython" and not quiet and compile_notice.needs_compile(kind):
            print("compiling, first run only (about 40 s) ...", file=sys.stderr, flush=True)
        result = run_sequence(config, transforms=transforms, baselines=not args.no_baselines,
                              progress=None if quiet else
                              (lambda m: print(m, file=sys.stderr, flush=True)))
    except SpikesynError as exc:
        print(f"spikesyn sequence: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.target == "cython":
        compile_notice.mark_compiled(kind)
    if args.plot is not None:
        from spikesyn.outputs import atomic_write
        try:
            atomic_write(args.plot, lambda tmp: plot_result(tmp, result))
        except (SpikesynError, OSError) as exc:
            print(f"spikesyn sequence: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    energy = None
    if want_energy:
        from spikesyn.cli import CliError, _atomic_write
        energy = {**energy_summary(result), "plot": args.energy_plot}
        if args.energy_plot is not None:
            report = total_report(result.energy.values())
            try:
                _atomic_write(args.energy_plot, lambda tmp: report.plot_histogram(tmp))
            except (CliError, OSError) as exc:
                print(f"spikesyn sequence: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
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
    return 0
