"""`digits.classify`: 8x8 digit images in, {"label", "confidence"} out, a whole batch per call.

Payload: {"pixels": [64 numbers, 0..16]} (scikit-learn's digits scale), either a JSON list or,
with `input.arrays: {pixels: uint8}` in the pipeline config, a typed array that arrives as a
read-only numpy array: a whole batch of those becomes the model's input with one np.stack. The model is loaded once
per process in `setup` from the artefact `train.py` writes. The directory comes from the handler
config key "model_dir", else $FERRY_MODEL_DIR, else <repo>/demo-out/models. The backend comes
from "backend" / $FERRY_DIGITS_BACKEND: "sklearn", "torch", or "auto" (default: the TorchScript
CNN when torch imports and digits-cnn.pt exists, else the scikit-learn MLP).
"""

from __future__ import annotations

import logging
import os
import pathlib
import sys
from typing import Any, Mapping, Optional, Protocol

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # loaded by path: find siblings
import digits_data  # noqa: E402

import ferry_worker  # noqa: E402
from ferry_worker import Job, JobError  # noqa: E402

log = logging.getLogger("digits.handler")
PIXELS = 64


class Backend(Protocol):
    """A loaded model: class probabilities for a (n, 64) float matrix, one row per image."""

    name: str

    def probabilities(self, images: np.ndarray) -> np.ndarray: ...


class SklearnBackend:
    """The scikit-learn model written by train.py; `predict_proba` is one vectorised call per batch."""

    name = "sklearn"

    def __init__(self, path: pathlib.Path) -> None:
        import joblib

        self.model = joblib.load(path)
        self.classes = np.asarray(self.model.classes_)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_proba(images))


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def missing_model(path: pathlib.Path) -> ferry_worker.ConfigError:
    return ferry_worker.ConfigError(
        f"digits model {path} is missing: run `/usr/bin/python3 examples/digits/train.py "
        f"--model-dir {path.parent}{' --torch' if path.suffix == '.pt' else ''}` first (or set FERRY_MODEL_DIR to where it was written)")


def load_backend(directory: pathlib.Path, choice: str) -> Backend:
    """Picks and loads the backend; a missing artefact is an error naming the command to run."""
    if choice not in ("auto", "sklearn", "torch"):
        raise ferry_worker.ConfigError(f"digits backend {choice!r}: use auto, sklearn or torch")
    torch_path = directory / digits_data.TORCH_MODEL
    use_torch = choice == "torch" or (choice == "auto" and torch_path.exists() and torch_available())
    if use_torch:
        if not torch_available():
            raise ferry_worker.ConfigError("digits backend 'torch' needs PyTorch: install "
                                           "python3-torch, or use backend auto or sklearn")
        if not torch_path.exists():
            raise missing_model(torch_path)
        import torch_model

        return torch_model.TorchBackend(torch_path)
    sklearn_path = directory / digits_data.SKLEARN_MODEL
    if not sklearn_path.exists():
        raise missing_model(sklearn_path)
    return SklearnBackend(sklearn_path)


def pixel_row(payload: Any) -> Optional[Any]:
    """The 64 pixel values of a payload (a numpy array or a list), or None when it is not a
    digit image."""
    pixels = payload.get("pixels") if isinstance(payload, dict) else None
    if isinstance(pixels, np.ndarray):
        return pixels if pixels.shape == (PIXELS,) and pixels.dtype.kind in "uif" else None
    if not isinstance(pixels, list) or len(pixels) != PIXELS:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixels):
        return None
    return [float(v) for v in pixels]


def image_matrix(rows: list[Any]) -> np.ndarray:
    """One (n, 64) float matrix: one np.stack when every row is an array, else row by row."""
    if all(isinstance(row, np.ndarray) for row in rows):
        return np.stack(rows).astype(np.float64)
    return np.asarray([np.asarray(row, dtype=np.float64) for row in rows])


BAD_PAYLOAD = "payload needs 'pixels': 64 numbers 0..16"


class DigitsClassifier(ferry_worker.Handler):
    """Classifies handwritten digits; bad payloads fail only their own job."""

    job_type = "digits.classify"
    max_batch_size = 256

    def setup(self, config: Mapping[str, Any]) -> None:
        directory = digits_data.model_dir(str(config.get("model_dir", "")))
        choice = str(config.get("backend") or os.environ.get("FERRY_DIGITS_BACKEND", "auto"))
        self.backend = load_backend(directory, choice)
        log.info("%s: digits model loaded (%s) from %s", config.get("worker", "?"),
                 self.backend.name, directory)

    def handle(self, jobs: list[Job]) -> list[Any]:
        results: list[Any] = [None] * len(jobs)
        rows: list[Any] = []
        slots: list[int] = []
        for i, job in enumerate(jobs):
            try:
                row = pixel_row(job.payload)
            except JobError as error:  # a malformed typed array fails its own job only
                results[i] = error
                continue
            if row is None:
                results[i] = JobError("INVALID_ARGUMENT", BAD_PAYLOAD)
            else:
                rows.append(row)
                slots.append(i)
        if rows:
            self._classify(image_matrix(rows), slots, results)
        return results

    def _classify(self, images: np.ndarray, slots: list[int], results: list[Any]) -> None:
        probabilities = self.backend.probabilities(images)
        best = probabilities.argmax(axis=1)
        confidence = probabilities[np.arange(len(best)), best]
        for slot, label, conf in zip(slots, best.tolist(), confidence.tolist()):
            results[slot] = {"label": int(label), "confidence": round(float(conf), 4)}
