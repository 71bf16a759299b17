// A client of the broker's STATUS: the round trip, and the table rendering of the map (JSON:
// producer::append_json, the one renderer).
#pragma once

#include "ferry/security/client_keys.hpp"

#include <chrono>
#include <map>
#include <msgpack.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

namespace ferry::app {

// The broker answered STATUS with an ERROR (e.g. FORBIDDEN: the key is not an admin's).
class StatusRefused : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Sends STATUS to `endpoint` and returns the encoded status map; throws std::runtime_error
// naming the endpoint when no answer comes within `timeout`.
// `curve`: the CURVE keys to connect with (an admin key: STATUS needs the admin role).
[[nodiscard]] std::string fetch_status(const std::string& endpoint,
                                       std::chrono::milliseconds timeout,
                                       const security::ClientCurve& curve = {});

// Writes the status map as a human table.
void write_status_table(std::ostream& out, const msgpack::object& status);

} // namespace ferry::app
