// One run of one pipeline: its identity (pipeline + nominal time), why it ran, and where it stands.
#pragma once

#include "ferry/schedule/timetable.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::schedule {

// Why a run exists.
enum class RunReason { scheduled, catchup, trigger, backfill };

// Where a run stands; every state but pending and running is final.
enum class RunState { pending, running, succeeded, failed, skipped_overlap, missed, cancelled };

// Job counts of a finished (or resumed) run.
struct RunCounts {
    std::uint64_t ok = 0;     // jobs that succeeded
    std::uint64_t failed = 0; // jobs that failed
    std::uint64_t total = 0;  // jobs in the input
};

struct RunRecord {
    std::string run_id;   // pipeline@nominal; also the producer's client name
    std::string pipeline; // the pipeline's name ([A-Za-z0-9_.-]+, checked by the config)
    Instant nominal{};    // the schedule instant this run stands for
    RunReason reason = RunReason::scheduled;
    RunState state = RunState::pending;
    std::optional<Instant> fired; // when it actually started
    std::optional<Instant> ended; // when it reached a final state
    RunCounts counts;
    std::string output; // where its results went, once known
    std::string cause;  // why it failed, was skipped or missed; empty when nothing to say
};

// The run id of `pipeline` at `nominal`: `nightly@20261203T020000Z`. Deterministic, so a nominal
// time maps to one id whoever computes it, and free of spaces, so it is a valid client name.
[[nodiscard]] std::string make_run_id(std::string_view pipeline, Instant nominal);

// True for states a run never leaves.
[[nodiscard]] bool is_final(RunState state);

[[nodiscard]] std::string_view to_string(RunReason reason);
[[nodiscard]] std::string_view to_string(RunState state);
[[nodiscard]] std::optional<RunReason> parse_run_reason(std::string_view text);
[[nodiscard]] std::optional<RunState> parse_run_state(std::string_view text);

// ISO 8601 in UTC with seconds: 2026-12-03T02:00:00Z.
[[nodiscard]] std::string format_instant(Instant at);
// The inverse of format_instant; nullopt for anything else.
[[nodiscard]] std::optional<Instant> parse_instant(std::string_view text);

} // namespace ferry::schedule
