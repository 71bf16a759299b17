// The broker's configuration: the `broker` and `job_types` sections of a Ferry YAML file (read
// by the app's config loader).
#pragma once

#include "ferry/security/key_ring.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::broker {

// Exponential backoff between attempts of one job.
struct BackoffConfig {
    std::uint64_t initial_ms = 100; // delay before the second attempt
    std::uint64_t max_ms = 30000;   // ceiling of any delay
    double multiplier = 2.0;        // growth per further attempt
    double jitter = 0.2;            // +/- fraction of randomness applied to each delay
};

// Dynamic batching of one job type (Triton-style: full or old enough, then send).
struct BatchConfig {
    std::uint32_t max_size = 1;     // jobs of this type in one JOBS message, at most
    std::uint64_t max_delay_ms = 0; // longest wait of a batch's oldest job for the batch to fill
};

// Settings of one job type; `default` supplies what a type leaves out.
struct JobTypeConfig {
    std::uint64_t timeout_s = 300;          // hard limit of one attempt
    std::uint32_t max_attempts = 3;         // attempts before the job is dead-lettered
    BackoffConfig backoff;                  // delay between attempts
    std::vector<std::string> non_retryable; // extra error codes never retried for this type
    std::optional<BatchConfig> batch;       // dynamic batching; unset: as the handlers announce
};

// When the journal forces its writes to the disk.
enum class FsyncPolicy : std::uint8_t {
    always,      // before every acknowledgement (one fsync per poll-loop pass that wrote)
    interval_ms, // at most every interval_ms, by the loop (a crash of the machine may lose that
                 // much; a crash of the broker process loses nothing written)
    off,         // never (the kernel writes back when it likes)
};

// The journal: accepted jobs and outcomes on disk, replayed at start. Empty path: off.
struct JournalConfig {
    std::string path;                             // directory of segment files; empty: no journal
    FsyncPolicy fsync = FsyncPolicy::interval_ms; // when writes are forced to the disk
    std::uint64_t interval_ms = 10;               // period of the fsync under `interval_ms`
    std::uint64_t segment_bytes = 64ull << 20;    // size at which a new segment file is started
};

// CURVE on the broker's two endpoints (not on the internal one: inproc has no handshake).
struct BrokerSecurity {
    std::string secret_key; // the broker's CURVE secret key (Z85); empty: no CURVE
    std::string public_key; // its public half, for the log and clients
    // Who may connect in which role; replaced whole on reload. Set when secret_key is.
    std::shared_ptr<security::KeyRingHolder> keys;
    bool insecure =
        false; // `security.insecure: true`: plain TCP off loopback allowed, with warnings
    [[nodiscard]] bool curve() const noexcept { return !secret_key.empty(); }
};

// Everything the broker needs to run.
struct BrokerConfig {
    std::string producers_endpoint = "tcp://127.0.0.1:5555"; // ROUTER for producers
    std::string workers_endpoint = "tcp://127.0.0.1:5556";   // ROUTER for workers
    // A second producer endpoint, e.g. inproc:// for the HTTP gateway of the same process (it
    // connects with the broker's context()); empty: none.
    std::string internal_producers_endpoint;
    std::uint64_t heartbeat_ms = 1000;   // broker's default interval (workers negotiate theirs)
    std::uint32_t liveness = 3;          // silent intervals before a worker is dead
    std::uint64_t max_pending = 1000000; // jobs held at once (queued, running, undelivered)
    std::uint64_t max_payload_bytes = 16777216; // larger payloads fail with PAYLOAD_TOO_LARGE
    std::uint64_t shutdown_grace_s = 10;        // time in-flight jobs get to finish on SIGTERM
    std::uint64_t remember_done = 1000000;      // finished job keys kept to refuse resubmission
    std::uint64_t dead_letters_kept = 10000;    // dead letters kept for `ferry status`
    std::uint64_t outcome_retention_s = 86400; // how long outcomes wait for a producer that is gone
    JournalConfig journal;                     // durability across broker restarts
    BrokerSecurity security;                   // CURVE and the allow-lists
    JobTypeConfig default_type;                // the `default` job type
    std::unordered_map<std::string, JobTypeConfig> types; // named job types, defaults merged in

    // The settings of a job type: its own entry, else `default`.
    [[nodiscard]] const JobTypeConfig& type(const std::string& name) const {
        const auto found = types.find(name);
        return found == types.end() ? default_type : found->second;
    }
};

} // namespace ferry::broker
