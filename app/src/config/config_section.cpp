// Reading one mapping of a Ferry YAML file, with file:line:col and the key path in every error.
#include "ferry/app/config_section.hpp"

#include "ferry/app/config_file.hpp"
#include "ferry/app/endpoint.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace ferry::app {

Section::Section(const YAML::Node& node, std::string origin, std::string name,
                 std::vector<std::string_view> allowed)
    : node_(node), origin_(std::move(origin)), name_(std::move(name)),
      allowed_(std::move(allowed)) {
    if (!node_ || node_.IsNull())
        return;
    if (!node_.IsMap())
        fail(node_, fmt::format("'{}' must be a mapping of keys", name_));
    for (const auto& entry : node_)
        check_key(entry.first);
}

Section Section::child(std::string_view key, std::vector<std::string_view> allowed) const {
    return Section(find(key).value_or(YAML::Node()), origin_, path(key), std::move(allowed));
}

bool Section::has(std::string_view key) const {
    auto value = find(key);
    return value && !value->IsNull();
}

void Section::read(std::string_view key, std::string& out) const {
    if (auto value = find(key))
        out = scalar(*value, key);
}

bool is_plain_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

void Section::read_name(std::string_view key, std::string& out) const {
    auto value = find(key);
    if (!value)
        return;
    out = scalar(*value, key);
    if (out.empty())
        fail(*value, fmt::format("'{}' must not be empty", path(key)));
}

void Section::read(std::string_view key, std::uint64_t& out, std::uint64_t minimum,
                   std::uint64_t maximum) const {
    auto value = find(key);
    if (!value)
        return;
    const std::string text = scalar(*value, key);
    std::uint64_t parsed = 0;
    if (text.empty() || text[0] == '-' || !YAML::convert<std::uint64_t>::decode(*value, parsed))
        fail(*value, fmt::format("'{}' must be a non-negative integer, got '{}'", path(key), text));
    if (parsed < minimum)
        fail(*value, fmt::format("'{}' must be at least {}, got {}", path(key), minimum, text));
    if (parsed > maximum)
        fail(*value, fmt::format("'{}' must be at most {}, got {}", path(key), maximum, text));
    out = parsed;
}

void Section::read(std::string_view key, std::uint32_t& out, std::uint64_t minimum,
                   std::uint64_t maximum) const {
    std::uint64_t wide = out;
    read(key, wide, minimum, std::min<std::uint64_t>(maximum, UINT32_MAX));
    out = static_cast<std::uint32_t>(wide);
}

// NaN and infinity parse as doubles too; neither is a usable setting.
void Section::read(std::string_view key, double& out, double minimum, double maximum) const {
    auto value = find(key);
    if (!value)
        return;
    double parsed = 0;
    if (!value->IsScalar() || !YAML::convert<double>::decode(*value, parsed) ||
        !std::isfinite(parsed) || parsed < minimum || parsed > maximum) {
        fail(*value,
             fmt::format("'{}' must be a number from {} to {}", path(key), minimum, maximum));
    }
    out = parsed;
}

void Section::read(std::string_view key, std::vector<std::string>& out) const {
    auto value = find(key);
    if (!value)
        return;
    if (!value->IsSequence())
        fail(*value, fmt::format("'{}' must be a list", path(key)));
    out.clear();
    for (const auto& item : *value) {
        if (!item.IsScalar())
            fail(item, fmt::format("'{}' entries must be single values", path(key)));
        out.push_back(item.Scalar());
    }
}

void Section::read(std::string_view key, std::vector<std::pair<std::string, std::string>>& out,
                   const std::function<std::string(const std::string&)>& check) const {
    auto value = find(key);
    if (!value || value->IsNull())
        return;
    if (!value->IsMap())
        fail(*value, fmt::format("'{}' must be a mapping of names to values", path(key)));
    out.clear();
    for (const auto& entry : *value) {
        const std::string name = entry.first.Scalar();
        const std::string where = fmt::format("{}.{}", path(key), name);
        if (name.empty())
            fail(entry.first, fmt::format("'{}' has an empty name", path(key)));
        if (!entry.second.IsScalar())
            fail(entry.second, fmt::format("'{}' must be a single value", where));
        if (std::string problem = check(entry.second.Scalar()); !problem.empty())
            fail(entry.second, fmt::format("'{}' {}", where, problem));
        out.emplace_back(name, entry.second.Scalar());
    }
}

void Section::read_endpoint(std::string_view key, std::string& out) const {
    auto value = find(key);
    if (!value)
        return;
    const std::string text = scalar(*value, key);
    if (text.empty())
        fail(*value, fmt::format("'{}' must be an endpoint like tcp://HOST:PORT", path(key)));
    if (const auto problem = endpoint_problem(text))
        fail(*value, fmt::format("'{}' {} {}; {}", path(key), text, problem->what, problem->fix));
    out = text;
}

std::size_t Section::choose(std::string_view key, const std::vector<std::string_view>& choices,
                            std::size_t current) const {
    auto value = find(key);
    if (!value)
        return current;
    const std::string text = scalar(*value, key);
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (choices[i] == text)
            return i;
    }
    fail(*value, fmt::format("'{}' must be one of {}, got '{}'", path(key),
                             fmt::join(choices, " | "), text));
}

std::string Section::position_of(std::string_view key) const {
    auto value = find(key);
    return position(origin_, value ? value->Mark() : node_.Mark());
}

void Section::fail(const YAML::Node& at, const std::string& message) const {
    throw ConfigError(fmt::format("{}: {}", position(origin_, at.Mark()), message));
}

std::string Section::path(std::string_view key) const {
    return name_ == "(top level)" ? std::string(key) : fmt::format("{}.{}", name_, key);
}

std::optional<YAML::Node> Section::find(std::string_view key) const {
    if (!node_ || !node_.IsMap())
        return std::nullopt;
    YAML::Node value = node_[std::string(key)];
    if (!value)
        return std::nullopt;
    return value;
}

std::string Section::scalar(const YAML::Node& value, std::string_view key) const {
    if (!value.IsScalar())
        fail(value, fmt::format("'{}' must be a single value", path(key)));
    return value.Scalar();
}

void Section::check_key(const YAML::Node& key) const {
    const std::string text = key.Scalar();
    if (std::find(allowed_.begin(), allowed_.end(), text) == allowed_.end())
        fail(key, unknown_key_message(text, name_, allowed_));
}

} // namespace ferry::app
