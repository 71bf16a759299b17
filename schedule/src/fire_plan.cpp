// FirePlan: nominal times to runs, through catch-up, jitter and the overlap policy.
#include "ferry/schedule/fire_plan.hpp"

#include "ferry/schedule/catchup.hpp"
#include "ferry/schedule/jitter.hpp"

#include <algorithm>
#include <cassert>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ferry::schedule {

FirePlan::FirePlan(std::string pipeline, ScheduleSpec spec, RunStore& store, Instant now)
    : pipeline_(std::move(pipeline)), spec_(std::move(spec)), store_(store), paused_(spec_.paused) {
    restore(now);
    if (paused_)
        return;
    std::optional<Instant> last;
    for (const auto& run : store_.runs(pipeline_))
        if (run.reason == RunReason::scheduled || run.reason == RunReason::catchup)
            last = std::max(last.value_or(run.nominal), run.nominal);
    if (last)
        catch_up(*last, now);
    else
        next_nominal_ = spec_.timetable->next_after(now - std::chrono::seconds{1});
}

// A run left running was started by a previous process: the runner resumes it under the same
// id. A pending one was decided but not started: it goes through its start again.
void FirePlan::restore(Instant now) {
    for (auto& run : store_.runs(pipeline_)) {
        if (run.state == RunState::running) {
            running_.push_back(run);
            resumes_.push_back({ActionKind::resume, run});
        } else if (run.state == RunState::pending && run.reason == RunReason::backfill) {
            backfill_.push_back(run);
        } else if (run.state == RunState::pending) {
            const Instant at = start_time(run, now);
            waiting_.push_back({std::move(run), at});
        }
    }
}

void FirePlan::catch_up(Instant last, Instant now) {
    CatchupDecision decision = decide_catchup(pipeline_, spec_, last, now);
    next_nominal_ = decision.next_nominal;
    store_.create_all(decision.missed);
    // A time a trigger or backfill took already keeps that run; only the others catch up.
    std::vector<RunRecord> fresh;
    for (auto& run : decision.runs)
        if (!store_.find(pipeline_, run.run_id))
            fresh.push_back(std::move(run));
    store_.create_all(fresh);
    for (auto& run : fresh)
        waiting_.push_back({std::move(run), now});
    if (decision.unrecorded_missed > 0)
        spdlog::warn("pipeline {}: {} older nominal times were missed during downtime (not "
                     "recorded one by one)",
                     pipeline_, decision.unrecorded_missed);
    if (!decision.error.empty()) {
        error_ = decision.error;
        spdlog::error("pipeline {}: {}", pipeline_, error_);
    }
}

std::vector<Action> FirePlan::tick(Instant now) {
    std::vector<Action> actions = std::move(resumes_);
    resumes_.clear();
    if (!paused_)
        fire_due(now);
    start_waiting(now, actions);
    start_queued(now, actions);
    return actions;
}

// Each due nominal time is recorded pending before anything else happens to it: the create is
// what makes "one run per nominal time" hold, whoever else (a trigger) got there first.
void FirePlan::fire_due(Instant now) {
    while (next_nominal_ && *next_nominal_ <= now) {
        RunRecord run = new_record(*next_nominal_, RunReason::scheduled);
        next_nominal_ = spec_.timetable->next_after(*next_nominal_);
        if (!store_.create(run)) {
            spdlog::info("pipeline {}: {} has a run already; not firing it again", pipeline_,
                         run.run_id);
            continue;
        }
        const Instant at = start_time(run, now);
        waiting_.push_back({std::move(run), at});
    }
}

void FirePlan::start_waiting(Instant now, std::vector<Action>& actions) {
    std::stable_sort(waiting_.begin(), waiting_.end(), [](const Waiting& a, const Waiting& b) {
        return std::tie(a.start_at, a.run.nominal) < std::tie(b.start_at, b.run.nominal);
    });
    std::size_t due = 0;
    while (due < waiting_.size() && waiting_[due].start_at <= now)
        ++due;
    std::vector<Waiting> ready(waiting_.begin(), waiting_.begin() + static_cast<long>(due));
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<long>(due));
    for (auto& item : ready)
        arrive(std::move(item.run), now, actions);
}

// The overlap policy decides a run that is due while others of the pipeline are running.
void FirePlan::arrive(RunRecord run, Instant now, std::vector<Action>& actions) {
    if (running_.empty() || spec_.overlap == OverlapPolicy::allow ||
        run.reason == RunReason::trigger)
        return start(std::move(run), now, actions);
    const std::string blocker = running_.front().run_id;
    switch (spec_.overlap) {
    case OverlapPolicy::skip:
        return end_unrun(std::move(run), RunState::skipped_overlap,
                         fmt::format("{} was still running", blocker), now);
    case OverlapPolicy::buffer_one:
        if (!buffered_.empty())
            return end_unrun(std::move(run), RunState::skipped_overlap,
                             fmt::format("{} was already waiting for {} (buffer_one)",
                                         buffered_.front().run_id, blocker),
                             now);
        buffered_.push_back(std::move(run));
        return;
    case OverlapPolicy::buffer_all:
        buffered_.push_back(std::move(run));
        return;
    case OverlapPolicy::cancel_other:
        cancel_running(run, now, actions);
        return start(std::move(run), now, actions);
    case OverlapPolicy::allow:
        break;
    }
    start(std::move(run), now, actions);
}

