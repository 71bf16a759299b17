// Registration, lookup, least-loaded choice and heartbeat bookkeeping of workers.
#include "ferry/broker/worker_registry.hpp"

namespace ferry::broker {

std::pair<WorkerRecord*, std::optional<WorkerRecord>>
WorkerRegistry::add(const wire::Ready& ready, std::string routing_id, TimePoint now) {
    std::optional<WorkerRecord> replaced;
    if (const auto found = by_name_.find(ready.worker); found != by_name_.end()) {
        replaced = remove(found->second);
    }
    if (const auto found = by_route_.find(routing_id); found != by_route_.end()) {
        // A connection that READYs twice under another name: the old name is gone.
        auto old = remove(found->second);
        if (!replaced) {
            replaced = std::move(old);
        }
    }
    WorkerRecord record;
    record.id = next_id_++;
    record.name = ready.worker;
    record.routing_id = std::move(routing_id);
    record.host = ready.host;
    record.pid = ready.pid;
    for (const auto& capacity : ready.types) {
        record.types[capacity.type] = capacity.max_batch == 0 ? 1 : capacity.max_batch;
        if (capacity.max_delay_ms) {
            record.max_delay_ms[capacity.type] = *capacity.max_delay_ms;
        }
    }
    record.credit = ready.credit;
    record.heartbeat_ms = ready.heartbeat_ms == 0 ? 1000 : ready.heartbeat_ms;
    record.last_heard = now;
    record.last_sent = now;
    by_name_[record.name] = record.id;
    by_route_[record.routing_id] = record.id;
    auto [slot, inserted] = workers_.emplace(record.id, std::move(record));
    return {&slot->second, std::move(replaced)};
}

std::optional<WorkerRecord> WorkerRegistry::remove(std::uint32_t id) {
    const auto found = workers_.find(id);
    if (found == workers_.end()) {
        return std::nullopt;
    }
    WorkerRecord record = std::move(found->second);
    reserved_ -= record.reserved ? 1 : 0;
    workers_.erase(found);
    by_name_.erase(record.name);
    by_route_.erase(record.routing_id);
    return record;
}

WorkerRecord* WorkerRegistry::by_id(std::uint32_t id) {
    const auto found = workers_.find(id);
    return found == workers_.end() ? nullptr : &found->second;
}

WorkerRecord* WorkerRegistry::by_routing_id(std::string_view routing_id) {
    const auto found = by_route_.find(std::string(routing_id));
    return found == by_route_.end() ? nullptr : by_id(found->second);
}

WorkerRecord* WorkerRegistry::by_name(std::string_view name) {
    const auto found = by_name_.find(std::string(name));
    return found == by_name_.end() ? nullptr : by_id(found->second);
}

// Least loaded = fewest unanswered jobs; ties go to the one with most credit, then the oldest
// registration, so the choice is deterministic for tests.
WorkerRecord* WorkerRegistry::pick(const std::string& type) {
    WorkerRecord* best = nullptr;
    for (auto& [id, worker] : workers_) {
        if (worker.credit == 0 || worker.suspects != 0 || worker.reserved ||
            worker.types.count(type) == 0) {
            continue;
        }
        if (best == nullptr || worker.in_flight < best->in_flight ||
            (worker.in_flight == best->in_flight &&
             (worker.credit > best->credit ||
              (worker.credit == best->credit && worker.id < best->id)))) {
            best = &worker;
        }
    }
    return best;
}

WorkerRecord* WorkerRegistry::idle_for(const std::string& type) {
    WorkerRecord* found = nullptr;
    for (auto& [id, worker] : workers_) {
        if (worker.credit == 0 || worker.in_flight != 0 || worker.suspects != 0 ||
            worker.types.count(type) == 0) {
            continue;
        }
        if (found == nullptr || (worker.reserved && !found->reserved) ||
            (worker.reserved == found->reserved && worker.id < found->id)) {
            found = &worker;
        }
    }
    return found;
}

void WorkerRegistry::reserve_for(const std::string& type) {
    WorkerRecord* best = nullptr;
    for (auto& [id, worker] : workers_) {
        if (worker.types.count(type) == 0) {
            continue;
        }
        if (worker.reserved) {
            return;
        }
        if (worker.credit != 0 && worker.suspects == 0 &&
            (best == nullptr || worker.in_flight < best->in_flight ||
             (worker.in_flight == best->in_flight && worker.id < best->id))) {
            best = &worker;
        }
    }
    if (best != nullptr) {
        best->reserved = true;
        ++reserved_;
    }
}

void WorkerRegistry::unreserve_all() {
    if (reserved_ == 0) {
        return;
    }
    for (auto& [id, worker] : workers_) {
        worker.reserved = false;
    }
    reserved_ = 0;
}

std::vector<std::uint32_t> WorkerRegistry::expired(TimePoint now, std::uint32_t liveness) const {
    std::vector<std::uint32_t> result;
    for (const auto& [id, worker] : workers_) {
        if (now - worker.last_heard > Millis(worker.heartbeat_ms * liveness)) {
            result.push_back(id);
        }
    }
    return result;
}

std::vector<std::uint32_t> WorkerRegistry::heartbeat_due(TimePoint now) const {
    std::vector<std::uint32_t> result;
    for (const auto& [id, worker] : workers_) {
        if (now - worker.last_sent >= Millis(worker.heartbeat_ms)) {
            result.push_back(id);
        }
    }
    return result;
}

std::optional<TimePoint> WorkerRegistry::next_deadline(std::uint32_t liveness) const {
    std::optional<TimePoint> result;
    for (const auto& [id, worker] : workers_) {
        const auto beat = worker.last_sent + Millis(worker.heartbeat_ms);
        const auto death = worker.last_heard + Millis(worker.heartbeat_ms * liveness) + Millis(1);
        const auto soonest = std::min(beat, death);
        if (!result || soonest < *result) {
            result = soonest;
        }
    }
    return result;
}

} // namespace ferry::broker
