"""Feed bad and edge inputs through spikesyn's command line and Python API, and sort the outcomes.

Each case runs in a forked child of this process (Brian2 is imported once, so a case costs
milliseconds, and a case that hangs is killed after ``--timeout`` seconds) inside a fresh
directory with a few fixture files. A bad input must end in:

* the CLI: exit status 2 (argparse's or spikesyn's), exactly one stderr line with
  ``error:`` that names the input, nothing on stdout, no traceback;
* the API: a :class:`spikesyn.SpikesynError` whose message names the argument;

and in both, no file created or changed in the directory and an answer within the timeout. An
edge input (a valid file in an unusual shape) must give the right answer. Outcomes:
``clean``, ``poor message``, ``traceback``, ``partial files``, ``wrong result``, ``hang``.

Run::

    python benchmarks/bad_inputs.py            # the table and the counts
    python benchmarks/bad_inputs.py --json     # one JSON object

The suite runs every case (tests/test_bad_inputs_reliability.py).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field

FAST = ["--codegen", "numpy", "--sweeps", "5", "--replicas", "2", "--quiet"]
TINY = "3 2\n1 2 1\n2 3 1\n"
CARD = """name = "decaying_synapse"
kind = "synapse"
summary = "Exponentially decaying weight (fixture)"
references = ["doi:10.1523/JNEUROSCI.18-24-10464.1998"]

[parameters]
w0 = { value = 2.0, unit = "nS", range = [0.0, 100.0], placeholder = true }
tau_w = { value = 30.0, unit = "ms", range = [1.0, 1000.0], placeholder = true }
E_event = { value = 1.5, unit = "pjoule", range = [0.0, 100.0], placeholder = true }

[requires.post]
ge = "siemens"

[equations]
model = '''
dw/dt = -w/tau_w : siemens (event-driven)
n_events : 1
'''
on_pre = '''
ge_post += w + w0
w += w0
n_events += 1
'''

[initial]
w = "w0"

