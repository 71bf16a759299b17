// Loading the broker's sections (`broker`, `job_types`) of a Ferry YAML file into a BrokerConfig.
#pragma once

#include "ferry/app/config_error.hpp"
#include "ferry/broker/broker_config.hpp"

#include <string>

namespace ferry::app {

using broker::BrokerConfig;

// Reads a config file; throws ConfigError naming file:line:col on a bad or unknown key, and
// naming the path when the file is missing, a directory or empty.
[[nodiscard]] BrokerConfig load_broker_config(const std::string& path);
// The same from the file's text, already read (read_config_file) by a command that reads it once
// for all its sections; `path` names it in messages and anchors relative paths.
[[nodiscard]] BrokerConfig load_broker_config(const std::string& path, const std::string& text);

// Same from YAML text; `origin` names it in error messages. Applies the environment overrides
// FERRY_PRODUCERS_ENDPOINT and FERRY_WORKERS_ENDPOINT.
[[nodiscard]] BrokerConfig parse_broker_config(const std::string& yaml_text,
                                               const std::string& origin);

} // namespace ferry::app
