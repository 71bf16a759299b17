// The sampler behind the status page's throughput chart.
#include "ferry/http/throughput_history.hpp"

#include <fmt/format.h>
#include <msgpack.hpp>

namespace ferry::http {

std::optional<std::uint64_t> finished_jobs(std::string_view status) {
    try {
        const auto handle = msgpack::unpack(status.data(), status.size());
        const msgpack::object& map = handle.get();
        if (map.type != msgpack::type::MAP) {
            return std::nullopt;
        }
        std::uint64_t total = 0;
        bool found = false;
        for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
            const msgpack::object& key = map.via.map.ptr[i].key;
            const msgpack::object& value = map.via.map.ptr[i].val;
            if (key.type != msgpack::type::STR || value.type != msgpack::type::POSITIVE_INTEGER) {
                continue;
            }
            const auto name = key.as<std::string_view>();
            if (name == "done" || name == "failed" || name == "cancelled") {
                total += value.via.u64;
                found = true;
            }
        }
        return found ? std::optional(total) : std::nullopt;
    } catch (const msgpack::unpack_error&) {
        return std::nullopt;
    }
}

ThroughputHistory::ThroughputHistory(BrokerLink& broker)
    : broker_(broker), thread_([this] { run(); }) {}

ThroughputHistory::~ThroughputHistory() {
    stop();
}

void ThroughputHistory::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void ThroughputHistory::record(std::uint64_t finished, std::chrono::steady_clock::time_point now,
                               std::int64_t unix_ms) {
    const std::lock_guard lock(mutex_);
    if (last_finished_ && now > last_at_) {
        const double seconds = std::chrono::duration<double>(now - last_at_).count();
        // A restarted broker counts from zero again: no negative rate.
        const std::uint64_t delta = finished >= *last_finished_ ? finished - *last_finished_ : 0;
        samples_.push_back({unix_ms, static_cast<double>(delta) / seconds});
        if (samples_.size() > kept) {
            samples_.pop_front();
        }
    }
    last_finished_ = finished;
    last_at_ = now;
}

// A broker that does not answer leaves a gap (no sample), not a zero.
void ThroughputHistory::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        std::optional<std::uint64_t> finished;
        try {
            finished = finished_jobs(broker_.status());
        } catch (const LinkError&) {
        }
        if (finished) {
            const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
            record(*finished, std::chrono::steady_clock::now(), unix_ms);
        }
        lock.lock();
        wake_.wait_for(lock, interval, [this] { return stopping_; });
    }
}

std::string ThroughputHistory::json() const {
    const std::lock_guard lock(mutex_);
    std::string out =
        fmt::format("{{\"interval_s\":{},\"samples\":[", std::chrono::seconds(interval).count());
    for (std::size_t i = 0; i < samples_.size(); ++i) {
        out += fmt::format("{}{{\"t\":{},\"done_per_s\":{:.3f}}}", i == 0 ? "" : ",",
                           samples_[i].unix_ms, samples_[i].per_s);
    }
    out += "]}";
    return out;
}

} // namespace ferry::http
