// Encoder of message bodies; key names come from the fields.hpp tables.
#include "body_writer.hpp"

#include "ferry/wire/fields.hpp"
#include "ferry/wire/float64.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace ferry::wire::detail {
namespace {

// MessagePack bytes into the frame string, smallest encoding first (the canonical form that
// protocol.yaml's vectors fix, byte for byte). Why our own and not msgpack-c's packer: a value
// goes out in pieces of one to nine bytes, and the packer's stream call per piece (a
// std::string::append each) cost more than the bytes; here pieces gather in a staging buffer
// that is appended in one call, and large pieces (payloads) go straight through.
class ByteSink {
  public:
    explicit ByteSink(std::string& out) : out_(&out) {}
    ~ByteSink() { flush(); }
    ByteSink(const ByteSink&) = delete;
    ByteSink& operator=(const ByteSink&) = delete;

    void byte(std::uint8_t b) {
        if (used_ == sizeof(buffer_))
            flush();
        buffer_[used_++] = static_cast<char>(b);
    }

    // A marker byte followed by `width` big-endian bytes of `value`.
    void marked(std::uint8_t marker, std::uint64_t value, unsigned width) {
        if (used_ + 9 > sizeof(buffer_))
            flush();
        buffer_[used_++] = static_cast<char>(marker);
        for (unsigned i = width; i-- > 0;)
            buffer_[used_++] = static_cast<char>(value >> (8 * i));
    }

    void write(const char* data, std::size_t size) {
        if (size <= sizeof(buffer_) - used_) {
            std::memcpy(buffer_ + used_, data, size);
            used_ += size;
            return;
        }
        flush();
        if (size < sizeof(buffer_)) {
            std::memcpy(buffer_, data, size);
            used_ = size;
        } else {
            out_->append(data, size);
        }
    }

    void flush() {
        out_->append(buffer_, used_);
        used_ = 0;
    }

  private:
    std::string* out_;
    std::size_t used_ = 0;
    char buffer_[256];
};

template <class T> std::uint32_t present(const std::optional<T>& value) {
    return value.has_value() ? 1u : 0u;
}

// Writes maps field by field; `specs` names the keys so encoder and tables cannot drift.
class Writer {
  public:
    explicit Writer(std::string& out) : sink_(out) {}

    void map(std::uint32_t pairs) { header(pairs, 0x80, 16, 0xde); }
    void array(std::uint32_t items) { header(items, 0x90, 16, 0xdc); }

    void key(const FieldSpec& spec) { value(spec.name); }

    void value(std::string_view s) {
        const auto size = static_cast<std::uint32_t>(s.size());
        if (size < 32)
            sink_.byte(static_cast<std::uint8_t>(0xa0 | size));
        else if (size <= 0xff)
            sink_.marked(0xd9, size, 1);
        else
            sized(size, 0xda);
        sink_.write(s.data(), s.size());
    }
    void value(std::uint64_t v) {
        if (v < 128)
            sink_.byte(static_cast<std::uint8_t>(v));
        else
            unsigned_int(v);
    }
    // Negative values take the smallest signed form; non-negative ones are written as uint.
    void value(std::int64_t v) {
        if (v >= -32) {
            if (v < 128)
                sink_.byte(static_cast<std::uint8_t>(v));
            else
                unsigned_int(static_cast<std::uint64_t>(v));
        } else if (v >= -128) {
            sink_.marked(0xd0, static_cast<std::uint64_t>(v), 1);
        } else if (v >= -32768) {
            sink_.marked(0xd1, static_cast<std::uint64_t>(v), 2);
        } else if (v >= INT32_MIN) {
            sink_.marked(0xd2, static_cast<std::uint64_t>(v), 4);
        } else {
            sink_.marked(0xd3, static_cast<std::uint64_t>(v), 8);
        }
    }
    void value(double v);
    void value(bool v) { sink_.byte(v ? 0xc3 : 0xc2); }
    void value(const Error& e);
    void value(const JobTypeCapacity& t);
    template <class S> void value(const BasicJob<S>& j);
    template <class S> void value(const BasicSubmitJob<S>& j);
    template <class S> void value(const BasicResult<S>& r);
    template <class S> void value(const BasicOutcome<S>& r);

    template <class T> void value(const std::vector<T>& items) {
        array(static_cast<std::uint32_t>(items.size()));
        for (const auto& item : items)
            value(item);
    }

    template <class T> void field(const FieldSpec& spec, const T& v) {
        key(spec);
        value(v);
    }

    template <class T> void field(const FieldSpec& spec, const std::optional<T>& v) {
        if (v)
            field(spec, *v);
    }

    // A `msgpack`-typed field: the embedded value travels as bin, bytes verbatim.
    void bin_field(const FieldSpec& spec, std::string_view bytes) {
        key(spec);
        const auto size = static_cast<std::uint32_t>(bytes.size());
        if (size <= 0xff)
            sink_.marked(0xc4, size, 1);
        else
            sized(size, 0xc5);
        sink_.write(bytes.data(), bytes.size());
    }

