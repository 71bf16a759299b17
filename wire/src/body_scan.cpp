// Byte-level walk over MessagePack that enforces FJP limits before anything is allocated.
#include "body_scan.hpp"

#include "ferry/wire/protocol.hpp"

#include <cstdint>
#include <string>

namespace ferry::wire::detail {
namespace {

// Walks one value at a time. Why a separate pass: the typed reader sizes a vector from an
// array's count as soon as it reads it, so a few bytes declaring nested 65536-element arrays
// would allocate gigabytes; here every count is checked against the bytes actually left.
class Scanner {
  public:
    explicit Scanner(std::string_view bytes)
        : pos_(bytes.data()), end_(bytes.data() + bytes.size()), begin_(bytes.data()) {}

    std::optional<DecodeError> error;

    // Skips one value whose container depth is `depth` (the body itself is depth 1).
    bool value(std::size_t depth) {
        if (!need(1))
            return false;
        const auto b = static_cast<std::uint8_t>(*pos_++);
        if (b <= 0x7f || b >= 0xe0)
            return true;
        if (b <= 0x8f)
            return container(b & 0x0fu, 2, depth);
        if (b <= 0x9f)
            return container(b & 0x0fu, 1, depth);
        if (b <= 0xbf)
            return str(b & 0x1fu);
        return tagged(b, depth);
    }

    bool at_end() const { return pos_ == end_; }
    std::size_t offset() const { return static_cast<std::size_t>(pos_ - begin_); }
    const char* position() const { return pos_; }

    // Reads a str header and returns its bytes (for map keys); false when not a str.
    bool read_str(std::string_view& out) {
        if (!need(1))
            return false;
        const auto b = static_cast<std::uint8_t>(*pos_);
        std::uint64_t len = 0;
        if (b >= 0xa0 && b <= 0xbf) {
            ++pos_;
            len = b & 0x1fu;
        } else if (b >= 0xd9 && b <= 0xdb) {
            ++pos_;
            if (!number(std::size_t{1} << (b - 0xd9), len))
                return false;
        } else {
            return false;
        }
        if (!need(len))
            return false;
        out = std::string_view(pos_, len);
        pos_ += len;
        return true;
    }

    // Reads a map header's pair count; false when not a map.
    bool read_map_header(std::uint64_t& count) {
        if (!need(1))
            return false;
        const auto b = static_cast<std::uint8_t>(*pos_++);
        if (b >= 0x80 && b <= 0x8f) {
            count = b & 0x0fu;
            return true;
        }
        if (b == 0xde || b == 0xdf)
            return number(b == 0xde ? 2 : 4, count);
        return false;
    }

  private:
    const char* pos_;
    const char* end_;
    const char* begin_;

    bool fail(DecodeErrorKind kind, std::string detail) {
        error = DecodeError{kind, std::move(detail)};
        return false;
    }

    // The check runs per value, so it stays small enough to inline; the message is built apart.
    bool need(std::uint64_t n) {
        return n <= static_cast<std::uint64_t>(end_ - pos_) || truncated(n);
    }

    [[gnu::noinline]] bool truncated(std::uint64_t n) {
        return fail(DecodeErrorKind::malformed,
                    "body truncated at byte " + std::to_string(offset()) + ": needs " +
                        std::to_string(n) + " more bytes, has " + std::to_string(end_ - pos_));
    }

    // Reads a big-endian unsigned number of `width` bytes.
    bool number(std::size_t width, std::uint64_t& out) {
        if (!need(width))
            return false;
        out = 0;
        for (std::size_t i = 0; i < width; ++i) {
            out = (out << 8) | static_cast<std::uint8_t>(pos_[i]);
        }
        pos_ += width;
        return true;
    }

    bool skip(std::uint64_t n) {
        if (!need(n))
            return false;
        pos_ += n;
        return true;
    }

    bool str(std::uint64_t len) {
        if (len > max_string_bytes) {
            return fail(DecodeErrorKind::too_large,
                        "str of " + std::to_string(len) + " bytes at byte " +
                            std::to_string(offset()) + " is above max_string_bytes " +
                            std::to_string(max_string_bytes));
        }
        return skip(len);
    }

