"""Small ONNX models for the native worker's tests, written with onnx.helper (python3-onnx).

Each was checked against OpenCV 4.6's dnn module (python3-opencv), the engine the native worker
runs; `/usr/bin/python3 tests/e2e/onnx_models.py` repeats those checks.

- write_fixed_batch_model: loads and runs a batch of 1; forward raises cv2.error for any other
  batch (FIXED_BATCH_ERROR is part of the message), and the net still runs batch 1 afterwards.
- write_garbage_model: bytes OpenCV refuses to parse.
- write_logits_model: a linear layer with 3 outputs and no softmax, known weights.
- write_two_input_model: inputs "a" and "b", output "sum" = a + b.
"""

from __future__ import annotations

import logging
import pathlib
import sys
import tempfile

import numpy as np

log = logging.getLogger("onnx_models")

OPSET, IR_VERSION = 13, 7  # what examples/digits/export_onnx.py writes; OpenCV 4.6 reads it
PIXELS = 64
# OpenCV's message for a batch > 1 into write_fixed_batch_model, from its fully connected layer:
# "OpenCV(4.6.0) ./modules/dnn/src/layers/fully_connected_layer.cpp:181: error:
#  (-215:Assertion failed) srcMat.dims == 2 && srcMat.cols == weights.cols && ... in function 'run'"
FIXED_BATCH_ERROR = "(-215:Assertion failed) srcMat.dims == 2 && srcMat.cols == weights.cols"
LOGITS_WEIGHTS = np.array([[1.0, -1.0, 0.5],
                           [0.0, 2.0, -0.5],
                           [-1.0, 0.0, 1.0],
                           [0.5, 0.5, 0.0]], dtype=np.float32)  # [4 features, 3 outputs]
LOGITS_BIAS = np.array([0.25, -0.5, 0.0], dtype=np.float32)


def save(path: pathlib.Path, name: str, nodes: list, inputs: list, outputs: list,
         initializers: list = ()) -> pathlib.Path:
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return pathlib.Path(path)


def write_fixed_batch_model(path: pathlib.Path) -> pathlib.Path:
    """"pixels" [N,64] -> Reshape to [64] -> MatMul [64,10] -> Reshape to [1,10] -> Softmax.

    What exporting a batch-1 trace with `x.view(64)` gives. A constant Reshape to [1,64] would not
    do: OpenCV 4.6 keeps the batch dimension through it and runs any batch. Reshape to [64]
    drops the batch, so for N > 1 the fully connected layer's input has the wrong width."""
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(7).normal(size=(PIXELS, 10)).astype(np.float32)
    nodes = [helper.make_node("Reshape", ["pixels", "vector"], ["flat"]),
             helper.make_node("MatMul", ["flat", "weights"], ["logits"]),
             helper.make_node("Reshape", ["logits", "row"], ["logits_row"]),
             helper.make_node("Softmax", ["logits_row"], ["probabilities"], axis=1)]
    constants = [numpy_helper.from_array(np.array([PIXELS], np.int64), "vector"),
                 numpy_helper.from_array(np.array([1, 10], np.int64), "row"),
                 numpy_helper.from_array(weights, "weights")]
    return save(path, "fixed_batch", nodes,
                [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", PIXELS])],
                [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
                constants)


def write_garbage_model(path: pathlib.Path) -> pathlib.Path:
    # Not a protobuf at all: OpenCV says "Failed to parse ONNX model". (An empty file would
    # parse as an empty message and fail later, on "model_proto.has_graph()".)
    pathlib.Path(path).write_bytes(b"this is not an ONNX model\n" + bytes(range(256)))
    return pathlib.Path(path)


def write_logits_model(path: pathlib.Path, weights: np.ndarray = LOGITS_WEIGHTS,
                       bias: np.ndarray = LOGITS_BIAS) -> pathlib.Path:
    """"features" [N,k] -> MatMul + Add -> "logits" [N,m], no softmax: expected = logits(x)."""
    from onnx import TensorProto, helper, numpy_helper

    weights, bias = np.asarray(weights, np.float32), np.asarray(bias, np.float32)
    nodes = [helper.make_node("MatMul", ["features", "weights"], ["product"]),
             helper.make_node("Add", ["product", "bias"], ["logits"])]
    inputs, outputs = weights.shape
    return save(path, "logits", nodes,
                [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", inputs])],
                [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", outputs])],
                [numpy_helper.from_array(weights, "weights"),
                 numpy_helper.from_array(bias, "bias")])


def logits(features: np.ndarray, weights: np.ndarray = LOGITS_WEIGHTS,
           bias: np.ndarray = LOGITS_BIAS) -> np.ndarray:
    """What write_logits_model's graph computes, in numpy (float32 rows)."""
    return np.asarray(features, np.float32) @ np.asarray(weights, np.float32) + bias


def softmax(rows: np.ndarray) -> np.ndarray:
    shifted = np.exp(rows - rows.max(axis=-1, keepdims=True))  # shifted: no overflow
    return shifted / shifted.sum(axis=-1, keepdims=True)


def write_two_input_model(path: pathlib.Path) -> pathlib.Path:
    """Inputs "a" [N,4] and "b" [N,4], output "sum" = a + b [N,4]."""
    from onnx import TensorProto, helper

    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 4]) for name in "ab"]
    return save(path, "two_inputs", [helper.make_node("Add", ["a", "b"], ["sum"])], inputs,
                [helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["N", 4])])


def forward(net, inputs: dict[str, np.ndarray]) -> np.ndarray:
    for name, blob in inputs.items():
        net.setInput(np.ascontiguousarray(blob, np.float32), name)
    return net.forward()


def self_check(directory: pathlib.Path) -> None:
    """Each model's promised behaviour under OpenCV's dnn; raises AssertionError if one breaks."""
    import cv2

    rows = np.random.default_rng(3).uniform(0, 16, size=(7, PIXELS))
    fixed = cv2.dnn.readNetFromONNX(str(write_fixed_batch_model(directory / "fixed.onnx")))
    assert forward(fixed, {"pixels": rows[:1]}).shape == (1, 10)
    for batch in (2, 7):
        try:
            forward(fixed, {"pixels": rows[:batch]})
            raise AssertionError(f"fixed-batch model ran a batch of {batch}")
        except cv2.error as exc:
            assert FIXED_BATCH_ERROR in str(exc), str(exc)
    assert forward(fixed, {"pixels": rows[:1]}).shape == (1, 10)  # the net survives the error
    try:
        cv2.dnn.readNetFromONNX(str(write_garbage_model(directory / "garbage.onnx")))
        raise AssertionError("OpenCV loaded the garbage model")
    except cv2.error as exc:
        assert "Failed to parse ONNX model" in str(exc), str(exc)
    features = rows[:, :4]
    net = cv2.dnn.readNetFromONNX(str(write_logits_model(directory / "logits.onnx")))
    assert np.allclose(forward(net, {"features": features}), logits(features), atol=1e-5)
    net = cv2.dnn.readNetFromONNX(str(write_two_input_model(directory / "two.onnx")))
    assert np.allclose(forward(net, {"a": features, "b": rows[:, 4:8]}), features + rows[:, 4:8])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        self_check(pathlib.Path(tmp))
    log.info("all models behave as described under OpenCV's dnn")
    sys.exit(0)
