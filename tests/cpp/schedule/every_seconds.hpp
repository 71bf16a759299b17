// A test timetable: every N seconds counted from the epoch, so nominal times are easy to predict.
#pragma once

#include "ferry/schedule/fire_plan.hpp"
#include "ferry/schedule/timetable.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace ferry::test {

class EverySeconds : public schedule::Timetable {
  public:
    explicit EverySeconds(long period) : period_(period) {}
    [[nodiscard]] std::optional<schedule::Instant>
    next_after(schedule::Instant after) const override {
        const long t = after.time_since_epoch().count();
        const long next = (t >= 0 ? t / period_ + 1 : -((-t) / period_)) * period_;
        return schedule::Instant{std::chrono::seconds{next > t ? next : next + period_}};
    }
    [[nodiscard]] std::string describe() const override {
        return "every " + std::to_string(period_) + "s";
    }

  private:
    long period_; // seconds between nominal times
};

// A fixed instant the tests count from: 2026-12-03T00:00:00Z, a multiple of every period used.
inline schedule::Instant t0() {
    using namespace std::chrono;
    return schedule::Instant{sys_days{year{2026} / December / 3}};
}

inline schedule::Instant at(long seconds_after_t0) {
    return t0() + std::chrono::seconds{seconds_after_t0};
}

inline schedule::ScheduleSpec every(long period) {
    schedule::ScheduleSpec spec;
    spec.timetable = std::make_shared<EverySeconds>(period);
    return spec;
}

// The run ids of the actions of one kind.
inline std::vector<std::string> ids_of(const std::vector<schedule::Action>& actions,
                                       schedule::ActionKind kind) {
    std::vector<std::string> ids;
    for (const auto& action : actions)
        if (action.kind == kind)
            ids.push_back(action.run.run_id);
    return ids;
}

} // namespace ferry::test

namespace ferry::test {

// The latest recorded state of the run of `pipeline` at `nominal`; nullopt when there is none.
inline std::optional<schedule::RunState>
state_at(schedule::RunStore& store, const std::string& pipeline, schedule::Instant nominal) {
    auto found = store.find(pipeline, schedule::make_run_id(pipeline, nominal));
    if (!found)
        return std::nullopt;
    return found->state;
}

inline schedule::RunOutcome succeeded() {
    return {schedule::RunState::succeeded, {1, 0, 1}, "out.jsonl", ""};
}

} // namespace ferry::test
