// Codec behaviour the vectors do not pin down: header helpers, buffer reuse, hostile sizes.
#include "ferry/wire/codec.hpp"
#include "ferry/wire/fields.hpp"
#include "ferry/wire/msgpack_values.hpp"
#include "record_reader.hpp" // white box: field_index
#include "wire_test_support.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>
#include <string>
#include <variant>
#include <vector>

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

// A RESULTS body with one failed result whose error map is what pack_error writes.
std::string results_body_with(const wire::Error& error) {
    msgpack::sbuffer buffer;
    wire::SbufferPacker packer(buffer);
    packer.pack_map(1);
    wire::pack_str(packer, "results");
    packer.pack_array(1);
    packer.pack_map(3);
    wire::pack_str(packer, "id");
    wire::pack_str(packer, "job-1");
    wire::pack_str(packer, "ok");
    packer.pack_false();
    wire::pack_str(packer, "error");
    wire::pack_error(packer, error);
    return {buffer.data(), buffer.size()};
}

} // namespace

TEST_CASE(
    "pack_error writes every error field including retry_after_ms and the codec reads it back") {
    const wire::Error full{"RETRY", "busy", "Traceback ...", 1500, "w-3"};
    const wire::Error bare{"TIMEOUT", "slow", std::nullopt, std::nullopt, std::nullopt};
    for (const wire::Error& error : {full, bare}) {
        const auto decoded =
            wire::decode(wire::encode_header(wire::Command::results), results_body_with(error));
        REQUIRE(std::holds_alternative<wire::Message>(decoded));
        const auto& results = std::get<wire::Results>(std::get<wire::Message>(decoded));
        REQUIRE(results.results.size() == 1);
        CHECK(results.results[0].error == error);
    }
}

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

namespace {

// msgpack-c's packer as the reference encoder of one SUBMIT job: the same map in the same order.
std::string reference_submit_body(const wire::SubmitJob& job) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    const auto str = [&packer](std::string_view s) {
        packer.pack_str(static_cast<std::uint32_t>(s.size()));
        packer.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    };
    packer.pack_map(4);
    str("client");
    str("c");
    str("session");
    str("s");
    str("seq");
    packer.pack_uint64(7);
    str("jobs");
    packer.pack_array(1);
    packer.pack_map(5);
    str("id");
    str(job.id);
    str("type");
    str(job.type);
    str("payload");
    packer.pack_bin(static_cast<std::uint32_t>(job.payload.size()));
    packer.pack_bin_body(job.payload.data(), static_cast<std::uint32_t>(job.payload.size()));
    str("priority");
    packer.pack_int64(*job.priority);
    str("timeout_ms");
    packer.pack_uint64(*job.timeout_ms);
    return std::string(buffer.data(), buffer.size());
}

} // namespace

// The encoder writes MessagePack itself; msgpack-c's packer, which also picks the smallest form,
// is the reference at every width boundary of ints, strs and bins.
TEST_CASE("The encoder's ints, strs and bins match msgpack-c's packer at every width boundary") {
    const std::vector<std::int64_t> ints = {0,
                                            1,
                                            31,
                                            32,
                                            127,
                                            128,
                                            255,
                                            256,
                                            65535,
                                            65536,
                                            4294967295LL,
                                            4294967296LL,
                                            INT64_MAX,
                                            -1,
                                            -31,
                                            -32,
                                            -33,
                                            -127,
                                            -128,
                                            -129,
                                            -32767,
                                            -32768,
                                            -32769,
                                            -2147483647LL,
                                            -2147483648LL,
                                            -2147483649LL,
                                            INT64_MIN};
    const std::vector<std::uint64_t> uints = {
        0, 127, 128, 255, 256, 65535, 65536, 4294967295ULL, 4294967296ULL, UINT64_MAX};
    const std::vector<std::size_t> sizes = {0, 1, 31, 32, 255, 256, 65535, 65536, 70000};
    for (std::size_t i = 0; i < std::max({ints.size(), uints.size(), sizes.size()}); ++i) {
        const std::size_t size = sizes[i % sizes.size()];
        wire::SubmitJob job{
            std::string(size, 'i'),  std::string(sizes[(i + 3) % sizes.size()], 't'),
            std::string(size, 'p'),  ints[i % ints.size()],
            uints[i % uints.size()], std::nullopt};
        INFO("int " << *job.priority << ", uint " << *job.timeout_ms << ", size " << size);
        const auto frames = wire::encode(wire::Submit{"c", "s", 7, {job}});
        CHECK(frames.body == reference_submit_body(job));
    }
}

// Field lookup compares keys with overlapping word loads; every key of every table must be found
// from any hint, and a key differing from it in any one byte (or one byte longer) must not be.
TEST_CASE("Field lookup finds every key and refuses every one-byte change of it") {
    std::vector<std::span<const ferry::wire::FieldSpec>> tables;
    for (const auto command : wire::testing::all_commands()) {
        tables.push_back(ferry::wire::fields_of(command));
    }
    for (const auto record : {wire::Record::job_type, wire::Record::job, wire::Record::submit_job,
                              wire::Record::result, wire::Record::outcome, wire::Record::error}) {
        tables.push_back(ferry::wire::fields_of(record));
    }
    int checked = 0;
    for (const auto specs : tables) {
        for (std::size_t i = 0; i < specs.size(); ++i) {
            const std::string name(specs[i].name);
            for (std::size_t hint = 0; hint <= specs.size(); ++hint) {
                CHECK(ferry::wire::detail::field_index(specs, name, hint) == static_cast<int>(i));
            }
            for (std::size_t at = 0; at < name.size(); ++at) {
                std::string changed = name;
                changed[at] = static_cast<char>(changed[at] ^ 0x01);
                INFO(name << " changed at " << at);
                const int found = ferry::wire::detail::field_index(specs, changed, i);
                CHECK((found == -1 || specs[static_cast<std::size_t>(found)].name == changed));
                ++checked;
            }
            CHECK(ferry::wire::detail::field_index(specs, name + "x", i) == -1);
        }
    }
    CHECK(checked > 200);
}
