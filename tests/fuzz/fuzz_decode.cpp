// libFuzzer target: decode never crashes, and whatever decodes re-encodes to a stable value.
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = size < header_size ? size : header_size;
    const auto header = input.substr(0, split);
    const auto decoded = wire::decode(header, input.substr(split));
    if (const auto* message = std::get_if<wire::Message>(&decoded)) {
        check_round_trip(*message, static_cast<std::uint8_t>(header[header_size - 1]));
    } else if (std::get<wire::DecodeError>(decoded).detail.empty() && header.size() == 7) {
        broken("a decode error without a detail");
    }
    return 0;
}
