"""The validated model a card describes, and the Brian2 keyword arguments it produces."""

import difflib
import re

import numpy as np
from brian2.units.fundamentalunits import get_unit_for_display

from spikesyn.card_table import format_model
from spikesyn.cards import card_functions, read_card, resolve_card_path
from spikesyn.devices.kernels import kernels_used
from spikesyn.errors import ParameterError, RequirementError
from spikesyn.messages import announce_compile
from spikesyn.units import as_quantity, parse_unit, unit_is_time


class Model:
    """A neuron or synapse model read from a card.

    Do not build one directly: use :func:`spikesyn.load_model`.

    Attributes
    ----------
    name, kind, summary, description : str
    references : list of str
    parameters : dict of str to brian2.Quantity
        Default parameter values with their units.
    functions : dict
        Functions the card's code calls, ``{name: {"default": ..., "doc": ...}}``: the default
        implementation (a Brian2 function such as ``randn``) is in the namespace that
        :meth:`neuron_kwargs` and :meth:`synapse_kwargs` return, under ``name``; a builder may
        put another function of the same meaning there.
    events : dict
        Energy events: ``{name: {"counter": var, "energy": param}}`` or ``{"accumulator": var}``.
    initial : dict of str to str
        Suggested initial values, applied by :meth:`initialise`.
    short_term : tuple of str
        The variables of the volatile (short-term) part of a synapse's state: zero at rest,
        decaying back to it; a network clears them between stimuli.
    path : pathlib.Path
        The card file.

    Examples
    --------
    >>> import spikesyn as ss
    >>> lif = ss.load_model("lif")
    >>> sorted(lif.neuron_kwargs())
    ['method', 'model', 'namespace', 'refractory', 'reset', 'threshold']
    """

    def __init__(self, card, path):
        self._card = card
        self.path = path
        self.name = card["name"]
        self.kind = card["kind"]
        self.summary = card["summary"]
        self.description = card.get("description", "")
        self.references = list(card["references"])
        self.family = card.get("family", self.name)
        self.parameters = dict(card["_parameters"])
        self.functions = {name: dict(spec) for name, spec in card.get("functions", {}).items()}
        self.events = {name: dict(spec) for name, spec in card.get("events", {}).items()}
        self.initial = dict(card.get("initial", {}))
        self.short_term = tuple(card.get("short_term", ()))
        self.requires = {side: dict(table) for side, table in card.get("requires", {}).items()}
        self.equations = card["_equations"]
        self._code = dict(card["equations"])
        # device kernels (spikesyn.devices.kernels) that the card's code and initial values call
        self._kernels = kernels_used(*self._code.values(), *self.initial.values())

    def __repr__(self):
        return f"<spikesyn Model {self.name!r} ({self.kind}): {self.summary}>"

    def describe(self):
        """The card in words: summary, references and every parameter with its value, unit,
        range, source (or ``placeholder``) and meaning.

        Returns
        -------
        str

        Examples
        --------
        >>> import spikesyn as ss
        >>> text = ss.load_model("pcm").describe()
        >>> [line for line in text.splitlines() if line.startswith("t0 ")][0].split()[:4]
        ['t0', '20', 'second', '[1e-09,']
        >>> "aihwkit PCMLikeNoiseModel: t_0 = 20 s" in text
        True
        """
        return format_model(self)

    @property
    def variables(self):
        """Names of the state variables the equations declare (subexpressions excluded)."""
        return sorted(set(self.equations.names) - set(self.equations.subexpr_names))

    @property
    def subexpressions(self):
        """Names of the subexpressions the equations declare."""
        return sorted(self.equations.subexpr_names)

    def parameter_unit(self, name):
        """The unit string a parameter is declared with in the card."""
        return self._card["_units"][name][1]

    def parameter_range(self, name):
        """(low, high) of a parameter as quantities, or (None, None) without a range."""
        unit = self._card["_units"][name][0]
        lo, hi = self._card["_ranges"][name]
        return (None if lo is None else lo * unit, None if hi is None else hi * unit)

    def namespace(self, **overrides):
        """Parameter values with overrides checked for unit and range.

        Parameters
        ----------
        **overrides : brian2.Quantity
            New values for parameters, with units (plain numbers only for dimensionless ones).

        Returns
        -------
        dict of str to brian2.Quantity

        Raises
        ------
        ParameterError
            Unknown name (close names suggested), missing or wrong unit, or value out of range.
        """
        namespace = dict(self.parameters)
        for name, value in overrides.items():
            if name not in namespace:
                close = difflib.get_close_matches(name, namespace, n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise ParameterError(
                    f"model {self.name!r} ({self.path}) has no parameter {name!r}{hint} "
                    f"(parameters: {', '.join(sorted(namespace))})")
            unit, unit_text = self._card["_units"][name]
            try:
                quantity = as_quantity(value, unit, name, unit_text)
            except ParameterError as exc:
                raise ParameterError(f"model {self.name!r}: {exc}") from None
            lo, hi = self._card["_ranges"][name]
            in_units = np.asarray(quantity / unit, dtype=float)
            # NaN passes every comparison, so it is refused before the range is checked
            if in_units.size == 0 or np.any(np.isnan(in_units)):
                raise ParameterError(
                    f"model {self.name!r}: parameter {name!r} = {value!r} must be numbers, not NaN "
                    f"or an empty array (card {self.path})")
            if lo is None and unit_is_time(unit) and np.any(in_units < 0):
                raise ParameterError(
                    f"model {self.name!r}: parameter {name!r} = {value!r} is a negative time "
                    f"(card {self.path})")
            if lo is not None and (np.any(in_units < lo) or np.any(in_units > hi)):
                raise ParameterError(
                    f"model {self.name!r}: parameter {name!r} = {value!r} is outside its valid range "
                    f"[{lo}, {hi}] {unit_text} (card {self.path})")
            namespace[name] = quantity
        return namespace

    def _namespace_with_kernels(self, overrides):
        namespace = self.namespace(**overrides)
        namespace.update(card_functions(self.functions))
        namespace.update(self._kernels)
        return namespace

    def neuron_kwargs(self, **overrides):
        """Keyword arguments for :class:`brian2.NeuronGroup`.

        Parameters
        ----------
        **overrides : brian2.Quantity
            Parameter values replacing the card's defaults (units and range checked).

        Returns
        -------
        dict
            ``model``, ``method``, ``namespace`` and, where the card has them, ``threshold``,
            ``reset`` and ``refractory``.

        Examples
        --------
        >>> from brian2 import NeuronGroup, mV
        >>> import spikesyn as ss
        >>> group = NeuronGroup(10, **ss.load_model("lif").neuron_kwargs(v_th=12 * mV))
        """
        self._require_kind("neuron")
        announce_compile()
        kwargs = {"model": self._code["model"], "namespace": self._namespace_with_kernels(overrides),
                  "method": self._code.get("method", "exact")}
        for key in ("threshold", "reset", "refractory"):
            if key in self._code:
                kwargs[key] = self._code[key]
        return kwargs

    def synapse_kwargs(self, **overrides):
        """Keyword arguments for :class:`brian2.Synapses`.

        Parameters
        ----------
        **overrides : brian2.Quantity
            Parameter values replacing the card's defaults (units and range checked).

        Returns
        -------
        dict
            ``model``, ``on_pre``, ``on_post``, ``namespace`` and ``method`` where the card sets it.

        Examples
        --------
        >>> from brian2 import NeuronGroup, PoissonGroup, Synapses, Hz
        >>> import spikesyn as ss
        >>> pre = PoissonGroup(5, 10 * Hz)
        >>> post = NeuronGroup(2, **ss.load_model("lif").neuron_kwargs())
        >>> S = Synapses(pre, post, **ss.load_model("stdp").synapse_kwargs())
        """
        self._require_kind("synapse")
        announce_compile()
        kwargs = {"model": self._code["model"], "namespace": self._namespace_with_kernels(overrides)}
        for key in ("on_pre", "on_post", "method"):
            if self._code.get(key, "").strip():
                kwargs[key] = self._code[key]
        return kwargs

    def check_requires(self, synapses):
        """Check that the groups a synapse connects hold the variables the card writes or reads.

        A synapse card names under ``[requires.pre]`` / ``[requires.post]`` each variable of the
        neighbouring groups that its code uses, with its unit. Brian2 itself checks them only when
        the network runs; this checks them as soon as the group exists, with a message that says
        what to write. :meth:`initialise` and :class:`spikesyn.EnergyMonitor` call it.

        Parameters
        ----------
        synapses : brian2.Synapses
            A group created with this model's keyword arguments.

        Raises
        ------
        spikesyn.errors.RequirementError
            A neighbouring group lacks a required variable or holds it in another unit.

        Examples
        --------
        >>> from brian2 import NeuronGroup, PoissonGroup, Synapses, Hz, ms
        >>> import spikesyn as ss
        >>> stdp = ss.load_model("stdp")
        >>> post = NeuronGroup(1, "dge/dt = -ge/(5*ms) : 1", threshold="ge > 1",
        ...                    name="post")  # as in Brian2's STDP example: ge without a unit
        >>> S = Synapses(PoissonGroup(3, 10*Hz), post, **stdp.synapse_kwargs())
        >>> stdp.check_requires(S)
        Traceback (most recent call last):
        ...
        spikesyn.errors.RequirementError: card 'stdp' adds to ge_post, so the post-synaptic group 'post' must hold ge in siemens, but it declares ge in dimensionless units: write "dge/dt = -ge/tau_ge : siemens" or "ge : siemens" in that group's equations ...
        """
        self._require_kind("synapse")
        sides = {"pre": getattr(synapses, "source", None), "post": getattr(synapses, "target", None)}
        for side, table in self.requires.items():
            group = sides.get(side)
            if group is None:
                continue
            for name, unit_text in table.items():
                self._check_required_variable(side, group, name, unit_text)

    def _check_required_variable(self, side, group, name, unit_text):
        needed = parse_unit(unit_text)
        unit_name = unit_text.strip() or "1"
        code = self._code.get("on_pre", "") + "\n" + self._code.get("on_post", "")
        target = rf"\b{name}_{side}\s*"
        what = ("adds to" if re.search(target + r"\+=", code)
                else "writes" if re.search(target + r"[-*/]?=(?!=)", code) else "reads")
        in_unit = "without a unit" if needed.dim == parse_unit("1").dim else f"in {unit_name}"
        intro = (f"card {self.name!r} {what} {name}_{side}, so the {side}-synaptic group "
                 f"{group.name!r} must hold {name} {in_unit}")
        hint = f'write "{name} : {unit_name}" in that group\'s equations'
        if needed.dim == parse_unit("siemens").dim:
            hint = (f'write "d{name}/dt = -{name}/tau_{name} : {unit_name}" or "{name} : {unit_name}" '
                    f"in that group's equations (a conductance, as the lif card's {name}), and make "
                    f"the equations that use {name} expect {unit_name} (for example "
                    f"{name}*(E_e - v)/C or {name}/g_leak)")
        variable = group.variables.get(name) if hasattr(group, "variables") else None
        if variable is None:
            raise RequirementError(f"{intro}, but it has no variable {name!r}: {hint}")
        if variable.dim != needed.dim:
            declared = str(get_unit_for_display(variable.dim))
            declared = "dimensionless units" if declared in ("1", "Unit(1)") else declared
            raise RequirementError(f"{intro}, but it declares {name} in {declared}: {hint}")

    def initialise(self, group):
        """Apply the card's suggested initial values to a group (call after ``connect`` for synapses).

        State variables start at zero in Brian2, and every shipped card is written so that zero
        is a valid rest state; this sets the card's ``[initial]`` table on top of that. For a
        synapse card it first checks the neighbouring groups (:meth:`check_requires`).

        Parameters
        ----------
        group : brian2.NeuronGroup or brian2.Synapses
            A group created with this model's keyword arguments.
        """
        if self.kind == "synapse":
            self.check_requires(group)
        for name, expr in self.initial.items():
            setattr(group, name, expr)
        return group

    def _require_kind(self, kind):
        if self.kind != kind:
            other = "synapse_kwargs" if self.kind == "synapse" else "neuron_kwargs"
            raise ParameterError(f"model {self.name!r} is a {self.kind} card: use {other}()")


_CACHE = {}


def load_model(name_or_path):
    """Load and validate a model card by shipped name or file path.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A name from :func:`spikesyn.available_models` or the path of a card file.

    Returns
    -------
    Model

    Raises
    ------
    spikesyn.errors.UnknownModelError
        If no shipped card has that name (close names are suggested) and it is not a file.
    spikesyn.errors.CardError
        If the card is malformed; the message names the file and field.

    Examples
    --------
    >>> import spikesyn as ss
    >>> pcm = ss.load_model("pcm")
    >>> pcm.kind
    'synapse'
    """
    path = resolve_card_path(name_or_path).resolve()
    stamp = path.stat().st_mtime_ns
    cached = _CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, Model(read_card(path), path))
        _CACHE[path] = cached
    return cached[1]
