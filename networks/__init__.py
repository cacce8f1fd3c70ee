"""Network builders: a graph or data set in, a ready Brian2 network and a result object out.

The builders import the engine (``spikesyn.*``); the engine reaches them only through the
command-line package :mod:`spikesyn.cli` (one module per subcommand) and the lazy
``spikesyn.maxcut``.
"""
