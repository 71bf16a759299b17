// The client key flags, read into CURVE settings with the user's mistakes as ConfigError.
#include "key_flags.hpp"

#include "ferry/app/config_error.hpp"

namespace ferry::app {

security::ClientCurve KeyFlags::curve() const {
    try {
        return security::client_curve_from(key_file, server_key);
    } catch (const security::KeyError& error) {
        throw ConfigError(error.what());
    }
}

void add_key_flags(CLI::App& command, KeyFlags& flags) {
    command.add_option("--key-file", flags.key_file,
                       "this client's CURVE secret key file (from `ferry keygen`), when the "
                       "broker uses CURVE (env FERRY_KEY_FILE)");
    command.add_option("--server-key", flags.server_key,
                       "the broker's CURVE public key: its .pub file or the Z85 text (env "
                       "FERRY_SERVER_KEY)");
}

} // namespace ferry::app
