// Jobs finished per second over the last minutes, sampled from the broker's STATUS on a thread of
// its own, for the status page's chart (/v1/status).
#pragma once

#include "ferry/http/broker_link.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ferry::http {

class ThroughputHistory {
  public:
    static constexpr auto interval = std::chrono::seconds(2); // between samples
    static constexpr std::size_t kept = 450;                  // samples: 15 minutes

    // Samples `broker` until stop() (or destruction). The first sample is taken at once.
    explicit ThroughputHistory(BrokerLink& broker);
    ~ThroughputHistory();
    ThroughputHistory(const ThroughputHistory&) = delete;
    ThroughputHistory& operator=(const ThroughputHistory&) = delete;

    void stop();
    // {"interval_s": 2, "samples": [{"t": unix_ms, "done_per_s": rate}, ...]}, oldest first.
    [[nodiscard]] std::string json() const;
    // Adds a sample from a finished-jobs count read at `now` (the sampler's step; tests call it).
    void record(std::uint64_t finished, std::chrono::steady_clock::time_point now,
                std::int64_t unix_ms);

  private:
    struct Sample {
        std::int64_t unix_ms = 0; // wall clock of the sample
        double per_s = 0;         // finished per second since the previous one
    };
    void run();

    BrokerLink& broker_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::deque<Sample> samples_;
    std::optional<std::uint64_t> last_finished_;      // previous count read
    std::chrono::steady_clock::time_point last_at_{}; // when
    std::thread thread_;                              // the sampler
};

// Jobs finished (ok, failed and cancelled) in a STATUS map's MessagePack bytes; none when the
// map has no counters.
[[nodiscard]] std::optional<std::uint64_t> finished_jobs(std::string_view status);

} // namespace ferry::http
