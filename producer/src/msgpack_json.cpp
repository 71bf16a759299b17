// MessagePack -> JSON text for output records and `ferry status --json`: a byte walker for encoded
// values (no object tree) and the msgpack::object renderer it agrees with.
#include "ferry/producer/msgpack_json.hpp"

#include "ferry/producer/typed_array.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace ferry::producer {
namespace {

// Results come from the network: anything deeper is refused rather than recursed into.
constexpr int max_depth = 1024;

void append_base64(std::string_view bytes, std::string& out) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.push_back('"');
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                 (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
        const char quad[4] = {alphabet[(n >> 18) & 63], alphabet[(n >> 12) & 63],
                              alphabet[(n >> 6) & 63], alphabet[n & 63]};
        out.append(quad, 4);
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2)
            n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out.push_back(alphabet[(n >> 18) & 63]);
        out.push_back(alphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    out.push_back('"');
}

void append_double(double value, std::string& out) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    // Shortest text that reads back to the same double; keep "1.0" a float, not "1".
    std::array<char, 64> text{};
    const auto end = fmt::format_to_n(text.data(), text.size(), "{}", value).out;
    const std::string_view written(text.data(), static_cast<std::size_t>(end - text.data()));
    out += written;
    if (written.find_first_of(".eE") == std::string_view::npos)
        out += ".0";
}

template <typename Integer> void append_integer(Integer value, std::string& out) {
    std::array<char, 24> text{};
    const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
    out.append(text.data(), result.ptr);
}

void append_map_key(const msgpack::object& key, std::string& out) {
    if (key.type == msgpack::type::STR) {
        append_json_string(std::string_view(key.via.str.ptr, key.via.str.size), out);
        return;
    }
    std::string text;
    append_json(key, text);
    append_json_string(text, out);
}

// What is wrong with the bytes; the message follows msgpack-c's for the same fault.
struct Malformed {
    const char* what; // e.g. "insufficient bytes"
};

// One pass over one encoded value, writing its JSON as it goes.
class Walker {
  public:
    Walker(std::string_view bytes, std::string& out)
        : at_(bytes.data()), end_(bytes.data() + bytes.size()), out_(out) {}

    void value(int depth);

  private:
    std::string_view take(std::size_t size) {
        if (static_cast<std::size_t>(end_ - at_) < size)
            throw Malformed{"insufficient bytes"};
        const std::string_view taken(at_, size);
        at_ += size;
        return taken;
    }
    template <typename Unsigned> Unsigned big_endian() {
        const std::string_view bytes = take(sizeof(Unsigned));
        std::uint64_t value = 0;
        for (const char byte : bytes)
            value = (value << 8) | static_cast<std::uint8_t>(byte);
        return static_cast<Unsigned>(value);
    }
    template <typename Signed> Signed signed_big_endian() {
        return static_cast<Signed>(big_endian<std::make_unsigned_t<Signed>>());
    }
    void array(std::uint32_t size, int depth);
    void map(std::uint32_t size, int depth);
    void key(int depth);
    // A typed array becomes (nested) lists of numbers; any other ext, its data in base64.
    void ext(std::size_t size) {
        const auto type = static_cast<std::int8_t>(take(1)[0]);
        const std::string_view data = take(size);
        if (type == typed_array_ext_type)
            append_typed_array_json(data, out_);
        else
            append_base64(data, out_);
    }
    bool scalar(std::uint8_t head);
    bool sized(std::uint8_t head, int depth);

    const char* at_;  // next unread byte
    const char* end_; // one past the last byte
    std::string& out_;
};

void Walker::value(int depth) {
    if (depth > max_depth)
        throw Malformed{"nested deeper than 1024 levels"};
    const auto head = static_cast<std::uint8_t>(take(1)[0]);
    if (head <= 0x7f) {
        append_integer(head, out_);
    } else if (head >= 0xe0) {
        append_integer(static_cast<std::int8_t>(head), out_);
    } else if ((head & 0xe0) == 0xa0) {
        append_json_string(take(head & 0x1f), out_);
    } else if ((head & 0xf0) == 0x90) {
        array(head & 0x0f, depth);
    } else if ((head & 0xf0) == 0x80) {
        map(head & 0x0f, depth);
    } else if (!scalar(head) && !sized(head, depth)) {
        throw Malformed{"parse error"}; // 0xc1, never used
    }
}

// nil, booleans, numbers and fixext: a head byte and a fixed-size body.
bool Walker::scalar(std::uint8_t head) {
    switch (head) {
    case 0xc0:
        out_ += "null";
        return true;
    case 0xc2:
        out_ += "false";
        return true;
    case 0xc3:
        out_ += "true";
        return true;
    case 0xca:
        append_double(std::bit_cast<float>(big_endian<std::uint32_t>()), out_);
        return true;
    case 0xcb:
        append_double(std::bit_cast<double>(big_endian<std::uint64_t>()), out_);
        return true;
    case 0xcc:
        append_integer(big_endian<std::uint8_t>(), out_);
        return true;
    case 0xcd:
        append_integer(big_endian<std::uint16_t>(), out_);
        return true;
    case 0xce:
        append_integer(big_endian<std::uint32_t>(), out_);
        return true;
    case 0xcf:
        append_integer(big_endian<std::uint64_t>(), out_);
        return true;
    case 0xd0:
        append_integer(signed_big_endian<std::int8_t>(), out_);
        return true;
    case 0xd1:
        append_integer(signed_big_endian<std::int16_t>(), out_);
        return true;
    case 0xd2:
        append_integer(signed_big_endian<std::int32_t>(), out_);
        return true;
    case 0xd3:
        append_integer(signed_big_endian<std::int64_t>(), out_);
        return true;
    case 0xd4:
        ext(1);
        return true;
    case 0xd5:
        ext(2);
        return true;
    case 0xd6:
        ext(4);
        return true;
    case 0xd7:
        ext(8);
        return true;
    case 0xd8:
        ext(16);
        return true;
    default:
        return false;
    }
}

