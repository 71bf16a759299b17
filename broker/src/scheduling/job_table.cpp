// Slab storage of held jobs, its open-addressing key index, the ring of finished keys, and the
// dead-letter list.
#include "ferry/broker/job_table.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <functional>

namespace ferry::broker {

namespace {
// Index positions at construction; the index doubles whenever it would pass half full, so a
// small table stays small (tests rely on it starting this small to force probe collisions).
constexpr std::size_t initial_index_size = 16;
// Largest ring: a ring position must fit beside done_bit in an index value.
constexpr std::size_t max_remember_done = 0x7FFF'FFFEU;
} // namespace

std::string make_job_key(std::string_view client, std::string_view id) {
    std::string key;
    key.reserve(client.size() + 1 + id.size());
    key.append(client).push_back(key_separator);
    key.append(id);
    return key;
}

// The ring is not reserved here: a broker configured to remember a million keys should not pay
// for a million strings before it has finished any job.
JobTable::JobTable(std::size_t remember_done, std::size_t dead_letters_kept)
    : index_(initial_index_size), index_mask_(initial_index_size - 1),
      remember_done_(std::min(remember_done, max_remember_done)),
      dead_letters_kept_(dead_letters_kept) {}

std::uint64_t JobTable::hash_key(std::string_view key) noexcept {
    return std::hash<std::string_view>{}(key);
}

// A different function from hash_key() (std::hash is MurmurHash-based): each 8-byte word is
// multiplied in and rotated, the length seeds it, and a splitmix64 finaliser spreads every input
// bit over the result. Two keys are taken for the same remembered key only when both 64-bit
// hashes agree.
std::uint64_t JobTable::check_hash(std::string_view key) noexcept {
    constexpr std::uint64_t odd_a = 0x9E3779B97F4A7C15ULL;
    constexpr std::uint64_t odd_b = 0xC2B2AE3D27D4EB4FULL;
    std::uint64_t hash = (key.size() + 1) * odd_a;
    for (std::size_t at = 0; at < key.size(); at += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, key.data() + at, std::min<std::size_t>(8, key.size() - at));
        hash = std::rotl(hash ^ (word * odd_b), 29) * odd_a;
    }
    hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ULL;
    hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBULL;
    return hash ^ (hash >> 31);
}

// Linear probing from the hash's low bits. The tag is the hash's low 32 bits, so it holds the
// home position too: moving entries (deletion, growth) needs nothing but the entry, never a read
// of the key's stored hash elsewhere (a cache miss each). The tag is compared before the key; an
// empty position ends the probe: backward-shift deletion leaves no tombstones, so the key cannot
// be further on.
JobTable::Probe JobTable::probe(std::string_view key, std::uint64_t hash) const {
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t position = tag & index_mask_;; position = (position + 1) & index_mask_) {
        const IndexEntry entry = index_[position];
        if (entry.value == empty_value) {
            return Probe{position, false};
        }
        if (entry.tag == tag && holds(entry.value, key, hash)) {
            return Probe{position, true};
        }
    }
}

// Where an entry already known to be in the index is. Matching on the value, which is unique,
// needs no key compare, so it works whatever state the key's string is in.
std::size_t JobTable::position_of(std::uint64_t hash, std::uint32_t value) const {
    for (std::size_t position = hash & index_mask_;; position = (position + 1) & index_mask_) {
        assert(index_[position].value != empty_value);
        if (index_[position].value == value) {
            return position;
        }
    }
}

// The second hash is computed only when the first one matches a remembered key in full: in
// practice for resubmitted keys alone, so a SUBMIT of new keys never pays for it.
bool JobTable::holds(std::uint32_t value, std::string_view key, std::uint64_t hash) const {
    if ((value & done_bit) == 0) {
        return slots_[value].key == key;
    }
    const DoneKey& done = done_[value & ~done_bit];
    return done.hash == hash && done.check == check_hash(key);
}

// The position a new key goes to, given the empty position its probe ended at: the same one,
// unless one more entry would pass half full and the index grows first.
std::size_t JobTable::make_room(std::string_view key, std::uint64_t hash, std::size_t empty) {
    if ((index_used_ + 1) * 2 <= index_.size()) {
        return empty;
    }
    grow_index();
    return probe(key, hash).position;
}

