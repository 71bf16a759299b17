// Every job the broker holds until its outcome is delivered, plus finished keys and dead letters.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/wire/messages.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker {

// A stable handle to a job slot; the generation makes handles of finished jobs detectably stale.
struct JobRef {
    std::uint32_t slot = 0;       // index in the table's slab
    std::uint32_t generation = 0; // bumped each time the slot is reused
    [[nodiscard]] std::uint64_t packed() const noexcept {
        return (std::uint64_t{slot} << 32) | generation;
    }
    [[nodiscard]] static JobRef unpack(std::uint64_t value) noexcept {
        return {static_cast<std::uint32_t>(value >> 32), static_cast<std::uint32_t>(value)};
    }
    bool operator==(const JobRef&) const = default;
};

// Where a held job is in its life.
enum class JobState : std::uint8_t {
    queued,    // waiting in its type's queue
    delayed,   // waiting out a retry backoff
    in_flight, // its current attempt runs at a worker
    answered,  // finished: its outcome (in `payload`) waits for the producer's ACK
};

// A handle that names no job (get() returns null for it).
inline constexpr JobRef no_job{UINT32_MAX, 0};

// No worker: the value of JobRecord::worker when the job runs nowhere.
inline constexpr std::uint32_t no_worker = UINT32_MAX;

// The journal's note on a held job (where its live record is), opaque to the job table.
using JournalToken = std::uint64_t;
// No note: the job is not journaled.
inline constexpr JournalToken no_journal = 0;

// One job held by the broker. The fields every step touches (liveness, state, attempts) and the
// key come first, in the record's first cache line: a lookup or a dispatch of a job whose record
// is not cached then costs one miss, not several.
struct alignas(64) JobRecord {
    std::uint32_t generation = 0;      // copy of the slot generation
    bool live = false;                 // held by the table; false once finished or never used
    JobState state = JobState::queued; // life stage
    bool isolate = false;              // a suspect (charged WORKER_LOST or TIMEOUT): runs alone
    std::uint32_t worker = no_worker;  // registry id of the worker running the current attempt
    std::uint32_t attempts = 0;        // attempts started so far
    std::uint32_t max_attempts = 1;    // attempts before dead-lettering
    std::uint32_t sends = 0;           // dispatches, counted or given back: names a deadline
    std::uint64_t timeout_ms = 0;      // hard limit of one attempt (0: none)
    std::uint32_t session = 0;         // the producer session that last submitted it: the only
                                       // one its outcome goes to (0: none, e.g. after a restart)
    float dispatched_after_s = -1;     // accept -> latest dispatch, in seconds (-1: never sent);
                                       // a float fits the padding and keeps 0.2 ms at an hour
    std::string key;                   // client + '\x1f' + id: identity, and the id workers see
    std::int64_t priority = 0;         // higher first
    std::uint32_t client_size = 0;     // bytes of the client name at the start of the key
    std::string type;                  // job type
    std::string payload;               // opaque MessagePack value; once answered, the outcome
                                       // encoded as one OUTCOMES record
    std::vector<wire::Error> causes;   // every failed attempt, oldest first
    TimePoint accepted_at;             // when SUBMIT accepted it
    JournalToken journal = no_journal; // the journal's note on it (see JobObserver)

    // The producer that submitted it and its own id, both parts of the key (kept once: a held
    // job's memory is mostly its record).
    [[nodiscard]] std::string_view client() const noexcept {
        return std::string_view(key).substr(0, client_size);
    }
    [[nodiscard]] std::string_view id() const noexcept {
        return std::string_view(key).substr(std::min<std::size_t>(key.size(), client_size + 1));
    }
};

// A job that failed for good, kept for `ferry status` and the dead-letter listing, with what it
// takes to run it again (redrive) while its payload is kept.
struct DeadLetter {
    std::string id;                  // the producer's job id
    std::string client;              // producer
    std::string type;                // job type
    std::vector<wire::Error> causes; // every failed attempt, oldest first
    std::string payload;             // its input, while payload_kept
    bool payload_kept = false;       // false: refused too large, or dropped for the byte budget
    std::int64_t priority = 0;       // as submitted
    std::uint64_t timeout_ms = 0;    // hard limit of one attempt (0: none)
    std::uint32_t max_attempts = 1;  // attempts it had
    std::int64_t failed_at_ms = 0;   // wall clock (Unix ms) when it failed for good
};

