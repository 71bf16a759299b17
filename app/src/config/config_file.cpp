// Reading a Ferry YAML file: file checks, syntax errors, duplicate keys, top-level sections.
#include "ferry/app/config_file.hpp"

#include "ferry/app/config_error.hpp"
#include "ferry/app/config_keys.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unordered_map>

namespace ferry::app {
namespace {

[[noreturn]] void fail_at(const std::string& origin, const YAML::Mark& mark,
                          const std::string& what) {
    throw ConfigError(position(origin, mark) + ": " + what);
}

// Why a path cannot be a config file, or empty when it is a regular file.
std::string file_problem(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return "no such file; check the path (it is relative to the current directory)";
        }
        return fmt::format("cannot be read: {}", std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        return "is a directory; give the pipeline's YAML file, e.g. config/echo.yaml";
    }
    if (!S_ISREG(info.st_mode)) {
        return "is not a regular file; give the pipeline's YAML file (it is read more than once)";
    }
    return {};
}

// Walks every mapping at every depth: keys must be plain scalars and appear once.
void check_keys_unique(const YAML::Node& node, const std::string& origin) {
    if (node.IsSequence()) {
        for (const auto& item : node)
            check_keys_unique(item, origin);
        return;
    }
    if (!node.IsMap())
        return;
    std::unordered_map<std::string, YAML::Mark> seen;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            fail_at(origin, entry.first.Mark(), "a key must be a plain name, not a list or a map");
        }
        const auto [first, inserted] = seen.emplace(entry.first.Scalar(), entry.first.Mark());
        if (!inserted) {
            fail_at(origin, entry.first.Mark(),
                    fmt::format("duplicate key '{}' (first on line {}); keep one of them",
                                entry.first.Scalar(), first->second.line + 1));
        }
        check_keys_unique(entry.second, origin);
    }
}

} // namespace

std::string position(const std::string& origin, const YAML::Mark& mark) {
    return fmt::format("{}:{}:{}", origin, mark.line + 1, mark.column + 1);
}

std::string read_config_file(const std::string& path) {
    if (std::string problem = file_problem(path); !problem.empty()) {
        throw ConfigError(fmt::format("config '{}' {}", path, problem));
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file && !file.eof()) {
        throw ConfigError(
            fmt::format("config '{}' cannot be read: {}", path, std::strerror(errno)));
    }
    const std::string content = text.str();
    if (content.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw ConfigError(fmt::format("config '{}' is empty; write the pipeline's settings in it "
                                      "(config/echo.yaml has every key, commented)",
                                      path));
    }
    return content;
}

YAML::Node load_yaml(const std::string& text, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
        fail_at(origin, error.mark, "not valid YAML: " + error.msg);
    }
    check_keys_unique(root, origin);
    return root;
}

const std::vector<std::string_view>& top_level_sections() {
    return keys_of("(top level)");
}

void check_top_level(const YAML::Node& root, const std::string& origin) {
    if (!root || root.IsNull())
        return;
    if (!root.IsMap()) {
        fail_at(origin, root.Mark(),
                fmt::format("the configuration must be a mapping of sections ({})",
                            fmt::join(top_level_sections(), ", ")));
    }
    for (const auto& entry : root) {
        const std::string key = entry.first.Scalar();
        const auto& allowed = top_level_sections();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            fail_at(origin, entry.first.Mark(), unknown_key_message(key, "(top level)", allowed));
        }
    }
}

std::string unknown_key_message(std::string_view key, std::string_view section,
                                const std::vector<std::string_view>& allowed) {
    const std::string hint = nearest_name(key, allowed);
    if (hint.empty()) {
        return fmt::format("unknown key '{}' in '{}'; valid keys: {}", key, section,
                           fmt::join(allowed, ", "));
    }
    return fmt::format("unknown key '{}' in '{}'; did you mean '{}'?", key, section, hint);
}

} // namespace ferry::app
