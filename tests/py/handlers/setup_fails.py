"""A handler whose setup fails: the process must exit before it announces itself."""

from typing import Any, Mapping

import ferry_worker


class Broken(ferry_worker.Handler):
    job_type = "broken"

    def setup(self, config: Mapping[str, Any]) -> None:
        raise FileNotFoundError("model file /models/missing.bin not found")
