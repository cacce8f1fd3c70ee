"""Speed of the digit network's synapse cards (em_stdp and its device twins) against plain STDP.

The soft winner-take-all digit network (:mod:`spikesyn.networks.digit_sequence`) is run once in
its test configuration: ``--videos`` occluded digit videos (``occlude_erase``, ``--frames``
frames of 50 ms) shown at once as independent copies of the network, with the ``em_stdp`` card
and the short-term rule on (the ``st_stdp`` model). Its input-channel and layer spikes are
recorded and then replayed, in a fresh process per code-generation target, into one network in
which four ``Synapses`` objects connect the same input channels to the same layer neurons with
the same block-diagonal connectivity (each video's copy all-to-all):

* ``em_stdp``: the ideal card, with the trained W and the config's gamma1, gamma2;
* ``em_stdp_pcm``: W programmed onto PCM memtransistors (``program_devices``: aihwkit's
  programming noise, drift exponents, global drift compensation), F on the gate;
* ``em_stdp_srtio3``: F decaying by Lambda = exp(-frame/tau_F) per frame, noisy F updates;
* ``plain STDP``: the pair-based rule of Song, Miller & Abbott (2000) as in Brian2's STDP example
  (``examples/synapses/STDP.py``: traces of 20 ms, dApre = 0.01 gmax, dApost = -1.05 dApre,
  weights clipped to [0, gmax], gmax = 0.01) onto a conductance ge with a 5 ms decay.

So every synapse object sees exactly the same pre and post spikes in the same run; only the
cost of its code differs. The replay: a ``SpikeGeneratorGroup`` per side writes, through
one-to-one synapses, the time of the next step into a NeuronGroup, whose threshold fires at that
time: one step after the recorded spike on both sides, so pre/post timing is kept (a flag
cleared by a reset would lose spikes in consecutive steps: Brian2 resets after synapses). The
input group carries the ``poisson_trace`` card's trace y (its threshold replaced); the layer
group carries the drives u_W, u_F of the ``soft_wta`` card and the conductance ge. The script
stops if the replayed spike counts differ from the recorded ones.

A synaptic event is one synapse's on_pre or on_post execution: events = input spikes x
n_neurons (fan-out of a channel) + layer spikes x input channels per copy (fan-in of a layer
neuron), counted by SpikeMonitors. Time: Brian2's profile (``profile=True``) summed over the code
objects of one ``Synapses`` object (spike-queue push, on_pre, on_post). On cython a warm-up run
compiles first; each repeat restores the network's initial state and runs it. On
cpp_standalone the project is built once and the binary run ``--repeats`` times. Medians over
repeats; "vs plain" is the per-repeat ratio card time / plain STDP time, median.

The trained layer: by default a short ``train_layer`` run (``--train-digits`` per class, one
epoch, F off); ``--random-weights`` (and ``--quick``) skips training and uses the network's
starting weights (``initial_weights``: training images blended with grey) with biases -log K.

    python benchmarks/sequence_digits_speed.py                 # cython and cpp_standalone
    python benchmarks/sequence_digits_speed.py --target cython --repeats 3
    python benchmarks/sequence_digits_speed.py --quick         # 2 videos x 4 frames, cython, 1 repeat

Needs the digits extra (``pip install "spikesyn[digits]"``). Prints a markdown table.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse     # noqa: E402
import json         # noqa: E402
import platform     # noqa: E402
import subprocess   # noqa: E402
import sys          # noqa: E402
import tempfile     # noqa: E402
import time         # noqa: E402
from dataclasses import replace  # noqa: E402

import numpy as np  # noqa: E402

from spikesyn.errors import SpikesynError  # noqa: E402

#: row label -> name of its Synapses object (no name is a prefix of another)
ROWS = {"em_stdp": "syn_ideal", "em_stdp_pcm": "syn_pcm", "em_stdp_srtio3": "syn_srtio3",
        "plain STDP": "syn_plain"}
CARDS = ("poisson_trace", "soft_wta", "em_stdp", "em_stdp_pcm", "em_stdp_srtio3")

#: Song et al.'s pair-based STDP as in Brian2's examples/synapses/STDP.py, onto a conductance
PLAIN_STDP = dict(
    model="""w : 1
