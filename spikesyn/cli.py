"""The ``spikesyn`` command line.

Subcommands are registered in :func:`build_parser` (one ``_add_<name>`` function each), so a new
job (``sequence``, ``energy``, ...) adds a function and a line there.

Examples
--------
Shell::

    spikesyn maxcut --demo
    spikesyn maxcut G1.txt --time-limit 10 --seed 1 --json
    spikesyn maxcut graph.graphml --out partition.txt --plot cut.png
    spikesyn maxcut --demo --energy --energy-plot reads.png
    spikesyn cards
    spikesyn cards pcm
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from spikesyn.argtypes import number
from spikesyn.checks import SEED_MAX

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
_PROGRESS_AFTER_S = 2.0


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


# --------------------------------------------------------------------------- helpers
def _atomic_write(path, write):
    """Write one output file whole or not at all (:func:`spikesyn.outputs.atomic_write`);
    a path that cannot take it is a :class:`CliError`."""
    from spikesyn.outputs import OutputPathError, atomic_write
    try:
        atomic_write(path, write)
    except OutputPathError as exc:
        raise CliError(str(exc)) from None


def check_output_paths(outputs):
    """Check every output path of a command before any work starts.

    Parameters
    ----------
    outputs : list of (option, path, image)
        ``option`` as the user typed it (``"--plot"``), the path (None: option not given), and
        whether the output is a matplotlib figure (then its suffix must be one matplotlib
        writes).

    Raises
    ------
    CliError
        One line naming the option and the path: missing or unwritable directory, a directory
        or device, an unsupported image suffix, or two options naming the same file.

    Examples
    --------
    >>> check_output_paths([("--out", "part.txt", False), ("--plot", None, True)])
    >>> check_output_paths([("--plot", "cut.txt", True)])
    Traceback (most recent call last):
    ...
    spikesyn.cli.CliError: --plot cut.txt: matplotlib cannot write '.txt' images (use .png, .pdf, .svg, ...)
    """
    from spikesyn.outputs import OutputPathError, check_output, is_device_or_fifo
    seen = {}
    for option, path, image in outputs:
        if path is None:
            continue
        try:
            check_output(path, option, image=image)
        except OutputPathError as exc:
            raise CliError(str(exc)) from None
        key = os.path.realpath(path)
        if key in seen and not is_device_or_fifo(key):
            raise CliError(f"{option} {path}: the same file as {seen[key]}")
        seen[key] = option


_positive_seconds = number(float, 0, low_open=True, unit="seconds")
_positive_int = number(int, 1)
_finite_float = number(float)


# --------------------------------------------------------------------------- maxcut
# The largest cut known for demo_graph(): 490, reached by 20 of 40 restarts of a plain
# simulated annealing (Metropolis single flips, 600 temperatures from 3 down to 0.05, numpy);
# no restart found more, but optimality is not proven. Bit k of DEMO_BEST_PARTITION, counted
# from the most significant of 200 bits, is the side of node k.
DEMO_BEST_KNOWN = 490.0
DEMO_BEST_PARTITION = 0x2fd8480bc6ffab70e42ec5e3e3261bd81d2503cfdb6fa37e6a


def demo_best_partition():
    """The partition of :func:`demo_graph` with the best known cut, :data:`DEMO_BEST_KNOWN`.

    Examples
    --------
    >>> from spikesyn.networks.maxcut import cut_value
    >>> cut_value(demo_graph(), demo_best_partition()) == DEMO_BEST_KNOWN
    True
    """
    bits = format(DEMO_BEST_PARTITION, "0200b")
    return [{k for k, b in enumerate(bits) if b == "1"}, {k for k, b in enumerate(bits) if b == "0"}]


def demo_graph():
    """The built-in demo graph: a 200-node random graph with +1/-1 weights (fixed seed).

    Examples
    --------
    >>> G = demo_graph()
    >>> G.number_of_nodes()
    200
    """
    import networkx as nx
    import numpy as np

    G = nx.gnm_random_graph(200, 1200, seed=2024)
    rng = np.random.default_rng(2024)
    for (u, v), w in zip(G.edges, rng.choice([-1.0, 1.0], size=G.number_of_edges(), p=[0.3, 0.7])):
        G[u][v]["weight"] = float(w)
    return G


def _add_maxcut(sub):
    from spikesyn.graphio import FORMATS
    from spikesyn.networks.maxcut import DEFAULT_RESTARTS, RESTART_PLANS, max_workers

    p = sub.add_parser(
        "maxcut", help="solve max-cut on a graph file with a noisy Hopfield spiking network",
        description="Find a large cut of a weighted graph with a noisy Hopfield network of "
                    "stochastic binary spiking neurons on PCM synapses (Brian2).",
        epilog="exit status: 0 solved (Ctrl-C or SIGTERM during the solve: the best result so "
               "far), 2 bad input (file, format, option, output path, or a size the memory cannot "
               "hold; checked before the solve), 130 interrupted before any result. Output files "
               "are written whole or not at all, through symbolic links; devices are never replaced.")
    p.add_argument("graph", nargs="?",
                   help="graph file (Gset/rudy, edge list, GML, GraphML, Matrix Market); nodes keep "
                        "the file's labels, so Gset/rudy and Matrix Market nodes count from 1")
    p.add_argument("--demo", action="store_true", help="solve a built-in 200-node graph instead of a file")
    p.add_argument("--format", choices=FORMATS, default="auto", help="file format (default: auto)")
    p.add_argument("--time-limit", type=_positive_seconds, metavar="S",
                   help="simulation budget in seconds, counted from the first simulated step (after "
                        "building and compiling); anneals repeat until it runs out (default: no "
                        "limit, one anneal of --sweeps)")
    p.add_argument("--sweeps", type=_positive_int, metavar="N", help="sweeps per anneal (default 1000)")
    p.add_argument("--restarts", choices=RESTART_PLANS, default=DEFAULT_RESTARTS,
                   help="with --time-limit: doubling anneals then one that fills the budget "
                        "(double, default), anneals of --sweeps (repeat), or doubling anneals then "
                        "anneals from the best state at lower noise (reheat), or a shorter filling anneal "
                        "followed by such anneals (mixed)")
    p.add_argument("--replicas", type=_positive_int, metavar="R",
                   help="replicas run together in each worker (default 16, fewer above 1000 nodes)")
    p.add_argument("--workers", type=number(int, 1, max_workers(), why=" (four per CPU core)"),
                   default=1, metavar="K",
                   help="processes solving side by side, each with its replicas and random stream; "
                        "the best cut wins (default 1; up to one per CPU core pays)")
    p.add_argument("--seed", type=number(int, 0, SEED_MAX), metavar="K",
                   help="random seed (same seed, same answer; default: a fresh one, printed with "
                        "the result)")
    p.add_argument("--target", type=_finite_float, metavar="CUT",
                   help="stop when a cut this large is found (default: none)")
    p.add_argument("--device", default="pcm", metavar="NAME",
                   help="synapse device: pcm (default), pcm-prog, pcm-4bit, pcm-aged, ideal, noiseless")
    p.add_argument("--codegen", choices=("auto", "cython", "numpy"), default="auto",
                   help="Brian2 runtime target (default auto: cython when a compiler works)")
    p.add_argument("--out", metavar="FILE",
                   help="write the partition: one 'node side' line per node, nodes in natural "
                        "order of their labels (default: not written)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="plot the cut-versus-time trace and the graph if small (default: no plot)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the result")
    p.add_argument("--energy", action="store_true",
                   help="also report the device energy of the coupling reads (one read of a PCM "
                        "pair per flip and neighbour) next to a digital estimate of the same "
                        "synaptic events, and the ratio (JSON: under \"energy\")")
    p.add_argument("--energy-plot", metavar="FILE.png",
                   help="write the per-synapse read-energy histogram (implies --energy; "
                        "default: no plot)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run_maxcut)
    return p


def _progress_printer(quiet):
    state = {"printed": False}

    def line(info):
        print(f"\r  {info['elapsed']:6.1f} s   best cut {info['best']:g}   sweeps {info['sweeps']}   ",
              end="", file=sys.stderr, flush=True)

    def show(info):
        if quiet or info["elapsed"] < _PROGRESS_AFTER_S:
            return
        state["printed"] = True
        line(info)

    def done(final=None):
        # a run that ends less than a progress period after its last line (the first run of a
        # graph size: the line printed once compilation is over) would otherwise leave that
        # line, with its early numbers, on screen
        if state["printed"]:
            if final is not None:
                line(final)
            print(file=sys.stderr, flush=True)

    return show, done


def _partition_writer(partition):
    def write(name):
        with open(name, "w", encoding="utf-8") as fh:
            fh.write("# node side\n")
            for side, nodes in enumerate(partition):
                for u in sorted(nodes, key=natural_key):
                    fh.write(f"{u} {side}\n")
    return write


def write_partition(path, partition):
    """Write a partition as ``label side`` lines (side 0 or 1), whole or not at all."""
    _atomic_write(path, _partition_writer(partition))


def _plot_writer(path, G, result, max_nodes=300):
    fmt = Path(path).suffix.lstrip(".").lower() or "png"

    def write(name):
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        small = G is not None and G.number_of_nodes() <= max_nodes
        fig, axes = plt.subplots(1, 2 if small else 1, figsize=(11 if small else 6, 4.5))
        try:
            axes = list(axes) if small else [axes]
            ax = axes[-1]
            t = [x for x, _ in result.trace] + [result.time_s]
            c = [y for _, y in result.trace] + [result.cut]
            ax.step(t, c, where="post")
            ax.set_xlabel("wall-clock time since call (s)")
            ax.set_ylabel("best cut so far")
            ax.set_title(f"cut {result.cut:g}  (best at {result.time_to_best:.2f} s)")
            if small:
                import networkx as nx
                side = {u: 0 for u in result.partition[0]}
                side.update({u: 1 for u in result.partition[1]})
                pos = nx.spring_layout(G, seed=1)
                cut_edges = [(u, v) for u, v in G.edges() if u != v and side[u] != side[v]]
                kept = [(u, v) for u, v in G.edges() if u != v and side[u] == side[v]]
                nx.draw_networkx_edges(G, pos, edgelist=kept, ax=axes[0], alpha=0.25)
                nx.draw_networkx_edges(G, pos, edgelist=cut_edges, ax=axes[0], edge_color="tab:red", alpha=0.5)
                nx.draw_networkx_nodes(G, pos, ax=axes[0], node_size=40,
                                       node_color=["tab:blue" if side[u] == 0 else "tab:orange" for u in G])
                axes[0].set_title("sides (blue / orange), cut edges red")
                axes[0].set_axis_off()
            fig.tight_layout()
            fig.savefig(name, format=fmt)
        finally:
            plt.close(fig)
    return write


def natural_key(label):
    """Sort key that orders node labels as people count: 2 before 10, n2 before n10.

    Examples
    --------
    >>> sorted([10, 2, "n10", "n2", 1.5], key=natural_key)
    [1.5, 2, 10, 'n2', 'n10']
    """
    parts = re.split(r"(\d+(?:\.\d+)?)", str(label))
    return [(0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p]


def plot_result(path, G, result, max_nodes=300):
    """Save the cut-versus-time trace, and the graph coloured by side when it is small."""
    _atomic_write(path, _plot_writer(path, G, result, max_nodes))


def _histogram_writer(path, report):
    fmt = Path(path).suffix.lstrip(".").lower() or "png"

    def write(name):
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        try:
            report.plot_histogram(axes)
            fig.tight_layout()
            fig.savefig(name, format=fmt)
        finally:
            plt.close(fig)
    return write


def write_output_set(items):
    """Write a command's output files as a set (all or none); a failure is a :class:`CliError`.

    Parameters
    ----------
    items : list of (path, write)
        As :func:`spikesyn.outputs.write_outputs`; entries whose path is None are skipped.
    """
    from spikesyn.errors import SpikesynError
    from spikesyn.outputs import write_outputs
    try:
        write_outputs([(p, w) for p, w in items if p is not None])
    except (SpikesynError, OSError, ValueError) as exc:
        raise CliError(f"writing the outputs failed, none written: {exc}") from None


def _run_maxcut(args, parser):
    from spikesyn.errors import SpikesynError
    from spikesyn.graphio import read_graph
    from spikesyn.networks import maxcut as mc

    if args.demo == bool(args.graph):
        parser.error("give a GRAPH file or --demo (not both)")
    want_energy = args.energy or args.energy_plot is not None
    energy = None
    check_output_paths([("--out", args.out, False), ("--plot", args.plot, True),
                        ("--energy-plot", args.energy_plot, True)])
    try:
        if args.demo:
            G, source = demo_graph(), "demo"
        else:
            G, source = read_graph(args.graph, format=args.format), args.graph
        replicas = args.replicas or mc.default_replicas(G.number_of_nodes())
        mc.check_size(G.number_of_nodes(), G.number_of_edges(), replicas, args.workers)
        codegen = mc._pick_target(args.codegen)
        first = mc.needs_compile(G.number_of_nodes() * replicas, codegen)
        if first and not args.quiet:
            print("compiling, first run only (about 20-40 s) ...", file=sys.stderr, flush=True)
        show, done = _progress_printer(args.quiet)
        with warnings.catch_warnings():
            if args.quiet:
                warnings.simplefilter("ignore", UserWarning)
            res = mc.maxcut(G, time_limit=args.time_limit, sweeps=args.sweeps, replicas=replicas,
                            seed=args.seed, target=args.target, device=args.device, codegen=codegen,
                            restarts=args.restarts, progress=show, workers=args.workers)
        done({"elapsed": res.time_s, "best": res.cut, "sweeps": res.sweeps_done})
        mc.mark_compiled(G.number_of_nodes() * replicas, codegen)
    except (SpikesynError, ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    # the result exists: a further Ctrl-C or SIGTERM no longer loses it
    with _signals_deferred():
        failure = None
        try:
            report = None
            if want_energy:
                from spikesyn.networks import maxcut_energy
                energy = {**maxcut_energy.maxcut_energy(res), "plot": args.energy_plot}
                if args.energy_plot is not None:
                    report = maxcut_energy.flip_read_report(res)
            write_output_set([
                (args.out, _partition_writer(res.partition)),
                (args.plot, _plot_writer(args.plot, G, res) if args.plot else None),
                (args.energy_plot, _histogram_writer(args.energy_plot, report) if report else None)])
        except CliError as exc:
            failure = exc
            args.out = args.plot = None
            if energy is not None:
                energy["plot"] = None
        _print_maxcut_result(args, res, source, replicas, energy, first)
        if failure is not None:
            raise failure
    return 0


def _print_maxcut_result(args, res, source, replicas, energy, first):
    from spikesyn.readable import format_si     # imports Brian2: not at the command's start-up
    if args.json:
        d = res.to_dict()
        d = {"file": source, **d}
        if args.demo:
            d["best_known"] = DEMO_BEST_KNOWN
        if energy is not None:
            d["energy"] = energy
        print(json.dumps(d))
    else:
        extra = " (interrupted: best so far)" if res.interrupted else ""
        print(f"cut {res.cut:g} on {source} ({res.n} nodes, {res.m} edges){extra}")
        before = "building, code generation and compiling" if first else "building and code generation"
        print(f"  {res.time_s:.2f} s in all ({res.setup_s:.2f} s before the first sweep: {before}), "
              f"best found at "
              f"{res.time_to_best:.2f} s; {res.sweeps_done} sweeps x {replicas} replicas"
              + (f" x {args.workers} workers" if args.workers > 1 else "") + ", "
              f"seed {res.settings['seed']}, stop: {res.stop_reason}")
        print(f"  sides: {len(res.partition[0])} + {len(res.partition[1])} nodes; read energy "
              f"{format_si(res.energy)} if every coupling is read at every sweep (--energy "
              f"counts instead only the reads that deliver flips)")
        if args.demo:
            gap = "reached" if res.cut >= DEMO_BEST_KNOWN else f"{DEMO_BEST_KNOWN - res.cut:g} short of it"
            print(f"  the demo graph's best known cut is {DEMO_BEST_KNOWN:g} (simulated annealing, "
                  f"not proven optimal): {gap}")
        if args.out:
            print(f"  partition written to {args.out}")
        if args.plot:
            print(f"  plot written to {args.plot}")
        if energy is not None:
            _print_maxcut_energy(energy)


def _print_maxcut_energy(e):
    from spikesyn.networks.energy_cli import format_comparison
    print(f"energy of the coupling reads, counted from the flips (device {e['device']}, "
          f"{e['n_synapses']} synapses, {e['read_voltage_V']:g} V x {e['read_pulse_s'] * 1e9:g} ns "
          f"per read of G):")
    for line in format_comparison(e):
        print(line)
    if e["device_J"] == 0:
        print(f"  device {e['device']} stores no weight on a device: no device energy, no ratio")
    if e.get("plot"):
        print(f"  energy plot written to {e['plot']}")


# --------------------------------------------------------------------------- signals
@contextmanager
def _signals_deferred():
    """Ignore Ctrl-C and SIGTERM while a finished result is written and printed (a second
    Ctrl-C right after the first would otherwise lose it and exit 130)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


