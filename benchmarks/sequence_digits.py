"""Short-term STDP on occluded digit videos: paired seeds, bootstrap CIs, baselines, ablation.

For each seed the soft winner-take-all network is trained on static MNIST digits and shown
``--videos`` videos per condition with F on (st_stdp) and off (static) on the same input spikes;
the baselines see the same frames. Differences st_stdp - static are paired per video; the 95 %
confidence interval is a bootstrap over videos, resampled within each seed (2000 resamples).

    python benchmarks/sequence_digits.py --seeds 0 1 2 3 4 --videos 300 --save runs/
    python benchmarks/sequence_digits.py --load runs/                 # tables from saved runs
    python benchmarks/sequence_digits.py --load runs/ --ablation --ablation-videos 100
    python benchmarks/sequence_digits.py --load runs/ --select-rule     # the rule, on validation videos
    python benchmarks/sequence_digits.py --load runs/ --devices --pcm-noise   # device twins

The seeds run as ``spikesyn.sweep`` tasks (``--workers N`` runs N at once). ``--save DIR``
keeps each seed's run (predictions and videos) as soon as it is finished, with the sweep's
record file, so an interrupted benchmark loses nothing and the same command with the same
``--save`` runs only the seeds still missing; ``--load DIR`` prints the tables of the runs
saved there.

Prints markdown tables (the ones in RESULTS_sequence.md).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
from brian2 import ms

from spikesyn.digit_videos import make_videos
from spikesyn.digits import load_digits
from spikesyn.networks.digit_experiment import HIDDEN_KEYS, run_digit_sequence
from spikesyn.networks.digit_sequence import DigitSequenceConfig, class_scores, run_videos

KEYS = ("untransformed", "occlude_erase", "occlude_bright", "noise", "shuffled",
        "occlude_erase_hidden", "occlude_bright_hidden")
MODELS = ("st_stdp", "static", "smoothing", "nearest_neighbour", "mlp", "mlp_occluded")


def predict(trained, frames, config, short_term, seed):
    """The class the layer answers for each frame of ``frames`` (n_videos, n_frames)."""
    counts = run_videos(trained, frames, config, short_term=short_term, seed=seed)
    return class_scores(counts, trained.labels, trained.n_classes).argmax(-1)


def per_video(pred, videos, key):
    """Accuracy of each video over all its frames, or over its >= 50 % hidden frames."""
    correct = pred == videos.frame_labels
    if key.endswith("_hidden"):
        heavy = videos.hidden >= 0.5
        n = heavy.sum(1)
        with np.errstate(invalid="ignore"):
            return np.where(n > 0, (correct & heavy).sum(1) / np.maximum(n, 1), np.nan), n
    return correct.mean(1), np.full(len(correct), correct.shape[1])


def paired(runs, a, b, key, n_boot=2000, seed=0):
    """Frame-weighted mean difference a - b over all runs and its 95 % bootstrap CI."""
    cond = key.replace("_hidden", "")
    diffs, weights = [], []
    for res in runs:
        v = res.videos[cond]
        da, n = per_video(res.predictions[a][cond], v, key)
        db, _ = per_video(res.predictions[b][cond], v, key)
        ok = n > 0
        diffs.append((da - db)[ok])
        weights.append(n[ok].astype(float))
    rng = np.random.default_rng(seed)

    def mean(ds, ws):
        return sum((d * w).sum() for d, w in zip(ds, ws)) / sum(w.sum() for w in ws)

    point = mean(diffs, weights)
    boots = []
    for _ in range(n_boot):
        ds, ws = [], []
        for d, w in zip(diffs, weights):
            idx = rng.integers(0, len(d), len(d))
            ds.append(d[idx])
            ws.append(w[idx])
        boots.append(mean(ds, ws))
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return point, lo, hi


def main_table(runs):
    lines = ["| model | " + " | ".join(KEYS) + " |", "|---|" + "---|" * len(KEYS)]
    for m in MODELS:
        if m not in runs[0].accuracy:
            continue
        cells = []
        for k in KEYS:
            vals = [r.accuracy[m].get(k, np.nan) for r in runs]
            cells.append(f"{100 * np.nanmean(vals):.1f} ± {100 * np.nanstd(vals):.1f}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def diff_table(runs, others=("static", "smoothing", "mlp_occluded", "nearest_neighbour", "mlp")):
    lines = ["| st_stdp minus | " + " | ".join(KEYS) + " |", "|---|" + "---|" * len(KEYS)]
    for b in others:
        if b not in runs[0].predictions:
            continue
        cells = []
        for k in KEYS:
            if k.replace("_hidden", "") not in runs[0].videos:
                cells.append("")
                continue
            p, lo, hi = paired(runs, "st_stdp", b, k)
            cells.append(f"{100 * p:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]")
        lines.append(f"| {b} | " + " | ".join(cells) + " |")
    return lines


def ablation(run, config, seed, say, n_videos=None):
    """st_stdp variants on the run's (first n_videos) videos against the same static predictions."""
    variants = {
        f"R12 as run (gamma1 {config.gamma1}, gamma2 {config.gamma2})": {},
        "the study's values (gamma1 0.01, gamma2 0.003)": dict(gamma1=0.01, gamma2=0.003),
        "gamma1 only": dict(gamma2=0.0),
        "gamma2 only": dict(gamma1=0.0),
        "tau_F 125 ms": dict(tau_F=125 * ms),
        "tau_F 500 ms": dict(tau_F=500 * ms),
        "hard WTA at test (beta 20)": dict(beta=20.0),
    }
    conds = [c for c in ("untransformed", "occlude_erase", "occlude_bright", "noise", "shuffled")
             if c in run.videos]
    lines = ["| variant | " + " | ".join(conds + ["erase >=50%", "bright >=50%"]) + " |",
             "|---|" + "---|" * (len(conds) + 2)]
    n = n_videos or len(next(iter(run.videos.values())).labels)
    static = {c: p[:n] for c, p in run.predictions["static"].items()}
    for name, change in variants.items():
        cfg = replace(config, **change)
        cells, hidden = [], []
        for c in conds:
            base = static[c]
            if "beta" in change:  # a different layer: its own F = 0 reference
                base = predict(run.trained, run.videos[c].frames[:n], cfg, False, seed)
            if change:
                say(f"ablation {name}: {c}")
                pred = predict(run.trained, run.videos[c].frames[:n], cfg, True, seed)
            else:
                pred = run.predictions["st_stdp"][c][:n]
            v = run.videos[c]
            labels, hid = v.frame_labels[:n], v.hidden[:n]
            d = (pred == labels).mean() - (base == labels).mean()
            cells.append(f"{100 * d:+.1f}")
            if c in HIDDEN_KEYS:
                heavy = hid >= 0.5
                dh = (pred == labels)[heavy].mean() - (base == labels)[heavy].mean()
                hidden.append(f"{100 * dh:+.1f}")
        lines.append(f"| {name} | " + " | ".join(cells + hidden) + " |")
    return lines


