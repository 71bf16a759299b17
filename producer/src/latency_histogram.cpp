// Log-linear latency buckets: exact to the microsecond below 256 µs, 0.4% wide above.
#include "ferry/producer/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ferry::producer {
namespace {

constexpr unsigned sub_bits = 7;                    // 2^7 = 128 buckets per power of two
constexpr std::uint64_t sub_count = 1U << sub_bits; // buckets per power of two
constexpr unsigned top_power = 40;                  // 2^40 µs: values beyond share a bucket
constexpr std::size_t bucket_count = (top_power - sub_bits + 1) * sub_count;
constexpr std::uint64_t top_micros = (std::uint64_t{1} << top_power) - 1;

} // namespace

LatencyHistogram::LatencyHistogram() : counts_(bucket_count, 0) {}

// Below 2^8 µs a bucket is one microsecond. From 2^e (e >= 8) on, the value is shifted right
// by e - 7 so 128 buckets split each power of two: a bucket spans at most 1/128 of its lower
// bound, and its midpoint is within 1/256 of any value in it.
std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
    micros = std::min(micros, top_micros);
    if (micros < 2 * sub_count)
        return static_cast<std::size_t>(micros);
    const unsigned shift = static_cast<unsigned>(std::bit_width(micros)) - 1 - sub_bits;
    return static_cast<std::size_t>((shift + 1) * sub_count + ((micros >> shift) - sub_count));
}

// The middle of the whole microseconds a bucket holds, in microseconds.
double LatencyHistogram::middle_of(std::size_t bucket) {
    if (bucket < 2 * sub_count)
        return static_cast<double>(bucket);
    const std::uint64_t shift = bucket / sub_count - 1;
    const std::uint64_t lower = (sub_count + bucket % sub_count) << shift;
    const std::uint64_t width = std::uint64_t{1} << shift;
    return static_cast<double>(lower) + static_cast<double>(width - 1) / 2;
}

void LatencyHistogram::record(double ms) {
    if (!(ms > 0))
        ms = 0; // NaN as well
    const double micros = std::min(std::round(ms * 1000), static_cast<double>(top_micros));
    ++counts_[bucket_of(static_cast<std::uint64_t>(micros))];
    min_ms_ = count_ == 0 ? ms : std::min(min_ms_, ms);
    max_ms_ = count_ == 0 ? ms : std::max(max_ms_, ms);
    ++count_;
}

double LatencyHistogram::percentile(double fraction) const {
    if (count_ == 0)
        return 0;
    const auto wanted = static_cast<double>(count_) * fraction;
    const auto rank =
        std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::ceil(wanted)), 1, count_);
    if (rank == count_)
        return max_ms_; // the largest sample is known exactly
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
        seen += counts_[bucket];
        if (seen >= rank)
            return std::clamp(middle_of(bucket) / 1000, min_ms_, max_ms_);
    }
    return max_ms_;
}

} // namespace ferry::producer
