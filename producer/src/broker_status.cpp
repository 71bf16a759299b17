// Reading workers and unserved job types out of a broker's status map.
#include "ferry/producer/broker_status.hpp"

namespace ferry::producer {
namespace {

// Calls fn(key, value) for each string-keyed entry of a map.
template <typename Fn> void for_each_field(const msgpack::object& map, Fn&& fn) {
    for (std::uint32_t i = 0; map.type == msgpack::type::MAP && i < map.via.map.size; ++i) {
        const auto& entry = map.via.map.ptr[i];
        if (entry.key.type == msgpack::type::STR)
            fn(entry.key.as<std::string_view>(), entry.val);
    }
}

std::string string_of(const msgpack::object& value) {
    return value.type == msgpack::type::STR ? value.as<std::string>() : std::string{};
}

std::uint64_t unsigned_of(const msgpack::object& value) {
    return value.type == msgpack::type::POSITIVE_INTEGER ? value.via.u64 : 0;
}

} // namespace

std::vector<StatusWorker> read_status_workers(const msgpack::object& workers) {
    std::vector<StatusWorker> found;
    for (std::uint32_t i = 0; workers.type == msgpack::type::ARRAY && i < workers.via.array.size;
         ++i) {
        StatusWorker worker;
        for_each_field(
            workers.via.array.ptr[i], [&](std::string_view key, const msgpack::object& value) {
                if (key == "host")
                    worker.host = string_of(value);
                if (key == "pid")
                    worker.pid = unsigned_of(value);
                if (key == "types") {
                    for_each_field(value, [&](std::string_view type, const msgpack::object&) {
                        worker.types.emplace_back(type);
                    });
                }
            });
        found.push_back(std::move(worker));
    }
    return found;
}

std::vector<broker::UnservedType> read_unserved(const msgpack::object& unserved) {
    std::vector<broker::UnservedType> found;
    for (std::uint32_t i = 0; unserved.type == msgpack::type::ARRAY && i < unserved.via.array.size;
         ++i) {
        broker::UnservedType type;
        for_each_field(unserved.via.array.ptr[i],
                       [&](std::string_view key, const msgpack::object& value) {
                           if (key == "type")
                               type.type = string_of(value);
                           if (key == "queued")
                               type.queued = unsigned_of(value);
                           if (key == "seconds" && value.type == msgpack::type::FLOAT64)
                               type.seconds = value.via.f64;
                       });
        found.push_back(std::move(type));
    }
    return found;
}

} // namespace ferry::producer
