// The gateway's record of its jobs and batches, their outcomes, and when each may be forgotten.
#include "ferry/http/job_store.hpp"

#include <utility>

namespace ferry::http {

void JobStore::add_pending(const std::vector<std::string>& ids,
                           const std::vector<std::string>& types, const std::string& batch) {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto [it, added] = jobs_.try_emplace(ids[i]);
        if (added) {
            it->second.type = types[i];
            it->second.batch = batch;
        }
    }
}

void JobStore::add_batch(const std::string& batch, const std::vector<std::string>& ids) {
    const std::lock_guard lock(mutex_);
    batches_[batch].ids = ids;
}

void JobStore::remove_pending(const std::vector<std::string>& ids) {
    const std::lock_guard lock(mutex_);
    for (const auto& id : ids) {
        const auto found = jobs_.find(id);
        if (found != jobs_.end() && !found->second.done) {
            jobs_.erase(found);
        }
    }
}

void JobStore::complete(const std::string& id, bool ok, std::string outcome_json,
                        std::uint64_t delivery) {
    {
        const std::lock_guard lock(mutex_);
        Entry& entry = jobs_[id];
        if (entry.done) { // delivered again (a resubmission, an adoption): the newer number
            entry.delivery = delivery;
            if (entry.fetched && delivery != 0) {
                acks_.push_back(delivery);
            }
            return;
        }
        entry.done = true;
        entry.ok = ok;
        entry.outcome_json = std::move(outcome_json);
        entry.delivery = delivery;
        entry.done_at = SteadyClock::now();
        done_order_.emplace_back(id, entry.done_at);
        ++unfetched_;
        if (!entry.batch.empty()) {
            const auto batch = batches_.find(entry.batch);
            if (batch != batches_.end()) {
                batch->second.completed.push_back(id);
                ++(ok ? batch->second.ok : batch->second.failed);
            }
        }
    }
    changed_.notify_all();
}

std::uint64_t JobStore::reopen(const std::string& id) {
    const std::lock_guard lock(mutex_);
    const auto found = jobs_.find(id);
    if (found == jobs_.end() || !found->second.done) {
        return 0;
    }
    Entry& entry = found->second;
    if (!entry.fetched) {
        --unfetched_;
    }
    if (!entry.batch.empty()) {
        const auto batch = batches_.find(entry.batch);
        if (batch != batches_.end()) {
            --(entry.ok ? batch->second.ok : batch->second.failed);
            std::erase(batch->second.completed, id);
        }
    }
    const std::uint64_t delivery = entry.fetched ? 0 : entry.delivery;
    entry.done = false;
    entry.ok = false;
    entry.fetched = false;
    entry.outcome_json.clear();
    entry.delivery = 0;
    return delivery;
}

JobSnapshot JobStore::snapshot(const Entry& entry) const {
    return JobSnapshot{entry.type, entry.batch, entry.done, entry.ok, entry.outcome_json};
}

std::optional<JobSnapshot> JobStore::find(const std::string& id) const {
    const std::lock_guard lock(mutex_);
    const auto found = jobs_.find(id);
    if (found == jobs_.end()) {
        return std::nullopt;
    }
    return snapshot(found->second);
}

std::optional<JobSnapshot> JobStore::wait(const std::string& id, SteadyClock::time_point deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        const auto found = jobs_.find(id);
        if (found == jobs_.end()) {
            return std::nullopt;
        }
        if (found->second.done || closing_ ||
            changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            const auto again = jobs_.find(id);
            return again == jobs_.end() ? std::nullopt : std::optional(snapshot(again->second));
        }
    }
}

void JobStore::mark_fetched(const std::string& id) {
    const std::lock_guard lock(mutex_);
    const auto found = jobs_.find(id);
    if (found != jobs_.end()) {
        fetched(id, found->second);
    }
}

