"""The STPN study: held-out scores for three Lambda ranges over seeds, and the device energy.

One call trains an STPN (:mod:`spikesyn.networks.stpn`) per regime and seed -- Lambda fixed at
0 (``"none"``), the SrTiO3 device range [0.08, 0.92] (``"device"``) and [0, 1]
(``"unconstrained"``), as in Fig. 4b of Weilenmann et al. 2024 -- then deploys the device-range
network of the first seed in Brian2 on the srtio3 card (:mod:`spikesyn.networks.stpn_deploy`)
for its energy per sequence against a GPU estimate.

Examples
--------
>>> sorted(STUDY_KEYS)
['deployment', 'energy', 'per_seed', 'score', 'seeds', 'settings', 'spread', 'time_s']
"""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
from brian2 import joule

from spikesyn.errors import ParameterError
from spikesyn.networks.stpn import LAMBDA_RANGES, STPNConfig, forward_numpy, train_stpn
from spikesyn.networks.stpn_deploy import deploy

__all__ = ["STUDY_KEYS", "run_study"]

STUDY_KEYS = ("score", "spread", "seeds", "per_seed", "energy", "deployment", "settings", "time_s")


def run_study(seeds=(0, 1, 2), regimes=tuple(LAMBDA_RANGES), deploy_sequences=50, progress=None,
              **config):
    """Train every regime on every seed, score on held-out sequences, deploy one on devices.

    Parameters
    ----------
    seeds : sequence of int
    regimes : sequence of str
        Subset of ``"none"``, ``"device"``, ``"unconstrained"``; the energy needs ``"device"``.
    deploy_sequences : int
        Held-out sequences run in Brian2 (0: no deployment, no energy).
    progress : callable, optional
        Called with one line per trained network.
    **config
        Fields of :class:`~spikesyn.networks.stpn.STPNConfig` other than ``regime``.

    Returns
    -------
    dict
        ``score`` (regime -> mean held-out accuracy), ``spread`` (regime -> sample standard
        deviation over seeds, 0 for one seed), ``seeds``, ``per_seed`` (regime -> list),
        ``energy`` (``device_J``, ``gpu_J`` per sequence, ``ratio``, and the breakdown),
        ``deployment`` (accuracies of the Brian2 run and of the numpy model on the same
        sequences), ``settings`` and ``time_s``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ParameterError(f"seeds must be distinct integers >= 0, got {seeds}")
    unknown = [r for r in regimes if r not in LAMBDA_RANGES]
    if unknown or not regimes:
        raise ParameterError(f"regimes {unknown or regimes} not among {sorted(LAMBDA_RANGES)}")
    if int(deploy_sequences) != deploy_sequences or deploy_sequences < 0:
        raise ParameterError(f"deploy_sequences must be an integer >= 0, got {deploy_sequences!r}")
    if "regime" in config:
        raise ParameterError("run_study: give regimes=..., not regime=")
    configs = {r: STPNConfig(regime=r, **config) for r in regimes}   # checks every field first
    start = time.perf_counter()
    per_seed, nets = {r: [] for r in regimes}, {}
    for regime in regimes:
        for seed in seeds:
            net = train_stpn(configs[regime], seed=seed)
            per_seed[regime].append(net.accuracy)
            nets[(regime, seed)] = net
            if progress:
                progress(f"{regime:<14} seed {seed}: held-out accuracy {net.accuracy:.3f} "
                         f"({net.train_seconds:.0f} s)")
    out = {
        "score": {r: float(np.mean(v)) for r, v in per_seed.items()},
        "spread": {r: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for r, v in per_seed.items()},
        "seeds": seeds,
        "per_seed": per_seed,
        "energy": None,
        "deployment": None,
        "settings": {k: v for k, v in asdict(configs[regimes[0]]).items() if k != "regime"},
    }
    out["settings"]["chance"] = 1.0 / configs[regimes[0]].n_values
    if deploy_sequences and "device" in regimes:
        out["energy"], out["deployment"] = _deploy(nets[("device", seeds[0])], int(deploy_sequences), progress)
    out["time_s"] = time.perf_counter() - start
    return out


def _deploy(net, n, progress):
    x, y = net.test_set(n)
    run = deploy(net, x, seed=net.seed)
    reference = forward_numpy(net, x)   # noise-free numpy model on the same sequences
    deployed_acc = float(np.mean(run.logits.argmax(axis=1) == y))
    reference_acc = float(np.mean(reference.argmax(axis=1) == y))
    agree = float(np.mean(run.logits.argmax(axis=1) == reference.argmax(axis=1)))
    if progress:
        progress(f"Brian2 on srtio3, {n} sequences: accuracy {deployed_acc:.3f} (numpy model "
                 f"{reference_acc:.3f}), {float(run.energy_per_sequence / joule):.3g} J per sequence")
    energy = {
        "device_J": float(run.energy_per_sequence / joule),
        "gpu_J": float(run.gpu_per_sequence / joule),
        "ratio": float(run.ratio),
        "device_per_event_J": {k: float(v / joule) / n for k, v in run.energy.per_event.items()},
        "gpu_memory": "sram",
        "per_synapse_J": np.asarray(run.per_synapse / joule).ravel().tolist(),
    }
    deployment = {"sequences": n, "seed": net.seed, "accuracy_brian2": deployed_acc,
                  "accuracy_numpy": reference_acc, "agreement": agree}
    return energy, deployment
