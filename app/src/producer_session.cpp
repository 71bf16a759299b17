// The producer's whole run: input check, resume scan, submission loop, summary, exit code.
#include "ferry/app/producer_session.hpp"

#include "ferry/app/run_paths.hpp"
#include "ferry/app/session_paths.hpp"
#include "ferry/producer/input_check.hpp"
#include "ferry/producer/producer.hpp"
#include "ferry/producer/progress_display.hpp"
#include "ferry/producer/resume_scan.hpp"
#include "ferry/schedule/run_record.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

namespace ferry::app {
using namespace producer; // this file drives the producer library
namespace {

constexpr std::size_t problems_shown = 20;

// How the input is read: its typed arrays, the values the aggregates compare, what is skipped.
CheckOptions check_options(const PipelineConfig& config) {
    CheckOptions options;
    options.problem_limit = problems_shown;
    options.arrays = config.input.arrays;
    options.capture = RunSummary(config.aggregates).input_paths();
    options.skip_invalid = config.input.skip_invalid;
    return options;
}

void report_problems(const InputCheck& check) {
    for (const auto& problem : check.problems) {
        std::fprintf(stderr, "ferry: %s\n", problem.describe().c_str());
    }
    std::fprintf(stderr,
                 "ferry: the input has invalid records; nothing was submitted. Fix them, or set "
                 "input.on_invalid: skip to write them as failed jobs and run the rest.\n");
}

// Reads a file input once before submitting (stdin is streamed instead), reporting problems
// on stderr; false when a problem means nothing may run. The run replays what it read.
bool check_before_submitting(const PipelineConfig& config, SessionPlan& plan) {
    if (plan.input_path == "-")
        return true;
    const auto started = std::chrono::steady_clock::now();
    const CheckOptions options = check_options(config);
    InputCheck check = check_input(plan.input_path, options);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info(
        "input {}: {} records checked in {:.2f} s{}", plan.input_path, check.records, seconds,
        check.spool ? fmt::format(", kept for the run ({} bytes)", check.spool->bytes()) : "");
    if (!check.problems.empty() && !config.input.skip_invalid) {
        report_problems(check);
        return false;
    }
    plan.total = check.records;
    plan.checked = std::make_shared<CheckedInput>(plan.input_path, std::move(check), options);
    return true;
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
// A scheduled pipeline's path templates, for a run outside the service (`ferry run`, `ferry
// submit`): rendered with the current time as the nominal time, in the schedule's zone.
std::string path_for_now(const PipelineConfig& config, const std::string& path) {
    if (!config.schedule && path.find('{') == std::string::npos)
        return path;
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string name = std::filesystem::path(config.source).stem().string();
    RunValues values{now, config.schedule ? config.schedule->timezone : "UTC",
                     schedule::make_run_id(name, now)};
    try {
        return render_run_path(path, values);
    } catch (const TemplateError& error) {
        throw InputError(fmt::format("{}: {}", config.source, error.what()));
    }
}

SessionPaths session_paths(const PipelineConfig& config, const SessionArgs& args) {
    SessionPaths paths;
    paths.config = config.source;
    paths.input = args.input ? *args.input : path_for_now(config, config.input.path);
    paths.input_from = args.input ? "--input" : "input.path in " + config.source;
    paths.output = args.output ? *args.output : path_for_now(config, config.output.path);
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

// What names a run in the log: its client name when configured, else its output.
std::string options_client_or(const PipelineConfig& config, const std::string& output_path) {
    return config.producer.client.empty() ? output_path : config.producer.client;
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
    if (!config.stages.empty())
        options.stages = std::make_shared<const StagePlan>(config.stages);
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
    SessionPlan plan{paths.input, paths.output, std::nullopt, nullptr};
    if (!check_before_submitting(config, plan))
        return std::nullopt;
    return plan;
}

ExitCode run_session(zmq::context_t& context, const PipelineConfig& config, const SessionPlan& plan,
                     const std::string& endpoint, const SessionArgs& args,
                     const std::atomic<bool>& stop, const std::function<void()>& health_check) {
    const std::string& output_path = plan.output_path;
    ProducerOptions options = producer_options(config, endpoint);
    options.curve = args.curve;
    if (options.client.empty())
        options.client = client_for_run(output_path, args.resume);
    if (args.resume)
        options.done_ids = scan_finished_ids(output_path, config.output.format);
    RunSummary summary(config.aggregates);
    summary.set_startup_offset(plan.waited_s);
    std::unique_ptr<InputReader> streamed; // stdin: read as it comes, ids kept in memory
    if (!plan.checked) {
        streamed = std::make_unique<InputReader>(plan.input_path, summary.input_paths());
        streamed->pack_arrays(config.input.arrays);
    }
    JobSource& input = plan.checked ? static_cast<JobSource&>(*plan.checked) : *streamed;
    OutputWriter output(output_path, config.output.order, config.output.format, args.resume);
    Producer producer(context, std::move(options), input, output, summary);
    ProgressDisplay progress(plan.total, ProgressDisplay::stderr_is_terminal(),
                             std::chrono::seconds(config.producer.progress_interval_s));

    const auto started = std::chrono::steady_clock::now();
    ProducerEnd end = producer.run(stop, [&](const ProgressSnapshot& s) {
        if (!args.quiet)
            progress.show(s);
        if (health_check)
            health_check();
    });
    if (!args.quiet)
        progress.finish();
    output.finish();
    summary.set_wall_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

    std::string json = summary.to_json();
    if (args.summary_json)
        write_summary_file(*args.summary_json, json);
    if (args.report)
        args.report(summary);
    if (args.quiet) {
        spdlog::info("{}: {}", options_client_or(config, output_path), summary.to_text());
    } else if (args.json) {
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
    if (end == ProducerEnd::interrupted && !args.quiet) {
        std::fprintf(stderr,
                     "ferry: interrupted; %llu outcomes are in %s; rerun with --resume "
                     "to finish the rest\n",
                     static_cast<unsigned long long>(summary.jobs()), output_path.c_str());
        return ExitCode::interrupted;
    }
    if (end == ProducerEnd::interrupted)
        return ExitCode::interrupted;
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
