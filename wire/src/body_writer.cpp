// Encoder of message bodies; key names come from the fields.hpp tables.
#include "body_writer.hpp"

#include "ferry/wire/field_binding.hpp"
#include "ferry/wire/fields.hpp"
#include "ferry/wire/float64.hpp"
#include "ferry/wire/msgpack_append.hpp"

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
// that is appended in one call, and large pieces (payloads) go straight through. The headers'
// bytes come from msgpack_append.hpp, which the producer's JSON packing writes with too.
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

    // A header from msgpack_append.hpp: its whole array copied (a fixed size), its size kept.
    void head(const MsgpackHead& h) {
        if (used_ + h.bytes.size() > sizeof(buffer_))
            flush();
        std::memcpy(buffer_ + used_, h.bytes.data(), h.bytes.size());
        used_ += h.size;
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

// Whether a member goes on the wire: an optional when set, an `empty_is_absent` list when not
// empty, anything else always.
template <class T, class M> std::uint32_t present(const std::optional<T>& value, const M&) {
    return value.has_value() ? 1u : 0u;
}
template <class T, class M> std::uint32_t present(const T& value, const M&) {
    if constexpr (M::form == FieldForm::empty_is_absent)
        return value.empty() ? 0u : 1u;
    else
        return 1u;
}
template <class T> std::uint32_t present(const std::optional<T>& value) {
    return value.has_value() ? 1u : 0u;
}

// Writes maps field by field; `specs` names the keys so encoder and tables cannot drift.
class Writer {
  public:
    explicit Writer(std::string& out) : sink_(out) {}

    void map(std::uint32_t pairs) { sink_.head(map_head(pairs)); }
    void array(std::uint32_t items) { sink_.head(array_head(items)); }

    void key(const FieldSpec& spec) { value(spec.name); }

    void value(std::string_view s) {
        sink_.head(str_head(s.size()));
        sink_.write(s.data(), s.size());
    }
    void value(std::uint64_t v) { sink_.head(uint_head(v)); }
    // Negative values take the smallest signed form; non-negative ones are written as uint.
    void value(std::int64_t v) { sink_.head(int_head(v)); }
    void value(double v);
    void value(bool v) { sink_.byte(v ? 0xc3 : 0xc2); }

    // A record or a message body: a map of its present fields, in the generated binding's
    // order (message_structs.hpp), so each field's key and value come from one table walk.
    template <Bound T> void value(const T& record) {
        std::uint32_t pairs = 0;
        for_each_field<T>(
            [&](const FieldSpec&, const auto& m) { pairs += present(record.*m.ptr, m); });
        map(pairs);
        for_each_field<T>(
            [&](const FieldSpec& spec, const auto& m) { member(spec, record.*m.ptr, m); });
    }

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

    // One member by its form; an absent optional or an empty `empty_is_absent` list writes nothing.
    template <class F, class M> void member(const FieldSpec& spec, const F& v, const M&) {
        if constexpr (M::form == FieldForm::msgpack)
            bin_field(spec, v);
        else if constexpr (M::form == FieldForm::raw_map)
            raw_field(spec, v);
        else if constexpr (M::form == FieldForm::empty_is_absent) {
            if (!v.empty())
                field(spec, v);
        } else
            field(spec, v);
    }

    // A `msgpack`-typed field: the embedded value travels as bin, bytes verbatim.
    void bin_field(const FieldSpec& spec, std::string_view bytes) {
        key(spec);
        sink_.head(bin_head(bytes.size()));
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
};

// Always float 64 (see float64.hpp): a decoder of a `float` field refuses an int as WRONG_TYPE.
void Writer::value(double v) {
    const auto bytes = float64_bytes(v);
    sink_.write(bytes.data(), bytes.size());
}

} // namespace

void write_body(const Message& message, std::string& out) {
    Writer writer(out);
    std::visit([&](const auto& m) { writer.value(m); }, message);
}

template <class T> void write_body_of(const T& message, std::string& out) {
    Writer writer(out);
    writer.value(message);
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
    const auto f = FieldsOf<OutcomesView>::specs;
    Writer writer(out);
    writer.map(1 + present(seq));
    writer.key(f[0]);
    writer.array(static_cast<std::uint32_t>(count));
    writer.raw(records);
    writer.field(f[1], seq);
}

} // namespace ferry::wire::detail
