// The producer's whole run: input check, resume scan, submission loop, summary, exit code.
#include "ferry/app/producer_session.hpp"

#include "ferry/app/session_paths.hpp"
#include "ferry/producer/producer.hpp"
#include "ferry/producer/progress_display.hpp"
#include "ferry/producer/resume_scan.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

namespace ferry::app {
using namespace producer; // this file drives the producer library
namespace {

constexpr std::size_t problems_shown = 20;

// What the check before submitting found.
struct PreCheck {
    bool refused = false;                     // bad records and on_invalid: fail: nothing may run
    std::optional<std::uint64_t> total;       // record count, when the input could be read twice
    std::optional<DuplicateLines> duplicates; // found by the check: the run keeps no ids
};

// Checks a file input up front (stdin cannot be read twice), reporting problems on stderr.
PreCheck check_before_submitting(const std::string& path, const InputConfig& input) {
    if (path == "-")
        return {};
    const auto started = std::chrono::steady_clock::now();
    InputCheck check = check_input(path, problems_shown, hash_id, input.arrays);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("input {}: {} records checked in {:.2f} s", path, check.records, seconds);
    if (check.problems.empty() || input.skip_invalid) {
        return {false, check.records, std::move(check.duplicates)};
    }
    for (const auto& problem : check.problems) {
        std::fprintf(stderr, "ferry: %s\n", problem.describe().c_str());
    }
    std::fprintf(stderr,
                 "ferry: the input has invalid records; nothing was submitted. Fix them, or set "
                 "input.on_invalid: skip to write them as failed jobs and run the rest.\n");
    return {true, std::nullopt, std::nullopt};
}

// A resumed run takes the client name of the run it resumes, so the outcomes of jobs a
// journaled broker replayed for that run reach it; any other run gets a fresh name, so it never
// meets the finished ids of an earlier run at a long-lived broker.
std::string client_for_run(const std::string& output_path, bool resume) {
    const std::string file = client_file_for(output_path);
    if (file.empty())
        return fresh_client_name();
    if (resume) {
        std::ifstream saved(file);
        std::string name;
        if (std::getline(saved, name) && !name.empty())
            return name;
    }
    std::string name = fresh_client_name();
    std::ofstream(file) << name << '\n';
    return name;
}

// Where each path came from, for messages: the flag, or the key in the pipeline file.
SessionPaths session_paths(const PipelineConfig& config, const SessionArgs& args) {
    SessionPaths paths;
    paths.config = config.source;
    paths.input = args.input.value_or(config.input.path);
    paths.input_from = args.input ? "--input" : "input.path in " + config.source;
    paths.output = args.output.value_or(config.output.path);
    paths.output_from = args.output ? "--output" : "output.path in " + config.source;
    paths.summary_json = args.summary_json;
    paths.resume = args.resume;
    paths.json = args.json;
    return paths;
}

void write_summary_file(const std::string& path, const std::string& json) {
    std::ofstream file(path);
    file << json << '\n';
    if (!file)
        throw std::runtime_error(fmt::format("cannot write summary '{}'", path));
}

ProducerOptions producer_options(const PipelineConfig& config, const std::string& endpoint) {
    ProducerOptions options;
    options.endpoint = endpoint;
    options.client = config.producer.client;
    options.job_type = config.input.type;
    options.window = config.producer.window;
    options.submit_batch = config.producer.submit_batch;
    options.heartbeat_ms = config.producer.heartbeat_ms;
    options.skip_invalid = config.input.skip_invalid;
    return options;
}

} // namespace

std::optional<SessionPlan> prepare_session(const PipelineConfig& config, const SessionArgs& args) {
    const SessionPaths paths = session_paths(config, args);
    if (paths.input.empty()) {
        std::fprintf(stderr, "ferry: no input: give --input PATH or set input.path in %s\n",
                     config.source.c_str());
        return std::nullopt;
    }
    check_session_paths(paths);
    PreCheck check = check_before_submitting(paths.input, config.input);
    if (check.refused)
        return std::nullopt;
    return SessionPlan{paths.input, paths.output, check.total, std::move(check.duplicates)};
}

ExitCode run_session(zmq::context_t& context, const PipelineConfig& config, const SessionPlan& plan,
                     const std::string& endpoint, const SessionArgs& args,
                     const std::atomic<bool>& stop, const std::function<void()>& health_check) {
    const std::string& output_path = plan.output_path;
    ProducerOptions options = producer_options(config, endpoint);
    if (options.client.empty())
        options.client = client_for_run(output_path, args.resume);
    if (args.resume)
        options.done_ids = scan_finished_ids(output_path, config.output.format);
    RunSummary summary(config.aggregates);
    summary.set_startup_offset(plan.waited_s);
    InputReader input(plan.input_path, summary.input_paths());
    input.pack_arrays(config.input.arrays);
    if (plan.duplicates)
        input.use_checked_duplicates(*plan.duplicates);
    OutputWriter output(output_path, config.output.order, config.output.format, args.resume);
    Producer producer(context, std::move(options), input, output, summary);
    ProgressDisplay progress(plan.total, ProgressDisplay::stderr_is_terminal(),
                             std::chrono::seconds(config.producer.progress_interval_s));

    const auto started = std::chrono::steady_clock::now();
    ProducerEnd end = producer.run(stop, [&](const ProgressSnapshot& s) {
        progress.show(s);
        if (health_check)
            health_check();
    });
    progress.finish();
    output.finish();
    summary.set_wall_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

    std::string json = summary.to_json();
    if (args.summary_json)
        write_summary_file(*args.summary_json, json);
    if (args.json) {
        std::printf("%s\n", json.c_str());
    } else {
        // With the records on stdout, the summary goes to stderr so the records stay parseable.
        std::fputs(summary.to_text().c_str(), output_path == "-" ? stderr : stdout);
    }
    std::fflush(stdout);
    if (end == ProducerEnd::finished && config.producer.client.empty()) {
        if (std::string file = client_file_for(output_path); !file.empty()) {
            std::error_code ignored;
            std::filesystem::remove(file, ignored);
        }
    }
    if (end == ProducerEnd::interrupted) {
        std::fprintf(stderr,
                     "ferry: interrupted; %llu outcomes are in %s; rerun with --resume "
                     "to finish the rest\n",
                     static_cast<unsigned long long>(summary.jobs()), output_path.c_str());
        return ExitCode::interrupted;
    }
    return summary.failed() > 0 ? ExitCode::failures : ExitCode::ok;
}

ExitCode run_producer_session(zmq::context_t& context, const PipelineConfig& config,
                              const std::string& endpoint, const SessionArgs& args,
                              const std::atomic<bool>& stop,
                              const std::function<void()>& health_check) {
    std::optional<SessionPlan> plan = prepare_session(config, args);
    if (!plan)
        return ExitCode::usage;
    return run_session(context, config, *plan, endpoint, args, stop, health_check);
}

} // namespace ferry::app
