// What the HTTP gateway knows of the jobs submitted through it: pending or done, the outcome of
// each as JSON, the batches they belong to. Thread-safe: handler threads read and wait, the
// gateway's link thread writes. An outcome stays until fetched (then for a short grace, so a
// client that lost the response can fetch it again) or until retention expires; only then is it
// acknowledged to the broker, which keeps it (in its journal) until that acknowledgement.
#pragma once

#include "ferry/http/http_config.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::http {

using SteadyClock = std::chrono::steady_clock;

// A job as handlers see it.
struct JobSnapshot {
    std::string type;         // job type ("" when the gateway learnt of it only by its outcome)
    std::string batch;        // batch id, "" for a single job
    bool done = false;        // has its final outcome
    bool ok = false;          // the outcome is a result (not an error)
    std::string outcome_json; // {"id", "status", "result" | "error", ...} once done
};

// A batch's counts.
struct BatchCounts {
    std::uint64_t total = 0;
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
    [[nodiscard]] std::uint64_t done() const { return ok + failed; }
};

class JobStore {
  public:
    explicit JobStore(const HttpConfig& config) : config_(config) {}

    // Registers jobs about to be submitted (batch "" for single jobs). Ids already known stay as
    // they are (a resubmission is the broker's duplicate).
    void add_pending(const std::vector<std::string>& ids, const std::vector<std::string>& types,
                     const std::string& batch);
    // A batch of ids (input order) is created; it must not exist yet.
    void add_batch(const std::string& batch, const std::vector<std::string>& ids);
    // Forgets jobs the broker refused (never queued).
    void remove_pending(const std::vector<std::string>& ids);
    // The final outcome of `id` arrived, under delivery number `delivery` (0: none to ACK).
    void complete(const std::string& id, bool ok, std::string outcome_json, std::uint64_t delivery);
    // The job runs again (redriven): its old outcome is superseded. Returns the delivery number
    // of the old outcome to acknowledge (0: none).
    std::uint64_t reopen(const std::string& id);

    [[nodiscard]] std::optional<JobSnapshot> find(const std::string& id) const;
    // Waits until `id` is done or `deadline` passes; empty when the id is unknown.
    [[nodiscard]] std::optional<JobSnapshot> wait(const std::string& id,
                                                  SteadyClock::time_point deadline);
    // The client has the outcome: it may be acknowledged (returned by take_acks()).
    void mark_fetched(const std::string& id);

    [[nodiscard]] std::optional<BatchCounts> batch_counts(const std::string& batch) const;
    // Outcomes of a batch from position `from` on, in input order (stopping at the first job not
    // done) or in completion order; waits up to `deadline` for at least one. Appends each
    // outcome's JSON to `out`, marks it fetched, and returns the next position.
    std::size_t batch_outcomes(const std::string& batch, std::size_t from, bool input_order,
                               SteadyClock::time_point deadline, std::vector<std::string>& out);

    // Delivery numbers whose outcomes may now be acknowledged: fetched, or dropped by retention.
    [[nodiscard]] std::vector<std::uint64_t> take_acks();
    // Drops what retention allows: fetched outcomes past the grace, unfetched ones past
    // retention_s or beyond retention_count (oldest first). Returns how many were dropped.
    std::size_t sweep(SteadyClock::time_point now);
    // Wakes every waiter and makes every later wait return at once (shutdown).
    void wake_all();
    [[nodiscard]] bool closing() const;

    [[nodiscard]] std::size_t size() const;

  private:
    struct Entry {
        std::string type;
        std::string batch;
        bool done = false;
        bool ok = false;
        bool fetched = false;
        std::string outcome_json;
        std::uint64_t delivery = 0;
        SteadyClock::time_point done_at{};
        SteadyClock::time_point fetched_at{};
    };
    struct Batch {
        std::vector<std::string> ids;       // input order
        std::vector<std::string> completed; // completion order
        std::uint64_t ok = 0;
        std::uint64_t failed = 0;
        std::size_t dropped = 0; // entries retention removed
    };

    [[nodiscard]] JobSnapshot snapshot(const Entry& entry) const;
    void drop(const std::string& id, Entry& entry);
    void fetched(const std::string& id, Entry& entry);

    const HttpConfig& config_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::unordered_map<std::string, Entry> jobs_;
    std::unordered_map<std::string, Batch> batches_;
    // (id, when) in the order outcomes arrived, and in the order they were fetched; a record
    // whose entry changed since (dropped, reopened, fetched) is skipped when it comes up.
    std::deque<std::pair<std::string, SteadyClock::time_point>> done_order_;
    std::deque<std::pair<std::string, SteadyClock::time_point>> fetched_order_;
    std::size_t unfetched_ = 0;       // done entries not fetched yet
    std::vector<std::uint64_t> acks_; // delivery numbers to acknowledge
    bool closing_ = false;
};

} // namespace ferry::http
