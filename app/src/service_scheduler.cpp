// The service's scheduler: one fire plan and run history per pipeline, and the serve loop's and
// the admin commands' view of them.
#include "ferry/app/service_scheduler.hpp"

#include "ferry/app/config_error.hpp"
#include "ferry/app/schedule_timetable.hpp"
#include "service_state.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ferry::app {

using schedule::Action;
using schedule::ActionKind;
using schedule::FirePlan;
using schedule::Instant;
using schedule::RunStore;

namespace {

Instant instant_of(ServiceClock::time_point at) {
    return std::chrono::floor<std::chrono::seconds>(at);
}

schedule::ScheduleSpec spec_of(const PipelineConfig& config) {
    schedule::ScheduleSpec spec;
    spec.timetable = timetable_for(config);
    if (!config.schedule)
        return spec;
    const ScheduleConfig& s = *config.schedule;
    spec.overlap = static_cast<schedule::OverlapPolicy>(s.overlap);
    spec.misfire = static_cast<schedule::MisfirePolicy>(s.misfire);
    spec.catchup_window = std::chrono::seconds(s.catchup_window_s);
    spec.jitter = std::chrono::seconds(s.jitter_s);
    spec.paused = s.paused;
    return spec;
}

} // namespace

ServiceScheduler::ServiceScheduler(const ServiceConfig& config, ServiceClock::time_point now)
    : state_(std::make_unique<SchedulerState>()) {
    for (std::size_t i = 0; i < config.pipelines.size(); ++i) {
        const ServicePipeline& pipeline = config.pipelines[i];
        auto entry = std::make_unique<PipelinePlan>();
        entry->name = pipeline.name;
        entry->index = i;
        entry->timezone = pipeline.config.schedule ? pipeline.config.schedule->timezone : "UTC";
        entry->input_wait = std::chrono::seconds(pipeline.config.input.wait_s);
        entry->spec = spec_of(pipeline.config);
        const std::size_t keep =
            pipeline.config.schedule ? pipeline.config.schedule->keep_runs : 100;
        entry->store = std::make_unique<RunStore>(config.state_dir, keep);
        entry->plan =
            std::make_unique<FirePlan>(pipeline.name, entry->spec, *entry->store, instant_of(now));
        state_->pipelines.push_back(std::move(entry));
    }
}

ServiceScheduler::~ServiceScheduler() = default;

DueRuns ServiceScheduler::tick(ServiceClock::time_point now) {
    std::lock_guard lock(state_->mutex);
    DueRuns due;
    for (auto& pipeline : state_->pipelines) {
        std::vector<Action> actions = pipeline->plan->tick(instant_of(now));
        actions.insert(actions.begin(), std::make_move_iterator(pipeline->queued.begin()),
                       std::make_move_iterator(pipeline->queued.end()));
        pipeline->queued.clear();
        for (Action& action : actions)
            add_due(*pipeline, action, due);
    }
    return due;
}

void ServiceScheduler::finished(const RunResult& result, ServiceClock::time_point now) {
    std::lock_guard lock(state_->mutex);
    PipelinePlan* pipeline = state_->owner_of(result.run_id);
    if (pipeline == nullptr || result.end == RunEnd::interrupted)
        return; // an interrupted run stays running: the next start resumes it
    if (result.end == RunEnd::cancelled)
        return; // recorded cancelled when the plan decided to cancel it
    schedule::RunOutcome outcome;
    outcome.state = result.end == RunEnd::succeeded ? schedule::RunState::succeeded
                                                    : schedule::RunState::failed;
    outcome.counts = {result.ok, result.failed, result.total};
    outcome.output = result.output;
    outcome.cause = result.message;
    std::vector<Action> next = pipeline->plan->finished(result.run_id, outcome, instant_of(now));
    pipeline->queued.insert(pipeline->queued.end(), next.begin(), next.end());
    spdlog::info("run {} {}{}", result.run_id,
                 result.end == RunEnd::succeeded ? "succeeded" : "failed",
                 result.message.empty() ? "" : ": " + result.message);
    state_->wake.notify_all();
}

void ServiceScheduler::wait(ServiceClock::time_point limit) {
    std::unique_lock lock(state_->mutex);
    for (const auto& pipeline : state_->pipelines) {
        if (std::optional<Instant> at = pipeline->plan->next_wakeup())
            limit = std::min(limit, ServiceClock::time_point(*at));
        if (!pipeline->queued.empty())
            return;
    }
    state_->wake.wait_until(lock, limit, [this] { return state_->woken; });
    state_->woken = false;
}

void ServiceScheduler::wake() {
    std::lock_guard lock(state_->mutex);
    state_->woken = true;
    state_->wake.notify_all();
}

ServiceScheduler::Answer ServiceScheduler::answer(std::string_view command,
                                                  std::string_view args_json) {
    std::lock_guard lock(state_->mutex);
    Answer answer = answer_admin(*state_, command, args_json, instant_of(ServiceClock::now()));
    if (answer.ok && command != "runs") {
        state_->woken = true;
        state_->wake.notify_all();
    }
    return answer;
}

void ServiceScheduler::add_due(PipelinePlan& pipeline, const Action& action, DueRuns& due) {
    if (action.kind == ActionKind::cancel) {
        due.cancel.push_back(action.run.run_id);
        return;
    }
    state_->owners[action.run.run_id] = &pipeline;
    RunRequest request;
    request.run_id = action.run.run_id;
    request.nominal = action.run.nominal;
    request.timezone = pipeline.timezone;
    request.resume = action.kind == ActionKind::resume;
    request.input_wait = pipeline.input_wait;
    due.start.push_back(RunStart{pipeline.index, std::move(request)});
}

} // namespace ferry::app
