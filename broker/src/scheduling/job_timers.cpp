// Attempt deadlines and retry backoffs.
#include "ferry/broker/job_timers.hpp"

namespace ferry::broker {

void AttemptDeadlines::add(JobRef ref, std::uint32_t send, std::uint64_t timeout_ms,
                           TimePoint now) {
    if (timeout_ms == 0) {
        return;
    }
    const auto at = now + Millis(static_cast<long long>(timeout_ms));
    by_timeout_[timeout_ms].push_back(AttemptDeadline{at, ref, send});
    ++size_;
}

std::optional<TimePoint> AttemptDeadlines::next() const {
    std::optional<TimePoint> result;
    for (const auto& [timeout, entries] : by_timeout_) {
        if (!entries.empty() && (!result || entries.front().at < *result)) {
            result = entries.front().at;
        }
    }
    return result;
}

std::vector<JobRef> RetryDelays::due(TimePoint now) {
    std::vector<JobRef> result;
    while (!heap_.empty() && heap_.top().at <= now) {
        result.push_back(heap_.top().ref);
        heap_.pop();
    }
    return result;
}

std::optional<TimePoint> RetryDelays::next() const {
    if (heap_.empty()) {
        return std::nullopt;
    }
    return heap_.top().at;
}

} // namespace ferry::broker
