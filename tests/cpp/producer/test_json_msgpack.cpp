// JSON <-> MessagePack: types survive the round trip, strings are escaped, bins become base64.
#include "ferry/producer/json_msgpack.hpp"

#include <catch2/catch.hpp>

using namespace ferry::producer;

namespace {

std::string round_trip(const std::string& json) {
    simdjson::dom::parser parser;
    std::string packed = json_to_msgpack(parser.parse(json));
    std::string out;
    append_json_from_msgpack(packed, out);
    return out;
}

} // namespace

TEST_CASE("JSON values keep their types through MessagePack") {
    CHECK(round_trip(R"({"a":[1,-2,3.5,true,null,"x"],"b":{"c":1.0}})") ==
          R"({"a":[1,-2,3.5,true,null,"x"],"b":{"c":1.0}})");
}

TEST_CASE("control characters and quotes are escaped") {
    std::string out;
    append_json_string("a\"b\\c\nd\x01", out);
    CHECK(out == R"("a\"b\\c\nd\u0001")");
}

TEST_CASE("a bin value is written as base64") {
    std::string out;
    append_json_from_msgpack(std::string("\xc4\x03"
                                         "abc",
                                         5),
                             out);
    CHECK(out == "\"YWJj\"");
}

TEST_CASE("undecodable bytes become a message, not an exception") {
    std::string out;
    append_json_from_msgpack(std::string("\xdc\xff", 2), out);
    CHECK_THAT(out, Catch::Contains("undecodable"));
}
