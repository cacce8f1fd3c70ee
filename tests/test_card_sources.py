"""Every card parameter is sourced or marked placeholder; the sourced values are the published ones.

The published numbers below are written out from the sources themselves (aihwkit's
PCMLikeNoiseModel and PCMPresetDevice, Ambrogio et al. 2018, Weilenmann et al. 2024, Song et al.
2000 as in Brian2's STDP example, Davies et al. 2018, Diehl & Cook 2015), not read from spikesyn.
Behavioural tests (test_pcm_cards.py, test_kernels.py, test_two_tier_card.py, ...) check what the
cards do with them; these pin the constants themselves, in the card's own unit, so a change of
any sourced default fails here at once.
"""

import numpy as np
import pytest

import spikesyn as ss
from spikesyn.card_table import PLACEHOLDER, format_all, parameter_rows
from spikesyn.cli import main

AIHWKIT_PCM = {  # PCMLikeNoiseModel defaults, in the cards' units
    "Gmax": 25.0, "prog_c0": 0.26348, "prog_c1": 1.9650, "prog_c2": -1.1731,
    "prog_noise_scale": 1.0, "read_noise_scale": 1.0, "drift_scale": 1.0,
    "t0": 20.0, "t_r": 250.0, "prog_Gmax_ref": 25.0,
}
PCM_PRESET = {  # PCMPresetDevice: dw_min, -A_up, gamma_up, w_max - w_min, dw_min_std, _add, _slope
    "set_dw_min": 0.01, "set_A": 27.235, "set_gamma": 2.5, "set_w_span": 2.0,
    "set_sd": 0.6, "set_sd_add": 0.042, "set_sd_slope": 0.108,
}
PUBLISHED = {
    "pcm": {**AIHWKIT_PCM, **PCM_PRESET},
    "pcm_pair": {**AIHWKIT_PCM, **PCM_PRESET},
    "pcm_memtransistor": {**AIHWKIT_PCM, **PCM_PRESET},
    "two_tier": {"F_gain": 3.0, "Gmax": 25.0, "prog_c0": 0.26348, "prog_c1": 1.9650,
                 "prog_c2": -1.1731, "prog_Gmax_ref": 25.0, "prog_noise_scale": 1.0,
                 "transfer_every": 8000, "W_offset": 2.0, "polarity_inversion": 1,
                 "transfer_mode": 1},
    "em_stdp_pcm": {"Gmax": 25.0, "t0": 20.0, "t_r": 250.0, "read_noise_scale": 1.0},
    "srtio3": {"V_read": 0.6},
    "srtio3_ideal": {"V_read": 0.6},
    "stdp": {"A_plus": 0.01, "A_minus": 0.0105, "tau_pre": 20.0, "tau_post": 20.0,
             "E_syn_op": 23.6, "E_update": 120.0},
    # Diehl & Cook: rest -65 mV, E_exc 0 mV, E_inh -100 mV, threshold -52 mV, reset -65 mV
    "alif": {"tau_m": 100.0, "E_e": 65.0, "E_i": -35.0, "tau_e": 1.0, "tau_i": 2.0,
             "v_th": 13.0, "v_reset": 0.0, "t_ref": 5.0, "theta_plus": 0.05, "tau_theta": 1e4},
}


def _sourced(model):
    return {r["name"]: r for r in parameter_rows(model) if r["source"] != PLACEHOLDER}


@pytest.mark.parametrize("name", ss.available_models())
def test_sourced_parameters_are_exactly_the_published_ones(name):
    model = ss.load_model(name)
    sourced = _sourced(model)
    published = PUBLISHED.get(name, {})
    assert set(sourced) == set(published), name
    for parameter, value in published.items():
        card_value = model._card["parameters"][parameter]["value"]
        np.testing.assert_allclose(card_value, value, rtol=1e-12, atol=0, err_msg=f"{name}.{parameter}")


def test_every_parameter_of_every_card_is_sourced_or_a_placeholder():
    for name in ss.available_models():
        for row in parameter_rows(ss.load_model(name)):
            spec = ss.load_model(name)._card["parameters"][row["name"]]
            assert ("source" in spec) != ("placeholder" in spec), (name, row["name"])
            assert row["doc"], (name, row["name"])


def test_describe_shows_value_unit_range_source_and_meaning():
    text = ss.load_model("two_tier").describe()
    lines = text.splitlines()
    assert lines[0].startswith("two_tier (synapse): ")
    assert "doi:10.1038/s41586-018-0180-5" in text
    row = next(line for line in lines if line.startswith("tau_cap "))
    assert row.split()[:4] == ["tau_cap", "100", "ms", "[0.01,"] and row.endswith("placeholder")
    assert "few ms Ambrogio et al. report" in lines[lines.index(row) + 1]
    row = next(line for line in lines if line.startswith("W_offset "))
    assert "Ambrogio et al., Nature 2018" in row


def test_cards_command_prints_every_card_and_one_card_in_full(capsys):
    assert main(["cards"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["card", "name", "value", "unit", "source"]
    n_parameters = sum(len(ss.load_model(n).parameters) for n in ss.available_models())
    assert len(out) == 1 + n_parameters
    assert any(line.split()[:4] == ["srtio3", "V_read", "0.6", "volt"] for line in out)
    assert main(["cards", "pcm"]) == 0
    full = capsys.readouterr().out
    assert full == ss.load_model("pcm").describe() + "\n"
    assert format_all([ss.load_model("pcm")]).splitlines()[1].split()[:4] == ["pcm", "Gmax", "25", "uS"]


def test_cards_command_with_an_unknown_name_exits_2_with_one_line(capsys):
    assert main(["cards", "pcm_nosuch"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("spikesyn cards: error: unknown model 'pcm_nosuch'")
