// Keys a command makes for its own connections to its embedded broker under CURVE (`ferry run`,
// `ferry serve`): one pair for itself (producer and admin roles), one for its local pools (worker
// role). Fresh at every start, granted in memory only; the pools read theirs from a 0600 file in
// a private temporary directory that is removed when the command ends.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/security/client_keys.hpp"

#include <string>
#include <utility>
#include <vector>

namespace ferry::app {

using Environment = std::vector<std::pair<std::string, std::string>>; // NAME, value

class LocalKeys {
  public:
    // Without CURVE in `config` nothing is made and every accessor is empty. With it, the fresh
    // public keys are granted in config.security's allow-lists.
    explicit LocalKeys(const broker::BrokerConfig& config);
    ~LocalKeys();
    LocalKeys(const LocalKeys&) = delete;
    LocalKeys& operator=(const LocalKeys&) = delete;

    // What this process connects with.
    [[nodiscard]] const security::ClientCurve& own() const noexcept { return own_; }
    // FERRY_KEY_FILE and FERRY_SERVER_KEY for the local pools (empty without CURVE).
    [[nodiscard]] const Environment& pool_environment() const noexcept { return pool_env_; }
    // Grants the fresh keys in `ring` again (after the allow-lists were reloaded).
    void grant(security::KeyRing& ring) const;

  private:
    security::ClientCurve own_; // this process's pair and the broker's public key
    std::string pool_public_;   // the pools' public key
    std::string directory_;     // private directory of the pools' key file; empty: none
    Environment pool_env_;      // what the pools are started with
};

} // namespace ferry::app
