// The `security` section of a Ferry YAML file: CURVE keys and role allow-lists for the broker,
// and the explicit opt-out (`insecure: true`) for a plain broker beyond loopback.
#pragma once

#include "ferry/app/config_error.hpp"
#include "ferry/broker/broker_config.hpp"
#include "ferry/security/key_ring.hpp"

#include <functional>
#include <string>
#include <yaml-cpp/yaml.h>

namespace ferry::app {

struct SecuritySettings {
    bool insecure = false;       // plain TCP beyond loopback is allowed (warned about every minute)
    security::CurveConfig curve; // paths resolved against the config file's directory
    std::string origin;          // the config file, for messages
};

// Checks and reads `security` from a parsed file (every key known, every type right); reads no
// key file. `base` is the directory relative paths start from.
[[nodiscard]] SecuritySettings
parse_security_settings(const YAML::Node& root, const std::string& origin, const std::string& base);
[[nodiscard]] SecuritySettings load_security_settings(const std::string& path,
                                                      const std::string& text);

// Reads the broker's key pair and every allow-list into `config.security`; ConfigError naming
// the key on any problem. Without `curve.secret_key_file`, only `insecure` is set.
void arm_security(const SecuritySettings& settings, broker::BrokerConfig& config);

// The allow-lists again (SIGHUP); ConfigError naming the key when one cannot be read.
[[nodiscard]] security::KeyRing load_allow_lists(const SecuritySettings& settings);

// SIGHUP: reads the allow-lists of `config_path` again and puts them in force in `holder`, with
// `extra` granting the command's own fresh keys again. On any problem the lists in force stay
// and the problem is logged (a typo must not lock everyone out).
void reload_allow_lists(const std::string& config_path, security::KeyRingHolder& holder,
                        const std::function<void(security::KeyRing&)>& extra);

// Refuses to bind beyond loopback without CURVE unless `insecure: true` (ConfigError, which
// says how to make keys).
void check_exposure(const broker::BrokerConfig& config, const SecuritySettings& settings);

} // namespace ferry::app
