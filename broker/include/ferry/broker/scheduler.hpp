// The broker's job state machine without sockets: submit, dispatch, results, retries, timeouts,
// worker loss and dead letters. Time comes in as `now`; messages go out through a SchedulerSink.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/broker/histogram.hpp"
#include "ferry/broker/job_observer.hpp"
#include "ferry/broker/job_queue.hpp"
#include "ferry/broker/job_table.hpp"
#include "ferry/broker/job_timers.hpp"
#include "ferry/broker/retry_policy.hpp"
#include "ferry/broker/worker_registry.hpp"
#include "ferry/wire/messages.hpp"
#include "ferry/wire/views.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry::broker {

// What became of a JOBS message handed to the sink.
enum class JobsSent : std::uint8_t {
    sent, // on its way
    busy, // the worker's pipe is full: try later, nothing was sent
    gone, // the worker cannot be reached: nothing was sent
};

// Where the scheduler's decisions go: the broker turns them into messages.
class SchedulerSink {
  public:
    virtual ~SchedulerSink() = default;
    // Sends one JOBS message.
    // `jobs` may be moved from during the call but must be handed back intact.
    virtual JobsSent send_jobs(WorkerRecord& worker, wire::Jobs& jobs) = 0;
    // Tells a worker to stop jobs whose attempts were settled without it.
    virtual void send_cancel(WorkerRecord& worker, wire::Cancel&& cancel) = 0;
    // A job's final word (one encoded OUTCOMES record), for the producer session `session` of
    // `client`: sent only if that session owns the client name now. `job` is the answered job
    // whose outcome it is (no_job for an outcome no job keeps, such as ALREADY_DONE): the
    // producer's ACK names it back. The bytes are valid during the call only. Called when a job
    // is answered, and again whenever its id is resubmitted while its outcome is kept.
    virtual void deliver(std::string_view client, std::uint32_t session, JobRef job,
                         std::string_view outcome) = 0;
    // The number of outcomes kept for `client` (answered, not acknowledged) changed by `delta`.
    virtual void kept_changed(std::string_view /*client*/, int /*delta*/) {}
    // Called before workers a dispatch pass could not reach are purged: a peer that left may
    // have sent RESULTS and DISCONNECT that wait unread, and reading them first settles its
    // answered jobs as answered and its leave as clean instead of charging them all as lost.
    virtual void read_before_purge() {}
};

// Counters shown by `ferry status`.
struct SchedulerStats {
    std::uint64_t accepted = 0;             // jobs accepted at submit
    std::uint64_t duplicate_submits = 0;    // submitted ids already pending or done
    std::uint64_t dispatched = 0;           // attempts sent to workers
    std::uint64_t done = 0;                 // jobs answered ok
    std::uint64_t failed = 0;               // jobs failed for good (dead-lettered)
    std::uint64_t retries = 0;              // attempts scheduled again
    std::uint64_t timeouts = 0;             // attempts that ran past their limit
    std::uint64_t workers_lost = 0;         // workers purged (silence, EXITED, unroutable)
    std::uint64_t duplicates_dropped = 0;   // results for jobs already answered
    std::uint64_t stale_errors_dropped = 0; // errors for attempts already settled
    std::uint64_t replayed = 0;             // jobs restored from the journal at start
    std::uint64_t acknowledged = 0;         // outcomes the producers acknowledged (forgotten)
    std::uint64_t outcomes_given_up = 0;    // kept outcomes forgotten without an ACK (released)
    std::uint64_t redelivered = 0;          // kept outcomes sent again for a resubmitted id
    std::uint64_t already_done = 0;         // resubmitted ids finished and acknowledged earlier
    std::uint64_t cancelled = 0;            // jobs cancelled before they finished
    std::uint64_t redriven = 0;             // dead letters run again
};

// Distributions shown by /metrics.
struct SchedulerHistograms {
    Histogram batch_size{batch_size_bounds};   // jobs per JOBS message
    Histogram queue_wait_s{queue_wait_bounds}; // acceptance -> dispatch of each attempt
    Histogram handler_s{handler_time_bounds};  // handler time of each result that reports it
};

