// Every job the broker holds until its outcome is delivered, plus finished keys and dead letters.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ferry/broker/clock.hpp"
#include "ferry/broker/journal_record.hpp"
#include "ferry/wire/messages.hpp"

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
};

// No worker: the value of JobRecord::worker when the job runs nowhere.
inline constexpr std::uint32_t no_worker = UINT32_MAX;

// One job held by the broker.
struct JobRecord {
    std::string key;                 // client + '\x1f' + id: identity, and the id workers see
    std::string client;              // producer that submitted it
    std::string id;                  // the producer's job id
    std::string type;                // job type
    std::string payload;             // opaque MessagePack value
    std::int64_t priority = 0;       // higher first
    std::uint64_t timeout_ms = 0;    // hard limit of one attempt (0: none)
    std::uint32_t max_attempts = 1;  // attempts before dead-lettering
    std::uint32_t attempts = 0;      // attempts started so far
    std::vector<wire::Error> causes; // every failed attempt, oldest first
    TimePoint accepted_at;           // when SUBMIT accepted it
    JobState state = JobState::queued; // life stage
    std::uint32_t worker = no_worker;  // registry id of the worker running the current attempt
    std::uint32_t generation = 0;      // copy of the slot generation
    JournalPlace journal;              // where its accept record is (segment 0: not journaled)
};

// A job that failed for good, kept for `ferry status`.
struct DeadLetter {
    std::string id;                  // the producer's job id
    std::string client;              // producer
    std::string type;                // job type
    std::vector<wire::Error> causes; // every failed attempt, oldest first
};

// The separator between client and id in a job key (ASCII unit separator).
inline constexpr char key_separator = '\x1f';

// Builds the key of a job: ids are unique per client, so the key joins both.
[[nodiscard]] std::string make_job_key(std::string_view client, std::string_view id);

// A slab of job records indexed by key, with a bounded memory of finished keys.
class JobTable {
public:
    // `remember_done` finished keys are kept to refuse resubmission; `dead_letters_kept` likewise.
    JobTable(std::size_t remember_done, std::size_t dead_letters_kept);

    // Whether a key is held now or finished recently (a resubmission must not run again).
    [[nodiscard]] bool known(std::string_view key) const;
    // Stores a new job (its key must not be known) and returns its handle.
    JobRef insert(JobRecord&& record);
    // The record behind a handle; null when the handle is stale.
    [[nodiscard]] JobRecord* get(JobRef ref) noexcept;
    // The handle of a held job by key.
    [[nodiscard]] std::optional<JobRef> find(std::string_view key) const;
    // Forgets a finished job, remembering its key as done; returns the record for its outcome.
    JobRecord finish(JobRef ref);
    // Keeps a dead letter, dropping the oldest beyond the cap.
    void add_dead_letter(DeadLetter&& letter);

    [[nodiscard]] std::size_t size() const noexcept { return held_; }
    [[nodiscard]] const std::deque<DeadLetter>& dead_letters() const noexcept { return dead_; }
    [[nodiscard]] std::uint64_t dead_letters_total() const noexcept { return dead_total_; }
    // Calls fn(ref, record) for every held job.
    template <typename Fn> void for_each(Fn&& fn) {
        for (const auto& [key, slot] : index_) {
            if (slot != done_slot) {
                fn(JobRef{slot, slots_[slot].generation}, slots_[slot]);
            }
        }
    }

private:
    // Index value of a finished key that is remembered, not held.
    static constexpr std::uint32_t done_slot = UINT32_MAX;

    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return std::hash<std::string_view>{}(text);
        }
    };
    std::vector<JobRecord> slots_;                   // slab; a slot's key is empty when free
    std::vector<std::uint32_t> free_;                // free slot indices
    // key -> slot of a held job, or done_slot for a remembered finished key: one hash lookup
    // serves both the duplicate check and the result lookup.
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
    std::deque<const std::string*> done_order_;      // finished keys (index_ nodes), oldest first
    std::size_t held_ = 0;                           // held jobs (index_ minus done keys)
    std::size_t remember_done_;                      // cap of done_order_
    std::deque<DeadLetter> dead_;                    // most recent dead letters
    std::size_t dead_letters_kept_;                  // cap of dead_
    std::uint64_t dead_total_ = 0;                   // dead letters ever added
};

} // namespace ferry::broker
