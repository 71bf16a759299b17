// Typed arrays: JSON lists packed into the ext layout of PROTOCOL.md, bad values refused with
// the element named, ext data rendered back as JSON lists, malformed ext data described.
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/producer/typed_array.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>

using namespace ferry::producer;

namespace {

// Packs `json` as a typed array of `dtype`; the problem, or "" with the bytes in `out`.
std::string pack(const std::string& json, ArrayDtype dtype, std::string& out) {
    simdjson::dom::parser parser;
    return append_typed_array(parser.parse(json), dtype, out);
}

// The ext data (after the ext header) of a packed array.
std::string ext_data(const std::string& packed) {
    msgpack::object_handle handle = msgpack::unpack(packed.data(), packed.size());
    const msgpack::object& value = handle.get();
    REQUIRE(value.type == msgpack::type::EXT);
    CHECK(value.via.ext.type() == typed_array_ext_type);
    return std::string(value.via.ext.data(), value.via.ext.size);
}

std::string rendered(const std::string& packed) {
    std::string out;
    append_json_from_msgpack(packed, out);
    return out;
}

std::string problem_of(const std::string& json, ArrayDtype dtype) {
    std::string out = "keep";
    std::string problem = pack(json, dtype, out);
    CHECK(out == "keep"); // a refused value leaves nothing behind
    return problem;
}

} // namespace

TEST_CASE("a uint8 list packs as dtype code, rank, shape and one byte per element") {
    std::string out;
    REQUIRE(pack("[0,16,255]", ArrayDtype::uint8, out).empty());
    CHECK(ext_data(out) == std::string("\x03\x01\x03\x00\x00\x00\x00\x10\xff", 9));
    CHECK(rendered(out) == "[0,16,255]");
}

TEST_CASE("every packable dtype writes little-endian elements and renders back") {
    struct Case {
        ArrayDtype dtype;
        std::string json;
        std::size_t element_bytes;
    };
    const Case cases[] = {
        {ArrayDtype::bool_, "[true,false]", 1},
        {ArrayDtype::int8, "[-128,127]", 1},
        {ArrayDtype::uint8, "[0,255]", 1},
        {ArrayDtype::int16, "[-32768,32767]", 2},
        {ArrayDtype::uint16, "[0,65535]", 2},
        {ArrayDtype::int32, "[-2147483648,2147483647]", 4},
        {ArrayDtype::uint32, "[0,4294967295]", 4},
        {ArrayDtype::int64, "[-9223372036854775808,9223372036854775807]", 8},
        {ArrayDtype::uint64, "[0,18446744073709551615]", 8},
        {ArrayDtype::float32, "[0.5,-2.25]", 4},
        {ArrayDtype::float64, "[0.1,-1e+300]", 8},
    };
    for (const Case& c : cases) {
        CAPTURE(dtype_name(c.dtype));
        std::string out;
        REQUIRE(pack(c.json, c.dtype, out).empty());
        const std::string data = ext_data(out);
        CHECK(static_cast<std::uint8_t>(data[0]) == static_cast<std::uint8_t>(c.dtype));
        CHECK(data.size() == 2 + 4 + 2 * c.element_bytes);
        CHECK(rendered(out) == c.json);
    }
}

TEST_CASE("a float64 element is stored as its IEEE bytes, least significant first") {
    std::string out;
    REQUIRE(pack("[1.0]", ArrayDtype::float64, out).empty());
    CHECK(ext_data(out).substr(6) == std::string("\0\0\0\0\0\0\xf0\x3f", 8));
}

TEST_CASE("integers in a float array become floats") {
    std::string out;
    REQUIRE(pack("[1,2]", ArrayDtype::float32, out).empty());
    CHECK(rendered(out) == "[1.0,2.0]");
}