// What a cancel found.
enum class CancelOutcome : std::uint8_t {
    cancelled, // it was queued, waiting or running: it failed with CANCELLED
    finished,  // it had finished already (its outcome stands)
    unknown,   // no such job is held or remembered
};

// What became of a redrive.
enum class RedriveOutcome : std::uint8_t {
    redriven,     // queued again with fresh attempts
    not_dead,     // no dead letter of that job is kept
    payload_gone, // its payload was not kept (refused too large, or over the byte budget)
    held,         // the id is held again (submitted or redriven since): not run twice
};

// What became of a submitted job.
enum class SubmitOutcome : std::uint8_t {
    accepted,     // queued
    duplicate,    // held already (queued, running, or answered: then its outcome is sent again)
    already_done, // finished and acknowledged earlier: answered at once with ALREADY_DONE
    too_large,    // answered at once with PAYLOAD_TOO_LARGE
};

// The keys of the jobs a lost worker's process was running, when its supervisor said
// (EXITED.running); nullopt when nobody knows.
using RunningKeys = std::optional<std::vector<std::string>>;

// Why a worker is removed.
enum class WorkerExit : std::uint8_t {
    lost,         // died or went silent: held attempts count, cause WORKER_LOST
    disconnected, // left cleanly: held jobs re-queued without counting an attempt
};

class Scheduler {
  public:
    Scheduler(const BrokerConfig& config, SchedulerSink& sink, std::uint64_t jitter_seed);

    // Accepts one job of a SUBMIT batch (capacity is the caller's check); what is kept is copied.
    // `session` is the submitting producer session's serial: the job's outcome goes to it.
    SubmitOutcome submit(std::string_view client, std::uint32_t session,
                         const wire::SubmitJobView& job, TimePoint now);
    // Accepts the jobs of one SUBMIT in order, as submit() each; returns how many were not
    // queued anew (held already, or finished earlier). Their keys are hashed and prefetched
    // first, so the index misses overlap.
    std::size_t submit_all(std::string_view client, std::uint32_t session,
                           std::span<const wire::SubmitJobView> jobs, TimePoint now);
    // The same for an owned job (tests, tools), from session 1.
    SubmitOutcome submit(const std::string& client, const wire::SubmitJob& job, TimePoint now,
                         std::uint32_t session = 1) {
        return submit(std::string_view(client), session, wire::view_of(job), now);
    }
    // The producer of `client` wrote the outcomes of these jobs (as deliver() named them): they
    // are forgotten, their keys remembered as done. Jobs no longer answered and kept (forgotten
    // already, or stale handles) are ignored. Returns how many were forgotten.
    std::size_t acknowledge(std::string_view client, std::span<const JobRef> jobs);
    // Whether a job's outcome is kept now (answered, not acknowledged).
    [[nodiscard]] bool keeps(JobRef job) const;
    // Forgets every outcome kept for `client` without an ACK (its producer finished, or is gone
    // for longer than the retention). Returns how many.
    std::size_t forget_kept(std::string_view client);
    // Every job held for `client` becomes session `session`'s, whatever session submitted it
    // (a restarted gateway takes over its previous life's jobs): kept outcomes are delivered to
    // it now, the others when they finish. Returns the ids of the jobs not finished yet, and
    // adds to `kept` how many outcomes were delivered.
    std::vector<std::string> adopt(std::string_view client, std::uint32_t session,
                                   std::size_t& kept);
    // Cancels a job that has not finished: a queued or waiting one is taken out, a running one's
    // worker is told to stop; it fails with CANCELLED (`reason` says by whom) and its outcome is
    // kept for its producer like any other. Not a dead letter: nobody needs to redrive it.
    CancelOutcome cancel(std::string_view client, std::string_view id, std::string_view reason,
                         TimePoint now);
    // Runs a dead letter again with fresh attempts, as a new acceptance of the same id for
    // session `session`: a failed outcome still kept is dropped first (the new one replaces it).
    RedriveOutcome redrive(std::string_view client, std::string_view id, std::uint32_t session,
                           TimePoint now);
    // Restores a job of the previous broker life (journal replay). An attempt that was running
    // when that life ended counts, with cause WORKER_LOST "broker restarted".
    RestoreOutcome restore(RestoredJob&& job, TimePoint now);
    // The part that follows each job's life (the journal); null: none.
    void observe(JobObserver* observer) noexcept { observer_ = observer; }
    // Registers a worker from its READY; a previous registration of the name counts as lost.
    WorkerRecord& worker_ready(const wire::Ready& ready, std::string routing_id, TimePoint now);
    // Settles the results a worker sent; `worker` is null for a sender that is not registered.
    void worker_results(WorkerRecord* worker, const wire::ResultsView& results, TimePoint now);
    // The same for owned results (tests, tools).
    void worker_results(WorkerRecord* worker, const wire::Results& results, TimePoint now) {
        worker_results(worker, wire::view_of(results), now);
    }
    // Removes a worker, re-dispatching what it held; `reason` goes into WORKER_LOST causes.
    // With `running`, a lost worker's jobs outside that list had not started: they are re-queued
    // without counting an attempt.
    void remove_worker(std::uint32_t id, WorkerExit exit, const std::string& reason, TimePoint now,
                       const RunningKeys& running = std::nullopt);
    // Timer work: backoffs that ended, attempts that timed out, silent workers.
    // Returns the names of workers purged for silence.
    std::vector<std::string> tick(TimePoint now);
    // Sends every batch that is due to workers with credit.
    void dispatch(TimePoint now);
    // Fails every job not answered yet with `code` (shutdown): each gets its outcome now.
    void fail_all(wire::ErrorCode code, const std::string& message, TimePoint now);
    // When tick or dispatch next has work, if nothing arrives before.
    [[nodiscard]] std::optional<TimePoint> next_wakeup(TimePoint now) const;
    // Flush partial batches at once (shutdown: nothing waits for a batch to fill).
    void set_draining(bool draining) noexcept { draining_ = draining; }

