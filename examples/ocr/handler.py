"""`ocr.read`: an image of printed English in, {"text", "confidence"} out (Tesseract 5).

Payload: {"path": "/abs/file.png"} (a file the worker can read) or {"png_b64": "..."} (the image
itself, any format Pillow reads). Each worker process creates one Tesseract engine in `setup`
and ends it in `teardown`; OCR is not batchable, so jobs run one at a time. `confidence` is
Tesseract's mean word confidence, 0..100. Page segmentation defaults to one text line; set
FERRY_OCR_PSM (a tesserocr PSM name such as AUTO or SINGLE_BLOCK) for whole pages.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import os
from typing import Any, Mapping

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one process per core; no OpenMP oversubscription

from PIL import Image, UnidentifiedImageError  # noqa: E402

import ferry_worker  # noqa: E402
from ferry_worker import Job, JobError  # noqa: E402

log = logging.getLogger("ocr.handler")


def open_image(payload: Any) -> Image.Image:
    """The job's image, or a JobError (not retried: the input itself is bad)."""
    if not isinstance(payload, dict) or not ("path" in payload or "png_b64" in payload):
        raise JobError("INVALID_ARGUMENT", "payload needs 'path' (an image file) or 'png_b64'")
    try:
        if "path" in payload:
            image = Image.open(str(payload["path"]))
        else:
            image = Image.open(io.BytesIO(base64.b64decode(payload["png_b64"], validate=True)))
        image.load()
    except (OSError, UnidentifiedImageError, binascii.Error, ValueError) as exc:
        raise JobError("INVALID_ARGUMENT", f"cannot read the image: {exc}") from exc
    return image


class OcrReader(ferry_worker.Handler):
    """Reads the text of one image per call with a per-process Tesseract engine."""

    job_type = "ocr.read"
    max_batch_size = 1

    def setup(self, config: Mapping[str, Any]) -> None:
        try:
            from tesserocr import PSM, PyTessBaseAPI
        except ImportError as exc:
            raise ferry_worker.ConfigError(
                f"ocr.read needs tesserocr ({exc}); install python3-tesserocr tesseract-ocr-eng "
                "and run the workers with /usr/bin/python3") from exc
        psm_name = str(config.get("psm") or os.environ.get("FERRY_OCR_PSM", "SINGLE_LINE"))
        if not hasattr(PSM, psm_name):
            raise ferry_worker.ConfigError(f"FERRY_OCR_PSM={psm_name!r} is not a tesserocr PSM name")
        self.api = PyTessBaseAPI(lang="eng", psm=getattr(PSM, psm_name))
        log.info("%s: Tesseract %s engine ready (psm %s)", config.get("worker", "?"),
                 self.api.Version(), psm_name)

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [self._read(job) for job in jobs]

    def _read(self, job: Job) -> Any:
        try:
            image = open_image(job.payload)
        except JobError as exc:
            return exc
        self.api.SetImage(image)
        text = self.api.GetUTF8Text().strip()
        return {"text": text, "confidence": round(float(self.api.MeanTextConf()), 1)}

    def teardown(self) -> None:
        api = getattr(self, "api", None)
        if api is not None:
            api.End()
