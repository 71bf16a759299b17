"""The "native calls Python over HTTP" design: a Flask service, one JSON POST per job.

Served by gunicorn (2 worker processes, gthread so connections stay alive):
gunicorn -w 2 -k gthread --threads 1 -b 127.0.0.1:PORT peers.http_app:app
BENCH_WORKLOAD, when set, is loaded as each worker process imports this module.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request

from peers import workloads

app = Flask(__name__)

if os.environ.get("BENCH_WORKLOAD"):
    workloads.state_of(os.environ["BENCH_WORKLOAD"])


@app.post("/run/<workload>")
def run(workload: str) -> Any:
    return jsonify(workloads.run_one(workload, request.get_json(force=True)))


@app.get("/health")
def health() -> Any:
    return jsonify({"pid": os.getpid()})
