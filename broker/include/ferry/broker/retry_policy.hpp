// Whether a failed attempt runs again, and after how long (exponential backoff with jitter).
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/wire/messages.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ferry::broker {

// Whether an error code may be retried for a job type: the protocol's table, minus the type's
// `non_retryable` extras. Unknown codes are not retried.
[[nodiscard]] bool retryable_for_type(const std::string& code, const JobTypeConfig& type);

// Delay before the next attempt after `failed_attempts` failures (>= 1): initial x
// multiplier^(failed-1), capped at max, then scaled by 1 + jitter x (2u - 1) for u in [0, 1).
[[nodiscard]] Millis backoff_delay(const BackoffConfig& backoff, std::uint32_t failed_attempts,
                                   double unit_random);

// What to do with a job after a failed attempt.
struct RetryDecision {
    bool retry = false; // run again (else dead-letter)
    Millis delay{0};    // wait before it is queued again
};

// Decides a failed attempt's fate; a RETRY error's retry_after_ms is honoured as a minimum.
[[nodiscard]] RetryDecision decide_retry(const wire::Error& error, std::uint32_t attempts,
                                         std::uint32_t max_attempts, const JobTypeConfig& type,
                                         double unit_random);

// The jitter source: a seeded engine, so tests can fix it.
class Jitter {
  public:
    explicit Jitter(std::uint64_t seed) : engine_(seed) {}
    // A uniform number in [0, 1).
    double next() { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

  private:
    std::mt19937_64 engine_; // pseudo-random source
};

} // namespace ferry::broker
