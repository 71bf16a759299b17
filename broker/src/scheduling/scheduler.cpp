// The scheduler's intake and dispatch: submit, queueing, batching to workers, timer work.
#include "ferry/broker/scheduler.hpp"

#include "ferry/broker/batcher.hpp"
#include "ferry/wire/codec.hpp"

namespace ferry::broker {
namespace {

// The batching of a type nobody announced and the config leaves unset: one job at a time.
const BatchConfig unannounced{};

} // namespace

Scheduler::Scheduler(const BrokerConfig& config, SchedulerSink& sink, std::uint64_t jitter_seed)
    : config_(config), sink_(sink), table_(config.remember_done, config.dead_letters_kept),
      jitter_(jitter_seed) {}

// A job's settings are fixed at submit: its own overrides, else its type's. An oversized payload
// is accepted and failed at once, so the producer gets one outcome per job id either way. The
// record is a recycled slot: assigning into its strings reuses their capacity, so steady-state
// submission allocates nothing.
SubmitOutcome Scheduler::submit(std::string_view client, std::uint32_t session,
                                const wire::SubmitJobView& job, TimePoint now) {
    build_key(client, job.id);
    return submit_keyed(client, session, job, JobTable::hash_key(key_scratch_), now);
}

std::size_t Scheduler::submit_all(std::string_view client, std::uint32_t session,
                                  std::span<const wire::SubmitJobView> jobs, TimePoint now) {
    key_hashes_.resize(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        build_key(client, jobs[i].id);
        key_hashes_[i] = JobTable::hash_key(key_scratch_);
        table_.prefetch(key_hashes_[i]);
    }
    std::size_t duplicates = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        build_key(client, jobs[i].id);
        const SubmitOutcome outcome = submit_keyed(client, session, jobs[i], key_hashes_[i], now);
        duplicates +=
            outcome == SubmitOutcome::duplicate || outcome == SubmitOutcome::already_done ? 1 : 0;
    }
    return duplicates;
}

void Scheduler::build_key(std::string_view client, std::string_view id) {
    key_scratch_.assign(client).push_back(key_separator);
    key_scratch_.append(id);
}

// The key is in key_scratch_ and `hash` is its hash.
SubmitOutcome Scheduler::submit_keyed(std::string_view client, std::uint32_t session,
                                      const wire::SubmitJobView& job, std::uint64_t hash,
                                      TimePoint now) {
    JobRef ref;
    JobRecord* record = table_.emplace(key_scratch_, hash, ref);
    if (record == nullptr) {
        return resubmitted(client, session, job.id, hash);
    }
    ++stats_.accepted;
    record->session = session;
    record->client_size = static_cast<std::uint32_t>(client.size());
    record->type.assign(job.type);
    const JobTypeConfig& type = type_config(record->type);
    record->priority = job.priority.value_or(0);
    record->timeout_ms = job.timeout_ms.value_or(type.timeout_s * 1000);
    record->max_attempts = static_cast<std::uint32_t>(job.max_attempts.value_or(type.max_attempts));
    record->max_attempts = std::max<std::uint32_t>(record->max_attempts, 1);
    record->attempts = 0;
    record->dispatched_after_s = -1;
    record->causes.clear();
    record->accepted_at = now;
    record->state = JobState::queued;
    record->isolate = false;
    record->sends = 0;
    record->worker = no_worker;
    record->journal = no_journal;
    if (job.payload.size() > config_.max_payload_bytes) {
        record->payload.clear();
        record->causes.push_back(wire::Error{wire::code_name(wire::ErrorCode::payload_too_large),
                                             "payload of " + std::to_string(job.payload.size()) +
                                                 " bytes is above max_payload_bytes (" +
                                                 std::to_string(config_.max_payload_bytes) + ")",
                                             std::nullopt, std::nullopt, std::nullopt});
        fail_for_good(ref, *record, now);
        return SubmitOutcome::too_large;
    }
    record->payload.assign(job.payload);
    if (observer_ != nullptr) {
        observer_->accepted(*record);
    }
    enqueue(ref, *record, now);
    return SubmitOutcome::accepted;
}

