"""Exit codes a worker process uses to tell its supervisor why it left."""

EXIT_DRAINED = 0  # drained on SIGTERM: everything answered, DISCONNECT sent
EXIT_RECYCLE = 10  # max_jobs or max_rss_mb reached: everything answered; restart at once
EXIT_ABANDONED = 11  # a handler overran its timeout or was cancelled: jobs answered, thread stuck
EXIT_SETUP_FAILED = 12  # setup() or loading the handlers failed before READY
EXIT_ORPHANED = 13  # the supervisor died; nothing left to serve
EXIT_VERSION_MISMATCH = 14  # the broker speaks another protocol version: the pool stops (exit 2)
EXIT_FORBIDDEN = 15  # the broker refused this worker's CURVE key (revoked): the pool stops (exit 2)

PLANNED_EXITS = frozenset({EXIT_DRAINED, EXIT_RECYCLE, EXIT_ABANDONED})
