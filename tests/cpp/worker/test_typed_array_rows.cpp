// The typed-array golden vectors (schemas/vectors/values/typed_arrays.json) as the native worker
// reads them: each valid array fills a row with exactly its values, each malformed one fails the
// job with the vector's own description.
#include "ferry/worker/tensor_input.hpp"
#include "hex_bytes.hpp"
#include "worker/payload_builder.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace ferry;
using namespace ferry::worker;

namespace {

using test::from_hex;

// The vector's values flattened row-major as float32, and its shape.
void flatten(simdjson::dom::element value, std::vector<float>& out,
             std::vector<std::uint32_t>& shape, std::size_t depth) {
    if (value.is_array()) {
        const auto list = value.get_array().value_unsafe();
        if (shape.size() == depth)
            shape.push_back(static_cast<std::uint32_t>(list.size()));
        for (auto element : list)
            flatten(element, out, shape, depth + 1);
        return;
    }
    if (value.is_bool())
        out.push_back(value.get_bool().value() ? 1.0F : 0.0F);
    else if (value.is_int64())
        out.push_back(static_cast<float>(value.get_int64().value()));
    else if (value.is_uint64())
        out.push_back(static_cast<float>(value.get_uint64().value()));
    else
        out.push_back(static_cast<float>(value.get_double().value()));
}

} // namespace

TEST_CASE("every typed-array vector fills a row with its values or fails with its description") {
    simdjson::dom::parser parser;
    simdjson::dom::element cases =
        parser.load(FERRY_SOURCE_DIR "/schemas/vectors/values/typed_arrays.json");
    std::size_t filled = 0, refused = 0;
    for (simdjson::dom::element c : cases.get_array()) {
        CAPTURE(std::string(c["name"].get_string().value()));
        const std::string payload =
            test::payload_with("x", from_hex(c["msgpack"].get_string().value()));
        if (c["error"].error() == simdjson::SUCCESS) {
            const std::string problem = check_input(test::input_for("x", {1}), Payload(payload));
            CHECK_THAT(problem, Catch::Contains("malformed typed array") &&
                                    Catch::Contains(std::string(c["error"].get_string().value())));
            ++refused;
            continue;
        }
        std::vector<float> expected;
        std::vector<std::uint32_t> shape;
        flatten(c["values"].value(), expected, shape, 0);
        if (expected.empty())
            continue; // an empty array has no row to fill; its shape has a zero
        const auto input = test::input_for("x", shape);
        const Payload decoded(payload);
        REQUIRE(check_input(input, decoded).empty());
        std::vector<float> row(expected.size(), -7.0F);
        fill_row(input, decoded, row.data());
        CHECK(row == expected);
        ++filled;
    }
    CHECK(filled >= 11);
    CHECK(refused >= 5);
}