// An id the broker knows. Held: it is now the submitting session's (a resumed producer takes
// over its jobs), and a kept outcome is sent to it again. Finished and acknowledged earlier: the
// outcome is gone, so the producer is told so at once instead of waiting for nothing.
SubmitOutcome Scheduler::resubmitted(std::string_view client, std::uint32_t session,
                                     std::string_view id, std::uint64_t hash) {
    ++stats_.duplicate_submits;
    if (const auto ref = table_.find(key_scratch_, hash)) {
        JobRecord& record = *table_.get(*ref);
        record.session = session;
        if (record.state == JobState::answered) {
            ++stats_.redelivered;
            sink_.deliver(client, session, *ref, record.payload);
        }
        return SubmitOutcome::duplicate;
    }
    ++stats_.already_done;
    wire::OutcomeView& outcome = outcome_scratch_;
    outcome = wire::OutcomeView{};
    outcome.id = id;
    outcome.error = wire::Error{
        std::string(wire::name_of(wire::ErrorCode::already_done)),
        "this id finished and its outcome was acknowledged earlier; the broker keeps no copy, so "
        "it is not run again (submit it under a new id or client name to run it again)",
        std::nullopt, std::nullopt, std::nullopt};
    encoded_scratch_.clear();
    wire::append_outcome(outcome, encoded_scratch_);
    sink_.deliver(client, session, no_job, encoded_scratch_);
    return SubmitOutcome::already_done;
}

// The job's settings come from its journal record, not from today's config, so a restart with
// an edited config does not change jobs already accepted. The interrupted attempt already counts
// (attempts were recorded at dispatch); it gets its cause here, and a job that has used its last
// attempt is dead-lettered, so a job that kills the broker cannot loop through restarts.
RestoreOutcome Scheduler::restore(RestoredJob&& job, TimePoint now) {
    std::string key = make_job_key(job.client, job.id);
    if (table_.known(key)) {
        return RestoreOutcome::duplicate;
    }
    ++stats_.replayed;
    JobRecord record;
    record.key = std::move(key);
    record.client_size = static_cast<std::uint32_t>(job.client.size());
    record.type = std::move(job.type);
    record.payload = job.outcome ? std::move(*job.outcome) : std::move(job.payload);
    record.priority = job.priority;
    record.timeout_ms = job.timeout_ms;
    record.max_attempts = std::max<std::uint32_t>(job.max_attempts, 1);
    record.attempts = job.attempts;
    record.accepted_at = now;
    record.journal = job.token;
    record.isolate = job.in_flight; // counted WORKER_LOST: a suspect
    if (job.in_flight) {
        record.causes.push_back(
            wire::Error{wire::code_name(wire::ErrorCode::worker_lost),
                        "broker restarted during attempt " + std::to_string(job.attempts),
                        std::nullopt, std::nullopt, std::nullopt});
    }
    const JobRef ref = table_.insert(std::move(record));
    JobRecord& stored = *table_.get(ref);
    if (observer_ != nullptr) {
        observer_->restored(stored);
    }
    if (job.outcome) {
        stored.state = JobState::answered; // kept for its producer, who resubmits the id
        ++kept_;
        sink_.kept_changed(stored.client(), 1);
        return RestoreOutcome::answered;
    }
    if (job.in_flight && stored.attempts >= stored.max_attempts) {
        fail_for_good(ref, stored, now);
        return RestoreOutcome::dead_lettered;
    }
    enqueue(ref, stored, now);
    return RestoreOutcome::queued;
}

void Scheduler::enqueue(JobRef ref, JobRecord& record, TimePoint now) {
    record.state = JobState::queued;
    if (record.isolate) {
        queue_of(record.type).push_suspect(QueuedJob{ref, now});
        ++suspects_queued_;
        return;
    }
    queue_of(record.type).push(record.priority, QueuedJob{ref, now});
}

Scheduler::TypeEntry& Scheduler::type_entry(const std::string& type) {
    if (last_type_entry_.config == nullptr || last_type_ != type) {
        last_type_entry_ = TypeEntry{&config_.type(type), nullptr};
        last_type_ = type;
    }
    return last_type_entry_;
}

