// One job type's model at work: a batch of jobs becomes one blob per input and one forward pass.
#pragma once

#include "ferry/wire/messages.hpp"
#include "ferry/worker/onnx_model.hpp"
#include "ferry/worker/worker_spec.hpp"

#include <string>
#include <vector>

namespace ferry::worker {

// A drill for the poison and timeout tests, from FERRY_NATIVE_FAULT: `crash:FIELD` aborts the
// process, `hang:FIELD` blocks forever, when a job of the batch has the top-level payload key
// FIELD. Empty: no drill (the default).
struct FaultDrill {
    enum class Action { none, crash, hang };
    Action action = Action::none;
    std::string field; // the payload key that triggers it

    // Reads FERRY_NATIVE_FAULT; throws std::invalid_argument on a value it cannot read.
    [[nodiscard]] static FaultDrill from_environment();
};

class ModelRunner {
  public:
    // Loads the model and checks it fits the spec (ModelError otherwise). `worker` is the name
    // errors are signed with.
    ModelRunner(const ModelSpec& spec, std::string worker, FaultDrill drill = {});

    // One result per job, in order. A job whose payload does not fit an input fails alone
    // (INVALID_ARGUMENT naming the field and the shapes); the others go through one forward
    // pass, which fails them all with HANDLER_ERROR and the engine's message if it throws.
    [[nodiscard]] std::vector<wire::Result> run(const std::vector<wire::Job>& jobs);

    [[nodiscard]] const ModelSpec& spec() const { return spec_; }

  private:
    void drill(const class Payload& payload) const;

    const ModelSpec& spec_;
    std::string worker_;
    FaultDrill drill_;
    OnnxModel model_;
};

// A failed result for `key`, signed by `worker`.
[[nodiscard]] wire::Result error_result(const std::string& key, const std::string& code,
                                        std::string message, const std::string& worker);

} // namespace ferry::worker
