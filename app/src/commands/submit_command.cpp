// `ferry submit CONFIG`: submits an input to a running broker and writes the outcomes.
#include "ferry/app/broker_config.hpp"
#include "ferry/app/commands.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/endpoint.hpp"
#include "ferry/app/pipeline_config.hpp"
#include "key_flags.hpp"
#include "session_flags.hpp"

#include <cstdlib>
#include <memory>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

// Where submit's broker address came from, for messages.
std::string endpoint_source(const PipelineArgs& args) {
    if (!args.broker.empty())
        return "--broker";
    if (const char* env = std::getenv("FERRY_PRODUCERS_ENDPOINT"); env != nullptr && *env != '\0')
        return "FERRY_PRODUCERS_ENDPOINT";
    return "broker.producers_endpoint in " + args.config + ", the default of --broker";
}

ExitCode submit(PipelineArgs args, const KeyFlags& keys, const std::atomic<bool>& stop) {
    args.session.curve = keys.curve();
    const std::string text = read_config_file(args.config);
    PipelineConfig pipeline = load_pipeline_config(args.config, text);
    BrokerConfig broker_config = load_broker_config(args.config, text);
    std::string endpoint = args.broker.empty() ? broker_config.producers_endpoint : args.broker;
    require_connectable(endpoint, endpoint_source(args));
    std::optional<SessionPlan> plan = prepare_session(pipeline, args.session);
    if (!plan)
        return ExitCode::usage;
    zmq::context_t context(1);
    spdlog::info("submitting to the broker at {}", endpoint);
    return run_session(context, pipeline, *plan, endpoint, args.session, stop);
}

} // namespace

Subcommand add_submit_command(CLI::App& app) {
    auto args = std::make_shared<PipelineArgs>();
    auto keys = std::make_shared<KeyFlags>();
    CLI::App* cli = app.add_subcommand("submit", "submit an input to a running broker");
    add_session_flags(*cli, *args);
    cli->add_option("--broker", args->broker,
                    "the broker's producer endpoint; default broker.producers_endpoint "
                    "(env FERRY_PRODUCERS_ENDPOINT)");
    add_key_flags(*cli, *keys);
    return {cli,
            [args, keys](const std::atomic<bool>& stop) { return submit(*args, *keys, stop); }};
}

} // namespace ferry::app
