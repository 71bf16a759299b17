// Reading a Ferry YAML file: the file itself, YAML syntax, duplicate keys and top-level sections.
#pragma once

#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace ferry::app {

// The text of a configuration file. Throws ConfigError, naming the path and what to do, when it
// is missing, a directory, not a regular file (a FIFO would be read once per section), not
// readable, or empty (an empty file is nearly always a mistake, such as a truncating `>`).
[[nodiscard]] std::string read_config_file(const std::string& path);

// Parses YAML text. Throws ConfigError naming origin:line:col for a syntax error, a key that is
// not a plain scalar, or a key given twice in one mapping at any depth (yaml-cpp itself would
// silently keep the first).
[[nodiscard]] YAML::Node load_yaml(const std::string& text, const std::string& origin);

// "origin:line:col" of a position in the file (1-based), the prefix of every config error.
[[nodiscard]] std::string position(const std::string& origin, const YAML::Mark& mark);

// The top-level sections a Ferry YAML file may have; every command knows them all.
[[nodiscard]] const std::vector<std::string_view>& top_level_sections();

// Refuses a root that is not a mapping, and any top-level key that is not a known section, with
// the nearest section suggested.
void check_top_level(const YAML::Node& root, const std::string& origin);

// The one wording of an unknown key: "unknown key 'k' in 'section'; did you mean 'x'?" (or the
// valid keys when none is close).
[[nodiscard]] std::string unknown_key_message(std::string_view key, std::string_view section,
                                              const std::vector<std::string_view>& allowed);

} // namespace ferry::app