// The running record is fsynced before Start is returned: a crash after this point finds the
// run `running` and resumes it; a crash before it finds it pending and starts it. Either way
// the producer runs under one client name, so the broker never sees two runs of one time.
void FirePlan::start(RunRecord run, Instant now, std::vector<Action>& actions) {
    run.state = RunState::running;
    run.fired = now;
    store_.update(run);
    running_.push_back(run);
    actions.push_back({ActionKind::start, std::move(run)});
}

void FirePlan::start_queued(Instant now, std::vector<Action>& actions) {
    if (!running_.empty())
        return;
    std::deque<RunRecord>& queue = buffered_.empty() ? backfill_ : buffered_;
    if (queue.empty())
        return;
    RunRecord next = std::move(queue.front());
    queue.pop_front();
    start(std::move(next), now, actions);
}

void FirePlan::cancel_running(const RunRecord& by, Instant now, std::vector<Action>& actions) {
    for (auto& run : running_) {
        run.state = RunState::cancelled;
        run.ended = now;
        run.cause = fmt::format("cancelled for {} (overlap cancel_other)", by.run_id);
        store_.update(run);
        actions.push_back({ActionKind::cancel, std::move(run)});
    }
    running_.clear();
}

void FirePlan::end_unrun(RunRecord run, RunState state, std::string cause, Instant now) {
    run.state = state;
    run.ended = now;
    run.cause = std::move(cause);
    store_.update(run);
}

std::vector<Action> FirePlan::finished(const std::string& run_id, RunOutcome outcome, Instant now) {
    auto found = std::find_if(running_.begin(), running_.end(),
                              [&](const RunRecord& run) { return run.run_id == run_id; });
    std::vector<Action> actions;
    // A run cancelled by cancel_other is recorded already; its late end changes nothing.
    if (found == running_.end()) {
        spdlog::debug("pipeline {}: end of {} ignored: not running", pipeline_, run_id);
        return actions;
    }
    RunRecord run = std::move(*found);
    running_.erase(found);
    run.state = outcome.state;
    run.counts = outcome.counts;
    run.output = std::move(outcome.output);
    run.cause = std::move(outcome.cause);
    run.ended = now;
    store_.update(run);
    start_queued(now, actions);
    return actions;
}

TriggerResult FirePlan::trigger(std::optional<Instant> at, Instant now) {
    RunRecord run = new_record(at.value_or(now), RunReason::trigger);
    if (auto existing = store_.find(pipeline_, run.run_id))
        return {std::nullopt,
                fmt::format("pipeline {} has a run for {} already: {} ({}); a nominal time "
                            "runs once; pick another time with --at",
                            pipeline_, format_instant(run.nominal), existing->run_id,
                            to_string(existing->state))};
    if (!store_.create(run))
        return {std::nullopt, fmt::format("{} exists already", run.run_id)};
    std::vector<Action> actions;
    start(std::move(run), now, actions);
    return {std::move(actions.front()), ""};
}

std::vector<Instant> FirePlan::backfill(Instant from, Instant to, bool dry_run) {
    std::vector<Instant> times;
    std::vector<RunRecord> runs;
    for (auto at = spec_.timetable->next_after(from - std::chrono::seconds{1}); at && *at <= to;
         at = spec_.timetable->next_after(*at)) {
        RunRecord run = new_record(*at, RunReason::backfill);
        if (store_.find(pipeline_, run.run_id))
            continue;
        times.push_back(*at);
        runs.push_back(std::move(run));
    }
    if (dry_run)
        return times;
    store_.create_all(runs);
    for (auto& run : runs)
        backfill_.push_back(std::move(run));
    return times;
}

void FirePlan::pause() {
    paused_ = true;
}

void FirePlan::resume(Instant now) {
    if (!paused_)
        return;
    paused_ = false;
    next_nominal_ = spec_.timetable->next_after(now - std::chrono::seconds{1});
}

std::optional<Instant> FirePlan::next_wakeup() const {
    std::optional<Instant> wake = paused_ ? std::nullopt : next_nominal_;
    for (const auto& item : waiting_)
        wake = std::min(wake.value_or(item.start_at), item.start_at);
    return wake;
}

std::vector<std::string> FirePlan::running() const {
    std::vector<std::string> ids;
    for (const auto& run : running_)
        ids.push_back(run.run_id);
    return ids;
}

RunRecord FirePlan::new_record(Instant nominal, RunReason reason) const {
    RunRecord run;
    run.run_id = make_run_id(pipeline_, nominal);
    run.pipeline = pipeline_;
    run.nominal = nominal;
    run.reason = reason;
    run.state = RunState::pending;
    return run;
}

// Only scheduled runs are jittered: a catch-up, trigger or backfill run is late or manual
// already, and delaying it further helps no one.
Instant FirePlan::start_time(const RunRecord& run, Instant now) const {
    if (run.reason != RunReason::scheduled)
        return now;
    return run.nominal + jitter_delay(pipeline_, run.nominal, spec_.jitter,
                                      spec_.timetable->next_after(run.nominal));
}

} // namespace ferry::schedule
