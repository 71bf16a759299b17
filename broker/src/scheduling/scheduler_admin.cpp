// The scheduler's answers to operators: cancel a job, run a dead letter again.
#include "ferry/broker/scheduler.hpp"

namespace ferry::broker {

// The job's queue or backoff entry goes stale (its state is no longer queued or delayed), and a
// running attempt's late result is dropped as a duplicate, as for any job answered elsewhere.
CancelOutcome Scheduler::cancel(std::string_view client, std::string_view id,
                                std::string_view reason, TimePoint now) {
    const std::string key = make_job_key(client, id);
    const auto ref = table_.find(key);
    if (!ref) {
        return table_.known(key) ? CancelOutcome::finished : CancelOutcome::unknown;
    }
    JobRecord& record = *table_.get(*ref);
    if (record.state == JobState::answered) {
        return CancelOutcome::finished;
    }
    std::optional<std::string> worker;
    if (record.state == JobState::in_flight) {
        if (WorkerRecord* running = workers_.by_id(record.worker)) {
            worker = running->name;
            sink_.send_cancel(
                *running, wire::Cancel{{record.key}, wire::code_name(wire::ErrorCode::cancelled)});
        }
        release_from_worker(record);
    }
    ++stats_.cancelled;
    record.causes.push_back(wire::Error{wire::code_name(wire::ErrorCode::cancelled),
                                        "cancelled " + std::string(reason), std::nullopt,
                                        std::nullopt, worker});
    answer(*ref, record, false, std::nullopt, std::nullopt, now);
    return CancelOutcome::cancelled;
}

// The redriven job is a new acceptance: a fresh slot (every queue, backoff or deadline entry of
// its previous life is stale), its key forgotten from the finished memory, a new journal record.
RedriveOutcome Scheduler::redrive(std::string_view client, std::string_view id,
                                  std::uint32_t session, TimePoint now) {
    const std::string key = make_job_key(client, id);
    if (const auto ref = table_.find(key)) {
        JobRecord& held = *table_.get(*ref);
        if (held.state != JobState::answered) {
            return RedriveOutcome::held;
        }
    }
    const DeadLetter* found = table_.dead_letter(client, id);
    if (found == nullptr) {
        return RedriveOutcome::not_dead;
    }
    if (!found->payload_kept) {
        return RedriveOutcome::payload_gone;
    }
    std::optional<DeadLetter> letter = table_.take_dead_letter(client, id);
    if (const auto ref = table_.find(key)) { // its failed outcome, still kept: replaced
        JobRecord& kept = *table_.get(*ref);
        sink_.kept_changed(kept.client(), -1);
        --kept_;
        if (observer_ != nullptr) {
            observer_->done(kept);
        }
        (void)table_.finish(*ref);
    }
    (void)table_.forget_finished(key);
    JobRef ref;
    JobRecord* record = table_.emplace(key, ref);
    ++stats_.redriven;
    ++stats_.accepted;
    record->session = session;
    record->client_size = static_cast<std::uint32_t>(client.size());
    record->type = std::move(letter->type);
    record->payload = std::move(letter->payload);
    record->priority = letter->priority;
    record->timeout_ms = letter->timeout_ms;
    record->max_attempts = std::max<std::uint32_t>(letter->max_attempts, 1);
    record->attempts = 0;
    record->dispatched_after_s = -1;
    record->causes.clear();
    record->accepted_at = now;
    record->isolate = false;
    record->sends = 0;
    record->worker = no_worker;
    record->journal = no_journal;
    if (observer_ != nullptr) {
        observer_->accepted(*record);
    }
    enqueue(ref, *record, now);
    return RedriveOutcome::redriven;
}

} // namespace ferry::broker
