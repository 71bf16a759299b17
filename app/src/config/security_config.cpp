// Reading `security`: the broker's key file, allow-lists as directories or lists, `insecure`.
#include "ferry/app/config_file.hpp"
#include "ferry/app/config_keys.hpp"
#include "ferry/app/config_section.hpp"
#include "ferry/app/security_settings.hpp"
#include "ferry/security/endpoint_scope.hpp"
#include "ferry/security/key_files.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

std::string resolved(const std::string& path, const std::string& base) {
    const std::filesystem::path given(path);
    return given.is_relative() && !base.empty() ? (std::filesystem::path(base) / given).string()
                                                : path;
}

// An allow-list is a directory (a string) or a list of keys and .pub paths.
security::AllowList read_allow_list(const Section& curve, const YAML::Node& node,
                                    std::string_view key, const std::string& base) {
    security::AllowList list;
    if (!curve.has(key)) {
        return list;
    }
    if (node[std::string(key)].IsSequence()) {
        curve.read(key, list.keys);
        for (auto& entry : list.keys) {
            if (!security::is_z85_key(entry)) {
                entry = resolved(entry, base);
            }
        }
    } else {
        curve.read(key, list.directory);
        list.directory = resolved(list.directory, base);
    }
    return list;
}

} // namespace

SecuritySettings parse_security_settings(const YAML::Node& root, const std::string& origin,
                                         const std::string& base) {
    SecuritySettings settings;
    settings.origin = origin;
    if (!root || !root.IsMap() || !root["security"]) {
        return settings;
    }
    const Section section(root["security"], origin, "security", keys_of("security"));
    settings.insecure = section.choose("insecure", {"false", "true"}, 0) == 1;
    if (!section.has("curve")) {
        return settings;
    }
    const Section curve = section.child("curve", keys_of("security.curve"));
    const YAML::Node node = root["security"]["curve"];
    curve.read("secret_key_file", settings.curve.secret_key_file);
    if (settings.curve.secret_key_file.empty()) {
        curve.fail(node, "'security.curve' needs secret_key_file: the broker's own key (make it "
                         "with `ferry keygen broker`)");
    }
    settings.curve.secret_key_file = resolved(settings.curve.secret_key_file, base);
    settings.curve.producers = read_allow_list(curve, node, "producers", base);
    settings.curve.workers = read_allow_list(curve, node, "workers", base);
    settings.curve.admins = read_allow_list(curve, node, "admins", base);
    return settings;
}

SecuritySettings load_security_settings(const std::string& path, const std::string& text) {
    return parse_security_settings(load_yaml(text, path), path,
                                   std::filesystem::path(path).parent_path().string());
}

security::KeyRing load_allow_lists(const SecuritySettings& settings) {
    try {
        return security::load_key_ring(settings.curve);
    } catch (const security::KeyError& error) {
        throw ConfigError(fmt::format("security.curve in {}: {}", settings.origin, error.what()));
    }
}

void arm_security(const SecuritySettings& settings, broker::BrokerConfig& config) {
    config.security.insecure = settings.insecure;
    if (settings.curve.secret_key_file.empty()) {
        return;
    }
    try {
        const auto keys = security::read_secret_key_file(settings.curve.secret_key_file);
        config.security.secret_key = keys.secret_key;
        config.security.public_key = keys.public_key;
    } catch (const security::KeyError& error) {
        throw ConfigError(
            fmt::format("security.curve.secret_key_file in {}: {}", settings.origin, error.what()));
    }
    config.security.keys = std::make_shared<security::KeyRingHolder>(load_allow_lists(settings));
}

void reload_allow_lists(const std::string& config_path, security::KeyRingHolder& holder,
                        const std::function<void(security::KeyRing&)>& extra) {
    try {
        const SecuritySettings settings =
            load_security_settings(config_path, read_config_file(config_path));
        if (settings.curve.secret_key_file.empty()) {
            spdlog::error("reload: {} no longer configures CURVE; turning it off needs a "
                          "restart, so the allow-lists in force stay",
                          config_path);
            return;
        }
        security::KeyRing ring = load_allow_lists(settings);
        extra(ring);
        holder.set(std::move(ring));
    } catch (const std::exception& error) {
        spdlog::error("reload failed, the allow-lists in force stay: {}", error.what());
    }
}

void check_exposure(const broker::BrokerConfig& config, const SecuritySettings& settings) {
    if (config.security.curve() || settings.insecure) {
        return;
    }
    for (const auto& endpoint : {config.producers_endpoint, config.workers_endpoint}) {
        if (!security::is_local_endpoint(endpoint)) {
            throw ConfigError(fmt::format(
                "{}: the broker would listen on {} without CURVE, so anyone who reaches it could "
                "submit jobs and take their payloads. Make keys (`ferry keygen broker`, `ferry "
                "keygen worker-1`, ...) and set security.curve.secret_key_file and its "
                "allow-lists (docs/security.md), bind 127.0.0.1, or accept the risk with "
                "`security: {{insecure: true}}`",
                settings.origin, endpoint));
        }
    }
}

} // namespace ferry::app
