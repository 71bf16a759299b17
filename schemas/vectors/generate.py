#!/usr/bin/python3
"""Generates the golden vectors of schemas/vectors/ from protocol.yaml with plain msgpack.

Deliberately independent of both Ferry codecs: bodies are built here from protocol.yaml's field
order with msgpack-python (use_bin_type=True), so the vectors check the codecs, not themselves.
Run: /usr/bin/python3 schemas/vectors/generate.py   (rewrites valid.json, noncanonical.json,
invalid.json and values/typed_arrays.json next to this file; the JSON files are committed).
"""
import json
import struct
from pathlib import Path

import msgpack
import yaml

import typed_array_vectors

HERE = Path(__file__).resolve().parent
PROTOCOL = yaml.safe_load((HERE.parent / "protocol.yaml").read_text())
COMMANDS = {c["name"]: c for c in PROTOCOL["commands"]}
RECORDS = dict(PROTOCOL["records"], error=PROTOCOL["error_fields"])
LIMITS = PROTOCOL["limits"]


def pack(obj) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def header(command: str, version: int = PROTOCOL["protocol"]["version"]) -> bytes:
    sig = PROTOCOL["protocol"]["signature"].encode()
    return sig + bytes([version, COMMANDS[command]["code"]])


def to_wire(typ: str, value):
    """JSON-form value -> the Python object msgpack-python packs for a field of type `typ`."""
    if typ == "msgpack":
        return bytes.fromhex(value["msgpack"])
    if typ == "float":
        return float(value)
    if typ.startswith("list<"):
        inner = typ[5:-1]
        return [to_wire(inner, v) for v in value]
    if typ in RECORDS:
        return record(RECORDS[typ], value)
    return value  # str, uint, int, bool


def record(fields, value: dict) -> dict:
    """A dict in protocol.yaml order holding the present fields (dicts keep insertion order)."""
    names = {f["name"] for f in fields}
    unknown = set(value) - names
    assert not unknown, f"value has fields not in protocol.yaml: {unknown}"
    return {f["name"]: to_wire(f["type"], value[f["name"]]) for f in fields if f["name"] in value}


def body(command: str, value: dict) -> bytes:
    if command == "STATUS_REPLY":  # the status map travels inline, as its own bytes
        return b"\x81" + pack("status") + bytes.fromhex(value["status"]["msgpack"])
    return pack(record(COMMANDS[command]["fields"], value))


def raw_map(pairs) -> bytes:
    """A map from (key, already-encoded value bytes) pairs, for hand-made non-canonical bodies."""
    n = len(pairs)
    head = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
    return head + b"".join(pack(k) + v for k, v in pairs)


def mp(obj) -> dict:
    return {"msgpack": pack(obj).hex()}


def valid(name, command, value, frames=None, canonical=True):
    frames = frames or [header(command), body(command, value)]
    return {"name": name, "command": command, "canonical": canonical,
            "frames": [f.hex() for f in frames], "value": value}


def invalid(name, frames, error):
    return {"name": name, "frames": [f.hex() for f in frames], "error": error}


# ---- canonical cases: every command, optional fields present in one case and absent in another
PAYLOAD = mp({"image": "scan-001.png", "threshold": 0.5, "tags": [1, 2, 3]})
BIG_PAYLOAD = mp({"pixels": list(range(200))})  # > 255 bytes: bin16
FULL_ERROR = {"code": "RETRY", "message": "model busy", "traceback": "Traceback...\nValueError",
              "retry_after_ms": 250, "worker": "host-a:4242"}
MIN_ERROR = {"code": "WORKER_LOST", "message": "worker died (SIGKILL)"}
STATUS = mp({"broker": "b-7f3a", "uptime_s": 12.5,
             "workers": [{"worker": "host-a:1", "host": "host-a", "pid": 1, "types": ["ocr"],
                          "credit": 4, "in_flight": 2, "last_heartbeat_ms_ago": 120}],
             "queues": {"ocr": 3}, "pending": 3, "in_flight": 2, "done": 100, "failed": 1,
             "dead_letters": [], "duplicates_dropped": 0, "malformed_messages": 0,
             "rates": {"done_per_s": 41.5}})

