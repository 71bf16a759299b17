"""The digits MLP exported to ONNX gives scikit-learn's answers when OpenCV's dnn runs it."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the digits example needs python3-sklearn")
onnx = pytest.importorskip("onnx", reason="the ONNX export needs python3-onnx")
cv2 = pytest.importorskip("cv2", reason="the ONNX check needs python3-opencv")

DIGITS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "digits"
sys.path.insert(0, str(DIGITS))  # the example's modules import their siblings by name
import digits_data  # noqa: E402
import export_onnx  # noqa: E402

DEBIAN_PYTHON = "/usr/bin/python3"  # has scikit-learn; the python on PATH may not


def run_python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DEBIAN_PYTHON, *args], capture_output=True, text=True, timeout=120,
                          cwd=DIGITS, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def split() -> digits_data.Split:
    return digits_data.load_split()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> pathlib.Path:
    """A model directory as train.py leaves it: the joblib and the checked ONNX beside it."""
    models = tmp_path_factory.mktemp("models")
    done = run_python(str(DIGITS / "train.py"), "--model-dir", str(models))
    assert done.returncode == 0, done.stderr
    return models


@pytest.fixture(scope="module")
def model(trained: pathlib.Path):
    return export_onnx.load_model(trained)


def small_mlp(split: digits_data.Split, activation: str = "relu", scaler=None):
    """Two small hidden layers, few iterations: fitted in well under a second."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    mlp = MLPClassifier(hidden_layer_sizes=(24, 12), activation=activation, max_iter=60,
                        random_state=1)
    model = make_pipeline(scaler, mlp) if scaler is not None else mlp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(split.train_x, split.train_y)


def dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_train_writes_the_onnx_model_beside_the_joblib(trained: pathlib.Path) -> None:
    names = sorted(path.name for path in trained.iterdir())
    assert names == ["digits-mlp.onnx", "digits-sklearn.joblib"]


def test_the_graph_takes_a_batch_of_64_raw_pixels_and_gives_10_probabilities(
        trained: pathlib.Path) -> None:
    graph = onnx.load(str(trained / digits_data.ONNX_MODEL)).graph
    (pixels,), (probabilities,) = graph.input, graph.output
    assert pixels.name == "pixels" and probabilities.name == "probabilities"
    assert dims(pixels) == ["N", 64] and dims(probabilities) == ["N", 10]
    assert pixels.type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_the_exported_model_agrees_with_scikit_learn_on_the_held_out_split(
        model, split: digits_data.Split, tmp_path: pathlib.Path) -> None:
    path = export_onnx.export(model, tmp_path / "digits-mlp.onnx")
    result = export_onnx.check(path, model, split)
    assert result.rows == len(split.test_y) == 540
    assert result.agreement >= 0.999
    assert result.max_abs_diff < 1e-4
    assert result.passed


def test_opencv_runs_batches_of_1_7_and_256_with_the_same_rows_as_one_big_batch(
        trained: pathlib.Path, split: digits_data.Split) -> None:
    net = cv2.dnn.readNetFromONNX(str(trained / digits_data.ONNX_MODEL))
    images = split.test_x.astype(np.float32)
    net.setInput(images)
    whole = net.forward().copy()
    for batch in (1, 7, 256, 1):
        net.setInput(images[:batch])
        rows = net.forward()
        assert rows.shape == (batch, 10)
        np.testing.assert_allclose(rows, whole[:batch], atol=1e-6)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
def test_each_hidden_activation_is_exported_faithfully(
        activation: str, split: digits_data.Split, tmp_path: pathlib.Path) -> None:
    model = small_mlp(split, activation)
    result = export_onnx.export_checked(model, split, tmp_path / "m.onnx")
    assert result.agreement >= 0.999 and result.max_abs_diff < 1e-4


@pytest.mark.parametrize("scaler_name", ["StandardScaler", "MinMaxScaler", "MaxAbsScaler"])
def test_a_pipeline_scaler_is_folded_so_the_graph_takes_raw_pixels(
        scaler_name: str, split: digits_data.Split, tmp_path: pathlib.Path) -> None:
    from sklearn import preprocessing

    model = small_mlp(split, scaler=getattr(preprocessing, scaler_name)())
    result = export_onnx.export_checked(model, split, tmp_path / "m.onnx")
    assert result.agreement >= 0.999 and result.max_abs_diff < 1e-4
    graph = onnx.load(str(tmp_path / "m.onnx")).graph
    assert graph.node[0].op_type == "MatMul" and graph.node[0].input[0] == "pixels"


def test_an_unsupported_pipeline_step_is_refused_by_name(split: digits_data.Split) -> None:
    from sklearn.decomposition import PCA

    model = small_mlp(split, scaler=PCA(n_components=64))
    with pytest.raises(export_onnx.ExportError, match="cannot fold pipeline step PCA"):
        export_onnx.build(model)


def test_a_model_that_fails_the_check_is_not_put_in_place(
        model, split: digits_data.Split, tmp_path: pathlib.Path, monkeypatch) -> None:
    other = small_mlp(split, "identity")
    graph_of_other = export_onnx.build(other)
    monkeypatch.setattr(export_onnx, "build", lambda _: graph_of_other)
    with pytest.raises(export_onnx.CheckFailed, match="disagrees with scikit-learn") as failed:
        export_onnx.export_checked(model, split, tmp_path / "digits-mlp.onnx")
    assert failed.value.result.max_abs_diff >= 1e-4
    assert list(tmp_path.iterdir()) == []  # neither the model nor its temp file


def test_the_cli_prints_the_figures_as_json(trained: pathlib.Path) -> None:
    done = run_python(str(DIGITS / "export_onnx.py"), "--model-dir", str(trained), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert sorted(figures) == ["agreement", "max_abs_diff", "path", "rows"]
    assert figures["agreement"] >= 0.999 and figures["max_abs_diff"] < 1e-4
    assert figures["rows"] == 540
    assert figures["path"] == str(trained / "digits-mlp.onnx")
    assert "labels agree on" in done.stderr


def test_the_cli_without_a_trained_model_exits_2_naming_the_train_command(
        tmp_path: pathlib.Path) -> None:
    empty = tmp_path / "empty"
    done = run_python(str(DIGITS / "export_onnx.py"), "--model-dir", str(empty), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"examples/digits/train.py --model-dir {empty}" in done.stderr


def test_the_cli_without_opencv_exits_2_naming_the_debian_package(trained: pathlib.Path) -> None:
    hide_cv2 = ("import sys; sys.modules['cv2'] = None; import export_onnx; "
                "sys.exit(export_onnx.main(sys.argv[1:]))")
    done = run_python("-c", hide_cv2, "--model-dir", str(trained))
    assert done.returncode == 2
    assert "apt-get install python3-opencv" in done.stderr