[events.kick]
counter = "n_events"
energy = "E_event"
"""

#: address space a case may add to what the process maps when it starts
_MEMORY_CAP = 3 * 2 ** 30
OUTCOMES = ("clean", "poor message", "traceback", "partial files", "wrong result", "hang")


@dataclass
class Case:
    """One input. ``argv`` (CLI) or ``call`` (API, a function of no arguments); ``files``: name ->
    text or bytes written into the case's directory first; ``names``: a word the error must
    contain; ``expect``: None for a bad input, or a function of (exit code, stdout, stderr) that
    says whether an edge input's answer is right (its files must not change either); ``errors``: the exception classes (by name) an API
    case may raise."""
    name: str
    argv: list | None = None
    call: object = None
    files: dict = field(default_factory=dict)
    names: str = ""
    expect: object = None
    errors: tuple = ("SpikesynError",)


def _graph_case(name, filename, text, names, *extra):
    return Case(name, ["maxcut", filename, *FAST, *extra], files={filename: text}, names=names)


def _card_case(name, old, new, names):
    assert old in CARD
    return Case(name, ["energy", "--card", "card.toml", "--duration", "0.01"],
                files={"card.toml": CARD.replace(old, new)}, names=names)


def _json_cut(expected_cut, n):
    def check(code, out, err):
        try:
            d = json.loads(out)
        except ValueError:
            return False
        return code == 0 and d["cut"] == expected_cut and d["n"] == n
    return check


def _api(fn):
    return fn


def cases():
    """Every case, bad inputs first, then the edge inputs that must give the right answer."""
    import networkx as nx

    def maxcut(**kw):
        import spikesyn
        return lambda: spikesyn.maxcut(nx.path_graph(3), codegen="numpy", sweeps=5, **kw)

    def weighted_cycle(w):
        def run():
            import spikesyn
            G = nx.cycle_graph(8)
            nx.set_edge_attributes(G, w, "weight")
            return spikesyn.maxcut(G, codegen="numpy", sweeps=5)
        return run

    def kwargs(**kw):
        def run():
            import spikesyn
            return spikesyn.load_model("stdp").synapse_kwargs(**kw)
        return run

    def unit(text):
        def run():
            from spikesyn.units import parse_unit
            return parse_unit(text)
        return run

    from brian2 import ms, volt
    import numpy as np

    out = [
        # graph files
        _graph_case("empty file", "g.txt", "", "empty"),
        _graph_case("only comments", "g.txt", "# nothing\n", "g.txt"),
        _graph_case("binary file", "g.txt", bytes(range(256)), "not a text file"),
        _graph_case("header only", "g.txt", "5 3\n", "3 edges"),
        _graph_case("float header", "g.txt", "4.0 3\n1 2 1\n2 3 1\n3 4 1\n", "4.0"),
        _graph_case("negative header", "g.txt", "-3 2\n1 2 1\n2 3 1\n", "n >= 1"),
        _graph_case("node id out of range", "g.txt", "3 2\n1 2 1\n2 4 1\n", "out of range"),
        _graph_case("weight nan", "g.txt", "3 2\n1 2 nan\n2 3 1\n", "nan"),
        _graph_case("weight inf", "g.txt", "3 2\n1 2 inf\n2 3 1\n", "inf"),
        _graph_case("weight text", "g.txt", "3 2\n1 2 abc\n2 3 1\n", "abc"),
        _graph_case("weight 1e400", "g.txt", "3 2\n1 2 1e400\n2 3 1\n", "1e400"),
        _graph_case("weight of 200000 digits", "g.txt", "3 2\n1 2 " + "9" * 200_000 + "\n2 3 1\n", "weight"),
        _graph_case("header of 10^11 nodes", "g.txt", "100000000000 1\n1 2 1\n", "GB"),
        _graph_case("edge count above header", "g.txt", "3 1\n1 2 1\n2 3 1\n", "more edges"),
        _graph_case("edge count below header", "g.txt", "3 3\n1 2 1\n2 3 1\n", "3 edges"),
        _graph_case("mixed field counts", "g.txt", "3 2\n1 2 1\n2 3\n", "fields"),
        _graph_case("edge list of 4 fields", "g.edges", "a b 1 2\n", "fields"),
        _graph_case("edge weight 1e160", "g.edges", "1 2 1e160\n2 3 1e160\n", "weight"),
        _graph_case("edge weight 1e-320", "g.edges", "1 2 1e-320\n2 3 1\n", "weight"),
        _graph_case("mtx without banner", "g.mtx", "3 3 1\n2 1 1\n", "MatrixMarket"),
        _graph_case("mtx skew-symmetric", "g.mtx",
                    "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 1 2\n", "skew"),
        _graph_case("mtx integer holding 1.5", "g.mtx",
                    "%%MatrixMarket matrix coordinate integer symmetric\n3 3 1\n2 1 1.5\n", "1.5"),
        _graph_case("mtx not square", "g.mtx",
                    "%%MatrixMarket matrix coordinate real general\n3 4 1\n2 1 1\n", "square"),
        _graph_case("mtx size line of 10^11", "g.mtx",
                    "%%MatrixMarket matrix coordinate real symmetric\n100000000000 100000000000 1\n2 1 1\n", "GB"),
        _graph_case("mtx array too short", "g.mtx",
                    "%%MatrixMarket matrix array real general\n100000 100000\n1\n", "values"),
        _graph_case("mtx complex", "g.mtx",
                    "%%MatrixMarket matrix coordinate complex general\n3 3 1\n2 1 1 0\n", "complex"),
        _graph_case("gml malformed", "g.gml", "graph [ node [ id 1 ", "GML"),
        _graph_case("graphml malformed", "g.graphml", "<graphml><graph>", "GraphML"),
        Case("missing graph file", ["maxcut", "nope.txt", *FAST], names="nope.txt"),
        Case("directory as graph", ["maxcut", "d", *FAST], files={"d/x": "1"}, names="directory"),
        # maxcut options
        Case("--seed -1", ["maxcut", "g.txt", "--seed", "-1", *FAST], files={"g.txt": TINY}, names="--seed"),
        Case("--seed 99999999999", ["maxcut", "g.txt", "--seed", "99999999999", *FAST], files={"g.txt": TINY},
             names="--seed"),
        Case("--seed abc", ["maxcut", "g.txt", "--seed", "abc", *FAST], files={"g.txt": TINY}, names="--seed"),
        Case("--workers 0", ["maxcut", "g.txt", "--workers", "0", *FAST], files={"g.txt": TINY}, names="--workers"),
        Case("--workers 1000", ["maxcut", "g.txt", "--workers", "1000", *FAST], files={"g.txt": TINY},
             names="--workers"),
        Case("--replicas 0", ["maxcut", "g.txt", *FAST, "--replicas", "0"], files={"g.txt": TINY},
             names="--replicas"),
        Case("--replicas 10^9", ["maxcut", "g.txt", *FAST, "--replicas", "1000000000"], files={"g.txt": TINY},
             names="replicas"),
        Case("--sweeps 0", ["maxcut", "g.txt", *FAST, "--sweeps", "0"], files={"g.txt": TINY}, names="--sweeps"),
        Case("--time-limit 0", ["maxcut", "g.txt", "--time-limit", "0", *FAST], files={"g.txt": TINY},
             names="--time-limit"),
        Case("--time-limit nan", ["maxcut", "g.txt", "--time-limit", "nan", *FAST], files={"g.txt": TINY},
             names="--time-limit"),
        Case("--target nan", ["maxcut", "g.txt", "--target", "nan", *FAST], files={"g.txt": TINY},
             names="--target"),
        Case("--device unknown", ["maxcut", "g.txt", "--device", "nosuch", *FAST], files={"g.txt": TINY},
             names="nosuch"),
        Case("--format unknown", ["maxcut", "g.txt", "--format", "xls", *FAST], files={"g.txt": TINY},
             names="--format"),
        Case("file and --demo", ["maxcut", "g.txt", "--demo", *FAST], files={"g.txt": TINY}, names="--demo"),
        # output paths
        Case("--out in a missing directory", ["maxcut", "g.txt", "--out", "no/p.txt", *FAST],
             files={"g.txt": TINY}, names="no/p.txt"),
        Case("--out onto a directory", ["maxcut", "g.txt", "--out", "d", *FAST],
             files={"g.txt": TINY, "d/keep": "x"}, names="d"),
        Case("--out onto a FIFO nobody reads", ["maxcut", "g.txt", "--out", "fifo", "--json", *FAST],
             files={"g.txt": TINY, "fifo": "<fifo>"},
             expect=lambda code, out, err: code == 2 and json.loads(out)["cut"] == 2.0
             and [line for line in err.splitlines() if "error:" in line] == [
                 "spikesyn maxcut: error: writing the outputs failed, none written: fifo: is a FIFO "
                 "that no process reads"]),
        Case("--plot with a text suffix", ["maxcut", "g.txt", "--plot", "p.txt", *FAST],
             files={"g.txt": TINY}, names="p.txt"),
        Case("--plot onto a directory", ["maxcut", "g.txt", "--plot", "d", *FAST],
             files={"g.txt": TINY, "d/keep": "x"}, names="d"),
        Case("--plot in a missing directory, --out fine", ["maxcut", "g.txt", "--out", "p.txt", "--plot",
                                                          "no/p.png", *FAST], files={"g.txt": TINY}, names="no/p.png"),
        Case("--energy-plot in a missing directory", ["maxcut", "g.txt", "--energy-plot", "no/e.png", *FAST],
             files={"g.txt": TINY}, names="no/e.png"),
        Case("--out and --plot on one file", ["maxcut", "g.txt", "--out", "p.png", "--plot", "p.png", *FAST],
             files={"g.txt": TINY}, names="p.png"),
        # energy command and cards
        Case("energy --seed -1", ["energy", "--seed", "-1"], names="--seed"),
        Case("energy --seed 99999999999", ["energy", "--seed", "99999999999"], names="--seed"),
        Case("energy --plot e.txt", ["energy", "--plot", "e.txt", "--duration", "0.01"], names="e.txt"),
        Case("energy --plot onto a directory", ["energy", "--plot", "d", "--duration", "0.01"],
             files={"d/keep": "x"}, names="d"),
        Case("energy 10^10 synapses", ["energy", "--inputs", "100000", "--neurons", "100000"], names="synapses"),
        Case("energy --duration 0", ["energy", "--duration", "0"], names="--duration"),
        Case("energy unknown card", ["energy", "--card", "nosuch"], names="nosuch"),
        Case("energy neuron card", ["energy", "--card", "lif", "--duration", "0.01"], names="lif"),
        _card_case("card unit ms*9**9**9", 'unit = "ms"', 'unit = "ms*9**9**9"', "tau_w"),
        _card_case("card range of 3 items", "range = [1.0, 1000.0]", "range = [1.0, 2.0, 3.0]", "tau_w.range"),
        _card_case("card range a scalar", "range = [1.0, 1000.0]", "range = 5.0", "tau_w.range"),
        _card_case("card range a string", "range = [1.0, 1000.0]", 'range = "1..1000"', "tau_w.range"),
        _card_case("card value nan", "value = 30.0", "value = nan", "tau_w"),
        _card_case("card negative time without range", 'value = 30.0, unit = "ms", range = [1.0, 1000.0]',
                   'value = -30.0, unit = "ms"', "tau_w"),
        _card_case("card [initial] of the wrong unit", 'w = "w0"', 'w = "5*ms"', "initial.w"),
        Case("card not UTF-8", ["energy", "--card", "card.toml"], files={"card.toml": b"name = \"\xff\xfe\"\n"},
             names="card.toml"),
        # the Python API
        Case("api seed=-1", call=maxcut(seed=-1), names="seed"),
        Case("api seed=2**40", call=maxcut(seed=2 ** 40), names="seed"),
        Case("api seed='abc'", call=maxcut(seed="abc"), names="seed"),
        Case("api seed=1.7", call=maxcut(seed=1.7), names="seed"),
        Case("api replicas=nan", call=maxcut(replicas=math.nan), names="replicas"),
        Case("api replicas=inf", call=maxcut(replicas=math.inf), names="replicas"),
        Case("api sweeps='abc'", call=lambda: __import__("spikesyn").maxcut(nx.path_graph(3), sweeps="abc"),
             names="sweeps"),
        Case("api time_limit=5*volt", call=maxcut(time_limit=5 * volt), names="time_limit"),
        Case("api target=nan", call=maxcut(target=math.nan), names="target"),
        Case("api progress=5", call=maxcut(progress=5), names="progress"),
        Case("api workers=1000", call=maxcut(workers=1000), names="workers"),
        Case("api weights 1e160", call=weighted_cycle(1e160), names="weight"),
        Case("api tau_pre=nan*ms", call=kwargs(tau_pre=math.nan * ms), names="tau_pre"),
        Case("api A_plus=nan", call=kwargs(A_plus=np.nan), names="A_plus"),
        Case("api tau_pre=empty array", call=kwargs(tau_pre=np.array([]) * ms), names="tau_pre"),
        Case("api parse_unit ms*9**9**9", call=unit("ms*9**9**9"), names="9**9**9", errors=("ValueError",)),
        # edge inputs: valid, with the right answer
        Case("UTF-8 BOM before a Gset header", ["maxcut", "g.txt", "--json", "--seed", "1", *FAST],
             files={"g.txt": "\ufeff4 3\n1 2 1\n2 3 1\n3 4 1\n"}, expect=_json_cut(3.0, 4)),
        Case("unweighted Gset file", ["maxcut", "g.txt", "--json", "--seed", "1", *FAST],
             files={"g.txt": "4 3\n1 2\n2 3\n3 4\n"}, expect=_json_cut(3.0, 4)),
        Case("8-cycle of weight 1e100", ["maxcut", "g.edges", "--json", "--seed", "1", *FAST[:2], "--sweeps", "200"],
             files={"g.edges": "".join(f"{k} {(k + 1) % 8} 1e100\n" for k in range(8))},
             expect=_json_cut(8e100, 8)),
    ]
    return out


# --------------------------------------------------------------------------- running a case
def _write_files(root, files):
    for name, content in files.items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if content == "<fifo>":
            os.mkfifo(p)
        elif isinstance(content, bytes):
            with open(p, "wb") as fh:
                fh.write(content)
        else:
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(content)


def _snapshot(root):
    """Every entry under root: type, size and content hash of regular files."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            digest = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            state[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), st.st_size, digest)
    return state


