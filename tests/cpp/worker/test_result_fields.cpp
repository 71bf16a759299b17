// Output rows to result fields: argmax (or its label), the top value, softmax, raw rows.
#include "ferry/wire/typed_array.hpp"
#include "ferry/worker/result_fields.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <msgpack.hpp>

using namespace ferry;
using namespace ferry::worker;

namespace {

cv::Mat two_rows() {
    cv::Mat tensor(2, 3, CV_32F);
    const float values[6] = {0.1F, 0.7F, 0.2F, 2.0F, 1.0F, 0.0F};
    std::memcpy(tensor.ptr<float>(), values, sizeof values);
    return tensor;
}

// The result map of `row` as a decoded object kept alive by `handle`.
std::map<std::string, msgpack::object> result_of(const std::vector<OutputSpec>& outputs,
                                                 const cv::Mat& tensor, int row,
                                                 msgpack::object_handle& handle) {
    std::string bytes;
    append_result(outputs, {tensor}, row, bytes);
    handle = msgpack::unpack(bytes.data(), bytes.size());
    return handle.get().as<std::map<std::string, msgpack::object>>();
}

std::vector<float> floats_of(const msgpack::object& value) {
    REQUIRE(value.type == msgpack::type::EXT);
    wire::TypedArrayView view;
    REQUIRE(wire::parse_typed_array({value.via.ext.data(), value.via.ext.size}, view).empty());
    CHECK(std::string(view.dtype->name) == "float32");
    std::vector<float> out(view.elements.size() / 4);
    std::memcpy(out.data(), view.elements.data(), view.elements.size());
    return out;
}

} // namespace

TEST_CASE("argmax and max give each job its own row's winner") {
    const std::vector<OutputSpec> outputs{
        {"", {{"label", OutputKind::argmax}, {"confidence", OutputKind::max}}, {}}};
    msgpack::object_handle handle;
    auto first = result_of(outputs, two_rows(), 0, handle);
    CHECK(first.at("label").as<int>() == 1);
    CHECK(first.at("confidence").as<double>() == Approx(0.7));
    auto second = result_of(outputs, two_rows(), 1, handle);
    CHECK(second.at("label").as<int>() == 0);
    CHECK(second.at("confidence").as<double>() == Approx(2.0));
}

TEST_CASE("labels name the argmax, and softmax_max is the top softmax probability") {
    const std::vector<OutputSpec> outputs{
        {"",
         {{"label", OutputKind::argmax}, {"p", OutputKind::softmax_max}},
         {"cat", "dog", "eel"}}};
    msgpack::object_handle handle;
    auto result = result_of(outputs, two_rows(), 1, handle);
    CHECK(result.at("label").as<std::string>() == "cat");
    const double sum = std::exp(2.0) + std::exp(1.0) + std::exp(0.0);
    CHECK(result.at("p").as<double>() == Approx(std::exp(2.0) / sum).epsilon(1e-6));
}

TEST_CASE("raw and softmax rows travel as float32 typed arrays of the row's shape") {
    const std::vector<OutputSpec> outputs{
        {"", {{"scores", OutputKind::raw}, {"probs", OutputKind::softmax}}, {}}};
    msgpack::object_handle handle;
    auto result = result_of(outputs, two_rows(), 0, handle);
    CHECK(floats_of(result.at("scores")) == std::vector<float>{0.1F, 0.7F, 0.2F});
    const auto probs = floats_of(result.at("probs"));
    REQUIRE(probs.size() == 3);
    CHECK(probs[0] + probs[1] + probs[2] == Approx(1.0));
    CHECK(probs[1] > probs[2]);
    CHECK(probs[2] > probs[0]);
}

TEST_CASE("an output without one row per job is named, not read past its end") {
    const std::vector<OutputSpec> outputs{{"probabilities", {{"label", OutputKind::argmax}}, {}}};
    CHECK_THAT(check_outputs(outputs, {two_rows()}, 3),
               Catch::Contains("'probabilities' has 2 rows for a batch of 3"));
    CHECK(check_outputs(outputs, {two_rows()}, 2).empty());
    cv::Mat ints(2, 3, CV_32S);
    CHECK_THAT(check_outputs(outputs, {ints}, 2), Catch::Contains("not float32"));
}
