"""A builder that runs on its own code-generation target leaves the caller's Brian2 settings as they were."""

from brian2 import defaultclock, ms, prefs

from spikesyn.brian_settings import brian_settings
from spikesyn.networks.energy_demo import energy_demo


def test_settings_come_back_after_an_error_inside():
    prefs.codegen.target, defaultclock.dt = "auto", 0.2 * ms
    try:
        with brian_settings(target="numpy", dt=0.05 * ms):
            assert prefs.codegen.target == "numpy" and defaultclock.dt == 0.05 * ms
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert prefs.codegen.target == "auto" and defaultclock.dt == 0.2 * ms


def test_the_energy_demo_restores_the_target():
    prefs.codegen.target = "auto"
    d = energy_demo("pcm", duration=0.01, inputs=3, neurons=2, target="numpy")
    assert d["n_synapses"] == 6
    assert prefs.codegen.target == "auto"
