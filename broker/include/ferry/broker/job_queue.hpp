// Per-job-type queues: higher priority first, FIFO within a priority level.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/broker/job_table.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace ferry::broker {

// A queue entry: which job, and since when it waits (for the batch delay).
struct QueuedJob {
    JobRef ref;            // the job (may be stale if it was answered while queued)
    TimePoint enqueued_at; // when it entered the queue
};

// The queue of one job type.
class TypeQueue {
  public:
    // Appends a job at its priority level.
    void push(std::int64_t priority, QueuedJob job);
    // Takes the next job: the oldest of the highest level.
    [[nodiscard]] std::optional<QueuedJob> pop();
    // When the longest-waiting entry was queued; empty when the queue is empty.
    [[nodiscard]] std::optional<TimePoint> oldest() const;
    // Entries waiting to be batched (suspects not included).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

    // Suspects wait in a line of their own, FIFO, so none holds up the jobs batched behind it.
    void push_suspect(QueuedJob job) { suspects_.push_back(job); }
    // Puts a suspect just taken back at the head of the line (it could not be sent yet).
    void push_suspect_front(QueuedJob job) { suspects_.push_front(job); }
    [[nodiscard]] std::optional<QueuedJob> pop_suspect();
    [[nodiscard]] std::size_t suspects() const noexcept { return suspects_.size(); }
    // Every waiting job, suspects included (the depth `ferry status` shows).
    [[nodiscard]] std::size_t waiting() const noexcept { return size_ + suspects_.size(); }

  private:
    static constexpr std::size_t kept_levels = 4; // drained levels kept while there are this few
    std::map<std::int64_t, std::deque<QueuedJob>, std::greater<>> levels_; // priority -> FIFO
    std::size_t size_ = 0;                                                 // entries, all levels
    std::deque<QueuedJob> suspects_; // suspect jobs, sent one by one to idle workers
};

// All queues, by job type name; a queue appears with its first job.
class JobQueues {
  public:
    // The queue of a type, created empty on first use.
    TypeQueue& of(const std::string& type);
    // Total entries over all types.
    [[nodiscard]] std::size_t total() const noexcept;
    [[nodiscard]] const std::unordered_map<std::string, TypeQueue>& all() const noexcept {
        return queues_;
    }
    [[nodiscard]] std::unordered_map<std::string, TypeQueue>& all() noexcept { return queues_; }

  private:
    std::unordered_map<std::string, TypeQueue> queues_; // type -> queue
};

} // namespace ferry::broker
