#!/usr/bin/python3
"""Exports the trained digits MLP to ONNX and checks it against scikit-learn through OpenCV.

    /usr/bin/python3 examples/digits/export_onnx.py [--model-dir DIR] [--json]

Reads DIR/digits-sklearn.joblib (train.py writes it) and writes DIR/digits-mlp.onnx: input
"pixels" float32 [N,64] of raw 0..16 pixels (a Pipeline's scaler is folded into the first
layer), output "probabilities" float32 [N,10] (softmax inside the graph). The file is checked
before it is renamed into place: OpenCV's dnn module runs the held-out split and its labels must
agree with scikit-learn's on >= 99.9% of rows, its probabilities within 1e-4. Exit 1: the check
failed; exit 2: no trained model, an unsupported model, or python3-onnx / python3-opencv missing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pathlib
import sys
from typing import Any, NamedTuple, Optional

import numpy as np

import digits_data
from train import write_atomically

log = logging.getLogger("digits.export_onnx")

INPUT, OUTPUT = "pixels", "probabilities"
# OpenCV 4.6's importer reads opset 13 (IR 7); at 13, Softmax normalises exactly the axis given.
OPSET, IR_VERSION = 13, 7
MIN_AGREEMENT, MAX_ABS_DIFF = 0.999, 1e-4
ACTIVATIONS = {"relu": "Relu", "logistic": "Sigmoid", "tanh": "Tanh", "identity": None}
# Batches of changing size through one loaded net, the way a worker feeds it.
CHECK_BATCHES = (1, 7, 256)


class ExportError(Exception):
    """The model cannot be written as this graph (an unknown step, activation or output)."""


class MissingPackage(ExportError):
    """A Python module the export needs is not installed; the message names the Debian package."""


class Check(NamedTuple):
    agreement: float     # share of held-out rows where both give the same label
    max_abs_diff: float  # largest |probability difference| over all rows and classes
    rows: int
    path: str

    @property
    def passed(self) -> bool:
        return self.agreement >= MIN_AGREEMENT and self.max_abs_diff < MAX_ABS_DIFF


class CheckFailed(ExportError):
    def __init__(self, result: Check) -> None:
        super().__init__(f"the ONNX model disagrees with scikit-learn: labels agree on "
                         f"{result.agreement:.4f} of {result.rows} rows (need >= {MIN_AGREEMENT}), "
                         f"max |prob diff| {result.max_abs_diff:.2e} (need < {MAX_ABS_DIFF:g})")
        self.result = result


def require(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingPackage(f"the ONNX export needs the Python module {module} ({exc}): "
                             f"apt-get install {package}") from exc


def scaler_affine(step: Any) -> tuple[np.ndarray, np.ndarray]:
    """A fitted scaler as x * scale + offset per feature; anything else is refused by name."""
    kind = type(step).__name__
    if kind == "StandardScaler":
        scale = 1.0 / step.scale_ if step.scale_ is not None else np.ones(step.n_features_in_)
        mean = step.mean_ if step.mean_ is not None else np.zeros(step.n_features_in_)
        return scale, -mean * scale
    if kind == "MinMaxScaler" and not step.clip:  # clipping is not affine
        return step.scale_, step.min_
    if kind == "MaxAbsScaler":
        return 1.0 / step.scale_, np.zeros(step.n_features_in_)
    raise ExportError(f"cannot fold pipeline step {kind} into the graph; supported: "
                      "StandardScaler, MinMaxScaler (clip=False), MaxAbsScaler")


def unpack(model: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """(the MLP, scale, offset): a Pipeline's scalers composed into one per-feature affine map."""
    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    mlp = steps[-1]
    scale, offset = np.ones(mlp.n_features_in_), np.zeros(mlp.n_features_in_)
    for step in steps[:-1]:
        if step is None or step == "passthrough":
            continue
        step_scale, step_offset = scaler_affine(step)
        scale, offset = scale * step_scale, offset * step_scale + step_offset
    return mlp, scale, offset


def refuse_unsupported(mlp: Any) -> None:
    output = getattr(mlp, "out_activation_", None)
    if output != "softmax":  # a binary MLPClassifier ends in one logistic unit
        raise ExportError(f"{type(mlp).__name__} is not a multiclass MLPClassifier "
                          f"(output activation {output!r}, need 'softmax')")
    if mlp.activation not in ACTIVATIONS:
        raise ExportError(f"hidden activation {mlp.activation!r} is not one of "
                          f"{sorted(ACTIVATIONS)}")


def layers(model: Any) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    """The dense layers as float32 (weights [in, out], bias [out]), scaling folded into the first."""
    mlp, scale, offset = unpack(model)
    refuse_unsupported(mlp)
    pairs = [(np.asarray(w, np.float64), np.asarray(b, np.float64))
             for w, b in zip(mlp.coefs_, mlp.intercepts_)]
    first_w, first_b = pairs[0]  # (x*s + o) @ W + b == x @ (s[:, None] * W) + (o @ W + b)
    pairs[0] = (scale[:, None] * first_w, offset @ first_w + first_b)
    return [(w.astype(np.float32), b.astype(np.float32)) for w, b in pairs], mlp.activation


