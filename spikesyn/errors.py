"""Exceptions raised by spikesyn for mistakes a user can fix."""


class SpikesynError(Exception):
    """Base class of every error spikesyn raises for bad input."""


class CardError(SpikesynError, ValueError):
    """A model card is malformed: the message names the file, the field and the problem.

    Parameters
    ----------
    source : str
        The card's file path (or name for in-memory cards).
    field : str
        Dotted path of the offending field, e.g. ``parameters.Gmax.unit``.
    problem : str
        What is wrong, in words.
    """

    def __init__(self, source, field, problem):
        self.source, self.field, self.problem = str(source), field, problem
        super().__init__(f"{self.source}: [{field}] {problem}")


class ParameterError(SpikesynError, ValueError):
    """A parameter value given by the user has the wrong unit, no unit, or is out of range."""


class UnknownModelError(SpikesynError, LookupError):
    """No shipped card has the requested name (the message lists close matches)."""


class RequirementError(SpikesynError, TypeError):
    """A group that a synapse card connects lacks a variable the card needs, or holds it in another unit."""


class CliError(SpikesynError, ValueError):
    """A command-line mistake (an option, a combination of options, an output path): the
    ``spikesyn`` command prints it as one line and exits with status 2."""