// str, bin, ext, array and map with an explicit length.
bool Walker::sized(std::uint8_t head, int depth) {
    switch (head) {
    case 0xc4:
        append_base64(take(big_endian<std::uint8_t>()), out_);
        return true;
    case 0xc5:
        append_base64(take(big_endian<std::uint16_t>()), out_);
        return true;
    case 0xc6:
        append_base64(take(big_endian<std::uint32_t>()), out_);
        return true;
    case 0xc7:
        ext(big_endian<std::uint8_t>());
        return true;
    case 0xc8:
        ext(big_endian<std::uint16_t>());
        return true;
    case 0xc9:
        ext(big_endian<std::uint32_t>());
        return true;
    case 0xd9:
        append_json_string(take(big_endian<std::uint8_t>()), out_);
        return true;
    case 0xda:
        append_json_string(take(big_endian<std::uint16_t>()), out_);
        return true;
    case 0xdb:
        append_json_string(take(big_endian<std::uint32_t>()), out_);
        return true;
    case 0xdc:
        array(big_endian<std::uint16_t>(), depth);
        return true;
    case 0xdd:
        array(big_endian<std::uint32_t>(), depth);
        return true;
    case 0xde:
        map(big_endian<std::uint16_t>(), depth);
        return true;
    case 0xdf:
        map(big_endian<std::uint32_t>(), depth);
        return true;
    default:
        return false;
    }
}

void Walker::array(std::uint32_t size, int depth) {
    out_.push_back('[');
    for (std::uint32_t i = 0; i < size; ++i) {
        if (i > 0)
            out_.push_back(',');
        value(depth + 1);
    }
    out_.push_back(']');
}

void Walker::map(std::uint32_t size, int depth) {
    out_.push_back('{');
    for (std::uint32_t i = 0; i < size; ++i) {
        if (i > 0)
            out_.push_back(',');
        key(depth + 1);
        out_.push_back(':');
        value(depth + 1);
    }
    out_.push_back('}');
}

// A str key is written as is; any other key is rendered and that JSON text becomes the key.
void Walker::key(int depth) {
    if (at_ < end_ && (static_cast<std::uint8_t>(*at_) & 0xe0) == 0xa0) {
        value(depth);
        return;
    }
    std::string text;
    Walker inner(std::string_view(at_, static_cast<std::size_t>(end_ - at_)), text);
    inner.value(depth);
    at_ = inner.at_;
    append_json_string(text, out_);
}

// Characters JSON requires escaped: the quote, the backslash and the control characters.
bool needs_escape(char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

void append_escaped(char c, std::string& out) {
    switch (c) {
    case '"':
        out += "\\\"";
        return;
    case '\\':
        out += "\\\\";
        return;
    case '\n':
        out += "\\n";
        return;
    case '\r':
        out += "\\r";
        return;
    case '\t':
        out += "\\t";
        return;
    default:
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    }
}

} // namespace

// Runs of plain characters are copied whole; only what JSON requires is escaped.
void append_json_string(std::string_view text, std::string& out) {
    out.push_back('"');
    std::size_t plain = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!needs_escape(text[i]))
            continue;
        out.append(text.data() + plain, i - plain);
        append_escaped(text[i], out);
        plain = i + 1;
    }
    out.append(text.data() + plain, text.size() - plain);
    out.push_back('"');
}

void append_json(const msgpack::object& value, std::string& out) {
    switch (value.type) {
    case msgpack::type::NIL:
        out += "null";
        return;
    case msgpack::type::BOOLEAN:
        out += value.via.boolean ? "true" : "false";
        return;
    case msgpack::type::POSITIVE_INTEGER:
        append_integer(value.via.u64, out);
        return;
    case msgpack::type::NEGATIVE_INTEGER:
        append_integer(value.via.i64, out);
        return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        append_double(value.via.f64, out);
        return;
    case msgpack::type::STR:
        append_json_string({value.via.str.ptr, value.via.str.size}, out);
        return;
    case msgpack::type::BIN:
        append_base64({value.via.bin.ptr, value.via.bin.size}, out);
        return;
    case msgpack::type::EXT:
        if (value.via.ext.type() == typed_array_ext_type) {
            append_typed_array_json({value.via.ext.data(), value.via.ext.size}, out);
            return;
        }
        append_base64({value.via.ext.data(), value.via.ext.size}, out);
        return;
    case msgpack::type::ARRAY:
        out.push_back('[');
        for (std::uint32_t i = 0; i < value.via.array.size; ++i) {
            if (i > 0)
                out.push_back(',');
            append_json(value.via.array.ptr[i], out);
        }
        out.push_back(']');
        return;
    case msgpack::type::MAP:
        out.push_back('{');
        for (std::uint32_t i = 0; i < value.via.map.size; ++i) {
            if (i > 0)
                out.push_back(',');
            append_map_key(value.via.map.ptr[i].key, out);
            out.push_back(':');
            append_json(value.via.map.ptr[i].val, out);
        }
        out.push_back('}');
        return;
    }
}

// On bad bytes nothing of the partial value stays: the whole value is one JSON string saying
// what is wrong, as msgpack-c words it.
void append_json_from_msgpack(std::string_view bytes, std::string& out) {
    const std::size_t start = out.size();
    try {
        Walker(bytes, out).value(0);
    } catch (const Malformed& error) {
        out.resize(start);
        append_json_string(fmt::format("<undecodable MessagePack: {}>", error.what), out);
    }
}

} // namespace ferry::producer
