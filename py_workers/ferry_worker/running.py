"""Which jobs a worker process has inside its handler, in memory it shares with its supervisor.

Before calling the handler the process writes the keys of the jobs it hands over and their
deadline; after the call it clears them. The supervisor reads the keys when the process dies
(EXITED `running`: only those jobs are charged) and the deadline on its own timer (to kill a
handler that overran it). No message per job: an update is a few stores into a mapped page.

Layout of one process's region (native byte order):

    0   u32  seq       odd while the process writes, even when the record is whole
    4   u32  length    bytes of the key list; 0: idle; OVERFLOW: running, keys did not fit
    8   f64  deadline  time.monotonic() at which the running jobs' limit falls due; 0: none
    16  the key list: per key a u32 byte count, then its UTF-8 bytes

A process killed mid-write cannot make the supervisor report a wrong list: `length` is zeroed
before the keys are written and set after them, and a dead process whose `seq` is odd was
between jobs (announcing the next ones or clearing the last ones), so it was running nothing.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Optional, Sequence

REGION_BYTES = 1 << 20  # pages are only backed once written: a batch of keys uses a few
OVERFLOW = 0xFFFFFFFF
_HEADER = struct.Struct("=IId")
_COUNT = struct.Struct("=I")
_KEYS_AT = _HEADER.size


class RunningBoard:
    """One process's region; the supervisor creates it, the process attaches to it."""

    def __init__(self, region: mmap.mmap) -> None:
        self._region = region
        self._seq = 0

    @classmethod
    def create(cls) -> tuple["RunningBoard", int]:
        """A fresh zeroed region and the fd to hand to the process (the caller closes it)."""
        fd = os.memfd_create("ferry-running", os.MFD_CLOEXEC)
        os.ftruncate(fd, REGION_BYTES)
        return cls(mmap.mmap(fd, REGION_BYTES)), fd

    @classmethod
    def attach(cls, fd: int) -> "RunningBoard":
        """The process's side: maps the region the supervisor passed, and closes the fd."""
        region = mmap.mmap(fd, REGION_BYTES)
        os.close(fd)
        return cls(region)

    def close(self) -> None:
        self._region.close()

    # ---- the worker process writes ---------------------------------------------------------

    def enter(self, keys: Sequence[str], deadline: float) -> None:
        """Publishes the jobs about to go inside the handler (call before calling it)."""
        self._begin()
        blob = b"".join(_COUNT.pack(len(raw)) + raw for raw in (k.encode() for k in keys))
        length = len(blob) if _KEYS_AT + len(blob) <= REGION_BYTES else OVERFLOW
        if length != OVERFLOW:
            self._region[_KEYS_AT:_KEYS_AT + len(blob)] = blob
        _HEADER.pack_into(self._region, 0, self._seq, length, deadline)
        self._end()

    def leave(self) -> None:
        """Nothing inside the handler any more (call once it returned)."""
        self._begin()
        _HEADER.pack_into(self._region, 0, self._seq, 0, 0.0)
        self._end()

    def _begin(self) -> None:
        self._seq += 1
        _HEADER.pack_into(self._region, 0, self._seq, 0, 0.0)

    def _end(self) -> None:
        self._seq += 1
        _COUNT.pack_into(self._region, 0, self._seq)

    # ---- the supervisor reads --------------------------------------------------------------

    def deadline(self) -> float:
        """The running jobs' deadline, 0 when idle, without a limit, or being rewritten now."""
        seq, _, deadline = _HEADER.unpack_from(self._region, 0)
        again = _COUNT.unpack_from(self._region, 0)[0]
        return deadline if seq == again and seq % 2 == 0 else 0.0

    def running_after_death(self) -> Optional[list[str]]:
        """Keys inside the handler when the process died; None when they did not fit."""
        seq, length, _ = _HEADER.unpack_from(self._region, 0)
        if seq % 2 or length == 0:
            return []
        if length == OVERFLOW or _KEYS_AT + length > REGION_BYTES:
            return None
        keys, at, end = [], _KEYS_AT, _KEYS_AT + length
        while at < end:
            (size,) = _COUNT.unpack_from(self._region, at)
            keys.append(self._region[at + 4:at + 4 + size].decode(errors="replace"))
            at += 4 + size
        return keys
