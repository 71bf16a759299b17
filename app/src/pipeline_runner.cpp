// A service's runs: paths rendered for the nominal time, the input awaited, the session run.
#include "ferry/app/pipeline_runner.hpp"

#include "ferry/app/producer_session.hpp"
#include "ferry/app/run_paths.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto input_poll = std::chrono::milliseconds(200);
constexpr std::size_t matches_named = 3;

// A run that cannot go on: its message goes to the run's history.
struct RunFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The paths a pattern matches now (one path: itself, when it exists).
std::vector<std::string> matches_of(const std::string& input) {
    if (is_glob(input))
        return glob_paths(input);
    std::error_code error;
    return fs::exists(input, error) ? std::vector<std::string>{input} : std::vector<std::string>{};
}

// The run's input: waited for up to `wait` (polling the file system, which is where it comes
// from) while the run is not stopped.
std::string await_input(const std::string& input, std::chrono::seconds wait,
                        const std::atomic<bool>& stop) {
    const auto deadline = Clock::now() + wait;
    std::vector<std::string> found = matches_of(input);
    while (found.empty() && Clock::now() < deadline && !stop.load()) {
        std::this_thread::sleep_for(input_poll);
        found = matches_of(input);
    }
    if (found.empty()) {
        throw RunFailure(fmt::format("input {} {} (waited {} s; input.wait sets how long)", input,
                                     is_glob(input) ? "matched no path" : "does not exist",
                                     wait.count()));
    }
    if (found.size() > 1) {
        found.resize(std::min(found.size(), matches_named));
        throw RunFailure(fmt::format("input pattern {} matches more than one path ({}, ...); a "
                                     "run reads one file or one directory: put the day's files "
                                     "in a directory, or narrow the pattern",
                                     input, fmt::join(found, ", ")));
    }
    return found.front();
}

// The output of a new run must not exist: a run never overwrites a file it did not write.
void prepare_output(const std::string& output, bool resume) {
    std::error_code error;
    if (!resume && fs::exists(output, error)) {
        throw RunFailure(fmt::format("output {} already exists and this run did not write it; "
                                     "nothing was overwritten: move it away and trigger the run "
                                     "again",
                                     output));
    }
    const fs::path parent = fs::path(output).parent_path();
    if (!parent.empty())
        fs::create_directories(parent, error);
    if (error) {
        throw RunFailure(fmt::format("cannot create the output's directory {}: {}", parent.string(),
                                     error.message()));
    }
}

RunEnd end_of(ExitCode code, const std::atomic<bool>& cancelled) {
    switch (code) {
    case ExitCode::ok:
        return RunEnd::succeeded;
    case ExitCode::interrupted:
        return cancelled.load() ? RunEnd::cancelled : RunEnd::interrupted;
    default:
        return RunEnd::failed;
    }
}

} // namespace

PipelineRunner::PipelineRunner(zmq::context_t& context, std::string endpoint,
                               std::function<void()> on_end, security::ClientCurve curve)
    : context_(context), endpoint_(std::move(endpoint)), curve_(std::move(curve)),
      on_end_(std::move(on_end)) {}

PipelineRunner::~PipelineRunner() {
    interrupt_all();
}

void PipelineRunner::launch(const PipelineConfig& config, const RunRequest& request) {
    std::lock_guard lock(mutex_);
    auto running = std::make_unique<Running>();
    Running& handle = *running;
    running_[request.run_id] = std::move(running);
    handle.thread = std::thread([this, config, request, &handle] { run(config, request, handle); });
}

bool PipelineRunner::cancel(const std::string& run_id) {
    std::lock_guard lock(mutex_);
    auto it = running_.find(run_id);
    if (it == running_.end())
        return false;
    it->second->cancelled = true;
    it->second->stop = true;
    return true;
}

void PipelineRunner::interrupt_all() {
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, running] : running_)
            running->stop = true;
    }
    for (;;) {
        std::unique_ptr<Running> next;
        {
            std::lock_guard lock(mutex_);
            if (!running_.empty()) {
                next = std::move(running_.begin()->second);
                running_.erase(running_.begin());
            } else if (!ended_.empty()) {
                next = std::move(ended_.back());
                ended_.pop_back();
            }
        }
        if (!next)
            return;
        if (next->thread.joinable())
            next->thread.join();
    }
}

std::vector<RunResult> PipelineRunner::take_finished() {
    reap();
    std::lock_guard lock(mutex_);
    return std::exchange(finished_, {});
}

std::size_t PipelineRunner::running() const {
    std::lock_guard lock(mutex_);
    return running_.size();
}

// Joins the threads of runs that ended (each has left run(), or is about to).
void PipelineRunner::reap() {
    std::vector<std::unique_ptr<Running>> ended;
    {
        std::lock_guard lock(mutex_);
        ended = std::exchange(ended_, {});
    }
    for (auto& running : ended)
        running->thread.join();
}

void PipelineRunner::run(const PipelineConfig& config, const RunRequest& request,
                         Running& running) {
    RunResult result;
    try {
        result = run_session_for(config, request, running);
    } catch (const std::exception& error) {
        result.end =
            running.stop.load() && !running.cancelled.load() ? RunEnd::interrupted : RunEnd::failed;
        result.message = error.what();
    }
    result.run_id = request.run_id;
    if (result.end == RunEnd::failed)
        spdlog::warn("run {} failed: {}", request.run_id, result.message);
    {
        std::lock_guard lock(mutex_);
        finished_.push_back(std::move(result));
        auto it = running_.find(request.run_id);
        if (it != running_.end()) { // interrupt_all may have taken it already
            ended_.push_back(std::move(it->second));
            running_.erase(it);
        }
    }
    if (on_end_)
        on_end_();
}

RunResult PipelineRunner::run_session_for(const PipelineConfig& config, const RunRequest& request,
                                          Running& running) {
    RunResult result;
    const RunValues values{request.nominal, request.timezone, request.run_id};
    PipelineConfig run_config = config;
    run_config.producer.client = request.run_id;
    try {
        result.output = render_run_path(config.output.path, values);
        const std::string input = render_run_path(config.input.path, values);
        std::error_code error;
        const bool resume = request.resume && fs::exists(result.output, error);
        prepare_output(result.output, resume);
        run_config.input.path = await_input(input, request.input_wait, running.stop);
        run_config.output.path = result.output;
        SessionArgs args;
        args.resume = resume;
        args.quiet = true;
        args.curve = curve_;
        args.report = [&result](const producer::RunSummary& summary) {
            result.ok = summary.succeeded();
            result.failed = summary.failed();
            result.total = summary.jobs() + summary.resumed();
        };
        std::optional<SessionPlan> plan = prepare_session(run_config, args);
        if (!plan)
            throw RunFailure(fmt::format("the input {} has invalid records (the service log "
                                         "names them); nothing was submitted",
                                         run_config.input.path));
        const ExitCode code =
            run_session(context_, run_config, *plan, endpoint_, args, running.stop);
        result.end = end_of(code, running.cancelled);
        if (result.end == RunEnd::failed)
            result.message =
                code == ExitCode::failures
                    ? fmt::format("{} of {} records failed", result.failed, result.total)
                    : fmt::format("the run ended with exit code {}", int(code));
    } catch (const RunFailure& failure) {
        result.end = RunEnd::failed;
        result.message = failure.what();
    } catch (const TemplateError& failure) {
        result.end = RunEnd::failed;
        result.message = failure.what();
    }
    return result;
}

} // namespace ferry::app
