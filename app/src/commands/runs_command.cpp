// `ferry runs`: the pipelines of a `ferry serve` and their recent runs, as a table or as JSON.
#include "admin_flags.hpp"
#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_render.hpp"
#include "ferry/app/commands.hpp"

#include <iostream>
#include <memory>

namespace ferry::app {
namespace {

// Flags of `ferry runs`.
struct RunsArgs {
    std::string pipeline; // PIPELINE; empty: every pipeline
    long long limit = 0;  // --limit; 0: the server's default
    AdminFlags admin;     // --broker, --timeout, --json
};

ExitCode show_runs(const RunsArgs& args) {
    AdminArgs request;
    if (!args.pipeline.empty())
        request.text("pipeline", args.pipeline);
    if (args.limit > 0)
        request.number("limit", args.limit);
    return run_admin(args.admin, "runs", request.json(),
                     [](const std::string& reply) { write_runs_table(std::cout, reply); });
}

} // namespace

Subcommand add_runs_command(CLI::App& app) {
    auto args = std::make_shared<RunsArgs>();
    CLI::App* cli =
        app.add_subcommand("runs", "scheduled pipelines of a `ferry serve` and their recent runs");
    cli->add_option("PIPELINE", args->pipeline, "only this pipeline (default: all)");
    cli->add_option("--limit", args->limit, "at most N runs per pipeline, most recent first")
        ->check(CLI::PositiveNumber);
    add_admin_flags(*cli, args->admin);
    return {cli, [args](const std::atomic<bool>&) { return show_runs(*args); }};
}

} // namespace ferry::app
