// The producer's multi-stage path: an input record starts an item, each stage outcome submits
// the next stage's jobs, and an item's record is written once its every branch ended.
#include "ferry/producer/producer.hpp"

namespace ferry::producer {

void Producer::start_item(InputRecord record) {
    take_step(stage_run_->start(std::move(record), Clock::now()));
}

// A stage outcome is counted for its stage (and its aggregates) when it arrives; the broker
// keeps it until the item's record is written, so a resumed run finds every earlier stage's
// outcome still there and no stage runs twice.
void Producer::advance_item(const std::string& id, const wire::OutcomeView& outcome,
                            std::optional<Delivery> delivery) {
    StageOutcome stage_outcome{outcome.ok,
                               outcome.result.value_or(std::string_view{}),
                               outcome.error.value_or(wire::Error{}),
                               outcome.causes,
                               outcome.attempts,
                               outcome.ms.value_or(0.0),
                               outcome.worker.value_or(std::string_view{}),
                               delivery};
    std::optional<StageStep> step = stage_run_->advance(id, stage_outcome, Clock::now());
    if (!step) {
        summary_.count_duplicate();
        return;
    }
    JobOutcome job;
    job.id = id;
    job.ok = outcome.ok;
    job.result = stage_outcome.result;
    job.error = stage_outcome.error;
    job.attempts = outcome.attempts;
    job.ms = stage_outcome.ms;
    job.queue_ms = outcome.queue_ms;
    job.handler_ms = outcome.handler_ms;
    summary_.record_stage(step->stage, job, step->captured_values(),
                          std::chrono::duration<double>(Clock::now() - run_started_).count());
    take_step(std::move(*step));
}

// The step's jobs join the batch being built (they are sent whatever the window: they belong
// to items already inside it), and a finished item is written.
void Producer::take_step(StageStep step) {
    for (StageJob& stage_job : step.jobs) {
        building_.push_back(stage_job.id);
        wire::SubmitJob job{
            stage_job.id,      std::move(stage_job.type), std::move(stage_job.payload),
            options_.priority, options_.timeout_ms,       options_.max_attempts};
        outstanding_.emplace(std::move(stage_job.id),
                             Outstanding{stage_job.index, {}, std::move(job)});
    }
    if (step.finished)
        record_outcome(step.finished->bound(), step.finished->captured);
}

} // namespace ferry::producer
