// Reader of typed values and nested records straight from MessagePack bytes, with error paths.
#pragma once

#include "body_scan.hpp"
#include "ferry/wire/codec.hpp"
#include "ferry/wire/field_binding.hpp"
#include "ferry/wire/fields.hpp"
#include "value_cursor.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::wire::detail {

// Where a value sits in the body, as a chain of stack frames; rendered only on error.
struct Path {
    const Path* parent = nullptr; // enclosing field or list
    std::string_view field;       // field name, empty for the root and list elements
    std::size_t index = 0;        // list position when is_index
    bool is_index = false;
};

// "jobs[3].id" for a path; empty for the root.
std::string render(const Path& path);

// MessagePack type of a value as named in error details ("int", "str", ...).
std::string_view type_name(const Head& h);

// Index of `key` in a field table, or -1, trying `hint` first. Linear: tables hold at most 8
// short names, and encoders write fields in table order, so the hint (the slot after the
// previous key) is usually right at the first comparison.
int field_index(std::span<const FieldSpec> specs, std::string_view key, std::size_t hint = 0);

// Reads values into fields, recording the first problem. Why bool returns rather than
// exceptions: this runs per job on the broker's hot path, and bad bytes are expected input.
class Reader {
  public:
    std::optional<DecodeError> error;
    // Set when no scan_body ran before this reader (decode_view's fast path): the reader then
    // enforces the scan's limits itself (string sizes, container counts against max_batch and
    // the bytes left, every skipped value checked whole), so it accepts exactly what the scan
    // would have let through. Its error on refusal may differ: the caller scans for that.
    bool unscanned = false;

    bool too_large(const Path& path, std::string_view what) {
        return fail(DecodeErrorKind::too_large, path, what);
    }

    // Container depth of the value at `path` (the body is 1), as scan_body counts it.
    static std::size_t depth_of(const Path& path) {
        std::size_t depth = 1;
        for (const Path* p = path.parent; p != nullptr; p = p->parent)
            ++depth;
        return depth;
    }

    // Steps over a value the reader does not use; unscanned, it is checked whole first.
    bool skip_value(Cursor& c, const Path& p, std::size_t depth) {
        if (!unscanned)
            return c.skip() || truncated(p);
        const char* position = c.position();
        if (!scan_value(position, c.end(), depth))
            return truncated(p);
        c.jump(position);
        return true;
    }

    bool fail(DecodeErrorKind kind, const Path& path, std::string_view what) {
        const std::string where = render(path);
        error = DecodeError{kind, where.empty() ? "body: " + std::string(what)
                                                : "field '" + where + "': " + std::string(what)};
        return false;
    }

