// `ferry backfill`: asks a `ferry serve` for the runs of a pipeline over a past time range.
#include "admin_flags.hpp"
#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_time.hpp"
#include "ferry/app/commands.hpp"
#include "ferry/app/config_error.hpp"

#include <memory>

namespace ferry::app {
namespace {

// Flags of `ferry backfill`.
struct BackfillArgs {
    std::string pipeline; // PIPELINE
    std::string from;     // --from
    std::string to;       // --to
    bool dry_run = false; // --dry-run: list the runs, start none
    AdminFlags admin;     // --broker, --timeout, --json
};

ExitCode backfill(const BackfillArgs& args) {
    const std::string from = require_admin_time(args.from, "--from");
    const std::string to = require_admin_time(args.to, "--to");
    // Normalised times in one fixed format compare as text.
    if (to < from)
        throw ConfigError("--to " + to + " is before --from " + from +
                          "; give the range oldest first");
    const std::string request = AdminArgs()
                                    .text("pipeline", args.pipeline)
                                    .text("from", from)
                                    .text("to", to)
                                    .flag("dry_run", args.dry_run)
                                    .json();
    return run_admin(args.admin, "backfill", request, print_reply_message);
}

} // namespace

Subcommand add_backfill_command(CLI::App& app) {
    auto args = std::make_shared<BackfillArgs>();
    CLI::App* cli = app.add_subcommand(
        "backfill", "run a pipeline of a `ferry serve` for every nominal time in a past range");
    cli->add_option("PIPELINE", args->pipeline, "the pipeline")->required();
    cli->add_option("--from", args->from, "first nominal time, ISO 8601 (as --at of trigger)")
        ->required();
    cli->add_option("--to", args->to, "last nominal time, ISO 8601")->required();
    cli->add_flag("--dry-run", args->dry_run, "list the runs it would start, start none");
    add_admin_flags(*cli, args->admin);
    return {cli, [args](const std::atomic<bool>&) { return backfill(*args); }};
}

} // namespace ferry::app
