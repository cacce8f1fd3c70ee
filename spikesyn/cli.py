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
import sys
import tempfile
from pathlib import Path

from spikesyn.argtypes import number

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
_PROGRESS_AFTER_S = 2.0


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


# --------------------------------------------------------------------------- helpers
def _atomic_write(path, write):
    """Write a file through a temporary sibling and os.replace, so no partial file is left."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CliError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_positive_seconds = number(float, 0, low_open=True, unit="seconds")
_positive_int = number(int, 1)
_finite_float = number(float)


# --------------------------------------------------------------------------- maxcut
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
    from spikesyn.networks.maxcut import DEFAULT_RESTARTS, RESTART_PLANS

    p = sub.add_parser(
        "maxcut", help="solve max-cut on a graph file with a noisy Hopfield spiking network",
        description="Find a large cut of a weighted graph with a noisy Hopfield network of "
                    "stochastic binary spiking neurons on PCM synapses (Brian2).",
        epilog="exit status: 0 solved, 2 bad input (file, format or option), 130 interrupted "
               "before any result")
    p.add_argument("graph", nargs="?", help="graph file (Gset/rudy, edge list, GML, GraphML, Matrix Market)")
    p.add_argument("--demo", action="store_true", help="solve a built-in 200-node graph instead of a file")
    p.add_argument("--format", choices=FORMATS, default="auto", help="file format (default: auto)")
    p.add_argument("--time-limit", type=_positive_seconds, metavar="S",
                   help="simulation budget in seconds, counted from the first simulated step (after "
                        "building and compiling); anneals repeat until it runs out")
    p.add_argument("--sweeps", type=_positive_int, metavar="N", help="sweeps per anneal (default 1000)")
    p.add_argument("--restarts", choices=RESTART_PLANS, default=DEFAULT_RESTARTS,
                   help="with --time-limit: doubling anneals then one that fills the budget "
                        "(double, default), anneals of --sweeps (repeat), or doubling anneals then "
                        "anneals from the best state at lower noise (reheat), or a shorter filling anneal "
                        "followed by such anneals (mixed)")
    p.add_argument("--replicas", type=_positive_int, metavar="R",
                   help="replicas run together in each worker (default 16, fewer above 1000 nodes)")
    p.add_argument("--workers", type=_positive_int, default=1, metavar="K",
                   help="processes solving side by side, each with its replicas and random stream; "
                        "the best cut wins (default 1; up to one per CPU core pays)")
    p.add_argument("--seed", type=int, metavar="K", help="random seed (same seed, same answer)")
    p.add_argument("--target", type=_finite_float, metavar="CUT", help="stop when a cut this large is found")
    p.add_argument("--device", default="pcm", metavar="NAME",
                   help="synapse device: pcm (default), pcm-prog, pcm-4bit, pcm-aged, ideal, noiseless")
    p.add_argument("--codegen", choices=("auto", "cython", "numpy"), default="auto",
                   help="Brian2 runtime target (default auto: cython when a compiler works)")
    p.add_argument("--out", metavar="FILE", help="write the partition: one 'node side' line per node")
    p.add_argument("--plot", metavar="FILE.png", help="plot the cut-versus-time trace (and the graph if small)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the result")
    p.add_argument("--energy", action="store_true",
                   help="also report the device energy of the coupling reads (one read of a PCM "
                        "pair per flip and neighbour) next to a digital estimate of the same "
                        "synaptic events, and the ratio (JSON: under \"energy\")")
    p.add_argument("--energy-plot", metavar="FILE.png",
                   help="write the per-synapse read-energy histogram (implies --energy)")
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


def write_partition(path, partition):
    """Write a partition as ``label side`` lines (side 0 or 1), atomically."""
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("# node side\n")
            for side, nodes in enumerate(partition):
                for u in sorted(nodes, key=lambda x: (not isinstance(x, (int, float)), str(x))):
                    fh.write(f"{u} {side}\n")
    _atomic_write(path, write)


def plot_result(path, G, result, max_nodes=300):
    """Save the cut-versus-time trace, and the graph coloured by side when it is small."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    small = G is not None and G.number_of_nodes() <= max_nodes
    fig, axes = plt.subplots(1, 2 if small else 1, figsize=(11 if small else 6, 4.5))
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
    _atomic_write(path, lambda tmp: fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png"))
    plt.close(fig)


def _run_maxcut(args, parser):
    from spikesyn.errors import SpikesynError
    from spikesyn.graphio import read_graph
    from spikesyn.networks import maxcut as mc

    if args.demo == bool(args.graph):
        parser.error("give a GRAPH file or --demo (not both)")
    want_energy = args.energy or args.energy_plot is not None
    energy = None
    try:
        if args.energy_plot is not None:
            directory = Path(args.energy_plot).parent
            if not (directory if str(directory) else Path(".")).is_dir():
                raise CliError(f"{args.energy_plot}: directory {directory} does not exist")
        if args.demo:
            G, source = demo_graph(), "demo"
        else:
            G, source = read_graph(args.graph, format=args.format), args.graph
        replicas = args.replicas or mc.default_replicas(G.number_of_nodes())
        codegen = mc._pick_target(args.codegen)
        first = mc.needs_compile(G.number_of_nodes() * replicas, codegen)
        if first and not args.quiet:
            print("compiling, first run only (about 20-40 s) ...", file=sys.stderr, flush=True)
        show, done = _progress_printer(args.quiet)
        res = mc.maxcut(G, time_limit=args.time_limit, sweeps=args.sweeps, replicas=replicas,
                        seed=args.seed, target=args.target, device=args.device, codegen=codegen,
                        restarts=args.restarts, progress=show, workers=args.workers)
        done({"elapsed": res.time_s, "best": res.cut, "sweeps": res.sweeps_done})
        mc.mark_compiled(G.number_of_nodes() * replicas, codegen)
        if args.out:
            write_partition(args.out, res.partition)
        if args.plot:
            plot_result(args.plot, G, res)
        if want_energy:
            from spikesyn.networks import maxcut_energy
            energy = {**maxcut_energy.maxcut_energy(res), "plot": args.energy_plot}
            if args.energy_plot is not None:
                report = maxcut_energy.flip_read_report(res)
                _atomic_write(args.energy_plot, lambda tmp: report.plot_histogram(tmp))
    except (SpikesynError, ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        d = res.as_dict()
        d = {"file": source, **d}
        if energy is not None:
            d["energy"] = energy
        print(json.dumps(d))
    else:
        extra = " (interrupted: best so far)" if res.interrupted else ""
        print(f"cut {res.cut:g} on {source} ({res.n} nodes, {res.m} edges){extra}")
        print(f"  {res.time_s:.2f} s in all ({res.setup_s:.2f} s before the first sweep: building, "
              f"code generation, compiling on a first run), best found at "
              f"{res.time_to_best:.2f} s; {res.sweeps_done} sweeps x {replicas} replicas"
              + (f" x {args.workers} workers" if args.workers > 1 else "") + ", "
              f"seed {res.settings['seed']}, stop: {res.stop_reason}")
        print(f"  sides: {len(res.partition[0])} + {len(res.partition[1])} nodes; synaptic read "
              f"energy {res.energy} (every coupling read at every sweep; --energy counts only "
              f"the reads that deliver flips)")
        if args.out:
            print(f"  partition written to {args.out}")
        if args.plot:
            print(f"  plot written to {args.plot}")
        if energy is not None:
            _print_maxcut_energy(energy)
    return 0


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
    from spikesyn.networks import energy_cli, sequence_cli

    for module in (sequence_cli, energy_cli):
        command = module.add_parser(sub)
        command.set_defaults(func=lambda args, parser, module=module: module.run(args))


def main(argv=None):
    """Entry point of the ``spikesyn`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]
    try:
        return args.func(args, sub)
    except CliError as exc:
        print(f"spikesyn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"spikesyn {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
