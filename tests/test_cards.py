"""Reading, validating and using model cards: the engine's contract with users."""

import re

import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, mV, ms, nS, pjoule

import spikesyn as ss
from spikesyn.errors import CardError, ParameterError, UnknownModelError

from conftest import FIXTURES

INVALID = sorted((FIXTURES / "invalid").glob("*.toml"))


def _expectation(path):
    first = path.read_text().splitlines()[0]
    match = re.match(r"# expect: (\S+) :: (.+)", first)
    assert match, f"{path.name} must start with '# expect: field :: text'"
    return match.group(1), match.group(2)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_card_gives_one_clear_error_naming_file_and_field(path):
    field, text = _expectation(path)
    with pytest.raises(CardError) as info:
        ss.load_model(path)
    error = info.value
    assert error.field == field
    assert text in error.problem, error.problem
    assert str(path) in str(error)
    assert "Traceback" not in str(error)


def test_every_shipped_card_loads_with_references_and_ranges():
    names = ss.available_models()
    assert "lif" in names
    for name in names:
        model = ss.load_model(name)
        assert model.name == name
        assert model.references and all(ref.startswith(("doi:", "arXiv:")) for ref in model.references)
        for param in model.parameters:
            lo, hi = model.parameter_range(param)
            assert lo is not None and lo <= model.parameters[param] <= hi, (name, param)


def test_user_card_outside_the_package_loads_and_runs():
    model = ss.load_model(FIXTURES / "valid" / "decaying_synapse.toml")
    assert model.kind == "synapse" and model.variables == ["n_events", "w"]
    pre = SpikeGeneratorGroup(1, [0, 0, 0], [1, 2, 3] * ms)
    post = NeuronGroup(1, **ss.load_model("lif").neuron_kwargs())
    syn = Synapses(pre, post, **model.synapse_kwargs(w0=1 * nS))
    syn.connect()
    model.initialise(syn)
    net = Network(pre, post, syn)
    net.run(5 * ms)
    assert syn.n_events[0] == 3
    report = ss.energy_of(syn, model)
    assert report.counts == {"kick": 3}
    assert abs(float(report.total / pjoule) - 4.5) < 1e-9


def test_unknown_model_name_suggests_close_names():
    with pytest.raises(UnknownModelError, match="did you mean 'lif'"):
        ss.load_model("lfi")


def test_missing_card_file_is_reported():
    with pytest.raises(UnknownModelError, match="no card file"):
        ss.load_model("/nonexistent/card.toml")


@pytest.mark.parametrize("overrides, message", [
    ({"v_th": 10}, "needs a unit of V"),
    ({"v_th": 10 * ms}, "needs a unit of V"),
    ({"v_th": 100 * mV}, "outside its valid range"),
    ({"vth": 10 * mV}, "did you mean 'v_th'"),
])
def test_bad_overrides_are_refused_with_the_reason(overrides, message):
    with pytest.raises(ParameterError, match=message):
        ss.load_model("lif").neuron_kwargs(**overrides)


def test_override_reaches_the_simulation():
    lif = ss.load_model("lif")
    kwargs = lif.neuron_kwargs(v_th=5 * mV)
    assert kwargs["namespace"]["v_th"] == 5 * mV
    assert lif.parameters["v_th"] == 15 * mV  # the card's default is untouched


def test_kind_mismatch_is_explained():
    with pytest.raises(ParameterError, match="use neuron_kwargs"):
        ss.load_model("lif").synapse_kwargs()


def test_lif_rests_at_zero_and_fires_under_drive():
    # The zero state is rest: without input nothing happens; with input it fires regularly.
    lif = ss.load_model("lif")
    group = NeuronGroup(2, **lif.neuron_kwargs())
    group.ge = [0, 20] * nS
    from brian2 import SpikeMonitor
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(20 * ms)
    assert spikes.count[0] == 0 and spikes.count[1] >= 1
