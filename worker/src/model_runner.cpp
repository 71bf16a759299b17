// Batches through the model: checked payloads into blobs, one forward pass, result maps out.
#include "ferry/worker/model_runner.hpp"

#include "ferry/wire/protocol.hpp"
#include "ferry/worker/result_fields.hpp"
#include "ferry/worker/tensor_input.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <thread>

namespace ferry::worker {

FaultDrill FaultDrill::from_environment() {
    FaultDrill drill;
    const char* value = std::getenv("FERRY_NATIVE_FAULT");
    if (value == nullptr || *value == '\0')
        return drill;
    const std::string text(value);
    const auto colon = text.find(':');
    const std::string action = text.substr(0, colon);
    if (colon == std::string::npos || colon + 1 == text.size() ||
        (action != "crash" && action != "hang")) {
        throw std::invalid_argument("FERRY_NATIVE_FAULT='" + text +
                                    "': use crash:FIELD or hang:FIELD (or unset it)");
    }
    drill.action = action == "crash" ? Action::crash : Action::hang;
    drill.field = text.substr(colon + 1);
    return drill;
}

wire::Result error_result(const std::string& key, const std::string& code, std::string message,
                          const std::string& worker) {
    wire::Result result;
    result.id = key;
    result.ok = false;
    result.error = wire::Error{code, std::move(message), std::nullopt, std::nullopt, worker};
    return result;
}

ModelRunner::ModelRunner(const ModelSpec& spec, std::string worker, FaultDrill drill)
    : spec_(spec), worker_(std::move(worker)), drill_(std::move(drill)), model_(spec) {
    model_.check_fit();
}

void ModelRunner::drill(const Payload& payload) const {
    if (drill_.action == FaultDrill::Action::none || !payload.has_key(drill_.field))
        return;
    if (drill_.action == FaultDrill::Action::crash) {
        spdlog::warn("FERRY_NATIVE_FAULT: aborting on a job with '{}'", drill_.field);
        std::abort();
    }
    spdlog::warn("FERRY_NATIVE_FAULT: hanging on a job with '{}'", drill_.field);
    for (;;)
        std::this_thread::sleep_for(std::chrono::hours(1));
}

std::vector<wire::Result> ModelRunner::run(const std::vector<wire::Job>& jobs) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<wire::Result> results(jobs.size());
    msgpack::zone zone; // every payload of the batch decodes into it
    std::vector<std::unique_ptr<Payload>> payloads;
    std::vector<std::size_t> fit; // indexes of the jobs that go into the forward pass
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        auto payload = std::make_unique<Payload>(jobs[i].payload, zone);
        std::string problem;
        for (const auto& input : spec_.inputs) {
            if (problem.empty())
                problem = check_input(input, *payload);
        }
        if (!problem.empty()) {
            results[i] =
                error_result(jobs[i].id, wire::code_name(wire::ErrorCode::invalid_argument),
                             std::move(problem), worker_);
            continue;
        }
        drill(*payload);
        fit.push_back(i);
        payloads.push_back(std::move(payload));
    }
    if (!fit.empty()) {
        std::vector<cv::Mat> blobs;
        for (const auto& input : spec_.inputs) {
            blobs.push_back(batch_blob(fit.size(), input.shape));
            const std::size_t stride = row_elements(input.shape);
            for (std::size_t r = 0; r < fit.size(); ++r)
                fill_row(input, *payloads[r], blobs.back().ptr<float>() + r * stride);
        }
        std::vector<cv::Mat> outputs;
        std::string failure;
        try {
            outputs = model_.forward(blobs);
            failure = check_outputs(spec_.outputs, outputs, static_cast<int>(fit.size()));
        } catch (const std::exception& error) {
            failure = engine_message(error);
        }
        for (std::size_t r = 0; r < fit.size(); ++r) {
            const auto& job = jobs[fit[r]];
            if (!failure.empty()) {
                results[fit[r]] =
                    error_result(job.id, wire::code_name(wire::ErrorCode::handler_error),
                                 "the model failed in OpenCV DNN: " + failure, worker_);
                continue;
            }
            auto& result = results[fit[r]];
            result.id = job.id;
            result.ok = true;
            result.result.emplace();
            append_result(spec_.outputs, outputs, static_cast<int>(r), *result.result);
        }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    for (auto& result : results)
        result.ms = ms / static_cast<double>(jobs.size());
    return results;
}

} // namespace ferry::worker
