// `ferry worker --broker EP --config WORKER.yaml`: a native pool serving ONNX models over FJP.
#include "ferry/app/commands.hpp"
#include "ferry/app/config_error.hpp"
#include "ferry/app/endpoint.hpp"
#include "ferry/app/worker_config.hpp"
#include "ferry/worker/exit_codes.hpp"
#include "ferry/worker/model_runner.hpp"
#include "ferry/worker/worker_pool.hpp"
#include "ferry/worker/worker_session.hpp"
#include "key_flags.hpp"

#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <memory>
#include <opencv2/core.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace ferry::app {
namespace {

struct WorkerFlags {
    std::string broker;          // --broker: the workers endpoint
    std::string config;          // --config: WORKER.yaml
    std::uint32_t processes = 0; // --processes: overrides the file's `processes` (0: keep)
    KeyFlags keys;               // --key-file / --server-key
    int child_slot = -1;         // internal: this process is worker process N of a pool
    int board_fd = -1;           // internal: the pool's running board
};

// Loads every model of `spec` and proves it fits (ModelError names the file otherwise).
std::vector<std::unique_ptr<worker::ModelRunner>> load_models(const worker::WorkerSpec& spec,
                                                              const std::string& name) {
    const auto drill = worker::FaultDrill::from_environment();
    std::vector<std::unique_ptr<worker::ModelRunner>> runners;
    for (const auto& model : spec.models)
        runners.push_back(std::make_unique<worker::ModelRunner>(model, name, drill));
    return runners;
}

// A worker process of the pool: load, serve, and leave with a code the supervisor reads.
[[noreturn]] void serve_child(const worker::WorkerSpec& spec, const WorkerFlags& flags,
                              const std::atomic<bool>& stop) {
    // The pool started this process with the stop signals blocked; the handlers are set now.
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &stops, nullptr);
    prctl(PR_SET_NAME, "ferry-worker"); // started as /proc/self/exe, it would show as "exe"
    auto board =
        worker::RunningBoard::attach(flags.board_fd, static_cast<std::size_t>(flags.child_slot));
    worker::SessionIdentity identity{
        flags.broker, fmt::format("{}:{}", worker::host_name(), getpid()), worker::host_name(),
        static_cast<std::uint64_t>(getpid()), flags.keys.curve()};
    int code = worker::exits::setup_failed;
    try {
        cv::setNumThreads(static_cast<int>(spec.threads));
        auto runners = load_models(spec, identity.worker);
        board.mark_ready();
        worker::WorkerSession session(spec, std::move(identity), std::move(runners), board);
        code = session.run(stop);
    } catch (const std::exception& error) {
        spdlog::error("worker process {}: {}", getpid(), error.what());
    }
    spdlog::shutdown();
    std::exit(code);
}

// `ferry --log-level` spells spdlog's "warning" as "warn".
std::string cli_level_name(spdlog::level::level_enum level) {
    if (level == spdlog::level::warn)
        return "warn";
    const auto name = spdlog::level::to_string_view(level);
    return std::string(name.data(), name.size());
}

std::vector<std::string> child_argv(const WorkerFlags& flags) {
    std::vector<std::string> argv{"ferry",    "--log-level", cli_level_name(spdlog::get_level()),
                                  "worker",   "--broker",    flags.broker,
                                  "--config", flags.config};
    if (!flags.keys.key_file.empty())
        argv.insert(argv.end(), {"--key-file", flags.keys.key_file});
    if (!flags.keys.server_key.empty())
        argv.insert(argv.end(), {"--server-key", flags.keys.server_key});
    return argv;
}

ExitCode serve(WorkerFlags flags, const std::atomic<bool>& stop) {
    require_connectable(flags.broker, "--broker");
    worker::WorkerSpec spec = load_worker_spec(flags.config);
    if (flags.processes > 0)
        spec.processes = flags.processes;
    if (flags.child_slot >= 0)
        serve_child(spec, flags, stop);
    const security::ClientCurve curve = flags.keys.curve();
    try {
        // Every model is loaded and run once here, so a bad one stops the start, named.
        (void)load_models(spec, "check");
    } catch (const worker::ModelError& error) {
        throw ConfigError(error.what());
    } catch (const std::invalid_argument& error) {
        throw ConfigError(error.what());
    }
    worker::WorkerPool pool(spec, flags.broker, curve, {child_argv(flags)});
    const int code = pool.run(stop);
    return code == 0 ? ExitCode::ok : ExitCode::usage;
}

} // namespace

Subcommand add_worker_command(CLI::App& app) {
    auto flags = std::make_shared<WorkerFlags>();
    CLI::App* cli = app.add_subcommand(
        "worker", "run a native worker pool: ONNX models through OpenCV DNN, no Python");
    cli->add_option("--broker", flags->broker,
                    "the broker's workers endpoint, e.g. "
                    "tcp://127.0.0.1:5556")
        ->required();
    cli->add_option("--config", flags->config,
                    "WORKER.yaml: the models and how payloads feed "
                    "them (docs/native-worker.md)")
        ->required();
    cli->add_option("--processes", flags->processes,
                    "worker processes (overrides the file's `processes`)")
        ->check(CLI::Range(1, 1024));
    add_key_flags(*cli, flags->keys);
    cli->add_option("--child-slot", flags->child_slot)->group("");
    cli->add_option("--board-fd", flags->board_fd)->group("");
    return {cli, [flags](const std::atomic<bool>& stop) { return serve(*flags, stop); }};
}

} // namespace ferry::app
