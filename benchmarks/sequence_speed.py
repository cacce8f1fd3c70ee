"""Speed of the device synapse cards (pcm_memtransistor, pcm, pcm_pair, two_tier) against plain STDP.

One network, one run: N_IN Poisson inputs and N_OUT output neurons, connected all-to-all eight
times, by ``Synapses`` objects with the ``stdp`` card, the ``pcm_memtransistor`` card (three
times: as shipped, with its drift clock t0 shortened so that every event pays the drift power
law, and with its read noise off), its ideal twin ``pcm_memtransistor_ideal``, the long-term
``pcm`` card (all onto the same neurons' ``ge``) and the signed ``pcm_pair`` and ``two_tier``
cards (onto ``ge`` and ``gi``; two_tier transfers every 1000 events per synapse, so not within
these runs). The
output neurons fire from their own Poisson process (threshold ``rand() < rate*dt``), so all
synapse objects see exactly the same pre and post spikes, in the same run, and only the cost of the synapse code differs.
A synaptic event is one synapse's on_pre or on_post execution:
events = pre spikes x N_OUT + post spikes x N_IN (the same for all).

Time: Brian2's per-code-object profile (profile=True); a synapse object's time is the sum of
its code objects (spike queue push, on_pre, on_post, state update if any). Repeats: on cython
the network is run REPEATS times after a warm-up run (compilation not counted); on
cpp_standalone it is built once and the compiled binary is run REPEATS times
(``device.run``), reading the profile after each. Medians over the repeats are reported.

    python benchmarks/sequence_speed.py                     # cython and cpp_standalone
    python benchmarks/sequence_speed.py --target cython --repeats 3
    python benchmarks/sequence_speed.py --variants          # plus card variants (VARIANTS)
    python benchmarks/sequence_speed.py --plain             # plus the plain-equation pcm cards

``--variants`` adds rows for edited copies of the device card (written to a temporary folder,
never shipped): what the card costs with a stored read value and read counter (as it once
had), without its gate counter, and without any energy accounting. ``--plain`` adds the ``pcm``,
``pcm_pair`` and ``two_tier`` cards as they were before the device kernels (from git,
PLAIN_COMMIT).
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
DURATION_S = 2.0
#: row label -> (card, parameter overrides, name of its Synapses object). The ideal twin (no
#: noise, drift or bounds) shows what the W + F rule itself costs next to the device's
#: stochastic, drifting, noisy read/program. The device's drift power law starts at t0 (20 s),
#: after these 2 s runs, so the kernel skips it; the "drift on" row (t0 = 1 ms) pays it at
#: every read and programming event; the "read noise off" row (read_noise_scale 0: the read
#: kernel returns before its normal draw and amplitude) shows what the 1/f read costs.
#: Overrides are (value, unit name in brian2), unit None for a dimensionless value.
ROWS = {"stdp": ("stdp", {}, "S_stdp"),
        "pcm_memtransistor": ("pcm_memtransistor", {}, "S_device"),
        "pcm_memtransistor, drift on (t0 1 ms)": ("pcm_memtransistor", {"t0": (1, "ms")}, "S_drift"),
        "pcm_memtransistor, read noise off": ("pcm_memtransistor", {"read_noise_scale": (0.0, None)}, "S_quiet"),
        "pcm_memtransistor_ideal": ("pcm_memtransistor_ideal", {}, "S_ideal"),
        "pcm (long-term card)": ("pcm", {}, "S_pcm"),
        "pcm_pair (signed pair)": ("pcm_pair", {}, "S_pcm_pair"),
        "two_tier (2-PCM + capacitor)": ("two_tier", {}, "S_two_tier")}
CARDS = {label: name for label, (_, _, name) in ROWS.items()}

_GATE_EVENT = '[events.gate]\ncounter = "n_gate"\nenergy = "E_gate"\n\n'
_NO_GATE = [("n_gate : 1\n", ""), ("n_gate += int(gamma_F*F_dep*apost > 0*gamma_F)\n", ""),
            ("n_gate += int(gamma_F*apre > 0*gamma_F)\n", ""), (_GATE_EVENT, "")]
#: row label -> (file stem, text edits of the shipped pcm_memtransistor card); None as the new
#: text of an edit that starts with "[events." cuts the card from there to its end
VARIANTS = {
    "variant: stored G_read and n_read": (
        "v_stored_read", [("nu : 1\n", "nu : 1\nG_read : siemens\nn_read : 1\n"),
                          ("e_read += G_read", "n_read += 1\ne_read += G_read")]),
    "variant: no gate counter": ("v_no_gate", _NO_GATE),
    "variant: no energy accounting": (
        "v_no_counters", _NO_GATE + [("n_set : 1\n", ""), ("n_reset : 1\n", ""), ("e_read : joule\n", ""),
                                     ("n_reset += hit\n", ""), ("n_set += hit\n", ""),
                                     ("e_read += G_read*V_read**2*read_pulse\n", ""),
                                     ("[events.", None)]),
}


#: label -> (file stem, shipped card): cards as they were written in plain equations, before
#: the device kernels replaced them; read from git at PLAIN_COMMIT
PLAIN_COMMIT = "90586a5"
PLAIN = {"pcm, plain equations (before)": ("pcm_plain", "pcm"),
         "pcm_pair, plain equations (before)": ("pcm_pair_plain", "pcm_pair"),
         "two_tier, plain equations (before)": ("two_tier_plain", "two_tier")}


def extra_cards(variants=False, plain=False):
    """The extra cards asked for, as ``{row label: (file stem, card text)}``.

    ``variants``: the VARIANTS edits of the shipped pcm_memtransistor card; ``plain``: the PLAIN
    cards as of PLAIN_COMMIT (needs a git checkout of the repository).
    """
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    out = {}
    if variants:
        src = (root / "models" / "synapses" / "pcm_memtransistor.toml").read_text()
        for label, (stem, edits) in VARIANTS.items():
            text = src.replace('name = "pcm_memtransistor"', f'name = "{stem}"')
            for old, new in edits:
                if old not in text:
                    raise SystemExit(f"variant {stem}: the card no longer contains {old!r}")
                text = text[:text.index(old)] if new is None else text.replace(old, new)
            out[label] = (stem, text)
    for label, (stem, card) in PLAIN.items() if plain else ():
        r = subprocess.run(["git", "-C", str(root), "show", f"{PLAIN_COMMIT}:models/synapses/{card}.toml"],
                           capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"--plain needs the git history of the repository: {r.stderr.strip()}")
        out[label] = (stem, r.stdout.replace(f'name = "{card}"', f'name = "{stem}"', 1))
    return out


def build(b2, ss):
    """The network (everything kept in one explicit ``Network``) and its monitors."""
    inp = b2.PoissonGroup(N_IN, RATE_IN_HZ * b2.Hz, name="inputs")
    kw = ss.load_model("lif").neuron_kwargs()
    kw["threshold"] = "rand() < rate_out*dt"
    kw["namespace"]["rate_out"] = RATE_OUT_HZ * b2.Hz
    out = b2.NeuronGroup(N_OUT, **kw, name="outputs")
    objs = [inp, out]
    for card, overrides, name in ROWS.values():
        model = ss.load_model(card)
        overrides = {k: v if unit is None else v * getattr(b2, unit) for k, (v, unit) in overrides.items()}
        syn = b2.Synapses(inp, out, **model.synapse_kwargs(**overrides), name=name)
        syn.connect()
        model.initialise(syn)
        objs.append(syn)
    pre_mon = b2.SpikeMonitor(inp, record=False, name="pre_count")
    post_mon = b2.SpikeMonitor(out, record=False, name="post_count")
    net = b2.Network(*objs, pre_mon, post_mon)
    return net, pre_mon, post_mon


def _owner(code_object):
    """The Synapses object a code object belongs to (the longest matching name: S_pcm_pair_pre
    is S_pcm_pair's, not S_pcm's), or None."""
    names = [n for n in CARDS.values() if code_object == n or code_object.startswith(n + "_")]
    return max(names, key=len) if names else None


def _times(prof):
    out = {"network_s": float(sum(float(t) for _, t in prof))}
    for card, name in CARDS.items():
        out[card] = float(sum(float(t) for n, t in prof if _owner(n) == name))
    out["objects"] = {n: float(t) for n, t in prof}
    return out


def measure(target, workdir, repeats, extras=None):
    """Run the network on ``target``; ``extras`` (from extra_cards) are written to ``workdir``
    and added as rows."""
    import brian2 as b2
    import spikesyn as ss
    for label, (stem, text) in (extras or {}).items():
        os.makedirs(os.path.join(workdir, "extra_cards"), exist_ok=True)
        path = os.path.join(workdir, "extra_cards", stem + ".toml")
        with open(path, "w") as f:
            f.write(text)
        ROWS[label] = (path, {}, "S_" + stem)
        CARDS[label] = "S_" + stem
    b2.BrianLogger.suppress_name("brian2.codegen.generators.base")
    b2.defaultclock.dt = 0.1 * b2.ms
    # Load (and so validate) the cards before choosing the device: validation builds small
    # probe groups that are thrown away; created under cpp_standalone they stay registered with
    # the device and device.build fails on them with "ReferenceError: weakly-referenced object
    # no longer exists" (the crash of the first version of this script). load_model caches.
    for card in ({c for c, _, _ in ROWS.values()} | {"lif"}):
        ss.load_model(card)
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = target
    b2.seed(1)
    net, pre, post = build(b2, ss)
    runs = []
    if target == "cpp_standalone":
        net.run(DURATION_S * b2.second, profile=True)
        b2.device.build(directory=workdir, compile=True, run=False)
        for _ in range(repeats):
            b2.device.run(directory=workdir, with_output=False)
            r = _times(net.profiling_info)
            r["pre_spikes"], r["post_spikes"] = int(pre.num_spikes), int(post.num_spikes)
            runs.append(r)
    else:
        net.run(10 * b2.ms)                     # compile outside the measurement
        for _ in range(repeats):
            n0 = (int(pre.num_spikes), int(post.num_spikes))
            net.run(DURATION_S * b2.second, profile=True)
            r = _times(net.profiling_info)
            r["pre_spikes"] = int(pre.num_spikes) - n0[0]
            r["post_spikes"] = int(post.num_spikes) - n0[1]
            runs.append(r)
    for r in runs:
        r["events"] = r["pre_spikes"] * N_OUT + r["post_spikes"] * N_IN
    return runs


def summarise(runs):
    """Medians over repeats: synapse code seconds, events per second, cost relative to stdp."""
    import numpy as np
    out = {"repeats": len(runs), "events_median": float(np.median([r["events"] for r in runs])),
           "network_s_median": float(np.median([r["network_s"] for r in runs]))}
    for card in CARDS:
        t = np.array([r[card] for r in runs])
        ev = np.array([r["events"] for r in runs], dtype=float)
        out[card] = {"synapse_s_median": float(np.median(t)),
                     "events_per_s_median": float(np.median(ev / t)),
                     "synapse_s_all": [round(float(x), 4) for x in t]}
    names = sorted(set().union(*(r["objects"] for r in runs)))
    out["objects_median"] = {n: float(np.median([r["objects"].get(n, 0.0) for r in runs]))
                             for n in names}
    for card in CARDS:        # per-repeat ratio (same run, same events), then the median
        out[card]["cost_vs_stdp_median"] = float(np.median([r[card] / r["stdp"]
                                                            for r in runs]))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", choices=("cython", "cpp_standalone", "all"), default="all")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--variants", action="store_true", help="add the card variants (VARIANTS) as rows")
    p.add_argument("--plain", action="store_true",
                   help="add the pcm, pcm_pair and two_tier cards as written in plain equations (PLAIN)")
    p.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    extras = extra_cards(a.variants, a.plain)
    if a._child:
        with tempfile.TemporaryDirectory() as d:
            print(json.dumps(measure(a.target, d, a.repeats, extras)))
        return
    CARDS.update({label: "S_" + stem for label, (stem, _) in extras.items()})
    targets = ("cython", "cpp_standalone") if a.target == "all" else (a.target,)
    results = {}
    for t in targets:        # each target in a fresh process (one Brian2 device per process)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--target", t,
                            "--repeats", str(a.repeats), "--_child"] + ["--variants"] * a.variants + ["--plain"] * a.plain,
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"{t} failed:\n{r.stderr[-3000:]}")
        results[t] = summarise(json.loads(r.stdout.strip().splitlines()[-1]))
    if a.json:
        print(json.dumps(results))
        return
    print(f"{N_IN} inputs x {N_OUT} outputs all-to-all ({N_IN * N_OUT} synapses per card), "
          f"{RATE_IN_HZ:g} Hz in, {RATE_OUT_HZ:g} Hz out, {DURATION_S:g} s per repeat, "
          f"dt 0.1 ms, all synapse objects in the same network and run; medians over "
          f"{a.repeats} repeats\n")
    print("| target | synapse | events per repeat | synapse code s | events/s | "
          "cost vs stdp |")
    print("|---|---|---|---|---|---|")
    for t, r in results.items():
        for card in CARDS:
            v = r[card]
            ratio = v["cost_vs_stdp_median"]
            print(f"| {t} | {card} | {r['events_median']:.0f} | {v['synapse_s_median']:.3f} | "
                  f"{v['events_per_s_median']:.3g} | {ratio:.2f}x |")
    print("\nper-repeat synapse seconds:")
    for t, r in results.items():
        print(f"  {t}: " + "  ".join(f"{c}={r[c]['synapse_s_all']}" for c in CARDS))
    print("\nsynapse code objects (median s):")
    for t, r in results.items():
        print(f"  {t}: " + "  ".join(f"{n}={v:.3f}" for n, v in r["objects_median"].items()
                                     if _owner(n)))
    print("\n(events/s = events / synapse code s of that Synapses object; cost vs stdp = its "
          "synapse code time / the stdp object's, per repeat, median)")


if __name__ == "__main__":
    main()
