// Appends MessagePack headers and scalars straight to a std::string (no packer object).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::producer::detail {

// Appends `value` as `bytes` big-endian bytes (MessagePack's multi-byte order).
inline void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
        out.push_back(static_cast<char>(value >> shift));
}

inline void append_uint(std::string& out, std::uint64_t value) {
    if (value < 0x80) {
        out.push_back(static_cast<char>(value));
    } else if (value <= 0xff) {
        out.push_back(static_cast<char>(0xcc));
        append_big_endian(out, value, 1);
    } else if (value <= 0xffff) {
        out.push_back(static_cast<char>(0xcd));
        append_big_endian(out, value, 2);
    } else if (value <= 0xffffffffULL) {
        out.push_back(static_cast<char>(0xce));
        append_big_endian(out, value, 4);
    } else {
        out.push_back(static_cast<char>(0xcf));
        append_big_endian(out, value, 8);
    }
}

// Smallest encoding, like msgpack-c's pack_int64: non-negative values as uints.
inline void append_int(std::string& out, std::int64_t value) {
    if (value >= 0) {
        append_uint(out, static_cast<std::uint64_t>(value));
        return;
    }
    const auto bits = static_cast<std::uint64_t>(value);
    if (value >= -32) {
        out.push_back(static_cast<char>(value));
    } else if (value >= INT8_MIN) {
        out.push_back(static_cast<char>(0xd0));
        append_big_endian(out, bits, 1);
    } else if (value >= INT16_MIN) {
        out.push_back(static_cast<char>(0xd1));
        append_big_endian(out, bits, 2);
    } else if (value >= INT32_MIN) {
        out.push_back(static_cast<char>(0xd2));
        append_big_endian(out, bits, 4);
    } else {
        out.push_back(static_cast<char>(0xd3));
        append_big_endian(out, bits, 8);
    }
}

// A header of a sized type: fix form below `fix_limit`, else the 16- or 32-bit form.
inline void append_sized(std::string& out, std::size_t size, std::uint8_t fix,
                         std::size_t fix_limit, std::uint8_t code16, std::uint8_t code32) {
    if (size < fix_limit) {
        out.push_back(static_cast<char>(fix | size));
    } else if (size <= 0xffff) {
        out.push_back(static_cast<char>(code16));
        append_big_endian(out, size, 2);
    } else {
        out.push_back(static_cast<char>(code32));
        append_big_endian(out, size, 4);
    }
}

inline void append_array_header(std::string& out, std::size_t size) {
    append_sized(out, size, 0x90, 16, 0xdc, 0xdd);
}

inline void append_map_header(std::string& out, std::size_t size) {
    append_sized(out, size, 0x80, 16, 0xde, 0xdf);
}

inline void append_str(std::string& out, std::string_view text) {
    if (text.size() < 32) {
        out.push_back(static_cast<char>(0xa0 | text.size()));
    } else if (text.size() <= 0xff) {
        out.push_back(static_cast<char>(0xd9));
        append_big_endian(out, text.size(), 1);
    } else {
        append_sized(out, text.size(), 0, 0, 0xda, 0xdb);
    }
    out.append(text);
}

// An ext header for `size` data bytes; the data follows. fixext for 1, 2, 4, 8 and 16 bytes,
// as other encoders (msgpack-python) write it, so both sides produce the same bytes.
inline void append_ext_header(std::string& out, std::int8_t type, std::size_t size) {
    if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16) {
        const int log2 = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : 4;
        out.push_back(static_cast<char>(0xd4 + log2));
    } else if (size <= 0xff) {
        out.push_back(static_cast<char>(0xc7));
        append_big_endian(out, size, 1);
    } else if (size <= 0xffff) {
        out.push_back(static_cast<char>(0xc8));
        append_big_endian(out, size, 2);
    } else {
        out.push_back(static_cast<char>(0xc9));
        append_big_endian(out, size, 4);
    }
    out.push_back(static_cast<char>(type));
}

} // namespace ferry::producer::detail
