// Loads schemas/vectors/*.json and turns a case's JSON "value" into a wire message struct.
#pragma once

#include "ferry/wire/messages.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace contract {

// One golden case; `command`/`value` for valid cases, `error` for invalid ones.
struct Vector {
    std::string file;                // valid.json, noncanonical.json, invalid.json
    std::string name;                // case name
    std::vector<std::string> frames; // raw frame bytes
    std::optional<std::string> command;
    bool canonical = false;
    YAML::Node value;                 // JSON form of the decoded message
    std::optional<std::string> error; // decode error name
};

// Every case of the three vector files, in file order.
[[nodiscard]] std::vector<Vector> load_vectors();

// The same, loaded once per test run.
[[nodiscard]] const std::vector<Vector>& vectors();

// protocol.yaml, parsed.
[[nodiscard]] YAML::Node load_protocol();

[[nodiscard]] std::string unhex(std::string_view hex);
[[nodiscard]] std::string to_hex(std::string_view bytes);

// The message a valid case's value describes; throws on a value that does not fit.
[[nodiscard]] ferry::wire::Message message_from_json(ferry::wire::Command command,
                                                     const YAML::Node& value);

} // namespace contract
