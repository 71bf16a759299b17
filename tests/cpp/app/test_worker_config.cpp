// WORKER.yaml: a good file read whole, and each mistake refused with its place and a way out.
#include "ferry/app/config_error.hpp"
#include "ferry/app/worker_config.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace ferry;
using ferry::app::ConfigError;
using ferry::app::load_worker_spec;

namespace {

const char* good = R"(processes: 3
threads: 2
models:
  - type: digits.classify
    model: models/digits.onnx
    max_batch: 128
    max_delay_ms: 5
    inputs:
      - {field: image.pixels, tensor: pixels, shape: [8, 8]}
    outputs:
      - tensor: probabilities
        fields: {label: argmax, confidence: max, scores: raw}
        labels: [zero, one]
)";

std::string with_model_line(const std::string& model_line) {
    std::string text = good;
    const auto at = text.find("    model: models/digits.onnx");
    return text.replace(at, std::string("    model: models/digits.onnx").size(), model_line);
}

} // namespace

TEST_CASE("a worker file is read whole, the model path resolved beside the file") {
    test::TempDir dir;
    const auto spec = load_worker_spec(dir.write("worker.yaml", good));
    CHECK(spec.processes == 3);
    CHECK(spec.threads == 2);
    REQUIRE(spec.models.size() == 1);
    const auto& model = spec.models[0];
    CHECK(model.type == "digits.classify");
    CHECK(model.model == dir.root() + "/models/digits.onnx");
    CHECK(model.max_batch == 128);
    CHECK(model.max_delay_ms == 5U);
    REQUIRE(model.inputs.size() == 1);
    CHECK(model.inputs[0].path == std::vector<std::string>{"image", "pixels"});
    CHECK(model.inputs[0].shape == std::vector<std::uint32_t>{8, 8});
    REQUIRE(model.outputs[0].fields.size() == 3);
    CHECK(model.outputs[0].fields[2].name == "scores");
    CHECK(model.outputs[0].fields[2].kind == worker::OutputKind::raw);
    CHECK(model.outputs[0].labels == std::vector<std::string>{"zero", "one"});
    CHECK(worker::worker_credit(spec) == 256); // 128 x prefetch 2, above the floor of 32
}

TEST_CASE("the model path expands ${VAR} and ${VAR:-default}") {
    test::TempDir dir;
    ::setenv("FERRY_TEST_MODELS", "/srv/models", 1);
    auto spec = load_worker_spec(
        dir.write("a.yaml", with_model_line("    model: ${FERRY_TEST_MODELS}/m.onnx")));
    CHECK(spec.models[0].model == "/srv/models/m.onnx");
    ::unsetenv("FERRY_TEST_MODELS");
    spec = load_worker_spec(
        dir.write("b.yaml", with_model_line("    model: ${FERRY_TEST_MODELS:-/opt}/m.onnx")));
    CHECK(spec.models[0].model == "/opt/m.onnx");
    CHECK_THROWS_WITH(load_worker_spec(dir.write(
                          "c.yaml", with_model_line("    model: ${FERRY_TEST_MODELS}/m.onnx"))),
                      Catch::Contains("c.yaml:5") && Catch::Contains("FERRY_TEST_MODELS") &&
                          Catch::Contains("not set"));
}

TEST_CASE("an unknown key is refused with its place and the nearest known key") {
    test::TempDir dir;
    std::string text = good;
    text.replace(text.find("max_batch"), 9, "max_batc");
    CHECK_THROWS_WITH(load_worker_spec(dir.write("w.yaml", text)),
                      Catch::Contains("w.yaml:6") && Catch::Contains("max_batc") &&
                          Catch::Contains("max_batch"));
}

TEST_CASE("an output kind the worker does not know names the kinds it does") {
    test::TempDir dir;
    std::string text = good;
    text.replace(text.find("label: argmax"), 13, "label: argmin");
    CHECK_THROWS_WITH(load_worker_spec(dir.write("w.yaml", text)),
                      Catch::Contains("argmin") && Catch::Contains("softmax_max"));
}

TEST_CASE("a shape that is missing, empty or not positive integers is refused") {
    test::TempDir dir;
    for (const std::string shape : {"shape: []", "shape: [0]", "shape: [8, x]", "shape: [-1]"}) {
        std::string text = good;
        text.replace(text.find("shape: [8, 8]"), 13, shape);
        CAPTURE(shape);
        CHECK_THROWS_AS(load_worker_spec(dir.write("w.yaml", text)), ConfigError);
    }
    std::string text = good;
    text.replace(text.find(", shape: [8, 8]"), 15, "");
    CHECK_THROWS_WITH(load_worker_spec(dir.write("w.yaml", text)),
                      Catch::Contains("'shape' is required"));
}

TEST_CASE("a file without models, or with one type twice, is refused") {
    test::TempDir dir;
    CHECK_THROWS_WITH(load_worker_spec(dir.write("empty.yaml", "processes: 2\n")),
                      Catch::Contains("needs 'models'"));
    std::string text = good;
    text += text.substr(text.find("  - type:"));
    CHECK_THROWS_WITH(load_worker_spec(dir.write("twice.yaml", text)),
                      Catch::Contains("served by two models"));
}

TEST_CASE("a model with several inputs needs each one's tensor name") {
    test::TempDir dir;
    std::string text = good;
    const std::string line = "      - {field: image.pixels, tensor: pixels, shape: [8, 8]}";
    text.replace(text.find(line), line.size(),
                 "      - {field: a, shape: [4]}\n      - {field: b, tensor: b, shape: [4]}");
    CHECK_THROWS_WITH(load_worker_spec(dir.write("w.yaml", text)),
                      Catch::Contains("several inputs") && Catch::Contains("'tensor'"));
}