def build(model: Any) -> Any:
    """The ONNX graph. MatMul+Add, not Gemm: OpenCV 4.6 imports Gemm weights only as transB=1."""
    onnx = require("onnx", "python3-onnx")
    from onnx import TensorProto, helper, numpy_helper

    pairs, activation = layers(model)
    nodes, weights, current = [], [], INPUT
    for i, (w, b) in enumerate(pairs):
        weights += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes += [helper.make_node("MatMul", [current, f"w{i}"], [f"matmul{i}"]),
                  helper.make_node("Add", [f"matmul{i}", f"b{i}"], [f"dense{i}"])]
        current = f"dense{i}"
        if i < len(pairs) - 1 and ACTIVATIONS[activation]:
            nodes.append(helper.make_node(ACTIVATIONS[activation], [current], [f"hidden{i}"]))
            current = f"hidden{i}"
    nodes.append(helper.make_node("Softmax", [current], [OUTPUT], axis=1))
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", pairs[0][0].shape[0]])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", pairs[-1][0].shape[1]])],
        weights)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="ferry examples/digits/export_onnx.py")
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export(model: Any, path: pathlib.Path) -> pathlib.Path:
    """Writes the graph to `path` atomically, unchecked (export_checked also checks it)."""
    onnx = require("onnx", "python3-onnx")
    proto = build(model)
    write_atomically(pathlib.Path(path), lambda tmp: onnx.save(proto, tmp))
    return pathlib.Path(path)


def forward_in_batches(net: Any, images: np.ndarray) -> np.ndarray:
    outputs, start, turn = [], 0, 0
    while start < len(images):
        stop = start + CHECK_BATCHES[turn % len(CHECK_BATCHES)]
        net.setInput(images[start:stop])
        outputs.append(net.forward().copy())  # forward's buffer is reused by the next call
        start, turn = stop, turn + 1
    return np.concatenate(outputs)


def check(path: pathlib.Path, model: Any, split: digits_data.Split) -> Check:
    """Runs the held-out split through OpenCV's dnn (batches of 1, 7, 256 in turn) and sklearn."""
    cv2 = require("cv2", "python3-opencv")
    try:
        net = cv2.dnn.readNetFromONNX(str(path))
        got = forward_in_batches(net, np.ascontiguousarray(split.test_x, dtype=np.float32))
    except cv2.error as exc:
        raise ExportError(f"OpenCV cannot run {path}: {exc}") from exc
    want = model.predict_proba(split.test_x)
    if got.shape != want.shape:
        raise ExportError(f"{path} gives shape {got.shape} for the held-out split; "
                          f"scikit-learn gives {want.shape}")
    agree = model.classes_[got.argmax(axis=1)] == model.predict(split.test_x)
    return Check(float(agree.mean()), float(np.abs(got - want).max()), len(agree), str(path))


def export_checked(model: Any, split: digits_data.Split, path: pathlib.Path) -> Check:
    """Writes beside `path` and checks that file; only a model that passes is renamed into place."""
    onnx = require("onnx", "python3-onnx")
    proto, results = build(model), []

    def write_and_check(tmp: str) -> None:
        onnx.save(proto, tmp)
        results.append(check(pathlib.Path(tmp), model, split)._replace(path=str(path)))
        if not results[-1].passed:
            raise CheckFailed(results[-1])

    write_atomically(pathlib.Path(path), write_and_check)
    log.info("held-out %d rows: labels agree on %.4f, max |prob diff| %.2e -> %s",
             results[0].rows, results[0].agreement, results[0].max_abs_diff, path)
    return results[0]


def export_after_training(model: Any, split: digits_data.Split,
                          out_dir: pathlib.Path) -> Optional[Check]:
    """train.py's step: the checked ONNX beside the joblib, skipped with a warning when the
    packages are missing (the scikit-learn demo does not need them)."""
    try:
        return export_checked(model, split, out_dir / digits_data.ONNX_MODEL)
    except MissingPackage as exc:
        log.warning("no %s written: %s", digits_data.ONNX_MODEL, exc)
        return None
    except CheckFailed as exc:
        raise SystemExit(f"train.py: {exc}") from exc


def load_model(out_dir: pathlib.Path) -> Any:
    import joblib

    return joblib.load(out_dir / digits_data.SKLEARN_MODEL)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default="",
                        help="default: $FERRY_MODEL_DIR or demo-out/models")
    parser.add_argument("--json", action="store_true", help="print the check's figures as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    out_dir = digits_data.model_dir(args.model_dir)
    if not (out_dir / digits_data.SKLEARN_MODEL).exists():
        log.error("no trained model at %s: run /usr/bin/python3 examples/digits/train.py "
                  "--model-dir %s first", out_dir / digits_data.SKLEARN_MODEL, out_dir)
        return 2
    try:
        result = export_checked(load_model(out_dir), digits_data.load_split(),
                                out_dir / digits_data.ONNX_MODEL)
    except CheckFailed as exc:
        result = exc.result
        log.error("check failed, %s left as it was: %s", out_dir / digits_data.ONNX_MODEL, exc)
    except ExportError as exc:
        log.error("%s", exc)
        return 2
    if args.json:
        print(json.dumps(result._asdict()))
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
