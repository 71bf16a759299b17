// Typed walk over a body's bytes: one reader per command body, on top of record_reader.hpp.
#include "body_reader.hpp"

#include "record_reader.hpp"

namespace ferry::wire::detail {
namespace {

// Command bodies: one reader per message struct, field indexes as in fields_of(command).
class BodyReader : public Reader {
  public:
    using Reader::read;

    bool read(Cursor& c, const Path& p, Ready& m) {
        return fields(c, p, fields_of(Command::ready), [&](int i, auto& v, auto& fp) {
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

    template <class S> bool read(Cursor& c, const Path& p, BasicJobs<S>& m) {
        return fields(c, p, fields_of(Command::jobs),
                      [&](int, auto& v, auto& fp) { return read(v, fp, m.jobs); });
    }

    template <class S> bool read(Cursor& c, const Path& p, BasicResults<S>& m) {
        return fields(c, p, fields_of(Command::results), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.results) : read(v, fp, m.credit);
        });
    }

    bool read(Cursor& c, const Path& p, Heartbeat&) { return empty(c, p); }
    bool read(Cursor& c, const Path& p, Status&) { return empty(c, p); }

    bool read(Cursor& c, const Path& p, Disconnect& m) {
        return fields(c, p, fields_of(Command::disconnect), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.reason) : read(v, fp, m.finished);
        });
    }

