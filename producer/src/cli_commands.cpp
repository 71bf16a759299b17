// `ferry run` and `ferry submit`: configuration, the embedded broker and pools, the producer.
#include "ferry/producer/cli_commands.hpp"

#include "ferry/broker/broker_config.hpp"
#include "ferry/producer/embedded_broker.hpp"
#include "ferry/producer/local_pools.hpp"

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
    PipelineConfig pipeline = load_pipeline_config(args.config);
    broker::BrokerConfig broker_config = broker::load_broker_config(args.config);
    std::string endpoint = args.broker.empty() ? broker_config.producers_endpoint : args.broker;
    zmq::context_t context(1);
    spdlog::info("submitting to the broker at {}", endpoint);
    return run_producer_session(context, pipeline, endpoint, args.session, stop);
}

// The embedded broker runs on its own thread with the same code as `ferry broker`; the pools
// are started once its sockets are bound, and stopped (drained) before the broker.
int run_command(const PipelineArgs& args, const std::atomic<bool>& stop) {
    PipelineConfig pipeline = load_pipeline_config(args.config);
    broker::BrokerConfig broker_config = broker::load_broker_config(args.config);
    // The embedded broker stops after the producer is done: whatever it still holds then has
    // no one waiting for it (an interrupted run resumes from the output), so it need not wait.
    broker_config.shutdown_grace_s = 0;
    if (pipeline.workers.empty()) {
        spdlog::warn("{} has no `workers` pools: jobs wait for workers started elsewhere "
                     "(python3 -m ferry_worker --broker ...)",
                     args.config);
    }
    EmbeddedBroker broker(broker_config);
    spdlog::info("embedded broker: producers {} workers {}", broker.producers_endpoint(),
                 broker.workers_endpoint());
    LocalPools pools;
    pools.start(pipeline.workers, broker.workers_endpoint());
    zmq::context_t context(1);
    int code = run_producer_session(context, pipeline, broker.producers_endpoint(), args.session,
                                    stop, [&pools] { pools.check_alive(); });
    pools.stop(pool_drain_grace_ms);
    broker.stop();
    return code;
}

} // namespace ferry::producer
