// The STATUS_REPLY map: what `ferry status` shows, encoded as MessagePack.
#pragma once

#include "ferry/broker/clock.hpp"
#include "ferry/broker/scheduler.hpp"
#include "ferry/broker/type_coverage.hpp"

#include <cstdint>
#include <string>

namespace ferry::broker {

struct BrokerCounters;

// CURVE figures for the status reply.
struct StatusSecurity {
    bool curve = false;                // CURVE on the broker's endpoints
    bool insecure = false;             // plain TCP off loopback, allowed by `insecure: true`
    std::uint64_t refused_unknown = 0; // handshakes refused: key on no allow-list
    std::uint64_t refused_role = 0;    // handshakes refused: key not allowed on that endpoint
    std::uint64_t forbidden = 0;       // messages refused: the key lacks the role
    std::size_t producers = 0;         // keys allowed per role
    std::size_t workers = 0;
    std::size_t admins = 0;
};

// Everything a status reply is built from, borrowed from the running broker.
struct StatusView {
    const std::string& broker_id;                 // this broker life's id
    Clock::duration uptime;                       // since the broker started
    const Scheduler& scheduler;                   // jobs, queues, workers, counters
    const BrokerCounters& counters;               // malformed messages, rejections
    std::size_t pending;                          // jobs held, unacknowledged outcomes included
    double done_per_s;                            // recent completion rate
    TimePoint now;                                // for heartbeat ages
    const TypeCoverage& coverage;                 // when each job type last had a live worker
    bool journal_full = false;                    // the journal's disk is full: SUBMITs are refused
    const class JournalWriter* journal = nullptr; // its size and fsync times; null: no journal
    StatusSecurity security{};                    // CURVE figures
};

// Dead letters listed in a reply, most recent last (the total is reported separately).
inline constexpr std::size_t status_dead_letters_listed = 100;

// A type with queued jobs is listed as unserved once no live worker has served it this long (a
// pool may be restarting), or at once when none has since the broker started.
inline constexpr Clock::duration unserved_after = std::chrono::seconds(5);

// The status map as one encoded MessagePack value (str keys; see docs/broker.md).
[[nodiscard]] std::string encode_status(const StatusView& view);

} // namespace ferry::broker
