// Checking a pipeline's stages and building each stage job's payload from the values before it.
#include "ferry/producer/stage_plan.hpp"

#include "ferry/producer/field_value.hpp"

#include <fmt/format.h>
#include <set>
#include <stdexcept>

namespace ferry::producer {
namespace {

constexpr std::size_t keys_named = 8; // keys listed when a field is missing

std::string_view root_name(PayloadRoot root) {
    switch (root) {
    case PayloadRoot::result:
        return "result";
    case PayloadRoot::item:
        return "item";
    case PayloadRoot::input:
        return "input";
    }
    return "result";
}

// "(it has keys a, b, c)" or "(it is an array, not a map)": what the user can refer to instead.
std::string what_is_there(const msgpack::object& value) {
    if (value.type != msgpack::type::MAP) {
        return value.type == msgpack::type::ARRAY ? "it is a list, not a map" : "it is not a map";
    }
    std::string keys;
    for (std::uint32_t i = 0; i < value.via.map.size && i < keys_named; ++i) {
        const auto& key = value.via.map.ptr[i].key;
        if (key.type != msgpack::type::STR)
            continue;
        keys += keys.empty() ? "" : ", ";
        keys.append(key.via.str.ptr, key.via.str.size);
    }
    if (value.via.map.size > keys_named)
        keys += ", ...";
    return keys.empty() ? "it has no keys" : "its keys are " + keys;
}

const msgpack::object* root_value(const PayloadSource& source, const StageValues& values) {
    switch (source.root) {
    case PayloadRoot::result:
        return values.result;
    case PayloadRoot::item:
        return values.item;
    case PayloadRoot::input:
        return values.input;
    }
    return nullptr;
}

// The value `source` names, or an error that says which step is missing and what is there.
const msgpack::object* resolve(const PayloadSource& source, const StageValues& values,
                               std::string& error) {
    const msgpack::object* at = root_value(source, values);
    if (at == nullptr) {
        error = fmt::format("'{}' has no value here", source.text);
        return nullptr;
    }
    std::vector<std::string> walked;
    for (const auto& key : source.path) {
        const msgpack::object* next = find_in_msgpack(*at, {key});
        if (next == nullptr) {
            std::string parent = std::string(root_name(source.root));
            for (const auto& step : walked)
                parent += "." + step;
            error =
                fmt::format("field '{}' is missing from {} ({})", key, parent, what_is_there(*at));
            return nullptr;
        }
        walked.push_back(key);
        at = next;
    }
    return at;
}

void check_stage(const StageSpec& stage, std::size_t index, bool& reads_input) {
    auto fail = [&](const std::string& what) {
        throw std::invalid_argument(fmt::format("stages[{}] ({}): {}", index, stage.name, what));
    };
    std::vector<const PayloadSource*> sources;
    if (stage.payload.value)
        sources.push_back(&*stage.payload.value);
    for (const auto& [key, source] : stage.payload.fields)
        sources.push_back(&source);
    for (const PayloadSource* source : sources) {
        reads_input = reads_input || source->root == PayloadRoot::input;
        if (source->root == PayloadRoot::item && stage.for_each.empty())
            fail(fmt::format("payload '{}' reads 'item', which only a for_each stage has",
                             source->text));
        if (index == 0 && source->root != PayloadRoot::input)
            fail(fmt::format("payload '{}': the first stage has no previous result; it can "
                             "read only 'input' (the input record's payload)",
                             source->text));
    }
    if (index == 0 && !stage.for_each.empty())
        fail("the first stage cannot fan out (for_each): it takes the input records themselves");
}

} // namespace

std::optional<PayloadSource> parse_payload_source(std::string_view text, std::string& error) {
    PayloadSource source;
    source.text = std::string(text);
    std::vector<std::string> parts = split_path(text);
    static const std::vector<std::pair<std::string_view, PayloadRoot>> roots = {
        {"result", PayloadRoot::result},
        {"item", PayloadRoot::item},
        {"input", PayloadRoot::input}};
    for (const auto& [name, root] : roots) {
        if (!parts.empty() && parts[0] == name) {
            source.root = root;
            source.path.assign(parts.begin() + 1, parts.end());
            for (const auto& part : source.path) {
                if (part.empty()) {
                    error = fmt::format("'{}' has an empty field name (two dots, or a dot at "
                                        "the end)",
                                        text);
                    return std::nullopt;
                }
            }
            return source;
        }
    }
    error = fmt::format("'{}' must start with result, item or input (e.g. result.text)", text);
    return std::nullopt;
}

StagePlan::StagePlan(std::vector<StageSpec> stages) : stages_(std::move(stages)) {
    if (stages_.empty())
        throw std::invalid_argument("a stage list needs at least one stage");
    std::set<std::string> names;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        if (!names.insert(stages_[i].name).second)
            throw std::invalid_argument(
                fmt::format("stages[{}]: another stage is already named '{}'", i, stages_[i].name));
        check_stage(stages_[i], i, reads_input_);
    }
}

BuiltPayload StagePlan::payload_for(std::size_t index, const StageValues& values) const {
    const StageSpec& stage = stages_[index];
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    BuiltPayload built;
    auto failed = [&](const std::string& error) {
        built.error = fmt::format("stage '{}' payload: {}", stage.name, error);
        return built;
    };
    std::string error;
    if (stage.payload.empty()) {
        const msgpack::object* whole = values.item     ? values.item
                                       : values.result ? values.result
                                                       : values.input;
        if (whole == nullptr)
            return failed("there is no value to pass on");
        packer.pack(*whole);
    } else if (stage.payload.value) {
        const msgpack::object* value = resolve(*stage.payload.value, values, error);
        if (value == nullptr)
            return failed(error);
        packer.pack(*value);
    } else {
        packer.pack_map(static_cast<std::uint32_t>(stage.payload.fields.size()));
        for (const auto& [key, source] : stage.payload.fields) {
            const msgpack::object* value = resolve(source, values, error);
            if (value == nullptr)
                return failed(error);
            packer.pack(key);
            packer.pack(*value);
        }
    }
    built.bytes.assign(buffer.data(), buffer.size());
    return built;
}

std::optional<msgpack::object_array> StagePlan::fan_out_list(std::size_t index,
                                                             const msgpack::object& result,
                                                             std::string& error) const {
    const StageSpec& stage = stages_[index];
    const msgpack::object* list = find_in_msgpack(result, stage.for_each);
    if (list == nullptr) {
        error = fmt::format("stage '{}' for_each: field '{}' is missing from the result of "
                            "stage '{}' ({})",
                            stage.name, stage.for_each_text, stages_[index - 1].name,
                            what_is_there(result));
        return std::nullopt;
    }
    if (list->type != msgpack::type::ARRAY) {
        error = fmt::format("stage '{}' for_each: '{}' in the result of stage '{}' is not a list",
                            stage.name, stage.for_each_text, stages_[index - 1].name);
        return std::nullopt;
    }
    return list->via.array;
}

} // namespace ferry::producer
