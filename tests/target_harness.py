"""One network holding every shipped card, run the same way on any Brian2 target.

Spike times of both pre- and post-synaptic groups are fixed in advance (post neurons fire from a
TimedArray, not from their input), so event counts are identical on every target even where the
device draws random numbers; the ideal cards are fully deterministic and must agree exactly.
"""

import gc

import numpy as np
from brian2 import (MHz, Network, NeuronGroup, SpikeGeneratorGroup, Synapses, TimedArray, kHz, mV,
                    ms, nS, second)

import spikesyn as ss
from spikesyn import model as model_module

DURATION = 60 * ms
N_PRE, N_POST = 4, 3
#: Cards whose counted events are random draws: pulses always fire on a pairing here, so the
#: counts follow from the fixed spike times on every target (numpy and the compiled targets
#: consume the random stream in different orders).
OVERRIDES = {"pcm_memtransistor": {"p_set": 1.0, "p_reset": 1.0},
             # a nanosecond device: at this harness's 0.1 ms step its explicit integration
             # would diverge, so slow it down to rates of a few kHz (noise still on)
             "spin_torque_oscillator": {"Gamma_G": 1e-3 * MHz, "D_T": 0.1 * kHz}}


def _post_spike_pattern(dt):
    steps = int(round(float(DURATION / dt)))
    pattern = np.zeros((steps, N_POST))
    for k in range(N_POST):
        pattern[int(round(float((7 + 11 * k) * ms / dt)))::int(round(float(15 * ms / dt))), k] = 1
    return TimedArray(pattern, dt=dt)


def build(dt=0.1 * ms):
    """Return (network, {card name: (group, model)}) for all shipped cards."""
    pre_idx = np.tile(np.arange(N_PRE), 8)
    pre_t = np.repeat(np.arange(8) * 7 + 3, N_PRE) * ms + np.tile(np.arange(N_PRE), 8) * dt
    pre = SpikeGeneratorGroup(N_PRE, pre_idx, pre_t, name="pre")
    fire = _post_spike_pattern(dt)
    objects, groups = [pre], {}
    for name in ss.available_models():
        model = ss.load_model(name)
        if model.kind == "neuron":
            group = NeuronGroup(N_POST, **model.neuron_kwargs(**OVERRIDES.get(name, {})),
                                name=f"n_{name}")
            drive = Synapses(pre, group, on_pre=_drive_code(model), name=f"drive_{name}")
            drive.connect()
            objects += [group, drive]
        else:
            post_eqs = "\n".join([f"{var} : {unit}" for var, unit in model.requires.get("post", {}).items()]
                                 + ["fire = fire_pattern(t, i) : 1"])
            post = NeuronGroup(N_POST, post_eqs, threshold="fire > 0.5",
                               namespace={"fire_pattern": fire}, name=f"post_{name}")
            pre_group = pre
            if model.requires.get("pre"):
                pre_group = NeuronGroup(N_PRE, "\n".join(f"{v} : {u}" for v, u in model.requires["pre"].items()),
                                        threshold="False", name=f"pre_{name}")
                objects.append(pre_group)
            group = Synapses(pre_group, post, **model.synapse_kwargs(**OVERRIDES.get(name, {})),
                             name=f"s_{name}")
            group.connect()
            objects += [post, group]
        groups[name] = (group, model)
    return Network(*objects), groups


def _drive_code(model):
    variables = set(model.variables)
    if "ge" in variables:
        return "ge_post += 30*nS"
    if "h" in variables:
        return "h_post += 1"
    return ""


def snapshot(groups):
    """State of every group after a run, as plain arrays, plus event counts."""
    state = {}
    for name, (group, model) in groups.items():
        for var in model.variables:
            values = np.array(getattr(group, var + "_"), dtype=float)  # a copy outlives the group
            state[f"{name}.{var}"] = values
    return state


def run_all(target, directory=None, fresh_cards=False):
    """Run the network of all cards on a target and return its snapshot.

    ``fresh_cards=True`` loads every card afresh once the target is set (not from the model
    cache), so that whatever checking a card creates meets that target's device.
    """
    from brian2 import device, prefs, seed, set_device, start_scope

    start_scope()
    seed(4321)
    if target == "cpp_standalone":
        set_device("cpp_standalone", directory=directory, build_on_run=False)
    else:
        prefs.codegen.target = target
    if fresh_cards:
        model_module._CACHE.clear()
    try:
        net, groups = build()
        net.run(DURATION)
        if target == "cpp_standalone":
            gc.collect()               # objects left over from checking cards are gone now
            device.build(directory=directory, compile=True, run=True)
        return snapshot(groups), groups
    finally:
        if target == "cpp_standalone":
            device.reinit()
            device.activate()
            set_device("runtime")
        prefs.codegen.target = "numpy"


_ = (mV, nS, second)
