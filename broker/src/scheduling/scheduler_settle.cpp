// The scheduler's settlement paths: results, failed attempts, timeouts, lost workers, outcomes.
#include "ferry/broker/scheduler.hpp"
#include "ferry/wire/codec.hpp"

#include <unordered_map>
#include <unordered_set>

namespace ferry::broker {
namespace {

wire::Error make_error(wire::ErrorCode code, std::string message,
                       std::optional<std::string> worker) {
    return wire::Error{wire::code_name(code), std::move(message), std::nullopt, std::nullopt,
                       std::move(worker)};
}

} // namespace

std::optional<std::string> Scheduler::worker_name(std::uint32_t id) {
    const WorkerRecord* worker = workers_.by_id(id);
    return worker == nullptr ? std::nullopt : std::optional<std::string>(worker->name);
}

// Each result frees one slot at its sender whatever the job's state (the worker did finish
// something), unless the message says how many slots it returns.
void Scheduler::worker_results(WorkerRecord* worker, const wire::ResultsView& results,
                               TimePoint now) {
    const std::uint64_t count = results.results.size();
    if (worker != nullptr) {
        worker->in_flight -= std::min(worker->in_flight, count);
        worker->credit += results.credit.value_or(count);
    }
    const std::uint32_t worker_id = worker == nullptr ? no_worker : worker->id;
    key_hashes_.resize(results.results.size());
    for (std::size_t i = 0; i < results.results.size(); ++i) {
        key_hashes_[i] = JobTable::hash_key(results.results[i].id);
        table_.prefetch(key_hashes_[i]);
    }
    table_.prefetch_forgotten(results.results.size());
    for (const auto hash : key_hashes_) {
        table_.prefetch_record(hash);
    }
    for (std::size_t i = 0; i < results.results.size(); ++i) {
        // Settling may remove workers (never the sender), so look the sender up again.
        settle_result(worker_id == no_worker ? nullptr : workers_.by_id(worker_id),
                      results.results[i], key_hashes_[i], now);
    }
}

// First answer wins: an ok result settles a job still held in any state, even one re-queued
// after a timeout; an error only counts from the worker running the current attempt (an error
// for an attempt already settled by a timeout must not count twice).
void Scheduler::settle_result(WorkerRecord* worker, const wire::ResultView& result,
                              std::uint64_t hash, TimePoint now) {
    const auto ref = table_.find(result.id, hash);
    if (!ref) {
        ++stats_.duplicates_dropped;
        return;
    }
    JobRecord& record = *table_.get(*ref);
    if (record.state == JobState::answered) {
        ++stats_.duplicates_dropped; // answered already; its outcome waits for the producer
        return;
    }
    const bool current =
        worker != nullptr && record.state == JobState::in_flight && record.worker == worker->id;
    if (!result.ok && !current) {
        ++stats_.stale_errors_dropped;
        return;
    }
    if (record.state == JobState::in_flight && !current) {
        // Still running elsewhere: that attempt is moot, tell its worker to stop.
        if (WorkerRecord* other = workers_.by_id(record.worker)) {
            sink_.send_cancel(
                *other, wire::Cancel{{record.key}, wire::code_name(wire::ErrorCode::cancelled)});
        }
    }
    if (record.state == JobState::in_flight) {
        release_from_worker(record);
    }
    if (result.ms) {
        histograms_.handler_s.observe(*result.ms / 1000.0);
    }
    if (result.ok) {
        ++stats_.done;
        answer(*ref, record, true, result.result,
               worker == nullptr ? std::nullopt : std::optional<std::string_view>(worker->name),
               now, result.ms);
        return;
    }
    wire::Error cause = result.error.value_or(make_error(
        wire::ErrorCode::internal, "worker sent a failed result without an error", std::nullopt));
    if (!cause.worker && worker != nullptr) {
        cause.worker = worker->name;
    }
    fail_attempt(*ref, record, std::move(cause), now);
}

// The job's entry in the worker's held list goes stale (record.worker no longer names it);
// stale entries are dropped once they outnumber the live ones, so the list stays O(in flight).
void Scheduler::release_from_worker(JobRecord& record) {
    WorkerRecord* worker = workers_.by_id(record.worker);
    if (worker != nullptr && record.isolate && worker->suspects > 0) {
        --worker->suspects;
    }
    record.worker = no_worker;
    --in_flight_;
    if (worker != nullptr && worker->held.size() > 2 * worker->in_flight + 1024) {
        compact_held(*worker);
    }
}

bool Scheduler::runs_at(std::uint64_t packed, std::uint32_t worker_id) {
    const JobRecord* record = table_.get(JobRef::unpack(packed));
    return record != nullptr && record->state == JobState::in_flight && record->worker == worker_id;
}

void Scheduler::compact_held(WorkerRecord& worker) {
    std::erase_if(worker.held, [&](std::uint64_t packed) { return !runs_at(packed, worker.id); });
}

// A job whose attempt died with its process or ran out of time may be what killed it, or may
// have been caught up in a neighbour's crash: from now on it runs alone, a suspect
// (scheduler_suspects.cpp). A job is never failed for good on such a charge while it ran in
// company: that last attempt is given back, uncounted, and runs again alone, so the cause a job
// is dead-lettered with is always its own.
void Scheduler::fail_attempt(JobRef ref, JobRecord& record, wire::Error&& cause, TimePoint now) {
    if (wire::is_code(cause.code, wire::ErrorCode::worker_lost) ||
        wire::is_code(cause.code, wire::ErrorCode::timeout)) {
        const bool shared = !record.isolate;
        record.isolate = true;
        if (shared && record.attempts >= record.max_attempts) {
            --record.attempts;
            enqueue(ref, record, now);
            return;
        }
    }
    const JobTypeConfig& type = config_.type(record.type);
    const RetryDecision decision =
        decide_retry(cause, record.attempts, record.max_attempts, type, jitter_.next());
    record.causes.push_back(std::move(cause));
    if (!decision.retry) {
        fail_for_good(ref, record, now);
        return;
    }
    ++stats_.retries;
    if (decision.delay.count() <= 0) {
        enqueue(ref, record, now);
        return;
    }
    record.state = JobState::delayed;
    delays_.add(ref, now + decision.delay);
}

void Scheduler::fail_for_good(JobRef ref, JobRecord& record, TimePoint now) {
    ++stats_.failed;
    // A payload is never empty (MessagePack has no empty value): empty means it was refused.
    table_.add_dead_letter(DeadLetter{std::string(record.id()), std::string(record.client()),
                                      record.type, record.causes, record.payload,
                                      !record.payload.empty(), record.priority, record.timeout_ms,
                                      record.max_attempts,
                                      std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count()});
    std::optional<std::string_view> worker;
    if (!record.causes.empty() && record.causes.back().worker) {
        worker = *record.causes.back().worker;
    }
    answer(ref, record, false, std::nullopt, worker, now);
}

// The outcome carries every cause, so a producer sees why each attempt failed even when the
// last one succeeded. It is encoded once, into the record (the payload is no longer needed):
// kept there until the producer acknowledges it, sent from there again if the producer submits
// the id again (a resumed run), and journaled, so a restart keeps it too. It borrows from the
// record and from the RESULTS being settled; the causes are lent and taken back.
void Scheduler::answer(JobRef ref, JobRecord& record, bool ok,
                       std::optional<std::string_view> result,
                       std::optional<std::string_view> worker_name, TimePoint now,
                       std::optional<double> handler_ms) {
    wire::OutcomeView& outcome = outcome_scratch_;
    outcome.id = record.id();
    outcome.ok = ok;
    outcome.result = result;
    outcome.error.reset();
    if (!ok && !record.causes.empty()) {
        outcome.error = record.causes.back();
    }
    outcome.attempts = record.attempts;
    outcome.causes.swap(record.causes);
    outcome.ms = std::chrono::duration<double, std::milli>(now - record.accepted_at).count();
    outcome.worker = worker_name;
    outcome.queue_ms.reset();
    if (record.dispatched_after_s >= 0) {
        outcome.queue_ms = double{record.dispatched_after_s} * 1000.0;
    }
    outcome.handler_ms = handler_ms;
    encoded_scratch_.clear();
    wire::append_outcome(outcome, encoded_scratch_);
    outcome.causes.swap(record.causes);
    record.causes.clear();
    record.payload.swap(encoded_scratch_);
    record.state = JobState::answered;
    record.worker = no_worker;
    ++kept_;
    if (observer_ != nullptr) {
        observer_->answered(record);
    }
    sink_.kept_changed(record.client(), 1);
    sink_.deliver(record.client(), record.session, ref, record.payload);
}

// The jobs of one ACK are found by their handles (no key to hash); their records are prefetched
// first, and so are the done-ring slots they will overwrite, so the cache misses overlap.
std::size_t Scheduler::acknowledge(std::string_view client, std::span<const JobRef> jobs) {
    for (const JobRef job : jobs) {
        table_.prefetch_record(job);
    }
    table_.prefetch_forgotten(jobs.size());
    std::size_t forgotten = 0;
    for (const JobRef job : jobs) {
        JobRecord* record = table_.get(job);
        if (record != nullptr && record->state == JobState::answered) {
            forget(job, *record);
            ++forgotten;
        }
    }
    stats_.acknowledged += forgotten;
    if (forgotten > 0) {
        sink_.kept_changed(client, -static_cast<int>(forgotten));
    }
    return forgotten;
}

bool Scheduler::keeps(JobRef job) const {
    const JobRecord* record = table_.get(job);
    return record != nullptr && record->state == JobState::answered;
}

std::size_t Scheduler::forget_kept(std::string_view client) {
    std::vector<JobRef> refs;
    table_.for_each([&refs, client](JobRef ref, const JobRecord& record) {
        if (record.state == JobState::answered && record.client() == client) {
            refs.push_back(ref);
        }
    });
    for (const JobRef ref : refs) {
        forget(ref, *table_.get(ref));
    }
    stats_.outcomes_given_up += refs.size();
    if (!refs.empty()) {
        sink_.kept_changed(client, -static_cast<int>(refs.size()));
    }
    return refs.size();
}

std::vector<std::string> Scheduler::adopt(std::string_view client, std::uint32_t session,
                                          std::size_t& kept) {
    std::vector<std::string> pending;
    std::vector<JobRef> answered;
    table_.for_each([&](JobRef ref, JobRecord& record) {
        if (record.client() != client) {
            return;
        }
        record.session = session;
        if (record.state == JobState::answered) {
            answered.push_back(ref);
        } else {
            pending.emplace_back(record.id());
        }
    });
    for (const JobRef ref : answered) {
        ++stats_.redelivered;
        sink_.deliver(client, session, ref, table_.get(ref)->payload);
    }
    kept += answered.size();
    return pending;
}

// The job leaves the broker: its key is remembered as done, so a late resubmission is told
// ALREADY_DONE instead of running again.
void Scheduler::forget(JobRef ref, JobRecord& record) {
    if (observer_ != nullptr) {
        observer_->done(record);
    }
    --kept_;
    (void)table_.finish(ref);
}

void Scheduler::remove_worker(std::uint32_t id, WorkerExit exit, const std::string& reason,
                              TimePoint now, const RunningKeys& running) {
    if (auto worker = workers_.remove(id)) {
        settle_removed(std::move(*worker), exit, reason, now, running);
    }
}

// A lost worker's attempts count (the job may be what killed it); a clean leave does not. When
// the supervisor said which jobs were inside the handler, only those count: the others were
// waiting their turn and are given back.
void Scheduler::settle_removed(WorkerRecord&& worker, WorkerExit exit, const std::string& reason,
                               TimePoint now, const RunningKeys& running) {
    if (exit == WorkerExit::lost) {
        ++stats_.workers_lost;
    }
    refresh_announced(worker); // it is out of the registry already
    std::unordered_set<std::string_view> started;
    if (running) {
        started.insert(running->begin(), running->end());
    }
    for (const auto packed : worker.held) {
        if (!runs_at(packed, worker.id)) {
            continue; // stale entry: answered, timed out, or sent again after a retry
        }
        const JobRef ref = JobRef::unpack(packed);
        JobRecord* record = table_.get(ref);
        record->worker = no_worker;
        --in_flight_;
        if (exit == WorkerExit::lost && (!running || started.contains(record->key))) {
            fail_attempt(ref, *record,
                         make_error(wire::ErrorCode::worker_lost, reason, worker.name), now);
        } else {
            --record->attempts;
            enqueue(ref, *record, now);
        }
    }
}

bool Scheduler::attempt_live(const AttemptDeadline& deadline) {
    const JobRecord* record = table_.get(deadline.ref);
    return record != nullptr && record->state == JobState::in_flight &&
           record->sends == deadline.send;
}

// The timed-out attempt is settled now and its worker told to stop; the worker's slot stays
// counted as used until it answers or dies, so a hung handler never lets credit be exceeded.
void Scheduler::expire_attempts(TimePoint now) {
    const auto expired =
        deadlines_.expired(now, [this](const AttemptDeadline& d) { return attempt_live(d); });
    std::unordered_map<std::uint32_t, wire::Cancel> cancels;
    for (const auto& deadline : expired) {
        JobRecord& record = *table_.get(deadline.ref);
        ++stats_.timeouts;
        auto name = worker_name(record.worker);
        auto& cancel = cancels[record.worker];
        cancel.code = wire::code_name(wire::ErrorCode::timeout);
        cancel.ids.push_back(record.key);
        const std::string message = "attempt " + std::to_string(record.attempts) +
                                    " ran past its limit of " + std::to_string(record.timeout_ms) +
                                    " ms";
        release_from_worker(record);
        fail_attempt(deadline.ref, record,
                     make_error(wire::ErrorCode::timeout, message, std::move(name)), now);
    }
    for (auto& [id, cancel] : cancels) {
        if (WorkerRecord* worker = workers_.by_id(id)) {
            sink_.send_cancel(*worker, std::move(cancel));
        }
    }
}

void Scheduler::fail_all(wire::ErrorCode code, const std::string& message, TimePoint now) {
    std::vector<JobRef> refs;
    table_.for_each([&refs](JobRef ref, const JobRecord& record) {
        if (record.state != JobState::answered) {
            refs.push_back(ref);
        }
    });
    for (const JobRef ref : refs) {
        JobRecord& record = *table_.get(ref);
        if (record.state == JobState::in_flight) {
            release_from_worker(record);
        }
        record.causes.push_back(make_error(code, message, std::nullopt));
        fail_for_good(ref, record, now);
    }
}

} // namespace ferry::broker
