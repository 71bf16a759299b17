"""Handlers for multi-stage pipelines: split a sentence into words, then measure each word.

`stages.split` answers {"words": [{"word": w}, ...], "count": n} for payload {"text": ...}; a text
of "no-words" answers {"count": 0} (no list: the next stage's for_each cannot find it), and
`ms` in the payload makes each job take that long (for kill tests). `stages.measure` answers
{"word": w, "length": len(w), "upper": w.upper()}; the word "poison" fails with a JobError
(INVALID_ARGUMENT: never retried). With FERRY_TEST_RUN_LOG set, every execution appends its
job id to that file, so a test can count how often each (stage, item) ran. Used by
tests/e2e/test_stages.py and bench/.
"""

from __future__ import annotations

import os
import time
from typing import Any

import ferry_worker
from ferry_worker import Job


def log_run(job: Job) -> None:
    """Appends the job id to $FERRY_TEST_RUN_LOG (one write: lines never interleave)."""
    path = os.environ.get("FERRY_TEST_RUN_LOG")
    if path:
        with open(path, "a") as log:
            log.write(job.id + "\n")


@ferry_worker.handler("stages.split", max_batch_size=16)
def split(job: Job) -> Any:
    """Splits payload["text"] into words."""
    log_run(job)
    time.sleep(job.payload.get("ms", 0) / 1000.0)
    text = job.payload["text"]
    if text == "no-words":
        return {"count": 0}
    words = [{"word": word} for word in text.split()]
    return {"words": words, "count": len(words)}


@ferry_worker.handler("stages.measure", max_batch_size=64)
def measure(job: Job) -> Any:
    """Measures one word; the word "poison" fails."""
    log_run(job)
    word = job.payload["word"]
    if word == "poison":
        raise ferry_worker.JobError("INVALID_ARGUMENT", f"the word {word!r} cannot be measured")
    return {"word": word, "length": len(word), "upper": word.upper()}
