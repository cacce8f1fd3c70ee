"""Top-level functions for tests/test_maxcut_executor.py, so that worker processes can load them."""


def failing_solve(job, stop=None, interrupt=None):
    """A one-process solve that fails in every worker but worker 0's seed."""
    raise ValueError(f"device array on fire (seed {job.seed})")
