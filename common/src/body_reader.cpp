// Typed walk over msgpack::object: one reader per command body, on top of record_reader.hpp.
#include "body_reader.hpp"

#include "body_scan.hpp"
#include "record_reader.hpp"

namespace ferry::wire::detail {
namespace {

// Command bodies: one reader per message struct, field indexes as in fields_of(command).
class BodyReader : public Reader {
  public:
    using Reader::read;

    bool read(const msgpack::object& o, const Path& p, Ready& m) {
        return fields(o, p, fields_of(Command::ready), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.worker);
            case 1:
                return read(v, fp, m.host);
            case 2:
                return read(v, fp, m.pid);
            case 3:
                return read(v, fp, m.types);
            case 4:
                return read(v, fp, m.credit);
            default:
                return read(v, fp, m.heartbeat_ms);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Jobs& m) {
        return fields(o, p, fields_of(Command::jobs),
                      [&](int, auto& v, auto& fp) { return read(v, fp, m.jobs); });
    }

    bool read(const msgpack::object& o, const Path& p, Results& m) {
        return fields(o, p, fields_of(Command::results), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.results) : read(v, fp, m.credit);
        });
    }

    bool read(const msgpack::object& o, const Path& p, Heartbeat&) { return empty(o, p); }
    bool read(const msgpack::object& o, const Path& p, Status&) { return empty(o, p); }

    bool read(const msgpack::object& o, const Path& p, Disconnect& m) {
        return fields(o, p, fields_of(Command::disconnect),
                      [&](int, auto& v, auto& fp) { return read(v, fp, m.reason); });
    }

    bool read(const msgpack::object& o, const Path& p, Cancel& m) {
        return fields(o, p, fields_of(Command::cancel), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.ids) : read(v, fp, m.code);
        });
    }

    bool read(const msgpack::object& o, const Path& p, Exited& m) {
        return fields(o, p, fields_of(Command::exited), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.worker);
            case 1:
                return read(v, fp, m.exit_code);
            case 2:
                return read(v, fp, m.signal);
            case 3:
                return read(v, fp, m.rss_mb);
            default:
                return read(v, fp, m.reason);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Welcome& m) {
        return fields(o, p, fields_of(Command::welcome), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.broker);
            case 1:
                return read(v, fp, m.heartbeat_ms);
            default:
                return read(v, fp, m.liveness);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, ErrorReply& m) {
        return fields(o, p, fields_of(Command::error), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.code) : read(v, fp, m.message);
        });
    }

    bool read(const msgpack::object& o, const Path& p, Submit& m) {
        return fields(o, p, fields_of(Command::submit), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.client);
            case 1:
                return read(v, fp, m.seq);
            default:
                return read(v, fp, m.jobs);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Accepted& m) {
        return fields(o, p, fields_of(Command::accepted), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.seq);
            case 1:
                return read(v, fp, m.accepted);
            case 2:
                return read(v, fp, m.duplicates);
            default:
                return read(v, fp, m.credit);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Rejected& m) {
        return fields(o, p, fields_of(Command::rejected), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.seq);
            case 1:
                return read(v, fp, m.code);
            case 2:
                return read(v, fp, m.message);
            default:
                return read(v, fp, m.retry_after_ms);
            }
        });
    }

    bool read(const msgpack::object& o, const Path& p, Outcomes& m) {
        return fields(o, p, fields_of(Command::outcomes),
                      [&](int, auto& v, auto& fp) { return read(v, fp, m.outcomes); });
    }

    // The status map is kept as its original bytes, found again in the raw body, so the
    // broker and tools see exactly what was sent (the object tree would re-encode it).
    bool read(const msgpack::object& o, const Path& p, StatusReply& m) {
        return fields(o, p, fields_of(Command::status_reply), [&](int, auto& v, auto& fp) {
            if (v.type != object_type::MAP)
                return wrong_type(fp, "map", v);
            const auto raw = top_level_value(body, "status");
            if (!raw)
                return fail(DecodeErrorKind::malformed, fp, "could not locate the map");
            m.status.assign(raw->data(), raw->size());
            return true;
        });
    }

    std::string_view body; // raw body frame, for STATUS_REPLY

  private:
    bool empty(const msgpack::object& o, const Path& p) {
        return fields(o, p, {}, [](int, auto&, auto&) { return true; });
    }
};

template <class T>
std::variant<Message, DecodeError> read_as(const msgpack::object& root, std::string_view body) {
    BodyReader reader;
    reader.body = body;
    T message{};
    const Path path{};
    if (!reader.read(root, path, message))
        return *std::move(reader.error);
    return Message{std::move(message)};
}

} // namespace

std::variant<Message, DecodeError> read_body(Command command, const msgpack::object& root,
                                             std::string_view body) {
    switch (command) {
    case Command::ready:
        return read_as<Ready>(root, body);
    case Command::jobs:
        return read_as<Jobs>(root, body);
    case Command::results:
        return read_as<Results>(root, body);
    case Command::heartbeat:
        return read_as<Heartbeat>(root, body);
    case Command::disconnect:
        return read_as<Disconnect>(root, body);
    case Command::cancel:
        return read_as<Cancel>(root, body);
    case Command::exited:
        return read_as<Exited>(root, body);
    case Command::welcome:
        return read_as<Welcome>(root, body);
    case Command::error:
        return read_as<ErrorReply>(root, body);
    case Command::submit:
        return read_as<Submit>(root, body);
    case Command::accepted:
        return read_as<Accepted>(root, body);
    case Command::rejected:
        return read_as<Rejected>(root, body);
    case Command::outcomes:
        return read_as<Outcomes>(root, body);
    case Command::status:
        return read_as<Status>(root, body);
    case Command::status_reply:
        return read_as<StatusReply>(root, body);
    }
    return DecodeError{DecodeErrorKind::unknown_command, "command not in the table"};
}

} // namespace ferry::wire::detail
