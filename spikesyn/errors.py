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


class ResourceError(SpikesynError, ValueError):
    """A requested size needs more memory than the machine has: the message gives the estimate."""


class DatasetError(SpikesynError, ValueError):
    """An argument of a data set generator is missing, of the wrong kind or out of range."""


class OutputPathError(SpikesynError, ValueError):
    """An output path cannot take the output: the message names the option and the path."""

    def __init__(self, option, path, problem):
        self.option, self.path, self.problem = option, str(path), problem
        where = f"{option} {path}" if option else str(path)
        super().__init__(f"{where}: {problem}")


class QuantisationError(SpikesynError, ValueError):
    """A quantisation parameter is wrong: the message names it and says what is expected."""


class GraphFormatError(SpikesynError, ValueError):
    """A graph file cannot be read: the message names the file and, when known, the line.

    Parameters
    ----------
    path : str or Path
        The file.
    problem : str
        What is wrong, in words.
    line : int, optional
        1-based line number of the offending line.
    """

    def __init__(self, path, problem, line=None):
        self.path, self.problem, self.line = str(path), problem, line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class ReservoirError(ParameterError):
    """A reservoir argument is missing, of the wrong kind or out of range."""


class SequenceError(SpikesynError, ValueError):
    """A sequence-learning argument is missing, of the wrong kind or out of range."""


class SupervisedError(SpikesynError, ValueError):
    """A setting of the supervised learner is missing, of the wrong kind or out of range."""


class BaselineError(SpikesynError, ValueError):
    """A baseline got inputs of the wrong shape, or was used before :meth:`fit`."""


class DigitSequenceError(SpikesynError, ValueError):
    """A setting of the digit-video network is missing, of the wrong kind or out of range."""


class SweepError(SpikesynError, ValueError):
    """A sweep's job, grid, seeds, executor or output file is wrong: the message says which."""


class ClusterError(SpikesynError, ValueError):
    """A Dask client or cluster cannot be used as asked (workers with several threads, bad
    arguments): the message says what to change."""


class SchedulerError(SpikesynError, ConnectionError):
    """A Dask scheduler could not be reached (or Dask is not installed)."""
