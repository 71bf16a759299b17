// Contract tests: the C++ protocol tables (protocol.hpp, fields.hpp) against protocol.yaml.
#include "ferry/wire/fields.hpp"
#include "ferry/wire/messages.hpp"
#include "ferry/wire/protocol.hpp"
#include "vector_loader.hpp"
#include "wire_test_support.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <string>

namespace wire = ferry::wire;

namespace {

const YAML::Node& protocol() {
    static const YAML::Node root = contract::load_protocol();
    return root;
}

// Compares one field table with the YAML list of {name, type, required} in order.
void check_fields(std::span<const wire::FieldSpec> table, const YAML::Node& yaml,
                  const std::string& where) {
    INFO(where);
    REQUIRE(table.size() == yaml.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
        INFO("field " << i);
        CHECK(table[i].name == yaml[i]["name"].as<std::string>());
        CHECK(table[i].type == yaml[i]["type"].as<std::string>());
        CHECK(table[i].required == yaml[i]["required"].as<bool>());
    }
}

template <std::size_t... I> void check_command_of(std::index_sequence<I...>) {
    const std::array<wire::Command, sizeof...(I)> commands{
        wire::command_of(wire::Message{std::in_place_index<I>})...};
    for (std::size_t i = 0; i < commands.size(); ++i)
        CHECK(commands[i] == wire::testing::all_commands()[i]);
}

} // namespace

TEST_CASE("Command names and codes match protocol.yaml in order") {
    const auto& yaml = protocol()["commands"];
    REQUIRE(wire::testing::all_commands().size() == yaml.size());
    for (std::size_t i = 0; i < yaml.size(); ++i) {
        const auto command = wire::testing::all_commands()[i];
        const auto name = yaml[i]["name"].as<std::string>();
        const auto code = yaml[i]["code"].as<unsigned>();
        CHECK(wire::name_of(command) == name);
        CHECK(static_cast<unsigned>(command) == code);
        CHECK(wire::command_from_byte(static_cast<std::uint8_t>(code)) == command);
        CHECK(wire::testing::command_from_name(name) == command);
    }
}

TEST_CASE("Bytes that are not in the command table are unknown commands") {
    int known = 0;
    for (unsigned byte = 0; byte < 256; ++byte) {
        known += wire::command_from_byte(static_cast<std::uint8_t>(byte)).has_value();
    }
    CHECK(known == static_cast<int>(protocol()["commands"].size()));
}

TEST_CASE("Error code names and retryability match protocol.yaml in order") {
    const auto& yaml = protocol()["error_codes"];
    REQUIRE(wire::testing::all_error_codes().size() == yaml.size());
    for (std::size_t i = 0; i < yaml.size(); ++i) {
        const auto code = wire::testing::all_error_codes()[i];
        const auto name = yaml[i]["name"].as<std::string>();
        CHECK(wire::name_of(code) == name);
        CHECK(wire::error_code_from_name(name) == code);
        CHECK(wire::is_retryable(code) == yaml[i]["retryable"].as<bool>());
        CHECK(wire::is_retryable(name) == yaml[i]["retryable"].as<bool>());
    }
    CHECK_FALSE(wire::is_retryable("NO_SUCH_CODE"));
}

TEST_CASE("Decode error names match protocol.yaml in order") {
    const auto& yaml = protocol()["decode_errors"];
    REQUIRE(wire::testing::all_decode_error_kinds().size() == yaml.size());
    for (std::size_t i = 0; i < yaml.size(); ++i) {
        const auto kind = wire::testing::all_decode_error_kinds()[i];
        CHECK(wire::name_of(kind) == yaml[i]["name"].as<std::string>());
        CHECK(wire::testing::decode_error_from_name(yaml[i]["name"].as<std::string>()) == kind);
    }
}

TEST_CASE("Signature version header size and limits match protocol.yaml") {
    const auto& p = protocol()["protocol"];
    CHECK(wire::signature == p["signature"].as<std::string>());
    CHECK(wire::version == p["version"].as<unsigned>());
    CHECK(wire::header_bytes == p["header_bytes"].as<std::size_t>());
    const auto& limits = protocol()["limits"];
    CHECK(wire::max_batch == limits["max_batch"].as<std::size_t>());
    CHECK(wire::max_string_bytes == limits["max_string_bytes"].as<std::size_t>());
    CHECK(wire::max_depth == limits["max_depth"].as<std::size_t>());
    CHECK(wire::default_max_payload_bytes == limits["default_max_payload_bytes"].as<std::size_t>());
}

TEST_CASE("Field names types and order of every command match protocol.yaml") {
    const auto& yaml = protocol()["commands"];
    for (std::size_t i = 0; i < yaml.size(); ++i) {
        const auto command = wire::testing::all_commands()[i];
        check_fields(wire::fields_of(command), yaml[i]["fields"],
                     std::string(wire::name_of(command)));
    }
}

TEST_CASE("Field names types and order of every record match protocol.yaml") {
    const auto& records = protocol()["records"];
    std::size_t checked = 0;
    for (const auto record : wire::testing::all_records()) {
        const std::string name(wire::name_of(record));
        const auto yaml = name == "error" ? protocol()["error_fields"] : records[name];
        REQUIRE(yaml.IsSequence());
        check_fields(wire::fields_of(record), yaml, name);
        ++checked;
    }
    CHECK(checked == records.size() + 1);
}

TEST_CASE("command_of names the command of every message alternative") {
    REQUIRE(std::variant_size_v<wire::Message> == wire::testing::all_commands().size());
    check_command_of(std::make_index_sequence<std::variant_size_v<wire::Message>>{});
}
