// A forward cursor over MessagePack bytes that reads one value header at a time, in place.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ferry::wire::detail {

// The type of a value as the typed reader sees it. Why signed encodings of non-negative
// numbers count as `uint`: the reader accepts any encoding of a value, so an int8 holding 5 is
// the same 5 as a positive fixint (what MessagePack calls "the same integer").
enum class Kind : std::uint8_t {
    nil,
    boolean,
    uint,
    nint,
    float32,
    float64,
    str,
    bin,
    array,
    map,
    ext,
    invalid
};

// One value's header: its kind and scalar, or where its bytes are, or its element count.
struct Head {
    Kind kind = Kind::invalid;
    std::uint64_t u = 0;    // uint value; bool as 0/1; element count of array/map
    std::int64_t i = 0;     // nint value
    double f = 0;           // float32/float64 value
    std::string_view bytes; // str/bin/ext data, pointing into the body
};

// Why a cursor and not msgpack-c's object tree: the decoder walks a body once, in order, so
// building every value as an object (zone allocation, a second pass) only to copy it into the
// message struct doubled the work. Every read is bounds-checked: a false return means the bytes
// ran out, which scan_body has normally refused before the cursor runs.
class Cursor {
  public:
    explicit Cursor(std::string_view bytes)
        : pos_(bytes.data()), end_(bytes.data() + bytes.size()) {}

    [[nodiscard]] const char* position() const noexcept { return pos_; }
    [[nodiscard]] const char* end() const noexcept { return end_; }
    [[nodiscard]] std::size_t remaining() const noexcept {
        return static_cast<std::size_t>(end_ - pos_);
    }
    // Moves to `position`, which a check of the bytes ahead has found to end a value.
    void jump(const char* position) noexcept { pos_ = position; }

    // Reads the header of the next value; for str/bin/ext also steps over the data, for
    // array/map leaves the cursor on the first element.
    bool next(Head& h) {
        if (pos_ == end_)
            return false;
        const auto b = static_cast<std::uint8_t>(*pos_++);
        if (b <= 0x7f)
            return set_uint(h, b);
        if (b >= 0xe0) {
            h.kind = Kind::nint;
            h.i = static_cast<std::int8_t>(b);
            return true;
        }
        if (b <= 0x8f)
            return set_count(h, Kind::map, b & 0x0fu);
        if (b <= 0x9f)
            return set_count(h, Kind::array, b & 0x0fu);
        if (b <= 0xbf)
            return data(h, Kind::str, b & 0x1fu);
        return tagged(b, h);
    }

    // Reads a fixstr (the form of every protocol key) and returns true; false, without moving,
    // for anything else.
    bool fixstr(std::string_view& out) {
        if (pos_ == end_)
            return false;
        const auto b = static_cast<std::uint8_t>(*pos_);
        const std::size_t len = b & 0x1fu;
        if ((b & 0xe0u) != 0xa0u || !need(len + 1))
            return false;
        out = std::string_view(pos_ + 1, len);
        pos_ += len + 1;
        return true;
    }

    // Steps over the rest of a value whose header `h` was just read (its elements, if any).
    bool skip_rest(const Head& h) {
        const std::uint64_t items =
            h.kind == Kind::array ? h.u : (h.kind == Kind::map ? 2 * h.u : 0);
        for (std::uint64_t k = 0; k < items; ++k) {
            if (!skip())
                return false;
        }
        return true;
    }

    // Steps over one whole value.
    bool skip() {
        Head h;
        return next(h) && skip_rest(h);
    }

  private:
    const char* pos_;
    const char* end_;

    bool need(std::uint64_t n) const { return n <= static_cast<std::uint64_t>(end_ - pos_); }

    bool number(std::size_t width, std::uint64_t& out) {
        if (!need(width))
            return false;
        out = 0;
        for (std::size_t k = 0; k < width; ++k)
            out = (out << 8) | static_cast<std::uint8_t>(pos_[k]);
        pos_ += width;
        return true;
    }

    static bool set_uint(Head& h, std::uint64_t value) {
        h.kind = Kind::uint;
        h.u = value;
        return true;
    }

    static bool set_count(Head& h, Kind kind, std::uint64_t count) {
        h.kind = kind;
        h.u = count;
        return true;
    }

    bool data(Head& h, Kind kind, std::uint64_t len) {
        if (!need(len))
            return false;
        h.kind = kind;
        h.bytes = std::string_view(pos_, static_cast<std::size_t>(len));
        pos_ += len;
        return true;
    }

    bool sized(Head& h, Kind kind, std::size_t width) {
        std::uint64_t len = 0;
        return number(width, len) && data(h, kind, len);
    }

    bool counted(Head& h, Kind kind, std::size_t width) {
        std::uint64_t count = 0;
        return number(width, count) && set_count(h, kind, count);
    }

    // Signed encodings: a non-negative value reads as uint (see Kind).
    bool signed_int(Head& h, std::size_t width) {
        std::uint64_t raw = 0;
        if (!number(width, raw))
            return false;
        const unsigned shift = static_cast<unsigned>(64 - 8 * width);
        const auto value = static_cast<std::int64_t>(raw << shift) >> shift;
        if (value >= 0)
            return set_uint(h, static_cast<std::uint64_t>(value));
        h.kind = Kind::nint;
        h.i = value;
        return true;
    }

    bool real(Head& h, bool wide) {
        std::uint64_t raw = 0;
        if (!number(wide ? 8 : 4, raw))
            return false;
        h.kind = wide ? Kind::float64 : Kind::float32;
        h.f = wide ? std::bit_cast<double>(raw)
                   : static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw)));
        return true;
    }

    // fixext: a type byte and 1..16 data bytes.
    bool fixext(Head& h, std::uint64_t len) { return data(h, Kind::ext, len + 1); }

    // ext 8/16/32: a length, a type byte, then the data.
    bool ext(Head& h, std::size_t width) {
        std::uint64_t len = 0;
        return number(width, len) && data(h, Kind::ext, len + 1);
    }

    bool tagged(std::uint8_t b, Head& h) {
        switch (b) {
        case 0xc0:
            h.kind = Kind::nil;
            return true;
        case 0xc2:
        case 0xc3:
            h.kind = Kind::boolean;
            h.u = b == 0xc3 ? 1 : 0;
            return true;
        case 0xc4:
        case 0xc5:
        case 0xc6:
            return sized(h, Kind::bin, std::size_t{1} << (b - 0xc4));
        case 0xc7:
        case 0xc8:
        case 0xc9:
            return ext(h, std::size_t{1} << (b - 0xc7));
        case 0xca:
        case 0xcb:
            return real(h, b == 0xcb);
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf: {
            std::uint64_t value = 0;
            return number(std::size_t{1} << (b - 0xcc), value) && set_uint(h, value);
        }
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3:
            return signed_int(h, std::size_t{1} << (b - 0xd0));
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
            return fixext(h, std::uint64_t{1} << (b - 0xd4));
        case 0xd9:
        case 0xda:
        case 0xdb:
            return sized(h, Kind::str, std::size_t{1} << (b - 0xd9));
        case 0xdc:
        case 0xdd:
            return counted(h, Kind::array, b == 0xdc ? 2 : 4);
        case 0xde:
        case 0xdf:
            return counted(h, Kind::map, b == 0xde ? 2 : 4);
        default:
            return false; // 0xc1, never used
        }
    }
};

} // namespace ferry::wire::detail
