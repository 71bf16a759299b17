// One ONNX model loaded into OpenCV's DNN module: a batch blob in, its output tensors out.
#pragma once

#include "ferry/worker/worker_spec.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace ferry::worker {

// A model that cannot serve its spec: missing, unreadable, or not fitting the configured
// tensors. The message names the file and the job type; the worker exits 2 with it.
class ModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class OnnxModel {
  public:
    // Reads the spec's model file; throws ModelError naming it when it is missing or is not a
    // model the engine can import.
    explicit OnnxModel(const ModelSpec& spec);

    // One forward pass: `inputs` holds one blob per spec input ([n, shape...] float32); the
    // result holds one tensor per spec output, row i belonging to job i. Throws whatever the
    // engine throws (cv::Exception): the caller fails the batch with HANDLER_ERROR.
    [[nodiscard]] std::vector<cv::Mat> forward(const std::vector<cv::Mat>& inputs);

    // Runs one all-zero job through the model to prove that the configured inputs, shapes and
    // outputs fit it; throws ModelError naming the file and the engine's complaint.
    void check_fit();

  private:
    const ModelSpec& spec_;
    cv::dnn::Net net_;
    std::vector<cv::String> output_names_; // the engine's names for the spec's outputs
};

// A blob of `rows` jobs of `shape` each (float32, uninitialised).
[[nodiscard]] cv::Mat batch_blob(std::size_t rows, const std::vector<std::uint32_t>& shape);

// The first line of an engine exception's text, without OpenCV's file/function prefix noise.
[[nodiscard]] std::string engine_message(const std::exception& error);

} // namespace ferry::worker
