// Entry points of the codec: header checks, body pre-scan, typed walk over the bytes.
#include "ferry/wire/codec.hpp"

#include "body_reader.hpp"
#include "body_scan.hpp"
#include "body_writer.hpp"

#include <new>

namespace ferry::wire {
namespace {

DecodeError error(DecodeErrorKind kind, std::string detail) {
    return DecodeError{kind, std::move(detail)};
}

void set_header(Command command, std::string& header) {
    header.assign(signature);
    header.push_back(static_cast<char>(version));
    header.push_back(static_cast<char>(command));
}

std::string hex_byte(std::uint8_t byte) {
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[byte >> 4] + digits[byte & 0x0f];
}

// The scan checks completeness and limits without allocating; only then does the typed walk
// copy each value, once, into its struct field.
std::variant<Message, DecodeError> decode_body(Command command, std::string_view body) {
    if (auto problem = detail::scan_body(body))
        return *std::move(problem);
    return detail::read_body(command, body);
}

} // namespace

std::variant<Command, DecodeError> decode_header(std::string_view header) noexcept {
    try {
        if (header.size() != header_bytes || header.substr(0, signature.size()) != signature) {
            return error(DecodeErrorKind::bad_signature,
                         "header of " + std::to_string(header.size()) +
                             " bytes is not 'FERRY' + version + command");
        }
        const auto ver = static_cast<std::uint8_t>(header[signature.size()]);
        if (ver != version) {
            return error(DecodeErrorKind::version_mismatch,
                         "peer speaks version " + std::to_string(ver) + ", we speak " +
                             std::to_string(version));
        }
        const auto byte = static_cast<std::uint8_t>(header[signature.size() + 1]);
        if (const auto command = command_from_byte(byte))
            return *command;
        return error(DecodeErrorKind::unknown_command, "command byte " + hex_byte(byte));
    } catch (...) {
        return error(DecodeErrorKind::bad_signature, {});
    }
}

// Why a catch-all: bytes come from the network and the caller is the poll loop; allocation
// can fail on a huge message.
std::variant<Message, DecodeError> decode(std::string_view header, std::string_view body) noexcept {
    try {
        auto command = decode_header(header);
        if (auto* problem = std::get_if<DecodeError>(&command))
            return std::move(*problem);
        return decode_body(std::get<Command>(command), body);
    } catch (const std::bad_alloc&) {
        return DecodeError{DecodeErrorKind::too_large, "out of memory while decoding"};
    } catch (const std::exception& e) {
        return DecodeError{DecodeErrorKind::malformed, e.what()};
    } catch (...) {
        return DecodeError{DecodeErrorKind::malformed, "unknown failure while decoding"};
    }
}

std::string encode_header(Command command) {
    std::string header(signature);
    header.push_back(static_cast<char>(version));
    header.push_back(static_cast<char>(command));
    return header;
}

void encode_into(const Message& message, Frames& out) {
    set_header(command_of(message), out.header);
    out.body.clear();
    detail::write_body(message, out.body);
}

namespace {

// One pass for a sound body: the typed read enforces the scan's limits itself. A body it refuses
// is scanned and read again the usual way, so the error (kind and detail) is exactly decode()'s.
template <class T>
std::optional<DecodeError> decode_view_of(std::string_view body, T& out) noexcept {
    try {
        if (!detail::read_into(body, out, true))
            return std::nullopt;
        if (auto problem = detail::scan_body(body))
            return problem;
        return detail::read_into(body, out, false);
    } catch (const std::bad_alloc&) {
        return DecodeError{DecodeErrorKind::too_large, "out of memory while decoding"};
    } catch (...) {
        return DecodeError{DecodeErrorKind::malformed, "unknown failure while decoding"};
    }
}

template <class T> void encode_view_into(Command command, const T& message, Frames& out) {
    set_header(command, out.header);
    out.body.clear();
    detail::write_body_of(message, out.body);
}

} // namespace

std::optional<DecodeError> decode_view(std::string_view body, SubmitView& out) noexcept {
    return decode_view_of(body, out);
}
std::optional<DecodeError> decode_view(std::string_view body, ResultsView& out) noexcept {
    return decode_view_of(body, out);
}
std::optional<DecodeError> decode_view(std::string_view body, JobsView& out) noexcept {
    return decode_view_of(body, out);
}
std::optional<DecodeError> decode_view(std::string_view body, OutcomesView& out) noexcept {
    return decode_view_of(body, out);
}
std::optional<DecodeError> decode_view(std::string_view body, AckView& out) noexcept {
    return decode_view_of(body, out);
}

void encode_into(const SubmitView& message, Frames& out) {
    encode_view_into(Command::submit, message, out);
}
void encode_into(const ResultsView& message, Frames& out) {
    encode_view_into(Command::results, message, out);
}
void encode_into(const JobsView& message, Frames& out) {
    encode_view_into(Command::jobs, message, out);
}
void encode_into(const OutcomesView& message, Frames& out) {
    encode_view_into(Command::outcomes, message, out);
}
void encode_into(const AckView& message, Frames& out) {
    encode_view_into(Command::ack, message, out);
}

void append_outcome(const OutcomeView& outcome, std::string& records) {
    detail::append_outcome(outcome, records);
}

void encode_outcomes(std::string_view records, std::size_t count, Frames& out,
                     std::optional<std::uint64_t> seq) {
    set_header(Command::outcomes, out.header);
    out.body.clear();
    detail::write_outcomes_body(records, count, seq, out.body);
}

Frames encode(const Message& message) {
    Frames frames;
    encode_into(message, frames);
    return frames;
}

} // namespace ferry::wire
