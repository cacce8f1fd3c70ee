"""The ``spikesyn`` command line: one parser, one subcommand per module, one error path.

Each subcommand lives in its own module here and defines one
:class:`~spikesyn.cli.command.Command` named ``COMMAND``; :data:`COMMANDS` lists the modules in
the order ``spikesyn --help`` shows them, so a new job adds a module and a line. :func:`main`
runs the chosen command: a :class:`~spikesyn.errors.SpikesynError` (or an ``OSError``) it
raises is printed as one line, ``spikesyn COMMAND: error: ...``, and the exit status is
:data:`~spikesyn.cli.command.EXIT_USAGE`; Ctrl-C before a result gives
:data:`~spikesyn.cli.command.EXIT_INTERRUPTED`.

This package is the engine's one door to the network builders (``spikesyn.networks``): the
subcommand modules import them when the parser is built, never when this package is imported,
so ``import spikesyn.cli`` loads no Brian2.

Examples
--------
Shell::

    spikesyn maxcut G1.txt --time-limit 10 --json
    spikesyn cards pcm
    spikesyn sequence --json
    spikesyn energy --card two_tier
    spikesyn reservoir --task narma10
    spikesyn stpn --json
    spikesyn sweep sweep.toml --out runs.csv --scheduler tcp://host:8786
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from spikesyn.cli.command import EXIT_INTERRUPTED, EXIT_USAGE
from spikesyn.cli.console import one_line_warnings
from spikesyn.cli.signals import ignore_signals, signals_handled
from spikesyn.errors import CliError, SpikesynError

__all__ = ["main", "build_parser", "command_parsers", "COMMANDS", "CliError"]

#: the subcommand modules, in the order of ``spikesyn --help``
COMMANDS = ("spikesyn.cli.maxcut", "spikesyn.cli.cards", "spikesyn.cli.sequence",
            "spikesyn.cli.energy", "spikesyn.cli.reservoir", "spikesyn.cli.stpn",
            "spikesyn.cli.sweep")


def build_parser():
    """The argument parser with every subcommand."""
    return _build()[0]


def command_parsers():
    """Each subcommand's own parser, by name (for its help text and options).

    Examples
    --------
    >>> sorted(command_parsers())
    ['cards', 'energy', 'maxcut', 'reservoir', 'sequence', 'stpn', 'sweep']
    """
    return _build()[1]


def _build():
    parser = argparse.ArgumentParser(prog="spikesyn", description="spikesyn command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    parsers = {}
    for module in COMMANDS:
        command = importlib.import_module(module).COMMAND
        parsers[command.name] = command.add_to(sub)
    return parser, parsers


def main(argv=None):
    """Entry point of the ``spikesyn`` console script; returns the exit status."""
    # the commands say "compiling, first run only" themselves; the library's notice would repeat it
    notice = os.environ.get("SPIKESYN_COMPILE_NOTICE")
    os.environ["SPIKESYN_COMPILE_NOTICE"] = "0"
    try:
        try:
            # building the parser imports Brian2 (seconds): a Ctrl-C then is an interruption too
            args = build_parser().parse_args(argv)
        except KeyboardInterrupt:
            print("spikesyn: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        return _run(args)
    finally:
        if notice is None:
            os.environ.pop("SPIKESYN_COMPILE_NOTICE", None)
        else:
            os.environ["SPIKESYN_COMPILE_NOTICE"] = notice
        if argv is None:
            ignore_signals()


def _run(args):
    """Run the parsed command: its user errors become one line and exit status 2."""
    saved_show = warnings.showwarning
    warnings.showwarning = one_line_warnings(args.command)
    try:
        with signals_handled():
            return args.run_command(args)
    except (SpikesynError, OSError) as exc:
        print(f"spikesyn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"spikesyn {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        warnings.showwarning = saved_show
