"""Jobs for tests/test_sweep.py: top-level functions, so that worker processes can import them."""

import os


def square(params, seed):
    """x**2 + seed; a ValueError for x < 0 (a failing task)."""
    x = params["x"]
    if x < 0:
        raise ValueError(f"x must be >= 0, got {x}")
    return {"y": x * x + seed}


def dies(params, seed):
    """The worker process exits without a word for x == 13 (a worker that dies mid-task)."""
    if params["x"] == 13:
        os._exit(3)
    return {"y": params["x"] + seed}


def extra_column(params, seed):
    """Records whose keys differ between tasks (CSV columns grow)."""
    return {"y": params["x"]} if params["x"] < 2 else {"y": params["x"], "z": "late"}
