// `ferry trigger`: asks a `ferry serve` to run a pipeline now, or for a given nominal time.
#include "admin_flags.hpp"
#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_time.hpp"
#include "ferry/app/commands.hpp"

#include <memory>

namespace ferry::app {
namespace {

// Flags of `ferry trigger`.
struct TriggerArgs {
    std::string pipeline; // PIPELINE
    std::string at;       // --at; empty: now
    AdminFlags admin;     // --broker, --timeout, --json
};

// The time is checked here, before anything is sent: a typo is the user's to fix (exit 2), and
// the server gets one canonical form whatever the user typed.
ExitCode trigger(const TriggerArgs& args) {
    AdminArgs request;
    request.text("pipeline", args.pipeline);
    if (!args.at.empty())
        request.text("at", require_admin_time(args.at, "--at"));
    return run_admin(args.admin, "trigger", request.json(), print_reply_message);
}

} // namespace

Subcommand add_trigger_command(CLI::App& app) {
    auto args = std::make_shared<TriggerArgs>();
    CLI::App* cli = app.add_subcommand("trigger", "start a run of a pipeline of a `ferry serve`");
    cli->add_option("PIPELINE", args->pipeline, "the pipeline to run")->required();
    cli->add_option("--at", args->at,
                    "the run's nominal time, ISO 8601 (2026-12-03T02:00:00Z, an offset, or "
                    "2026-12-03T02:00 meaning UTC); default: now");
    add_admin_flags(*cli, args->admin);
    return {cli, [args](const std::atomic<bool>&) { return trigger(*args); }};
}

} // namespace ferry::app