    // Calls fn(record) for every held job (journal compaction).
    template <typename Fn> void for_each_held(Fn&& fn) {
        table_.for_each([&fn](JobRef, JobRecord& record) { fn(record); });
    }

    // Jobs held: queued, delayed, running, or answered and waiting for their ACK.
    [[nodiscard]] std::size_t held() const noexcept { return table_.size(); }
    // Of which answered, outcome kept until the producer acknowledges it.
    [[nodiscard]] std::size_t kept() const noexcept { return kept_; }
    // Held jobs not answered yet (queued, delayed or running).
    [[nodiscard]] std::size_t active() const noexcept { return table_.size() - kept_; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
    [[nodiscard]] const SchedulerStats& stats() const noexcept { return stats_; }
    [[nodiscard]] const SchedulerHistograms& histograms() const noexcept { return histograms_; }
    [[nodiscard]] const JobTable& table() const noexcept { return table_; }
    [[nodiscard]] const JobQueues& queues() const noexcept { return queues_; }
    [[nodiscard]] WorkerRegistry& workers() noexcept { return workers_; }
    [[nodiscard]] const WorkerRegistry& workers() const noexcept { return workers_; }

  private:
    void enqueue(JobRef ref, JobRecord& record, TimePoint now);
    // The settings and queue of a job type. The last type asked for is remembered: a SUBMIT's
    // jobs are nearly always of one type, so this saves two hash lookups per job (queues and
    // configured types are never erased, so the pointers stay valid).
    struct TypeEntry {
        const JobTypeConfig* config = nullptr; // its settings
        TypeQueue* queue = nullptr;            // its queue, once queue_of() made it
    };
    const JobTypeConfig& type_config(const std::string& type);
    // The queue of a type, created empty on first use.
    TypeQueue& queue_of(const std::string& type);
    TypeEntry& type_entry(const std::string& type);
    void dispatch_type(const std::string& type, TypeQueue& queue, TimePoint now);
    // A type's batching: the config's when set, else what its live workers announce.
    [[nodiscard]] const BatchConfig& batch_of(const std::string& type) const;
    // Recomputes the announced batching of the types a worker serves (it came or went).
    void refresh_announced(const WorkerRecord& worker);
    JobsSent send_batch(WorkerRecord& worker, const std::string& type, TypeQueue& queue,
                        std::size_t count, TimePoint now);
    // Moves a queued job's key and payload into the next slot of the JOBS being built.
    void lend(JobRecord& record, const QueuedJob& entry, const std::string& type);
    JobsSent send_lent(WorkerRecord& worker);
    void dispatch_suspects(TimePoint now);
    // Sends the type's waiting suspects while idle workers take them; false when one must wait.
    bool send_suspects(const std::string& type, TypeQueue& queue, TimePoint now);
    void commit_batch(WorkerRecord& worker, TimePoint now);
    void settle_result(WorkerRecord* worker, const wire::ResultView& result, std::uint64_t hash,
                       TimePoint now);
    void build_key(std::string_view client, std::string_view id);
    SubmitOutcome submit_keyed(std::string_view client, std::uint32_t session,
                               const wire::SubmitJobView& job, std::uint64_t hash, TimePoint now);
    SubmitOutcome resubmitted(std::string_view client, std::uint32_t session, std::string_view id,
                              std::uint64_t hash);
    void forget(JobRef ref, JobRecord& record);
    void settle_removed(WorkerRecord&& worker, WorkerExit exit, const std::string& reason,
                        TimePoint now, const RunningKeys& running = std::nullopt);
    void fail_attempt(JobRef ref, JobRecord& record, wire::Error&& cause, TimePoint now);
    void fail_for_good(JobRef ref, JobRecord& record, TimePoint now);
    void release_from_worker(JobRecord& record);
    [[nodiscard]] bool runs_at(std::uint64_t packed, std::uint32_t worker_id);
    void compact_held(WorkerRecord& worker);
    void answer(JobRef ref, JobRecord& record, bool ok, std::optional<std::string_view> result,
                std::optional<std::string_view> worker_name, TimePoint now,
                std::optional<double> handler_ms = std::nullopt);
    void expire_attempts(TimePoint now);
    [[nodiscard]] bool attempt_live(const AttemptDeadline& deadline);
    [[nodiscard]] std::optional<std::string> worker_name(std::uint32_t id);

    const BrokerConfig& config_;             // settings, per type
    SchedulerSink& sink_;                    // where messages go
    JobObserver* observer_ = nullptr;        // the journal, if any
    JobTable table_;                         // every held job
    JobQueues queues_;                       // queued jobs per type
    WorkerRegistry workers_;                 // live workers
    AttemptDeadlines deadlines_;             // running attempts' limits
    RetryDelays delays_;                     // jobs in backoff
    Jitter jitter_;                          // backoff randomness
    SchedulerStats stats_;                   // counters
    SchedulerHistograms histograms_;         // distributions
    std::size_t in_flight_ = 0;              // jobs whose current attempt runs at a worker
    std::size_t kept_ = 0;                   // answered jobs waiting for their ACK
    bool draining_ = false;                  // shutting down: flush partial batches
    std::size_t suspects_queued_ = 0;        // suspect jobs waiting in the queues' suspect lines
    std::vector<QueuedJob> batch_entries_;   // reused: queue entries of the batch being sent
    std::vector<JobRecord*> batch_records_;  // reused: their records
    wire::Jobs jobs_scratch_;                // reused JOBS message
    std::string key_scratch_;                // reused: the key of the job being submitted
    std::string last_type_;                  // type_entry(): the type asked for last
    TypeEntry last_type_entry_;              // ... and its entry
    std::vector<std::uint64_t> key_hashes_;  // reused: key hashes of the batch being settled
    wire::OutcomeView outcome_scratch_;      // reused: the outcome being encoded
    std::string encoded_scratch_;            // reused: its encoded record
    std::vector<std::uint32_t> unreachable_; // workers a dispatch pass could not reach
    std::unordered_map<std::string, BatchConfig> announced_; // type -> its live workers' batching
};

} // namespace ferry::broker
