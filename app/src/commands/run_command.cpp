// `ferry run CONFIG`: the whole pipeline on this machine: embedded broker, local pools, producer.
#include "ferry/app/broker_config.hpp"
#include "ferry/app/commands.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/embedded_broker.hpp"
#include "ferry/app/local_keys.hpp"
#include "ferry/app/local_pools.hpp"
#include "ferry/app/pipeline_config.hpp"
#include "ferry/app/pool_startup.hpp"
#include "ferry/app/python_finder.hpp"
#include "ferry/app/security_settings.hpp"
#include "session_flags.hpp"

#include <memory>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

constexpr int pool_drain_grace_ms = 10000; // pools answer what they hold, then are killed

// Everything that can be refused is checked before anything starts: the config, the paths and
// the input, the interpreters. The embedded broker runs on its own thread with the same code as
// `ferry broker`; the pools start once its sockets are bound, and the output is opened only when
// every pool has set up its handlers and the input's type is served. Pools are stopped (drained)
// before the broker.
ExitCode run(const PipelineArgs& args, const std::atomic<bool>& stop) {
    const std::string text = read_config_file(args.config);
    PipelineConfig pipeline = load_pipeline_config(args.config, text);
    BrokerConfig broker_config = load_broker_config(args.config, text);
    const SecuritySettings security = load_security_settings(args.config, text);
    arm_security(security, broker_config);
    check_exposure(broker_config, security);
    // The embedded broker stops after the producer is done: whatever it still holds then has
    // no one waiting for it (an interrupted run resumes from the output), so it need not wait.
    broker_config.shutdown_grace_s = 0;
    std::optional<SessionPlan> plan = prepare_session(pipeline, args.session);
    if (!plan)
        return ExitCode::usage;
    const std::vector<std::string> interpreters = choose_interpreters(pipeline.workers);
    if (pipeline.workers.empty()) {
        spdlog::warn("{} has no `workers` pools: jobs wait for workers started elsewhere "
                     "(python3 -m ferry_worker --broker ...)",
                     args.config);
    }
    const LocalKeys keys(broker_config); // under CURVE: fresh keys for the pools and the session
    EmbeddedBroker broker(broker_config);
    spdlog::info("embedded broker: producers {} workers {}", broker.producers_endpoint(),
                 broker.workers_endpoint());
    const auto pools_started = std::chrono::steady_clock::now();
    LocalPools pools;
    pools.start(pipeline.workers, interpreters, broker.workers_endpoint(), keys.pool_environment());
    ExitCode code = await_pools(pools, pipeline, broker.producers_endpoint(), stop, keys.own());
    plan->waited_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pools_started).count();
    if (code == ExitCode::ok) {
        zmq::context_t context(1);
        SessionArgs session = args.session;
        session.curve = keys.own();
        code = run_session(context, pipeline, *plan, broker.producers_endpoint(), session, stop,
                           [&pools] { pools.check_alive(); });
    }
    pools.stop(pool_drain_grace_ms);
    (void)broker.stop();
    return code;
}

} // namespace

Subcommand add_run_command(CLI::App& app) {
    auto args = std::make_shared<PipelineArgs>();
    CLI::App* cli = app.add_subcommand("run", "run a whole pipeline on this machine");
    add_session_flags(*cli, *args);
    return {cli, [args](const std::atomic<bool>& stop) { return run(*args, stop); }};
}

} // namespace ferry::app
