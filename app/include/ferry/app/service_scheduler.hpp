// The scheduler of `ferry serve`: every pipeline's fire plan and run history, behind one lock,
// answering the serve loop (what to start or cancel now) and the admin commands alike.
#pragma once

#include "ferry/app/pipeline_runner.hpp"
#include "ferry/app/service_config.hpp"
#include "ferry/broker/admin_service.hpp"
#include "ferry/schedule/fire_plan.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::app {

using ServiceClock = std::chrono::system_clock;

// A run the serve loop must start now: which pipeline, and the request for the runner.
struct RunStart {
    std::size_t pipeline = 0; // index into ServiceConfig::pipelines
    RunRequest request;       // id, nominal time, resume or fresh
};

// What is due now.
struct DueRuns {
    std::vector<RunStart> start;     // fresh runs (their fire is on disk) and resumed ones
    std::vector<std::string> cancel; // runs to stop (overlap: cancel_other)
};

// An admin request's answer: a JSON reply, or a message (and an error code) when refused.
using ServiceAnswer = broker::AdminAnswer;

struct SchedulerState;
struct PipelinePlan;

// Also the broker's admin service: `ferry runs/trigger/pause/resume/backfill` reach it through
// the broker's producer port, and are answered on the broker's thread under the one lock.
class ServiceScheduler : public broker::AdminService {
  public:
    // Builds each pipeline's timetable (a ConfigError names file:line:col of a bad cron,
    // interval or zone) and reads its history from `<state_dir>/runs`.
    ServiceScheduler(const ServiceConfig& config, ServiceClock::time_point now);
    ~ServiceScheduler() override;

    // Runs to start or cancel at `now`; a fresh run's record is fsynced before it is returned.
    [[nodiscard]] DueRuns tick(ServiceClock::time_point now);
    // Records how a run ended (an interrupted run stays running: the next start resumes it).
    void finished(const RunResult& result, ServiceClock::time_point now);
    // Waits until the next nominal time, an admin request that changed something, wake(), or
    // `limit`.
    void wait(ServiceClock::time_point limit);
    // Ends a wait now (a run ended: its successor may start). Any thread.
    void wake();
    // Answers an admin request (runs, trigger, pause, resume, backfill): a JSON reply, or a
    // message when refused.
    using Answer = ServiceAnswer;
    [[nodiscard]] Answer answer(std::string_view command, std::string_view args_json) override;

  private:
    void add_due(PipelinePlan& pipeline, const schedule::Action& action, DueRuns& due);

    std::unique_ptr<SchedulerState> state_; // plans, stores, the lock and the wake-up
};

} // namespace ferry::app
