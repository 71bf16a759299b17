// Conversions between the owned and the borrowed forms of the hot messages (messages.hpp).
#pragma once

#include "ferry/wire/messages.hpp"

#include <string>
#include <string_view>

namespace ferry::wire {

// A view of an owned submitted job; valid while `job` is.
[[nodiscard]] inline SubmitJobView view_of(const SubmitJob& job) {
    return SubmitJobView{job.id,       job.type,       job.payload,
                         job.priority, job.timeout_ms, job.max_attempts};
}

// A view of an owned result; valid while `result` is.
[[nodiscard]] inline ResultView view_of(const Result& result) {
    ResultView view{result.id, result.ok, std::nullopt, result.error, result.ms};
    if (result.result) {
        view.result = std::string_view(*result.result);
    }
    return view;
}

// Views of owned results; valid while `results` is.
[[nodiscard]] inline ResultsView view_of(const Results& results) {
    ResultsView view{{}, results.credit};
    view.results.reserve(results.results.size());
    for (const auto& result : results.results) {
        view.results.push_back(view_of(result));
    }
    return view;
}

// An owned copy of a borrowed outcome.
[[nodiscard]] inline Outcome to_owned(const OutcomeView& view) {
    Outcome outcome{std::string(view.id), view.ok, std::nullopt, view.error,    view.attempts,
                    view.causes,          view.ms, std::nullopt, view.queue_ms, view.handler_ms};
    if (view.result) {
        outcome.result.emplace(*view.result);
    }
    if (view.worker) {
        outcome.worker.emplace(*view.worker);
    }
    return outcome;
}

} // namespace ferry::wire