TEST_CASE("nested lists pack as rank 2 in row-major order") {
    std::string out;
    REQUIRE(pack("[[1,2,3],[4,5,6]]", ArrayDtype::int16, out).empty());
    const std::string data = ext_data(out);
    CHECK(data.substr(0, 10) == std::string("\x04\x02\x02\x00\x00\x00\x03\x00\x00\x00", 10));
    CHECK(data.substr(10, 4) == std::string("\x01\x00\x02\x00", 4));
    CHECK(rendered(out) == "[[1,2,3],[4,5,6]]");
}

TEST_CASE("empty lists keep their shape") {
    std::string out;
    REQUIRE(pack("[[],[]]", ArrayDtype::uint8, out).empty());
    CHECK(rendered(out) == "[[],[]]");
}

TEST_CASE("values that do not fit the dtype are refused with the element named") {
    CHECK(problem_of("[1,2.5]", ArrayDtype::uint8) ==
          "element [1] is 2.5, not an integer as uint8 needs");
    CHECK(problem_of("[0,256]", ArrayDtype::uint8) ==
          "element [1] is 256, out of range for uint8 (0..255)");
    CHECK(problem_of("[-1]", ArrayDtype::uint32) ==
          "element [0] is -1, out of range for uint32 (0..4294967295)");
    CHECK(problem_of("[128]", ArrayDtype::int8) ==
          "element [0] is 128, out of range for int8 (-128..127)");
    CHECK(problem_of("[1e39]", ArrayDtype::float32) ==
          "element [0] is 1e+39, out of range for float32 (-3.4e38..3.4e38)");
    CHECK(problem_of("[[1,2],[3]]", ArrayDtype::int32) ==
          "ragged lists: element [1] has 1 items, the first list at that depth has 2");
    CHECK(problem_of("[[1,2],3]", ArrayDtype::int32) ==
          "element [1] is a number where a list of 2 was expected");
    CHECK(problem_of("[1,[2]]", ArrayDtype::int32) == "element [1] is a list, not a number");
    CHECK(problem_of("[1,\"2\"]", ArrayDtype::int32) == "element [1] is a string, not a number");
    CHECK(problem_of("[null]", ArrayDtype::float64) == "element [0] is null, not a number");
    CHECK(problem_of("[true]", ArrayDtype::uint8) == "element [0] is a bool, not a number");
    CHECK(problem_of("[1]", ArrayDtype::bool_) ==
          "element [0] is a number; a bool array takes true and false");
    CHECK(problem_of("{\"a\":1}", ArrayDtype::uint8) == "must be a list of numbers, not an object");
    CHECK(problem_of("[1]", ArrayDtype::float16) ==
          "float16 arrays cannot be packed from JSON; use float32");
}

TEST_CASE("a declared payload field is packed as a typed array, the others as they are") {
    simdjson::dom::parser parser;
    std::string out;
    const ArrayFields arrays = {{"pixels", ArrayDtype::uint8}};
    REQUIRE(
        append_msgpack(parser.parse(std::string(R"({"pixels":[1,2],"note":[1,2]})")), arrays, out)
            .empty());
    CHECK(rendered(out) == R"({"pixels":[1,2],"note":[1,2]})");
    msgpack::object_handle handle = msgpack::unpack(out.data(), out.size());
    const msgpack::object_kv* fields = handle.get().via.map.ptr;
    CHECK(fields[0].val.type == msgpack::type::EXT);
    CHECK(fields[1].val.type == msgpack::type::ARRAY);
}

TEST_CASE("a declared payload field that does not fit names the field and leaves out as it was") {
    simdjson::dom::parser parser;
    std::string out = "before";
    const ArrayFields arrays = {{"pixels", ArrayDtype::uint8}};
    const std::string problem =
        append_msgpack(parser.parse(std::string(R"({"pixels":[1,-2]})")), arrays, out);
    CHECK(problem == "payload field \"pixels\" (declared uint8 in input.arrays): element [1] is "
                     "-2, out of range for uint8 (0..255)");
    CHECK(out == "before");
}