    bool read(Cursor& c, const Path& p, Cancel& m) {
        return fields(c, p, fields_of(Command::cancel), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.ids) : read(v, fp, m.code);
        });
    }

    bool read(Cursor& c, const Path& p, Exited& m) {
        return fields(c, p, fields_of(Command::exited), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.worker);
            case 1:
                return read(v, fp, m.exit_code);
            case 2:
                return read(v, fp, m.signal);
            case 3:
                return read(v, fp, m.rss_mb);
            case 4:
                return read(v, fp, m.reason);
            default:
                return read(v, fp, m.running);
            }
        });
    }

    bool read(Cursor& c, const Path& p, Welcome& m) {
        return fields(c, p, fields_of(Command::welcome), [&](int i, auto& v, auto& fp) {
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

    bool read(Cursor& c, const Path& p, ErrorReply& m) {
        return fields(c, p, fields_of(Command::error), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.code) : read(v, fp, m.message);
        });
    }

    template <class S> bool read(Cursor& c, const Path& p, BasicSubmit<S>& m) {
        return fields(c, p, fields_of(Command::submit), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.client);
            case 1:
                return read(v, fp, m.session);
            case 2:
                return read(v, fp, m.seq);
            default:
                return read(v, fp, m.jobs);
            }
        });
    }

    bool read(Cursor& c, const Path& p, Hello& m) {
        return fields(c, p, fields_of(Command::hello), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.client);
            case 1:
                return read(v, fp, m.session);
            default:
                return read(v, fp, m.heartbeat_ms);
            }
        });
    }

    template <class S> bool read(Cursor& c, const Path& p, BasicAck<S>& m) {
        return fields(c, p, fields_of(Command::ack), [&](int i, auto& v, auto& fp) {
            switch (i) {
            case 0:
                return read(v, fp, m.client);
            case 1:
                return read(v, fp, m.session);
            default:
                return read(v, fp, m.ranges);
            }
        });
    }

    bool read(Cursor& c, const Path& p, Accepted& m) {
        return fields(c, p, fields_of(Command::accepted), [&](int i, auto& v, auto& fp) {
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

    bool read(Cursor& c, const Path& p, Rejected& m) {
        return fields(c, p, fields_of(Command::rejected), [&](int i, auto& v, auto& fp) {
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

    template <class S> bool read(Cursor& c, const Path& p, BasicOutcomes<S>& m) {
        return fields(c, p, fields_of(Command::outcomes), [&](int i, auto& v, auto& fp) {
            return i == 0 ? read(v, fp, m.outcomes) : read(v, fp, m.seq);
        });
    }

    // The status map is kept as its original bytes (a re-encoding could differ from what was
    // sent): the cursor steps over the map and the bytes it stepped over are the value.
    bool read(Cursor& c, const Path& p, StatusReply& m) {
        return fields(c, p, fields_of(Command::status_reply), [&](int, Cursor& v, auto& fp) {
            const char* start = v.position();
            Head h;
            if (!expect(v, fp, Kind::map, "map", h))
                return false;
            if (!v.skip_rest(h))
                return truncated(fp);
            m.status.assign(start, static_cast<std::size_t>(v.position() - start));
            return true;
        });
    }

  private:
    bool empty(Cursor& c, const Path& p) {
        return fields(c, p, {}, [](int, auto&, auto&) { return true; });
    }
};

template <class T> std::variant<Message, DecodeError> read_as(std::string_view body) {
    BodyReader reader;
    Cursor cursor(body);
    T message{};
    const Path path{};
    if (!reader.read(cursor, path, message))
        return *std::move(reader.error);
    return Message{std::move(message)};
}

} // namespace

namespace {

// A reused message starts over but keeps its vectors' capacity.
template <class S> void restart(BasicSubmit<S>& m) {
    m.client = S{};
    m.session = S{};
    m.seq = 0;
    m.jobs.clear();
}
template <class S> void restart(BasicResults<S>& m) {
    m.results.clear();
    m.credit.reset();
}
template <class S> void restart(BasicJobs<S>& m) {
    m.jobs.clear();
}
template <class S> void restart(BasicOutcomes<S>& m) {
    m.outcomes.clear();
    m.seq.reset();
}
template <class S> void restart(BasicAck<S>& m) {
    m.client = S{};
    m.session = S{};
    m.ranges.clear();
}

} // namespace

template <class T>
std::optional<DecodeError> read_into(std::string_view body, T& out, bool unscanned) {
    restart(out);
    BodyReader reader;
    reader.unscanned = unscanned;
    Cursor cursor(body);
    const Path path{};
    if (!reader.read(cursor, path, out))
        return std::move(reader.error);
    if (cursor.remaining() != 0)
        return DecodeError{DecodeErrorKind::malformed, "trailing bytes after the body"};
    return std::nullopt;
}

template std::optional<DecodeError> read_into(std::string_view, SubmitView&, bool);
template std::optional<DecodeError> read_into(std::string_view, ResultsView&, bool);
template std::optional<DecodeError> read_into(std::string_view, JobsView&, bool);
template std::optional<DecodeError> read_into(std::string_view, OutcomesView&, bool);
template std::optional<DecodeError> read_into(std::string_view, AckView&, bool);

std::variant<Message, DecodeError> read_body(Command command, std::string_view body) {
    switch (command) {
    case Command::ready:
        return read_as<Ready>(body);
    case Command::jobs:
        return read_as<Jobs>(body);
    case Command::results:
        return read_as<Results>(body);
    case Command::heartbeat:
        return read_as<Heartbeat>(body);
    case Command::disconnect:
        return read_as<Disconnect>(body);
    case Command::cancel:
        return read_as<Cancel>(body);
    case Command::exited:
        return read_as<Exited>(body);
    case Command::welcome:
        return read_as<Welcome>(body);
    case Command::error:
        return read_as<ErrorReply>(body);
    case Command::submit:
        return read_as<Submit>(body);
    case Command::accepted:
        return read_as<Accepted>(body);
    case Command::rejected:
        return read_as<Rejected>(body);
    case Command::outcomes:
        return read_as<Outcomes>(body);
    case Command::hello:
        return read_as<Hello>(body);
    case Command::ack:
        return read_as<Ack>(body);
    case Command::status:
        return read_as<Status>(body);
    case Command::status_reply:
        return read_as<StatusReply>(body);
    }
    return DecodeError{DecodeErrorKind::unknown_command, "command not in the table"};
}

} // namespace ferry::wire::detail
