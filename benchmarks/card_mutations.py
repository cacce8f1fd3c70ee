"""Mutation check of the device cards: does a 10 % change of a sourced parameter fail a test?

For every parameter that a shipped card marks with ``source = "..."``, the card is read with that
one default changed by 10 % (x 1.1, or x 0.9 where 1.1 leaves the declared range, 1 - v for a
0/1 switch, and a shift by 5 % of the range for a default of 0), in memory (a mutated copy of the parsed card; the file is not touched), and tests
are run in this process against it:

* ``pinned``: tests/test_card_sources.py for that card (the published value written out);
* ``behaviour`` (with ``--behaviour``): the card's behavioural tests (its own test file, see
  ``CARD_TESTS``), stopping at the first failure; this column says which published values the
  simulated behaviour itself pins.

Before a card's mutations, a control run with the value unchanged must pass (else the check
would count a broken test as a kill).

A mutation is ``killed`` when a test fails, ``survived`` when all pass. The table is printed in
Markdown (``--out FILE`` writes it too).

Usage::

    python benchmarks/card_mutations.py                       # pinned column, every card
    python benchmarks/card_mutations.py --behaviour --cards pcm two_tier --out table.md
"""

import argparse
import contextlib
import io
import sys
import time
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import spikesyn as ss  # noqa: E402
import spikesyn.model as model_module  # noqa: E402
from spikesyn.card_table import PLACEHOLDER, parameter_rows  # noqa: E402
from spikesyn.cards import validate_card  # noqa: E402

#: The behavioural tests of each card (files under tests/, optional -k expression).
CARD_TESTS = {
    "pcm": (["test_pcm_cards.py"], "not pair"),
    "pcm_pair": (["test_pcm_cards.py"], "pair"),
    "pcm_memtransistor": (["test_pcm_memtransistor_card.py"], None),
    "two_tier": (["test_two_tier_card.py"], None),
    "srtio3": (["test_srtio3_card.py"], None),
    "srtio3_ideal": (["test_srtio3_card.py"], None),
    "stdp": (["test_stdp_alif_cards.py"], None),
    "alif": (["test_stdp_alif_cards.py"], None),
}


def mutated_value(spec):
    """The 10 % mutation of a parameter's default that stays inside its range."""
    value = spec["value"]
    lo, hi = spec.get("range", (-float("inf"), float("inf")))
    if value in (0, 1) and lo == 0 and hi == 1 and isinstance(value, int):
        return 1 - value
    if value == 0:          # 10 % of nothing: shift by 5 % of the declared range instead
        return value + 0.05 * (hi - lo)
    for factor in (1.1, 0.9):
        new = value * factor
        if isinstance(value, int) and not isinstance(value, bool):
            new = int(round(new))
        if lo <= new <= hi and new != value:
            return new
    raise ValueError(f"no 10 % mutation of {value} inside [{lo}, {hi}]")


class Mutation:
    """A pytest plugin: while active, the card ``card`` loads with ``parameter = value``."""

    def __init__(self, card, parameter, value):
        self.card, self.parameter, self.value = card, parameter, value
        self._original = None

    def _read_card(self, path):
        path = Path(path)
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        if data.get("name") == self.card:
            data["parameters"][self.parameter]["value"] = self.value
        validate_card(data, path)
        return data

    def pytest_sessionstart(self, session):
        self._original = model_module.read_card
        model_module.read_card = self._read_card
        model_module._CACHE.clear()

    def pytest_sessionfinish(self, session, exitstatus):
        model_module.read_card = self._original
        model_module._CACHE.clear()


def run_tests(args, plugin):
    """Run pytest quietly in this process; return its exit code."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return int(pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-W", "ignore",
                                "--rootdir", str(REPO), *args], plugins=[plugin]))


def verdict(code):
    return {0: "survived", 1: "killed"}.get(code, f"error ({code})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", nargs="*", default=None, help="cards to mutate (default: all)")
    parser.add_argument("--behaviour", action="store_true",
                        help="also run each card's behavioural tests (slow)")
    parser.add_argument("--parameters", nargs="*", default=None,
                        help="mutate only these parameters (default: every sourced one)")
    parser.add_argument("--out", type=Path, help="write the Markdown table here too")
    args = parser.parse_args(argv)
    cards = args.cards or ss.available_models()
    lines = ["| card | parameter | default | mutated | pinned | behaviour | s |",
             "|---|---|---|---|---|---|---|"]
    totals = {"pinned": [0, 0], "behaviour": [0, 0]}
    for card in cards:
        model = ss.load_model(card)
        sourced = [r for r in parameter_rows(model) if r["source"] != PLACEHOLDER]
        if sourced:   # control: the same machinery with the value unchanged must pass
            first = sourced[0]["name"]
            control = Mutation(card, first, model._card["parameters"][first]["value"])
            files = [str(REPO / "tests" / "test_card_sources.py")]
            if args.behaviour and card in CARD_TESTS:
                files += [str(REPO / "tests" / f) for f in CARD_TESTS[card][0]]
            if run_tests(files, control) != 0:
                raise SystemExit(f"{card}: the tests fail without a mutation; fix them first")
        for row in parameter_rows(model):
            if row["source"] == PLACEHOLDER or (args.parameters and row["name"] not in args.parameters):
                continue
            spec = model._card["parameters"][row["name"]]
            new = mutated_value(spec)
            start = time.perf_counter()
            mutation = Mutation(card, row["name"], new)
            pinned = verdict(run_tests(
                [str(REPO / "tests" / "test_card_sources.py"),
                 "-k", f"test_sourced_parameters_are_exactly_the_published_ones and {card}]"],
                mutation))
            totals["pinned"][0] += pinned == "killed"
            totals["pinned"][1] += 1
            behaviour = "not run"
            if args.behaviour and card in CARD_TESTS:
                files, select = CARD_TESTS[card]
                extra = ["-k", select] if select else []
                behaviour = verdict(run_tests([str(REPO / "tests" / f) for f in files] + extra,
                                              mutation))
                totals["behaviour"][0] += behaviour == "killed"
                totals["behaviour"][1] += 1
            elapsed = time.perf_counter() - start
            line = (f"| {card} | {row['name']} | {row['value']} {row['unit']} | {new:g} | {pinned} "
                    f"| {behaviour} | {elapsed:.0f} |")
            lines.append(line)
            print(line, flush=True)
    summary = [f"{column}: {killed} of {total} mutations killed"
               for column, (killed, total) in totals.items() if total]
    print("\n".join(summary))
    text = "\n".join(lines + [""] + summary)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
