// Ephemeral CURVE keys for a command's own connections and its local pools.
#include "ferry/app/local_keys.hpp"

#include "ferry/security/key_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <spdlog/spdlog.h>

namespace ferry::app {

LocalKeys::LocalKeys(const broker::BrokerConfig& config) {
    if (!config.security.curve()) {
        return;
    }
    own_ = security::ClientCurve{config.security.public_key, security::generate_key_pair()};
    const security::KeyPair pools = security::generate_key_pair();
    pool_public_ = pools.public_key;
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ferry-pool-keys-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot make a private directory for the local pools' key");
    }
    directory_ = pattern;
    const auto written = security::write_key_files(directory_ + "/pools", "local pools", pools);
    pool_env_ = {{"FERRY_KEY_FILE", written.secret_file},
                 {"FERRY_SERVER_KEY", config.security.public_key}};
    auto ring = *config.security.keys->get();
    grant(ring);
    config.security.keys->set(std::move(ring));
}

LocalKeys::~LocalKeys() {
    if (!directory_.empty()) {
        std::error_code error;
        std::filesystem::remove_all(directory_, error);
    }
}

void LocalKeys::grant(security::KeyRing& ring) const {
    if (pool_public_.empty()) {
        return;
    }
    ring.grant(own_.keys.public_key, security::role_producer | security::role_admin);
    ring.grant(pool_public_, security::role_worker);
}

} // namespace ferry::app