def _cap_memory(extra=_MEMORY_CAP):
    """Cap this process's address space at what it maps now plus ``extra`` bytes, so that an
    input that allocates without bound fails here instead of on the machine."""
    try:
        import resource
        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (vm + extra, vm + extra))
    except (ImportError, OSError, StopIteration, ValueError):  # pragma: no cover - not Linux
        pass


def _child(case, root):
    """Run one case in this (forked) process; return a dict for the parent."""
    _cap_memory()
    os.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    result = {"code": None, "out": "", "err": "", "exception": None, "traceback": None}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if case.argv is not None:
                from spikesyn.cli import main
                try:
                    result["code"] = main(list(case.argv))
                except SystemExit as exc:
                    result["code"] = exc.code
            else:
                case.call()
                result["code"] = 0
    except BaseException as exc:  # noqa: BLE001 - recorded and classified by the parent
        result["exception"] = [type(exc).__name__, str(exc)[:2000],
                               [c.__name__ for c in type(exc).__mro__]]
        result["traceback"] = traceback.format_exc()[-4000:]
    result["out"], result["err"] = out.getvalue()[-20000:], err.getvalue()[-20000:]
    return result


def run_case(case, timeout=10.0):
    """Run ``case`` in a forked child in a fresh directory; return (outcome, details)."""
    root = tempfile.mkdtemp(prefix="spikesyn-bad-")
    try:
        _write_files(root, case.files)
        before = _snapshot(root)
        read_fd, write_fd = os.pipe()
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read_fd)
            code = 0
            try:
                payload = json.dumps(_child(case, root)).encode()
                with os.fdopen(write_fd, "wb") as fh:
                    fh.write(payload)
            except BaseException:  # noqa: BLE001
                code = 1
            os._exit(code)
        os.close(write_fd)
        chunks, finished = [], False
        while True:
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
        os.close(read_fd)
        elapsed = time.perf_counter() - t0
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang", {"elapsed": elapsed}
        os.waitpid(pid, 0)
        try:
            res = json.loads(b"".join(chunks).decode())
        except ValueError:
            return "traceback", {"elapsed": elapsed, "why": "the case's process died"}
        res["elapsed"] = elapsed
        after = _snapshot(root)
        return _classify(case, res, before, after), res
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _classify(case, res, before, after):
    if case.expect is not None:
        if res["exception"] is not None:
            return "traceback"
        if before != after:
            return "partial files"
        try:
            right = case.expect(res["code"], res["out"], res["err"])
        except (ValueError, KeyError, TypeError):
            right = False
        return "clean" if right else "wrong result"
    if res["exception"] is not None:
        mro = res["exception"][2]
        if not set(case.errors) & set(mro):
            return "traceback"
        if before != after:
            return "partial files"
        return "clean" if case.names.lower() in res["exception"][1].lower() else "poor message"
    if case.call is not None:
        return "wrong result"  # the API accepted a bad input
    if "Traceback" in res["err"]:
        return "traceback"
    if res["code"] != 2:
        return "wrong result"
    if before != after:
        return "partial files"
    errors = [line for line in res["err"].splitlines() if "error:" in line]
    if res["out"].strip() or len(errors) != 1 or case.names.lower() not in errors[0].lower():
        return "poor message"
    return "clean"


