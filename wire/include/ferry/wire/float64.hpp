// MessagePack float 64 bytes for a double: msgpack-c 4.x's pack_double writes integral
// doubles (2.0) as ints, which loses the type; Ferry always writes 0xcb + 8 big-endian bytes.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace ferry::wire {

[[nodiscard]] inline std::array<char, 9> float64_bytes(double value) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    std::array<char, 9> bytes{static_cast<char>(0xcb)};
    for (int i = 0; i < 8; ++i)
        bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    return bytes;
}

} // namespace ferry::wire
