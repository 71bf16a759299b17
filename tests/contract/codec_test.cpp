// Codec behaviour the vectors do not pin down: header helpers, buffer reuse, hostile sizes.
#include "ferry/wire/codec.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <variant>

namespace wire = ferry::wire;

namespace {

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

std::optional<wire::DecodeErrorKind> error_kind(std::string_view header, std::string_view body) {
    const auto decoded = wire::decode(header, body);
    if (const auto* e = std::get_if<wire::DecodeError>(&decoded))
        return e->kind;
    return std::nullopt;
}

} // namespace

TEST_CASE("decode_header reads the command of a good header and refuses bad ones") {
    const auto header = wire::encode_header(wire::Command::results);
    CHECK(header == std::string("FERRY\x01\x03", 7));
    CHECK(std::get<wire::Command>(wire::decode_header(header)) == wire::Command::results);
    auto kind = [](std::string_view h) {
        return std::get<wire::DecodeError>(wire::decode_header(h)).kind;
    };
    CHECK(kind("") == wire::DecodeErrorKind::bad_signature);
    CHECK(kind(std::string("ferry\x01\x03", 7)) == wire::DecodeErrorKind::bad_signature);
    CHECK(kind(std::string("FERRY\x00\x03", 7)) == wire::DecodeErrorKind::version_mismatch);
    CHECK(kind(std::string("FERRY\x01\x00", 7)) == wire::DecodeErrorKind::unknown_command);
}

TEST_CASE("encode_into gives the same bytes as encode and reuses its buffers") {
    wire::Jobs jobs;
    for (int i = 0; i < 100; ++i) {
        jobs.jobs.push_back(
            {"job-" + std::to_string(i), "echo", std::string("\x91\x01", 2), 1, std::nullopt});
    }
    wire::Frames frames;
    wire::encode_into(jobs, frames);
    const auto* storage = frames.body.data();
    wire::encode_into(jobs, frames);
    CHECK(frames.body.data() == storage);
    const auto fresh = wire::encode(jobs);
    CHECK(frames.header == fresh.header);
    CHECK(frames.body == fresh.body);
    const auto decoded = wire::decode(frames.header, frames.body);
    REQUIRE(std::holds_alternative<wire::Message>(decoded));
    CHECK(std::get<wire::Message>(decoded) == wire::Message{jobs});
}

TEST_CASE("A STATUS_REPLY without a status map encodes an empty map") {
    const auto frames = wire::encode(wire::StatusReply{});
    const auto decoded = wire::decode(frames.header, frames.body);
    REQUIRE(std::holds_alternative<wire::Message>(decoded));
    CHECK(std::get<wire::StatusReply>(std::get<wire::Message>(decoded)).status == "\x80");
}

TEST_CASE("Nested arrays declaring 65536 elements each are refused without a big allocation") {
    std::string body = "\x81\xa1x";
    for (int i = 0; i < 40000; ++i)
        body += "\xdd" + be32(65536);
    const auto header = wire::encode_header(wire::Command::heartbeat);
    CHECK(error_kind(header, body) == wire::DecodeErrorKind::too_large);
}

TEST_CASE("A wide array of empty arrays within the limits decodes") {
    std::string body = "\x81\xa1x\xdd" + be32(65536) + std::string(65536, '\x90');
    const auto header = wire::encode_header(wire::Command::heartbeat);
    CHECK_FALSE(error_kind(header, body).has_value());
}

TEST_CASE("Map keys that are not strings are ignored like unknown keys") {
    const std::string body = "\x82\x01\x02\xa6"
                             "reason"
                             "\xa2"
                             "ok";
    const auto decoded = wire::decode(wire::encode_header(wire::Command::disconnect), body);
    REQUIRE(std::holds_alternative<wire::Message>(decoded));
    CHECK(std::get<wire::Disconnect>(std::get<wire::Message>(decoded)).reason == "ok");
}

TEST_CASE("A map above max_batch pairs is too large") {
    const std::string body = "\xdf" + be32(65537);
    CHECK(error_kind(wire::encode_header(wire::Command::status), body) ==
          wire::DecodeErrorKind::too_large);
}

TEST_CASE("An int above the int64 range is a wrong type for a signed field") {
    std::string body = "\x83\xa6"
                       "worker"
                       "\xa1"
                       "w"
                       "\xa9"
                       "exit_code"
                       "\xcf";
    body += std::string(8, '\xff');
    body += "\xa6"
            "reason"
            "\xa1"
            "r";
    CHECK(error_kind(wire::encode_header(wire::Command::exited), body) ==
          wire::DecodeErrorKind::wrong_type);
}