    // Why check bytes left against the count: each element takes at least one byte, so a
    // count above what is left is a truncated (or lying) body, refused before any work.
    bool container(std::uint64_t count, std::uint64_t per_item, std::size_t depth) {
        if (depth > max_depth) {
            return fail(DecodeErrorKind::too_large, "nesting deeper than max_depth " +
                                                        std::to_string(max_depth) + " at byte " +
                                                        std::to_string(offset()));
        }
        if (count > max_batch) {
            return fail(DecodeErrorKind::too_large,
                        "container of " + std::to_string(count) + " elements at byte " +
                            std::to_string(offset()) + " is above max_batch " +
                            std::to_string(max_batch));
        }
        if (!need(count * per_item))
            return false;
        for (std::uint64_t i = 0; i < count * per_item; ++i) {
            if (!value(depth + 1))
                return false;
        }
        return true;
    }

    bool sized(std::size_t width, std::uint64_t extra) {
        std::uint64_t len = 0;
        return number(width, len) && skip(len + extra);
    }

    bool counted(std::size_t width, std::uint64_t per_item, std::size_t depth) {
        std::uint64_t count = 0;
        return number(width, count) && container(count, per_item, depth);
    }

    // The 0xc0..0xdf markers: nil, bool, bin, ext, numbers, str8-32, array16/32, map16/32.
    bool tagged(std::uint8_t b, std::size_t depth) {
        switch (b) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
            return true;
        case 0xc4:
            return sized(1, 0);
        case 0xc5:
            return sized(2, 0);
        case 0xc6:
            return sized(4, 0);
        case 0xc7:
            return sized(1, 1);
        case 0xc8:
            return sized(2, 1);
        case 0xc9:
            return sized(4, 1);
        case 0xca:
            return skip(4);
        case 0xcb:
            return skip(8);
        case 0xcc:
        case 0xd0:
            return skip(1);
        case 0xcd:
        case 0xd1:
            return skip(2);
        case 0xce:
        case 0xd2:
            return skip(4);
        case 0xcf:
        case 0xd3:
            return skip(8);
        case 0xd4:
            return skip(2);
        case 0xd5:
            return skip(3);
        case 0xd6:
            return skip(5);
        case 0xd7:
            return skip(9);
        case 0xd8:
            return skip(17);
        case 0xd9:
        case 0xda:
        case 0xdb: {
            std::uint64_t len = 0;
            return number(std::size_t{1} << (b - 0xd9), len) && str(len);
        }
        case 0xdc:
            return counted(2, 1, depth);
        case 0xdd:
            return counted(4, 1, depth);
        case 0xde:
            return counted(2, 2, depth);
        case 0xdf:
            return counted(4, 2, depth);
        default:
            return fail(DecodeErrorKind::malformed,
                        "byte 0xc1 (never used) at byte " + std::to_string(offset() - 1));
        }
    }
};

} // namespace

std::optional<DecodeError> scan_body(std::string_view body) noexcept {
    try {
        Scanner scanner(body);
        if (!scanner.value(1))
            return scanner.error;
        if (!scanner.at_end()) {
            return DecodeError{DecodeErrorKind::malformed,
                               std::to_string(body.size() - scanner.offset()) +
                                   " trailing bytes after the body"};
        }
        return std::nullopt;
    } catch (...) {
        return DecodeError{DecodeErrorKind::malformed, "body scan failed (out of memory)"};
    }
}

bool scan_value(const char*& pos, const char* end, std::size_t depth) noexcept {
    try {
        Scanner scanner(std::string_view(pos, static_cast<std::size_t>(end - pos)));
        if (!scanner.value(depth))
            return false;
        pos = scanner.position();
        return true;
    } catch (...) {
        return false;
    }
}

std::optional<std::string_view> top_level_value(std::string_view body,
                                                std::string_view key) noexcept {
    try {
        Scanner scanner(body);
        std::uint64_t count = 0;
        if (!scanner.read_map_header(count))
            return std::nullopt;
        std::optional<std::string_view> found;
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string_view name;
            const bool is_str = scanner.read_str(name);
            if (!is_str && !scanner.value(2))
                return std::nullopt;
            const char* start = scanner.position();
            if (!scanner.value(2))
                return std::nullopt;
            if (is_str && name == key) {
                found =
                    std::string_view(start, static_cast<std::size_t>(scanner.position() - start));
            }
        }
        return found;
    } catch (...) {
        return std::nullopt;
    }
}

} // namespace ferry::wire::detail
