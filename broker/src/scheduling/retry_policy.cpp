// Retry decisions and backoff delays.
#include "ferry/broker/retry_policy.hpp"

#include "ferry/wire/protocol.hpp"

#include <algorithm>
#include <cmath>

namespace ferry::broker {

bool retryable_for_type(const std::string& code, const JobTypeConfig& type) {
    if (std::find(type.non_retryable.begin(), type.non_retryable.end(), code) !=
        type.non_retryable.end()) {
        return false;
    }
    return wire::is_retryable(std::string_view(code));
}

Millis backoff_delay(const BackoffConfig& backoff, std::uint32_t failed_attempts,
                     double unit_random) {
    const double exponent = failed_attempts == 0 ? 0.0 : static_cast<double>(failed_attempts - 1);
    double delay = static_cast<double>(backoff.initial_ms) * std::pow(backoff.multiplier, exponent);
    delay = std::min(delay, static_cast<double>(backoff.max_ms));
    delay *= 1.0 + backoff.jitter * (2.0 * unit_random - 1.0);
    delay = std::clamp(delay, 0.0, static_cast<double>(backoff.max_ms));
    return Millis(static_cast<long long>(std::llround(delay)));
}

RetryDecision decide_retry(const wire::Error& error, std::uint32_t attempts,
                           std::uint32_t max_attempts, const JobTypeConfig& type,
                           double unit_random) {
    if (attempts >= max_attempts || !retryable_for_type(error.code, type)) {
        return {};
    }
    Millis delay = backoff_delay(type.backoff, attempts, unit_random);
    if (error.retry_after_ms) {
        delay = std::max(delay, Millis(static_cast<long long>(*error.retry_after_ms)));
    }
    return {true, delay};
}

} // namespace ferry::broker
