"""Numbers people read: three significant digits with an SI prefix in every energy table."""

import re

import numpy as np
import pytest
from brian2 import joule, nS, pjoule

from spikesyn.cli.maxcut import natural_key, write_partition
from spikesyn.energy import EnergyReport
from spikesyn.energy_compare import EnergyComparison
from spikesyn.energy_compare import comparison, format_comparison
from spikesyn.readable import format_si


def test_format_si_rounds_to_three_significant_digits_and_picks_the_prefix():
    cases = {0.32817048e-9: "328 pJ", 0.92e-9: "920 pJ", 20e-15: "20 fJ", 35.3699572e-6: "35.4 uJ",
             4.89863436e-9: "4.9 nJ", 999.7e-12: "1 nJ", 1.0: "1 J", 0.0: "0 J", 1.5e-3: "1.5 mJ"}
    for joules, text in cases.items():
        assert format_si(joules * joule) == text, joules
    assert format_si(2 * nS) == "2 nS"
    assert format_si(123456.0, digits=2, unit="J") == "120 kJ"


# a number with more than 3 significant digits, or Brian2's trailing-dot repr ("20. fJ")
UNREADABLE = re.compile(r"\d\.\s|\d\.?\d{4,}\s?[a-zA-Z]?J\b")


def test_energy_tables_print_readable_numbers():
    report = EnergyReport(counts={"set": 230, "reset": 170},
                          per_event={"set": 1.15e-9 * joule, "reset": 3.4e-9 * joule,
                                     "read": 0.34863436e-9 * joule},
                          per_synapse=np.array([2.44931718e-9, 2.44931718e-9]) * joule)
    text = str(report)
    assert "349 pJ" in text and "4.9 nJ" in text and not UNREADABLE.search(text), text
    d = comparison(report, {"n_synaptic_events": 1000, "n_weight_updates": 400})
    lines = "\n".join(format_comparison(d))
    assert not UNREADABLE.search(lines), lines
    comp = EnergyComparison(device=0.32817048e-9 * joule, digital=20e-15 * joule, ratio=6.1e-5)
    assert str(comp).startswith("device 328 pJ, digital 20 fJ")


def test_partition_file_lists_nodes_in_natural_order(tmp_path):
    out = tmp_path / "part.txt"
    write_partition(out, [{10, 2, 1}, {11, 3, 20}])
    rows = [line.split() for line in out.read_text().splitlines()[1:]]
    assert rows == [["1", "0"], ["2", "0"], ["10", "0"], ["3", "1"], ["11", "1"], ["20", "1"]]
    assert sorted(["n10", "n9", "n100"], key=natural_key) == ["n9", "n10", "n100"]


@pytest.mark.parametrize("command", ["maxcut", "energy"])
def test_help_shows_the_default_of_every_option_that_takes_a_value(command):
    from spikesyn.cli import command_parsers

    sub = command_parsers()[command]
    options = [a for a in sub._actions if a.option_strings and a.nargs != 0]
    assert len(options) >= 6
    for action in options:
        assert action.help and "default" in action.help, action.option_strings
        if action.default not in (None, False):
            shown = str(action.default)
            assert shown in action.help or f"{action.default:g}" in action.help, (action.option_strings, shown)
    help_text = sub.format_help()
    if command == "maxcut":
        assert "count from 1" in help_text and "natural order" in help_text
