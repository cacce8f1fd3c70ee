"""``python -m spikesyn.cli``: the ``spikesyn`` command."""

import sys

from spikesyn.cli import main

if __name__ == "__main__":
    sys.exit(main())
