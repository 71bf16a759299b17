// The scheduler's side of durability: the hooks through which one part (the journal) follows
// every held job's life, and a job handed back at start, with no disk format in either.
#pragma once

#include "ferry/broker/job_table.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ferry::broker {

// Follows each held job's life; the scheduler calls it at every step that must survive a
// restart. The journal implements it; without one the scheduler calls nothing.
class JobObserver {
  public:
    virtual ~JobObserver() = default;
    // A job was accepted; the observer may keep its own note in record.journal.
    virtual void accepted(JobRecord& record) = 0;
    // A job was restored at start; record.journal is the token its RestoredJob carried.
    virtual void restored(const JobRecord& record) = 0;
    // An attempt was sent (record.attempts counts it).
    virtual void dispatched(const JobRecord& record) = 0;
    // The job was answered: its outcome is in record.payload (before it is delivered); the
    // observer may update record.journal.
    virtual void answered(JobRecord& record) = 0;
    // The job's outcome was acknowledged or given up: the job is forgotten.
    virtual void done(const JobRecord& record) = 0;
};

// A job the previous broker life held, handed back to the scheduler at start.
struct RestoredJob {
    std::string client;                 // producer that submitted it
    std::string id;                     // the producer's job id
    std::string type;                   // job type
    std::string payload;                // opaque MessagePack value
    std::int64_t priority = 0;          // higher first
    std::uint64_t timeout_ms = 0;       // hard limit of one attempt (0: none)
    std::uint32_t max_attempts = 1;     // attempts before dead-lettering
    std::uint32_t attempts = 0;         // attempts started so far
    bool in_flight = false;             // an attempt was running when that life ended
    std::optional<std::string> outcome; // its kept outcome, when it was answered
    JournalToken token = no_journal;    // the observer's note, kept in JobRecord::journal
};

// What became of a restored job.
enum class RestoreOutcome : std::uint8_t {
    queued,        // waiting for a worker again
    answered,      // its outcome is kept again, waiting for its producer
    dead_lettered, // its interrupted attempt was its last: failed with WORKER_LOST
    duplicate,     // its key is already held (not expected from one journal)
};

} // namespace ferry::broker
