// Payload fields into float32 rows: lists and typed arrays accepted, and every misfit refused
// with a message that names the field and both shapes.
#include "ferry/wire/typed_array.hpp"
#include "ferry/worker/tensor_input.hpp"
#include "worker/payload_builder.hpp"

#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::worker;
using test::input_for;
using test::packed;
using test::payload_with;

namespace {

std::string typed_array(wire::ArrayDtype dtype, std::vector<std::uint32_t> shape,
                        const std::string& elements) {
    std::string out;
    wire::append_typed_array(out, dtype, shape, elements);
    return out;
}

std::vector<float> row_of(const InputSpec& input, const Payload& payload) {
    std::vector<float> row(row_elements(input.shape), -1.0F);
    fill_row(input, payload, row.data());
    return row;
}

} // namespace

TEST_CASE("a list of numbers fills its row, integers and floats alike") {
    const auto input = input_for("pixels", {4});
    const Payload payload(payload_with("pixels", packed(std::vector<double>{0, 1.5, -2, 16})));
    REQUIRE(check_input(input, payload).empty());
    CHECK(row_of(input, payload) == std::vector<float>{0, 1.5F, -2, 16});
}

TEST_CASE("a nested list fills a row of rank 2 in row-major order") {
    const auto input = input_for("image", {2, 3});
    const std::vector<std::vector<int>> image{{1, 2, 3}, {4, 5, 6}};
    const Payload payload(payload_with("image", packed(image)));
    REQUIRE(check_input(input, payload).empty());
    CHECK(row_of(input, payload) == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a uint8 typed array is widened into the row without a list in between") {
    const auto input = input_for("pixels", {3});
    const std::string elements{"\x00\x10\xff", 3};
    const Payload payload(
        payload_with("pixels", typed_array(wire::ArrayDtype::uint8, {3}, elements)));
    REQUIRE(check_input(input, payload).empty());
    CHECK(row_of(input, payload) == std::vector<float>{0, 16, 255});
}

TEST_CASE("a float32 typed array is copied into the row as it is") {
    const auto input = input_for("x", {2});
    const float values[2] = {0.25F, -3.5F};
    const Payload payload(
        payload_with("x", typed_array(wire::ArrayDtype::float32, {2},
                                      std::string(reinterpret_cast<const char*>(values), 8))));
    REQUIRE(check_input(input, payload).empty());
    CHECK(row_of(input, payload) == std::vector<float>{0.25F, -3.5F});
}

TEST_CASE("a dotted field reaches into nested maps") {
    const auto input = input_for("image.pixels", {2});
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    packer.pack_map(1);
    packer.pack(std::string("image"));
    packer.pack_map(1);
    packer.pack(std::string("pixels"));
    packer.pack(std::vector<int>{7, 8});
    const Payload payload(std::string(buffer.data(), buffer.size()));
    REQUIRE(check_input(input, payload).empty());
    CHECK(row_of(input, payload) == std::vector<float>{7, 8});
}

TEST_CASE("a list of the wrong length names the shape it has and the shape expected") {
    const auto input = input_for("pixels", {64});
    const Payload payload(payload_with("pixels", packed(std::vector<int>(63, 1))));
    const std::string problem = check_input(input, payload);
    CHECK_THAT(problem, Catch::Contains("'pixels'") && Catch::Contains("[63]") &&
                            Catch::Contains("expects [64]"));
}

TEST_CASE("a typed array of another shape is refused with both shapes") {
    const auto input = input_for("pixels", {64});
    const Payload payload(payload_with(
        "pixels", typed_array(wire::ArrayDtype::uint8, {8, 8}, std::string(64, '\1'))));
    CHECK_THAT(check_input(input, payload), Catch::Contains("[8, 8]") && Catch::Contains("[64]"));
}

TEST_CASE("a missing field, a ragged list and a str inside a list are each refused by name") {
    const auto input = input_for("pixels", {2, 2});
    CHECK_THAT(check_input(input, Payload(payload_with("other", packed(1)))),
               Catch::Contains("has no field 'pixels'") && Catch::Contains("[2, 2]"));
    const std::vector<std::vector<int>> ragged{{1, 2}, {3}};
    CHECK_THAT(check_input(input, Payload(payload_with("pixels", packed(ragged)))),
               Catch::Contains("ragged"));
    const std::vector<std::string> words{"a", "b"};
    CHECK_THAT(
        check_input(input_for("pixels", {2}), Payload(payload_with("pixels", packed(words)))),
        Catch::Contains("a str at pixels[0]"));
}

TEST_CASE("a number where a list was expected, and a list mixing depths, are refused") {
    const auto input = input_for("pixels", {2});
    CHECK_THAT(check_input(input, Payload(payload_with("pixels", packed(5)))),
               Catch::Contains("is an integer"));
    // [1, [2, 3]]: the first element says rank 1, the second is a list
    std::string mixed = "\x92\x01\x92\x02\x03";
    CHECK_THAT(check_input(input, Payload(payload_with("pixels", mixed))),
               Catch::Contains("ragged"));
}

TEST_CASE("a payload that is not a map, or not MessagePack at all, fails with what it is") {
    const auto input = input_for("pixels", {2});
    CHECK_THAT(check_input(input, Payload(packed(std::string("text")))),
               Catch::Contains("payload (a str) has no field 'pixels'"));
    CHECK_THAT(check_input(input, Payload(std::string("\xc1", 1))),
               Catch::Contains("not one MessagePack value"));
}
