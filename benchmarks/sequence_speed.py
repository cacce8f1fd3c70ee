"""Speed of the device synapse (pcm_memtransistor card) against plain Brian2 STDP (stdp card).

Same network for both: N_IN Poisson inputs -> all-to-all synapses -> N_OUT neurons, run for
DURATION. The post-synaptic neurons fire from their own Poisson process (threshold
``rand() < rate*dt``), not from their input, so both synapse models see exactly the same number
of pre and post events and only the cost of the synapse code differs. A synaptic event is one
synapse's on_pre or on_post execution: events = pre spikes x N_OUT + post spikes x N_IN.

Time is the sum of Brian2's per-code-object profile of the network (profile=True), after a short
warm-up run on runtime targets so that compilation is not counted.

    python benchmarks/sequence_speed.py                     # cython and cpp_standalone
    python benchmarks/sequence_speed.py --target cython
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse     # noqa: E402
import json         # noqa: E402
import subprocess   # noqa: E402
import sys          # noqa: E402
import tempfile     # noqa: E402

N_IN, N_OUT = 400, 50
RATE_IN_HZ, RATE_OUT_HZ = 20.0, 20.0
DURATION_S = 5.0
CARDS = ("stdp", "pcm_memtransistor")


def _build(card, b2, ss):
    model = ss.load_model(card)
    inp = b2.PoissonGroup(N_IN, RATE_IN_HZ * b2.Hz, name=f"in_{card}")
    lif = ss.load_model("lif")
    kw = lif.neuron_kwargs()
    kw["threshold"] = "rand() < rate_out*dt"
    kw["namespace"]["rate_out"] = RATE_OUT_HZ * b2.Hz
    out = b2.NeuronGroup(N_OUT, **kw, name=f"out_{card}")
    syn = b2.Synapses(inp, out, **model.synapse_kwargs(), name=f"syn_{card}")
    syn.connect()
    model.initialise(syn)
    pre_mon = b2.SpikeMonitor(inp, record=False, name=f"mi_{card}")
    post_mon = b2.SpikeMonitor(out, record=False, name=f"mo_{card}")
    return b2.Network(inp, out, syn, pre_mon, post_mon), pre_mon, post_mon


def measure(target, workdir):
    import brian2 as b2
    import spikesyn as ss
    b2.BrianLogger.suppress_name("brian2.codegen.generators.base")
    b2.defaultclock.dt = 0.1 * b2.ms
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.seed(1)
    nets = {card: _build(card, b2, ss) for card in CARDS}
    before = {card: (0, 0) for card in CARDS}
    if target != "cpp_standalone":
        for card, (net, pre, post) in nets.items():
            net.run(10 * b2.ms)                 # compile outside the measurement
            before[card] = (int(pre.num_spikes), int(post.num_spikes))
    for net, _, _ in nets.values():
        net.run(DURATION_S * b2.second, profile=True)
    if target == "cpp_standalone":
        b2.device.build(directory=workdir, compile=True, run=True)
    out = {}
    for card, (net, pre, post) in nets.items():
        prof = net.profiling_info
        total = float(sum(float(t) for _, t in prof))
        syn_t = float(sum(float(t) for name, t in prof if name.startswith(f"syn_{card}")))
        n_pre = int(pre.num_spikes) - before[card][0]     # warm-up events not counted
        n_post = int(post.num_spikes) - before[card][1]
        events = n_pre * N_OUT + n_post * N_IN
        out[card] = {"events": events, "pre_spikes": n_pre, "post_spikes": n_post,
                     "network_s": total, "synapse_code_s": syn_t,
                     "events_per_s": events / total if total else float("nan")}
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", choices=("cython", "cpp_standalone", "all"), default="all")
    p.add_argument("--json", action="store_true")
    p.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a._child:
        with tempfile.TemporaryDirectory() as d:
            print(json.dumps(measure(a.target, d)))
        return
    targets = ("cython", "cpp_standalone") if a.target == "all" else (a.target,)
    results = {}
    for t in targets:        # each target in a fresh process (one Brian2 device per process)
        r = subprocess.run([sys.executable, __file__, "--target", t, "--_child"],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr[-3000:])
        results[t] = json.loads(r.stdout.strip().splitlines()[-1])
    if a.json:
        print(json.dumps(results))
        return
    print(f"{N_IN} inputs x {N_OUT} outputs all-to-all ({N_IN * N_OUT} synapses), "
          f"{RATE_IN_HZ:g} Hz in, {RATE_OUT_HZ:g} Hz out, {DURATION_S:g} s, dt 0.1 ms\n")
    print("| target | synapse | events | network s | synapse code s | events/s | cost vs stdp |")
    print("|---|---|---|---|---|---|---|")
    for t, r in results.items():
        base = r["stdp"]["events_per_s"]
        for card, v in r.items():
            print(f"| {t} | {card} | {v['events']} | {v['network_s']:.3f} | "
                  f"{v['synapse_code_s']:.3f} | {v['events_per_s']:.3g} | "
                  f"{base / v['events_per_s']:.2f}x |")


if __name__ == "__main__":
    main()