TEST_CASE("malformed typed-array data is rendered as a message saying what is wrong") {
    CHECK(typed_array_problem(std::string("\x03", 1)) == "1 bytes, shorter than the 2-byte header");
    CHECK(typed_array_problem(std::string("\x63\x01\x01\x00\x00\x00\x00", 7)) ==
          "unknown dtype code 99");
    CHECK(typed_array_problem(std::string("\x03\x21", 2)) == "rank 33 is above the limit of 32");
    CHECK(typed_array_problem(std::string("\x03\x02\x01\x00\x00\x00", 6)) ==
          "6 bytes, shorter than the header of rank 2 (10)");
    CHECK(typed_array_problem(std::string("\x06\x01\x02\x00\x00\x00\x01\x00\x00\x00", 10)) ==
          "4 element bytes where shape and int32 need 8");
    std::string out;
    append_typed_array_json(std::string("\x63\x00", 2), out);
    CHECK(out == "\"<malformed typed array: unknown dtype code 99>\"");
}

// uint8 ext data of `shape` and no elements (the shape must hold a zero).
std::string empty_array(std::initializer_list<std::uint32_t> shape) {
    std::string data{'\x03', static_cast<char>(shape.size())};
    for (std::uint32_t dim : shape)
        for (int i = 0; i < 4; ++i)
            data.push_back(static_cast<char>(dim >> (8 * i)));
    return data;
}

TEST_CASE("an empty array renders at most max_batch empty lists and is malformed beyond that") {
    std::string out;
    append_typed_array_json(empty_array({2, 3, 0, 4000000000u}), out);
    CHECK(out == "[[[],[],[]],[[],[],[]]]");
    out.clear();
    append_typed_array_json(empty_array({65536, 0}), out);
    CHECK(out.size() == 2 + 65536 * 3 - 1); // [ and ], 65536 [] with commas between
    // bounded inputs: without the cap these render 65537 and 90000 lists, not billions
    out.clear();
    append_typed_array_json(empty_array({65537, 0}), out);
    CHECK(out == "\"<malformed typed array: shape [65537, 0] renders more than 65536 empty lists "
                 "(limits.max_batch)>\"");
    out.clear();
    append_typed_array_json(empty_array({300, 300, 0, 7}), out);
    CHECK(out.starts_with("\"<malformed typed array: shape [300, 300, 0, 7] renders more than"));
    CHECK(typed_array_problem(empty_array({65537, 0})).empty()); // well formed on the wire
}

TEST_CASE("float16 and rank 0 arrays from workers render as JSON numbers") {
    std::string out;
    append_typed_array_json(std::string("\x0a\x02\x01\x00\x00\x00\x03\x00\x00\x00"
                                        "\x00\x3c\x00\xc0\x00\x7c",
                                        16),
                            out);
    CHECK(out == "[[1.0,-2.0,null]]");
    out.clear();
    append_typed_array_json(std::string("\x08\x00\xfe\xff\xff\xff\xff\xff\xff\xff", 10), out);
    CHECK(out == "-2");
}

TEST_CASE("the direct MessagePack writer produces the bytes msgpack-c's packer does") {
    const std::string json =
        R"({"i":[0,127,128,255,256,65535,65536,4294967295,4294967296,-1,-32,-33,-128,-129,)"
        R"(-32768,-32769,-2147483648,-2147483649,18446744073709551615],"s":[")" +
        std::string(31, 'a') + "\",\"" + std::string(32, 'b') + "\",\"" + std::string(256, 'c') +
        R"("],"b":[true,false,null]})";
    simdjson::dom::parser parser;
    const std::string ours = json_to_msgpack(parser.parse(json));
    // msgpack-c's own encoding of the same value, unpacked from our bytes and packed again
    msgpack::object_handle handle = msgpack::unpack(ours.data(), ours.size());
    msgpack::sbuffer theirs;
    msgpack::pack(theirs, handle.get());
    CHECK(ours == std::string(theirs.data(), theirs.size()));
}