CANONICAL = [
    valid("ready", "READY", {"worker": "host-a:4242", "host": "host-a", "pid": 4242,
                             "types": [{"type": "digits.classify", "max_batch": 64,
                                        "max_delay_ms": 5},
                                       {"type": "echo", "max_batch": 1}],
                             "credit": 8, "heartbeat_ms": 1000}),
    valid("ready_no_types", "READY", {"worker": "w", "host": "h", "pid": 0, "types": [],
                                      "credit": 0, "heartbeat_ms": 65535}),
    valid("jobs", "JOBS", {"jobs": [
        {"id": "job-1", "type": "ocr", "payload": PAYLOAD, "attempt": 1, "timeout_ms": 30000},
        {"id": "job-2", "type": "ocr", "payload": BIG_PAYLOAD, "attempt": 3}]}),
    valid("jobs_empty", "JOBS", {"jobs": []}),
    valid("results", "RESULTS", {"results": [
        {"id": "job-1", "ok": True, "result": mp([7, 0.25]), "ms": 3.75},
        {"id": "job-4", "ok": True, "result": mp(None), "ms": 2.0},
        {"id": "job-2", "ok": False, "error": FULL_ERROR}], "credit": 2}),
    valid("results_minimal", "RESULTS", {"results": [{"id": "job-3", "ok": True}]}),
    valid("heartbeat", "HEARTBEAT", {}),
    valid("disconnect", "DISCONNECT", {"reason": "shutting down"}),
    valid("disconnect_no_reason", "DISCONNECT", {}),
    valid("disconnect_finished", "DISCONNECT", {"reason": "run finished", "finished": True}),
    valid("cancel", "CANCEL", {"ids": ["job-1", "job-2", "j" * 40], "code": "TIMEOUT"}),
    valid("exited", "EXITED", {"worker": "host-a:4242", "exit_code": -9, "signal": 9,
                               "rss_mb": 2048, "reason": "killed by SIGKILL (OOM?)"}),
    valid("exited_minimal", "EXITED", {"worker": "host-a:4243", "reason": "exited"}),
    valid("exited_running", "EXITED", {"worker": "host-a:4244", "signal": 11, "rss_mb": 96,
                                       "reason": "killed by signal 11 (SIGSEGV)",
                                       "running": ["producer-1\x1fjob-7", "producer-1\x1fjob-8"]}),
    valid("exited_running_nothing", "EXITED", {"worker": "host-a:4245", "exit_code": 3,
                                               "reason": "exited with code 3", "running": []}),
    valid("welcome", "WELCOME", {"broker": "b-7f3a", "heartbeat_ms": 1000, "liveness": 3}),
    valid("error", "ERROR", {"code": "VERSION_MISMATCH", "message": "peer speaks version 2"}),
    valid("submit", "SUBMIT", {"client": "producer-1", "session": "5f0c2a9e13b7d4e8", "seq": 2**40, "jobs": [
        {"id": "1", "type": "echo", "payload": mp(None), "priority": -(2**63),
         "timeout_ms": 1000, "max_attempts": 5},
        {"id": "2", "type": "echo", "payload": mp("héllo"), "priority": 300},
        {"id": "3", "type": "echo", "payload": mp({})}]}),
    valid("accepted", "ACCEPTED", {"seq": 7, "accepted": 65536, "duplicates": 0,
                                   "credit": 2**64 - 1}),
    valid("rejected", "REJECTED", {"seq": 8, "code": "QUEUE_FULL",
                                   "message": "broker holds max_pending jobs",
                                   "retry_after_ms": 500}),
    valid("outcomes", "OUTCOMES", {"outcomes": [
        {"id": "job-1", "ok": True, "result": mp({"label": 7}), "attempts": 1, "ms": 12.5,
         "worker": "host-a:4242", "queue_ms": 0.25, "handler_ms": 11.75},
        {"id": "job-2", "ok": False, "error": FULL_ERROR, "attempts": 3,
         "causes": [MIN_ERROR, FULL_ERROR], "ms": 0.1}], "seq": 70000}),
    valid("outcomes_minimal", "OUTCOMES", {"outcomes": [{"id": "x", "ok": False, "ms": -0.0,
                                                         "attempts": 0}]}),
    valid("hello", "HELLO", {"client": "host-a:77:0badf00d", "session": "5f0c2a9e13b7d4e8",
                             "heartbeat_ms": 1000}),
    valid("ack", "ACK", {"client": "host-a:77:0badf00d", "session": "5f0c2a9e13b7d4e8",
                         "ranges": [1, 1000, 1002, 3, 2**40, 65536]}),
    valid("ack_empty", "ACK", {"client": "c", "session": "s", "ranges": []}),
    valid("rejected_client_in_use", "REJECTED", {"seq": 0, "code": "CLIENT_IN_USE",
                                                 "message": "another producer owns client c",
                                                 "retry_after_ms": 2400}),
    valid("status", "STATUS", {}),
    valid("status_reply", "STATUS_REPLY", {"status": STATUS}),
    valid("status_reply_empty_map", "STATUS_REPLY", {"status": mp({})}),
    valid("admin", "ADMIN", {"command": "trigger",
                             "args": '{"pipeline": "nightly", "at": "2026-12-03T02:00:00Z"}'}),
    valid("admin_empty_args", "ADMIN", {"command": "runs", "args": "{}"}),
    valid("admin_reply", "ADMIN_REPLY", {"ok": True,
                                         "reply": '{"message": "triggered nightly at 02:00"}'}),
    valid("admin_reply_refused", "ADMIN_REPLY", {"ok": False, "reply": "no pipeline 'nightly'",
                                                 "code": "INVALID_ARGUMENT"}),
]


