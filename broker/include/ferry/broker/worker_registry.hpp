// Live workers: what they serve, their credit, the jobs they hold, and when we last heard them.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/wire/messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ferry::broker {

// One registered worker.
struct WorkerRecord {
    std::uint32_t id = 0;   // registry id, never reused in one broker life
    std::string name;       // READY name, unique among live workers
    std::string routing_id; // ROUTER identity of its connection
    std::string host;       // host it runs on
    std::uint64_t pid = 0;  // its process id
    std::string key;        // its CURVE public key (Z85); empty without CURVE
    std::unordered_map<std::string, std::uint64_t> types; // job type -> largest batch
    // Job type -> the longest wait for a batch to fill its handler asked for (absent: none).
    std::unordered_map<std::string, std::uint64_t> max_delay_ms;
    std::uint64_t credit = 0;    // free slots it granted and we have not used
    std::uint64_t in_flight = 0; // jobs sent and unanswered (cancelled ones included)
    std::uint32_t suspects = 0;  // suspect jobs running here: it is sent nothing else meanwhile
    bool reserved = false;       // kept from new jobs until it is idle and takes a suspect
    // Packed JobRefs sent here, in dispatch order. Why a list and not a set: erasing each answered
    // job from a hash set cost a node allocation and free per job; instead entries go stale
    // (the job table says whether an attempt still runs here) and are dropped in bulk.
    std::vector<std::uint64_t> held;
    std::uint64_t heartbeat_ms = 0; // interval negotiated in READY
    TimePoint last_heard;           // last message from it
    TimePoint last_sent;            // last message to it
};

// The registry; the broker's poll loop is its only user.
class WorkerRegistry {
  public:
    // Registers a worker from its READY. A registration under the same name is removed first
    // and returned, so the caller can re-queue what it held.
    std::pair<WorkerRecord*, std::optional<WorkerRecord>>
    add(const wire::Ready& ready, std::string routing_id, TimePoint now);
    // Removes a worker and hands its record back (its held jobs are the caller's to settle).
    [[nodiscard]] std::optional<WorkerRecord> remove(std::uint32_t id);

    [[nodiscard]] WorkerRecord* by_id(std::uint32_t id);
    [[nodiscard]] WorkerRecord* by_routing_id(std::string_view routing_id);
    [[nodiscard]] WorkerRecord* by_name(std::string_view name);

    // The least-loaded worker serving `type` with credit left, neither running a suspect job nor
    // reserved for one; null when none can take a job.
    [[nodiscard]] WorkerRecord* pick(const std::string& type);
    // A worker serving `type` with credit and nothing unanswered (reserved ones first), or null.
    [[nodiscard]] WorkerRecord* idle_for(const std::string& type);
    // Unless a worker serving `type` is reserved already, reserves the least loaded that has
    // credit and runs no suspect: it gets no new jobs, so it drains and becomes idle.
    void reserve_for(const std::string& type);
    // Lifts every reservation (the scheduler makes them again while suspects wait).
    void unreserve_all();
    [[nodiscard]] std::size_t reserved() const noexcept { return reserved_; }
    // Workers silent for longer than heartbeat_ms x liveness.
    [[nodiscard]] std::vector<std::uint32_t> expired(TimePoint now, std::uint32_t liveness) const;
    // Workers we have sent nothing to for one of their heartbeat intervals.
    [[nodiscard]] std::vector<std::uint32_t> heartbeat_due(TimePoint now) const;
    // The earliest instant at which a heartbeat or an expiry may fall due.
    [[nodiscard]] std::optional<TimePoint> next_deadline(std::uint32_t liveness) const;

    [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }
    [[nodiscard]] const std::unordered_map<std::uint32_t, WorkerRecord>& all() const noexcept {
        return workers_;
    }
    [[nodiscard]] std::unordered_map<std::uint32_t, WorkerRecord>& all() noexcept {
        return workers_;
    }

  private:
    std::unordered_map<std::uint32_t, WorkerRecord> workers_; // id -> worker
    std::unordered_map<std::string, std::uint32_t> by_name_;  // READY name -> id
    std::unordered_map<std::string, std::uint32_t> by_route_; // routing id -> id
    std::uint32_t next_id_ = 1;                               // next registry id
    std::size_t reserved_ = 0;                                // workers with `reserved` set
};

} // namespace ferry::broker
