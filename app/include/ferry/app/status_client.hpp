// A client of the broker's STATUS: the round trip, and the table rendering of the map (JSON:
// producer::append_json, the one renderer).
#pragma once

#include <chrono>
#include <map>
#include <msgpack.hpp>
#include <ostream>
#include <string>

namespace ferry::app {

// Sends STATUS to `endpoint` and returns the encoded status map; throws std::runtime_error
// naming the endpoint when no answer comes within `timeout`.
[[nodiscard]] std::string fetch_status(const std::string& endpoint,
                                       std::chrono::milliseconds timeout);

// Writes the status map as a human table.
void write_status_table(std::ostream& out, const msgpack::object& status);

} // namespace ferry::app
