// The flags `ferry run` and `ferry submit` share: the config file and the session's overrides.
#pragma once

#include "ferry/app/producer_session.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace ferry::app {

// Flags of `run` and `submit`, filled by CLI11.
struct PipelineArgs {
    std::string config;  // CONFIG
    std::string broker;  // --broker (submit only): the broker's producer endpoint
    SessionArgs session; // --input, --output, --summary-json, --resume, --json
};

// Registers CONFIG, --input, --output, --summary-json, --resume and --json on `command`.
void add_session_flags(CLI::App& command, PipelineArgs& args);

} // namespace ferry::app
