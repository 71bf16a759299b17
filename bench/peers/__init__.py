"""Ferry against its peers: the same workloads on every job system (bench/run)."""
