"""Dask distributed: a LocalCluster of 2 worker processes x 1 thread, client.map + gather."""

from __future__ import annotations

import logging
import os
from typing import Any

from peers import procs
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload, preload, run_one

NAME = "Dask distributed"
WORKERS = 2


def variants(workload: Workload) -> list[str]:
    return ["LocalCluster 2x1"]


class DaskSession:
    """A LocalCluster (scheduler in this process, as LocalCluster runs it) bound to loopback."""

    def __init__(self, workload: Workload) -> None:
        from distributed import Client, LocalCluster

        os.environ.update({k: v for k, v in procs.python_env().items()
                           if k in ("PYTHONPATH", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
        logging.getLogger("distributed").setLevel(logging.WARNING)
        self.workload = workload
        self.cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                    host="127.0.0.1",
                                    dashboard_address="127.0.0.1:0")
        self.client = Client(self.cluster)
        self.client.run(preload, workload.name)  # load the model in every worker first
        self.out: dict[str, Result] = {}

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads, self.out = ids, payloads, {}

    def execute(self) -> None:
        names = [self.workload.name] * len(self.ids)
        futures = self.client.map(run_one, names, self.payloads, key=self.ids, pure=False)
        self.out = dict(zip(self.ids, self.client.gather(futures)))
        del futures

    def collect(self) -> dict[str, Result]:
        return self.out

    def _one(self, job_id: str, payload: Payload) -> Result:
        return self.client.submit(run_one, self.workload.name, payload, key=job_id,
                                  pure=False).result()

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        return sequential_round_trips(ids, payloads, self._one)

    def worker_pids(self) -> list[int]:
        return [int(pid) for pid in self.client.run(os.getpid).values()]

    def notes(self) -> dict[str, Any]:
        return {"processes": WORKERS}

    def close(self) -> None:
        children = procs.child_pids(os.getpid())
        self.client.close()
        self.cluster.close()
        procs.kill_pids(children)


def open_session(workload: Workload, variant: str) -> DaskSession:
    return DaskSession(workload)
