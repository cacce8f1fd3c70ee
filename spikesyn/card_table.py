"""Plain-text tables of a card's parameters: value, unit, range, provenance and meaning.

Every parameter of a card carries either ``source = "..."`` (where its value was published) or
``placeholder = true`` (a value chosen without a source); these tables show which, so a reader
can tell a device's measured characteristic from a modelling choice without opening the TOML.
:meth:`spikesyn.model.Model.describe` and ``spikesyn cards [NAME]`` print them.

Examples
--------
>>> import spikesyn as ss
>>> rows = parameter_rows(ss.load_model("stdp"))
>>> rows[1]["name"], rows[1]["value"], rows[1]["source"][:30]
('A_plus', '0.01', 'Song, Miller & Abbott 2000 as ')
>>> rows[0]["source"]
'placeholder'
"""

__all__ = ["PLACEHOLDER", "parameter_rows", "format_model", "format_all"]

#: What the tables print for a parameter marked ``placeholder = true``.
PLACEHOLDER = "placeholder"


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameter_rows(model):
    """One dict per parameter of ``model``, in card order.

    Parameters
    ----------
    model : spikesyn.model.Model

    Returns
    -------
    list of dict
        Keys ``name``, ``value``, ``unit`` (as written in the card; ``"1"`` for none),
        ``range`` (``"[low, high]"`` or ``""``), ``source`` (the reference, or
        :data:`PLACEHOLDER`) and ``doc``; all strings.

    Examples
    --------
    >>> import spikesyn as ss
    >>> row = parameter_rows(ss.load_model("pcm"))[0]
    >>> row["name"], row["value"], row["unit"], row["range"]
    ('Gmax', '25', 'uS', '[0.1, 1000]')
    """
    rows = []
    for name, spec in model._card.get("parameters", {}).items():
        lo_hi = spec.get("range")
        rows.append({
            "name": name,
            "value": _number(spec["value"]),
            "unit": spec["unit"],
            "range": f"[{_number(lo_hi[0])}, {_number(lo_hi[1])}]" if lo_hi else "",
            "source": spec.get("source", PLACEHOLDER),
            "doc": spec.get("doc", ""),
        })
    return rows


def _table(rows, columns):
    widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in columns[:-1]}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns[:-1]) + "  " + columns[-1]]
    for r in rows:
        lines.append("  ".join(r[c].ljust(widths[c]) for c in columns[:-1]) + "  " + r[columns[-1]])
    return lines


def format_model(model):
    """A card described in text: header, references, then each parameter with value, unit,
    range and source, its meaning on the line below.

    Examples
    --------
    >>> import spikesyn as ss
    >>> text = format_model(ss.load_model("stdp"))
    >>> print(text.splitlines()[0])
    stdp (synapse): Pair-based additive STDP with all-to-all traces (Song, Miller & Abbott 2000): the software baseline
    >>> "E_update" in text and "placeholder" in text
    True
    """
    rows = parameter_rows(model)
    n_sourced = sum(r["source"] != PLACEHOLDER for r in rows)
    lines = [f"{model.name} ({model.kind}): {model.summary}",
             f"card: {model.path}",
             f"references: {', '.join(model.references)}",
             f"parameters: {len(rows)}, {n_sourced} with a source, {len(rows) - n_sourced} placeholders"]
    if rows:
        table = _table(rows, ["name", "value", "unit", "range", "source"])
        lines.append(table[0])
        for row, line in zip(rows, table[1:]):
            lines.append(line)
            if row["doc"]:
                lines.append(f"    {row['doc']}")
    for name, spec in model.functions.items():
        lines.append(f"function {name}() (default: Brian2's {spec['default']}): {spec['doc']}")
    return "\n".join(lines)


def format_all(models):
    """Every parameter of several cards in one table: card, name, value, unit, source.

    Examples
    --------
    >>> import spikesyn as ss
    >>> lines = format_all([ss.load_model("stdp")]).splitlines()
    >>> lines[0].split()
    ['card', 'name', 'value', 'unit', 'source']
    >>> len(lines)                                # a header and 7 parameters
    8
    """
    rows = [dict(r, card=m.name) for m in models for r in parameter_rows(m)]
    return "\n".join(_table(rows, ["card", "name", "value", "unit", "source"]))
