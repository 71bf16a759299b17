// Slab storage of held jobs, the memory of finished keys, and the dead-letter list.
#include "ferry/broker/job_table.hpp"

#include <algorithm>
#include <cassert>

namespace ferry::broker {

std::string make_job_key(std::string_view client, std::string_view id) {
    std::string key;
    key.reserve(client.size() + 1 + id.size());
    key.append(client).push_back(key_separator);
    key.append(id);
    return key;
}

JobTable::JobTable(std::size_t remember_done, std::size_t dead_letters_kept)
    : remember_done_(remember_done), dead_letters_kept_(dead_letters_kept) {
    index_.reserve(std::min<std::size_t>(remember_done_, 1 << 20) + 1024);
}

bool JobTable::known(std::string_view key) const {
    return index_.find(key) != index_.end();
}

// Slots are recycled so steady-state submission allocates no record; the generation bump makes
// every handle to the previous occupant stale.
JobRef JobTable::insert(JobRecord&& record) {
    assert(!known(record.key));
    std::uint32_t slot = 0;
    if (free_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    } else {
        slot = free_.back();
        free_.pop_back();
    }
    const std::uint32_t generation = slots_[slot].generation + 1;
    record.generation = generation;
    slots_[slot] = std::move(record);
    index_.emplace(slots_[slot].key, slot);
    ++held_;
    return JobRef{slot, generation};
}

JobRecord* JobTable::get(JobRef ref) noexcept {
    if (ref.slot >= slots_.size()) {
        return nullptr;
    }
    JobRecord& record = slots_[ref.slot];
    return record.generation == ref.generation && !record.key.empty() ? &record : nullptr;
}

std::optional<JobRef> JobTable::find(std::string_view key) const {
    const auto found = index_.find(key);
    if (found == index_.end() || found->second == done_slot) {
        return std::nullopt;
    }
    return JobRef{found->second, slots_[found->second].generation};
}

// The memory of finished keys is what refuses a resubmitted id: the key stays in the index,
// marked done. It is bounded so a long-running broker's memory stays flat (the oldest finished
// keys are forgotten first).
JobRecord JobTable::finish(JobRef ref) {
    JobRecord* record = get(ref);
    assert(record != nullptr);
    const auto found = index_.find(std::string_view(record->key));
    if (remember_done_ == 0) {
        index_.erase(found);
    } else {
        found->second = done_slot;
        done_order_.push_back(&found->first);
        if (done_order_.size() > remember_done_) {
            index_.erase(index_.find(std::string_view(*done_order_.front())));
            done_order_.pop_front();
        }
    }
    --held_;
    JobRecord finished = std::move(*record);
    record->key.clear();
    record->generation = finished.generation;
    free_.push_back(ref.slot);
    return finished;
}

void JobTable::add_dead_letter(DeadLetter&& letter) {
    ++dead_total_;
    if (dead_letters_kept_ == 0) {
        return;
    }
    if (dead_.size() >= dead_letters_kept_) {
        dead_.pop_front();
    }
    dead_.push_back(std::move(letter));
}

} // namespace ferry::broker