// Dead letters' payloads kept at most, in bytes: beyond it the oldest letters lose theirs (they
// stay listed, but cannot be redriven).
inline constexpr std::size_t dead_letter_payload_budget = std::size_t{256} << 20;

// The separator between client and id in a job key (ASCII unit separator).
inline constexpr char key_separator = '\x1f';

// Builds the key of a job: ids are unique per client, so the key joins both.
[[nodiscard]] std::string make_job_key(std::string_view client, std::string_view id);

// A slab of job records indexed by key, with a bounded memory of finished keys.
//
// The index is open addressing with linear probing: one flat array of 8-byte entries, so a
// lookup costs one hash and usually one cache line, and nothing is allocated per job. Finished
// keys live in a ring of fixed-size hashes overwritten in place, so a steady-state broker
// allocates neither for held jobs (slots are recycled with their strings' capacity) nor for done
// keys.
class JobTable {
  public:
    // `remember_done` finished keys are kept to refuse resubmission; `dead_letters_kept` likewise.
    JobTable(std::size_t remember_done, std::size_t dead_letters_kept);

    // Whether a key is held now or finished recently (a resubmission must not run again).
    [[nodiscard]] bool known(std::string_view key) const;
    // Stores a new job (its key must not be known) and returns its handle: the cold path, for
    // journal replay, where the caller has built the whole record.
    JobRef insert(JobRecord&& record);
    // Claims a slot for a new key and returns its record, or null when the key is known. The
    // slot is recycled: key, generation and liveness are set here; every other field still holds
    // the previous occupant's values (strings keep their capacity) and the caller assigns them all.
    [[nodiscard]] JobRecord* emplace(std::string_view key, JobRef& ref) {
        return emplace(key, hash_key(key), ref);
    }
    // The same with the key's hash_key() already computed.
    [[nodiscard]] JobRecord* emplace(std::string_view key, std::uint64_t hash, JobRef& ref);

    // Batches: hash every key, prefetch() its index position, then emplace()/find() with the
    // hash. The index is far larger than the CPU caches (it remembers up to `remember_done`
    // finished keys), so each lookup is a cache miss; prefetched, a batch's misses overlap
    // instead of stalling one after another.
    // (Its low 32 bits are the index tag, whose low bits are the home position.)
    [[nodiscard]] static std::uint64_t hash_key(std::string_view key) noexcept;
    void prefetch(std::uint64_t hash) const noexcept {
        __builtin_prefetch(&index_[hash & index_mask_]);
    }
    // Prefetches the index positions of the next `count` finished keys the ring will forget
    // (one per finish() once it is full), for a batch about to finish up to that many jobs.
    void prefetch_forgotten(std::size_t count) const noexcept;
    // Prefetches the record of the held job whose index entry carries the hash's tag (after
    // prefetch(hash) has brought the entry in): the record is what find() compares the key with.
    void prefetch_record(std::uint64_t hash) const noexcept;
    // The record behind a handle; null when the handle is stale or its job finished.
    [[nodiscard]] JobRecord* get(JobRef ref) noexcept;
    [[nodiscard]] const JobRecord* get(JobRef ref) const noexcept {
        return const_cast<JobTable*>(this)->get(ref);
    }
    // Prefetches the record behind a handle (a batch of handles about to be read).
    void prefetch_record(JobRef ref) const noexcept {
        if (ref.slot < slots_.size()) {
            __builtin_prefetch(&slots_[ref.slot]);
        }
    }
    // The handle of a held job by key (a remembered finished key is not held).
    [[nodiscard]] std::optional<JobRef> find(std::string_view key) const {
        return find(key, hash_key(key));
    }
    // The same with the key's hash_key() already computed.
    [[nodiscard]] std::optional<JobRef> find(std::string_view key, std::uint64_t hash) const;
    // Forgets a held job and remembers its key as done. The returned record stays intact and
    // readable (key included) until the next emplace() or insert(); the caller builds the
    // outcome from it and may move from its fields. get() on its handle returns null from now on.
    JobRecord& finish(JobRef ref);
    // Keeps a dead letter, dropping the oldest beyond the cap, and the oldest payloads beyond
    // dead_letter_payload_budget.
    void add_dead_letter(DeadLetter&& letter);
    // The newest dead letter of a job; null when none is kept.
    [[nodiscard]] const DeadLetter* dead_letter(std::string_view client, std::string_view id) const;
    // Removes and returns the newest dead letter of a job (it is run again).
    [[nodiscard]] std::optional<DeadLetter> take_dead_letter(std::string_view client,
                                                             std::string_view id);
    // Forgets a remembered finished key, so the job may be held again (a redrive). False when
    // the key is held now.
    bool forget_finished(std::string_view key);

