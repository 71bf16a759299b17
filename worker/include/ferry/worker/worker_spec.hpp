// What a native worker runs, as read from its WORKER.yaml: models, their tensors, the pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::worker {

// One payload field fed to one model input: each job contributes one row of shape `shape`, and
// a batch of n jobs is one blob of shape [n, shape...].
struct InputSpec {
    std::string field;                // payload field, dotted for nested maps ("image.pixels")
    std::vector<std::string> path;    // `field` split at the dots
    std::string tensor;               // model input name ("": the model's only input)
    std::vector<std::uint32_t> shape; // one job's shape, without the batch dimension
    std::string origin;               // "file:line:col" of the entry, for messages
};

// What a result field holds, computed from one job's row of an output tensor.
enum class OutputKind {
    argmax,      // index of the largest value (or the label at that index)
    max,         // the largest value (for outputs that are probabilities already)
    softmax_max, // the largest softmax probability of the row (for logits)
    raw,         // the row itself, as a float32 typed array
    softmax,     // softmax of the row, as a float32 typed array
};

// One result field and what fills it.
struct OutputField {
    std::string name; // key in the result map
    OutputKind kind{};
};

// One model output and the result fields taken from it.
struct OutputSpec {
    std::string tensor;              // model output name ("": the model's first output)
    std::vector<OutputField> fields; // in file order
    std::vector<std::string> labels; // argmax names by index (empty: the index itself)
};

// One job type served by one ONNX model.
struct ModelSpec {
    std::string type;                          // job type, e.g. "digits.classify"
    std::string model;                         // path of the .onnx file (resolved, absolute)
    std::uint32_t max_batch = 64;              // jobs per forward pass
    std::optional<std::uint32_t> max_delay_ms; // announced in READY: longest wait to fill a batch
    std::vector<InputSpec> inputs;             // in file order
    std::vector<OutputSpec> outputs;           // in file order
    std::string origin;                        // "file:line:col" of the entry, for messages
};

// The whole WORKER.yaml.
struct WorkerSpec {
    std::string source;                   // the file it was read from
    std::uint32_t processes = 1;          // worker processes
    std::uint32_t threads = 1;            // OpenCV threads per process
    std::uint32_t heartbeat_ms = 1000;    // interval the worker keeps
    std::uint32_t prefetch = 2;           // batches a process may hold (credit = max_batch x this)
    std::uint32_t min_credit = 32;        // credit floor, so unbatched types still pipeline
    std::uint32_t timeout_grace_ms = 250; // a forward past timeout_ms + this is abandoned
    std::uint32_t drain_timeout_s = 30;   // after SIGTERM, how long processes may take to drain
    std::vector<ModelSpec> models;        // one per job type
};

// The credit a worker process grants: room for `prefetch` of its largest batches, at least
// `min_credit`.
[[nodiscard]] std::uint64_t worker_credit(const WorkerSpec& spec);

// The name of a kind as the YAML spells it, and back (nullopt for an unknown name).
[[nodiscard]] const char* kind_name(OutputKind kind);
[[nodiscard]] std::optional<OutputKind> kind_named(const std::string& name);

} // namespace ferry::worker
