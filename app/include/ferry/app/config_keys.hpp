// Every key the config loader knows, by section, and the "did you mean" suggestion.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry::app {

// One mapping of the YAML file and the keys it may hold. Sections are named by their path:
// "(top level)", "broker", "broker.journal", "job_types.<type>", "job_types.<type>.backoff",
// "workers[]" (each pool), "aggregates[]" (each aggregate), ...
struct ConfigSection {
    std::string_view path;              // the section's path
    std::vector<std::string_view> keys; // the keys it may hold
};

// The one table of keys: the loader reads each section with exactly these keys, and the
// reference in docs/configuration.md is tested against it. A new key is added here and read in
// broker_config.cpp or pipeline_config.cpp.
[[nodiscard]] const std::vector<ConfigSection>& config_sections();

// The keys of the section at `path` (a path not in the table is a programming error: throws).
[[nodiscard]] const std::vector<std::string_view>& keys_of(std::string_view path);

// The allowed name closest to `key`, or empty when none is close enough to suggest.
[[nodiscard]] std::string nearest_name(std::string_view key,
                                       const std::vector<std::string_view>& allowed);

} // namespace ferry::app
