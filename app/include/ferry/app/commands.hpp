// The subcommands of `ferry`: each registers its flags and returns what runs when it is chosen.
#pragma once

#include "ferry/app/exit_code.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>

namespace ferry::app {

// A registered subcommand: its CLI11 node (to ask whether it was chosen) and its body. The body
// gets the one stop flag SIGINT/SIGTERM set (see stop_signal.hpp) and returns the exit code;
// problems the user must fix are thrown (ConfigError, InputError) and reported by run_cli.
struct Subcommand {
    CLI::App* cli = nullptr;                               // the subcommand's parser
    std::function<ExitCode(const std::atomic<bool>&)> run; // runs it once parsed
};

// One function per subcommand, one file each in app/src/commands/. A new subcommand is a new
// file there with an add_*_command function, listed in run_cli (cli.cpp).
[[nodiscard]] Subcommand add_run_command(CLI::App& app);    // `ferry run`
[[nodiscard]] Subcommand add_submit_command(CLI::App& app); // `ferry submit`
[[nodiscard]] Subcommand add_broker_command(CLI::App& app); // `ferry broker`
[[nodiscard]] Subcommand add_status_command(CLI::App& app); // `ferry status`
[[nodiscard]] Subcommand add_serve_command(CLI::App& app);  // `ferry serve`
// The pipeline commands: ADMIN requests to the scheduler of a `ferry serve` (admin_flags.hpp).
[[nodiscard]] Subcommand add_runs_command(CLI::App& app);     // `ferry runs`
[[nodiscard]] Subcommand add_trigger_command(CLI::App& app);  // `ferry trigger`
[[nodiscard]] Subcommand add_pause_command(CLI::App& app);    // `ferry pause`
[[nodiscard]] Subcommand add_resume_command(CLI::App& app);   // `ferry resume`
[[nodiscard]] Subcommand add_backfill_command(CLI::App& app); // `ferry backfill`
[[nodiscard]] Subcommand add_keygen_command(CLI::App& app);   // `ferry keygen`
[[nodiscard]] Subcommand add_worker_command(CLI::App& app);   // `ferry worker`

// Parses the command line, sets up logging and the stop signals, runs the chosen subcommand and
// turns what it throws into a message on stderr and an exit code.
[[nodiscard]] ExitCode run_cli(int argc, char** argv);

} // namespace ferry::app
