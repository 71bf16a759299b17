// The producer's whole run: input check, resume scan, submission loop, summary, exit code.
#include "ferry/producer/producer_session.hpp"

#include "ferry/producer/producer.hpp"
#include "ferry/producer/progress_display.hpp"
#include "ferry/producer/resume_scan.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

namespace ferry::producer {
namespace {

constexpr std::size_t problems_shown = 20;

// What the check before submitting found.
struct PreCheck {
    bool refused = false;                     // bad records and on_invalid: fail: nothing may run
    std::optional<std::uint64_t> total;       // record count, when the input could be read twice
    std::optional<DuplicateLines> duplicates; // found by the check: the run keeps no ids
};

// Checks a file input up front (stdin cannot be read twice), reporting problems on stderr.
PreCheck check_before_submitting(const std::string& path, bool skip_invalid) {
    if (path == "-")
        return {};
    const auto started = std::chrono::steady_clock::now();
    InputCheck check = check_input(path, problems_shown);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("input {}: {} records checked in {:.2f} s", path, check.records, seconds);
    if (check.problems.empty() || skip_invalid) {
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

// The file beside the output that remembers the run's client name until the run finishes.
std::string client_file(const std::string& output_path) {
    return output_path + ".ferry-client";
}

// A resumed run takes the client name of the run it resumes, so the outcomes of jobs a
// journaled broker replayed for that run reach it; any other run gets a fresh name, so it never
// meets the finished ids of an earlier run at a long-lived broker.
std::string client_for_run(const std::string& output_path, bool resume) {
    if (output_path == "-")
        return fresh_client_name();
    if (resume) {
        std::ifstream saved(client_file(output_path));
        std::string name;
        if (std::getline(saved, name) && !name.empty())
            return name;
    }
    std::string name = fresh_client_name();
    std::ofstream(client_file(output_path)) << name << '\n';
    return name;
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

int run_producer_session(zmq::context_t& context, const PipelineConfig& config,
                         const std::string& endpoint, const SessionArgs& args,
                         const std::atomic<bool>& stop, const std::function<void()>& health_check) {
    const std::string input_path = args.input.value_or(config.input.path);
    const std::string output_path = args.output.value_or(config.output.path);
    if (input_path.empty()) {
        std::fprintf(stderr, "ferry: no input: give --input PATH or set input.path in %s\n",
                     config.source.c_str());
        return exit_usage;
    }
    PreCheck check = check_before_submitting(input_path, config.input.skip_invalid);
    if (check.refused)
        return exit_usage;

    ProducerOptions options = producer_options(config, endpoint);
    if (options.client.empty())
        options.client = client_for_run(output_path, args.resume);
    if (args.resume)
        options.done_ids = scan_finished_ids(output_path, config.output.format);
    RunSummary summary(config.aggregates);
    InputReader input(input_path, summary.input_paths());
    if (check.duplicates)
        input.use_checked_duplicates(std::move(*check.duplicates));
    OutputWriter output(output_path, config.output.order, config.output.format, args.resume);
    Producer producer(context, std::move(options), input, output, summary);
    ProgressDisplay progress(check.total, ProgressDisplay::stderr_is_terminal(),
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
        std::printf("%s", summary.to_text().c_str());
    }
    std::fflush(stdout);
    if (end == ProducerEnd::finished && output_path != "-" && config.producer.client.empty()) {
        std::error_code ignored;
        std::filesystem::remove(client_file(output_path), ignored);
    }
    if (end == ProducerEnd::interrupted) {
        std::fprintf(stderr,
                     "ferry: interrupted; %llu outcomes are in %s; rerun with --resume "
                     "to finish the rest\n",
                     static_cast<unsigned long long>(summary.jobs()), output_path.c_str());
        return exit_interrupted;
    }
    return summary.failed() > 0 ? exit_failures : exit_ok;
}

} // namespace ferry::producer
