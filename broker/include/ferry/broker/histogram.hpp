// A fixed-bucket histogram, as Prometheus exposes them: counts per upper bound, a sum and a count.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace ferry::broker {

class Histogram {
  public:
    // `bounds` ascending, upper bounds inclusive (Prometheus `le`); one more bucket counts the
    // values above the last. The bounds must outlive the histogram (use the constants below).
    explicit Histogram(std::span<const double> bounds)
        : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

    // A linear scan: the buckets are few and most values land in the first ones.
    void observe(double value) noexcept {
        std::size_t bucket = 0;
        while (bucket < bounds_.size() && value > bounds_[bucket]) {
            ++bucket;
        }
        ++counts_[bucket];
        sum_ += value;
        ++count_;
    }
    // The same value `times` times.
    void observe(double value, std::uint64_t times) noexcept {
        std::size_t bucket = 0;
        while (bucket < bounds_.size() && value > bounds_[bucket]) {
            ++bucket;
        }
        counts_[bucket] += times;
        sum_ += value * static_cast<double>(times);
        count_ += times;
    }

    [[nodiscard]] std::span<const double> bounds() const noexcept { return bounds_; }
    // Per bucket, not cumulative: counts()[i] values fell in (bounds[i-1], bounds[i]].
    [[nodiscard]] const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }
    [[nodiscard]] double sum() const noexcept { return sum_; }
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

  private:
    std::span<const double> bounds_;    // upper bounds
    std::vector<std::uint64_t> counts_; // per bucket, the last one above every bound
    double sum_ = 0;                    // of every value observed
    std::uint64_t count_ = 0;           // values observed
};

// Jobs per JOBS message.
inline constexpr std::array<double, 11> batch_size_bounds{1,  2,   4,   8,   16,  32,
                                                          64, 128, 256, 512, 1024};
// Seconds from acceptance to an attempt's dispatch.
inline constexpr std::array<double, 12> queue_wait_bounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                          1,     5,     10,   60,   300, 3600};
// The handler's own seconds for one job, as its worker reported.
inline constexpr std::array<double, 12> handler_time_bounds{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1,
                                                            0.5,    1,     5,     30,   120,  600};
// Seconds one journal fsync took.
inline constexpr std::array<double, 10> fsync_bounds{0.0001, 0.0005, 0.001, 0.005, 0.01,
                                                     0.05,   0.1,    0.5,   1,     5};

} // namespace ferry::broker
