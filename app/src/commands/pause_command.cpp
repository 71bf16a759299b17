// `ferry pause` and `ferry resume`: stop and restart the schedule of a pipeline of `ferry serve`.
#include "admin_flags.hpp"
#include "ferry/app/admin_client.hpp"
#include "ferry/app/commands.hpp"

#include <memory>

namespace ferry::app {
namespace {

// Flags of `ferry pause` and `ferry resume`.
struct PauseArgs {
    std::string pipeline; // PIPELINE
    AdminFlags admin;     // --broker, --timeout, --json
};

// The two commands are mirror images: one name, one request, the same flags.
Subcommand add_schedule_switch(CLI::App& app, const std::string& name,
                               const std::string& description) {
    auto args = std::make_shared<PauseArgs>();
    CLI::App* cli = app.add_subcommand(name, description);
    cli->add_option("PIPELINE", args->pipeline, "the pipeline")->required();
    add_admin_flags(*cli, args->admin);
    return {cli, [args, name](const std::atomic<bool>&) {
                return run_admin(args->admin, name,
                                 AdminArgs().text("pipeline", args->pipeline).json(),
                                 print_reply_message);
            }};
}

} // namespace

Subcommand add_pause_command(CLI::App& app) {
    return add_schedule_switch(app, "pause",
                               "stop scheduling new runs of a pipeline (a running one finishes)");
}

Subcommand add_resume_command(CLI::App& app) {
    return add_schedule_switch(app, "resume", "schedule a paused pipeline again");
}

} // namespace ferry::app
