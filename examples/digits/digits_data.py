"""The digits workload's shared facts: the fixed train/held-out split and where models live."""

from __future__ import annotations

import os
import pathlib
from typing import NamedTuple

import numpy as np

SPLIT_SEED = 1234            # fixed: train.py and make_input.py must agree on the held-out rows
HELD_OUT_FRACTION = 0.3
SKLEARN_MODEL = "digits-sklearn.joblib"
TORCH_MODEL = "digits-cnn.pt"
ONNX_MODEL = "digits-mlp.onnx"    # export_onnx.py: the same MLP as an ONNX graph
REPO = pathlib.Path(__file__).resolve().parents[2]


class Split(NamedTuple):
    """scikit-learn's bundled 8x8 digits (pixel values 0..16), split once with a fixed seed."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


def load_split() -> Split:
    """The same stratified split every time: no download, no randomness between runs."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    parts = train_test_split(digits.data, digits.target, test_size=HELD_OUT_FRACTION,
                             random_state=SPLIT_SEED, stratify=digits.target)
    train_x, test_x, train_y, test_y = parts
    return Split(train_x, train_y, test_x, test_y)


def model_dir(explicit: str = "") -> pathlib.Path:
    """Where artefacts are written and read: explicit, else FERRY_MODEL_DIR, else demo-out/models."""
    chosen = explicit or os.environ.get("FERRY_MODEL_DIR", "")
    return pathlib.Path(chosen).resolve() if chosen else REPO / "demo-out" / "models"
