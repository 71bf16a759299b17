// Priority levels of FIFO deques, one set per job type.
#include "ferry/broker/job_queue.hpp"

namespace ferry::broker {

void TypeQueue::push(std::int64_t priority, QueuedJob job) {
    levels_[priority].push_back(job);
    ++size_;
}

std::optional<QueuedJob> TypeQueue::pop_suspect() {
    if (suspects_.empty()) {
        return std::nullopt;
    }
    const QueuedJob job = suspects_.front();
    suspects_.pop_front();
    return job;
}

// A drained level is kept while levels are few: a queue that empties and refills at once (the
// usual rhythm under load) then allocates no map node and no deque block each time. Beyond a
// few levels, drained ones are erased, so odd priorities cannot pile up empty levels.
std::optional<QueuedJob> TypeQueue::pop() {
    if (size_ == 0) {
        return std::nullopt;
    }
    auto level = levels_.begin();
    while (level->second.empty()) {
        ++level;
    }
    const QueuedJob job = level->second.front();
    level->second.pop_front();
    if (level->second.empty() && levels_.size() > kept_levels) {
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
        if (jobs.empty()) {
            continue;
        }
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