#: a Ctrl-C this soon after the one before is the same keypress repeated (or a SIGTERM that
#: arrives with it), not a request to abandon the result that the first one is collecting
_REPEAT_S = 1.0


class _CtrlC:
    """SIGINT handler of a command: passes the first Ctrl-C on to the handler before it
    (Brian2's, which ends the current run, or Python's KeyboardInterrupt) and drops repeats
    that follow within ``_REPEAT_S``; a later one is passed on too (it forces the interrupt)."""

    def __init__(self, previous):
        self.previous, self.last = previous, None

    def __call__(self, signum, frame):
        now = time.monotonic()
        repeat = self.last is not None and now - self.last < _REPEAT_S
        self.last = now
        if repeat or self.previous == signal.SIG_IGN:
            return
        if callable(self.previous):
            self.previous(signum, frame)
        else:
            raise KeyboardInterrupt


def _sigterm_as_ctrl_c(signum, frame):
    """SIGTERM (``kill``, ``timeout``, process supervisors) ends a run as Ctrl-C does: the
    signal is passed on as SIGINT, which Brian2's run loop or Python's handler turns into the
    interrupt that returns the best result so far."""
    signal.raise_signal(signal.SIGINT)


@contextmanager
def _signals_handled():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved_int = signal.getsignal(signal.SIGINT)
    saved_term = signal.signal(signal.SIGTERM, _sigterm_as_ctrl_c)
    signal.signal(signal.SIGINT, _CtrlC(saved_int))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, saved_term)
        signal.signal(signal.SIGINT, saved_int if saved_int is not None else signal.default_int_handler)


