"""python3 -m peers: run the peer benchmark (bench/run is the entry point)."""

import sys

from peers.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
