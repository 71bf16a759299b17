// The native worker's model without the broker: the same WORKER.yaml, the same jobs, batches of
// the same max_batch, in one process. Three figures, each over every job:
//   runner:       ModelRunner::run on wire::Job batches whose payloads are packed as the
//                 producer packs them (input.arrays of the pipeline file): payload decoding,
//                 checks, blob filling, one forward pass per batch, result maps. What a worker
//                 process does per batch, minus the socket.
//   forward_only: OnnxModel::forward on blobs filled beforehand: the engine alone.
//   stages:       the runner's work split into payload -> blob, forward, and result maps (us/job).
// Prints one JSON object. Used by bench/native_bench.py as the in-process baseline.
#include "ferry/app/pipeline_config.hpp"
#include "ferry/app/worker_config.hpp"
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/worker/model_runner.hpp"
#include "ferry/worker/onnx_model.hpp"
#include "ferry/worker/result_fields.hpp"
#include "ferry/worker/tensor_input.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <msgpack.hpp>
#include <opencv2/core.hpp>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string worker;          // WORKER.yaml
    std::string pipeline;        // pipeline YAML: input.type and input.arrays
    std::string input;           // jobs JSONL
    std::uint32_t max_batch = 0; // 0: the worker file's
    int threads = 1;             // cv::setNumThreads
    int repeats = 5;             // timed passes of each kind (after one warm-up pass)
};

struct Inputs {
    std::vector<ferry::wire::Job> jobs;
    std::vector<std::int64_t> labels; // the record's "label", -1 when absent
};

Inputs read_jobs(const Options& options, const std::string& type,
                 const ferry::producer::ArrayFields& arrays) {
    Inputs inputs;
    std::ifstream in(options.input);
    if (!in)
        throw std::runtime_error("cannot read " + options.input);
    simdjson::dom::parser parser;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        simdjson::dom::element record = parser.parse(line);
        ferry::wire::Job job;
        auto id = record["id"];
        job.id = id.is_string() ? std::string(id.get_string().value())
                                : std::to_string(inputs.jobs.size() + 1);
        job.type = type;
        if (std::string bad =
                ferry::producer::append_msgpack(record["payload"].value(), arrays, job.payload);
            !bad.empty())
            throw std::runtime_error(options.input + ": " + bad);
        auto label = record["label"];
        inputs.labels.push_back(label.is_int64() ? label.get_int64().value() : -1);
        inputs.jobs.push_back(std::move(job));
    }
    return inputs;
}

std::vector<std::vector<ferry::wire::Job>> batches_of(const std::vector<ferry::wire::Job>& jobs,
                                                      std::size_t size) {
    std::vector<std::vector<ferry::wire::Job>> batches;
    for (std::size_t at = 0; at < jobs.size(); at += size) {
        const auto end = std::min(jobs.size(), at + size);
        batches.emplace_back(jobs.begin() + static_cast<long>(at),
                             jobs.begin() + static_cast<long>(end));
    }
    return batches;
}

double seconds_since(Clock::time_point started) {
    return std::chrono::duration<double>(Clock::now() - started).count();
}

// Median, min and max of `values` as a JSON object of jobs/s for `jobs` jobs per pass.
std::string rate_json(std::vector<double> seconds, std::size_t jobs) {
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds.size() % 2 == 1
                              ? seconds[seconds.size() / 2]
                              : (seconds[seconds.size() / 2 - 1] + seconds[seconds.size() / 2]) / 2;
    const auto n = static_cast<double>(jobs);
    return fmt::format("{{\"jobs_per_s\": {:.0f}, \"min\": {:.0f}, \"max\": {:.0f}, "
                       "\"us_per_job\": {:.3f}}}",
                       n / median, n / seconds.back(), n / seconds.front(), median * 1e6 / n);
}

// The "label" of a result map, or -1.
std::int64_t result_label(const std::string& bytes) {
    const auto handle = msgpack::unpack(bytes.data(), bytes.size());
    const auto& map = handle.get();
    if (map.type != msgpack::type::MAP)
        return -1;
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& entry = map.via.map.ptr[i];
        if (entry.key.type == msgpack::type::STR && entry.key.as<std::string>() == "label" &&
            entry.val.type == msgpack::type::POSITIVE_INTEGER)
            return static_cast<std::int64_t>(entry.val.via.u64);
    }
    return -1;
}

