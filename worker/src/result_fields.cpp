// Result maps from output rows; float32 rows travel as typed arrays.
#include "ferry/worker/result_fields.hpp"

#include "ferry/wire/float64.hpp"
#include "ferry/wire/msgpack_append.hpp"
#include "ferry/wire/typed_array.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>

namespace ferry::worker {
namespace {

static_assert(std::endian::native == std::endian::little,
              "typed arrays are little-endian; rows are copied as they are in memory");

// One job's row of an output tensor: its elements and their shape.
struct Row {
    const float* values = nullptr;
    std::size_t count = 0;
    std::vector<std::uint32_t> shape; // the tensor's dimensions after the batch one
};

Row row_of(const cv::Mat& tensor, int row) {
    Row view;
    view.count = tensor.total() / static_cast<std::size_t>(tensor.size[0]);
    view.values = tensor.ptr<float>() + static_cast<std::size_t>(row) * view.count;
    for (int d = 1; d < tensor.dims; ++d)
        view.shape.push_back(static_cast<std::uint32_t>(tensor.size[d]));
    if (view.shape.empty())
        view.shape.push_back(1);
    return view;
}

std::vector<float> softmax(const Row& row) {
    const float top = *std::max_element(row.values, row.values + row.count);
    std::vector<float> out(row.count);
    double sum = 0;
    for (std::size_t i = 0; i < row.count; ++i)
        sum += out[i] = std::exp(row.values[i] - top);
    for (auto& value : out)
        value = static_cast<float>(value / sum);
    return out;
}

void append_double(std::string& out, double value) {
    const auto bytes = wire::float64_bytes(value);
    out.append(bytes.data(), bytes.size());
}

void append_floats(std::string& out, const float* values, const Row& row) {
    wire::append_typed_array(out, wire::ArrayDtype::float32, row.shape,
                             {reinterpret_cast<const char*>(values), row.count * sizeof(float)});
}

void append_value(const OutputSpec& output, OutputKind kind, const Row& row, std::string& out) {
    const float* top = std::max_element(row.values, row.values + row.count);
    switch (kind) {
    case OutputKind::argmax: {
        const auto index = static_cast<std::size_t>(top - row.values);
        if (index < output.labels.size())
            wire::append_str(out, output.labels[index]);
        else
            wire::append_uint(out, index);
        return;
    }
    case OutputKind::max:
        append_double(out, *top);
        return;
    case OutputKind::softmax_max: {
        const auto probabilities = softmax(row);
        append_double(out, *std::max_element(probabilities.begin(), probabilities.end()));
        return;
    }
    case OutputKind::raw:
        append_floats(out, row.values, row);
        return;
    case OutputKind::softmax:
        append_floats(out, softmax(row).data(), row);
        return;
    }
}

} // namespace

std::string check_outputs(const std::vector<OutputSpec>& outputs,
                          const std::vector<cv::Mat>& tensors, int rows) {
    if (tensors.size() != outputs.size())
        return fmt::format("the model gave {} outputs for {} configured", tensors.size(),
                           outputs.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const cv::Mat& tensor = tensors[i];
        const std::string name = outputs[i].tensor.empty() ? "first" : outputs[i].tensor;
        if (tensor.type() != CV_32F)
            return fmt::format("output '{}' is not float32", name);
        if (tensor.dims < 1 || tensor.size[0] != rows || tensor.total() == 0)
            return fmt::format("output '{}' has {} rows for a batch of {} jobs", name,
                               tensor.dims < 1 ? 0 : tensor.size[0], rows);
    }
    return {};
}

void append_result(const std::vector<OutputSpec>& outputs, const std::vector<cv::Mat>& tensors,
                   int row, std::string& out) {
    std::size_t fields = 0;
    for (const auto& output : outputs)
        fields += output.fields.size();
    wire::append_map_header(out, fields);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const Row values = row_of(tensors[i], row);
        for (const auto& field : outputs[i].fields) {
            wire::append_str(out, field.name);
            append_value(outputs[i], field.kind, values, out);
        }
    }
}

} // namespace ferry::worker
