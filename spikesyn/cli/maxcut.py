"""``spikesyn maxcut``: solve max-cut on a graph file (or the built-in demo graph).

Examples
--------
Shell::

    spikesyn maxcut --demo
    spikesyn maxcut G1.txt --time-limit 10 --seed 1 --json
    spikesyn maxcut graph.graphml --out partition.txt --plot cut.png
    spikesyn maxcut --demo --energy --energy-plot reads.png
    spikesyn maxcut G81.txt --time-limit 60 --workers 8 --scheduler tcp://head-node:8786
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import warnings

import networkx as nx
import numpy as np

from spikesyn.checks import SEED_MAX
from spikesyn.cli.argtypes import number
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.cli.console import say_compiling
from spikesyn.cli.outputs import check_output_paths, write_output_set
from spikesyn.cli.signals import signals_deferred
from spikesyn.energy_compare import format_comparison
from spikesyn.errors import CliError
from spikesyn.graph_arrays import graph_from_matrix, read_graph_matrix
from spikesyn.graphio import FORMATS
from spikesyn.networks import maxcut as mc
from spikesyn.networks import maxcut_energy
from spikesyn.outputs import atomic_write
from spikesyn.plot import PLOT_MAX_NODES, image_format, plot_histogram, plot_maxcut
from spikesyn.readable import format_si

__all__ = ["COMMAND", "DEMO_BEST_KNOWN", "demo_graph", "demo_best_partition", "natural_key",
           "write_partition"]

_PROGRESS_AFTER_S = 2.0

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
    G = nx.gnm_random_graph(200, 1200, seed=2024)
    rng = np.random.default_rng(2024)
    for (u, v), w in zip(G.edges, rng.choice([-1.0, 1.0], size=G.number_of_edges(), p=[0.3, 0.7])):
        G[u][v]["weight"] = float(w)
    return G


def natural_key(label):
    """Sort key that orders node labels as people count: 2 before 10, n2 before n10.

    Examples
    --------
    >>> sorted([10, 2, "n10", "n2", 1.5], key=natural_key)
    [1.5, 2, 10, 'n2', 'n10']
    """
    parts = re.split(r"(\d+(?:\.\d+)?)", str(label))
    return [(0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p]


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
    atomic_write(path, _partition_writer(partition))


def _plot_writer(path, G, result):
    return lambda name: plot_maxcut(name, G, result, format=image_format(path))


def _histogram_writer(path, report):
    return lambda name: plot_histogram(report, name, format=image_format(path))


def _add_arguments(p):
    p.add_argument("graph", nargs="?",
                   help="graph file (Gset/rudy, edge list, GML, GraphML, Matrix Market); nodes keep "
                        "the file's labels, so Gset/rudy and Matrix Market nodes count from 1")
    p.add_argument("--demo", action="store_true", help="solve a built-in 200-node graph instead of a file")
    p.add_argument("--format", choices=FORMATS, default="auto", help="file format (default: auto)")
    p.add_argument("--time-limit", type=number(float, 0, low_open=True, unit="seconds"), metavar="S",
                   help="simulation budget in seconds, counted from the first simulated step (after "
                        "building and compiling); anneals repeat until it runs out (default: no "
                        "limit, one anneal of --sweeps)")
    p.add_argument("--sweeps", type=number(int, 1), metavar="N", help="sweeps per anneal (default 1000)")
    p.add_argument("--restarts", choices=mc.RESTART_PLANS, default=mc.DEFAULT_RESTARTS,
                   help="with --time-limit: doubling anneals then one that fills the budget "
                        "(double, default), anneals of --sweeps (repeat), or doubling anneals then "
                        "anneals from the best state at lower noise (reheat), or a shorter filling anneal "
                        "followed by such anneals (mixed)")
    p.add_argument("--schedule", type=number(float, 0, low_open=True), nargs=2, metavar=("START", "STOP"),
                   help="relative read noise at the start and the end of an anneal (default 0.7 "
                        "0.03; 0.7 0.1 did better on toroidal +/-1 graphs: "
                        "benchmarks/RESULTS_maxcut.md)")
    p.add_argument("--replicas", type=number(int, 1), metavar="R",
                   help="replicas run together in each worker (default 16, fewer above 1000 nodes)")
    p.add_argument("--workers", type=number(int, 1), default=1, metavar="K",
                   help="processes solving side by side, each with its replicas and random stream; "
                        "the best cut wins (default 1; up to one per CPU core pays; at most four "
                        "per CPU core unless --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the --workers as tasks on the Dask cluster of this scheduler, e.g. "
                        "tcp://host:8786 (one thread per Dask worker; needs spikesyn[cluster]); "
                        "default: processes on this machine")
    p.add_argument("--seed", type=number(int, 0, SEED_MAX), metavar="K",
                   help="random seed (same seed, same answer; default: a fresh one, printed with "
                        "the result)")
    p.add_argument("--target", type=number(float), metavar="CUT",
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


def _run(args, parser):
    if args.demo == bool(args.graph):
        parser.error("give a GRAPH file or --demo (not both)")
    want_energy = args.energy or args.energy_plot is not None
    if args.scheduler is None and args.workers > mc.max_workers():
        parser.error(f"argument --workers: must be at most {mc.max_workers()} (four per CPU core) "
                     f"without --scheduler, got {args.workers}")
    check_output_paths([("--out", args.out, False), ("--plot", args.plot, True),
                        ("--energy-plot", args.energy_plot, True)])
    with _executor(args.scheduler) as executor:
        return _solve_and_report(args, want_energy, executor)


@contextlib.contextmanager
def _executor(scheduler):
    """A Dask client of ``scheduler`` (closed afterwards), or None for local processes."""
    if scheduler is None:
        yield None
        return
    from spikesyn.cluster import dask_client
    with dask_client(scheduler) as client:
        yield client


def _solve_and_report(args, want_energy, executor):
    energy = None
    try:
        if args.demo:
            G, labels, source = demo_graph(), None, "demo"
            n, m = G.number_of_nodes(), G.number_of_edges()
        else:
            # straight into arrays: a million-node file never becomes a networkx graph
            G, labels = read_graph_matrix(args.graph, format=args.format)
            source = args.graph
            n, m = G.shape[0], G.nnz
        replicas = args.replicas or mc.default_replicas(n)
        mc.check_size(n, m, replicas, args.workers if executor is None else 1)
        codegen = mc._pick_target(args.codegen)
        first = mc.needs_compile(n * replicas, codegen)
        if first and not args.quiet:
            say_compiling("20-40")
        show, done = _progress_printer(args.quiet)
        with warnings.catch_warnings():
            if args.quiet:
                warnings.simplefilter("ignore", UserWarning)
            res = mc.maxcut(G, time_limit=args.time_limit, sweeps=args.sweeps, replicas=replicas,
                            seed=args.seed, target=args.target, device=args.device, codegen=codegen,
                            restarts=args.restarts, progress=show, workers=args.workers,
                            executor=executor, schedule=args.schedule)
        done({"elapsed": res.time_s, "best": res.cut, "sweeps": res.sweeps_done})
        mc.mark_compiled(n * replicas, codegen)
        if labels is not None:
            res = res.relabelled(labels)
            G = graph_from_matrix(G, labels) if args.plot and n <= PLOT_MAX_NODES else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    # the result exists: a further Ctrl-C or SIGTERM no longer loses it
    with signals_deferred():
        failure = None
        try:
            report = None
            if want_energy:
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
        _print_result(args, res, source, replicas, energy, first)
        if failure is not None:
            raise failure
    return EXIT_OK


def _print_result(args, res, source, replicas, energy, first):
    if args.json:
        d = res.to_dict()
        d = {"file": source, **d}
        if args.demo:
            d["best_known"] = DEMO_BEST_KNOWN
        if energy is not None:
            d["energy"] = energy
        print(json.dumps(d))
        return
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
        _print_energy(energy)


def _print_energy(e):
    print(f"energy of the coupling reads, counted from the flips (device {e['device']}, "
          f"{e['n_synapses']} synapses, {e['read_voltage_V']:g} V x {e['read_pulse_s'] * 1e9:g} ns "
          f"per read of G):")
    for line in format_comparison(e):
        print(line)
    if e["device_J"] == 0:
        print(f"  device {e['device']} stores no weight on a device: no device energy, no ratio")
    if e.get("plot"):
        print(f"  energy plot written to {e['plot']}")


COMMAND = Command(
    "maxcut", help="solve max-cut on a graph file with a noisy Hopfield spiking network",
    description="Find a large cut of a weighted graph with a noisy Hopfield network of "
                "stochastic binary spiking neurons on PCM synapses (Brian2).",
    epilog="exit status: 0 solved (Ctrl-C or SIGTERM during the solve: the best result so "
           "far), 2 bad input (file, format, option, output path, or a size the memory cannot "
           "hold; checked before the solve), 130 interrupted before any result. Output files "
           "are written whole or not at all, through symbolic links; devices are never replaced.",
    add_arguments=_add_arguments, run=_run)
