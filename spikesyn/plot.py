"""Figures of spikesyn's results, drawn from the results as data.

Each function takes a result object (or plain data) and a file to write; none runs a network.
matplotlib is imported on first use. Unless a backend was chosen already (pyplot imported, or
``MPLBACKEND`` set, as Jupyter does), the non-interactive ``Agg`` is selected, so that the
command line and scripts write figures without a display.

Examples
--------
>>> import os, tempfile
>>> from brian2 import pjoule
>>> from spikesyn.energy import EnergyReport
>>> report = EnergyReport({"read": 4}, {"read": 8 * pjoule}, [5, 3] * pjoule)
>>> path = os.path.join(tempfile.mkdtemp(), "energy.png")
>>> fig = plot_histogram(report, path)
>>> os.path.getsize(path) > 0
True
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import networkx as nx
import numpy as np
from brian2 import pjoule
from brian2.units.fundamentalunits import Quantity

__all__ = ["image_format", "plot_histogram", "plot_maxcut", "plot_sequence",
           "plot_digit_sequence", "plot_reservoir"]

#: the models of a digit-video result, in the order the figure and the table show them
DIGIT_MODEL_ORDER = ("st_stdp", "static", "smoothing", "nearest_neighbour", "mlp", "mlp_occluded")


def _pyplot():
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


@contextmanager
def _saved_figure(path, format=None, dpi=None, **subplots):
    """A new figure with ``plt.subplots(**subplots)``, saved to ``path`` when the block ends
    without error, and closed in any case."""
    plt = _pyplot()
    fig, axes = plt.subplots(**subplots)
    try:
        yield fig, axes
        fig.tight_layout()
        fig.savefig(path, dpi=dpi, format=format or image_format(path))
    finally:
        plt.close(fig)


def image_format(path):
    """The image format a file name asks for (its suffix; ``png`` without one).

    Examples
    --------
    >>> image_format("cut.PDF"), image_format("/dev/stdout")
    ('pdf', 'png')
    """
    suffix = str(path).rsplit("/", 1)[-1]
    return suffix.rsplit(".", 1)[-1].lower() if "." in suffix else "png"


def _is_path(target):
    return isinstance(target, (str, bytes)) or hasattr(target, "__fspath__")


def plot_histogram(report, target, bins=30, format=None):
    """Per-synapse energy histogram and per-event bar chart of an energy report.

    Parameters
    ----------
    report : spikesyn.energy.EnergyReport
    target : str or pathlib.Path or matplotlib Axes or pair of Axes
        A file to write (format from its suffix, or ``format``), or the axes to draw on: one
        Axes gets the histogram only, a pair gets the histogram and the bar chart.
    bins : int
    format : str, optional
        Image format when ``target`` is a file whose name does not say it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (closed already when ``target`` is a path).
    """
    to_file = _is_path(target)
    plt = _pyplot()
    per_syn_pj = np.asarray(report.per_synapse / pjoule, dtype=float).ravel()
    if to_file:
        fig, (ax_hist, ax_bar) = plt.subplots(1, 2, figsize=(10, 4))
    elif isinstance(target, (list, tuple, np.ndarray)):
        ax_hist, ax_bar = target[0], target[1]
        fig = ax_hist.figure
    else:
        ax_hist, ax_bar, fig = target, None, target.figure
    if per_syn_pj.size:
        ax_hist.hist(per_syn_pj, bins=bins, color="tab:blue")
    ax_hist.set_xlabel("energy per synapse (pJ)")
    ax_hist.set_ylabel("synapses")
    ax_hist.set_title(f"{per_syn_pj.size} synapses, total "
                      f"{Quantity(report.total).in_best_unit(precision=4)}")
    if ax_bar is not None:
        names = list(report.per_event)
        values = [float(report.per_event[n] / pjoule) for n in names]
        ax_bar.bar(names, values, color="tab:orange")
        ax_bar.set_ylabel("energy (pJ)")
        ax_bar.set_title("per event type")
    if to_file:
        try:
            fig.tight_layout()
            fig.savefig(target, format=format)
        finally:
            plt.close(fig)
    return fig


#: the largest graph :func:`plot_maxcut` draws next to its trace
PLOT_MAX_NODES = 300


def plot_maxcut(path, G, result, max_nodes=None, format=None):
    """The cut-versus-time trace of a max-cut result, and the graph coloured by side when small.

    Parameters
    ----------
    path : str or pathlib.Path
        Image file to write.
    G : networkx.Graph or None
        The graph solved (drawn when it has at most ``max_nodes`` nodes).
    result : spikesyn.networks.maxcut.MaxCutResult
        Its ``trace``, ``time_s``, ``cut``, ``time_to_best`` and ``partition``.
    max_nodes : int, optional
        Default :data:`PLOT_MAX_NODES`.
    format : str, optional
        Image format (default: from the suffix of ``path``).
    """
    max_nodes = PLOT_MAX_NODES if max_nodes is None else max_nodes
    small = G is not None and G.number_of_nodes() <= max_nodes
    with _saved_figure(path, format, nrows=1, ncols=2 if small else 1,
                       figsize=(11 if small else 6, 4.5)) as (fig, axes):
        axes = list(axes) if small else [axes]
        ax = axes[-1]
        t = [x for x, _ in result.trace] + [result.time_s]
        c = [y for _, y in result.trace] + [result.cut]
        ax.step(t, c, where="post")
        ax.set_xlabel("wall-clock time since call (s)")
        ax.set_ylabel("best cut so far")
        ax.set_title(f"cut {result.cut:g}  (best at {result.time_to_best:.2f} s)")
        if small:
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


def plot_sequence(path, result, format=None):
    """Accuracy against occlusion and accuracy per frame of a glyph-sequence result, one line per model.

    Parameters
    ----------
    path : str or pathlib.Path
        Image file to write.
    result : spikesyn.networks.sequence.SequenceResult
    format : str, optional
        Image format (default: from the suffix of ``path``).
    """
    with _saved_figure(path, format, dpi=100, nrows=1, ncols=2, figsize=(10, 4)) as (fig, (a1, a2)):
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


def plot_digit_sequence(path, result, format=None):
    """Per-frame accuracy along occluded digit videos and accuracy against the hidden ink fraction.

    Parameters
    ----------
    path : str or pathlib.Path
        Image file to write.
    result : spikesyn.networks.digit_experiment.DigitSequenceResult
    format : str, optional
        Image format (default: from the suffix of ``path``).
    """
    conds = [c for c in ("occlude_erase", "occlude_bright") if c in result.n_videos]
    if not conds:
        conds = list(result.n_videos)[:1]
    with _saved_figure(path, format, dpi=100, nrows=2, ncols=len(conds),
                       figsize=(5.5 * len(conds), 7.5), squeeze=False) as (fig, axes):
        bins = np.asarray(result.hidden_bins)
        mids = (bins[:-1] + bins[1:]) / 2
        for col, cond in enumerate(conds):
            top, bottom = axes[0, col], axes[1, col]
            for name in DIGIT_MODEL_ORDER:
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


def plot_reservoir(path, result, points=48, format=None):
    """The input, the amplitude readings and the readout of one held-out reservoir sequence.

    Parameters
    ----------
    path : str or pathlib.Path
        Image file to write.
    result : spikesyn.networks.reservoir.ReservoirResult
        Its ``task`` and ``trace``.
    points : int
        Input points shown, from the end of the washout.
    format : str, optional
        Image format (default: from the suffix of ``path``).
    """
    tr = result.trace
    start = tr["washout"]
    stop = min(start + points, len(tr["u"]))
    n_nodes = tr["n_nodes"]
    theta_us = tr["theta_s"] * 1e6
    with _saved_figure(path, format, nrows=3, ncols=1, figsize=(10, 7.5), sharex=True) as (fig, axes):
        t_nodes = (np.arange(start * n_nodes, stop * n_nodes) + 1) * theta_us
        axes[0].step(t_nodes, tr["currents_A"][start * n_nodes:stop * n_nodes] * 1e3, where="pre",
                     lw=0.8)
        axes[0].set_ylabel("current (mA)")
        axes[0].set_title(f"{result.task}: masked input current")
        readings = tr["p"][start:stop, :n_nodes].ravel()
        axes[1].plot(t_nodes, readings, ".", ms=2)
        axes[1].set_ylabel("amplitude sqrt(p)")
        axes[1].set_title("oscillator amplitude at the end of each node time (virtual neurons)")
        t_points = (np.arange(start, stop) + 1) * n_nodes * theta_us
        axes[2].step(t_points, tr["target"][start:stop], where="pre", label="target", color="k")
        axes[2].step(t_points, tr["output"][start:stop], where="pre", label="readout", color="tab:red")
        if result.task == "sine-square":
            axes[2].set_ylabel("square (+1) / sine (-1)")
            axes[2].step(t_points, tr["u"][start:stop], where="pre", label="input u", alpha=0.4)
        else:
            axes[2].set_ylabel("y")
        axes[2].legend(loc="upper right", fontsize=8)
        axes[2].set_xlabel("time (us)")
