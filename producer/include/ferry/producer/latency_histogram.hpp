// Latency percentiles from a fixed-size histogram: its memory does not grow with the job count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry::producer {

// Counts latencies in log-linear buckets of whole microseconds: exact below 256 µs, then 128
// buckets per power of two, each reported by its midpoint. A percentile is therefore within
// 1/256 (0.4%) of the exact nearest-rank sample, plus the 0.5 µs of rounding to microseconds;
// values past 2^40 µs (12.7 days) share the last bucket. The maximum is kept exactly.
class LatencyHistogram {
  public:
    LatencyHistogram();

    // Counts one latency in milliseconds (negative or NaN counts as 0).
    void record(double ms);
    // The nearest-rank percentile in milliseconds (`fraction` in (0, 1]); 0 when empty.
    [[nodiscard]] double percentile(double fraction) const;
    [[nodiscard]] double max_ms() const { return max_ms_; }
    [[nodiscard]] std::uint64_t count() const { return count_; }

    // Relative precision of a percentile, beside the 0.5 µs of rounding (see above).
    static constexpr double relative_precision = 1.0 / 256;

  private:
    [[nodiscard]] static std::size_t bucket_of(std::uint64_t micros);
    [[nodiscard]] static double middle_of(std::size_t bucket);

    std::vector<std::uint64_t> counts_; // one per bucket, allocated once
    std::uint64_t count_ = 0;           // latencies recorded
    double min_ms_ = 0;                 // smallest recorded (percentiles never go below it)
    double max_ms_ = 0;                 // largest recorded, exact
};

} // namespace ferry::producer
