"""Every tutorial runs top to bottom, as a reader following it would."""

import os
import subprocess
import sys

import pytest

from conftest import REPO

TUTORIALS = sorted((REPO / "tutorials").glob("[0-9][0-9]_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", SPIKESYN_TUTORIAL_OUT=str(tmp_path))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert list(tmp_path.glob("*.png")), "a tutorial shows its results as figures"
