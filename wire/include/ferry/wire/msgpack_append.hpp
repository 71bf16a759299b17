// MessagePack headers and integers in their smallest form: the one encoder of these bytes, used by
// the codec's body writer and the producer's JSON-to-MessagePack packing.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::wire {

// The leading bytes of a value: a marker, then up to 8 big-endian bytes (and ext's type byte).
struct MsgpackHead {
    std::array<char, 10> bytes{}; // the first `size` are the head
    std::uint8_t size = 0;        // 1 to 10

    [[nodiscard]] constexpr std::string_view view() const { return {bytes.data(), size}; }
};

namespace msgpack_detail {

// `marker` followed by `width` big-endian bytes of `value`.
constexpr MsgpackHead marked(std::uint8_t marker, std::uint64_t value, unsigned width) {
    MsgpackHead head;
    head.bytes[0] = static_cast<char>(marker);
    for (unsigned i = 0; i < width; ++i)
        head.bytes[1 + i] = static_cast<char>(value >> (8 * (width - 1 - i)));
    head.size = static_cast<std::uint8_t>(1 + width);
    return head;
}

// A count or length: `fix | n` below `fix_limit`, else a 16-bit one after `m16` or a 32-bit
// one after `m16 + 1` (array, map, and str/bin above their 8-bit forms).
constexpr MsgpackHead sized(std::size_t n, std::uint8_t fix, std::size_t fix_limit,
                            std::uint8_t m16) {
    if (n < fix_limit)
        return marked(static_cast<std::uint8_t>(fix | n), 0, 0);
    if (n <= 0xffff)
        return marked(m16, n, 2);
    return marked(static_cast<std::uint8_t>(m16 + 1), n, 4);
}

} // namespace msgpack_detail

// A uint: positive fixint below 128, else uint 8/16/32/64.
constexpr MsgpackHead uint_head(std::uint64_t v) {
    using msgpack_detail::marked;
    if (v < 0x80)
        return marked(static_cast<std::uint8_t>(v), 0, 0);
    if (v <= 0xff)
        return marked(0xcc, v, 1);
    if (v <= 0xffff)
        return marked(0xcd, v, 2);
    return v <= 0xffffffffULL ? marked(0xce, v, 4) : marked(0xcf, v, 8);
}

// An int as msgpack-c's pack_int64 writes it: non-negative values as uints, negative ones in
// the smallest signed form.
constexpr MsgpackHead int_head(std::int64_t v) {
    using msgpack_detail::marked;
    const auto bits = static_cast<std::uint64_t>(v);
    if (v >= 0)
        return uint_head(bits);
    if (v >= -32)
        return marked(static_cast<std::uint8_t>(bits), 0, 0);
    if (v >= INT8_MIN)
        return marked(0xd0, bits, 1);
    if (v >= INT16_MIN)
        return marked(0xd1, bits, 2);
    return v >= INT32_MIN ? marked(0xd2, bits, 4) : marked(0xd3, bits, 8);
}

// A str of `size` bytes: fixstr below 32, else str 8/16/32.
constexpr MsgpackHead str_head(std::size_t size) {
    if (size >= 32 && size <= 0xff)
        return msgpack_detail::marked(0xd9, size, 1);
    return msgpack_detail::sized(size, 0xa0, 32, 0xda);
}

// A bin of `size` bytes: bin 8/16/32.
constexpr MsgpackHead bin_head(std::size_t size) {
    if (size <= 0xff)
        return msgpack_detail::marked(0xc4, size, 1);
    return msgpack_detail::sized(size, 0, 0, 0xc5);
}

constexpr MsgpackHead array_head(std::size_t count) {
    return msgpack_detail::sized(count, 0x90, 16, 0xdc);
}

constexpr MsgpackHead map_head(std::size_t count) {
    return msgpack_detail::sized(count, 0x80, 16, 0xde);
}

// An ext of `size` data bytes, type byte included; fixext for 1, 2, 4, 8 and 16 bytes, as
// msgpack-python writes it, so both sides produce the same bytes.
constexpr MsgpackHead ext_head(std::int8_t type, std::size_t size) {
    using msgpack_detail::marked;
    MsgpackHead head;
    if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16)
        head = marked(static_cast<std::uint8_t>(0xd4 + std::countr_zero(size)), 0, 0);
    else if (size <= 0xff)
        head = marked(0xc7, size, 1);
    else
        head = msgpack_detail::sized(size, 0, 0, 0xc8);
    head.bytes[head.size++] = static_cast<char>(type);
    return head;
}

inline void append_uint(std::string& out, std::uint64_t value) {
    out.append(uint_head(value).view());
}

inline void append_int(std::string& out, std::int64_t value) {
    out.append(int_head(value).view());
}

inline void append_str(std::string& out, std::string_view text) {
    out.append(str_head(text.size()).view());
    out.append(text);
}

inline void append_array_header(std::string& out, std::size_t count) {
    out.append(array_head(count).view());
}

inline void append_map_header(std::string& out, std::size_t count) {
    out.append(map_head(count).view());
}

// The data (`size` bytes) follows.
inline void append_ext_header(std::string& out, std::int8_t type, std::size_t size) {
    out.append(ext_head(type, size).view());
}

} // namespace ferry::wire
