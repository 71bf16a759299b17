// The JSON syntax walker names the first bad byte, and agrees with simdjson on validity.
#include "ferry/http/json_syntax.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using ferry::http::json_syntax_error;

namespace {

// Every text simdjson refuses must be placed by the walker, and every text simdjson takes must be
// valid to the walker too: the two never disagree on validity.
bool simdjson_accepts(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    return parser.parse(std::string(text)).get(element) == simdjson::SUCCESS;
}

} // namespace

TEST_CASE("valid JSON has no syntax error") {
    for (const std::string_view text :
         {"0", "-0.5e+10", " {\"a\": [1, 2, {\"b\": null}], \"c\": \"\\u00e9\\n\"} ", "[]", "{}",
          "\"na\xc3\xafve \xf0\x9d\x84\x9e\"", "true", "false", "null", "[[[[]]]]"}) {
        CAPTURE(text);
        CHECK(json_syntax_error(text).offset == std::string_view::npos);
        CHECK(simdjson_accepts(text));
    }
}

TEST_CASE("the first bad byte is named") {
    struct Case {
        std::string_view text;
        std::size_t offset;
    };
    for (const auto& [text, offset] :
         {Case{"{\"a\": 1,}", 8}, Case{"[1 2]", 3}, Case{"{\"a\" 1}", 5}, Case{"tru", 3},
          Case{"[01]", 2}, Case{"\"abc", 4}, Case{"\"a\\qb\"", 3}, Case{"1 2", 2}, Case{"", 0},
          Case{"[1.]", 3}, Case{"-", 1}, Case{"\"\\u12g4\"", 5}, Case{"{1: 2}", 1},
          Case{"\"\xc3\"", 1}, Case{"\"\xed\xa0\x80\"", 1}, Case{"\"\xc0\xaf\"", 1},
          Case{"[\"\x01\"]", 2}}) {
        CAPTURE(text);
        const auto error = json_syntax_error(text);
        CHECK(error.offset == offset);
        CHECK(!error.what.empty());
        CHECK_FALSE(simdjson_accepts(text));
    }
}

TEST_CASE("deep nesting is reported, not walked off the stack") {
    const std::string deep(100000, '[');
    const auto error = json_syntax_error(deep);
    CHECK(error.offset == 1025);
    CHECK(error.what.find("1024") != std::string::npos);
}
