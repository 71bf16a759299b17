// One producer run from start to summary: check input, resume, submit, write, report.
#pragma once

#include "ferry/app/exit_code.hpp"
#include "ferry/app/pipeline_config.hpp"
#include "ferry/producer/input_check.hpp"
#include "ferry/producer/run_summary.hpp"
#include "ferry/security/client_keys.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

namespace ferry::app {

// Command-line overrides of the config, and what to report.
struct SessionArgs {
    std::optional<std::string> input;        // --input
    std::optional<std::string> output;       // --output
    std::optional<std::string> summary_json; // --summary-json
    bool resume = false;                     // --resume
    bool json = false;                       // --json: summary as JSON on stdout
    bool quiet = false; // a service's run: no progress display, the summary goes to the log
    std::function<void(const producer::RunSummary&)> report; // gets the summary at the end
    security::ClientCurve curve; // CURVE keys for the broker (disabled: plain connection)
};

// What the checks before a run settled; nothing has been created yet.
struct SessionPlan {
    std::string input_path;             // "-" is stdin
    std::string output_path;            // "-" is stdout
    std::optional<std::uint64_t> total; // record count, when the input was checked beforehand
    std::shared_ptr<producer::CheckedInput> checked; // the checked items (null: stdin, unchecked)
    double waited_s = 0; // spent waiting for workers before the session (ferry run's pools)
};

// Checks everything a run needs that can be checked without running it: the paths (see
// check_session_paths) and every record of an input that is not stdin, read once: the records
// are kept packed for run_session (in a scratch file), which does not read the input again.
// Creates and truncates nothing the user named. Problems are reported on stderr and give nullopt
// (exit 2); unusable paths throw InputError.
[[nodiscard]] std::optional<SessionPlan> prepare_session(const PipelineConfig& config,
                                                         const SessionArgs& args);

// Opens the output (truncating it unless resuming) and its client file, runs the producer
// against `endpoint` and returns the exit code. `health_check` runs about once a second and may
// throw to abort the run (e.g. every local worker pool died).
[[nodiscard]] ExitCode run_session(zmq::context_t& context, const PipelineConfig& config,
                                   const SessionPlan& plan, const std::string& endpoint,
                                   const SessionArgs& args, const std::atomic<bool>& stop,
                                   const std::function<void()>& health_check = {});

// prepare_session, then run_session.
[[nodiscard]] ExitCode run_producer_session(zmq::context_t& context, const PipelineConfig& config,
                                            const std::string& endpoint, const SessionArgs& args,
                                            const std::atomic<bool>& stop,
                                            const std::function<void()>& health_check = {});

} // namespace ferry::app
