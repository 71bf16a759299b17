// Small facts derived from a worker spec.
#include "ferry/worker/worker_spec.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ferry::worker {
namespace {

constexpr std::array<std::pair<OutputKind, const char*>, 5> kind_names{{
    {OutputKind::argmax, "argmax"},
    {OutputKind::max, "max"},
    {OutputKind::softmax_max, "softmax_max"},
    {OutputKind::raw, "raw"},
    {OutputKind::softmax, "softmax"},
}};

} // namespace

std::uint64_t worker_credit(const WorkerSpec& spec) {
    std::uint64_t largest = 1;
    for (const auto& model : spec.models)
        largest = std::max<std::uint64_t>(largest, model.max_batch);
    return std::max<std::uint64_t>(largest * spec.prefetch, spec.min_credit);
}

const char* kind_name(OutputKind kind) {
    for (const auto& [k, name] : kind_names) {
        if (k == kind)
            return name;
    }
    return "?";
}

std::optional<OutputKind> kind_named(const std::string& name) {
    for (const auto& [kind, spelled] : kind_names) {
        if (name == spelled)
            return kind;
    }
    return std::nullopt;
}

} // namespace ferry::worker
