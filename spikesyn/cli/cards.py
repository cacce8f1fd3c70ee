"""``spikesyn cards``: the shipped cards' parameters with value, unit and source, or one card in full.

Examples
--------
Shell::

    spikesyn cards
    spikesyn cards pcm

>>> from spikesyn.cli import main
>>> main(["cards", "lif"])                        # doctest: +ELLIPSIS
lif (neuron): Conductance-based leaky integrate-and-fire neuron...card: .../lif.toml...
0
"""

from __future__ import annotations

import os
import sys

from spikesyn.card_table import format_all
from spikesyn.cards import available_models
from spikesyn.cli.command import EXIT_OK, Command
from spikesyn.model import load_model

__all__ = ["COMMAND"]


def _add_arguments(p):
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="a shipped card's name or a card file (default: every shipped card)")


def _run(args, parser):
    text = (format_all([load_model(n) for n in available_models()]) if args.name is None
            else load_model(args.name).describe())
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:                  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


COMMAND = Command(
    "cards", help="list the shipped cards' parameters with value, unit and source",
    description="Print every shipped card's parameters with value, unit and source (the "
                "reference a value comes from, or 'placeholder'), or one card in full "
                "(range and meaning too).",
    add_arguments=_add_arguments, run=_run)
