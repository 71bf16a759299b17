// Jitter, pause and resume, manual triggers and backfill.
#include "every_seconds.hpp"
#include "ferry/schedule/jitter.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace ferry::schedule;
using namespace ferry::test;
using std::chrono::seconds;

TEST_CASE("jitter is the same for the same nominal time and stays below the next one") {
    std::set<long> seen;
    for (long t = 0; t < 100 * 60; t += 60) {
        const auto delay = jitter_delay("p", at(t), seconds{3600}, at(t + 60));
        CHECK(delay == jitter_delay("p", at(t), seconds{3600}, at(t + 60)));
        CHECK(delay >= seconds{0});
        CHECK(delay < seconds{60});
        seen.insert(delay.count());
    }
    CHECK(seen.size() > 10); // spread, not one constant
    CHECK(jitter_delay("p", at(0), seconds{0}, at(60)) == seconds{0});
    for (long t = 0; t < 1000; ++t)
        CHECK(jitter_delay("p", at(t), seconds{30}, std::nullopt) < seconds{30});
}

TEST_CASE("a jittered run waits for its delay and the plan wakes up for it") {
    TempDir dir;
    RunStore store(dir.root());
    ScheduleSpec spec = every(3600);
    spec.jitter = seconds{600};
    const auto delay = jitter_delay("p", at(3600), seconds{600}, at(7200));
    REQUIRE(delay > seconds{0});
    FirePlan plan("p", spec, store, at(1));
    CHECK(plan.tick(at(3600)).empty());
    CHECK(state_at(store, "p", at(3600)) == RunState::pending);
    CHECK(plan.next_wakeup() == at(3600) + delay);
    CHECK(plan.tick(at(3600) + delay - seconds{1}).empty());
    const auto started = plan.tick(at(3600) + delay);
    REQUIRE(ids_of(started, ActionKind::start) == std::vector{make_run_id("p", at(3600))});
    CHECK(started.front().run.fired == at(3600) + delay);
}

TEST_CASE("nominal times passing while paused are neither run nor recorded") {
    TempDir dir;
    RunStore store(dir.root());
    ScheduleSpec spec = every(60);
    spec.paused = true;
    FirePlan plan("p", spec, store, at(1));
    CHECK(plan.paused());
    CHECK(plan.tick(at(60)).empty());
    CHECK(plan.tick(at(120)).empty());
    CHECK(plan.next_wakeup() == std::nullopt);
    plan.resume(at(150));
    CHECK(store.runs("p").empty());
    CHECK(plan.next_wakeup() == at(180));
    CHECK(ids_of(plan.tick(at(180)), ActionKind::start) == std::vector{make_run_id("p", at(180))});
    plan.pause();
    CHECK(plan.tick(at(240)).empty());
    CHECK_FALSE(state_at(store, "p", at(240)));
    CHECK(store.runs("p").size() == 1);
}

TEST_CASE("a trigger starts at once even while a run is running") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(1));
    REQUIRE(ids_of(plan.tick(at(60)), ActionKind::start).size() == 1);
    const auto result = plan.trigger(std::nullopt, at(75));
    REQUIRE(result.start);
    CHECK(result.start->kind == ActionKind::start);
    CHECK(result.start->run.run_id == make_run_id("p", at(75)));
    CHECK(result.start->run.reason == RunReason::trigger);
    CHECK(state_at(store, "p", at(75)) == RunState::running);
    CHECK(plan.running().size() == 2);
}

TEST_CASE("a trigger for a nominal time that has a run is refused") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(1));
    REQUIRE(plan.trigger(at(30), at(2)).start);
    const auto again = plan.trigger(at(30), at(3));
    CHECK_FALSE(again.start);
    CHECK_THAT(again.refused, Catch::Contains(make_run_id("p", at(30))));
    CHECK_THAT(again.refused, Catch::Contains("--at"));
}

TEST_CASE("a scheduled time a trigger already took is not fired a second time") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(1));
    REQUIRE(plan.trigger(at(60), at(2)).start);
    REQUIRE(plan.finished(make_run_id("p", at(60)), succeeded(), at(3)).empty());
    CHECK(plan.tick(at(60)).empty());
    CHECK(store.find("p", make_run_id("p", at(60)))->reason == RunReason::trigger);
    CHECK(plan.next_nominal() == at(120));
}

TEST_CASE("a backfill dry run lists the nominal times without a run and records nothing") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(1));
    REQUIRE(ids_of(plan.tick(at(60)), ActionKind::start).size() == 1);
    REQUIRE(plan.finished(make_run_id("p", at(60)), succeeded(), at(70)).empty());
    const auto times = plan.backfill(at(-120), at(180), true);
    CHECK(times == std::vector{at(-120), at(-60), at(0), at(120), at(180)});
    CHECK(store.runs("p").size() == 1);
    CHECK(plan.tick(at(71)).empty());
}

TEST_CASE("a backfill runs the missing times oldest first, one at a time") {
    TempDir dir;
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(1));
    REQUIRE(ids_of(plan.tick(at(60)), ActionKind::start).size() == 1);
    REQUIRE(plan.finished(make_run_id("p", at(60)), succeeded(), at(70)).empty());
    CHECK(plan.backfill(at(0), at(120), false) == std::vector{at(0), at(120)});
    CHECK(state_at(store, "p", at(0)) == RunState::pending);
    CHECK(store.find("p", make_run_id("p", at(0)))->reason == RunReason::backfill);
    CHECK(ids_of(plan.tick(at(71)), ActionKind::start) == std::vector{make_run_id("p", at(0))});
    CHECK(plan.tick(at(72)).empty());
    CHECK(ids_of(plan.finished(make_run_id("p", at(0)), succeeded(), at(80)), ActionKind::start) ==
          std::vector{make_run_id("p", at(120))});
    CHECK(plan.backfill(at(0), at(120), true).empty());
}