// Doubling keeps the load at or under one half, where linear probing's clusters stay short.
// Entries are placed from their tags, so no key is rehashed or even read. The tag holds the
// home position while the index has at most 2^32 positions, far beyond the slot and ring caps.
void JobTable::grow_index() {
    std::vector<IndexEntry> old(index_.size() * 2);
    old.swap(index_);
    index_mask_ = index_.size() - 1;
    for (const IndexEntry entry : old) {
        if (entry.value == empty_value) {
            continue;
        }
        std::size_t position = entry.tag & index_mask_;
        while (index_[position].value != empty_value) {
            position = (position + 1) & index_mask_;
        }
        index_[position] = entry;
    }
}

// Backward-shift deletion: each later entry of the cluster whose home is not between the hole
// and itself moves back into the hole, so every probe still reaches its key before an empty
// position, and lookups never skip tombstones.
void JobTable::erase_position(std::size_t position) {
    std::size_t hole = position;
    for (std::size_t next = (hole + 1) & index_mask_; index_[next].value != empty_value;
         next = (next + 1) & index_mask_) {
        const std::size_t home = index_[next].tag & index_mask_;
        if (((next - home) & index_mask_) >= ((next - hole) & index_mask_)) {
            index_[hole] = index_[next];
            hole = next;
        }
    }
    index_[hole] = IndexEntry{};
    --index_used_;
}

// Slots are recycled, most recently freed first (its memory is likely cached), so steady-state
// submission allocates no record; the generation bump makes every handle to the previous
// occupant stale. The slot is indexed at `position`, which make_room() returned.
std::uint32_t JobTable::claim_slot(std::uint64_t hash, std::size_t position) {
    std::uint32_t slot = 0;
    if (free_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        assert(slot < done_bit);
        slots_.emplace_back();
        hashes_.push_back(hash);
    } else {
        slot = free_.back();
        free_.pop_back();
        hashes_[slot] = hash;
    }
    JobRecord& record = slots_[slot];
    ++record.generation;
    record.live = true;
    index_[position] = IndexEntry{static_cast<std::uint32_t>(hash), slot};
    ++index_used_;
    ++held_;
    return slot;
}

bool JobTable::known(std::string_view key) const {
    return probe(key, hash_key(key)).found;
}

JobRef JobTable::insert(JobRecord&& record) {
    const std::uint64_t hash = hash_key(record.key);
    const Probe found = probe(record.key, hash);
    assert(!found.found);
    const std::uint32_t slot = claim_slot(hash, make_room(record.key, hash, found.position));
    JobRecord& stored = slots_[slot];
    record.generation = stored.generation;
    record.live = true;
    stored = std::move(record);
    return JobRef{slot, stored.generation};
}

// One hash and one probe serve both the duplicate check and the placement of the new key.
JobRecord* JobTable::emplace(std::string_view key, std::uint64_t hash, JobRef& ref) {
    const Probe found = probe(key, hash);
    if (found.found) {
        return nullptr;
    }
    const std::uint32_t slot = claim_slot(hash, make_room(key, hash, found.position));
    JobRecord& record = slots_[slot];
    record.key.assign(key);
    ref = JobRef{slot, record.generation};
    return &record;
}

void JobTable::prefetch_forgotten(std::size_t count) const noexcept {
    if (remember_done_ == 0 || done_.size() < remember_done_) {
        return; // nothing is forgotten until the ring is full
    }
    std::size_t position = done_oldest_;
    for (std::size_t k = 0; k < count && k < done_.size(); ++k) {
        prefetch(done_[position].hash);
        if (++position == done_.size()) {
            position = 0;
        }
    }
}

void JobTable::prefetch_record(std::uint64_t hash) const noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t position = tag & index_mask_;; position = (position + 1) & index_mask_) {
        const IndexEntry entry = index_[position];
        if (entry.value == empty_value) {
            return;
        }
        if (entry.tag == tag && (entry.value & done_bit) == 0) {
            __builtin_prefetch(&slots_[entry.value]);
            return;
        }
    }
}

JobRecord* JobTable::get(JobRef ref) noexcept {
    if (ref.slot >= slots_.size()) {
        return nullptr;
    }
    JobRecord& record = slots_[ref.slot];
    return record.generation == ref.generation && record.live ? &record : nullptr;
}

