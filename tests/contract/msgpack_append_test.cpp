// The shared MessagePack header appender against msgpack-c's packer, which also picks the
// smallest form: every kind of header at every width boundary gives the same bytes.
#include "ferry/wire/msgpack_append.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <vector>

namespace wire = ferry::wire;

namespace {

// What msgpack-c writes for one call of its packer.
template <class Fn> std::string packed(Fn&& fn) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    fn(packer);
    return {buffer.data(), buffer.size()};
}

const std::vector<std::uint32_t> sizes = {0,  1,  2,   4,   8,     15,    16,    17,
                                          31, 32, 255, 256, 65535, 65536, 70000, 4294967295U};

} // namespace

TEST_CASE("Appended ints and uints match msgpack-c's packer at every width boundary") {
    const std::vector<std::int64_t> ints = {
        0,         1,        127,    128,    -1,    -32,       -33,
        -128,      -129,     -32768, -32769, 65536, INT32_MIN, INT32_MIN - 1LL,
        INT64_MIN, INT64_MAX};
    for (std::int64_t v : ints) {
        INFO("int " << v);
        std::string out;
        wire::append_int(out, v);
        CHECK(out == packed([&](auto& p) { p.pack_int64(v); }));
    }
    const std::vector<std::uint64_t> uints = {
        0, 127, 128, 255, 256, 65535, 65536, 4294967295ULL, 4294967296ULL, UINT64_MAX};
    for (std::uint64_t v : uints) {
        INFO("uint " << v);
        std::string out;
        wire::append_uint(out, v);
        CHECK(out == packed([&](auto& p) { p.pack_uint64(v); }));
    }
}

TEST_CASE("Appended str bin array map and ext headers match msgpack-c's packer at every size") {
    for (std::uint32_t n : sizes) {
        INFO("size " << n);
        CHECK(wire::str_head(n).view() == packed([&](auto& p) { p.pack_str(n); }));
        CHECK(wire::bin_head(n).view() == packed([&](auto& p) { p.pack_bin(n); }));
        CHECK(wire::array_head(n).view() == packed([&](auto& p) { p.pack_array(n); }));
        CHECK(wire::map_head(n).view() == packed([&](auto& p) { p.pack_map(n); }));
        CHECK(wire::ext_head(0x41, n).view() == packed([&](auto& p) { p.pack_ext(n, 0x41); }));
    }
    std::string out;
    wire::append_str(out, "abc");
    CHECK(out == "\xa3"
                 "abc");
}
