"""A job as a handler sees it: id, type, payload (decoded lazily, once), attempt."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import msgpack

from ferry_worker import arrays

# The broker scopes job ids by producer: on the wire a job's id is "<client>\x1f<id>". Handlers
# see the producer's own id; results go back under the wire key.
KEY_SEPARATOR = "\x1f"

_UNSET: Any = object()


class Job:
    """One job of a batch. `payload` is decoded from MessagePack on first access only.

    `id` is the producer's job id, `client` the producer's name, `key` the broker's wire key.
    """

    __slots__ = ("key", "id", "client", "type", "attempt", "timeout_ms", "payload_bytes",
                 "_payload")

    def __init__(
        self,
        id: str,
        type: str,
        payload_bytes: bytes,
        attempt: int = 1,
        timeout_ms: Optional[int] = None,
    ) -> None:
        self.key = id
        client, separator, own_id = id.partition(KEY_SEPARATOR)
        self.id = own_id if separator else id
        self.client = client if separator else ""
        self.type = type
        self.attempt = attempt
        self.timeout_ms = timeout_ms
        self.payload_bytes = payload_bytes
        self._payload: Any = _UNSET

    @classmethod
    def from_wire(cls, record: Mapping[str, Any]) -> "Job":
        """Builds a Job from a decoded JOBS record."""
        return cls(
            record["id"], record["type"], record["payload"], record["attempt"],
            record.get("timeout_ms"),
        )

    @property
    def payload(self) -> Any:
        """The job's input, as the producer submitted it; typed arrays are read-only numpy arrays.

        A malformed typed array, or one arriving where numpy is missing, raises JobError
        INVALID_ARGUMENT (catch it per job in a batched handler to fail that job alone)."""
        if self._payload is _UNSET:
            self._payload = msgpack.unpackb(self.payload_bytes, raw=False, strict_map_key=False,
                                            ext_hook=arrays.ext_hook)
        return self._payload

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, type={self.type!r}, attempt={self.attempt})"
