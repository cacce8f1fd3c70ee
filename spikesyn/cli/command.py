"""What a subcommand of ``spikesyn`` is, and the exit statuses every subcommand shares.

Each subcommand module of :mod:`spikesyn.cli` defines one :class:`Command` named ``COMMAND``;
:func:`spikesyn.cli.build_parser` adds it to the parser, and :func:`spikesyn.cli.main` runs it,
turning a :class:`~spikesyn.errors.SpikesynError` into one line on stderr and
:data:`EXIT_USAGE`.

Examples
--------
>>> import argparse
>>> def add(parser):
...     parser.add_argument("--name", default="world")
>>> hello = Command("hello", "greet someone", "Print a greeting.", add,
...                 lambda args, parser: print(f"hello {args.name}") or EXIT_OK)
>>> parser = argparse.ArgumentParser(prog="demo")
>>> sub = hello.add_to(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["hello", "--name", "you"])
>>> hello.run(args, sub)
hello you
0
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable

__all__ = ["Command", "EXIT_OK", "EXIT_USAGE", "EXIT_INTERRUPTED"]

#: the command did its job (a maxcut interrupted during the solve: with the best result so far)
EXIT_OK = 0
#: bad input (option, file, card, output path), refused with one line on stderr
EXIT_USAGE = 2
#: Ctrl-C or SIGTERM before any result (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, help texts, options and what it runs.

    Attributes
    ----------
    name : str
        The word after ``spikesyn``.
    help : str
        One line in ``spikesyn --help``.
    description : str
        The paragraph of ``spikesyn NAME --help``.
    add_arguments : callable
        ``add_arguments(parser)`` adds the options to the subcommand's parser.
    run : callable
        ``run(args, parser)`` does the work and returns the exit status; a user error is
        raised as a :class:`~spikesyn.errors.SpikesynError` (``parser.error`` for a wrong
        combination of options that the usage line explains).
    epilog : str, optional
        Text after the options in ``--help`` (exit statuses).
    show_defaults : bool
        Let argparse add "(default: ...)" to every option's help.
    """

    name: str
    help: str
    description: str
    add_arguments: Callable
    run: Callable
    epilog: str | None = None
    show_defaults: bool = False

    def add_to(self, subparsers):
        """Add this command's parser to an argparse subparsers object; return the parser."""
        kwargs = {"formatter_class": argparse.ArgumentDefaultsHelpFormatter} if self.show_defaults else {}
        parser = subparsers.add_parser(self.name, help=self.help, description=self.description,
                                       epilog=self.epilog, **kwargs)
        self.add_arguments(parser)
        # what main() calls: this command's run, with the parser that explains its usage
        parser.set_defaults(run_command=lambda args: self.run(args, parser))
        return parser
