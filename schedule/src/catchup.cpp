// Catch-up after downtime: the misfire policy, the catch-up window and the cap.
#include "ferry/schedule/catchup.hpp"

#include <deque>
#include <fmt/format.h>

namespace ferry::schedule {
namespace {

RunRecord record_at(const std::string& pipeline, Instant nominal, RunReason reason, RunState state,
                    std::string cause) {
    RunRecord record;
    record.run_id = make_run_id(pipeline, nominal);
    record.pipeline = pipeline;
    record.nominal = nominal;
    record.reason = reason;
    record.state = state;
    record.cause = std::move(cause);
    return record;
}

// Keeps the newest max_missed_records and counts the rest.
class MissedList {
  public:
    void add(RunRecord record, Instant now) {
        record.ended = now;
        records_.push_back(std::move(record));
        if (records_.size() > max_missed_records) {
            records_.pop_front();
            ++dropped_;
        }
    }
    void finish(CatchupDecision& decision) {
        decision.missed.assign(records_.begin(), records_.end());
        decision.unrecorded_missed = dropped_;
    }

  private:
    std::deque<RunRecord> records_; // newest missed records
    std::size_t dropped_ = 0;       // older ones, only counted
};

} // namespace

CatchupDecision decide_catchup(const std::string& pipeline, const ScheduleSpec& spec, Instant last,
                               Instant now) {
    CatchupDecision decision;
    MissedList missed;
    std::vector<Instant> inside;
    const Instant window_start = now - spec.catchup_window;
    auto at = spec.timetable->next_after(last);
    for (; at && *at < now; at = spec.timetable->next_after(*at)) {
        if (*at < window_start)
            missed.add(record_at(pipeline, *at, RunReason::scheduled, RunState::missed,
                                 fmt::format("missed during downtime, older than the catch-up "
                                             "window of {}s",
                                             spec.catchup_window.count())),
                       now);
        else
            inside.push_back(*at);
    }
    decision.next_nominal = at;
    const std::size_t runnable = spec.misfire == MisfirePolicy::run_once
                                     ? std::min<std::size_t>(inside.size(), 1)
                                     : std::min(inside.size(), spec.catchup_cap);
    const std::size_t cut = inside.size() - runnable;
    const bool capped = spec.misfire == MisfirePolicy::run_all && cut > 0;
    const std::string cause =
        capped ? fmt::format("catch-up cap of {} reached", spec.catchup_cap)
               : std::string("missed during downtime; misfire run_once ran only the latest");
    for (std::size_t i = 0; i < cut; ++i)
        missed.add(record_at(pipeline, inside[i], RunReason::scheduled, RunState::missed, cause),
                   now);
    for (std::size_t i = cut; i < inside.size(); ++i)
        decision.runs.push_back(
            record_at(pipeline, inside[i], RunReason::catchup, RunState::pending, ""));
    if (capped)
        decision.error = fmt::format("catch-up cap of {} reached: {} nominal times were not run",
                                     spec.catchup_cap, cut);
    missed.finish(decision);
    return decision;
}

} // namespace ferry::schedule