def run_all(timeout=10.0, only=None, skip=()):
    """Every case's outcome: list of (case name, outcome, details); cases whose name contains
    a text in ``skip`` are left out."""
    import logging
    logging.getLogger("brian2").setLevel(logging.ERROR)
    import spikesyn.cli  # noqa: F401 - imported once, before the forks
    import spikesyn.networks.maxcut  # noqa: F401
    return [(c.name, *run_case(c, timeout)) for c in cases()
            if (only is None or only in c.name) and not any(s in c.name for s in skip)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--skip", action="append", default=[],
                        help="leave out the cases whose name contains this text (repeatable; "
                             "'workers 1000' on code without a bound forks 1000 processes)")
    args = parser.parse_args(argv)
    rows = run_all(args.timeout, args.only, args.skip)
    counts = {k: sum(1 for _, o, _ in rows if o == k) for k in OUTCOMES}
    if args.json:
        print(json.dumps({"inputs": len(rows), "counts": counts,
                          "cases": [{"name": n, "outcome": o, "elapsed_s": round(d.get("elapsed", 0), 2)}
                                    for n, o, d in rows]}))
    else:
        for name, outcome, d in rows:
            detail = ""
            if outcome != "clean":
                detail = (d.get("exception") or [""])[:2] if d.get("exception") else d.get("err", "")[-200:]
            print(f"{outcome:14s} {d.get('elapsed', 0):5.2f} s  {name}  {detail!s:.200}")
        print(f"{len(rows)} inputs: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
