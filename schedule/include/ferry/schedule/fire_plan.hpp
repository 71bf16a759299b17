// The scheduler's brain for one pipeline: which nominal times run, when, and what the runner does.
#pragma once

#include "ferry/schedule/run_record.hpp"
#include "ferry/schedule/run_store.hpp"
#include "ferry/schedule/schedule_spec.hpp"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace ferry::schedule {

enum class ActionKind {
    start,  // start a new run: a producer with client name run.run_id
    resume, // a run that was running before a restart: resume the same client and output
    cancel, // stop the run run.run_id (overlap cancel_other); it is recorded cancelled already
};

// One thing for the runner to do. Every change it implies is in the store before it is returned.
struct Action {
    ActionKind kind;
    RunRecord run;
};

// How a run ended, as the runner saw it.
struct RunOutcome {
    RunState state = RunState::succeeded; // succeeded or failed
    RunCounts counts;
    std::string output;
    std::string cause;
};

// A manual run: the Start, or why there is none.
struct TriggerResult {
    std::optional<Action> start;
    std::string refused; // non-empty when the nominal time has a run already
};

// Pure logic with an injected clock: every call takes `now`, nothing reads a clock. The plan
// records each decision in the store before it returns the matching action, so dropping the
// plan at any point and building a new one from the same store never starts a nominal time twice.
class FirePlan {
  public:
    // Reads the pipeline's history: runs left running come back as Resume actions from the first
    // tick, pending ones wait again, and the nominal times missed since the newest scheduled run
    // are handled by the catch-up rules. A pipeline without history starts at the first nominal
    // time after `now`. A paused spec does no catch-up.
    FirePlan(std::string pipeline, ScheduleSpec spec, RunStore& store, Instant now);

    // Everything due at `now`: call once after construction, then at next_wakeup().
    [[nodiscard]] std::vector<Action> tick(Instant now);
    // The runner reports a run's end; buffered runs it was holding back may start.
    [[nodiscard]] std::vector<Action> finished(const std::string& run_id, RunOutcome outcome,
                                               Instant now);
    // A manual run for nominal time `at` (default `now`); it starts at once whatever the overlap
    // policy, and is refused when that nominal time has a run already.
    [[nodiscard]] TriggerResult trigger(std::optional<Instant> at, Instant now);
    // The nominal times in [from, to] without a run. Unless `dry_run`, each gets a backfill run;
    // they start oldest first, one at a time, when nothing else of the pipeline runs.
    std::vector<Instant> backfill(Instant from, Instant to, bool dry_run);

    // While paused no nominal time fires and none is recorded; resume continues from `now`
    // without catching up. Runs already decided (running, waiting out jitter) carry on.
    void pause();
    void resume(Instant now);

    [[nodiscard]] bool paused() const { return paused_; }
    // When the next tick has something to do; nullopt when nothing is scheduled.
    [[nodiscard]] std::optional<Instant> next_wakeup() const;
    [[nodiscard]] std::optional<Instant> next_nominal() const { return next_nominal_; }
    // The pipeline's status error (the catch-up cap message); empty when none.
    [[nodiscard]] const std::string& error() const { return error_; }
    // Run ids running now, in start order.
    [[nodiscard]] std::vector<std::string> running() const;

  private:
    struct Waiting {
        RunRecord run;
        Instant start_at; // nominal time plus jitter, or when it was decided
    };

    void restore(Instant now);
    void catch_up(Instant last, Instant now);
    void fire_due(Instant now);
    void start_waiting(Instant now, std::vector<Action>& actions);
    void arrive(RunRecord run, Instant now, std::vector<Action>& actions);
    void start(RunRecord run, Instant now, std::vector<Action>& actions);
    void start_queued(Instant now, std::vector<Action>& actions);
    void cancel_running(const RunRecord& by, Instant now, std::vector<Action>& actions);
    void end_unrun(RunRecord run, RunState state, std::string cause, Instant now);
    RunRecord new_record(Instant nominal, RunReason reason) const;
    Instant start_time(const RunRecord& run, Instant now) const;

    std::string pipeline_;                // the pipeline's name
    ScheduleSpec spec_;                   // its schedule and policies
    RunStore& store_;                     // its durable history
    std::optional<Instant> next_nominal_; // the next nominal time to fire
    std::vector<RunRecord> running_;      // started, not finished
    std::vector<Waiting> waiting_;        // decided, waiting for their start time
    std::deque<RunRecord> buffered_;      // held back by a running run (buffer_one/buffer_all)
    std::deque<RunRecord> backfill_;      // backfill runs, started one at a time
    std::vector<Action> resumes_;         // found at construction, returned by the first tick
    bool paused_;                         // no nominal time fires
    std::string error_;                   // status error
};

} // namespace ferry::schedule
