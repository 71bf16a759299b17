// Reader of typed values and nested records from msgpack::object, with error paths.
#pragma once

#include "ferry/wire/codec.hpp"
#include "ferry/wire/fields.hpp"

#include <cstdint>
#include <limits>
#include <msgpack.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::wire::detail {

using msgpack::type::object_type;

// Where a value sits in the body, as a chain of stack frames; rendered only on error.
struct Path {
    const Path* parent = nullptr; // enclosing field or list
    std::string_view field;       // field name, empty for the root and list elements
    std::size_t index = 0;        // list position when is_index
    bool is_index = false;
};

// "jobs[3].id" for a path; empty for the root.
std::string render(const Path& path);

// MessagePack type of an object as named in error details ("int", "str", ...).
std::string_view type_name(const msgpack::object& o);

// Index of `key` in a field table, or -1. Linear: tables hold at most 8 short names.
int field_index(std::span<const FieldSpec> specs, std::string_view key);

// Reads values into fields, recording the first problem. Why bool returns rather than
// exceptions: this runs per job on the broker's hot path, and bad bytes are expected input.
class Reader {
  public:
    std::optional<DecodeError> error;

    bool fail(DecodeErrorKind kind, const Path& path, std::string_view what) {
        const std::string where = render(path);
        error = DecodeError{kind, where.empty() ? "body: " + std::string(what)
                                                : "field '" + where + "': " + std::string(what)};
        return false;
    }

    bool wrong_type(const Path& path, std::string_view expected, const msgpack::object& got) {
        return fail(DecodeErrorKind::wrong_type, path,
                    "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
    }

    bool read(const msgpack::object& o, const Path& p, std::string& out) {
        if (o.type != object_type::STR)
            return wrong_type(p, "str", o);
        out.assign(o.via.str.ptr, o.via.str.size);
        return true;
    }

    bool read_msgpack(const msgpack::object& o, const Path& p, std::string& out) {
        if (o.type != object_type::BIN)
            return wrong_type(p, "bin", o);
        out.assign(o.via.bin.ptr, o.via.bin.size);
        return true;
    }

    bool read_msgpack(const msgpack::object& o, const Path& p, std::optional<std::string>& out) {
        return read_msgpack(o, p, out.emplace());
    }

    bool read(const msgpack::object& o, const Path& p, std::uint64_t& out) {
        if (o.type != object_type::POSITIVE_INTEGER)
            return wrong_type(p, "uint", o);
        out = o.via.u64;
        return true;
    }

    bool read(const msgpack::object& o, const Path& p, std::int64_t& out) {
        if (o.type == object_type::NEGATIVE_INTEGER) {
            out = o.via.i64;
            return true;
        }
        if (o.type != object_type::POSITIVE_INTEGER)
            return wrong_type(p, "int", o);
        if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return fail(DecodeErrorKind::wrong_type, p, "int above the int64 range");
        }
        out = static_cast<std::int64_t>(o.via.u64);
        return true;
    }

    bool read(const msgpack::object& o, const Path& p, double& out) {
        if (o.type != object_type::FLOAT64 && o.type != object_type::FLOAT32) {
            return wrong_type(p, "float", o);
        }
        out = o.via.f64;
        return true;
    }

    bool read(const msgpack::object& o, const Path& p, bool& out) {
        if (o.type != object_type::BOOLEAN)
            return wrong_type(p, "bool", o);
        out = o.via.boolean;
        return true;
    }

    template <class T> bool read(const msgpack::object& o, const Path& p, std::optional<T>& out) {
        return read(o, p, out.emplace());
    }

    template <class T> bool read(const msgpack::object& o, const Path& p, std::vector<T>& out) {
        if (o.type != object_type::ARRAY)
            return wrong_type(p, "array", o);
        out.resize(o.via.array.size);
        for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
            const Path item{&p, {}, i, true};
            if (!read(o.via.array.ptr[i], item, out[i]))
                return false;
        }
        return true;
    }

    // Walks a map's str keys, hands each known field to `on_field(index, value, path)`, and
    // checks afterwards that every required field of `specs` was seen.
    template <class OnField>
    bool fields(const msgpack::object& o, const Path& p, std::span<const FieldSpec> specs,
                OnField&& on_field) {
        if (o.type != object_type::MAP)
            return wrong_type(p, "map", o);
        std::uint32_t seen = 0;
        for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
            const auto& kv = o.via.map.ptr[i];
            if (kv.key.type != object_type::STR)
                continue;
            const int index = field_index(specs, {kv.key.via.str.ptr, kv.key.via.str.size});
            if (index < 0)
                continue;
            seen |= 1u << index;
            const Path field{&p, specs[static_cast<std::size_t>(index)].name};
            if (!on_field(index, kv.val, field))
                return false;
        }
        return required_seen(p, specs, seen);
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

    bool read(const msgpack::object& o, const Path& p, Error& e) {
        return fields(o, p, fields_of(Record::error), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, e.code);
            case 1:
                return read(v, fp, e.message);
            case 2:
                return read(v, fp, e.traceback);
            case 3:
                return read(v, fp, e.retry_after_ms);
            default:
                return read(v, fp, e.worker);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, JobTypeCapacity& t) {
        return fields(o, p, fields_of(Record::job_type), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, t.type) : read(v, fp, t.max_batch);
        });
    }

    bool read(const msgpack::object& o, const Path& p, Job& j) {
        return fields(o, p, fields_of(Record::job), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, j.id);
            case 1:
                return read(v, fp, j.type);
            case 2:
                return read_msgpack(v, fp, j.payload);
            case 3:
                return read(v, fp, j.attempt);
            default:
                return read(v, fp, j.timeout_ms);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, SubmitJob& j) {
        return fields(o, p, fields_of(Record::submit_job), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, j.id);
            case 1:
                return read(v, fp, j.type);
            case 2:
                return read_msgpack(v, fp, j.payload);
            case 3:
                return read(v, fp, j.priority);
            case 4:
                return read(v, fp, j.timeout_ms);
            default:
                return read(v, fp, j.max_attempts);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Result& r) {
        return fields(o, p, fields_of(Record::result), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, r.id);
            case 1:
                return read(v, fp, r.ok);
            case 2:
                return read_msgpack(v, fp, r.result);
            case 3:
                return read(v, fp, r.error);
            default:
                return read(v, fp, r.ms);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Outcome& r) {
        return fields(o, p, fields_of(Record::outcome), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, r.id);
            case 1:
                return read(v, fp, r.ok);
            case 2:
                return read_msgpack(v, fp, r.result);
            case 3:
                return read(v, fp, r.error);
            case 4:
                return read(v, fp, r.attempts);
            case 5:
                return read(v, fp, r.causes);
            case 6:
                return read(v, fp, r.ms);
            default:
                return read(v, fp, r.worker);
            }
        });
    }
};

} // namespace ferry::wire::detail
