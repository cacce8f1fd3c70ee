"""Finding, reading and validating model cards (one TOML file per model).

A card is data: this module checks it field by field and hands a :class:`spikesyn.model.Model`
back. Every problem is reported as one :class:`spikesyn.errors.CardError` naming the file and the
field, before Brian2 ever sees the equations. The card format is described in models/README.md.
"""

import contextlib
import difflib
import importlib
import math
import os
import re
import tomllib
from importlib import resources
from pathlib import Path

from brian2 import Equations, NeuronGroup, Synapses, second
from brian2.codegen.translation import analyse_identifiers
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.core.variables import Subexpression
from brian2.equations.unitcheck import check_units_statements
from brian2.parsing.expressions import is_boolean_expression
from brian2.units.fundamentalunits import DimensionMismatchError
from brian2.utils.stringtools import get_identifiers

from spikesyn.devices.kernels import kernels_used
from spikesyn.errors import CardError, ParameterError, UnknownModelError
from spikesyn.units import parse_unit

KINDS = ("neuron", "synapse")
_REQUIRED = ("name", "kind", "summary", "references", "equations")
_KNOWN_TOP = set(_REQUIRED) | {"description", "parameters", "functions", "initial", "events", "requires", "family",
                                "short_term"}
_NEURON_CODE = ("threshold", "reset", "refractory")
_SYNAPSE_CODE = ("on_pre", "on_post")
_KNOWN_EQUATION_FIELDS = {"model", "method"} | set(_NEURON_CODE) | set(_SYNAPSE_CODE)
#: the Brian2 functions a card's ``[functions]`` entry may name as its default implementation
FUNCTION_DEFAULTS = ("randn", "rand")
_FUNCTION_KEYS = {"default", "doc"}


def models_dir():
    """Folder holding the shipped cards (``neurons/`` and ``synapses/`` inside).

    Returns
    -------
    pathlib.Path
    """
    return Path(resources.files("spikesyn.models"))


def shipped_cards():
    """Map each shipped model name to its card file.

    Returns
    -------
    dict of str to pathlib.Path
    """
    root = models_dir()
    return {path.stem: path for sub in ("neurons", "synapses")
            for path in sorted((root / sub).glob("*.toml"))}


def available_models(kind=None):
    """Names of the shipped model cards, sorted.

    Parameters
    ----------
    kind : {"neuron", "synapse"}, optional
        Only cards of this kind.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import spikesyn as ss
    >>> "lif" in ss.available_models("neuron")
    True
    """
    cards = shipped_cards()
    if kind is None:
        return sorted(cards)
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {KINDS}, got {kind!r}")
    return sorted(name for name, path in cards.items() if read_card(path)["kind"] == kind)


