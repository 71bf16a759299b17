// The `ferry` command line: global flags, the subcommands, logging, stop signals, errors.
#include "ferry/app/commands.hpp"
#include "ferry/app/config_error.hpp"
#include "ferry/app/embedded_broker.hpp"
#include "ferry/app/stop_signal.hpp"
#include "ferry/app/version.hpp"
#include "ferry/producer/input_reader.hpp"
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/producer.hpp"
#include "ferry/security/curve_keys.hpp"

#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <vector>

namespace ferry::app {
namespace {

// Runs the chosen subcommand; what the user must fix is exit 2, an output that cannot be
// written exit 4, anything else exit 1.
ExitCode run_chosen(const std::vector<Subcommand>& commands) {
    try {
        for (const auto& command : commands) {
            if (command.cli->parsed())
                return command.run(stop_flag());
        }
    } catch (const producer::ClientInUseError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    } catch (const producer::InputError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    } catch (const producer::OutputError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::output;
    } catch (const ConfigError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    } catch (const security::KeyError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    } catch (const BrokerStartError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::internal;
    }
    return ExitCode::usage;
}

} // namespace

ExitCode run_cli(int argc, char** argv) {
    CLI::App app{"Ferry: batch jobs from a native core to Python AI workers over ZeroMQ"};
    app.require_subcommand(1);
    app.set_version_flag("--version", version_line(), "print the version, protocol and commit");
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    const std::vector<Subcommand> commands{
        add_run_command(app),      add_submit_command(app), add_broker_command(app),
        add_status_command(app),   add_serve_command(app),  add_runs_command(app),
        add_trigger_command(app),  add_pause_command(app),  add_resume_command(app),
        add_backfill_command(app), add_keygen_command(app), add_worker_command(app)};
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? ExitCode::ok : ExitCode::usage;
    }
    spdlog::set_default_logger(spdlog::stderr_color_mt("ferry"));
    spdlog::set_level(spdlog::level::from_str(log_level));
    install_stop_signals();
    return run_chosen(commands);
}

} // namespace ferry::app
