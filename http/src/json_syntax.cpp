// A recursive-descent walk of JSON that stops at the first byte it cannot accept.
#include "ferry/http/json_syntax.hpp"

#include <cctype>
#include <cstdint>

namespace ferry::http {
namespace {

constexpr int max_depth = 1024; // deeper nesting is reported rather than walked

class Walker {
  public:
    explicit Walker(std::string_view text) : text_(text) {}

    JsonSyntaxError check() {
        skip_space();
        if (!value(0)) {
            return error_;
        }
        skip_space();
        if (pos_ != text_.size()) {
            return {pos_, "end of input after the JSON value (one value per body)"};
        }
        return {std::string_view::npos, ""};
    }

  private:
    bool fail(std::string what) {
        error_ = {pos_, std::move(what)};
        return false;
    }
    [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
    [[nodiscard]] char peek() const { return text_[pos_]; }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            ++pos_;
        }
    }

    bool value(int depth) {
        if (at_end()) {
            return fail("a JSON value");
        }
        if (depth > max_depth) {
            return fail("nesting no deeper than 1024");
        }
        switch (peek()) {
        case '{':
            return object(depth);
        case '[':
            return array(depth);
        case '"':
            return string();
        case 't':
            return word("true");
        case 'f':
            return word("false");
        case 'n':
            return word("null");
        default:
            return number();
        }
    }

    bool word(std::string_view expected) {
        for (const char c : expected) {
            if (at_end() || peek() != c) {
                return fail(std::string("the literal '") + std::string(expected) + "'");
            }
            ++pos_;
        }
        return true;
    }

    bool digits() {
        const std::size_t start = pos_;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            ++pos_;
        }
        return pos_ != start || fail("a digit");
    }

    bool number() {
        if (!at_end() && peek() == '-') {
            ++pos_;
        }
        if (at_end() || peek() < '0' || peek() > '9') {
            return fail("a JSON value (object, array, string, number, true, false or null)");
        }
        if (peek() == '0') {
            ++pos_;
        } else if (!digits()) {
            return false;
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digits()) {
                return false;
            }
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) {
                ++pos_;
            }
            return digits();
        }
        return true;
    }

    bool string() {
        ++pos_; // the opening quote
        while (!at_end()) {
            const auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) {
                return fail("no control character inside a string (escape it)");
            }
            if (c >= 0x80) {
                if (!utf8_sequence()) {
                    return false;
                }
                continue;
            }
            if (c == '\\') {
                ++pos_;
                if (at_end()) {
                    break;
                }
                const char e = peek();
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i) {
                        ++pos_;
                        if (at_end() || !std::isxdigit(static_cast<unsigned char>(peek()))) {
                            return fail("four hex digits after \\u");
                        }
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    return fail("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
                }
            }
            ++pos_;
        }
        return fail("the closing quote of a string");
    }

    // One multi-byte UTF-8 character (no overlong forms, no surrogates, at most U+10FFFF).
    bool utf8_sequence() {
        const auto lead = static_cast<unsigned char>(peek());
        const int length = lead >= 0xC2 && lead <= 0xDF   ? 2
                           : lead >= 0xE0 && lead <= 0xEF ? 3
                           : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                          : 0;
        if (length == 0) {
            return fail("valid UTF-8 (a string holds a byte that cannot start a character)");
        }
        std::uint32_t code = lead & (0x7F >> length);
        for (int i = 1; i < length; ++i) {
            if (pos_ + i >= text_.size() ||
                (static_cast<unsigned char>(text_[pos_ + i]) & 0xC0) != 0x80) {
                return fail("valid UTF-8 (a character is cut short)");
            }
            code = (code << 6) | (static_cast<unsigned char>(text_[pos_ + i]) & 0x3F);
        }
        const std::uint32_t least = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (code < least || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return fail("valid UTF-8 (an overlong form, a surrogate or a code point above "
                        "U+10FFFF)");
        }
        pos_ += static_cast<std::size_t>(length);
        return true;
    }

    bool object(int depth) {
        ++pos_;
        skip_space();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip_space();
            if (at_end() || peek() != '"') {
                return fail("a string key");
            }
            if (!string()) {
                return false;
            }
            skip_space();
            if (at_end() || peek() != ':') {
                return fail("':' after the key");
            }
            ++pos_;
            skip_space();
            if (!value(depth + 1)) {
                return false;
            }
            skip_space();
            if (!at_end() && peek() == ',') {
                ++pos_;
                continue;
            }
            if (!at_end() && peek() == '}') {
                ++pos_;
                return true;
            }
            return fail("',' or '}' in an object");
        }
    }

    bool array(int depth) {
        ++pos_;
        skip_space();
        if (!at_end() && peek() == ']') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip_space();
            if (!value(depth + 1)) {
                return false;
            }
            skip_space();
            if (!at_end() && peek() == ',') {
                ++pos_;
                continue;
            }
            if (!at_end() && peek() == ']') {
                ++pos_;
                return true;
            }
            return fail("',' or ']' in an array");
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    JsonSyntaxError error_;
};

} // namespace

JsonSyntaxError json_syntax_error(std::string_view text) {
    return Walker(text).check();
}

} // namespace ferry::http