DEVICE_CARDS = ("em_stdp_pcm", "em_stdp_srtio3")
DEVICE_CONDITIONS = ("untransformed", "occlude_erase", "occlude_bright")


def device_predictions(run, config, say, n_videos=100):
    """st_stdp and static predictions of each device twin on the run's first ``n_videos`` videos."""
    preds = {}
    for card in DEVICE_CARDS:
        cfg = replace(config, synapse=card)
        for c in DEVICE_CONDITIONS:
            for model, short_term in (("st_stdp", True), ("static", False)):
                say(f"seed {run.seed}, {card}: {c}, {model}")
                preds.setdefault(f"{model} {card}", {})[c] = predict(
                    run.trained, run.videos[c].frames[:n_videos], cfg, short_term, run.seed)
    return preds


def pcm_noise_table(run, config, say, n_videos=100):
    """Which PCM non-ideality costs the em_stdp_pcm twin its accuracy: one source at a time."""
    conds = ("occlude_erase", "occlude_bright")
    lines = ["| em_stdp_pcm with | erase >=50% | bright >=50% | erase videos, frames < 5 % hidden |",
             "|---|---|---|---|"]
    for sources in ((), ("programming",), ("drift",), ("read",), ("programming", "drift", "read")):
        cfg = replace(config, synapse="em_stdp_pcm", pcm_noise=sources)
        cells = []
        for c in conds:
            say(f"pcm noise {sources or 'none'}: {c}")
            v = run.videos[c]
            pred = predict(run.trained, v.frames[:n_videos], cfg, True, run.seed)
            heavy = v.hidden[:n_videos] >= 0.5
            ideal = run.predictions["st_stdp"][c][:n_videos] == v.frame_labels[:n_videos]
            ok = pred == v.frame_labels[:n_videos]
            cells.append(f"{100 * (ok[heavy].mean() - ideal[heavy].mean()):+.1f}")
            if c == "occlude_erase":
                light = v.hidden[:n_videos] < 0.05
                erase_clear = f"{100 * (ok[light].mean() - ideal[light].mean()):+.1f}"
        lines.append(f"| {', '.join(sources) or 'no noise (mapping only)'} | " + " | ".join(cells)
                     + f" | {erase_clear} |")
    return lines


