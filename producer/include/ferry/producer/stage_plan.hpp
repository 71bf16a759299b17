// The stages of a multi-stage pipeline: each stage's job type, fan-out and payload mapping.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::producer {

// What a payload expression starts from: the previous stage's result, the fan-out element, or
// the input record's payload.
enum class PayloadRoot { result, item, input };

// One value of a stage's payload, as `result.text` or `item` names it.
struct PayloadSource {
    PayloadRoot root = PayloadRoot::result; // where the path starts
    std::vector<std::string> path;          // map keys below the root
    std::string text;                       // as written, for messages
};

// How a stage's payload is built: one value (`payload: result.text`), a map of keys to values
// (`payload: {text: item.text}`), or, when empty, the previous result (or the element).
struct PayloadMapping {
    std::optional<PayloadSource> value;                        // the payload is this value
    std::vector<std::pair<std::string, PayloadSource>> fields; // the payload is this map
    [[nodiscard]] bool empty() const { return !value && fields.empty(); }
};

// One entry of `stages`.
struct StageSpec {
    std::string name;                  // unique; names the stage in ids, records and the summary
    std::string type;                  // job type: its pool, batching and retries
    std::vector<std::string> for_each; // a list in the previous result: one job per element
    std::string for_each_text;         // as written, for messages
    PayloadMapping payload;            // the job's payload
};

// Parses `result`, `result.a.b`, `item.x` or `input.y`; nullopt with `error` set otherwise.
[[nodiscard]] std::optional<PayloadSource> parse_payload_source(std::string_view text,
                                                                std::string& error);

// The values a stage's payload can be built from (null where there is none).
struct StageValues {
    const msgpack::object* result = nullptr; // the previous stage's result
    const msgpack::object* item = nullptr;   // the fan-out element
    const msgpack::object* input = nullptr;  // the input record's payload
};

// A payload, or why it could not be built (a field the values lack, named).
struct BuiltPayload {
    std::string bytes; // MessagePack, when built
    std::string error; // non-empty when not
};

// The ordered stages of a pipeline, checked: names unique, the first stage without fan-out
// and reading only `input`, `item` only under fan-out.
class StagePlan {
  public:
    // Throws std::invalid_argument naming the stage and what is wrong.
    explicit StagePlan(std::vector<StageSpec> stages);

    [[nodiscard]] const std::vector<StageSpec>& stages() const { return stages_; }
    [[nodiscard]] std::size_t size() const { return stages_.size(); }
    [[nodiscard]] const StageSpec& stage(std::size_t index) const { return stages_[index]; }
    // Whether any stage reads the input record's payload (it is then kept until the item ends).
    [[nodiscard]] bool reads_input() const { return reads_input_; }

    // The payload of a job of stage `index` from `values`.
    [[nodiscard]] BuiltPayload payload_for(std::size_t index, const StageValues& values) const;
    // The list stage `index` fans out over, from the previous result; an error names the field
    // when it is missing or not a list.
    [[nodiscard]] std::optional<msgpack::object_array>
    fan_out_list(std::size_t index, const msgpack::object& result, std::string& error) const;

  private:
    std::vector<StageSpec> stages_; // in order
    bool reads_input_ = false;      // some mapping reads `input`
};

} // namespace ferry::producer