void JobStore::fetched(const std::string& id, Entry& entry) {
    if (!entry.done || entry.fetched) {
        return;
    }
    entry.fetched = true;
    entry.fetched_at = SteadyClock::now();
    fetched_order_.emplace_back(id, entry.fetched_at);
    --unfetched_;
    if (entry.delivery != 0) {
        acks_.push_back(entry.delivery);
    }
}

std::optional<BatchCounts> JobStore::batch_counts(const std::string& batch) const {
    const std::lock_guard lock(mutex_);
    const auto found = batches_.find(batch);
    if (found == batches_.end()) {
        return std::nullopt;
    }
    return BatchCounts{found->second.ids.size(), found->second.ok, found->second.failed};
}

std::size_t JobStore::batch_outcomes(const std::string& batch, std::size_t from, bool input_order,
                                     SteadyClock::time_point deadline,
                                     std::vector<std::string>& out) {
    std::unique_lock lock(mutex_);
    for (;;) {
        const auto found = batches_.find(batch);
        if (found == batches_.end()) {
            return from;
        }
        const Batch& state = found->second;
        std::size_t next = from;
        if (input_order) {
            for (; next < state.ids.size(); ++next) {
                const auto job = jobs_.find(state.ids[next]);
                if (job == jobs_.end()) { // retention dropped it before it was streamed
                    out.push_back("{\"id\":\"" + state.ids[next] + "\",\"status\":\"expired\"}");
                    continue;
                }
                if (!job->second.done) {
                    break;
                }
                out.push_back(job->second.outcome_json);
                fetched(state.ids[next], job->second);
            }
        } else {
            for (; next < state.completed.size(); ++next) {
                const auto job = jobs_.find(state.completed[next]);
                if (job == jobs_.end()) {
                    out.push_back("{\"id\":\"" + state.completed[next] +
                                  "\",\"status\":\"expired\"}");
                    continue;
                }
                out.push_back(job->second.outcome_json);
                fetched(state.completed[next], job->second);
            }
        }
        if (next != from || next >= state.ids.size() || closing_ ||
            changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            return next;
        }
    }
}

std::vector<std::uint64_t> JobStore::take_acks() {
    const std::lock_guard lock(mutex_);
    return std::exchange(acks_, {});
}

void JobStore::drop(const std::string& id, Entry& entry) {
    if (!entry.batch.empty()) {
        const auto batch = batches_.find(entry.batch);
        if (batch != batches_.end() && ++batch->second.dropped == batch->second.ids.size()) {
            batches_.erase(batch);
        }
    }
    jobs_.erase(id);
}

std::size_t JobStore::sweep(SteadyClock::time_point now) {
    const std::lock_guard lock(mutex_);
    std::size_t dropped = 0;
    const auto grace = std::chrono::seconds(config_.fetched_grace_s);
    while (!fetched_order_.empty() && fetched_order_.front().second + grace <= now) {
        const auto [id, at] = std::move(fetched_order_.front());
        fetched_order_.pop_front();
        const auto found = jobs_.find(id);
        if (found != jobs_.end() && found->second.fetched && found->second.fetched_at == at) {
            drop(id, found->second);
            ++dropped;
        }
    }
    const auto retention = std::chrono::seconds(config_.retention_s);
    while (!done_order_.empty()) {
        const auto& [id, at] = done_order_.front();
        const auto found = jobs_.find(id);
        const bool current = found != jobs_.end() && found->second.done && !found->second.fetched &&
                             found->second.done_at == at;
        if (current && at + retention > now && unfetched_ <= config_.retention_count) {
            break;
        }
        if (current) { // never fetched: given up, and acknowledged so the broker forgets it too
            if (found->second.delivery != 0) {
                acks_.push_back(found->second.delivery);
            }
            --unfetched_;
            drop(id, found->second);
            ++dropped;
        }
        done_order_.pop_front();
    }
    return dropped;
}

void JobStore::wake_all() {
    {
        const std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
}

bool JobStore::closing() const {
    const std::lock_guard lock(mutex_);
    return closing_;
}

std::size_t JobStore::size() const {
    const std::lock_guard lock(mutex_);
    return jobs_.size();
}

} // namespace ferry::http