dApre/dt = -Apre/taupre : 1 (event-driven)
dApost/dt = -Apost/taupost : 1 (event-driven)""",
    on_pre="""ge_post += w
Apre += dApre
w = clip(w + Apost, 0, gmax)""",
    on_post="""Apost += dApost
w = clip(w + Apre, 0, gmax)""")
PLAIN_GMAX = 0.01
PLAIN_TAU_MS = 20.0
PLAIN_TAUE_MS = 5.0


def prepare(args, out_path):
    """Train (or draw) the layer, run the digit network once on cython, save its spikes.

    Writes an ``.npz`` with the input and layer spikes (indices and times in seconds), the
    trained W and b, the programmed PCM devices and the sizes.
    """
    from brian2 import Hz, SpikeMonitor, defaultclock, ms, prefs, second, siemens
    from brian2 import seed as brian_seed

    from spikesyn.digit_videos import make_videos
    from spikesyn.digits import load_digits
    from spikesyn.networks.digit_sequence import (DigitSequenceConfig, SoftWTANetwork, channel_rates,
                                                  check_config, initial_weights, program_devices,
                                                  train_layer)

    cfg = check_config(DigitSequenceConfig(n_neurons=args.neurons, epochs=1, batch=args.videos))
    K = cfg.n_neurons
    train = load_digits(split="train", seed=args.seed, n_train=args.train_digits)
    test = load_digits(split="test", seed=args.seed, n_test=max(1, -(-args.videos // 10)))
    t0 = time.perf_counter()
    if args.random_weights:
        W = initial_weights(train.images, K, args.seed)
        b = np.full(K, -np.log(K))
        how = f"random log-weights (initial_weights of {len(train.images)} training digits), b = -log K"
    else:
        trained = train_layer(train.images, train.labels, cfg, seed=args.seed, target="cython")
        W, b = trained.W, trained.b
        how = f"train_layer on {len(train.images)} digits x 1 epoch ({trained.train_spikes} layer spikes)"
    t_train = time.perf_counter() - t0
    videos = make_videos(test, "occlude_erase", n_videos=args.videos, n_frames=args.frames, seed=args.seed)
    B, n_frames, n_pixels = videos.frames.shape
    n_inputs = 2 * n_pixels
    rates = channel_rates(videos.frames, float(cfg.input_rate / Hz)).transpose(1, 0, 2).reshape(n_frames, -1)
    devices = program_devices(W, replace(cfg, synapse="em_stdp_pcm"), args.seed)
    saved = defaultclock.dt, prefs.codegen.target
    defaultclock.dt = cfg.dt
    prefs.codegen.target = "cython"
    try:
        brian_seed(args.seed)
        net = SoftWTANetwork(cfg, B, n_inputs, rates, W, b, cfg.gamma1, cfg.gamma2, plastic=False)
        in_mon = SpikeMonitor(net.inputs, name="input_spikes")
        net.net.add(in_mon)
        net.net.run(n_frames * cfg.frame, namespace={})
    finally:
        defaultclock.dt, prefs.codegen.target = saved
    np.savez(out_path, in_i=np.asarray(in_mon.i), in_t=np.asarray(in_mon.t / second),
             out_i=np.asarray(net.spikes.i), out_t=np.asarray(net.spikes.t / second),
             W=W, b=b, G_prog_S=np.asarray(devices["G_prog"] / siemens),
             nu=devices["nu"], drift_comp=devices["drift_comp"],
             sizes=np.array([B, n_frames, n_inputs, K]), dt_ms=float(cfg.dt / ms),
             frame_ms=float(cfg.frame / ms))
    return {"weights": how, "train_s": t_train, "videos": B, "frames": n_frames, "n_inputs": n_inputs,
            "neurons": K, "input_spikes": int(in_mon.num_spikes), "layer_spikes": int(net.spikes.num_spikes),
            "synapses_per_card": B * n_inputs * K}


def build_replay(b2, ss, data, seed):
    """The replay network: recorded spikes into the input channels and the layer, four synapse
    objects between them. Returns the network, its two spike counters and the sizes."""
    from spikesyn.networks.digit_sequence import DigitSequenceConfig

    B, n_frames, n_inputs, K = (int(x) for x in data["sizes"])
    cfg = DigitSequenceConfig(n_neurons=K, batch=B)
    dt = float(data["dt_ms"]) * b2.ms
    n_in, n_out = B * n_inputs, B * K
    # each replayed spike one step late on both sides: the driver (synapses slot) sets fire_at
    # to the next step, whose threshold fires
    gen_in = b2.SpikeGeneratorGroup(n_in, data["in_i"], data["in_t"] * b2.second, dt=dt, name="replay_in_gen")
    gen_out = b2.SpikeGeneratorGroup(n_out, data["out_i"], data["out_t"] * b2.second, dt=dt,
                                     name="replay_out_gen")
    kw = ss.load_model("poisson_trace").neuron_kwargs(tau_y=cfg.tau_y, r_ref=cfg.input_rate)
    fires = "abs(t - fire_at) < 0.5*dt"
    kw.update(model=kw["model"] + "\nfire_at : second", threshold=fires)
    inputs = b2.NeuronGroup(n_in, **kw, name="replay_inputs")
    layer = b2.NeuronGroup(n_out, """du_W/dt = -u_W/tau_y : 1
