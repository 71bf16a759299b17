"""A bare pyzmq worker: PULL a msgpack [id, payload], run the handler, PUSH [id, result].

No acknowledgements, retries or heartbeats: what ZeroMQ alone gives (the transport limit).
Run: python3 -m peers.pyzmq_worker WORKLOAD JOBS_ENDPOINT RESULTS_ENDPOINT
"""

from __future__ import annotations

import sys

import msgpack
import zmq

from peers import workloads


def serve(workload_name: str, jobs_endpoint: str, results_endpoint: str) -> None:
    workloads.state_of(workload_name)  # load the model before saying hello
    context = zmq.Context()
    jobs = context.socket(zmq.PULL)
    jobs.connect(jobs_endpoint)
    results = context.socket(zmq.PUSH)
    results.connect(results_endpoint)
    results.send(msgpack.packb(["hello", None]))
    run_one = workloads.run_one
    while True:
        job_id, payload = msgpack.unpackb(jobs.recv())
        if job_id is None:
            break
        results.send(msgpack.packb([job_id, run_one(workload_name, payload)]))


if __name__ == "__main__":
    serve(*sys.argv[1:4])