const JobTypeConfig& Scheduler::type_config(const std::string& type) {
    return *type_entry(type).config;
}

// A queue appears with its type's first queued job (a job refused at submit makes none).
TypeQueue& Scheduler::queue_of(const std::string& type) {
    TypeEntry& entry = type_entry(type);
    if (entry.queue == nullptr) {
        entry.queue = &queues_.of(type);
    }
    return *entry.queue;
}

WorkerRecord& Scheduler::worker_ready(const wire::Ready& ready, std::string routing_id,
                                      TimePoint now) {
    auto [worker, replaced] = workers_.add(ready, std::move(routing_id), now);
    if (replaced) {
        // Its jobs are settled as after a loss: the old connection's attempts may have run.
        const std::uint32_t new_id = worker->id;
        settle_removed(std::move(*replaced), WorkerExit::lost, "worker re-registered", now);
        worker = workers_.by_id(new_id);
    }
    refresh_announced(*worker);
    return *worker;
}

const BatchConfig& Scheduler::batch_of(const std::string& type) const {
    if (const auto& configured = config_.type(type).batch) {
        return *configured;
    }
    const auto found = announced_.find(type);
    return found == announced_.end() ? unannounced : found->second;
}

void Scheduler::refresh_announced(const WorkerRecord& worker) {
    for (const auto& [type, max_batch] : worker.types) {
        if (const auto batch = announced_batch(workers_, type)) {
            announced_[type] = *batch;
        } else {
            announced_.erase(type);
        }
    }
}

// Types are visited in turn; a worker that cannot be reached is removed only after the loop,
// because removal re-queues jobs and may create queues.
void Scheduler::dispatch(TimePoint now) {
    unreachable_.clear();
    if (suspects_queued_ != 0 || workers_.reserved() != 0) {
        dispatch_suspects(now);
    }
    for (auto& [type, queue] : queues_.all()) {
        if (!queue.empty()) {
            dispatch_type(type, queue, now);
        }
    }
    if (unreachable_.empty()) {
        return;
    }
    const auto unreachable = std::move(unreachable_); // reading may dispatch nothing, but be safe
    unreachable_.clear();
    sink_.read_before_purge();
    for (const auto id : unreachable) {
        remove_worker(id, WorkerExit::lost, "worker unreachable (connection gone)", now);
    }
}

void Scheduler::dispatch_type(const std::string& type, TypeQueue& queue, TimePoint now) {
    const BatchConfig batch = batch_of(type);
    while (batch_due(batch, queue.size(), queue.oldest(), now, draining_)) {
        WorkerRecord* worker = workers_.pick(type);
        if (worker == nullptr) {
            return;
        }
        const auto count = batch_size(batch, worker->types[type], worker->credit, queue.size());
        const JobsSent sent = send_batch(*worker, type, queue, count, now);
        if (sent == JobsSent::busy) {
            return; // its pipe is full; the next pass tries again
        }
        if (sent == JobsSent::gone) {
            unreachable_.push_back(worker->id);
            worker->credit = 0; // never picked again in this pass
        }
    }
}

// The job strings are lent to the JOBS message (moved in, moved back) so a dispatch copies a
// payload once, into the encoder's buffer. Nothing is committed until the send succeeded.
JobsSent Scheduler::send_batch(WorkerRecord& worker, const std::string& type, TypeQueue& queue,
                               std::size_t count, TimePoint now) {
    batch_entries_.clear();
    batch_records_.clear();
    jobs_scratch_.jobs.resize(count);
    while (batch_entries_.size() < count) {
        const auto entry = queue.pop();
        if (!entry) {
            break;
        }
        JobRecord* record = table_.get(entry->ref);
        if (record == nullptr || record->state != JobState::queued) {
            continue; // answered while it waited
        }
        lend(*record, *entry, type);
    }
    const JobsSent sent = send_lent(worker);
    if (sent != JobsSent::sent) {
        for (const auto& entry : batch_entries_) {
            queue.push(table_.get(entry.ref)->priority, entry);
        }
        return sent;
    }
    commit_batch(worker, now);
    return JobsSent::sent;
}

