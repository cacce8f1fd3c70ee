"""The wheel built from the repository carries the engine, the model cards and the builders."""

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO


@pytest.mark.slow
def test_wheel_carries_models_and_networks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    wheels = list(tmp_path.glob("spikesyn-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    shipped_cards = {f"spikesyn/models/{p.relative_to(REPO / 'models')}"
                     for p in (REPO / "models").rglob("*.toml")}
    assert shipped_cards and shipped_cards <= names, shipped_cards - names
    builders = {f"spikesyn/networks/{p.name}" for p in (REPO / "networks").glob("*.py")}
    assert builders <= names, builders - names
    assert "spikesyn/__init__.py" in names and "spikesyn/devices/pcm.py" in names
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    assert entry_points and "spikesyn = spikesyn.cli:main" in zipfile.ZipFile(wheels[0]).read(
        entry_points[0]).decode()
