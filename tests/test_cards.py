"""Reading, validating and using model cards: the engine's contract with users."""

import re

import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, mV, ms, nS, pjoule

import spikesyn as ss
from spikesyn.errors import CardError, ParameterError, RequirementError, UnknownModelError

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


@pytest.mark.parametrize("given", ["pcm", "stdp"])
def test_bare_name_means_the_shipped_card_even_when_a_folder_or_file_shadows_it(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pcm").mkdir()                       # a folder named like a shipped card
    (tmp_path / "stdp").write_text("not a card")     # and a file
    model = ss.load_model(given)
    assert model.name == given
    assert model.path.parent.name == "synapses" and model.path.parent.parent.name == "models"


def test_a_path_is_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pcm").mkdir()
    with pytest.raises(UnknownModelError, match="no card file at pcm"):
        ss.load_model(tmp_path.joinpath("pcm").relative_to(tmp_path))   # a Path object
    with pytest.raises(UnknownModelError, match="no card file"):
        ss.load_model("./pcm")
    own = tmp_path / "pcm.toml"
    own.write_text((FIXTURES / "valid" / "decaying_synapse.toml").read_text())
    assert ss.load_model("pcm.toml").name == "decaying_synapse"


def _stdp_onto(post_equations):
    stdp = ss.load_model("stdp")
    pre = SpikeGeneratorGroup(1, [0], [1] * ms)
    post = NeuronGroup(1, post_equations, threshold="False", name="song_neuron")
    syn = Synapses(pre, post, **stdp.synapse_kwargs())
    syn.connect()
    return stdp, syn


def test_dimensionless_ge_is_refused_when_the_synapse_is_set_up_not_at_run():
    # Brian2's STDP example declares ge without a unit (ge in units of gmax)
    stdp, syn = _stdp_onto("dge/dt = -ge/(5*ms) : 1")
    with pytest.raises(RequirementError) as info:
        stdp.initialise(syn)
    message = str(info.value)
    for words in ("card 'stdp'", "ge_post", "'song_neuron'", "in siemens", "dimensionless",
                  '"ge : siemens"'):
        assert words in message, message
    with pytest.raises(RequirementError, match="declares ge in dimensionless units"):
        ss.EnergyMonitor(syn, stdp)


def test_missing_post_variable_is_named_with_what_to_write():
    stdp, syn = _stdp_onto("v : 1")
    with pytest.raises(RequirementError, match=r"has no variable 'ge': write \"dge/dt = -ge/tau_ge : siemens\""):
        stdp.check_requires(syn)
    stdp, syn = _stdp_onto("ge : siemens")
    stdp.check_requires(syn)                         # the right unit passes
