"""`spikesyn maxcut`: JSON output, files written atomically, one clear error and exit 2 on bad input."""

import json
import subprocess
import sys

import networkx as nx
import pytest

from spikesyn.cli import main
from spikesyn.cli.maxcut import DEMO_BEST_KNOWN, demo_best_partition, demo_graph
from spikesyn.graphio import read_graph
from spikesyn.networks.maxcut import cut_value

FAST = ["--codegen", "numpy", "--sweeps", "100", "--replicas", "4", "--quiet"]


def _gset(tmp_path, name="g.txt"):
    G = nx.gnm_random_graph(12, 30, seed=4)
    lines = [f"12 {G.number_of_edges()}"] + [f"{u + 1} {v + 1} {1 if (u + v) % 3 else -1}" for u, v in G.edges]
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_promised_fields_and_a_valid_cut(tmp_path, capsys):
    p = _gset(tmp_path)
    code, out, err = _run(capsys, ["maxcut", str(p), "--json", "--seed", "3", *FAST])
    assert code == 0
    d = json.loads(out)
    for key in ("cut", "n", "m", "time_s", "time_to_best_s", "seed", "partition"):
        assert key in d
    assert d["n"] == 12 and d["m"] == 30 and d["seed"] == 3
    G = read_graph(p)
    a, b = map(set, d["partition"])
    assert a | b == set(G.nodes) and not a & b
    assert d["cut"] == pytest.approx(cut_value(G, (a, b)))
    assert 0 <= d["time_to_best_s"] <= d["time_s"]


def test_same_seed_same_json_answer(tmp_path, capsys):
    p = _gset(tmp_path)
    runs = [json.loads(_run(capsys, ["maxcut", str(p), "--json", "--seed", "5", *FAST])[1]) for _ in range(2)]
    assert runs[0]["cut"] == runs[1]["cut"] and runs[0]["partition"] == runs[1]["partition"]


@pytest.mark.parametrize("fmt,text", [
    ("edgelist", "a b 2\nb c 1\nc a 1\n"),
    ("gml", None),
    ("graphml", None),
    ("mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n2 1 2\n3 2 1\n3 1 1\n"),
])
def test_every_format_from_the_command_line(tmp_path, capsys, fmt, text):
    p = tmp_path / f"g.{fmt}"
    if text is None:
        G = nx.Graph([("a", "b", {"weight": 2.0}), ("b", "c", {"weight": 1.0}), ("c", "a", {"weight": 1.0})])
        (nx.write_gml if fmt == "gml" else nx.write_graphml)(G, p)
    else:
        p.write_text(text)
    code, out, _ = _run(capsys, ["maxcut", str(p), "--format", fmt, "--json", "--seed", "1", *FAST])
    assert code == 0
    assert json.loads(out)["cut"] == 3.0  # triangle: best cut keeps the two weight-1 edges or 2+1


def test_out_and_plot_files(tmp_path, capsys):
    p = _gset(tmp_path)
    out_file, png = tmp_path / "part.txt", tmp_path / "trace.png"
    code, out, _ = _run(capsys, ["maxcut", str(p), "--seed", "1", "--out", str(out_file), "--plot", str(png), *FAST])
    assert code == 0 and "cut" in out
    rows = [line.split() for line in out_file.read_text().splitlines() if not line.startswith("#")]
    sides = {int(u): int(s) for u, s in rows}
    assert set(sides) == set(range(1, 13)) and set(sides.values()) <= {0, 1}
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")], "temporary file left behind"


BAD_INPUTS = [
    ("header.txt", "12\n1 2 1\n", ":1:"),
    ("count.txt", "3 5\n1 2 1\n", "announces 5"),
    ("nonnum.txt", "3 1\n1 two 1\n", ":2:"),
    ("nan.txt", "3 1\n1 2 nan\n", ":2:"),
    ("inf.txt", "3 1\n1 2 inf\n", ":2:"),
    ("range.txt", "3 1\n1 9 1\n", ":2:"),
    ("empty.txt", "", "empty"),
]


