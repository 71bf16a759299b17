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

namespace {

// Walks the missed times: those before the window go to `missed`, the others are returned.
// Leaves the first nominal time at or after `now` in `next`.
std::vector<Instant> split_by_window(const std::string& pipeline, const ScheduleSpec& spec,
                                     Instant last, Instant now, MissedList& missed,
                                     std::optional<Instant>& next) {
    const std::string cause =
        fmt::format("missed during downtime, older than the catch-up window of {}s",
                    spec.catchup_window.count());
    std::vector<Instant> inside;
    auto at = spec.timetable->next_after(last);
    for (; at && *at < now; at = spec.timetable->next_after(*at)) {
        if (*at < now - spec.catchup_window)
            missed.add(record_at(pipeline, *at, RunReason::scheduled, RunState::missed, cause),
                       now);
        else
            inside.push_back(*at);
    }
    next = at;
    return inside;
}

// How many of the times inside the window run: the newest one or the newest up to the cap.
std::size_t runnable_count(const ScheduleSpec& spec, std::size_t inside) {
    if (spec.misfire == MisfirePolicy::run_once)
        return std::min<std::size_t>(inside, 1);
    return std::min(inside, spec.catchup_cap);
}

} // namespace

CatchupDecision decide_catchup(const std::string& pipeline, const ScheduleSpec& spec, Instant last,
                               Instant now) {
    CatchupDecision decision;
    MissedList missed;
    const auto inside = split_by_window(pipeline, spec, last, now, missed, decision.next_nominal);
    const std::size_t cut = inside.size() - runnable_count(spec, inside.size());
    const bool capped = spec.misfire == MisfirePolicy::run_all && cut > 0;
    const std::string cause =
        capped ? fmt::format("catch-up cap of {} reached", spec.catchup_cap)
               : std::string("missed during downtime; misfire run_once ran only the latest");
    for (std::size_t i = 0; i < inside.size(); ++i) {
        if (i < cut)
            missed.add(
                record_at(pipeline, inside[i], RunReason::scheduled, RunState::missed, cause), now);
        else
            decision.runs.push_back(
                record_at(pipeline, inside[i], RunReason::catchup, RunState::pending, ""));
    }
    if (capped)
        decision.error = fmt::format("catch-up cap of {} reached: {} nominal times were not run",
                                     spec.catchup_cap, cut);
    missed.finish(decision);
    return decision;
}

} // namespace ferry::schedule