du_F/dt = -u_F*(1/tau_y + 1/tau_F) : 1
dge/dt = -ge/taue : 1
fire_at : second""", threshold=fires, method="exact", name="replay_layer",
                           namespace=dict(tau_y=cfg.tau_y, tau_F=cfg.tau_F, taue=PLAIN_TAUE_MS * b2.ms))
    inputs.fire_at = -1 * b2.second
    layer.fire_at = -1 * b2.second
    drive_in = b2.Synapses(gen_in, inputs, on_pre="fire_at_post = t + dt", name="replay_drive_in", namespace={})
    drive_in.connect(j="i")
    drive_out = b2.Synapses(gen_out, layer, on_pre="fire_at_post = t + dt", name="replay_drive_out", namespace={})
    drive_out.connect(j="i")
    offs = np.arange(B)
    pre = (offs[:, None] * n_inputs + np.repeat(np.arange(n_inputs), K)).ravel()
    post = (offs[:, None] * K + np.tile(np.arange(K), n_inputs)).ravel()
    rule = dict(eta_W=cfg.eta_W, gamma1=cfg.gamma1, gamma2=cfg.gamma2, r_ref=cfg.input_rate, tau_y=cfg.tau_y)
    W = np.tile(np.asarray(data["W"]).T.ravel(), B)
    objs = [gen_in, gen_out, inputs, layer, drive_in, drive_out]
    card_kw = {"em_stdp": dict(rule, tau_F=cfg.tau_F),
               "em_stdp_pcm": dict(rule, tau_F=cfg.tau_F, drift_comp=float(data["drift_comp"])),
               "em_stdp_srtio3": dict(rule, Lambda=float(np.exp(-cfg.frame / cfg.tau_F)), T_step=cfg.frame)}
    for card, values in card_kw.items():
        syn = b2.Synapses(inputs, layer, **ss.load_model(card).synapse_kwargs(**values), name=ROWS[card])
        syn.connect(i=pre, j=post)
        if card == "em_stdp_pcm":
            syn.G_prog = np.tile(np.asarray(data["G_prog_S"]).T.ravel(), B) * b2.siemens
            syn.nu = np.tile(np.asarray(data["nu"]).T.ravel(), B)
        else:
            syn.W = W
        syn.plastic = 0.0
        objs.append(syn)
    tau = PLAIN_TAU_MS * b2.ms
    plain = b2.Synapses(inputs, layer, **PLAIN_STDP, name=ROWS["plain STDP"],
                        namespace=dict(taupre=tau, taupost=tau, gmax=PLAIN_GMAX, dApre=0.01 * PLAIN_GMAX,
                                       dApost=-0.01 * PLAIN_GMAX * 1.05))
    plain.connect(i=pre, j=post)
    rng = np.random.default_rng([seed, 7010])
    plain.w = rng.uniform(0, PLAIN_GMAX, len(pre))
    objs.append(plain)
    in_count = b2.SpikeMonitor(inputs, record=False, name="count_inputs")
    out_count = b2.SpikeMonitor(layer, record=False, name="count_layer")
    net = b2.Network(*objs, in_count, out_count)
    return net, in_count, out_count, (B, n_frames, n_inputs, K, dt, n_frames * cfg.frame + 2 * dt)


def _owner(code_object):
    for label, name in ROWS.items():
        if code_object == name or code_object.startswith(name + "_"):
            return label
    return None


def _times(prof):
    out = {label: 0.0 for label in ROWS}
    for name, t in prof:
        label = _owner(name)
        if label is not None:
            out[label] += float(t)
    out["network_s"] = float(sum(float(t) for _, t in prof))
    out["objects"] = {n: float(t) for n, t in prof if _owner(n)}
    return out


def measure(target, data_path, workdir, repeats, seed):
    """Replay the recorded spikes on ``target``; one dict of times and spike counts per repeat."""
    import brian2 as b2

    import spikesyn as ss
    data = dict(np.load(data_path))
    b2.BrianLogger.suppress_name("brian2.codegen.generators.base")
    # Load (and so validate) the cards before choosing the device: validation builds throwaway
    # probe groups, which would stay registered with the cpp_standalone device and break its build.
    for card in CARDS:
        ss.load_model(card)
    b2.defaultclock.dt = float(data["dt_ms"]) * b2.ms
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = target
    b2.seed(seed)
    net, in_count, out_count, (B, n_frames, n_inputs, K, dt, duration) = build_replay(b2, ss, data, seed)
    runs = []
    if target == "cpp_standalone":
        net.run(duration, profile=True)
        b2.device.build(directory=workdir, compile=True, run=False)
        for _ in range(repeats):
            b2.device.run(directory=workdir, with_output=False)
            r = _times(net.profiling_info)
            r["pre_spikes"], r["post_spikes"] = int(in_count.num_spikes), int(out_count.num_spikes)
            runs.append(r)
    else:
        net.store("start")
        net.run(dt)                      # compile outside the measurement
        for _ in range(repeats):
            net.restore("start")
            net.run(duration, profile=True)
            r = _times(net.profiling_info)
            r["pre_spikes"], r["post_spikes"] = int(in_count.num_spikes), int(out_count.num_spikes)
            runs.append(r)
    for r in runs:
        r["events"] = r["pre_spikes"] * K + r["post_spikes"] * n_inputs
    return runs


def summarise(runs):
    """Medians over repeats: synapse code seconds, events per second, ratio to plain STDP."""
    ev = np.array([r["events"] for r in runs], dtype=float)
    out = {"repeats": len(runs), "events": float(np.median(ev)),
           "pre_spikes": int(np.median([r["pre_spikes"] for r in runs])),
           "post_spikes": int(np.median([r["post_spikes"] for r in runs]))}
    for label in ROWS:
        t = np.array([r[label] for r in runs])
        out[label] = {"synapse_s": float(np.median(t)), "events_per_s": float(np.median(ev / t)),
                      "vs_plain": float(np.median([r[label] / r["plain STDP"] for r in runs])),
                      "synapse_s_all": [round(float(x), 4) for x in t]}
    names = sorted(set().union(*(r["objects"] for r in runs)))
    out["objects"] = {n: float(np.median([r["objects"].get(n, 0.0) for r in runs])) for n in names}
    return out


def print_table(setup, results, args):
    print(f"Digit network, test configuration: {setup['videos']} occlude_erase videos x "
          f"{setup['frames']} frames of 50 ms at once, {setup['neurons']} neurons per layer, "
          f"{setup['n_inputs']} input channels per copy ({setup['synapses_per_card']} synapses per card), "
          f"F on (gamma1 0.01, gamma2 0.003), dt 1 ms; layer: {setup['weights']}; recorded "
          f"{setup['input_spikes']} input and {setup['layer_spikes']} layer spikes, replayed into all "
          f"four synapse objects in one network; medians over {args.repeats} repeat(s). "
          f"{platform.python_implementation()} {platform.python_version()}, brian2 {setup['brian2']}, "
          f"{os.cpu_count()} CPU cores.\n")
    print("| target | synapse | events per run | synapse code s | events/s | vs plain STDP |")
    print("|---|---|---|---|---|---|")
    for target, r in results.items():
        for label in ROWS:
            v = r[label]
            print(f"| {target} | {label} | {r['events']:.0f} | {v['synapse_s']:.3f} | "
                  f"{v['events_per_s']:.3g} | {v['vs_plain']:.2f}x |")
    print("\nper-repeat synapse code s:")
    for target, r in results.items():
        print(f"  {target}: " + "  ".join(f"{label}={r[label]['synapse_s_all']}" for label in ROWS))
    print("\nsynapse code objects (median s):")
    for target, r in results.items():
        print(f"  {target}: " + "  ".join(f"{n}={v:.3f}" for n, v in r["objects"].items()))
    print("\n(events = input spikes x neurons + layer spikes x input channels per copy; events/s = "
          "events / synapse code s of that Synapses object; vs plain STDP = its time / plain STDP's "
          "in the same repeat, median)")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Synaptic events per second of em_stdp, em_stdp_pcm and em_stdp_srtio3 in the digit "
                    "network against plain Brian2 STDP on the same replayed spikes.")
    p.add_argument("--target", choices=("cython", "cpp_standalone", "all"), default="all",
                   help="code-generation target(s) (default: all = cython and cpp_standalone)")
    p.add_argument("--repeats", type=int, default=5, help="repeats per target (default: 5)")
    p.add_argument("--videos", type=int, default=20, help="videos simulated at once (default: 20)")
    p.add_argument("--frames", type=int, default=20, help="frames per video (default: 20)")
    p.add_argument("--neurons", type=int, default=100, help="neurons in the soft-WTA layer (default: 100)")
    p.add_argument("--train-digits", type=int, default=20,
                   help="training digits per class for the short train_layer run (default: 20)")
    p.add_argument("--random-weights", action="store_true",
                   help="skip training: initial_weights and biases -log K")
    p.add_argument("--seed", type=int, default=0, help="seed of data, training, devices and Brian2 (default: 0)")
    p.add_argument("--quick", action="store_true",
                   help="2 videos x 4 frames, random weights, cython only, 1 repeat (a smoke run)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--_child", nargs=2, metavar=("DATA", "TARGET"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.quick:
        a.videos, a.frames, a.repeats, a.random_weights, a.train_digits = 2, 4, 1, True, 2
        a.target = "cython" if a.target == "all" else a.target
    for name, lo, hi in (("repeats", 1, 100), ("videos", 1, 1000), ("frames", 1, 1000),
                         ("neurons", 2, 10_000), ("train_digits", 1, 300)):
        value = getattr(a, name)
        if not lo <= value <= hi:
            p.error(f"--{name.replace('_', '-')} must be in [{lo}, {hi}], got {value}")
    return a


def main(argv=None):
    a = parse_args(argv)
    if a._child:
        data_path, target = a._child
        with tempfile.TemporaryDirectory() as d:
            print(json.dumps(measure(target, data_path, d, a.repeats, a.seed)))
        return
    import brian2
    targets = ("cython", "cpp_standalone") if a.target == "all" else (a.target,)
    with tempfile.TemporaryDirectory() as d:
        data_path = os.path.join(d, "spikes.npz")
        try:
            setup = prepare(a, data_path)
        except SpikesynError as e:       # e.g. the digits extra missing: one line, no traceback
            print(f"sequence_digits_speed: {e}", file=sys.stderr)
            sys.exit(2)
        setup["brian2"] = brian2.__version__
        results = {}
        for t in targets:        # a fresh process per target (one Brian2 device per process)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--repeats", str(a.repeats),
                                "--seed", str(a.seed), "--_child", data_path, t],
                               capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"{t} failed:\n{r.stderr[-3000:]}")
            results[t] = summarise(json.loads(r.stdout.strip().splitlines()[-1]))
            replayed = (results[t]["pre_spikes"], results[t]["post_spikes"])
            if replayed != (setup["input_spikes"], setup["layer_spikes"]):
                sys.exit(f"{t}: replayed {replayed} input and layer spikes, recorded "
                         f"{(setup['input_spikes'], setup['layer_spikes'])}")
    if a.json:
        print(json.dumps({"setup": setup, "results": results}))
    else:
        print_table(setup, results, a)


if __name__ == "__main__":
    main()