int run(const Options& options) {
    const ferry::app::PipelineConfig pipeline = ferry::app::load_pipeline_config(options.pipeline);
    ferry::worker::WorkerSpec spec = ferry::app::load_worker_spec(options.worker);
    auto model = std::find_if(spec.models.begin(), spec.models.end(),
                              [&](const auto& m) { return m.type == pipeline.input.type; });
    if (model == spec.models.end())
        throw std::runtime_error(options.worker + " serves no job type '" + pipeline.input.type +
                                 "'");
    if (options.max_batch > 0)
        model->max_batch = options.max_batch;
    cv::setNumThreads(options.threads);
    const Inputs inputs = read_jobs(options, model->type, pipeline.input.arrays);
    const auto batches = batches_of(inputs.jobs, model->max_batch);
    const std::size_t jobs = inputs.jobs.size();

    // Runner: what a worker process does per batch, socket aside.
    ferry::worker::ModelRunner runner(*model, "bench");
    std::size_t correct = 0;
    std::size_t failed = 0;
    std::size_t index = 0;
    for (const auto& batch : batches) { // warm-up pass, which also checks the answers
        for (const auto& result : runner.run(batch)) {
            if (!result.ok)
                ++failed;
            else if (result_label(*result.result) == inputs.labels[index])
                ++correct;
            ++index;
        }
    }
    std::vector<double> runner_s;
    for (int r = 0; r < options.repeats; ++r) {
        const auto started = Clock::now();
        std::size_t answered = 0;
        for (const auto& batch : batches)
            answered += runner.run(batch).size();
        runner_s.push_back(seconds_since(started));
        if (answered != jobs)
            throw std::runtime_error("the runner answered fewer jobs than it was given");
    }

    // Forward only: the blobs are filled before the clock starts.
    ferry::worker::OnnxModel onnx(*model);
    std::vector<std::vector<cv::Mat>> blobs;
    for (const auto& batch : batches) {
        std::vector<ferry::worker::Payload> payloads;
        payloads.reserve(batch.size());
        for (const auto& job : batch)
            payloads.emplace_back(job.payload);
        std::vector<cv::Mat> inputs_of_batch;
        for (const auto& input : model->inputs) {
            inputs_of_batch.push_back(ferry::worker::batch_blob(batch.size(), input.shape));
            const std::size_t stride = ferry::worker::row_elements(input.shape);
            for (std::size_t r = 0; r < batch.size(); ++r)
                ferry::worker::fill_row(input, payloads[r],
                                        inputs_of_batch.back().ptr<float>() + r * stride);
        }
        blobs.push_back(std::move(inputs_of_batch));
    }
    for (const auto& blob : blobs) // warm-up
        (void)onnx.forward(blob);
    std::vector<double> forward_s;
    for (int r = 0; r < options.repeats; ++r) {
        const auto started = Clock::now();
        for (const auto& blob : blobs)
            (void)onnx.forward(blob);
        forward_s.push_back(seconds_since(started));
    }

    // Stages: the runner's steps timed one by one (one pass per repeat, summed per stage).
    double to_blob_s = 0;
    double pass_s = 0;
    double maps_s = 0;
    for (int r = 0; r < options.repeats; ++r) {
        for (const auto& batch : batches) {
            auto started = Clock::now();
            std::vector<ferry::worker::Payload> payloads;
            payloads.reserve(batch.size());
            for (const auto& job : batch) {
                payloads.emplace_back(job.payload);
                for (const auto& input : model->inputs)
                    (void)ferry::worker::check_input(input, payloads.back());
            }
            std::vector<cv::Mat> blob;
            for (const auto& input : model->inputs) {
                blob.push_back(ferry::worker::batch_blob(batch.size(), input.shape));
                const std::size_t stride = ferry::worker::row_elements(input.shape);
                for (std::size_t i = 0; i < batch.size(); ++i)
                    ferry::worker::fill_row(input, payloads[i],
                                            blob.back().ptr<float>() + i * stride);
            }
            to_blob_s += seconds_since(started);
            started = Clock::now();
            const auto outputs = onnx.forward(blob);
            pass_s += seconds_since(started);
            started = Clock::now();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                std::string map;
                ferry::worker::append_result(model->outputs, outputs, static_cast<int>(i), map);
            }
            maps_s += seconds_since(started);
        }
    }
    const double per_job = 1e6 / (static_cast<double>(jobs) * options.repeats);

    std::printf(
        "{\"model\": \"%s\", \"type\": \"%s\", \"jobs\": %zu, \"max_batch\": %u, \"batches\": %zu, "
        "\"threads\": %d, \"repeats\": %d, \"failed\": %zu, \"accuracy\": %.4f,\n"
        " \"runner\": %s,\n \"forward_only\": %s,\n"
        " \"stages_us_per_job\": {\"payload_to_blob\": %.3f, \"forward\": %.3f, "
        "\"result_maps\": %.3f}}\n",
        model->model.c_str(), model->type.c_str(), jobs, model->max_batch, batches.size(),
        options.threads, options.repeats, failed,
        static_cast<double>(correct) / static_cast<double>(std::max<std::size_t>(jobs, 1)),
        rate_json(runner_s, jobs).c_str(), rate_json(forward_s, jobs).c_str(), to_blob_s * per_job,
        pass_s * per_job, maps_s * per_job);
    return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"The native worker's model in one process, no broker: jobs/s of ModelRunner and "
                 "of the forward pass alone, as JSON"};
    Options options;
    app.add_option("--worker", options.worker, "WORKER.yaml (as given to `ferry worker`)")
        ->required();
    app.add_option("--pipeline", options.pipeline,
                   "pipeline YAML: its input.type picks the model, input.arrays packs payloads")
        ->required();
    app.add_option("--input", options.input, "jobs JSONL ({\"id\", \"payload\", \"label\"})")
        ->required();
    app.add_option("--max-batch", options.max_batch,
                   "jobs per forward pass (0: the worker file's)");
    app.add_option("--threads", options.threads, "OpenCV threads (cv::setNumThreads)");
    app.add_option("--repeats", options.repeats, "timed passes of each kind")
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        return run(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "native_inprocess_bench: %s\n", error.what());
        return 2;
    }
}
