// libFuzzer target: decode never crashes, whatever decodes re-encodes to a stable value, and
// decode_view agrees with decode.
#include "ferry/wire/codec.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>

namespace {

namespace wire = ferry::wire;

// Input format: the first 7 bytes are the header frame, the rest is the body frame (inputs
// shorter than 7 bytes are all header and an empty body). run_fuzz.sh seeds the corpus this way.
constexpr std::size_t header_size = wire::header_bytes;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "fuzz_decode: round-trip property broken: %s\n", what);
    std::abort();
}

// The property: decode(encode(m)) succeeds with the same command, and encoding that again
// yields the same bytes (bytes, not ==, so a NaN float does not count as a difference).
void check_round_trip(const wire::Message& message, std::uint8_t command_byte) {
    if (static_cast<std::uint8_t>(wire::command_of(message)) != command_byte) {
        broken("decoded command differs from the header byte");
    }
    const auto first = wire::encode(message);
    const auto again = wire::decode(first.header, first.body);
    const auto* decoded = std::get_if<wire::Message>(&again);
    if (decoded == nullptr) {
        const auto& error = std::get<wire::DecodeError>(again);
        std::fprintf(stderr, "fuzz_decode: %s: %s\n", wire::name_of(error.kind).data(),
                     error.detail.c_str());
        broken("an encoded message does not decode");
    }
    const auto second = wire::encode(*decoded);
    if (second.header != first.header || second.body != first.body) {
        broken("re-encoding a decoded message changes its bytes");
    }
}

// The second property: for the hot commands, decode_view (one pass, its own limit checks)
// agrees with decode (pre-scan, then read) on every body: the same error kind and detail, or a
// view that encodes to the same bytes.
template <class View>
void check_view(const std::variant<wire::Message, wire::DecodeError>& decoded,
                std::string_view body) {
    View view;
    const auto problem = wire::decode_view(body, view);
    if (const auto* error = std::get_if<wire::DecodeError>(&decoded)) {
        if (!problem || problem->kind != error->kind || problem->detail != error->detail) {
            broken("decode_view and decode disagree on a refused body");
        }
        return;
    }
    if (problem) {
        broken("decode_view refuses a body decode accepts");
    }
    wire::Frames from_view;
    wire::encode_into(view, from_view);
    if (from_view.body != wire::encode(std::get<wire::Message>(decoded)).body) {
        broken("decode_view reads a body differently from decode");
    }
}

void check_views(const std::variant<wire::Message, wire::DecodeError>& decoded,
                 std::string_view header, std::string_view body) {
    const auto command = wire::decode_header(header);
    const auto* known = std::get_if<wire::Command>(&command);
    if (known == nullptr) {
        return;
    }
    switch (*known) {
    case wire::Command::submit:
        return check_view<wire::SubmitView>(decoded, body);
    case wire::Command::results:
        return check_view<wire::ResultsView>(decoded, body);
    case wire::Command::jobs:
        return check_view<wire::JobsView>(decoded, body);
    case wire::Command::outcomes:
        return check_view<wire::OutcomesView>(decoded, body);
    default:
        return;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = size < header_size ? size : header_size;
    const auto header = input.substr(0, split);
    const auto decoded = wire::decode(header, input.substr(split));
    check_views(decoded, header, input.substr(split));
    if (const auto* message = std::get_if<wire::Message>(&decoded)) {
        check_round_trip(*message, static_cast<std::uint8_t>(header[header_size - 1]));
    } else if (std::get<wire::DecodeError>(decoded).detail.empty() && header.size() == 7) {
        broken("a decode error without a detail");
    }
    return 0;
}
