// The overlap policies: what a nominal time does when it comes due while a run is running.
#include "every_seconds.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using namespace ferry::test;

namespace {

const std::string first = make_run_id("p", at(60));
const std::string second = make_run_id("p", at(120));
const std::string third = make_run_id("p", at(180));

struct Fixture {
    TempDir dir;
    RunStore store{dir.root()};

    FirePlan plan_with(OverlapPolicy overlap) {
        ScheduleSpec spec = every(60);
        spec.overlap = overlap;
        FirePlan plan("p", spec, store, at(1));
        CHECK(plan.tick(at(1)).empty());
        CHECK(ids_of(plan.tick(at(60)), ActionKind::start) == std::vector{first});
        return plan;
    }
};

} // namespace

TEST_CASE("a nominal time due while a run is running is skipped by default") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::skip);
    CHECK(plan.tick(at(120)).empty());
    CHECK(state_at(f.store, "p", at(120)) == RunState::skipped_overlap);
    CHECK(f.store.find("p", second)->cause == first + " was still running");
    CHECK(plan.finished(first, succeeded(), at(130)).empty());
    CHECK(state_at(f.store, "p", at(60)) == RunState::succeeded);
    CHECK(ids_of(plan.tick(at(180)), ActionKind::start) == std::vector{third});
}

TEST_CASE("buffer_one holds one run back and skips a further one") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::buffer_one);
    CHECK(plan.tick(at(120)).empty());
    CHECK(state_at(f.store, "p", at(120)) == RunState::pending);
    CHECK(plan.tick(at(180)).empty());
    CHECK(state_at(f.store, "p", at(180)) == RunState::skipped_overlap);
    const auto started = plan.finished(first, succeeded(), at(190));
    CHECK(ids_of(started, ActionKind::start) == std::vector{second});
    CHECK(started.front().run.fired == at(190));
    CHECK(state_at(f.store, "p", at(120)) == RunState::running);
}

TEST_CASE("buffer_all starts every held-back run in order, one after another") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::buffer_all);
    CHECK(plan.tick(at(120)).empty());
    CHECK(plan.tick(at(180)).empty());
    CHECK(ids_of(plan.finished(first, succeeded(), at(190)), ActionKind::start) ==
          std::vector{second});
    CHECK(state_at(f.store, "p", at(180)) == RunState::pending);
    CHECK(ids_of(plan.finished(second, succeeded(), at(200)), ActionKind::start) ==
          std::vector{third});
}

TEST_CASE("allow starts a run while another is running") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::allow);
    CHECK(ids_of(plan.tick(at(120)), ActionKind::start) == std::vector{second});
    CHECK(plan.running() == std::vector{first, second});
}

TEST_CASE("cancel_other cancels the running run and starts the new one") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::cancel_other);
    const auto actions = plan.tick(at(120));
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].kind == ActionKind::cancel);
    CHECK(actions[0].run.run_id == first);
    CHECK(actions[1].kind == ActionKind::start);
    CHECK(actions[1].run.run_id == second);
    CHECK(state_at(f.store, "p", at(60)) == RunState::cancelled);
    // The cancelled run's late end report changes nothing.
    CHECK(plan.finished(first, succeeded(), at(125)).empty());
    CHECK(state_at(f.store, "p", at(60)) == RunState::cancelled);
    CHECK(plan.running() == std::vector{second});
}

TEST_CASE("a failed run is recorded with its counts, output and cause") {
    Fixture f;
    FirePlan plan = f.plan_with(OverlapPolicy::skip);
    CHECK(plan.finished(first, {RunState::failed, {3, 2, 5}, "o.jsonl", "2 jobs failed"}, at(70))
              .empty());
    const auto run = *f.store.find("p", first);
    CHECK(run.state == RunState::failed);
    CHECK(run.counts.failed == 2);
    CHECK(run.output == "o.jsonl");
    CHECK(run.cause == "2 jobs failed");
    CHECK(run.fired == at(60));
    CHECK(run.ended == at(70));
}