# ---- non-canonical but valid: decoders accept them, encoders never produce them
def noncanonical():
    welcome = {"broker": "b-1", "heartbeat_ms": 1000, "liveness": 3}
    ready = {"worker": "w:1", "host": "h", "pid": 1, "types": [{"type": "t", "max_batch": 2}],
             "credit": 4, "heartbeat_ms": 500}
    reordered = dict(reversed(list(record(COMMANDS["READY"]["fields"], ready).items())))
    job = {"id": "j", "type": "t", "payload": PAYLOAD, "attempt": 2}
    job_extra = raw_map([("trace", pack({"span": [1, 2]})), ("id", pack("j")),
                         ("type", pack("t")), ("payload", pack(to_wire("msgpack", PAYLOAD))),
                         ("attempt", pack(2))])
    accepted = {"seq": 1, "accepted": 2, "duplicates": 0, "credit": 300}
    wide = raw_map([("seq", b"\xcf" + struct.pack(">Q", 1)), ("accepted", b"\xcd\x00\x02"),
                    ("duplicates", b"\xd0\x00"), ("credit", b"\xce" + struct.pack(">I", 300))])
    submit = {"client": "c", "session": "s", "seq": 5,
              "jobs": [{"id": "1", "type": "t", "payload": mp(1), "priority": 5}]}
    submit_body = raw_map([("client", b"\xdb\x00\x00\x00\x01c"), ("session", b"\xd9\x01s"),
                           ("seq", b"\xd3" + struct.pack(">q", 5)),
                           ("jobs", b"\xdc\x00\x01" + raw_map([
                               ("id", pack("1")), ("type", pack("t")),
                               ("payload", b"\xc6\x00\x00\x00\x01\x01"),
                               ("priority", b"\xd1\x00\x05")]))])
    return [
        valid("ready_keys_reversed", "READY", ready, canonical=False,
              frames=[header("READY"), pack(reordered)]),
        valid("welcome_unknown_keys", "WELCOME", welcome, canonical=False,
              frames=[header("WELCOME"), raw_map([("zone", pack("eu-1")),
                                                  *[(k, pack(v)) for k, v in welcome.items()],
                                                  ("future", pack({"a": [1, {"b": None}]}))])]),
        valid("jobs_unknown_key_in_job", "JOBS", {"jobs": [job]}, canonical=False,
              frames=[header("JOBS"), raw_map([("jobs", b"\x91" + job_extra)])]),
        valid("accepted_wide_ints", "ACCEPTED", accepted, canonical=False,
              frames=[header("ACCEPTED"), wide]),
        valid("submit_wide_encodings", "SUBMIT", submit, canonical=False,
              frames=[header("SUBMIT"), submit_body]),
        valid("heartbeat_map16", "HEARTBEAT", {}, canonical=False,
              frames=[header("HEARTBEAT"), b"\xde\x00\x00"]),
    ]


# ---- invalid: each names the decode error both codecs must report
def nested(depth: int) -> bytes:
    return b"\x91" * (depth - 1) + b"\x90"


