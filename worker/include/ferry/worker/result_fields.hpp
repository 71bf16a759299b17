// From output tensors to result maps: argmax, the top value, softmax, or the raw row.
#pragma once

#include "ferry/worker/worker_spec.hpp"

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace ferry::worker {

// Appends job `row`'s result map (MessagePack) to `out`: the fields of every output spec, each
// computed from that job's row of the matching tensor in `tensors`.
void append_result(const std::vector<OutputSpec>& outputs, const std::vector<cv::Mat>& tensors,
                   int row, std::string& out);

// What is wrong with `tensors` for a batch of `rows` jobs ("" when every output has one row per
// job and a non-empty row).
[[nodiscard]] std::string check_outputs(const std::vector<OutputSpec>& outputs,
                                        const std::vector<cv::Mat>& tensors, int rows);

} // namespace ferry::worker
