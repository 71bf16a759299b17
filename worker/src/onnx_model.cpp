// Loading and running ONNX models with OpenCV DNN, with errors that name the model.
#include "ferry/worker/onnx_model.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ferry::worker {
namespace {

std::string where(const ModelSpec& spec) {
    return fmt::format("model {} (job type '{}', {})", spec.model, spec.type, spec.origin);
}

void check_file(const ModelSpec& spec) {
    std::error_code error;
    const auto status = std::filesystem::status(spec.model, error);
    if (!std::filesystem::exists(status)) {
        throw ModelError(
            fmt::format("{} does not exist; export the model there or fix 'model:'", where(spec)));
    }
    if (!std::filesystem::is_regular_file(status))
        throw ModelError(fmt::format("{} is not a regular file", where(spec)));
}

} // namespace

std::string engine_message(const std::exception& error) {
    std::string text = error.what();
    // cv::Exception's what() is "OpenCV(4.6.0) file:line: error: (-215:...) message in function
    // 'f'"
    const auto error_at = text.find(": error: ");
    if (error_at != std::string::npos)
        text = text.substr(error_at + 9);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

cv::Mat batch_blob(std::size_t rows, const std::vector<std::uint32_t>& shape) {
    std::vector<int> sizes{static_cast<int>(rows)};
    for (const auto dim : shape)
        sizes.push_back(static_cast<int>(dim));
    return cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
}

OnnxModel::OnnxModel(const ModelSpec& spec) : spec_(spec) {
    check_file(spec);
    try {
        net_ = cv::dnn::readNetFromONNX(spec.model);
    } catch (const std::exception& error) {
        throw ModelError(fmt::format("{} is not an ONNX model OpenCV can import: {}", where(spec),
                                     engine_message(error)));
    }
    if (net_.empty())
        throw ModelError(fmt::format("{} holds no network", where(spec)));
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const auto unconnected = net_.getUnconnectedOutLayersNames();
    for (const auto& output : spec.outputs) {
        if (!output.tensor.empty())
            output_names_.push_back(output.tensor);
        else if (!unconnected.empty())
            output_names_.push_back(unconnected.front());
    }
}

std::vector<cv::Mat> OnnxModel::forward(const std::vector<cv::Mat>& inputs) {
    for (std::size_t i = 0; i < inputs.size(); ++i)
        net_.setInput(inputs[i], spec_.inputs[i].tensor);
    std::vector<cv::Mat> outputs;
    net_.forward(outputs, output_names_);
    return outputs;
}

void OnnxModel::check_fit() {
    std::vector<cv::Mat> inputs;
    for (const auto& input : spec_.inputs) {
        inputs.push_back(batch_blob(1, input.shape));
        inputs.back().setTo(0.0F);
    }
    std::vector<cv::Mat> outputs;
    try {
        outputs = forward(inputs);
    } catch (const std::exception& error) {
        const auto names = net_.getUnconnectedOutLayersNames();
        throw ModelError(fmt::format(
            "{} does not fit its inputs/outputs: one all-zero job failed in the engine: {} "
            "(model outputs: {})",
            where(spec_), engine_message(error), fmt::join(names, ", ")));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].dims < 1 || outputs[i].size[0] != 1) {
            throw ModelError(fmt::format("{}: output '{}' does not keep the batch dimension first "
                                         "(a batch of 1 gave {} rows)",
                                         where(spec_), output_names_[i],
                                         outputs[i].dims < 1 ? 0 : outputs[i].size[0]));
        }
    }
}

} // namespace ferry::worker