def device_table(runs, device_preds):
    """The device twins against the ideal card, paired per video (frame-weighted, bootstrap CI)."""
    views = []
    for run, dev in zip(runs, device_preds):
        n = len(next(iter(next(iter(dev.values())).values())))
        preds = {m: {c: run.predictions[m][c][:n] for c in DEVICE_CONDITIONS} for m in ("st_stdp", "static")}
        preds.update(dev)
        videos = {c: SimpleNamespace(frame_labels=run.videos[c].frame_labels[:n],
                                     hidden=run.videos[c].hidden[:n]) for c in DEVICE_CONDITIONS}
        views.append(SimpleNamespace(predictions=preds, videos=videos))
    keys = ("untransformed", "occlude_erase_hidden", "occlude_bright_hidden")
    rows = [("ideal st_stdp minus its static", "st_stdp", "static")]
    for card in DEVICE_CARDS:
        rows += [(f"{card}: st_stdp minus its static", f"st_stdp {card}", f"static {card}"),
                 (f"{card}: st_stdp minus ideal st_stdp", f"st_stdp {card}", "st_stdp")]
    lines = ["| comparison | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for name, a, b in rows:
        cells = []
        for k in keys:
            p, lo, hi = paired(views, a, b, k)
            cells.append(f"{100 * p:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


SELECT_GAMMA1 = (0.003, 0.005, 0.007, 0.01)
SELECT_GAMMA2 = (0.001, 0.002, 0.003)
SELECT_CONDITIONS = ("untransformed", "noise", "occlude_erase", "occlude_bright")


def select_rule(run, config, seed, say, n_videos=100):
    """Choose (gamma1, gamma2) on validation videos of the run's trained layer, never test videos.

    The criterion is fixed before looking: a rule is admissible when it loses at most 1 point
    against F = 0 on untransformed and on noisy videos (the issue's targets); among admissible
    rules the one with the largest smaller hidden-frame gain of the two occluders wins; if none is
    admissible, the one whose worse control loses least.
    """
    valid = load_digits(size=run.config["size"], split="validation", seed=seed,
                        n_train=run.config["n_train"])
    videos = {c: make_videos(valid, c, n_videos=n_videos, n_frames=run.config["n_frames"],
                             occluder_width=run.config["occluder_width"], seed=seed)
              for c in SELECT_CONDITIONS}

    def accuracies(cfg, short_term):
        out = {}
        for c, v in videos.items():
            ok = predict(run.trained, v.frames, cfg, short_term, seed) == v.frame_labels
            out[c] = ok.mean()
            if c in HIDDEN_KEYS:
                out[HIDDEN_KEYS[c]] = ok[v.hidden >= 0.5].mean()
        return out

    say("validation: static")
    base = accuracies(config, False)
    cols = ("untransformed", "noise", "occlude_erase_hidden", "occlude_bright_hidden")
    lines = ["| gamma1 | gamma2 | " + " | ".join(cols) + " | admissible |", "|---|---|" + "---|" * (len(cols) + 1)]
    scored = []
    for g1 in SELECT_GAMMA1:
        for g2 in SELECT_GAMMA2:
            say(f"validation: gamma1 {g1}, gamma2 {g2}")
            acc = accuracies(replace(config, gamma1=g1, gamma2=g2), True)
            d = {k: 100 * (acc[k] - base[k]) for k in cols}
            ok = d["untransformed"] >= -1 and d["noise"] >= -1
            gain = min(d["occlude_erase_hidden"], d["occlude_bright_hidden"])
            control = min(d["untransformed"], d["noise"])
            scored.append(((ok, gain if ok else control), g1, g2))
            lines.append(f"| {g1} | {g2} | " + " | ".join(f"{d[k]:+.1f}" for k in cols)
                         + f" | {'yes' if ok else 'no'} |")
    _, g1, g2 = max(scored)
    lines.append(f"\nchosen: gamma1 {g1}, gamma2 {g2}")
    return lines, (g1, g2)


def seed_task(params, seed):
    """One sweep task: a seed's trained network, videos and predictions (run_digit_sequence),
    pickled to ``params["save"]/seed_<seed>.pkl``; the record names the file."""
    config = DigitSequenceConfig(**({"epochs": params["epochs"]} if params.get("epochs") else {}))
    if params.get("gammas"):
        g1, g2 = (float(x) for x in params["gammas"].split())
        config = replace(config, gamma1=g1, gamma2=g2)
    run = run_digit_sequence(config, n_videos=params["videos"], seed=seed, target="cython",
                             n_train=params["train_per_class"],
                             baselines=() if params["no_baselines"] else
                             ("nearest_neighbour", "mlp", "mlp_occluded"),
                             progress=lambda m: print(f"seed {seed}: {m}", file=sys.stderr, flush=True))
    path = Path(params["save"]) / f"seed_{seed}.pkl"
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        pickle.dump(run, fh)
    tmp.replace(path)
    return {"static_frame_accuracy": run.static_frame_accuracy, "run": str(path)}


def run_seeds(args, say):
    """Every seed's run as a spikesyn.sweep task (``--workers`` at once; 1: in this process),
    recorded in ``<save>/sweep.jsonl`` as each finishes, so that a second call with the same
    ``--save`` folder runs only the seeds still missing."""
    import spikesyn as ss
    save = Path(args.save or tempfile.mkdtemp(prefix="sequence_digits_"))
    save.mkdir(parents=True, exist_ok=True)
    params = {"videos": args.videos, "train_per_class": args.train_per_class,
              "no_baselines": bool(args.no_baselines), "save": str(save)}
    if args.epochs:
        params["epochs"] = args.epochs
    if args.gammas:
        params["gammas"] = " ".join(f"{g:g}" for g in args.gammas)
    out = save / "sweep.jsonl"
    t0 = time.time()
    records = ss.sweep(seed_task, [params], seeds=args.seeds, out=str(out), resume=out.exists(),
                       executor="serial" if args.workers == 1 else args.workers, progress=False)
    runs = []
    for rec in sorted(records, key=lambda r: int(r["seed"])):
        if rec["status"] != "ok":
            raise SystemExit(f"seed {rec['seed']} failed: {rec['error']}")
        with open(rec["run"], "rb") as fh:
            runs.append(pickle.load(fh))
        say(f"seed {rec['seed']}: static per-frame {float(rec['static_frame_accuracy']):.3f}")
    say(f"{len(runs)} seeds ({time.time() - t0:.0f} s)")
    return runs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--videos", type=int, default=300)
    ap.add_argument("--ablation", action="store_true", help="also run the ablation on the first seed")
    ap.add_argument("--ablation-videos", type=int, default=None,
                    help="videos per condition in the ablation (default: all of the run's)")
    ap.add_argument("--save", default=None, help="folder: keep each seed's run as it finishes")
    ap.add_argument("--load", default=None, help="folder: print the tables of the runs saved there")
    ap.add_argument("--rescore", type=float, nargs=2, metavar=("GAMMA1", "GAMMA2"), default=None,
                    help="with --load: run st_stdp again on the saved videos with these gammas "
                         "(static, baselines and videos as saved) and report that")
    ap.add_argument("--select-rule", action="store_true",
                    help="choose gamma1, gamma2 on validation videos of the first seed's layer")
    ap.add_argument("--select-videos", type=int, default=100)
    ap.add_argument("--gammas", type=float, nargs=2, metavar=("GAMMA1", "GAMMA2"), default=None,
                    help="the short-term rule for new runs (default: the network's)")
    ap.add_argument("--devices", action="store_true",
                    help="also run the device twins (em_stdp_pcm, em_stdp_srtio3) on every run")
    ap.add_argument("--device-videos", type=int, default=100)
    ap.add_argument("--pcm-noise", action="store_true",
                    help="on the first seed: em_stdp_pcm st_stdp minus ideal st_stdp, one PCM noise source at a time")
    ap.add_argument("--save-rescored", default=None, help="folder: keep each rescored run")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--out", default=None, help="write every run's JSON here")
    ap.add_argument("--epochs", type=int, default=None, help="training epochs (default: the network's)")
    ap.add_argument("--train-per-class", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1,
                    help="seeds run at once (spikesyn.sweep on a local process pool; default 1: this process)")
    args = ap.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    config = DigitSequenceConfig() if args.epochs is None else DigitSequenceConfig(epochs=args.epochs)
    if args.gammas:
        config = replace(config, gamma1=args.gammas[0], gamma2=args.gammas[1])
    runs, device_preds = [], []
    t0 = time.time()
    if args.load:
        for path in sorted(Path(args.load).glob("seed_*.pkl"), key=lambda p: int(p.stem[5:])):
            with open(path, "rb") as fh:
                runs.append(pickle.load(fh))
        args.seeds = [r.seed for r in runs]
        for run in runs if args.devices else ():
            saved = Path(args.load) / f"devices_{run.seed}.pkl"
            if saved.exists():
                with open(saved, "rb") as fh:
                    device_preds.append(pickle.load(fh))
            else:
                device_preds.append(device_predictions(run, config, say, args.device_videos))
        args.videos = next(iter(runs[0].n_videos.values()))
    if not args.load:
        runs = run_seeds(args, say)
        for run in runs if args.devices else ():
            device_preds.append(device_predictions(run, config, say, args.device_videos))
            if args.save:
                with open(Path(args.save) / f"devices_{run.seed}.pkl", "wb") as fh:
                    pickle.dump(device_preds[-1], fh)
    if args.select_rule:
        lines, _ = select_rule(runs[0], config, runs[0].seed, say, args.select_videos)
        print(f"rule chosen on {args.select_videos} validation videos per condition, seed {runs[0].seed}: "
              "st_stdp minus static, points\n")
        print("\n".join(lines) + "\n")
    if args.rescore:
        g1, g2 = args.rescore
        config = replace(config, gamma1=g1, gamma2=g2)
        for run in runs:
            for c, v in run.videos.items():
                say(f"seed {run.seed} rescored with gamma1 {g1}, gamma2 {g2}: {c}")
                pred = predict(run.trained, v.frames, config, True, run.seed)
                run.predictions["st_stdp"][c] = pred
                acc = (pred == v.frame_labels)
                run.accuracy["st_stdp"][c] = float(acc.mean())
                if c in HIDDEN_KEYS:
                    run.accuracy["st_stdp"][HIDDEN_KEYS[c]] = float(acc[v.hidden >= 0.5].mean())
            run.config.update(gamma1=g1, gamma2=g2)
            if args.save_rescored:
                Path(args.save_rescored).mkdir(parents=True, exist_ok=True)
                with open(Path(args.save_rescored) / f"seed_{run.seed}.pkl", "wb") as fh:
                    pickle.dump(run, fh)
        print(f"st_stdp with gamma1 {g1}, gamma2 {g2} (rescored on the saved videos)\n")
    print(f"seeds {args.seeds}, {args.videos} videos per condition per seed; accuracy in % "
          f"(mean ± sd over seeds)\n")
    print("\n".join(main_table(runs)))
    print("\npaired differences in points, frame-weighted, 95 % bootstrap CI over videos within seeds\n")
    print("\n".join(diff_table(runs)))
    if args.devices:
        print("\ndevice twins against the ideal card on the first videos of each condition and seed: "
              "paired differences in points, 95 % bootstrap CI\n")
        print("\n".join(device_table(runs, device_preds)))
    if args.pcm_noise:
        print(f"\nPCM noise sources, seed {runs[0].seed}, first {args.device_videos} videos: em_stdp_pcm "
              "st_stdp minus ideal st_stdp, points (hidden >= 50 %, and frames with < 5 % hidden)\n")
        print("\n".join(pcm_noise_table(runs[0], config, say, args.device_videos)))
    if args.ablation:
        print(f"\nablation, seed {args.seeds[0]}: st_stdp variant minus static, points\n")
        print("\n".join(ablation(runs[0], config, args.seeds[0], say, args.ablation_videos)))
    print(f"\n({time.time() - t0:.0f} s)")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump([r.to_dict() for r in runs], fh)


if __name__ == "__main__":
    main()