    [[nodiscard]] std::size_t size() const noexcept { return held_; }
    [[nodiscard]] const std::deque<DeadLetter>& dead_letters() const noexcept { return dead_; }
    [[nodiscard]] std::uint64_t dead_letters_total() const noexcept { return dead_total_; }
    // Calls fn(ref, record) for every held job.
    template <typename Fn> void for_each(Fn&& fn) {
        for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
            if (slots_[slot].live) {
                fn(JobRef{slot, slots_[slot].generation}, slots_[slot]);
            }
        }
    }

  private:
    // One index position: the key's hash tag and where the key is.
    struct IndexEntry {
        std::uint32_t tag = 0;             // low 32 bits of the key's hash: home position, and a
                                           // filter before key compares
        std::uint32_t value = empty_value; // held slot, done_bit | ring position, or empty_value
    };
    // A finished key remembered to refuse resubmission: not the key itself but 128 bits of
    // hash (two independent 64-bit hashes), 16 bytes whatever the key's length.
    struct DoneKey {
        std::uint64_t hash = 0;  // hash_key(): places it; forgetting it needs no rehash
        std::uint64_t check = 0; // check_hash(): must match too for the key to be known
    };
    // A probe's result: where the key is, or the empty position where it would go.
    struct Probe {
        std::size_t position = 0; // index position
        bool found = false;       // whether the key is at `position`
    };

    // Value of an index position that holds nothing.
    static constexpr std::uint32_t empty_value = UINT32_MAX;
    // Set in a value that is a done-ring position rather than a held slot.
    static constexpr std::uint32_t done_bit = 0x8000'0000U;

    // Where a key is in the index, or the empty position that ended its probe.
    [[nodiscard]] Probe probe(std::string_view key, std::uint64_t hash) const;
    // Where the entry holding `value` (a slot or a ring position) is; it must be indexed.
    [[nodiscard]] std::size_t position_of(std::uint64_t hash, std::uint32_t value) const;
    // Whether the entry holding `value` is `key` (whose hash_key() is `hash`): a held slot
    // compares its key, a remembered one its two hashes.
    [[nodiscard]] bool holds(std::uint32_t value, std::string_view key, std::uint64_t hash) const;
    // The position for a new key whose probe ended at `empty`, growing the index if due.
    [[nodiscard]] std::size_t make_room(std::string_view key, std::uint64_t hash,
                                        std::size_t empty);
    // Doubles the index and places every entry again.
    void grow_index();
    // Empties an index position, shifting the rest of its cluster back.
    void erase_position(std::size_t position);
    // Takes a free (or new) slot, makes it live, and indexes it at `position`.
    std::uint32_t claim_slot(std::uint64_t hash, std::size_t position);
    // Turns a held slot's index entry into a done entry, evicting the oldest when the ring is full.
    void remember_finished_key(std::string_view key, std::uint64_t hash, std::uint32_t slot);
    // The second hash of a remembered key, independent of hash_key().
    [[nodiscard]] static std::uint64_t check_hash(std::string_view key) noexcept;

    std::vector<JobRecord> slots_;       // slab; a slot holds a job when its record is live
    std::vector<std::uint64_t> hashes_;  // hash of each slot's key, so no finish rehashes
    std::vector<std::uint32_t> free_;    // free slot indices, most recently freed last
    std::vector<IndexEntry> index_;      // open-addressing index of held and done keys
    std::size_t index_mask_ = 0;         // index_.size() - 1 (the size is a power of two)
    std::size_t index_used_ = 0;         // non-empty index positions
    std::vector<DoneKey> done_;          // ring of finished keys' hashes, grown lazily to the cap
    std::size_t done_oldest_ = 0;        // ring position of the oldest key once the ring is full
    std::size_t held_ = 0;               // live slots
    std::size_t remember_done_;          // cap of done_
    std::deque<DeadLetter> dead_;        // most recent dead letters
    std::size_t dead_letters_kept_;      // cap of dead_
    std::uint64_t dead_total_ = 0;       // dead letters ever added
    std::size_t dead_payload_bytes_ = 0; // bytes of the payloads dead_ keeps
};

} // namespace ferry::broker