def resolve_card_path(name_or_path):
    """Find the card file for a shipped model name or a path on disk.

    A bare name (no folder separator, no ``.toml``) means a shipped card first, so a folder or
    file called ``pcm`` in the working directory does not hide the shipped ``pcm``; anything
    else is a path.

    Raises
    ------
    UnknownModelError
        For a name that is neither a shipped card nor an existing file; close names are suggested.

    Examples
    --------
    >>> resolve_card_path("pcm").name
    'pcm.toml'
    """
    text = str(name_or_path)
    path = Path(text).expanduser()
    cards = shipped_cards()
    if _is_bare_name(name_or_path, text) and text in cards:
        return cards[text]
    if not _is_bare_name(name_or_path, text) or path.exists():
        if not path.is_file():
            raise UnknownModelError(f"no card file at {path}")
        return path
    close = difflib.get_close_matches(text, cards, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownModelError(
        f"unknown model {text!r}{hint} (spikesyn.available_models() lists {len(cards)} shipped cards; "
        "a path to your own .toml card works too)")


def _is_bare_name(given, text):
    separators = {"/", os.sep, os.altsep} - {None}
    return (isinstance(given, str) and not any(sep in text for sep in separators)
            and not text.endswith(".toml") and not text.startswith("~"))


def read_card(path):
    """Parse a card file and validate it.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    dict
        The validated card with parameters resolved to Brian2 quantities under ``"_parameters"``.

    Raises
    ------
    CardError
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(path, "<file>", f"is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CardError(path, "<file>", f"is not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CardError(path, "<file>", f"cannot be read: {exc.strerror or exc}") from None
    validate_card(data, path)
    return data


def validate_card(data, source):
    """Check a parsed card; raise :class:`CardError` on the first problem.

    The checks: required fields present with the right types, each parameter's unit known and
    its default inside its range, every symbol used by the equations and event code defined,
    units consistent in every equation and statement, events pointing at declared variables.
    """
    for field in _REQUIRED:
        if field not in data:
            raise CardError(source, field, "is missing")
    unknown = set(data) - _KNOWN_TOP
    if unknown:
        raise CardError(source, sorted(unknown)[0], f"is not a card field (known: {', '.join(sorted(_KNOWN_TOP))})")
    for field in ("name", "summary"):
        if not isinstance(data[field], str) or not data[field].strip():
            raise CardError(source, field, "must be a non-empty string")
    if data["kind"] not in KINDS:
        raise CardError(source, "kind", f"must be one of {KINDS}, got {data['kind']!r}")
    refs = data["references"]
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
        raise CardError(source, "references", "must be a non-empty list of strings (DOI or arXiv id)")
    data["_parameters"], data["_units"], data["_ranges"] = _read_parameters(data.get("parameters", {}), source)
    _check_functions(data, source)
    _check_equation_fields(data, source)
    _check_with_brian(data, source)
    _check_events(data, source)
    _check_initial(data, source)
    _check_short_term(data, source)


def _read_parameters(table, source):
    values, units, ranges = {}, {}, {}
    if not isinstance(table, dict):
        raise CardError(source, "parameters", "must be a table of parameter tables")
    for name, spec in table.items():
        field = f"parameters.{name}"
        if not isinstance(spec, dict):
            raise CardError(source, field, "must be a table with value, unit and range")
        for key in ("value", "unit"):
            if key not in spec:
                raise CardError(source, f"{field}.{key}", "is missing")
        value = spec["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CardError(source, f"{field}.value", f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise CardError(source, f"{field}.value", f"must be a finite number, got {value!r}")
        if not isinstance(spec["unit"], str):
            raise CardError(source, f"{field}.unit", f"must be a unit string such as \"ms\", got {spec['unit']!r}")
        try:
            unit = parse_unit(spec["unit"])
        except ValueError as exc:
            raise CardError(source, f"{field}.unit", str(exc)) from None
        lo, hi = None, None
        if "range" in spec:
            rng = spec["range"]
            # the shape is checked before the two bounds are taken out of it
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                               and not math.isnan(x) for x in rng)
                    or rng[0] > rng[1]):
                raise CardError(source, f"{field}.range", f"must be [low, high] numbers with low <= high, got {rng!r}")
            lo, hi = rng
            if not lo <= value <= hi:
                raise CardError(source, f"{field}.value", f"{value} is outside its range [{lo}, {hi}] {spec['unit']}")
        elif value < 0 and unit.dim is second.dim:
            raise CardError(source, f"{field}.value", f"a time cannot be negative, got {value} {spec['unit']} "
                                                      f"(a range that allows it would say so)")
        _check_provenance(spec, source, field)
        values[name] = value * unit
        units[name] = (unit, spec["unit"])
        ranges[name] = (lo, hi)
    return values, units, ranges


_PARAMETER_KEYS = {"value", "unit", "range", "doc", "source", "placeholder"}


def _check_provenance(spec, source, field):
    """A parameter says where its value comes from: ``source = "reference, figure"`` or
    ``placeholder = true`` (a value chosen without a source), exactly one of the two."""
    unknown = set(spec) - _PARAMETER_KEYS
    if unknown:
        raise CardError(source, f"{field}.{sorted(unknown)[0]}",
                        f"is not a parameter field (known: {', '.join(sorted(_PARAMETER_KEYS))})")
    cited, placeholder = spec.get("source"), spec.get("placeholder")
    if cited is not None and (not isinstance(cited, str) or not cited.strip()):
        raise CardError(source, f"{field}.source", f"must be a non-empty string, got {cited!r}")
    if placeholder is not None and placeholder is not True:
        raise CardError(source, f"{field}.placeholder", f"must be true when present, got {placeholder!r}")
    if (cited is None) == (placeholder is None):
        raise CardError(source, field, "needs exactly one of source = \"reference, figure or table\" "
                        "and placeholder = true (a value without a published source)"
                        if cited is None else "has both a source and placeholder = true: keep one")


def _check_functions(data, source):
    """``[functions]``: each a table with ``default`` (one of :data:`FUNCTION_DEFAULTS`) and
    ``doc``, named like no parameter."""
    table = data.get("functions", {})
    if not isinstance(table, dict):
        raise CardError(source, "functions", "must be a table of function tables")
    for name, spec in table.items():
        field = f"functions.{name}"
        if not isinstance(spec, dict):
            raise CardError(source, field, "must be a table with default and doc")
        unknown = set(spec) - _FUNCTION_KEYS
        if unknown:
            raise CardError(source, f"{field}.{sorted(unknown)[0]}",
                            f"is not a function field (known: {', '.join(sorted(_FUNCTION_KEYS))})")
        if not name.isidentifier() or name in data["_parameters"]:
            raise CardError(source, field, "must be an identifier that names no parameter")
        if spec.get("default") not in FUNCTION_DEFAULTS:
            raise CardError(source, f"{field}.default",
                            f"must be one of {', '.join(FUNCTION_DEFAULTS)} (Brian2's functions), "
                            f"got {spec.get('default')!r}")
        if not isinstance(spec.get("doc"), str) or not spec["doc"].strip():
            raise CardError(source, f"{field}.doc", "must say what the function returns")


def card_functions(functions):
    """The default implementations of a card's ``[functions]``: ``{name: brian2 Function}``.

    A builder may pass another function of the same meaning under the same name in the
    namespace (the card's code calls it by that name).

    Examples
    --------
    >>> f = card_functions({"read_noise": {"default": "randn", "doc": "a standard normal number"}})
    >>> f["read_noise"] is DEFAULT_FUNCTIONS["randn"]
    True
    """
    return {name: DEFAULT_FUNCTIONS[spec["default"]] for name, spec in functions.items()}


def _check_equation_fields(data, source):
    eqs = data["equations"]
    if not isinstance(eqs, dict) or "model" not in eqs:
        raise CardError(source, "equations.model", "is missing")
    unknown = set(eqs) - _KNOWN_EQUATION_FIELDS
    if unknown:
        raise CardError(source, f"equations.{sorted(unknown)[0]}",
                        f"is not an equations field (known: {', '.join(sorted(_KNOWN_EQUATION_FIELDS))})")
    wrong_kind = set(_SYNAPSE_CODE if data["kind"] == "neuron" else _NEURON_CODE) & set(eqs)
    if wrong_kind:
        raise CardError(source, f"equations.{sorted(wrong_kind)[0]}", f"does not apply to a {data['kind']} card")
    for key, value in eqs.items():
        if not isinstance(value, str):
            raise CardError(source, f"equations.{key}", "must be a string")
    try:
        data["_equations"] = Equations(eqs["model"])
    except Exception as exc:  # Brian2 raises several types for a bad equation string
        raise CardError(source, "equations.model", f"Brian2 cannot parse the equations: {exc}") from None


def _check_with_brian(data, source):
    """Build a one-element Brian2 group from the card to check symbols and units.

    Creating a group generates no code, so this costs milliseconds on any target.
    """
    eqs = data["equations"]
    namespace = dict(data["_parameters"])
    namespace.update(card_functions(data.get("functions", {})))
    initial = data.get("initial", {})
    namespace.update(kernels_used(*eqs.values(), *(initial.values() if isinstance(initial, dict) else ())))
    try:
        with _runtime_device():
            group = _probe_group(data, namespace)
    except Exception as exc:
        raise CardError(source, "equations.model", f"Brian2 rejects the model: {exc}") from None
    finally:
        _silence_unused_warnings()
    variables = dict(group.variables)
    model_eqs = data["_equations"]
    try:
        model_eqs.check_units(group, run_namespace={})
    except (DimensionMismatchError, KeyError) as exc:
        raise _naming_parameters(CardError(source, "equations.model", _describe(exc)), data) from None
    try:
        fields = ("threshold",) if data["kind"] == "neuron" else ()
        for field in fields:
            if field in eqs:
                _check_expression(eqs[field], group, variables, source, f"equations.{field}")
        code_fields = ("reset",) if data["kind"] == "neuron" else _SYNAPSE_CODE
        for field in code_fields:
            if field in eqs and eqs[field].strip():
                _check_statements(eqs[field], group, variables, source, f"equations.{field}")
        if "refractory" in eqs:
            _check_expression(eqs["refractory"], group, variables, source, "equations.refractory",
                              allow_time=True)
        _check_initial_values(data, group, variables, source)
    except CardError as exc:
        raise _naming_parameters(exc, data) from None


def _naming_parameters(error, data):
    """A unit error with the card parameters of the offending expression and their declared
    units added, so that a parameter given the wrong unit is named (Brian2 reports only the
    expression, in SI base units)."""
    if "unit" not in error.problem:
        return error
    quoted = re.findall(r"(?:Expression|statement) '([^']*)'|statement \"([^\"]*)\"", error.problem)
    text = " ".join(a or b for a, b in quoted) or error.problem
    used = sorted(get_identifiers(text) & set(data["_units"]))
    if not used:
        return error
    listed = ", ".join(f"{name} [{data['_units'][name][1]}]" for name in used)
    return CardError(error.source, error.field, f"{error.problem} Card parameters in it: {listed}; "
                                                f"check that each has the unit the equation needs.")


def _check_initial_values(data, group, variables, source):
    """The ``[initial]`` expressions, read as Brian2 will at ``initialise()``: symbols and units
    are checked when the card loads, not when the first group is set up."""
    initial = data.get("initial", {})
    if not isinstance(initial, dict):
        return  # reported by _check_initial
    declared = set(data["_equations"].names)
    for name, expr in initial.items():
        if name in declared and isinstance(expr, str) and expr.strip():
            _check_statements(f"{name} = {expr}", group, variables, source, f"initial.{name}")


def _probe_group(data, namespace):
    eqs = data["equations"]
    if data["kind"] == "neuron":
        kwargs = {key: eqs[key] for key in ("threshold", "reset") if key in eqs}
        if "refractory" in eqs:
            kwargs["refractory"] = eqs["refractory"]
        return _probe(NeuronGroup(1, eqs["model"], namespace=namespace, method=eqs.get("method"),
                                  name="card_probe_neurons*", **kwargs))
    requires = data.get("requires", {})
    pre = _probe(NeuronGroup(1, _requirement_equations(requires.get("pre", {})), name="card_probe_pre*"))
    post = _probe(NeuronGroup(1, _requirement_equations(requires.get("post", {})), name="card_probe_post*"))
    return _probe(Synapses(pre, post, eqs["model"], namespace=namespace, method=eqs.get("method"),
                           name="card_probe_synapses*"))


_PROBES = []


@contextlib.contextmanager
def _runtime_device():
    """Build probe groups on Brian2's runtime device, whatever device the user has set.

    Under cpp_standalone, objects created while checking a card would otherwise be registered
    with the standalone project and break its build once they are garbage collected.
    """
    # the module itself: the attribute brian2.devices.device is a proxy of the active device
    devices = importlib.import_module("brian2.devices.device")
    previous = devices.active_device
    devices.active_device = devices.runtime_device
    try:
        yield
    finally:
        devices.active_device = previous


def _probe(obj):
    _PROBES.append(obj)
    return obj


def _silence_unused_warnings():
    # Probe groups are never run; mark them so Brian2 does not warn that they were left
    # out of a network when they are garbage collected.
    while _PROBES:
        obj = _PROBES.pop()
        for sub in [obj, *getattr(obj, "contained_objects", [])]:
            sub._network = "spikesyn card check"


def _requirement_equations(table):
    lines = [f"{name} : {unit}" for name, unit in table.items()]
    return "\n".join(lines) if lines else "dummy_probe_variable : 1"


def _resolve(names, group, variables):
    """Variables plus the external names (parameters, functions) that ``names`` need.

    Identifiers used inside subexpressions are resolved too, since Brian2 substitutes them
    into the code that refers to the subexpression.
    """

    resolved = dict(variables)
    pending, seen = set(names), set()
    while pending:
        name = pending.pop()
        seen.add(name)
        if isinstance(resolved.get(name), Subexpression):
            pending |= set(get_identifiers(resolved[name].expr)) - seen
    missing = [name for name in seen if name not in resolved]
    resolved.update(group.resolve_all(missing, run_namespace={}, user_identifiers=missing))
    return resolved


def _check_expression(expr, group, variables, source, field, allow_time=False):
    if allow_time:
        try:
            parse_unit(expr)  # a literal like "2*ms" is fine
        except ValueError:
            pass
        else:
            return
    try:
        resolved = _resolve(get_identifiers(expr), group, variables)
        if not allow_time and not is_boolean_expression(expr, resolved):
            raise CardError(source, field, f"{expr!r} is not a boolean condition")
    except CardError:
        raise
    except Exception as exc:
        raise CardError(source, field, _describe(exc)) from None


def _check_statements(code, group, variables, source, field):
    try:
        # names assigned in the code before use are temporaries, not symbols to resolve
        _check_required_neighbours(get_identifiers(code), group, variables, source, field)
        _, used, unknown = analyse_identifiers(code, variables)
        resolved = _resolve(set(used) | set(unknown), group, variables)
        check_units_statements(code, resolved)
    except CardError:
        raise
    except Exception as exc:
        raise CardError(source, field, _describe(exc)) from None


def _check_required_neighbours(names, group, variables, source, field):
    """A synapse's code that uses ``x_pre`` or ``x_post`` needs x declared under [requires]."""
    for name in sorted(names):
        base, _, side = name.rpartition("_")
        if side in ("pre", "post") and base and name not in variables and name not in group.namespace:
            raise CardError(
                source, field,
                f"uses {name!r}, the {side}-synaptic group's variable {base!r}, but [requires.{side}] "
                f"does not declare it: add {base} = \"<unit>\" (for example \"siemens\") under "
                f"[requires.{side}]")


def _describe(exc):
    text = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in text if line.strip()) or type(exc).__name__


def _check_events(data, source):
    events = data.get("events", {})
    if not isinstance(events, dict):
        raise CardError(source, "events", "must be a table of event tables")
    declared = set(data["_equations"].names)
    for name, spec in events.items():
        field = f"events.{name}"
        if not isinstance(spec, dict):
            raise CardError(source, field, "must be a table")
        if "counter" in spec:
            if spec["counter"] not in declared:
                raise CardError(source, f"{field}.counter", f"{spec['counter']!r} is not a variable of the model")
            energy = spec.get("energy")
            if energy not in data["_parameters"]:
                raise CardError(source, f"{field}.energy", f"must name a parameter with energy units, got {energy!r}")
            if not data["_parameters"][energy].dim == parse_unit("joule").dim:
                raise CardError(source, f"{field}.energy", f"parameter {energy!r} must be in joules")
        elif "accumulator" in spec:
            acc = spec["accumulator"]
            if acc not in declared:
                raise CardError(source, f"{field}.accumulator", f"{acc!r} is not a variable of the model")
            if data["_equations"].dimensions[acc] != parse_unit("joule").dim:
                raise CardError(source, f"{field}.accumulator", f"variable {acc!r} must be in joules")
        else:
            raise CardError(source, field, "needs either counter (with energy) or accumulator")


def _check_short_term(data, source):
    names = data.get("short_term", [])
    if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
        raise CardError(source, "short_term", "must be a list of variable names")
    declared = set(data["_equations"].names)
    for name in names:
        if name not in declared:
            raise CardError(source, "short_term", f"{name!r} is not a variable of the model")


def _check_initial(data, source):
    initial = data.get("initial", {})
    if not isinstance(initial, dict):
        raise CardError(source, "initial", "must be a table of variable = expression")
    declared = set(data["_equations"].names)
    for name, expr in initial.items():
        if name not in declared:
            raise CardError(source, f"initial.{name}", f"{name!r} is not a variable of the model")
        if not isinstance(expr, (str, int, float)) or isinstance(expr, bool):
            raise CardError(source, f"initial.{name}", "must be an expression string or a number")
