// Deadlines of running attempts (timeouts) and of retry backoffs, checked against `now`.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/broker/job_table.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <vector>

namespace ferry::broker {

// A running attempt's hard limit.
struct AttemptDeadline {
    TimePoint at;       // when the attempt times out
    JobRef ref;         // the job
    std::uint32_t send; // which dispatch of the job (JobRecord::sends): a later one makes it stale
};

// Attempt deadlines grouped by timeout length: within one length they are appended in time
// order, so each group is a FIFO and the earliest deadline is at a group's front. Entries of
// answered attempts are left in place and skipped, and compacted away when they pile up, so a
// million jobs per second with a 300 s timeout does not hold 300 million entries.
class AttemptDeadlines {
  public:
    // Records the job's dispatch number `send`, sent now with `timeout_ms` (0: no limit, nothing
    // recorded). Why not the attempt number: a job given back uncounted (its worker left, or died
    // before starting it) is sent again under the same attempt number, and must not inherit the
    // earlier dispatch's deadline.
    void add(JobRef ref, std::uint32_t send, std::uint64_t timeout_ms, TimePoint now);
    // Pops every deadline at or before `now` for which `live(entry)` holds.
    template <typename Live> std::vector<AttemptDeadline> expired(TimePoint now, Live&& live);
    // Drops entries for which `live` fails once they outnumber `live_count` twice over.
    template <typename Live> void compact(std::size_t live_count, Live&& live);
    // The earliest recorded deadline (possibly stale).
    [[nodiscard]] std::optional<TimePoint> next() const;
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

  private:
    std::map<std::uint64_t, std::deque<AttemptDeadline>> by_timeout_; // timeout_ms -> FIFO
    std::size_t size_ = 0;                                            // entries, all groups
};

// A job waiting out its retry backoff.
struct RetryDue {
    TimePoint at; // when it may be queued again
    JobRef ref;   // the job
    bool operator>(const RetryDue& other) const noexcept { return at > other.at; }
};

// Jobs in backoff, earliest first.
class RetryDelays {
  public:
    void add(JobRef ref, TimePoint at) { heap_.push(RetryDue{at, ref}); }
    // Pops every job whose backoff ended at or before `now`.
    std::vector<JobRef> due(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next() const;
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

  private:
    std::priority_queue<RetryDue, std::vector<RetryDue>, std::greater<>> heap_; // min-heap by time
};

template <typename Live>
std::vector<AttemptDeadline> AttemptDeadlines::expired(TimePoint now, Live&& live) {
    std::vector<AttemptDeadline> result;
    for (auto& [timeout, entries] : by_timeout_) {
        while (!entries.empty() && entries.front().at <= now) {
            if (live(entries.front())) {
                result.push_back(entries.front());
            }
            entries.pop_front();
            --size_;
        }
    }
    return result;
}

template <typename Live> void AttemptDeadlines::compact(std::size_t live_count, Live&& live) {
    if (size_ < 1024 || size_ <= 2 * live_count) {
        return;
    }
    size_ = 0;
    for (auto& [timeout, entries] : by_timeout_) {
        std::deque<AttemptDeadline> kept;
        for (const auto& entry : entries) {
            if (live(entry)) {
                kept.push_back(entry);
            }
        }
        entries.swap(kept);
        size_ += entries.size();
    }
}

} // namespace ferry::broker
