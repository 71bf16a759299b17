"""`python3 -m ferry_worker`: parse the flags and run a worker pool."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from typing import Any, Optional, Sequence

from ferry_worker.errors import ConfigError
from ferry_worker.handler import find_handlers, load_module
from ferry_worker.keys import client_keys
from ferry_worker.launch import START_METHODS
from ferry_worker.pool import Pool, PoolConfig
from ferry_worker.version import version_line

log = logging.getLogger("ferry_worker")

_EPILOG = """\
example:
  python3 -m ferry_worker --broker tcp://127.0.0.1:5556 \\
      --handlers ferry_worker.examples.echo --processes 4 --max-jobs 10000

exit codes: 0 drained after SIGTERM/SIGINT, 2 bad flags or handlers or a broker speaking
another protocol version, 1 internal error.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m ferry_worker",
        description="Serve a Ferry broker with a pool of Python worker processes running "
                    "your handlers (each process loads the model once).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--version", action=_PrintVersion,
        help="print the release, the wire protocol version and the git commit, then exit")
    add("--broker", required=True, metavar="ENDPOINT",
        help="the broker's worker endpoint, e.g. tcp://10.0.0.5:5556 or ipc:///tmp/ferry.sock")
    add("--handlers", required=True, metavar="MODULE_OR_PATH",
        help="dotted module name (on PYTHONPATH) or path of a .py file defining the handlers")
    add("--processes", type=_positive, default=1, metavar="N",
        help="worker processes to run (default 1; about one per core for CPU models)")
    add("--max-jobs", type=_non_negative, default=0, metavar="N",
        help="recycle a process after N jobs, once its held jobs are answered (0: never)")
    add("--max-rss-mb", type=_non_negative, default=0, metavar="N",
        help="recycle a process whose resident memory exceeds N MiB (0: never)")
    add("--prefetch", type=_positive, default=2, metavar="N",
        help="initial and minimum credit per process = largest max_batch_size x N (default 2)")
    add("--max-credit", type=_non_negative, default=256, metavar="N",
        help="credit a process may grow to when it measures its handlers faster than the round "
             "trip to the broker; at most 64 x largest max_batch_size (default 256; 0: credit "
             "stays at the --prefetch figure)")
    add("--inline", default="auto", choices=["auto", "always", "never"],
        help="where handlers run: auto: on the socket thread once measured fast (under 2 ms a "
             "call), else on the handler thread; always / never: force one (default auto)")
    add("--heartbeat-ms", type=_positive, default=1000, metavar="MS",
        help="heartbeat interval this worker keeps (default 1000)")
    add("--handler-config", default="{}", metavar="JSON",
        help="JSON object passed to every handler's setup(config) (default {})")
    add("--start-method", default="fork", choices=START_METHODS,
        help="fork: worker processes are forked from a template that imported the handlers "
             "once (restarts cost milliseconds); spawn: each is a fresh interpreter (use it when "
             "importing the handlers starts threads) (default fork)")
    add("--drain-timeout", type=_seconds, default=30.0, metavar="S",
        help="seconds processes may take to answer held jobs after SIGTERM (default 30)")
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default INFO)")
    add("--key-file", metavar="PATH",
        help="this worker host's CURVE secret key file (from `ferry keygen`), when the broker "
             "uses CURVE (env FERRY_KEY_FILE)")
    add("--server-key", metavar="KEY_OR_PATH",
        help="the broker's CURVE public key: its .pub file or the Z85 text (env FERRY_SERVER_KEY)")
    return parser


class _PrintVersion(argparse.Action):
    """--version: works without the required flags, and asks git only when given."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(version_line())
        parser.exit(0)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be a whole number >= 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be a whole number >= 0")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a number of seconds >= 0")
    return value


def check_endpoint(endpoint: str) -> None:
    """Refuses what ZeroMQ cannot connect to, with the form it needs (zmq would only say
    "Protocol not supported" or "Invalid argument")."""
    scheme, sep, rest = endpoint.partition("://")
    problem = ""
    if not sep or scheme not in ("tcp", "ipc"):
        problem = "not a ZeroMQ endpoint"
    elif scheme == "tcp" and not re.fullmatch(r"[^:/]+:(\d{1,5}|\*)", rest):
        problem = "a tcp endpoint needs a host and a port"
    elif scheme == "ipc" and not rest:
        problem = "an ipc endpoint needs a path"
    if problem:
        raise ConfigError(f"--broker {endpoint}: {problem}; use tcp://HOST:PORT (the broker's "
                          "workers endpoint, e.g. tcp://10.0.0.5:5556) or ipc://PATH")


def config_from_args(args: argparse.Namespace) -> PoolConfig:
    check_endpoint(args.broker)
    try:
        handler_config = json.loads(args.handler_config)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--handler-config is not valid JSON: {exc}") from exc
    if not isinstance(handler_config, dict):
        raise ConfigError("--handler-config must be a JSON object, e.g. '{\"model\": \"x\"}'")
    keys = client_keys(args.key_file, args.server_key)  # checked here, read again by each process
    find_handlers(load_module(args.handlers))  # fail fast, in the supervisor, on a bad module
    return PoolConfig(
        broker=args.broker, handlers=args.handlers, processes=args.processes,
        heartbeat_ms=args.heartbeat_ms, prefetch=args.prefetch, max_credit=args.max_credit,
        inline=args.inline, max_jobs=args.max_jobs,
        max_rss_mb=args.max_rss_mb, log_level=args.log_level, handler_config=handler_config,
        drain_timeout_s=args.drain_timeout, start_method=args.start_method,
        key_file=os.path.abspath(args.key_file or os.environ["FERRY_KEY_FILE"]) if keys else "",
        server_key=keys.server_key if keys else "",
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s [pool] %(name)s: %(message)s")
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    try:
        return Pool(config).run()
    except Exception:  # noqa: BLE001 - the one place an unexpected error becomes exit 1
        log.exception("the worker pool failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
