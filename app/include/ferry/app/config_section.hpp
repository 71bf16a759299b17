// The one section reader of the config loader: typed keys, unknown keys refused, one error form.
#pragma once

#include "ferry/app/config_error.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace ferry::app {

// Reads one mapping of a Ferry YAML file. Every error is a ConfigError of the one form
// `file:line:col: 'section.key' what; what to do` (unknown keys: "did you mean ...").
// Whether `name` holds only letters, digits, '_', '-' and '.' (and is not empty): what a stage
// or pipeline name may be, since it goes into job ids, client names and file names.
[[nodiscard]] bool is_plain_name(std::string_view name);

class Section {
  public:
    // Refuses a value that is not a mapping and any key not in `allowed`. An absent or null
    // node is an empty section: every read leaves its default.
    Section(const YAML::Node& node, std::string origin, std::string name,
            std::vector<std::string_view> allowed);

    // The mapping under `key` as a section named name.key; `allowed` its keys.
    [[nodiscard]] Section child(std::string_view key, std::vector<std::string_view> allowed) const;
    // Whether `key` is given (and not null).
    [[nodiscard]] bool has(std::string_view key) const;

    void read(std::string_view key, std::string& out) const;
    // A string that must not be empty when given (e.g. a job type).
    void read_name(std::string_view key, std::string& out) const;
    // `minimum` is 1 for keys where 0 means nothing sensible (a zero window, batch, ...).
    void read(std::string_view key, std::uint64_t& out, std::uint64_t minimum = 0,
              std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max()) const;
    void read(std::string_view key, std::uint32_t& out, std::uint64_t minimum = 0,
              std::uint64_t maximum = std::numeric_limits<std::uint32_t>::max()) const;
    // A finite number from `minimum` to `maximum`.
    void read(std::string_view key, double& out, double minimum, double maximum) const;
    // A list of strings (replaces `out` when given).
    void read(std::string_view key, std::vector<std::string>& out) const;
    // A mapping of names the user picks to single values (e.g. input.arrays), in file order;
    // `check` returns "" or what is wrong with a value (the message then names the entry).
    void read(std::string_view key, std::vector<std::pair<std::string, std::string>>& out,
              const std::function<std::string(const std::string&)>& check) const;
    // A ZeroMQ endpoint a peer can use (see endpoint.hpp).
    void read_endpoint(std::string_view key, std::string& out) const;
    // A key whose value must be one of `choices`; returns the index of the chosen one.
    [[nodiscard]] std::size_t choose(std::string_view key,
                                     const std::vector<std::string_view>& choices,
                                     std::size_t current) const;

    // "file:line:col" of a key's value, for errors found after reading (e.g. by starting it).
    [[nodiscard]] std::string position_of(std::string_view key) const;
    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const;

  private:
    [[nodiscard]] std::string path(std::string_view key) const;
    [[nodiscard]] std::optional<YAML::Node> find(std::string_view key) const;
    [[nodiscard]] std::string scalar(const YAML::Node& value, std::string_view key) const;
    void check_key(const YAML::Node& key) const;

    YAML::Node node_;                       // the section (may be undefined)
    std::string origin_;                    // file name for messages
    std::string name_;                      // section path for messages
    std::vector<std::string_view> allowed_; // keys this section knows
};

} // namespace ferry::app
