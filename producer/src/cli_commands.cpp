// `ferry run` and `ferry submit`: configuration, the embedded broker and pools, the producer.
#include "ferry/producer/cli_commands.hpp"

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/config_file.hpp"
#include "ferry/broker/endpoint.hpp"
#include "ferry/producer/embedded_broker.hpp"
#include "ferry/producer/local_pools.hpp"
#include "ferry/producer/pool_startup.hpp"
#include "ferry/producer/python_finder.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ferry::producer {
namespace {

constexpr int pool_drain_grace_ms = 10000; // pools answer what they hold, then are killed

void add_session_flags(CLI::App& command, PipelineArgs& args) {
    command.add_option("CONFIG", args.config, "pipeline YAML file")->required();
    command.add_option(
        "--input", args.session.input,
        "JSONL file, directory (one job per file) or - for stdin; overrides input.path");
    command.add_option("--output", args.session.output,
                       "output file (one record per job); overrides output.path");
    command.add_option("--summary-json", args.session.summary_json,
                       "also write the summary as JSON to this file");
    command.add_flag("--resume", args.session.resume,
                     "skip jobs already in the output and complete the rest");
    command.add_flag("--json", args.session.json, "print the summary as JSON on stdout");
}

// Where submit's broker address came from, for messages.
std::string endpoint_source(const PipelineArgs& args) {
    if (!args.broker.empty())
        return "--broker";
    if (const char* env = std::getenv("FERRY_PRODUCERS_ENDPOINT"); env != nullptr && *env != '\0')
        return "FERRY_PRODUCERS_ENDPOINT";
    return "broker.producers_endpoint in " + args.config + ", the default of --broker";
}

} // namespace

void add_run_flags(CLI::App& command, PipelineArgs& args) {
    add_session_flags(command, args);
}

void add_submit_flags(CLI::App& command, PipelineArgs& args) {
    add_session_flags(command, args);
    command.add_option("--broker", args.broker,
                       "the broker's producer endpoint; default broker.producers_endpoint "
                       "(env FERRY_PRODUCERS_ENDPOINT)");
}

int submit_command(const PipelineArgs& args, const std::atomic<bool>& stop) {
    const std::string text = broker::read_config_file(args.config);
    PipelineConfig pipeline = load_pipeline_config(args.config, text);
    broker::BrokerConfig broker_config = broker::load_broker_config(args.config, text);
    std::string endpoint = args.broker.empty() ? broker_config.producers_endpoint : args.broker;
    broker::require_connectable(endpoint, endpoint_source(args));
    std::optional<SessionPlan> plan = prepare_session(pipeline, args.session);
    if (!plan)
        return exit_usage;
    zmq::context_t context(1);
    spdlog::info("submitting to the broker at {}", endpoint);
    return run_session(context, pipeline, *plan, endpoint, args.session, stop);
}

// Everything that can be refused is checked before anything starts: the config, the paths and
// the input, the interpreters. The embedded broker runs on its own thread with the same code as
// `ferry broker`; the pools start once its sockets are bound, and the output is opened only when
// every pool has set up its handlers and the input's type is served. Pools are stopped (drained)
// before the broker.
int run_command(const PipelineArgs& args, const std::atomic<bool>& stop) {
    const std::string text = broker::read_config_file(args.config);
    PipelineConfig pipeline = load_pipeline_config(args.config, text);
    broker::BrokerConfig broker_config = broker::load_broker_config(args.config, text);
    // The embedded broker stops after the producer is done: whatever it still holds then has
    // no one waiting for it (an interrupted run resumes from the output), so it need not wait.
    broker_config.shutdown_grace_s = 0;
    std::optional<SessionPlan> plan = prepare_session(pipeline, args.session);
    if (!plan)
        return exit_usage;
    const std::vector<std::string> interpreters = choose_interpreters(pipeline.workers);
    if (pipeline.workers.empty()) {
        spdlog::warn("{} has no `workers` pools: jobs wait for workers started elsewhere "
                     "(python3 -m ferry_worker --broker ...)",
                     args.config);
    }
    EmbeddedBroker broker(broker_config);
    spdlog::info("embedded broker: producers {} workers {}", broker.producers_endpoint(),
                 broker.workers_endpoint());
    LocalPools pools;
    pools.start(pipeline.workers, interpreters, broker.workers_endpoint());
    int code = await_pools(pools, pipeline, broker.producers_endpoint(), stop);
    if (code == exit_ok) {
        zmq::context_t context(1);
        code = run_session(context, pipeline, *plan, broker.producers_endpoint(), args.session,
                           stop, [&pools] { pools.check_alive(); });
    }
    pools.stop(pool_drain_grace_ms);
    broker.stop();
    return code;
}

} // namespace ferry::producer
