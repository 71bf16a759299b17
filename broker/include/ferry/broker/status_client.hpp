// `ferry status`: asks a broker for its status and prints it as a table or as JSON.
#pragma once

#include <chrono>
#include <map>
#include <msgpack.hpp>
#include <ostream>
#include <string>

namespace ferry::broker {

// Sends STATUS to `endpoint` and returns the encoded status map; throws std::runtime_error
// naming the endpoint when no answer comes within `timeout`.
[[nodiscard]] std::string fetch_status(const std::string& endpoint,
                                       std::chrono::milliseconds timeout);

// A map's string-keyed fields by name (absent fields read as nil); empty for a non-map.
[[nodiscard]] std::map<std::string, msgpack::object> status_fields(const msgpack::object& map);

// Writes a MessagePack value as JSON (bin as a hex string).
void write_json(std::ostream& out, const msgpack::object& value);

// Writes the status map as a human table.
void write_status_table(std::ostream& out, const msgpack::object& status);

// The whole command: fetch, then print; returns the exit code.
int run_status_command(const std::string& endpoint, bool json, std::ostream& out);

} // namespace ferry::broker
