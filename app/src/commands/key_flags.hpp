// --key-file and --server-key: how a client command connects to a broker that uses CURVE.
#pragma once

#include "ferry/security/client_keys.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace ferry::app {

struct KeyFlags {
    std::string key_file;   // --key-file, else FERRY_KEY_FILE
    std::string server_key; // --server-key, else FERRY_SERVER_KEY

    // The keys to connect with (plain when neither is given); ConfigError on a bad key.
    [[nodiscard]] security::ClientCurve curve() const;
};

// Registers --key-file and --server-key on `command`.
void add_key_flags(CLI::App& command, KeyFlags& flags);

} // namespace ferry::app