std::optional<JobRef> JobTable::find(std::string_view key, std::uint64_t hash) const {
    const Probe found = probe(key, hash);
    if (!found.found || (index_[found.position].value & done_bit) != 0) {
        return std::nullopt;
    }
    const std::uint32_t slot = index_[found.position].value;
    return JobRef{slot, slots_[slot].generation};
}

// The memory of finished keys is what refuses a resubmitted id. It is bounded so a long-running
// broker's memory stays flat: once the ring is full, the oldest key leaves the index and its
// ring entry is overwritten in place. The held entry then becomes the done entry where it
// stands, keeping its tag. The ring keeps 128 bits of hash per key, not the key: a key of
// another job is taken for a remembered one only if both 64-bit hashes collide, about once in
// 2^128 pairs, while a long key would cost a heap block of its own.
void JobTable::remember_finished_key(std::string_view key, std::uint64_t hash, std::uint32_t slot) {
    std::size_t ring_position = done_.size();
    if (done_.size() < remember_done_) {
        if (done_.size() == done_.capacity()) {
            done_.reserve(std::min(std::max<std::size_t>(done_.size() * 2, 64), remember_done_));
        }
        done_.push_back(DoneKey{hash, check_hash(key)});
    } else {
        ring_position = done_oldest_;
        DoneKey& oldest = done_[ring_position];
        const auto value = static_cast<std::uint32_t>(ring_position) | done_bit;
        if (oldest.hash != 0 || oldest.check != 0) { // {0, 0}: forgotten already (redriven)
            erase_position(position_of(oldest.hash, value));
        }
        oldest = DoneKey{hash, check_hash(key)};
        if (++done_oldest_ == remember_done_) {
            done_oldest_ = 0;
        }
    }
    index_[position_of(hash, slot)].value = static_cast<std::uint32_t>(ring_position) | done_bit;
}

// The record stays in its slot, only marked not live, so the caller reads (and may move from)
// it without a copy; the slot is reused by the next claim.
JobRecord& JobTable::finish(JobRef ref) {
    JobRecord* record = get(ref);
    assert(record != nullptr);
    const std::uint64_t hash = hashes_[ref.slot];
    if (remember_done_ == 0) {
        erase_position(position_of(hash, ref.slot));
    } else {
        remember_finished_key(record->key, hash, ref.slot);
    }
    record->live = false;
    --held_;
    free_.push_back(ref.slot);
    return *record;
}

// The ring entry of a forgotten key becomes {0, 0}, which no index entry points to: when the
// ring comes round to it, there is nothing to erase.
bool JobTable::forget_finished(std::string_view key) {
    const Probe found = probe(key, hash_key(key));
    if (!found.found) {
        return true;
    }
    const std::uint32_t value = index_[found.position].value;
    if ((value & done_bit) == 0) {
        return false;
    }
    done_[value & ~done_bit] = DoneKey{};
    erase_position(found.position);
    return true;
}

void JobTable::add_dead_letter(DeadLetter&& letter) {
    ++dead_total_;
    if (dead_letters_kept_ == 0) {
        return;
    }
    if (dead_.size() >= dead_letters_kept_) {
        dead_payload_bytes_ -= dead_.front().payload.size();
        dead_.pop_front();
    }
    dead_payload_bytes_ += letter.payload.size();
    dead_.push_back(std::move(letter));
    for (DeadLetter& oldest : dead_) {
        if (dead_payload_bytes_ <= dead_letter_payload_budget) {
            break;
        }
        dead_payload_bytes_ -= oldest.payload.size();
        oldest.payload = std::string();
        oldest.payload_kept = false;
    }
}

const DeadLetter* JobTable::dead_letter(std::string_view client, std::string_view id) const {
    for (auto it = dead_.rbegin(); it != dead_.rend(); ++it) {
        if (it->client == client && it->id == id) {
            return &*it;
        }
    }
    return nullptr;
}

std::optional<DeadLetter> JobTable::take_dead_letter(std::string_view client, std::string_view id) {
    for (auto it = dead_.rbegin(); it != dead_.rend(); ++it) {
        if (it->client == client && it->id == id) {
            DeadLetter letter = std::move(*it);
            dead_.erase(std::next(it).base());
            dead_payload_bytes_ -= letter.payload.size();
            return letter;
        }
    }
    return std::nullopt;
}

} // namespace ferry::broker
