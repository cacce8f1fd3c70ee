"""What spikesyn tells a user while a network is built and run, and how to turn it down.

Three things, each written once here:

* :func:`quiet` hides Brian2's "Came across an abstract code block that may not be
  well-defined" warning. Brian2 gives it for any synaptic code that draws random numbers (its
  own ``rand()`` as much as the device kernels of the cards): which number lands on which
  synapse depends on the loop order, but every synapse still gets its own independent draw and
  a run repeats exactly with ``seed(...)``, so there is nothing to act on. Brian2's own
  ``BrianLogger.suppress_name`` compares only the last part of a logger name ("base" here) and
  would hide every warning of any module called ``base``; this filter matches the logger and
  the message.
* :func:`announce_compile` says once per environment, through the ``"spikesyn"`` logger, that
  the first run of a network compiles Brian2's code (20-70 s on two cores, cached afterwards).
  Turn it off with ``logging.getLogger("spikesyn").setLevel(logging.WARNING)`` or the
  environment variable ``SPIKESYN_COMPILE_NOTICE=0``.
* A user error (:class:`spikesyn.SpikesynError`) that nobody catches is printed as an ordinary
  Python traceback, not under Brian2's "Brian 2 encountered an unexpected error" banner.

Examples
--------
>>> import spikesyn as ss
>>> ss.quiet()
>>> ss.quiet(False)   # Brian2's warning shows again
"""

import logging
import os
import sys

from brian2 import get_device, prefs
from brian2.devices.device import RuntimeDevice
from brian2.utils.logger import BrianLogger

from spikesyn import compile_notice
from spikesyn.errors import SpikesynError

__all__ = ["quiet", "announce_compile"]

logger = logging.getLogger("spikesyn")

_ORDER_WARNING_LOGGER = "brian2.codegen.generators.base"
_ORDER_WARNING_TEXT = "Came across an abstract code block that may not be well-defined"
_FIRST_RUN_KIND = "first-network-run"


class _OrderWarningFilter(logging.Filter):
    """Drop Brian2's order-dependence warning, and nothing else."""

    def filter(self, record):
        return not (record.name == _ORDER_WARNING_LOGGER
                    and record.getMessage().startswith(_ORDER_WARNING_TEXT))


_FILTER = _OrderWarningFilter()


def quiet(enable=True):
    """Hide (or, with ``enable=False``, show again) Brian2's order-dependence warning.

    Parameters
    ----------
    enable : bool
        True hides the warning on Brian2's console handler; False removes the filter.

    Examples
    --------
    >>> import spikesyn as ss
    >>> ss.quiet()
    >>> ss.quiet(enable=False)
    """
    handler = BrianLogger.console_handler
    if handler is None:
        return
    if enable and _FILTER not in handler.filters:
        handler.addFilter(_FILTER)
    elif not enable:
        handler.removeFilter(_FILTER)


def _compiles():
    """Whether a run with the current Brian2 device and code-generation target compiles code."""
    if not isinstance(get_device(), RuntimeDevice):
        return True  # standalone devices build a whole C++ project
    target = prefs.codegen.target
    if target == "numpy":
        return False
    if target == "auto":
        try:
            import Cython  # noqa: F401  (Brian2's 'auto' uses Cython when it is installed)
        except ImportError:
            return False
    return True


def announce_compile(cache_dir=None):
    """Say once per environment that the first network run compiles Brian2's code.

    Called whenever a card hands its arguments to Brian2. Nothing is said on the numpy target,
    after the first notice in this environment (see :mod:`spikesyn.compile_notice`), or with
    ``SPIKESYN_COMPILE_NOTICE=0``.

    Parameters
    ----------
    cache_dir : str or pathlib.Path, optional
        Where the once-per-environment marker lives (default: that of
        :func:`spikesyn.compile_notice.needs_compile`).

    Returns
    -------
    bool
        Whether the notice was given now.

    Examples
    --------
    >>> import tempfile
    >>> from brian2 import prefs
    >>> prefs.codegen.target = "cython"
    >>> where = tempfile.mkdtemp()
    >>> announce_compile(cache_dir=where), announce_compile(cache_dir=where)
    (True, False)
    >>> prefs.codegen.target = "numpy"
    """
    if os.environ.get("SPIKESYN_COMPILE_NOTICE", "1").strip() in ("0", "no", "off", "false"):
        return False
    if not _compiles() or not compile_notice.needs_compile(_FIRST_RUN_KIND, cache_dir=cache_dir):
        return False
    logger.info("the first run of a network in this environment compiles Brian2's code "
                "(20-70 s on two cores; later runs reuse the cache in ~/.cython). "
                "SPIKESYN_COMPILE_NOTICE=0 turns this notice off.")
    compile_notice.mark_compiled(_FIRST_RUN_KIND, cache_dir=cache_dir)
    return True


def _set_up_logger():
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("spikesyn: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def _keep_user_errors_from_brians_banner():
    previous = sys.excepthook
    if getattr(previous, "spikesyn_hook", False):
        return

    def hook(exc_type, exc, traceback):
        if issubclass(exc_type, SpikesynError):
            return sys.__excepthook__(exc_type, exc, traceback)
        return previous(exc_type, exc, traceback)

    hook.spikesyn_hook = True
    sys.excepthook = hook


_set_up_logger()
_keep_user_errors_from_brians_banner()
