// The parts of a broker's STATUS_REPLY map the producer reads: workers and unserved job types.
#pragma once

#include "ferry/broker/status_client.hpp"
#include "ferry/broker/type_coverage.hpp"

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// One live worker as the status map lists it.
struct StatusWorker {
    std::string host;               // host it runs on
    std::uint64_t pid = 0;          // its process id there
    std::vector<std::string> types; // job types it serves
};

// The status map's "workers" array (fields it lacks stay empty).
[[nodiscard]] std::vector<StatusWorker> read_status_workers(const msgpack::object& workers);

// The status map's "unserved" array: job types waiting with no live worker.
[[nodiscard]] std::vector<broker::UnservedType> read_unserved(const msgpack::object& unserved);

// The value of `key` in an encoded status map, read by `read` (empty when absent or unreadable).
template <typename Read>
[[nodiscard]] auto read_status_field(std::string_view encoded, const std::string& key, Read read)
    -> decltype(read(msgpack::object{})) {
    try {
        const msgpack::object_handle handle = msgpack::unpack(encoded.data(), encoded.size());
        return read(broker::status_fields(handle.get())[key]);
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace ferry::producer
