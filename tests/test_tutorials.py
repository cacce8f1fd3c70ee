"""Every tutorial runs top to bottom as a notebook, as a reader opening it with jupytext would.

Each jupytext script is turned into a notebook and executed cell by cell in a Jupyter kernel
(nbclient) with matplotlib's inline backend, so the figures and the printed output are those a
notebook user sees. Warnings that reach the reader are counted and must be none: each one would
be something the reader cannot act on. Long tutorials take a short setting from
``SPIKESYN_TUTORIAL_QUICK=1``.
"""

import re

import pytest

from conftest import REPO

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = sorted((REPO / "tutorials").glob("[0-9][0-9]_*.py"))
# tutorials that need an optional extra run only where it is installed
NEEDS_EXTRA = {"07_stpn_srtio3": ("jax", "optax")}
# a Brian2 log line ("WARNING    ..."), a Python warning ("...Warning: ..."), or Brian2's banner
WARNING_LINE = re.compile(r"^(WARNING|ERROR)\s|\w+Warning\b|Brian 2 encountered", re.M)


def warnings_shown(notebook):
    """Lines of the cells' outputs that show a warning or an error."""
    lines = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            lines += [line for line in text.splitlines() if WARNING_LINE.search(line)]
    return lines


def figures_shown(notebook):
    return sum("image/png" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_as_a_notebook(script, tmp_path, monkeypatch):
    for module in NEEDS_EXTRA.get(script.stem, ()):
        pytest.importorskip(module)
    monkeypatch.delenv("MPLBACKEND", raising=False)      # the kernel's inline backend, as for a reader
    monkeypatch.setenv("SPIKESYN_TUTORIAL_QUICK", "1")
    monkeypatch.setenv("SPIKESYN_TUTORIAL_OUT", str(tmp_path / "figures"))
    notebook = jupytext.read(script)
    client = nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    assert figures_shown(notebook) >= 1, "a tutorial shows its results as figures"
    assert list((tmp_path / "figures").glob("*.png")), "figures are also saved in the output folder"
    shown = warnings_shown(notebook)
    assert shown == [], f"{len(shown)} warnings shown to the reader:\n" + "\n".join(shown[:20])
