#!/usr/bin/python3
"""Trains the digits classifier on scikit-learn's bundled data and writes the model artefact.

    /usr/bin/python3 examples/digits/train.py [--model-dir DIR] [--torch]

Writes DIR/digits-sklearn.joblib (a scikit-learn MLP with 128 hidden units; a few seconds on
one core) and, through export_onnx.py, the same MLP checked as DIR/digits-mlp.onnx. With --torch
and PyTorch installed it also writes DIR/digits-cnn.pt, a TorchScript CNN the handler prefers
when it can import torch. DIR defaults to $FERRY_MODEL_DIR, else
<repo>/demo-out/models. Deterministic: the same seed gives the same model every run.
"""

from __future__ import annotations

import argparse
import logging
import os
import pathlib
import sys
import tempfile
from typing import Any

import digits_data

log = logging.getLogger("digits.train")


def fit_sklearn(split: digits_data.Split) -> Any:
    """A one-hidden-layer perceptron: accurate, and cheap per image once a batch is in hand
    (a kernel SVC is as accurate but spends ~80 us per image, which batching cannot amortise)."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(128,), max_iter=600,
                          random_state=digits_data.SPLIT_SEED)
    return model.fit(split.train_x, split.train_y)


def write_atomically(target: pathlib.Path, write: Any) -> None:
    """Writes beside the target and renames, so a worker never loads a half-written model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def train_sklearn(split: digits_data.Split, out_dir: pathlib.Path) -> float:
    import joblib

    model = fit_sklearn(split)
    accuracy = float(model.score(split.test_x, split.test_y))
    write_atomically(out_dir / digits_data.SKLEARN_MODEL, lambda path: joblib.dump(model, path))
    import export_onnx  # imports this module: not at the top

    export_onnx.export_after_training(model, split, out_dir)  # digits-mlp.onnx, checked
    return accuracy


def train_torch(split: digits_data.Split, out_dir: pathlib.Path) -> float:
    try:
        import torch_model
    except ImportError as exc:
        raise SystemExit(f"train.py --torch: PyTorch is not importable ({exc}); "
                         "install python3-torch or leave out --torch") from exc
    return torch_model.train_and_save(split, out_dir / digits_data.TORCH_MODEL, write_atomically)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default="", help="default: $FERRY_MODEL_DIR or demo-out/models")
    parser.add_argument("--torch", action="store_true", help="also train the TorchScript CNN")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    out_dir = digits_data.model_dir(args.model_dir)
    split = digits_data.load_split()
    accuracy = train_sklearn(split, out_dir)
    log.info("MLP on %d images, held-out accuracy %.4f on %d -> %s", len(split.train_y), accuracy,
             len(split.test_y), out_dir / digits_data.SKLEARN_MODEL)
    if args.torch:
        accuracy = train_torch(split, out_dir)
        log.info("TorchScript CNN, held-out accuracy %.4f -> %s", accuracy,
                 out_dir / digits_data.TORCH_MODEL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
