"""`scans.ocr`: a scanned page in, its text lines out (Tesseract 5, English/German/French/Spanish).

Payload: {"path": "/abs/page-0001.png", "name": "page-0001.png"} (what a directory input sends).
Result: {"page": name, "lines": [{"text", "confidence"}, ...]}, one element per text line in
reading order, so a later stage can fan out `for_each: lines`. Each worker process creates one
multi-language engine in `setup`; OCR is not batchable, so pages run one at a time.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one process per core; no OpenMP oversubscription

from PIL import Image, UnidentifiedImageError  # noqa: E402

import ferry_worker  # noqa: E402
from ferry_worker import Job, JobError  # noqa: E402

LANGUAGES = "eng+deu+fra+spa"  # every language the day's scans may hold: accents read right
log = logging.getLogger("scans.ocr")


def open_page(payload: Any) -> tuple[Image.Image, str]:
    """The page image and its name, or a JobError naming the path (bad input: not retried)."""
    if not isinstance(payload, dict) or "path" not in payload:
        raise JobError("INVALID_ARGUMENT", "payload needs 'path' (a page image file)")
    path = str(payload["path"])
    try:
        image = Image.open(path)
        image.load()
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise JobError("INVALID_ARGUMENT", f"cannot read the page image {path}: {exc}") from exc
    return image, str(payload.get("name") or os.path.basename(path))


class PageReader(ferry_worker.Handler):
    """Reads one page per call into its text lines with a per-process Tesseract engine."""

    job_type = "scans.ocr"
    max_batch_size = 1

    def setup(self, config: Mapping[str, Any]) -> None:
        try:
            from tesserocr import PSM, RIL, PyTessBaseAPI
        except ImportError as exc:
            raise ferry_worker.ConfigError(
                f"scans.ocr needs tesserocr ({exc}); install python3-tesserocr and "
                "tesseract-ocr-{eng,deu,fra,spa}, run the workers with /usr/bin/python3") from exc
        languages = str(config.get("languages") or LANGUAGES)
        try:
            self.api = PyTessBaseAPI(lang=languages, psm=PSM.AUTO)
        except RuntimeError as exc:
            raise ferry_worker.ConfigError(
                f"Tesseract cannot load languages {languages!r} ({exc}); install "
                "tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa") from exc
        self.textline = RIL.TEXTLINE
        log.info("%s: Tesseract %s engine ready (%s)", config.get("worker", "?"),
                 self.api.Version(), languages)

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [self._read(job) for job in jobs]

    def _read(self, job: Job) -> Any:
        try:
            image, name = open_page(job.payload)
        except JobError as exc:
            return exc
        self.api.SetImage(image)
        self.api.Recognize()
        return {"page": name, "lines": self._lines()}

    def _lines(self) -> list[dict[str, Any]]:
        """Tesseract's text lines in reading order; blank ones (specks, rules) are dropped."""
        lines = []
        iterator = self.api.GetIterator()
        if iterator is None:  # an empty page: nothing recognised
            return lines
        while True:
            text = (iterator.GetUTF8Text(self.textline) or "").strip()
            if text:
                confidence = round(float(iterator.Confidence(self.textline)), 1)
                lines.append({"text": text, "confidence": confidence})
            if not iterator.Next(self.textline):
                return lines

    def teardown(self) -> None:
        api = getattr(self, "api", None)
        if api is not None:
            api.End()
