// Contract tests: the C++ codec against the golden vectors of schemas/vectors/.
#include "ferry/wire/codec.hpp"
#include "vector_loader.hpp"
#include "wire_test_support.hpp"

#include <catch2/catch.hpp>
#include <string_view>
#include <variant>
#include <vector>

namespace wire = ferry::wire;
using contract::Vector;
using contract::vectors;

namespace {

std::variant<wire::Message, wire::DecodeError> decode_vector(const Vector& v) {
    const std::vector<std::string_view> frames(v.frames.begin(), v.frames.end());
    return wire::testing::decode_frames(frames);
}

std::string describe(const std::variant<wire::Message, wire::DecodeError>& decoded) {
    if (const auto* e = std::get_if<wire::DecodeError>(&decoded)) {
        return std::string(wire::name_of(e->kind)) + ": " + e->detail;
    }
    return "message " +
           std::string(wire::name_of(wire::command_of(std::get<wire::Message>(decoded))));
}

wire::Message expected_message(const Vector& v) {
    const auto command = wire::testing::command_from_name(*v.command);
    REQUIRE(command.has_value());
    return contract::message_from_json(*command, v.value);
}

} // namespace

TEST_CASE("The vector files hold every command in canonical form and every decode error") {
    std::vector<std::string> commands, errors;
    for (const auto& v : vectors()) {
        if (v.command && v.canonical)
            commands.push_back(*v.command);
        if (v.error)
            errors.push_back(*v.error);
    }
    for (const auto command : wire::testing::all_commands()) {
        CAPTURE(wire::name_of(command));
        CHECK(std::count(commands.begin(), commands.end(), wire::name_of(command)) > 0);
    }
    for (const auto kind : wire::testing::all_decode_error_kinds()) {
        CAPTURE(wire::name_of(kind));
        CHECK(std::count(errors.begin(), errors.end(), wire::name_of(kind)) > 0);
    }
}

TEST_CASE("Every valid vector decodes to exactly its value") {
    for (const auto& v : vectors()) {
        if (!v.command)
            continue;
        INFO(v.file << ": " << v.name);
        const auto decoded = decode_vector(v);
        INFO(describe(decoded));
        REQUIRE(std::holds_alternative<wire::Message>(decoded));
        CHECK(std::get<wire::Message>(decoded) == expected_message(v));
    }
}

TEST_CASE("Every canonical vector value encodes to exactly its bytes") {
    for (const auto& v : vectors()) {
        if (!v.command || !v.canonical)
            continue;
        INFO(v.file << ": " << v.name);
        const auto frames = wire::encode(expected_message(v));
        CHECK(contract::to_hex(frames.header) == contract::to_hex(v.frames.at(0)));
        CHECK(contract::to_hex(frames.body) == contract::to_hex(v.frames.at(1)));
    }
}

TEST_CASE("Every non-canonical vector re-encodes canonically to the same value") {
    for (const auto& v : vectors()) {
        if (!v.command || v.canonical)
            continue;
        INFO(v.file << ": " << v.name);
        const auto message = expected_message(v);
        const auto frames = wire::encode(message);
        CHECK(frames.body != v.frames.at(1));
        const auto again = wire::decode(frames.header, frames.body);
        REQUIRE(std::holds_alternative<wire::Message>(again));
        CHECK(std::get<wire::Message>(again) == message);
    }
}

TEST_CASE("Every invalid vector is refused with exactly its named decode error") {
    for (const auto& v : vectors()) {
        if (!v.error)
            continue;
        INFO(v.file << ": " << v.name);
        const auto decoded = decode_vector(v);
        INFO(describe(decoded));
        REQUIRE(std::holds_alternative<wire::DecodeError>(decoded));
        const auto& error = std::get<wire::DecodeError>(decoded);
        CHECK(wire::name_of(error.kind) == *v.error);
        CHECK_FALSE(error.detail.empty());
    }
}

TEST_CASE("Changing any one byte of a canonical vector changes what decodes") {
    for (const auto& v : vectors()) {
        if (!v.command || !v.canonical)
            continue;
        const auto expected = expected_message(v);
        for (std::size_t frame = 0; frame < 2; ++frame) {
            for (std::size_t i = 0; i < v.frames[frame].size(); ++i) {
                auto frames = v.frames;
                frames[frame][i] = static_cast<char>(frames[frame][i] ^ 0x01);
                const auto decoded = wire::decode(frames[0], frames[1]);
                INFO(v.name << " frame " << frame << " byte " << i << " -> " << describe(decoded));
                const auto* m = std::get_if<wire::Message>(&decoded);
                CHECK((m == nullptr || !(*m == expected)));
            }
        }
    }
}

TEST_CASE("Decode errors name the field and the types involved") {
    const auto by_name = [](std::string_view name) {
        for (const auto& v : vectors())
            if (v.name == name)
                return v;
        FAIL("no vector " << name);
        return Vector{};
    };
    const auto detail = [&](std::string_view name) {
        const auto decoded = decode_vector(by_name(name));
        REQUIRE(std::holds_alternative<wire::DecodeError>(decoded));
        return std::get<wire::DecodeError>(decoded).detail;
    };
    CHECK(detail("job_id_int") == "field 'jobs[0].id': expected str, got int");
    CHECK(detail("payload_str_not_bin") == "field 'jobs[0].payload': expected bin, got str");
    CHECK(detail("missing_payload_in_job") == "field 'jobs[0].payload' is missing");
    CHECK(detail("body_not_a_map") == "body: expected map, got array");
}
