// The typed-array golden vectors (schemas/vectors/values/typed_arrays.json): the producer packs
// each valid case's values to exactly its bytes, renders the bytes back to the values, and
// describes each malformed case with the vector's text.
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/producer/typed_array.hpp"
#include "hex_bytes.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>

using namespace ferry::producer;
using simdjson::dom::element;

namespace {

using ferry::test::from_hex;

// Whether two parsed JSON values hold the same numbers in the same nesting.
bool same_values(element a, element b) {
    if (a.is_array() != b.is_array())
        return false;
    if (a.is_array()) {
        simdjson::dom::array left = a.get_array().value_unsafe();
        simdjson::dom::array right = b.get_array().value_unsafe();
        if (left.size() != right.size())
            return false;
        for (std::size_t i = 0; i < left.size(); ++i) {
            if (!same_values(left.at(i).value_unsafe(), right.at(i).value_unsafe()))
                return false;
        }
        return true;
    }
    if (a.is_bool() || b.is_bool())
        return a.is_bool() && b.is_bool() && a.get_bool().value() == b.get_bool().value();
    if (a.is_int64() && b.is_int64())
        return a.get_int64().value() == b.get_int64().value();
    if (a.is_uint64() && b.is_uint64())
        return a.get_uint64().value() == b.get_uint64().value();
    return a.get_double().value() == b.get_double().value();
}

std::string ext_data(const std::string& packed) {
    msgpack::object_handle handle = msgpack::unpack(packed.data(), packed.size());
    REQUIRE(handle.get().type == msgpack::type::EXT);
    return std::string(handle.get().via.ext.data(), handle.get().via.ext.size);
}

} // namespace

TEST_CASE("every typed-array vector packs, renders and is refused as the vectors say") {
    simdjson::dom::parser parser;
    element cases = parser.load(FERRY_SOURCE_DIR "/schemas/vectors/values/typed_arrays.json");
    std::size_t valid = 0, malformed = 0;
    for (element c : cases.get_array()) {
        CAPTURE(std::string(c["name"].get_string().value()));
        const std::string bytes = from_hex(c["msgpack"].get_string().value());
        if (c["error"].error() == simdjson::SUCCESS) {
            CHECK(typed_array_problem(ext_data(bytes)) == c["error"].get_string().value());
            ++malformed;
            continue;
        }
        const auto dtype = dtype_named(c["dtype"].get_string().value());
        REQUIRE(dtype);
        if (*dtype != ArrayDtype::float16) { // float16 is receive-only for the producer
            std::string packed;
            REQUIRE(append_typed_array(c["values"].value(), *dtype, packed).empty());
            CHECK(packed == bytes);
        }
        std::string json;
        append_json_from_msgpack(bytes, json);
        simdjson::dom::parser render_parser;
        CHECK(same_values(render_parser.parse(json).value(), c["values"].value()));
        ++valid;
    }
    CHECK(valid >= 12);
    CHECK(malformed >= 5);
}