def invalid_cases():
    ready = next(c for c in CANONICAL if c["name"] == "ready")
    hdr, rbody = (bytes.fromhex(f) for f in ready["frames"])
    welcome = lambda pairs: [header("WELCOME"), raw_map(pairs)]
    job = lambda pairs: [header("JOBS"), raw_map([("jobs", b"\x91" + raw_map(pairs))])]
    good_job = [("id", pack("j")), ("type", pack("t")), ("payload", pack(b"\xc0")),
                ("attempt", pack(1))]
    max_str = LIMITS["max_string_bytes"]
    return [
        invalid("one_frame", [hdr], "BAD_FRAMES"),
        invalid("three_frames", [hdr, rbody, b""], "BAD_FRAMES"),
        invalid("bad_signature", [b"FERRX\x01\x01", rbody], "BAD_SIGNATURE"),
        invalid("header_too_short", [b"FERRY\x01", rbody], "BAD_SIGNATURE"),
        invalid("header_too_long", [hdr + b"\x00", rbody], "BAD_SIGNATURE"),
        invalid("wrong_version", [b"FERRY\x02\x01", rbody], "VERSION_MISMATCH"),
        invalid("unknown_command", [b"FERRY\x01\x7f", b"\x80"], "UNKNOWN_COMMAND"),
        invalid("empty_body", [header("HEARTBEAT"), b""], "MALFORMED"),
        invalid("truncated_body", [hdr, rbody[:-1]], "MALFORMED"),
        invalid("trailing_bytes", [hdr, rbody + b"\xc0"], "MALFORMED"),
        invalid("never_used_byte", [header("HEARTBEAT"), b"\xc1"], "MALFORMED"),
        invalid("body_not_a_map", [header("HEARTBEAT"), pack([1, 2])], "WRONG_TYPE"),
        invalid("field_wrong_type", welcome([("broker", pack("b")), ("heartbeat_ms", pack("1000")),
                                             ("liveness", pack(3))]), "WRONG_TYPE"),
        invalid("uint_field_negative", welcome([("broker", pack("b")), ("heartbeat_ms", pack(-1)),
                                                ("liveness", pack(3))]), "WRONG_TYPE"),
        invalid("payload_str_not_bin", job([*good_job[:2], ("payload", pack("\u00c0")),
                                            good_job[3]]), "WRONG_TYPE"),
        invalid("job_id_int", job([("id", pack(3)), *good_job[1:]]), "WRONG_TYPE"),
        invalid("jobs_not_array", [header("JOBS"), pack({"jobs": {"a": 1}})], "WRONG_TYPE"),
        invalid("exited_running_key_int",
                [header("EXITED"), pack({"worker": "w:1", "reason": "r", "running": ["a", 7]})],
                "WRONG_TYPE"),
        invalid("missing_required_field", welcome([("broker", pack("b")),
                                                   ("liveness", pack(3))]), "MISSING_FIELD"),
        invalid("missing_payload_in_job", job([*good_job[:2], good_job[3]]), "MISSING_FIELD"),
        invalid("array_above_max_batch",
                [header("JOBS"), raw_map([("jobs", b"\xdd" + struct.pack(">I", LIMITS["max_batch"] + 1))])],
                "TOO_LARGE"),
        invalid("str_above_max_string_bytes_declared_only",
                [header("DISCONNECT"), raw_map([("reason", b"\xdb" + struct.pack(">I", max_str + 1))])],
                "TOO_LARGE"),
        invalid("ack_range_not_uint", [header("ACK"), raw_map([("client", pack("c")),
                                                               ("session", pack("s")),
                                                               ("ranges", pack([1, "2"]))])],
                "WRONG_TYPE"),
        invalid("hello_missing_session", [header("HELLO"), raw_map([("client", pack("c")),
                                                                    ("heartbeat_ms", pack(1000))])],
                "MISSING_FIELD"),
        invalid("admin_missing_args", [header("ADMIN"), raw_map([("command", pack("runs"))])],
                "MISSING_FIELD"),
        invalid("admin_reply_ok_str", [header("ADMIN_REPLY"), raw_map([("ok", pack("yes")),
                                                                       ("reply", pack("{}"))])],
                "WRONG_TYPE"),
        invalid("submit_missing_session", [header("SUBMIT"), raw_map([
            ("client", pack("c")), ("seq", pack(1)), ("jobs", pack([]))])], "MISSING_FIELD"),
        invalid("nesting_above_max_depth",
                [header("HEARTBEAT"), raw_map([("x", nested(LIMITS["max_depth"] + 8))])],
                "TOO_LARGE"),
    ]


def main():
    files = {"valid.json": CANONICAL, "noncanonical.json": noncanonical(),
             "invalid.json": invalid_cases(),
             "values/typed_arrays.json": typed_array_vectors.cases(PROTOCOL)}
    for name, cases in files.items():
        (HERE / name).write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {len(cases)} cases to {name}")


if __name__ == "__main__":
    main()
