// The `ferry run` and `ferry submit` subcommands: flag registration and execution.
#pragma once

#include "ferry/producer/producer_session.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <string>

namespace ferry::producer {

// Flags of `run` and `submit`, filled by CLI11.
struct PipelineArgs {
    std::string config;  // CONFIG
    std::string broker;  // --broker (submit only): the broker's producer endpoint
    SessionArgs session; // --input, --output, --summary-json, --resume, --json
};

// Registers a subcommand's flags on `command`.
void add_run_flags(CLI::App& command, PipelineArgs& args);
void add_submit_flags(CLI::App& command, PipelineArgs& args);

// Runs them; return the process exit code. `stop` is set by SIGINT/SIGTERM.
[[nodiscard]] int run_command(const PipelineArgs& args, const std::atomic<bool>& stop);
[[nodiscard]] int submit_command(const PipelineArgs& args, const std::atomic<bool>& stop);

} // namespace ferry::producer
