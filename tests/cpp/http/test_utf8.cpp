// Repairing text that is not UTF-8.
#include "ferry/http/utf8.hpp"

#include <catch2/catch.hpp>

using ferry::http::valid_utf8;

TEST_CASE("valid UTF-8 is kept as it is") {
    CHECK(valid_utf8("plain") == "plain");
    CHECK(valid_utf8("na\xc3\xafve \xe2\x98\x83 \xf0\x9d\x84\x9e") ==
          "na\xc3\xafve \xe2\x98\x83 \xf0\x9d\x84\x9e");
    CHECK(valid_utf8("").empty());
}

TEST_CASE("each byte outside a well-formed sequence becomes U+FFFD") {
    CHECK(valid_utf8("a\xff"
                     "b") == "a\xef\xbf\xbd"
                             "b");
    CHECK(valid_utf8("\xc3") == "\xef\xbf\xbd");                                 // cut short
    CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                 // overlong
    CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
    CHECK(valid_utf8("\xf4\x90\x80\x80").size() == 12);                          // above U+10FFFF
    CHECK(valid_utf8("ok\xe2\x98") == "ok\xef\xbf\xbd\xef\xbf\xbd");
}
