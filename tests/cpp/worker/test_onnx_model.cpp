// A model file that is missing or is not ONNX stops the worker with a message naming it.
#include "ferry/worker/onnx_model.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::worker;

namespace {

ModelSpec spec_for(const std::string& path) {
    ModelSpec spec;
    spec.type = "digits.classify";
    spec.model = path;
    spec.origin = "worker.yaml:3:5";
    spec.inputs.push_back({"pixels", {"pixels"}, "", {64}, "worker.yaml:6:9"});
    spec.outputs.push_back({"", {{"label", OutputKind::argmax}}, {}});
    return spec;
}

} // namespace

TEST_CASE("a missing model file is named with its job type and place") {
    ferry::test::TempDir dir;
    const auto spec = spec_for(dir.path("absent.onnx"));
    CHECK_THROWS_WITH(OnnxModel(spec), Catch::Contains(dir.path("absent.onnx")) &&
                                           Catch::Contains("does not exist") &&
                                           Catch::Contains("digits.classify") &&
                                           Catch::Contains("worker.yaml:3:5"));
}

TEST_CASE("a file that is not ONNX is refused naming the file and the engine's complaint") {
    ferry::test::TempDir dir;
    const auto spec = spec_for(dir.write("garbage.onnx", "this is not a protobuf"));
    CHECK_THROWS_WITH(OnnxModel(spec), Catch::Contains("garbage.onnx") &&
                                           Catch::Contains("not an ONNX model OpenCV can import"));
}

TEST_CASE("a directory given as the model is refused") {
    ferry::test::TempDir dir;
    const auto spec = spec_for(dir.root());
    CHECK_THROWS_WITH(OnnxModel(spec), Catch::Contains("is not a regular file"));
}
