// Which job types have queued jobs that no live worker serves, and for how long.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/broker/job_queue.hpp"
#include "ferry/broker/worker_registry.hpp"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::broker {

// A job type whose jobs wait with no worker to run them (shown by `ferry status` and the
// producer's progress line, so a typo in a job type is never a silent wait).
struct UnservedType {
    std::string type;       // the job type
    std::size_t queued = 0; // jobs waiting in its queue
    double seconds = 0;     // since a live worker last served it (or since the broker started)
};

// Remembers when each job type last had a live worker serving it. The broker samples the
// registry about once a second; a type no worker has ever served counts from the broker's start.
class TypeCoverage {
  public:
    explicit TypeCoverage(TimePoint started) : started_(started) {}

    // Notes every type a live worker serves as served at `now`.
    void observe(const WorkerRegistry& workers, TimePoint now);

    // Types with queued jobs that no live worker serves and that none has served for at least
    // `after`, sorted by type.
    [[nodiscard]] std::vector<UnservedType> unserved(const JobQueues& queues,
                                                     const WorkerRegistry& workers, TimePoint now,
                                                     Clock::duration after) const;

  private:
    TimePoint started_;                                      // the broker's start
    std::unordered_map<std::string, TimePoint> last_served_; // type -> last time a worker served it
};

} // namespace ferry::broker
