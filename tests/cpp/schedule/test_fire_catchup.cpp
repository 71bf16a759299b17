// Catch-up after downtime: the window, run_once against run_all, and the cap of 100.
#include "every_seconds.hpp"
#include "ferry/schedule/catchup.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using namespace ferry::test;

namespace {

// A history whose newest scheduled run is at `last`, finished: the service then went down.
void ran_once_at(RunStore& store, const ScheduleSpec& spec, long last) {
    FirePlan plan("p", spec, store, at(last));
    REQUIRE(ids_of(plan.tick(at(last)), ActionKind::start).size() == 1);
    REQUIRE(plan.finished(make_run_id("p", at(last)), succeeded(), at(last)).empty());
}

std::size_t count_in(RunStore& store, RunState state) {
    std::size_t count = 0;
    for (const auto& run : store.runs("p"))
        count += run.state == state ? 1 : 0;
    return count;
}

} // namespace

TEST_CASE("after downtime run_once runs only the latest missed time and records the others") {
    TempDir dir;
    RunStore store(dir.root());
    ran_once_at(store, every(60), 60);
    FirePlan plan("p", every(60), store, at(630));
    const auto actions = plan.tick(at(630));
    REQUIRE(ids_of(actions, ActionKind::start) == std::vector{make_run_id("p", at(600))});
    CHECK(actions.front().run.reason == RunReason::catchup);
    for (long t = 120; t <= 540; t += 60)
        CHECK(state_at(store, "p", at(t)) == RunState::missed);
    CHECK(plan.next_nominal() == at(660));
    CHECK(plan.error().empty());
}

TEST_CASE("missed times older than the catch-up window are recorded missed, not run") {
    TempDir dir;
    RunStore store(dir.root());
    ScheduleSpec spec = every(60);
    spec.catchup_window = std::chrono::seconds{300};
    spec.misfire = MisfirePolicy::run_all;
    spec.overlap = OverlapPolicy::allow;
    ran_once_at(store, spec, 60);
    FirePlan plan("p", spec, store, at(630));
    std::vector<std::string> expected;
    for (long t = 360; t <= 600; t += 60)
        expected.push_back(make_run_id("p", at(t)));
    CHECK(ids_of(plan.tick(at(630)), ActionKind::start) == expected);
    for (long t = 120; t <= 300; t += 60) {
        CHECK(state_at(store, "p", at(t)) == RunState::missed);
        CHECK_THAT(store.find("p", make_run_id("p", at(t)))->cause,
                   Catch::Contains("older than the catch-up window"));
    }
}

TEST_CASE("run_all catch-up runs are subject to the overlap policy") {
    TempDir dir;
    RunStore store(dir.root());
    ScheduleSpec spec = every(60);
    spec.misfire = MisfirePolicy::run_all;
    ran_once_at(store, spec, 60);
    FirePlan plan("p", spec, store, at(250));
    CHECK(ids_of(plan.tick(at(250)), ActionKind::start) == std::vector{make_run_id("p", at(120))});
    CHECK(state_at(store, "p", at(180)) == RunState::skipped_overlap);
    CHECK(state_at(store, "p", at(240)) == RunState::skipped_overlap);
}

TEST_CASE("catch-up stops at the cap of 100 and says so in the pipeline's status") {
    TempDir dir;
    RunStore store(dir.root(), 1000);
    ScheduleSpec spec = every(1);
    spec.misfire = MisfirePolicy::run_all;
    spec.overlap = OverlapPolicy::allow;
    ran_once_at(store, spec, 1);
    FirePlan plan("p", spec, store, at(601)); // ten minutes down: 2..600 were missed
    std::vector<std::string> started;
    for (const auto& action : plan.tick(at(601)))
        if (action.run.reason == RunReason::catchup)
            started.push_back(action.run.run_id);
    REQUIRE(started.size() == 100);
    CHECK(started.front() == make_run_id("p", at(501)));
    CHECK(started.back() == make_run_id("p", at(600)));
    CHECK(plan.error() == "catch-up cap of 100 reached: 499 nominal times were not run");
    CHECK(count_in(store, RunState::missed) == 499);
    CHECK(store.find("p", make_run_id("p", at(2)))->cause == "catch-up cap of 100 reached");
    CHECK(plan.next_nominal() == at(602));
}

TEST_CASE("a pipeline that never ran starts at the next nominal time without catching up") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(630));
    CHECK(plan.tick(at(630)).empty());
    CHECK(store.runs("p").empty());
    CHECK(plan.next_wakeup() == at(660));
}

TEST_CASE("catch-up leaves a missed time that a trigger already ran alone") {
    TempDir dir;
    RunStore store(dir.root());
    ran_once_at(store, every(60), 60);
    {
        FirePlan plan("p", every(60), store, at(61));
        plan.pause();
        const auto manual = plan.trigger(at(600), at(62));
        REQUIRE(manual.start);
        REQUIRE(plan.finished(manual.start->run.run_id, succeeded(), at(63)).empty());
    }
    FirePlan plan("p", every(60), store, at(630));
    CHECK(ids_of(plan.tick(at(630)), ActionKind::start).empty());
    const auto run = *store.find("p", make_run_id("p", at(600)));
    CHECK(run.reason == RunReason::trigger);
    CHECK(run.state == RunState::succeeded);
}

TEST_CASE("a long downtime records only the newest 1000 missed times one by one") {
    TempDir dir;
    RunStore store(dir.root(), 5000);
    ran_once_at(store, every(1), 1);
    FirePlan plan("p", every(1), store, at(7201)); // two hours down: 2..7200 were missed
    CHECK(ids_of(plan.tick(at(7201)), ActionKind::start) ==
          std::vector{make_run_id("p", at(7200))});
    CHECK(state_at(store, "p", at(7201)) == RunState::skipped_overlap);
    CHECK(count_in(store, RunState::missed) == max_missed_records);
    CHECK(state_at(store, "p", at(7199)) == RunState::missed);
    CHECK(state_at(store, "p", at(6200)) == RunState::missed);
    CHECK_FALSE(state_at(store, "p", at(6199)));
}
