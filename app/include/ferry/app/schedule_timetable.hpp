// A pipeline's timetable from its `schedule` section: cron or every, in its zone.
#pragma once

#include "ferry/app/pipeline_config.hpp"
#include "ferry/schedule/timetable.hpp"

#include <memory>

namespace ferry::app {

// The pipeline's nominal times; a pipeline without `schedule` has none (it runs when triggered).
// A bad cron expression, interval or zone is a ConfigError at file:line:col of the value, naming
// the cron field that is wrong or the zones nearest to the one given.
[[nodiscard]] std::shared_ptr<const schedule::Timetable>
timetable_for(const PipelineConfig& config);

} // namespace ferry::app
