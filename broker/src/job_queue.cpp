// Priority levels of FIFO deques, one set per job type.
#include "ferry/broker/job_queue.hpp"

namespace ferry::broker {

void TypeQueue::push(std::int64_t priority, QueuedJob job) {
    levels_[priority].push_back(job);
    ++size_;
}

// Empty levels are erased as they drain, so the first level is always the one to serve.
std::optional<QueuedJob> TypeQueue::pop() {
    if (levels_.empty()) {
        return std::nullopt;
    }
    auto level = levels_.begin();
    const QueuedJob job = level->second.front();
    level->second.pop_front();
    if (level->second.empty()) {
        levels_.erase(level);
    }
    --size_;
    return job;
}

// A lower level can hold an older job than a higher one; the batch delay is about the job that
// has waited longest, so every level's head is compared (levels are few).
std::optional<TimePoint> TypeQueue::oldest() const {
    std::optional<TimePoint> result;
    for (const auto& [priority, jobs] : levels_) {
        if (!result || jobs.front().enqueued_at < *result) {
            result = jobs.front().enqueued_at;
        }
    }
    return result;
}

TypeQueue& JobQueues::of(const std::string& type) {
    return queues_[type];
}

std::size_t JobQueues::total() const noexcept {
    std::size_t sum = 0;
    for (const auto& [type, queue] : queues_) {
        sum += queue.size();
    }
    return sum;
}

} // namespace ferry::broker