    bool wrong_type(const Path& path, std::string_view expected, const Head& got) {
        return fail(DecodeErrorKind::wrong_type, path,
                    "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
    }

    bool truncated(const Path& path) {
        return fail(DecodeErrorKind::malformed, path, "value truncated or invalid");
    }

    // Reads the next value's header, expecting `kind`.
    bool expect(Cursor& c, const Path& p, Kind kind, std::string_view name, Head& h) {
        if (!c.next(h))
            return truncated(p);
        return h.kind == kind || wrong_type(p, name, h);
    }

    bool read(Cursor& c, const Path& p, std::string& out) {
        Head h;
        if (!expect(c, p, Kind::str, "str", h))
            return false;
        if (unscanned && h.bytes.size() > max_string_bytes)
            return too_large(p, "str above max_string_bytes");
        out.assign(h.bytes);
        return true;
    }

    // The borrowed form: the view points into the body.
    bool read(Cursor& c, const Path& p, std::string_view& out) {
        Head h;
        if (!expect(c, p, Kind::str, "str", h))
            return false;
        if (unscanned && h.bytes.size() > max_string_bytes)
            return too_large(p, "str above max_string_bytes");
        out = h.bytes;
        return true;
    }

    // A `msgpack` field travels as bin; S is std::string (copied) or std::string_view (borrowed).
    template <class S> bool read_msgpack(Cursor& c, const Path& p, S& out) {
        Head h;
        if (!expect(c, p, Kind::bin, "bin", h))
            return false;
        out = S(h.bytes);
        return true;
    }

    template <class S> bool read_msgpack(Cursor& c, const Path& p, std::optional<S>& out) {
        return read_msgpack(c, p, out.emplace());
    }

    bool read(Cursor& c, const Path& p, std::uint64_t& out) {
        Head h;
        if (!expect(c, p, Kind::uint, "uint", h))
            return false;
        out = h.u;
        return true;
    }

    bool read(Cursor& c, const Path& p, std::int64_t& out) {
        Head h;
        if (!c.next(h))
            return truncated(p);
        if (h.kind == Kind::nint) {
            out = h.i;
            return true;
        }
        if (h.kind != Kind::uint)
            return wrong_type(p, "int", h);
        if (h.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return fail(DecodeErrorKind::wrong_type, p, "int above the int64 range");
        }
        out = static_cast<std::int64_t>(h.u);
        return true;
    }

    bool read(Cursor& c, const Path& p, double& out) {
        Head h;
        if (!c.next(h))
            return truncated(p);
        if (h.kind != Kind::float64 && h.kind != Kind::float32)
            return wrong_type(p, "float", h);
        out = h.f;
        return true;
    }

    bool read(Cursor& c, const Path& p, bool& out) {
        Head h;
        if (!expect(c, p, Kind::boolean, "bool", h))
            return false;
        out = h.u != 0;
        return true;
    }

    template <class T> bool read(Cursor& c, const Path& p, std::optional<T>& out) {
        return read(c, p, out.emplace());
    }

    template <class T> bool read(Cursor& c, const Path& p, std::vector<T>& out) {
        Head h;
        if (!expect(c, p, Kind::array, "array", h))
            return false;
        if (unscanned && (h.u > max_batch || h.u > c.remaining()))
            return too_large(p, "array above max_batch or the bytes left");
        out.clear(); // a reused vector keeps its capacity; its elements start over
        out.resize(static_cast<std::size_t>(h.u));
        for (std::size_t i = 0; i < out.size(); ++i) {
            const Path item{&p, {}, i, true};
            if (!read(c, item, out[i]))
                return false;
        }
        return true;
    }

    // Walks a map's str keys, hands each known field to `on_field(index, value, path)`, and
    // checks afterwards that every required field of `specs` was seen.
    template <class OnField>
    bool fields(Cursor& c, const Path& p, std::span<const FieldSpec> specs, OnField&& on_field) {
        Head h;
        if (!expect(c, p, Kind::map, "map", h))
            return false;
        if (unscanned && h.u > max_batch)
            return too_large(p, "map above max_batch");
        std::uint32_t seen = 0;
        std::size_t hint = 0;
        for (std::uint64_t i = 0; i < h.u; ++i) {
            const int index = next_key(c, p, specs, hint);
            if (index == bad_key)
                return false;
            if (index < 0) {
                if (!skip_value(c, p, depth_of(p) + 1))
                    return false;
                continue;
            }
            seen |= 1u << index;
            hint = static_cast<std::size_t>(index) + 1;
            const Path field{&p, specs[static_cast<std::size_t>(index)].name};
            if (!on_field(index, c, field))
                return false;
        }
        return required_seen(p, specs, seen);
    }

    // Reads one map key: its field index, -1 for a key to ignore (unknown, or not a str), or
    // bad_key when the bytes ran out.
    static constexpr int bad_key = -2;
    int next_key(Cursor& c, const Path& p, std::span<const FieldSpec> specs, std::size_t hint) {
        std::string_view name;
        if (c.fixstr(name))
            return field_index(specs, name, hint);
        const char* start = c.position();
        if (!skip_value(c, p, depth_of(p) + 1))
            return bad_key;
        Cursor key_cursor(std::string_view(start, static_cast<std::size_t>(c.position() - start)));
        Head key;
        if (!key_cursor.next(key))
            return -1;
        return key.kind == Kind::str ? field_index(specs, key.bytes, hint) : -1;
    }

    bool required_seen(const Path& p, std::span<const FieldSpec> specs, std::uint32_t seen) {
        for (std::size_t i = 0; i < specs.size(); ++i) {
            if (specs[i].required && !(seen & (1u << i))) {
                const Path field{&p, specs[i].name};
                error = DecodeError{DecodeErrorKind::missing_field,
                                    "field '" + render(field) + "' is missing"};
                return false;
            }
        }
        return true;
    }

    // A record or a message body: one walk over its map, each known field read into the member
    // the generated binding names (message_structs.hpp).
    template <Bound T> bool read(Cursor& c, const Path& p, T& out) {
        return fields(c, p, FieldsOf<T>::specs, [&](int i, Cursor& v, const Path& fp) {
            const auto read_it = [&](const auto& m) { return read_member(v, fp, out.*m.ptr, m); };
            return with_member_at<T>(static_cast<std::size_t>(i), read_it,
                                     std::make_index_sequence<field_count<T>>{});
        });
    }

    template <class F, class M> bool read_member(Cursor& v, const Path& fp, F& field, const M&) {
        if constexpr (M::form == FieldForm::msgpack)
            return read_msgpack(v, fp, field);
        else if constexpr (M::form == FieldForm::raw_map)
            return read_raw_map(v, fp, field);
        else
            return read(v, fp, field);
    }

    // A map kept as its original bytes (a re-encoding could differ from what was sent): the
    // cursor steps over the map and the bytes it stepped over are the value.
    bool read_raw_map(Cursor& v, const Path& fp, std::string& out) {
        const char* start = v.position();
        Head h;
        if (!expect(v, fp, Kind::map, "map", h))
            return false;
        if (!v.skip_rest(h))
            return truncated(fp);
        out.assign(start, static_cast<std::size_t>(v.position() - start));
        return true;
    }
};

} // namespace ferry::wire::detail
