"""Measured handler speed: where each handler runs (inline or on its thread) and how much credit.

A handler call on the socket thread ("inline") saves the two thread hand-offs a call on the
handler thread costs (about 20-40 us each), which is most of a fast handler's cost per job. A
slow handler must stay on its thread, so the session keeps serving the socket beside it. The
decision is measured, per handler: its first calls run on the thread and are timed; once their
moving average is below INLINE_BELOW_S it runs inline; one inline call longer than
BACK_TO_THREAD_S sends it back to the thread (and to a new trial).

Credit: a worker that answers its jobs faster than a round trip to the broker takes sits idle
between RESULTS and the next JOBS. `Credit.wanted` asks for enough jobs to cover twice the
measured idle gap at the measured speed per job, between the configured floor and a cap.
"""

from __future__ import annotations

import math
from typing import Optional

INLINE_BELOW_S = 0.002  # average call below this: run inline (well under a heartbeat tick)
BACK_TO_THREAD_S = 0.010  # one inline call above this: back to the handler thread
TRIAL_CALLS = 8  # timed calls on the handler thread before a handler may go inline
ALPHA = 0.25  # weight of the newest sample in the moving averages
MAX_GAP_S = 0.02  # idle gaps longer than this are the broker having no work, not a round trip
CAP_BATCHES = 64  # credit never exceeds this many of the largest batch (nor the configured cap)


class Pace:
    """One handler's measured call time and where its calls run."""

    __slots__ = ("inline", "fixed", "calls", "call_s")

    def __init__(self, mode: str = "auto") -> None:
        self.inline = mode == "always"  # calls run on the socket thread
        self.fixed = mode != "auto"  # "always"/"never": measured, never switched
        self.calls = 0  # calls since the last switch
        self.call_s = 0.0  # moving average of one call's seconds

    def record(self, seconds: float) -> Optional[str]:
        """Adds one call's time; returns "inline" or "thread" when the handler switches."""
        self.call_s = seconds if self.calls == 0 else self.call_s + ALPHA * (seconds - self.call_s)
        self.calls += 1
        if self.fixed:
            return None
        if self.inline and seconds > BACK_TO_THREAD_S:
            self.inline, self.calls = False, 0
            return "thread"
        if not self.inline and self.calls >= TRIAL_CALLS and self.call_s < INLINE_BELOW_S:
            self.inline, self.calls = True, 0
            return "inline"
        return None


class Credit:
    """The worker's credit target: starts at the floor, grows with measured speed, bounded."""

    __slots__ = ("target", "floor", "cap", "job_s", "gap_s")

    def __init__(self, floor: int, largest_batch: int, configured_cap: int) -> None:
        self.floor = floor  # prefetch x largest max_batch_size: the configured minimum
        cap = min(configured_cap, max(floor, CAP_BATCHES * largest_batch))
        self.cap = max(floor, cap) if configured_cap else floor  # 0 configured: fixed credit
        self.target = floor  # jobs this worker has asked the broker for, in all
        self.job_s = 0.0  # moving average of handler seconds per job
        self.gap_s = 0.0  # moving average of the idle gap between RESULTS and the next JOBS

    def add_call(self, seconds: float, jobs: int) -> None:
        per_job = seconds / max(1, jobs)
        self.job_s = per_job if self.job_s == 0.0 else self.job_s + ALPHA * (per_job - self.job_s)

    def add_gap(self, seconds: float) -> None:
        gap = min(seconds, MAX_GAP_S)
        self.gap_s = gap if self.gap_s == 0.0 else self.gap_s + ALPHA * (gap - self.gap_s)

    def raise_by(self) -> int:
        """How many jobs to add to the target now (0: keep it); the target is updated."""
        if self.cap <= self.target or self.gap_s == 0.0:
            return 0
        wanted = self.cap if self.job_s == 0.0 else math.ceil(2 * self.gap_s / self.job_s)
        wanted = min(self.cap, wanted)
        if wanted <= self.target:
            return 0
        grown, self.target = wanted - self.target, wanted
        return grown
