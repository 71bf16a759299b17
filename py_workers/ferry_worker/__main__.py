"""Allows `python3 -m ferry_worker`."""

import sys

from ferry_worker.cli import main

if __name__ == "__main__":
    sys.exit(main())
