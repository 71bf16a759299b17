// What the service scheduler holds, shared by its loop side and its admin answers.
#pragma once

#include "ferry/app/service_scheduler.hpp"
#include "ferry/schedule/fire_plan.hpp"
#include "ferry/schedule/run_store.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::app {

// One pipeline's plan, history and what its runs need from its config.
struct PipelinePlan {
    std::string name;                          // the pipeline
    std::size_t index = 0;                     // in ServiceConfig::pipelines
    std::string timezone = "UTC";              // of its path templates
    std::chrono::seconds input_wait{0};        // input.wait
    schedule::ScheduleSpec spec;               // timetable and policies
    std::unique_ptr<schedule::RunStore> store; // durable history
    std::unique_ptr<schedule::FirePlan> plan;  // what fires when
    std::vector<schedule::Action> queued;      // from finished/trigger, for the next tick
};

struct SchedulerState {
    std::mutex mutex;                                     // guards everything here
    std::condition_variable wake;                         // an admin change: tick now
    bool woken = false;                                   // set with `wake`
    std::vector<std::unique_ptr<PipelinePlan>> pipelines; // in config order
    std::map<std::string, PipelinePlan*> owners;          // run id -> its pipeline

    // The pipeline a run belongs to: by the runs started, else by the id's `pipeline@` prefix.
    [[nodiscard]] PipelinePlan* owner_of(const std::string& run_id);
    [[nodiscard]] PipelinePlan* named(std::string_view name);
};

// Answers `runs`, `trigger`, `pause`, `resume` and `backfill` (service_answers.cpp); called with
// the state's mutex held.
[[nodiscard]] ServiceAnswer answer_admin(SchedulerState& state, std::string_view command,
                                         std::string_view args_json, schedule::Instant now);

} // namespace ferry::app
