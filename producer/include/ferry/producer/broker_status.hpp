// The parts of a broker's STATUS_REPLY map the producer reads: workers and unserved job types.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// A job type whose jobs wait with no live worker to run them, as the status map's "unserved"
// array lists it (the fields PROTOCOL.md gives for STATUS_REPLY; read here so the producer needs
// nothing of the broker's code).
struct UnservedType {
    std::string type;       // the job type
    std::size_t queued = 0; // jobs waiting in its queue
    double seconds = 0;     // since a live worker last served it (or since the broker started)
};

// A map's string-keyed fields by name (absent fields read as nil); empty for a non-map.
[[nodiscard]] std::map<std::string, msgpack::object> status_fields(const msgpack::object& map);

// One live worker as the status map lists it.
struct StatusWorker {
    std::string host;               // host it runs on
    std::uint64_t pid = 0;          // its process id there
    std::vector<std::string> types; // job types it serves
};

// The status map's "workers" array (fields it lacks stay empty).
[[nodiscard]] std::vector<StatusWorker> read_status_workers(const msgpack::object& workers);

// The status map's "unserved" array: job types waiting with no live worker.
[[nodiscard]] std::vector<UnservedType> read_unserved(const msgpack::object& unserved);

// The value of `key` in an encoded status map, read by `read` (empty when absent or unreadable).
template <typename Read>
[[nodiscard]] auto read_status_field(std::string_view encoded, const std::string& key, Read read)
    -> decltype(read(msgpack::object{})) {
    try {
        const msgpack::object_handle handle = msgpack::unpack(encoded.data(), encoded.size());
        return read(status_fields(handle.get())[key]);
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace ferry::producer