    template <class S> void bin_field(const FieldSpec& spec, const std::optional<S>& bytes) {
        if (bytes)
            bin_field(spec, *bytes);
    }

    // Bytes already encoded, written as they are.
    void raw(std::string_view encoded) { sink_.write(encoded.data(), encoded.size()); }

    // An already-encoded map written inline (STATUS_REPLY's status); empty means {}.
    void raw_field(const FieldSpec& spec, const std::string& encoded) {
        key(spec);
        if (encoded.empty()) {
            map(0);
        } else {
            sink_.write(encoded.data(), encoded.size());
        }
    }

  private:
    ByteSink sink_;

    // A count: fix form below `fix_limit`, else the 16-bit marker or the 32-bit one after it.
    void header(std::uint32_t count, std::uint8_t fix, std::uint32_t fix_limit, std::uint8_t m16) {
        if (count < fix_limit)
            sink_.byte(static_cast<std::uint8_t>(fix | count));
        else
            sized(count, m16);
    }
    // A 16-bit length after `m16`, or a 32-bit one after the next marker.
    void sized(std::uint32_t size, std::uint8_t m16) {
        if (size <= 0xffff)
            sink_.marked(m16, size, 2);
        else
            sink_.marked(static_cast<std::uint8_t>(m16 + 1), size, 4);
    }
    void unsigned_int(std::uint64_t v) {
        if (v <= 0xff)
            sink_.marked(0xcc, v, 1);
        else if (v <= 0xffff)
            sink_.marked(0xcd, v, 2);
        else if (v <= 0xffffffff)
            sink_.marked(0xce, v, 4);
        else
            sink_.marked(0xcf, v, 8);
    }
};

// Always float 64 (see float64.hpp): a decoder of a `float` field refuses an int as WRONG_TYPE.
void Writer::value(double v) {
    const auto bytes = float64_bytes(v);
    sink_.write(bytes.data(), bytes.size());
}

void Writer::value(const Error& e) {
    const auto f = fields_of(Record::error);
    map(2 + present(e.traceback) + present(e.retry_after_ms) + present(e.worker));
    field(f[0], e.code);
    field(f[1], e.message);
    field(f[2], e.traceback);
    field(f[3], e.retry_after_ms);
    field(f[4], e.worker);
}

void Writer::value(const JobTypeCapacity& t) {
    const auto f = fields_of(Record::job_type);
    map(2 + present(t.max_delay_ms));
    field(f[0], t.type);
    field(f[1], t.max_batch);
    field(f[2], t.max_delay_ms);
}

template <class S> void Writer::value(const BasicJob<S>& j) {
    const auto f = fields_of(Record::job);
    map(4 + present(j.timeout_ms));
    field(f[0], j.id);
    field(f[1], j.type);
    bin_field(f[2], j.payload);
    field(f[3], j.attempt);
    field(f[4], j.timeout_ms);
}

template <class S> void Writer::value(const BasicSubmitJob<S>& j) {
    const auto f = fields_of(Record::submit_job);
    map(3 + present(j.priority) + present(j.timeout_ms) + present(j.max_attempts));
    field(f[0], j.id);
    field(f[1], j.type);
    bin_field(f[2], j.payload);
    field(f[3], j.priority);
    field(f[4], j.timeout_ms);
    field(f[5], j.max_attempts);
}

template <class S> void Writer::value(const BasicResult<S>& r) {
    const auto f = fields_of(Record::result);
    map(2 + present(r.result) + present(r.error) + present(r.ms));
    field(f[0], r.id);
    field(f[1], r.ok);
    bin_field(f[2], r.result);
    field(f[3], r.error);
    field(f[4], r.ms);
}

// `causes` is omitted when empty (messages.hpp), so an empty list never travels.
template <class S> void Writer::value(const BasicOutcome<S>& r) {
    const auto f = fields_of(Record::outcome);
    const std::uint32_t has_causes = r.causes.empty() ? 0u : 1u;
    map(3 + present(r.result) + present(r.error) + has_causes + present(r.ms) + present(r.worker) +
        present(r.queue_ms) + present(r.handler_ms));
    field(f[0], r.id);
    field(f[1], r.ok);
    bin_field(f[2], r.result);
    field(f[3], r.error);
    field(f[4], r.attempts);
    if (has_causes)
        field(f[5], r.causes);
    field(f[6], r.ms);
    field(f[7], r.worker);
    field(f[8], r.queue_ms);
    field(f[9], r.handler_ms);
}

} // namespace

