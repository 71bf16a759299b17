// The scheduler's suspects: jobs charged WORKER_LOST or TIMEOUT, each run alone at an idle worker.
#include "ferry/broker/scheduler.hpp"

namespace ferry::broker {

// Why suspects go first and alone to a worker with nothing unanswered, which then gets nothing
// else until it answers: a suspect may be the job that kills its process or hangs it, or an
// innocent caught up in a neighbour's crash. Alone, a poison job fails by itself, and an
// innocent neither waits behind a job that hangs (its timeout runs from dispatch) nor runs
// beside one. Normal jobs keep flowing to the other workers meanwhile. When no worker is idle,
// one is reserved: it gets no new jobs, drains, and takes the next suspect. Reservations are
// made afresh on every pass, so none outlives the suspects that needed it.
void Scheduler::dispatch_suspects(TimePoint now) {
    workers_.unreserve_all();
    for (auto& [type, queue] : queues_.all()) {
        if (queue.suspects() != 0 && !send_suspects(type, queue, now)) {
            workers_.reserve_for(type);
        }
    }
}

bool Scheduler::send_suspects(const std::string& type, TypeQueue& queue, TimePoint now) {
    while (auto entry = queue.pop_suspect()) {
        --suspects_queued_;
        JobRecord* record = table_.get(entry->ref);
        if (record == nullptr || record->state != JobState::queued) {
            continue; // answered while it waited
        }
        WorkerRecord* worker = workers_.idle_for(type);
        if (worker == nullptr) {
            queue.push_suspect_front(*entry);
            ++suspects_queued_;
            return false;
        }
        batch_entries_.clear();
        batch_records_.clear();
        jobs_scratch_.jobs.resize(1);
        lend(*record, *entry, type);
        const JobsSent sent = send_lent(*worker);
        if (sent != JobsSent::sent) {
            queue.push_suspect_front(*entry);
            ++suspects_queued_;
            if (sent == JobsSent::busy) {
                return true; // its pipe is full; the next pass tries again
            }
            unreachable_.push_back(worker->id);
            worker->credit = 0; // never picked again in this pass
            continue;
        }
        commit_batch(*worker, now);
    }
    return true;
}

} // namespace ferry::broker