void Scheduler::lend(JobRecord& record, const QueuedJob& entry, const std::string& type) {
    wire::Job& job = jobs_scratch_.jobs[batch_entries_.size()];
    job.id = std::move(record.key);
    job.type = type;
    job.payload = std::move(record.payload);
    job.attempt = record.attempts + 1;
    job.timeout_ms =
        record.timeout_ms == 0 ? std::nullopt : std::optional<std::uint64_t>(record.timeout_ms);
    batch_entries_.push_back(entry);
    batch_records_.push_back(&record);
}

// Sends the jobs lent so far (none: nothing to send) and takes their strings back.
JobsSent Scheduler::send_lent(WorkerRecord& worker) {
    jobs_scratch_.jobs.resize(batch_entries_.size());
    const JobsSent sent =
        batch_entries_.empty() ? JobsSent::sent : sink_.send_jobs(worker, jobs_scratch_);
    for (std::size_t i = 0; i < batch_records_.size(); ++i) {
        batch_records_[i]->key = std::move(jobs_scratch_.jobs[i].id);
        batch_records_[i]->payload = std::move(jobs_scratch_.jobs[i].payload);
    }
    return sent;
}

void Scheduler::commit_batch(WorkerRecord& worker, TimePoint now) {
    for (std::size_t i = 0; i < batch_records_.size(); ++i) {
        JobRecord& record = *batch_records_[i];
        record.state = JobState::in_flight;
        record.worker = worker.id;
        ++record.attempts;
        ++record.sends;
        record.dispatched_after_s = std::chrono::duration<float>(now - record.accepted_at).count();
        histograms_.queue_wait_s.observe(record.dispatched_after_s);
        worker.suspects += record.isolate ? 1 : 0;
        if (observer_ != nullptr) {
            observer_->dispatched(record);
        }
        worker.held.push_back(batch_entries_[i].ref.packed());
        deadlines_.add(batch_entries_[i].ref, record.sends, record.timeout_ms, now);
    }
    const auto count = batch_records_.size();
    worker.credit -= std::min<std::uint64_t>(worker.credit, count);
    worker.in_flight += count;
    in_flight_ += count;
    stats_.dispatched += count;
    histograms_.batch_size.observe(static_cast<double>(count));
}

std::vector<std::string> Scheduler::tick(TimePoint now) {
    for (const JobRef ref : delays_.due(now)) {
        JobRecord* record = table_.get(ref);
        if (record != nullptr && record->state == JobState::delayed) {
            enqueue(ref, *record, now);
        }
    }
    expire_attempts(now);
    deadlines_.compact(in_flight_, [this](const AttemptDeadline& d) { return attempt_live(d); });
    std::vector<std::string> purged;
    for (const auto id : workers_.expired(now, config_.liveness)) {
        const WorkerRecord* worker = workers_.by_id(id);
        purged.push_back(worker->name);
        const auto silence = worker->heartbeat_ms * config_.liveness;
        remove_worker(id, WorkerExit::lost,
                      "worker silent for " + std::to_string(silence) + " ms (heartbeat x liveness)",
                      now);
    }
    return purged;
}

// A batch deadline already past is left out: it is waiting for a worker or credit, and those
// arrive as messages, which wake the loop anyway (including it would spin the loop).
std::optional<TimePoint> Scheduler::next_wakeup(TimePoint now) const {
    std::optional<TimePoint> result = delays_.next();
    const auto consider = [&result](std::optional<TimePoint> at) {
        if (at && (!result || *at < *result)) {
            result = at;
        }
    };
    consider(deadlines_.next());
    consider(workers_.next_deadline(config_.liveness));
    for (const auto& [type, queue] : queues_.all()) {
        const auto at = batch_deadline(batch_of(type), queue.oldest());
        if (at && *at > now) {
            consider(at);
        }
    }
    return result;
}

} // namespace ferry::broker