namespace {

void write(Writer& w, const Ready& m) {
    const auto f = fields_of(Command::ready);
    w.map(6);
    w.field(f[0], m.worker);
    w.field(f[1], m.host);
    w.field(f[2], m.pid);
    w.field(f[3], m.types);
    w.field(f[4], m.credit);
    w.field(f[5], m.heartbeat_ms);
}

template <class S> void write(Writer& w, const BasicJobs<S>& m) {
    w.map(1);
    w.field(fields_of(Command::jobs)[0], m.jobs);
}

template <class S> void write(Writer& w, const BasicResults<S>& m) {
    const auto f = fields_of(Command::results);
    w.map(1 + present(m.credit));
    w.field(f[0], m.results);
    w.field(f[1], m.credit);
}

void write(Writer& w, const Heartbeat&) {
    w.map(0);
}
void write(Writer& w, const Status&) {
    w.map(0);
}

void write(Writer& w, const Disconnect& m) {
    const auto f = fields_of(Command::disconnect);
    w.map(present(m.reason) + present(m.finished));
    w.field(f[0], m.reason);
    w.field(f[1], m.finished);
}

void write(Writer& w, const Cancel& m) {
    const auto f = fields_of(Command::cancel);
    w.map(2);
    w.field(f[0], m.ids);
    w.field(f[1], m.code);
}

void write(Writer& w, const Exited& m) {
    const auto f = fields_of(Command::exited);
    w.map(2 + present(m.exit_code) + present(m.signal) + present(m.rss_mb) + present(m.running));
    w.field(f[0], m.worker);
    w.field(f[1], m.exit_code);
    w.field(f[2], m.signal);
    w.field(f[3], m.rss_mb);
    w.field(f[4], m.reason);
    w.field(f[5], m.running);
}

void write(Writer& w, const Welcome& m) {
    const auto f = fields_of(Command::welcome);
    w.map(3);
    w.field(f[0], m.broker);
    w.field(f[1], m.heartbeat_ms);
    w.field(f[2], m.liveness);
}

void write(Writer& w, const ErrorReply& m) {
    const auto f = fields_of(Command::error);
    w.map(2);
    w.field(f[0], m.code);
    w.field(f[1], m.message);
}

template <class S> void write(Writer& w, const BasicSubmit<S>& m) {
    const auto f = fields_of(Command::submit);
    w.map(4);
    w.field(f[0], m.client);
    w.field(f[1], m.session);
    w.field(f[2], m.seq);
    w.field(f[3], m.jobs);
}

void write(Writer& w, const Hello& m) {
    const auto f = fields_of(Command::hello);
    w.map(3);
    w.field(f[0], m.client);
    w.field(f[1], m.session);
    w.field(f[2], m.heartbeat_ms);
}

template <class S> void write(Writer& w, const BasicAck<S>& m) {
    const auto f = fields_of(Command::ack);
    w.map(3);
    w.field(f[0], m.client);
    w.field(f[1], m.session);
    w.field(f[2], m.ranges);
}

void write(Writer& w, const Accepted& m) {
    const auto f = fields_of(Command::accepted);
    w.map(4);
    w.field(f[0], m.seq);
    w.field(f[1], m.accepted);
    w.field(f[2], m.duplicates);
    w.field(f[3], m.credit);
}

void write(Writer& w, const Rejected& m) {
    const auto f = fields_of(Command::rejected);
    w.map(4);
    w.field(f[0], m.seq);
    w.field(f[1], m.code);
    w.field(f[2], m.message);
    w.field(f[3], m.retry_after_ms);
}

template <class S> void write(Writer& w, const BasicOutcomes<S>& m) {
    const auto f = fields_of(Command::outcomes);
    w.map(1 + present(m.seq));
    w.field(f[0], m.outcomes);
    w.field(f[1], m.seq);
}

void write(Writer& w, const StatusReply& m) {
    w.map(1);
    w.raw_field(fields_of(Command::status_reply)[0], m.status);
}

} // namespace

void write_body(const Message& message, std::string& out) {
    Writer writer(out);
    std::visit([&](const auto& m) { write(writer, m); }, message);
}

template <class T> void write_body_of(const T& message, std::string& out) {
    Writer writer(out);
    write(writer, message);
}

template void write_body_of(const SubmitView&, std::string&);
template void write_body_of(const ResultsView&, std::string&);
template void write_body_of(const JobsView&, std::string&);
template void write_body_of(const OutcomesView&, std::string&);
template void write_body_of(const AckView&, std::string&);

void append_outcome(const OutcomeView& outcome, std::string& out) {
    Writer writer(out);
    writer.value(outcome);
}

void write_outcomes_body(std::string_view records, std::size_t count,
                         std::optional<std::uint64_t> seq, std::string& out) {
    const auto f = fields_of(Command::outcomes);
    Writer writer(out);
    writer.map(1 + present(seq));
    writer.key(f[0]);
    writer.array(static_cast<std::uint32_t>(count));
    writer.raw(records);
    writer.field(f[1], seq);
}

} // namespace ferry::wire::detail
