"""Bad and edge inputs: one clear error, nothing overwritten, nothing half-written, no hang.

One test (or one parametrised case) per defect class of issue 24, in its order.
"""

import json
import math
import os
import stat
import subprocess
import sys
import time

import networkx as nx
import numpy as np
import pytest

from spikesyn.cli import main
from spikesyn.cli.outputs import check_output_paths
from spikesyn.errors import CliError
from spikesyn.errors import ParameterError, SpikesynError
from spikesyn.graphio import GraphFormatError, read_graph
from spikesyn.networks.maxcut import cut_value, maxcut
from spikesyn.outputs import OutputPathError, check_output, write_outputs

TINY = "3 2\n1 2 1\n2 3 1\n"
FAST = ["--codegen", "numpy", "--sweeps", "5", "--replicas", "2", "--quiet"]


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text(TINY)
    return p


def _run(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- 1: the writer
def test_out_writes_through_a_symlink_to_its_target(tmp_path, tiny, capsys):
    target = tmp_path / "t"
    target.write_text("keep\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    code, _, err = _run(capsys, ["maxcut", str(tiny), "--out", str(link), "--seed", "1", *FAST])
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("# node side\n")


def test_out_onto_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "new.txt")
    write_outputs([(link, lambda name: open(name, "w").write("x"))])
    assert link.is_symlink() and (tmp_path / "new.txt").read_text() == "x"


def test_new_files_get_the_umask_mode_and_old_files_keep_theirs(tmp_path):
    new = tmp_path / "new.txt"
    write_outputs([(new, lambda name: open(name, "w").write("x"))])
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask
    old = tmp_path / "old.txt"
    old.write_text("y")
    old.chmod(0o640)
    write_outputs([(old, lambda name: open(name, "w").write("x"))])
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_text() == "x"


def test_a_character_device_is_written_directly_never_replaced():
    before = os.stat("/dev/null")
    write_outputs([("/dev/null", lambda name: open(name, "w").write("x"))])
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_without_reader_is_an_error_not_a_wait(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    check_output(fifo, "--out")  # not opened before the output is written
    t0 = time.perf_counter()
    with pytest.raises(OutputPathError, match="no process reads"):
        write_outputs([(fifo, lambda name: open(name, "w").write("x"))])
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and time.perf_counter() - t0 < 2


def test_a_fifo_with_a_reader_gets_the_whole_output_once(tmp_path):
    import threading
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    time.sleep(0.2)
    check_output(fifo, "--out")
    write_outputs([(fifo, lambda name: open(name, "w").write("1 0\n2 1\n"))])
    reader.join(timeout=5)
    assert got == ["1 0\n2 1\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path):
    def fail(name):
        open(name, "w").write("half")
        raise OSError("disk full")
    keep = tmp_path / "keep.txt"
    keep.write_text("old")
    with pytest.raises(OutputPathError, match="keep.txt: cannot be written: disk full"):
        write_outputs([(tmp_path / "a.txt", lambda n: open(n, "w").write("a")), (keep, fail)])
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"] and keep.read_text() == "old"


# --------------------------------------------------------------------------- 2: sizes
@pytest.mark.parametrize("text", [
    "100000000000 1\n1 2 1\n",
    "%%MatrixMarket matrix coordinate real symmetric\n100000000000 100000000000 1\n2 1 1\n",
])
def test_a_huge_declared_size_is_refused_before_allocating(tmp_path, text):
    p = tmp_path / ("h.mtx" if text.startswith("%%") else "h.txt")
    p.write_text(text)
    t0 = time.perf_counter()
    with pytest.raises(GraphFormatError, match=r"100000000000 nodes.*needs about .* GB"):
        read_graph(p)
    assert time.perf_counter() - t0 < 2


def test_a_dense_array_size_line_is_checked_against_the_values_held(tmp_path):
    p = tmp_path / "a.mtx"
    p.write_text("%%MatrixMarket matrix array real general\n100000 100000\n1\n")
    with pytest.raises(GraphFormatError, match="10000000000 values but the file has 1"):
        read_graph(p)


def test_a_billion_replicas_are_refused_with_the_estimate(tiny, capsys):
    t0 = time.perf_counter()
    code, out, err = _run(capsys, ["maxcut", str(tiny), "--replicas", "1000000000", "--codegen", "numpy"])
    assert code == 2 and out == "" and "1000000000 replicas" in err and "GB of memory" in err
    assert time.perf_counter() - t0 < 5
    with pytest.raises(SpikesynError, match="GB of memory"):
        maxcut(nx.path_graph(3), replicas=10 ** 9, sweeps=5, codegen="numpy")


def test_energy_all_to_all_size_is_refused_with_the_estimate(capsys):
    code, out, err = _run(capsys, ["energy", "--inputs", "100000", "--neurons", "100000"])
    assert code == 2 and "10000000000 synapses" in err and "GB of memory" in err


# --------------------------------------------------------------------------- 5: detection
@pytest.mark.parametrize("text,nodes,cut", [
    ("\ufeff4 3\n1 2 1\n2 3 1\n3 4 1\n", [1, 2, 3, 4], 3.0),   # byte-order mark
    ("4 3\n1 2\n2 3\n3 4\n", [1, 2, 3, 4], 3.0),               # unweighted Gset
])
def test_gset_is_recognised_and_its_header_never_read_as_an_edge(tmp_path, text, nodes, cut):
    p = tmp_path / "g.txt"
    p.write_text(text, encoding="utf-8")
    G = read_graph(p)
    assert sorted(G.nodes) == nodes and G.number_of_edges() == 3
    # a path of 4 nodes: its maximum cut is its 3 edges
    assert cut_value(G, ({1, 3}, {2, 4})) == cut


@pytest.mark.parametrize("text,words", [
    ("5 3\n", "header announces 3 edges but the file has 0"),
    ("4.0 3\n1 2 1\n2 3 1\n3 4 1\n", "header node count '4.0' is not an integer"),
])
def test_a_header_alone_or_with_a_float_is_an_error(tmp_path, text, words):
    p = tmp_path / "g.txt"
    p.write_text(text)
    with pytest.raises(GraphFormatError, match=words):
        read_graph(p)


# --------------------------------------------------------------------------- 6: Matrix Market
@pytest.mark.parametrize("banner,entry,words", [
    ("coordinate real skew-symmetric", "2 1 2", "skew-symmetric matrices are not adjacency"),
    ("coordinate integer symmetric", "2 1 1.5", "'1.5' is not an integer"),
])
def test_matrix_market_misreads_are_refused(tmp_path, banner, entry, words):
    p = tmp_path / "m.mtx"
    p.write_text(f"%%MatrixMarket matrix {banner}\n3 3 1\n{entry}\n")
    with pytest.raises(GraphFormatError, match=words):
        read_graph(p)


# --------------------------------------------------------------------------- 7: tracebacks
@pytest.mark.parametrize("argv", [
    ["energy", "--seed", "-1"], ["energy", "--seed", "99999999999"],
    ["maxcut", "--demo", "--seed", "-1"], ["maxcut", "--demo", "--seed", "4294967296"],
])
def test_seed_out_of_range_is_one_error_naming_seed(capsys, argv):
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == ""
    assert "argument --seed: must be an integer in [0, 4294967295]" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["energy", "--plot", "{d}/e.txt"], ["maxcut", "--demo", "--plot", "{d}/p.txt"],
                                  ["energy", "--plot", "{d}"], ["maxcut", "--demo", "--energy-plot", "{d}/x"]])
def test_plot_suffix_and_directory_checked_before_the_run(tmp_path, capsys, argv):
    argv = [a.format(d=tmp_path) for a in argv]
    t0 = time.perf_counter()
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == "" and "plot" in err and time.perf_counter() - t0 < 3
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- 8: outputs as a set
def test_every_output_path_is_checked_before_the_solve(tmp_path, tiny, capsys):
    t0 = time.perf_counter()
    code, out, err = _run(capsys, ["maxcut", str(tiny), "--out", str(tmp_path / "p.txt"),
                                   "--plot", str(tmp_path / "no" / "p.png"), *FAST])
    assert code == 2 and "--plot" in err and "does not exist" in err
    assert os.listdir(tmp_path) == ["g.txt"] and time.perf_counter() - t0 < 3


def test_out_onto_a_directory_names_the_directory_not_a_temporary(tmp_path, tiny, capsys):
    code, _, err = _run(capsys, ["maxcut", str(tiny), "--out", str(tmp_path), *FAST])
    assert code == 2 and err.strip().endswith("is a directory, not a file") and ".tmp" not in err


def test_two_options_naming_one_file_are_refused():
    with pytest.raises(CliError, match="the same file as --out"):
        check_output_paths([("--out", "a.png", False), ("--plot", "a.png", True)])


def test_a_failed_plot_writes_no_partition_but_prints_the_result(tmp_path, tiny, capsys, monkeypatch):
    import spikesyn.cli.maxcut as cli

    def broken(*args, **kwargs):
        def write(name):
            raise OSError(28, "No space left on device")
        return write
    monkeypatch.setattr(cli, "_plot_writer", broken)
    out_file = tmp_path / "p.txt"
    code, out, err = _run(capsys, ["maxcut", str(tiny), "--out", str(out_file), "--plot",
                                   str(tmp_path / "p.png"), "--json", "--seed", "1", *FAST])
    assert code == 2 and "none written" in err and "p.png: cannot be written: No space left" in err
    assert json.loads(out)["cut"] == 2.0
    assert sorted(os.listdir(tmp_path)) == ["g.txt"]


# --------------------------------------------------------------------------- 9: --workers
def test_workers_have_an_upper_bound_with_its_reason(tiny, capsys):
    code, _, err = _run(capsys, ["maxcut", str(tiny), "--workers", "1000"])
    assert code == 2 and "--workers" in err and "per CPU core" in err
    with pytest.raises(ParameterError, match="workers must be at most"):
        maxcut(nx.path_graph(3), workers=1000)


# --------------------------------------------------------------------------- 12: API arguments
@pytest.mark.parametrize("kwargs,name", [
    ({"seed": -1}, "seed"), ({"seed": 2 ** 40}, "seed"), ({"seed": "abc"}, "seed"), ({"seed": 1.7}, "seed"),
    ({"replicas": math.nan}, "replicas"), ({"replicas": math.inf}, "replicas"), ({"sweeps": "abc"}, "sweeps"),
    ({"target": math.nan}, "target"), ({"progress": 5}, "progress"),
])
def test_maxcut_api_errors_name_the_argument(kwargs, name):
    with pytest.raises(ParameterError, match=rf"^{name} must"):
        maxcut(nx.path_graph(3), codegen="numpy", **kwargs)


def test_time_limit_in_volts_names_time_limit():
    from brian2 import volt
    with pytest.raises(ParameterError, match="time_limit must be a time"):
        maxcut(nx.path_graph(3), time_limit=5 * volt)


# --------------------------------------------------------------------------- 13: CLI messages
def test_time_limit_range_is_stated_as_open_and_a_huge_token_is_cut(tmp_path, tiny, capsys):
    code, _, err = _run(capsys, ["maxcut", str(tiny), "--time-limit", "0"])
    assert code == 2 and "(0, inf)" in err
    p = tmp_path / "w.txt"
    p.write_text("3 2\n1 2 " + "9" * 200_000 + "\n2 3 1\n")
    code, _, err = _run(capsys, ["maxcut", str(p), *FAST])
    assert code == 2 and len(err) < 300 and "200002 characters" in err


def test_self_loop_warning_is_one_line_and_silent_under_quiet(tmp_path, capsys):
    p = tmp_path / "loop.txt"
    p.write_text("3 3\n1 1 1\n1 2 1\n2 3 1\n")
    code, _, err = _run(capsys, ["maxcut", str(p), *FAST])
    assert code == 0 and err == ""
    code, _, err = _run(capsys, ["maxcut", str(p), *[a for a in FAST if a != "--quiet"]])
    assert code == 0
    assert [line for line in err.splitlines() if "self-loop" in line] == [
        "spikesyn maxcut: warning: maxcut ignores 1 self-loop(s): they are never cut"]


# --------------------------------------------------------------------------- 3, 7, 10: cards
VALID_CARD = (os.path.join(os.path.dirname(__file__), "cards", "valid", "decaying_synapse.toml"))


def _card(tmp_path, old, new):
    text = open(VALID_CARD, encoding="utf-8").read()
    assert old in text
    p = tmp_path / "card.toml"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return p


@pytest.mark.parametrize("old,new,field,words", [
    ('unit = "ms"', 'unit = "ms*9**9**9"', "parameters.tau_w.unit", "outside [-10, 10]"),      # 3
    ('unit = "ms"', 'unit = "ms/0"', "parameters.tau_w.unit", "finite, non-zero"),            # 3
    ("range = [1.0, 1000.0]", "range = [1.0, 2.0, 3.0]", "parameters.tau_w.range", "[low, high]"),  # 7
    ("range = [1.0, 1000.0]", "range = 5.0", "parameters.tau_w.range", "[low, high]"),            # 7
    ("range = [1.0, 1000.0]", 'range = "1..1000"', "parameters.tau_w.range", "[low, high]"),      # 7
    ("range = [1.0, 1000.0]", "range = [nan, 1000.0]", "parameters.tau_w.range", "[low, high]"),  # 10
    ("value = 30.0", "value = nan", "parameters.tau_w.value", "finite"),                        # 10
    ("value = 30.0, unit = \"ms\", range = [1.0, 1000.0]", "value = -30.0, unit = \"ms\"",
     "parameters.tau_w.value", "a time cannot be negative"),                                     # 10
])
def test_card_defects_are_one_card_error_naming_the_field(tmp_path, old, new, field, words):
    from spikesyn.errors import CardError
    from spikesyn.model import load_model
    p = _card(tmp_path, old, new)
    t0 = time.perf_counter()
    with pytest.raises(CardError) as info:
        load_model(str(p))
    assert info.value.field == field and words in info.value.problem and str(p) in str(info.value)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("data", [b"\xff\xfe\x00n\x00a\x00m\x00e", bytes(range(256))])
def test_non_utf8_or_binary_card_file_is_a_card_error(tmp_path, data):
    from spikesyn.errors import CardError
    from spikesyn.model import load_model
    p = tmp_path / "bin.toml"
    p.write_bytes(data)
    with pytest.raises(CardError, match="not a UTF-8 text file|not valid TOML"):
        load_model(str(p))


@pytest.mark.parametrize("override", [
    {"tau_w": math.nan * 1e-3}, {"w0": np.array([]) * 1e-9}, {"E_event": math.nan * 1e-12},
])
def test_nan_and_empty_overrides_never_pass_a_range_check(override):
    from brian2 import joule, second, siemens
    from spikesyn.model import load_model
    model = load_model(VALID_CARD)
    units = {"tau_w": second, "w0": siemens, "E_event": joule}
    (name, value), = override.items()
    with pytest.raises(ParameterError, match=rf"'{name}'.*not NaN or an empty array"):
        model.synapse_kwargs(**{name: value * units[name]})


def test_a_negative_time_without_a_range_is_refused(tmp_path):
    from brian2 import ms
    from spikesyn.model import load_model
    model = load_model(str(_card(tmp_path, 'unit = "ms", range = [1.0, 1000.0]', 'unit = "ms"')))
    with pytest.raises(ParameterError, match="'tau_w'.*negative time"):
        model.synapse_kwargs(tau_w=-5 * ms)


# --------------------------------------------------------------------------- 4, 14: signals
def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signame,to_group,twice,workers", [
    ("SIGTERM", False, False, "2"),   # kill, timeout, supervisors: the parent only
    ("SIGINT", True, True, "2"),      # two quick Ctrl-C from a terminal
    ("SIGINT", True, True, "1"),
    ("SIGKILL", False, False, "2"),   # the parent cannot clean up: its workers must still die
])
def test_signals_end_a_run_cleanly_and_leave_no_process(tmp_path, signame, to_group, twice, workers):
    import signal
    G = nx.gnm_random_graph(40, 120, seed=4)
    p = tmp_path / "g.txt"
    p.write_text(f"40 {G.number_of_edges()}\n" + "".join(f"{u + 1} {v + 1} 1\n" for u, v in G.edges))
    out_file = tmp_path / "part.txt"
    proc = subprocess.Popen([sys.executable, "-m", "spikesyn.cli", "maxcut", str(p), "--json", "--seed", "1",
                             "--time-limit", "120", "--codegen", "numpy", "--replicas", "2",
                             "--workers", workers, "--out", str(out_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        seen = ""
        while "best cut" not in seen:  # the first progress line: every worker is simulating
            ch = proc.stderr.read(1)
            assert ch, f"no progress line: {seen!r}"
            seen += ch
        kids = _children(proc.pid)
        assert len(kids) == (int(workers) if workers != "1" else 0)
        sig = getattr(signal, signame)
        send = (lambda: os.killpg(proc.pid, sig)) if to_group else (lambda: os.kill(proc.pid, sig))
        send()
        if twice:
            time.sleep(0.02)
            send()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.5)
    assert [k for k in kids if _alive(k)] == []
    if signame == "SIGKILL":
        return
    assert proc.returncode == 0, err
    d = json.loads(out)
    assert d["interrupted"] is True and d["stop_reason"] == "interrupted"
    G = read_graph(p)
    assert d["cut"] == cut_value(G, (set(d["partition"][0]), set(d["partition"][1])))
    assert out_file.read_text().count("\n") == 41 and "Traceback" not in err


# --------------------------------------------------------------------------- 11: extreme weights
@pytest.mark.parametrize("w", [1e160, -1e160, 1e-320, 1e-200])
def test_weights_the_solver_cannot_square_are_refused(w):
    G = nx.cycle_graph(8)
    nx.set_edge_attributes(G, w, "weight")
    with pytest.raises(ParameterError, match=r"edge \(0, 1\): weight .* outside the magnitudes"):
        maxcut(G, sweeps=5, codegen="numpy")


def test_large_but_squarable_weights_still_give_the_exact_cut():
    G = nx.cycle_graph(8)
    nx.set_edge_attributes(G, 1e100, "weight")
    res = maxcut(G, sweeps=200, seed=1, codegen="numpy", replicas=4)
    # an even cycle of 8 edges is bipartite: every edge is cut
    np.testing.assert_allclose(res.cut, 8e100, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- 15: [initial] at load
@pytest.mark.parametrize("expr,words", [
    ('"5*ms"', "expected unit"), ('"w0 +"', ""), ('"no_such_symbol"', "no_such_symbol"),
])
def test_initial_expressions_are_checked_when_the_card_loads(tmp_path, expr, words):
    from spikesyn.errors import CardError
    from spikesyn.model import load_model
    p = _card(tmp_path, 'w = "w0"', f"w = {expr}")
    with pytest.raises(CardError) as info:
        load_model(str(p))
    assert info.value.field == "initial.w" and words.lower() in str(info.value).lower()


def test_valid_initial_expressions_still_load(tmp_path):
    from spikesyn.model import load_model
    p = _card(tmp_path, 'w = "w0"', 'w = "w0 * rand() + 0.5*nS"')
    assert load_model(str(p)).initial["w"] == "w0 * rand() + 0.5*nS"


# --------------------------------------------------------------------------- 7: Ctrl-C at start-up
def test_importing_the_command_line_imports_no_brian2():
    code = "import sys, spikesyn.cli; print('brian2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_ctrl_c_while_the_parser_imports_is_one_line_and_exit_130(monkeypatch, capsys):
    import spikesyn.cli as cli

    def interrupted():
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["maxcut", "--demo"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "spikesyn: interrupted\n"


# --------------------------------------------------------------------------- 13: wrong parameter unit
@pytest.mark.parametrize("old,new,field,named", [
    ('tau_w = { value = 30.0, unit = "ms"', 'tau_w = { value = 30.0, unit = "mV"', "equations.model", "tau_w [mV]"),
    ('w0 = { value = 2.0, unit = "nS"', 'w0 = { value = 2.0, unit = "nA"', "equations.on_pre", "w0 [nA]"),
])
def test_a_parameter_with_the_wrong_unit_is_named_in_the_error(tmp_path, old, new, field, named):
    from spikesyn.errors import CardError
    from spikesyn.model import load_model
    with pytest.raises(CardError) as info:
        load_model(str(_card(tmp_path, old, new)))
    assert info.value.field == field and f"Card parameters in it: {named}" in info.value.problem
