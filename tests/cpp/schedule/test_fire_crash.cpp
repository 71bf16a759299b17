// Exactly once across crashes: a plan dropped at any step and rebuilt from the same store never
// starts a nominal time twice, and runs left running come back as Resume.
#include "every_seconds.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <memory>

using namespace ferry::schedule;
using namespace ferry::test;

TEST_CASE("a run started before a crash comes back as a Resume of the same run id") {
    TempDir dir;
    std::string started;
    {
        RunStore store(dir.root());
        FirePlan plan("p", every(60), store, at(1));
        started = ids_of(plan.tick(at(60)), ActionKind::start).at(0);
    }
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(61));
    const auto actions = plan.tick(at(61));
    CHECK(ids_of(actions, ActionKind::start).empty());
    CHECK(ids_of(actions, ActionKind::resume) == std::vector{started});
    CHECK(actions.front().run.fired == at(60));
    CHECK(plan.running() == std::vector{started});
    CHECK(plan.tick(at(62)).empty()); // the Resume is returned once
}

TEST_CASE("a run decided but not started before a crash starts once after it") {
    TempDir dir;
    ScheduleSpec spec = every(3600);
    spec.jitter = std::chrono::seconds{600};
    {
        RunStore store(dir.root());
        FirePlan plan("p", spec, store, at(1));
        REQUIRE(plan.tick(at(3600)).empty()); // pending, waiting out its jitter
    }
    RunStore store(dir.root());
    FirePlan plan("p", spec, store, at(3601));
    const auto wake = plan.next_wakeup();
    REQUIRE(wake);
    CHECK(*wake > at(3600));
    CHECK(ids_of(plan.tick(*wake), ActionKind::start) == std::vector{make_run_id("p", at(3600))});
    FirePlan rebuilt("p", spec, store, *wake);
    CHECK(ids_of(rebuilt.tick(*wake), ActionKind::start).empty());
}

TEST_CASE("a finished run is neither resumed nor started again after a restart") {
    TempDir dir;
    {
        RunStore store(dir.root());
        FirePlan plan("p", every(60), store, at(1));
        REQUIRE(ids_of(plan.tick(at(60)), ActionKind::start).size() == 1);
        REQUIRE(plan.finished(make_run_id("p", at(60)), succeeded(), at(70)).empty());
    }
    RunStore store(dir.root());
    FirePlan plan("p", every(60), store, at(70));
    CHECK(plan.tick(at(70)).empty());
    CHECK(ids_of(plan.tick(at(120)), ActionKind::start) == std::vector{make_run_id("p", at(120))});
}

namespace {

// A runner driving a plan every 30 s for ten minutes; each run takes 40 s. With `crash_at`, the
// plan and store are dropped before that step and rebuilt from the directory.
struct Simulation {
    std::map<std::string, int> starts;   // Start actions per run id
    std::map<std::string, int> resumes;  // Resume actions per run id
    std::map<std::string, long> running; // run id -> when the runner started it

    void step(FirePlan& plan, long t) {
        for (const auto& action : plan.tick(at(t)))
            apply(action, t);
        std::vector<std::string> done;
        for (const auto& [id, since] : running)
            if (t - since >= 40)
                done.push_back(id);
        for (const auto& id : done) {
            running.erase(id);
            for (const auto& action : plan.finished(id, succeeded(), at(t)))
                apply(action, t);
        }
    }
    void apply(const Action& action, long t) {
        if (action.kind == ActionKind::start) {
            ++starts[action.run.run_id];
            running[action.run.run_id] = t;
        } else if (action.kind == ActionKind::resume) {
            ++resumes[action.run.run_id];
            CHECK(running.count(action.run.run_id) == 1); // only what was running comes back
        }
    }
};

Simulation simulate(std::optional<long> crash_at, OverlapPolicy overlap) {
    TempDir dir;
    ScheduleSpec spec = every(60);
    spec.overlap = overlap;
    auto store = std::make_unique<RunStore>(dir.root(), 5);
    auto plan = std::make_unique<FirePlan>("p", spec, *store, at(0));
    Simulation sim;
    for (long t = 0; t <= 600; t += 30) {
        if (crash_at == t) {
            plan.reset();
            store = std::make_unique<RunStore>(dir.root(), 5);
            plan = std::make_unique<FirePlan>("p", spec, *store, at(t));
        }
        sim.step(*plan, t);
    }
    return sim;
}

} // namespace

TEST_CASE("a crash at any step never starts a nominal time twice") {
    const auto overlap = GENERATE(OverlapPolicy::skip, OverlapPolicy::allow,
                                  OverlapPolicy::buffer_all, OverlapPolicy::cancel_other);
    const Simulation reference = simulate(std::nullopt, overlap);
    REQUIRE(reference.starts.size() >= 5);
    for (long crash_at = 30; crash_at <= 600; crash_at += 30) {
        INFO("crash before the step at " << crash_at << " s");
        const Simulation sim = simulate(crash_at, overlap);
        for (const auto& [id, count] : sim.starts)
            CHECK(count == 1);
        for (const auto& [id, count] : sim.resumes) {
            CHECK(count == 1);
            CHECK(sim.starts.count(id) == 1);
        }
        CHECK(sim.starts == reference.starts);
    }
}
