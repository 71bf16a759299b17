// `ferry serve CONFIG`: the long-running service: broker and journal, scheduler, pipeline runner
// and local pools in one process, until SIGTERM.
#include "ferry/app/commands.hpp"
#include "ferry/app/config_error.hpp"
#include "ferry/app/embedded_broker.hpp"
#include "ferry/app/http_server.hpp"
#include "ferry/app/local_keys.hpp"
#include "ferry/app/local_pools.hpp"
#include "ferry/app/pipeline_runner.hpp"
#include "ferry/app/python_finder.hpp"
#include "ferry/app/security_settings.hpp"
#include "ferry/app/service_config.hpp"
#include "ferry/app/service_scheduler.hpp"
#include "ferry/app/stop_signal.hpp"
#include "ferry/broker/journal.hpp"
#include "ferry/broker/journal_lock.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

constexpr auto loop_limit = std::chrono::milliseconds(200); // longest wait between passes
constexpr int pool_drain_grace_ms = 10000;

// One service per state directory: a second `ferry serve` on it exits 2 naming the holder.
std::unique_ptr<broker::JournalLock> lock_state(const std::string& dir) {
    std::filesystem::create_directories(std::filesystem::path(dir) / "runs");
    try {
        return std::make_unique<broker::JournalLock>(dir);
    } catch (const std::exception& error) {
        throw ConfigError(fmt::format("the state directory {} belongs to another running "
                                      "`ferry serve` ({}); stop it, or give this one its own "
                                      "service.state_dir",
                                      dir, error.what()));
    }
}

// Starts what is due, records what ended; one pass of the service loop.
void serve_pass(const ServiceConfig& config, ServiceScheduler& scheduler, PipelineRunner& runner) {
    const DueRuns due = scheduler.tick(ServiceClock::now());
    for (const RunStart& start : due.start) {
        spdlog::info("run {} {}", start.request.run_id,
                     start.request.resume ? "resumes" : "starts");
        runner.launch(config.pipelines[start.pipeline].config, start.request);
    }
    for (const std::string& run_id : due.cancel) {
        if (runner.cancel(run_id))
            spdlog::info("run {} cancelled (overlap: cancel_other)", run_id);
    }
    for (const RunResult& result : runner.take_finished())
        scheduler.finished(result, ServiceClock::now());
}

// SIGTERM: no new run is fired; running runs get the grace to finish, then are interrupted
// (they stay `running` in the history and the next start resumes them).
void drain(const ServiceConfig& config, ServiceScheduler& scheduler, PipelineRunner& runner) {
    const auto deadline = ServiceClock::now() + std::chrono::seconds(config.shutdown_grace_s);
    if (runner.running() > 0)
        spdlog::info("stopping: {} running runs get {} s to finish", runner.running(),
                     config.shutdown_grace_s);
    while (runner.running() > 0 && ServiceClock::now() < deadline) {
        for (const RunResult& result : runner.take_finished())
            scheduler.finished(result, ServiceClock::now());
        scheduler.wait(std::min(deadline, ServiceClock::now() + loop_limit));
    }
    runner.interrupt_all();
    for (const RunResult& result : runner.take_finished())
        scheduler.finished(result, ServiceClock::now());
}

ExitCode serve(const std::string& path, const std::atomic<bool>& stop) {
    ServiceConfig config = load_service_config(path);
    if (config.http)
        config.broker.internal_producers_endpoint = http_internal_endpoint;
    const auto state_lock = lock_state(config.state_dir);
    auto scheduler = std::make_shared<ServiceScheduler>(config, ServiceClock::now());
    const std::vector<std::string> interpreters = choose_interpreters(config.workers);
    const LocalKeys keys(config.broker); // under CURVE: fresh keys for the pools and the runs
    install_reload_signal();
    EmbeddedBroker broker(config.broker, scheduler);
    std::cout << "ferry serve: producers=" << broker.producers_endpoint()
              << " workers=" << broker.workers_endpoint() << " state=" << config.state_dir
              << std::endl;
    auto http_server = start_http_server(config.http, broker, "serve");
    LocalPools pools;
    pools.start(config.workers, interpreters, broker.workers_endpoint(), keys.pool_environment());
    zmq::context_t context(1);
    {
        PipelineRunner runner(
            context, broker.producers_endpoint(), [&scheduler] { scheduler->wake(); }, keys.own());
        while (!stop.load() && !broker.ended()) {
            if (take_reload_request() && config.broker.security.keys)
                reload_allow_lists(config.source, *config.broker.security.keys,
                                   [&keys](security::KeyRing& ring) { keys.grant(ring); });
            serve_pass(config, *scheduler, runner);
            scheduler->wait(ServiceClock::now() + loop_limit);
        }
        drain(config, *scheduler, runner);
    }
    if (http_server)
        http_server->stop(); // before the broker: its gateway leaves the broker cleanly
    pools.stop(pool_drain_grace_ms);
    const std::string failure = broker.stop();
    return failure.empty() ? ExitCode::ok : ExitCode::internal;
}

} // namespace

Subcommand add_serve_command(CLI::App& app) {
    auto config = std::make_shared<std::string>();
    CLI::App* cli = app.add_subcommand(
        "serve", "run the service: broker, scheduler, scheduled pipelines and local pools");
    cli->add_option("CONFIG", *config, "service file, or a directory of pipeline files")
        ->required();
    return {cli, [config](const std::atomic<bool>& stop) { return serve(*config, stop); }};
}

} // namespace ferry::app
