// Tracking of job types no live worker serves.
#include "ferry/broker/type_coverage.hpp"

#include <algorithm>

namespace ferry::broker {
namespace {

bool served_now(const WorkerRegistry& workers, const std::string& type) {
    return std::any_of(workers.all().begin(), workers.all().end(),
                       [&type](const auto& entry) { return entry.second.types.contains(type); });
}

} // namespace

void TypeCoverage::observe(const WorkerRegistry& workers, TimePoint now) {
    for (const auto& [id, worker] : workers.all()) {
        for (const auto& [type, max_batch] : worker.types)
            last_served_[type] = now;
    }
}

std::vector<UnservedType> TypeCoverage::unserved(const JobQueues& queues,
                                                 const WorkerRegistry& workers, TimePoint now,
                                                 Clock::duration after) const {
    std::vector<UnservedType> found;
    for (const auto& [type, queue] : queues.all()) {
        if (queue.empty() || served_now(workers, type))
            continue;
        const auto last = last_served_.find(type);
        const TimePoint since = last == last_served_.end() ? started_ : last->second;
        if (now - since < after)
            continue;
        found.push_back({type, queue.size(), std::chrono::duration<double>(now - since).count()});
    }
    std::sort(found.begin(), found.end(),
              [](const UnservedType& a, const UnservedType& b) { return a.type < b.type; });
    return found;
}

} // namespace ferry::broker