def _one_line_warnings(command):
    """Warnings as one line naming the command, without Python's source line."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"spikesyn {command}: warning: {message}", file=sys.stderr if file is None else file)
    return show


# --------------------------------------------------------------------------- entry point
def build_parser():
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="spikesyn", description="spikesyn command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_maxcut(sub)
    _add_cards(sub)
    _add_builder_commands(sub)
    return parser


def _add_cards(sub):
    p = sub.add_parser(
        "cards", help="list the shipped cards' parameters with value, unit and source",
        description="Print every shipped card's parameters with value, unit and source (the "
                    "reference a value comes from, or 'placeholder'), or one card in full "
                    "(range and meaning too).")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="a shipped card's name or a card file (default: every shipped card)")
    p.set_defaults(func=_run_cards)
    return p


def _run_cards(args, parser):
    import spikesyn as ss
    from spikesyn.card_table import format_all
    from spikesyn.errors import SpikesynError

    try:
        text = (format_all([ss.load_model(n) for n in ss.available_models()]) if args.name is None
                else ss.load_model(args.name).describe())
    except SpikesynError as exc:
        raise CliError(str(exc)) from None
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:                  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _add_builder_commands(sub):
    """Subcommands whose options and run loop live beside their builder in networks/."""
    from spikesyn.networks import energy_cli, reservoir_cli, sequence_cli

    for module in (sequence_cli, energy_cli, reservoir_cli):
        command = module.add_parser(sub)
        command.set_defaults(func=lambda args, parser, module=module: module.run(args))


def main(argv=None):
    """Entry point of the ``spikesyn`` console script; returns the exit status."""
    # the commands say "compiling, first run only" themselves; the library's notice would repeat it
    notice = os.environ.get("SPIKESYN_COMPILE_NOTICE")
    os.environ["SPIKESYN_COMPILE_NOTICE"] = "0"
    try:
        # building the parser imports Brian2 (seconds): a Ctrl-C then is an interruption too
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("spikesyn: interrupted", file=sys.stderr)
        _restore_notice(notice)
        return EXIT_INTERRUPTED
    except SystemExit:
        _restore_notice(notice)
        raise
    sub = parser._subparsers._group_actions[0].choices[args.command]
    saved_show = warnings.showwarning
    warnings.showwarning = _one_line_warnings(args.command)
    try:
        with _signals_handled():
            return args.func(args, sub)
    except CliError as exc:
        print(f"spikesyn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"spikesyn {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        _restore_notice(notice)
        warnings.showwarning = saved_show
        if argv is None and threading.current_thread() is threading.main_thread():
            # run as a program: the answer is out, and Python's shutdown resets SIGINT to the
            # default action, which would let a repeated Ctrl-C turn exit 0 into death by signal
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _restore_notice(notice):
    if notice is None:
        os.environ.pop("SPIKESYN_COMPILE_NOTICE", None)
    else:
        os.environ["SPIKESYN_COMPILE_NOTICE"] = notice


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
