// `ferry broker CONFIG`: the broker alone, until SIGTERM or SIGINT.
#pragma once

#include <string>

namespace ferry::broker {

// Loads the config (ConfigError on a bad one), binds, prints the machine-readable line
//   ferry broker: producers=ENDPOINT workers=ENDPOINT
// on stdout once bound, runs until SIGTERM/SIGINT and the shutdown grace, and returns 0.
// Logs go to stderr through spdlog. System failures throw.
int run_broker_command(const std::string& config_path);

// Sends spdlog's default output to stderr, so stdout carries only machine-readable lines.
void log_to_stderr();

} // namespace ferry::broker
