// Reading workers and unserved job types out of a broker's status map.
#include "ferry/producer/broker_status.hpp"

#include <span>

namespace ferry::producer {
namespace {

std::string string_of(const msgpack::object& value) {
    return value.type == msgpack::type::STR ? value.as<std::string>() : std::string{};
}

std::uint64_t unsigned_of(const msgpack::object& value) {
    return value.type == msgpack::type::POSITIVE_INTEGER ? value.via.u64 : 0;
}

// The elements of an array value (none for anything else).
std::span<const msgpack::object> items_of(const msgpack::object& value) {
    if (value.type != msgpack::type::ARRAY)
        return {};
    return {value.via.array.ptr, value.via.array.size};
}

} // namespace

std::map<std::string, msgpack::object> status_fields(const msgpack::object& map) {
    std::map<std::string, msgpack::object> fields;
    if (map.type != msgpack::type::MAP)
        return fields;
    for (const auto& entry : std::span(map.via.map.ptr, map.via.map.size)) {
        if (entry.key.type == msgpack::type::STR)
            fields.emplace(entry.key.as<std::string>(), entry.val);
    }
    return fields;
}

std::vector<StatusWorker> read_status_workers(const msgpack::object& workers) {
    std::vector<StatusWorker> found;
    for (const auto& item : items_of(workers)) {
        auto fields = status_fields(item);
        StatusWorker worker{string_of(fields["host"]), unsigned_of(fields["pid"]), {}};
        for (const auto& [type, max_batch] : status_fields(fields["types"])) {
            worker.types.push_back(type);
        }
        found.push_back(std::move(worker));
    }
    return found;
}

std::vector<UnservedType> read_unserved(const msgpack::object& unserved) {
    std::vector<UnservedType> found;
    for (const auto& item : items_of(unserved)) {
        auto fields = status_fields(item);
        const msgpack::object& seconds = fields["seconds"];
        found.push_back({string_of(fields["type"]), unsigned_of(fields["queued"]),
                         seconds.type == msgpack::type::FLOAT64 ? seconds.via.f64 : 0.0});
    }
    return found;
}

} // namespace ferry::producer