@pytest.mark.parametrize("name,text,words", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_file_one_error_exit_2_no_out_file(tmp_path, capsys, name, text, words):
    p = tmp_path / name
    p.write_text(text)
    out_file = tmp_path / "part.txt"
    code, out, err = _run(capsys, ["maxcut", str(p), "--format", "gset", "--out", str(out_file), *FAST])
    assert code == 2
    assert out == ""
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and words in lines[0]
    assert not out_file.exists()
    assert list(tmp_path.iterdir()) == [p]


def test_missing_file(tmp_path, capsys):
    code, _, err = _run(capsys, ["maxcut", str(tmp_path / "nope.txt"), *FAST])
    assert code == 2 and "no such file" in err


@pytest.mark.parametrize("argv", [
    ["--format", "dimacs"],
    ["--time-limit", "0"],
    ["--time-limit", "-3"],
    ["--time-limit", "soon"],
    ["--sweeps", "0"],
])
def test_bad_options_exit_2(tmp_path, capsys, argv):
    p = _gset(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["maxcut", str(p), *argv])
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unknown_device_exit_2(tmp_path, capsys):
    code, _, err = _run(capsys, ["maxcut", str(_gset(tmp_path)), "--device", "flux-capacitor", *FAST])
    assert code == 2 and "unknown device" in err


def test_graph_without_edges_is_a_valid_answer(tmp_path, capsys):
    p = tmp_path / "empty_graph.txt"
    p.write_text("4 0\n")
    code, out, _ = _run(capsys, ["maxcut", str(p), "--json", *FAST])
    d = json.loads(out)
    assert code == 0 and d["cut"] == 0 and d["n"] == 4 and d["m"] == 0
    assert sorted(d["partition"][0] + d["partition"][1]) == [1, 2, 3, 4]


def test_target_stops_and_reports(tmp_path, capsys):
    p = tmp_path / "ring.edges"
    p.write_text("".join(f"{i} {(i + 1) % 10}\n" for i in range(10)))
    code, out, _ = _run(capsys, ["maxcut", str(p), "--json", "--target", "10", "--seed", "0",
                                 "--codegen", "numpy", "--sweeps", "5000", "--quiet"])
    d = json.loads(out)
    assert d["cut"] == 10 and d["stop_reason"] == "target" and d["sweeps_done"] < 5000


def test_restarts_option_reaches_the_solver(tmp_path, capsys):
    p = _gset(tmp_path)
    code, out, _ = _run(capsys, ["maxcut", str(p), "--json", "--seed", "1", "--time-limit", "0.5",
                                 "--restarts", "reheat", "--codegen", "numpy", "--sweeps", "10",
                                 "--replicas", "2", "--quiet"])
    d = json.loads(out)
    assert code == 0 and d["settings"]["restarts"] == "reheat" and d["stop_reason"] == "time_limit"
    assert d["cut"] == cut_value(read_graph(p), (set(d["partition"][0]), set(d["partition"][1])))
    with pytest.raises(SystemExit) as e:
        main(["maxcut", str(p), "--restarts", "forever"])
    assert e.value.code == 2


def test_workers_option_reaches_the_solver(tmp_path, capsys):
    p = _gset(tmp_path)
    code, out, _ = _run(capsys, ["maxcut", str(p), "--json", "--seed", "2", "--workers", "2", *FAST])
    d = json.loads(out)
    assert code == 0 and d["settings"]["workers"] == 2 and len(d["settings"]["worker_seeds"]) == 2
    assert d["cut"] == cut_value(read_graph(p), (set(d["partition"][0]), set(d["partition"][1])))
    with pytest.raises(SystemExit) as e:
        main(["maxcut", str(p), "--workers", "0"])
    assert e.value.code == 2


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_ends_the_run_with_the_best_cut_so_far(tmp_path, workers):
    """A real SIGINT to the process group, as a terminal sends it: Brian2's own handler only
    ends the current run, so the solver must notice and stop the whole plan."""
    import os
    import signal
    import time
    if not hasattr(os, "killpg"):
        pytest.skip("needs POSIX process groups")
    p = _gset(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "spikesyn.cli", "maxcut", str(p), "--json", "--seed", "1",
                             "--time-limit", "120", "--codegen", "numpy", "--replicas", "2",
                             "--workers", workers], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        seen = ""
        while "best cut" not in seen:  # the first progress line: the simulation is running
            ch = proc.stderr.read(1)
            assert ch, f"no progress line: {seen!r}"
            seen += ch
        t0 = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and time.perf_counter() - t0 < 30
    d = json.loads(out)
    assert d["interrupted"] is True and d["stop_reason"] == "interrupted"
    assert d["cut"] == cut_value(read_graph(p), (set(d["partition"][0]), set(d["partition"][1])))


def test_demo_and_argument_checks(capsys):
    code, out, _ = _run(capsys, ["maxcut", "--demo", "--json", "--seed", "2", *FAST])
    d = json.loads(out)
    assert code == 0 and d["n"] == 200 and d["file"] == "demo" and d["cut"] > 0
    assert d["best_known"] == 490 and d["cut"] <= d["best_known"]
    code, out, _ = _run(capsys, ["maxcut", "--demo", "--seed", "2", *FAST])
    assert "best known cut is 490 (simulated annealing, not proven optimal)" in out
    with pytest.raises(SystemExit) as info:
        main(["maxcut"])
    assert info.value.code == 2


def test_console_script_help():
    r = subprocess.run([sys.executable, "-m", "spikesyn.cli", "maxcut", "--help"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "--time-limit" in r.stdout and "--demo" in r.stdout


def test_progress_line_ends_with_the_final_numbers(capsys):
    # the first run of a graph size prints one line once compilation is over and may end
    # before the next one is due: the last line on screen must be the result, not that line
    from spikesyn.cli.maxcut import _progress_printer

    show, done = _progress_printer(quiet=False)
    show({"elapsed": 18.0, "best": 330.0, "sweeps": 0})
    done({"elapsed": 18.4, "best": 490.0, "sweeps": 1000})
    err = capsys.readouterr().err
    last = err.rstrip("\n").split("\r")[-1]
    assert "best cut 490" in last and "sweeps 1000" in last
    assert err.endswith("\n")

    show, done = _progress_printer(quiet=False)
    show({"elapsed": 0.5, "best": 10.0, "sweeps": 3})   # short runs print nothing at all
    done({"elapsed": 0.6, "best": 12.0, "sweeps": 5})
    assert capsys.readouterr().err == ""


def test_demo_best_known_cut_is_the_cut_of_the_stored_partition():
    assert cut_value(demo_graph(), demo_best_partition()) == DEMO_BEST_KNOWN == 490


def test_schedule_option_reaches_the_solver(tmp_path, capsys):
    p = _gset(tmp_path)
    code, out, _ = _run(capsys, ["maxcut", str(p), "--json", "--seed", "2", "--schedule", "0.7", "0.1", *FAST])
    assert code == 0 and json.loads(out)["settings"]["schedule"] == {"start": 0.7, "stop": 0.1, "shape": "geometric"}
    with pytest.raises(SystemExit) as e:
        main(["maxcut", str(p), "--schedule", "0", "0.1"])
    assert e.value.code == 2 and "--schedule" in capsys.readouterr().err
