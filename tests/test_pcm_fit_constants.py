"""Each PCM fit is written once, in spikesyn.devices.pcm: the cards and the kernels follow it.

The published values themselves are pinned elsewhere (test_card_sources.py, test_kernels.py,
the card tests); these tests tie the copies that the code needs to the one definition, so that a
constant changed in spikesyn.devices.pcm cannot leave a card or a compiled kernel behind.
"""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from brian2 import second, siemens, uS

import spikesyn as ss
from spikesyn.devices import pcm
from spikesyn.devices.kernels import KERNELS

REPO = Path(__file__).resolve().parents[1]
BENCHMARK_CARDS = sorted((REPO / "benchmarks" / "cards").glob("*.toml"))
#: card parameter -> the constant of spikesyn.devices.pcm it must equal (in the card's unit)
FIT_PARAMETERS = {
    "prog_c0": pcm.PROG_COEFFICIENTS[0] * uS,
    "prog_c1": pcm.PROG_COEFFICIENTS[1] * uS,
    "prog_c2": pcm.PROG_COEFFICIENTS[2] * uS,
    "prog_Gmax_ref": pcm.PROG_GMAX_REF,
    "t0": pcm.T0,
    "t_r": pcm.T_READ,
    **{f"set_{key}": value for key, value in pcm.SET_LAW.items()},
}
# the fits that only the kernels evaluate (no card parameter): no card may write them out
KERNEL_ONLY = {abs(v) for fit in (pcm.NU_MEAN_FIT, pcm.NU_SPREAD_FIT, pcm.READ_NOISE_FIT)
               for v in fit} - {0.1, 0.2}


def _cards():
    """(label, parsed card) for every shipped card and every benchmark card."""
    cards = [(name, ss.load_model(name)._card) for name in ss.available_models()]
    for path in BENCHMARK_CARDS:
        with open(path, "rb") as handle:
            cards.append((path.name, tomllib.load(handle)))
    return cards


CARDS = _cards()


@pytest.mark.parametrize("label,card", CARDS, ids=[label for label, _ in CARDS])
def test_card_fit_parameters_are_the_constants_of_devices_pcm(label, card):
    model = ss.load_model(label) if not label.endswith(".toml") else \
        ss.load_model(REPO / "benchmarks" / "cards" / label)
    for name, constant in FIT_PARAMETERS.items():
        if name not in model.parameters:
            continue
        np.testing.assert_allclose(float(model.parameters[name]), float(constant), rtol=1e-12,
                                   atol=0, err_msg=f"{label}.{name}")
    gmax = card.get("parameters", {}).get("Gmax", {})
    if "source" in gmax and "aihwkit" in gmax["source"]:
        np.testing.assert_allclose(float(model.parameters["Gmax"]), float(pcm.GMAX), rtol=1e-12,
                                   atol=0, err_msg=f"{label}.Gmax")


@pytest.mark.parametrize("label,card", CARDS, ids=[label for label, _ in CARDS])
def test_no_card_writes_out_a_fit_that_the_kernels_hold(label, card):
    code = [v for v in card.get("equations", {}).values() if isinstance(v, str)]
    code += [v for v in card.get("initial", {}).values() if isinstance(v, str)]
    numbers = {abs(float(n)) for text in code
               for n in re.findall(r"(?<![\w.])\d+\.\d*(?:e-?\d+)?|(?<![\w.])\d+e-?\d+", text)}
    assert not numbers & KERNEL_ONLY, f"{label} writes out {sorted(numbers & KERNEL_ONLY)}"


def test_compiled_kernels_are_generated_from_the_constants():
    for target in ("cpp", "cython"):
        nu = KERNELS["pcm_nu"].implementations[target].get_code(None)
        for fit in (pcm.NU_MEAN_FIT, pcm.NU_SPREAD_FIT):
            assert f"{fit.slope!r} * lg + {fit.intercept!r}, {fit.low!r}, {fit.high!r}" in nu, target
        noise = KERNELS["pcm_read_noise"].implementations[target].get_code(None)
        q = pcm.READ_NOISE_FIT
        for literal in (repr(q.coefficient), f"-{q.exponent!r}", repr(q.cap), repr(pcm.G_FLOOR)):
            assert literal in noise, (target, literal)
        mean = KERNELS["pcm_nu_mean"].implementations[target].get_code(None)
        assert repr(pcm.NU_MEAN_FIT.slope) in mean and repr(pcm.NU_SPREAD_FIT.slope) not in mean


def test_numpy_kernels_evaluate_the_functions_of_devices_pcm():
    g = np.geomspace(1e-7, 1.0, 200)
    mu, _ = pcm.drift_exponent_fit(g)
    numpy_mean = KERNELS["pcm_nu_mean"].implementations["numpy"].get_code(None)
    np.testing.assert_array_equal(numpy_mean(g, 1.0), mu)
    # the unit-carrying functions are the unitless cores
    mu_u, sigma_u = pcm.drift_exponent_stats(g * pcm.GMAX)
    np.testing.assert_allclose(mu_u, mu, rtol=1e-12, atol=0)
    np.testing.assert_allclose(sigma_u, pcm.drift_exponent_fit(g)[1], rtol=1e-12, atol=0)
    std = pcm.read_noise_std(g * pcm.GMAX, 0 * second)
    window = np.sqrt(np.log((float(pcm.T0 / second) + float(pcm.T_READ / second))
                            / (2 * float(pcm.T_READ / second))))
    np.testing.assert_allclose(np.asarray(std / siemens),
                               np.asarray(g * pcm.GMAX / siemens) * pcm.read_noise_amplitude(g) * window,
                               rtol=1e-12, atol=0)
