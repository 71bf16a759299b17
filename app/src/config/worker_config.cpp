// WORKER.yaml: the pool's settings and, per job type, the model and its tensor mappings.
#include "ferry/app/worker_config.hpp"

#include "ferry/app/config_error.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/config_section.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <set>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
namespace {

using worker::InputSpec;
using worker::ModelSpec;
using worker::OutputSpec;
using worker::WorkerSpec;

const std::vector<std::string_view> top_keys = {"processes",       "threads",    "heartbeat_ms",
                                                "prefetch",        "min_credit", "timeout_grace_ms",
                                                "drain_timeout_s", "models"};
const std::vector<std::string_view> model_keys = {"type",         "model",  "max_batch",
                                                  "max_delay_ms", "inputs", "outputs"};
const std::vector<std::string_view> input_keys = {"field", "tensor", "shape"};
const std::vector<std::string_view> output_keys = {"tensor", "fields", "labels"};

std::vector<std::string> split_path(const std::string& field) {
    std::vector<std::string> path;
    std::size_t start = 0;
    for (;;) {
        const auto dot = field.find('.', start);
        path.push_back(field.substr(start, dot - start));
        if (dot == std::string::npos)
            return path;
        start = dot + 1;
    }
}

std::vector<std::uint32_t> read_shape(const Section& section, const YAML::Node& node) {
    const YAML::Node shape = node["shape"];
    if (!shape || !shape.IsSequence() || shape.size() == 0)
        section.fail(shape ? shape : node, "'shape' is required: one job's dimensions as a list of "
                                           "positive integers, e.g. [64] or [3, 32, 32]");
    std::vector<std::uint32_t> dims;
    for (const auto& dim : shape) {
        unsigned long value = 0;
        std::size_t used = 0;
        const std::string text = dim.IsScalar() ? dim.Scalar() : "";
        try {
            value = std::stoul(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != text.size() || value == 0 || value > (1U << 30))
            section.fail(dim, fmt::format("'shape' entry '{}' is not a positive integer", text));
        dims.push_back(static_cast<std::uint32_t>(value));
    }
    return dims;
}

InputSpec read_input(const YAML::Node& node, const std::string& origin, const std::string& where) {
    const Section section(node, origin, where, input_keys);
    InputSpec input;
    section.read_name("field", input.field);
    if (input.field.empty())
        section.fail(
            node, fmt::format("{} needs 'field': the payload field that feeds the tensor", where));
    input.path = split_path(input.field);
    section.read("tensor", input.tensor);
    input.shape = read_shape(section, node);
    input.origin = position(origin, node.Mark());
    return input;
}

OutputSpec read_output(const YAML::Node& node, const std::string& origin,
                       const std::string& where) {
    const Section section(node, origin, where, output_keys);
    OutputSpec output;
    section.read("tensor", output.tensor);
    std::vector<std::pair<std::string, std::string>> fields;
    section.read("fields", fields, [](const std::string& kind) -> std::string {
        return worker::kind_named(kind)
                   ? ""
                   : "is '" + kind + "', not one of argmax, max, softmax_max, raw, softmax";
    });
    for (const auto& [name, kind] : fields)
        output.fields.push_back({name, *worker::kind_named(kind)});
    if (output.fields.empty())
        section.fail(node, fmt::format("{} needs 'fields': result field -> argmax, max, "
                                       "softmax_max, raw or softmax",
                                       where));
    section.read("labels", output.labels);
    return output;
}

template <class T, class Read>
std::vector<T> read_list(const Section& section, const YAML::Node& node, std::string_view key,
                         const std::string& where, Read read) {
    const YAML::Node list = node[std::string(key)];
    if (!list || !list.IsSequence() || list.size() == 0)
        section.fail(list ? list : node,
                     fmt::format("{} needs '{}': a list with at least one entry", where, key));
    std::vector<T> out;
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(read(list[i], fmt::format("{}.{}[{}]", where, key, i)));
    return out;
}

std::string resolve_model(const Section& section, const std::string& given,
                          const std::string& base) {
    const std::string where = section.position_of("model");
    std::filesystem::path path(expand_environment(given, where));
    if (path.is_relative())
        path = std::filesystem::path(base) / path;
    return path.lexically_normal().string();
}

ModelSpec read_model(const YAML::Node& node, const std::string& origin, const std::string& base,
                     std::size_t index) {
    const std::string where = fmt::format("models[{}]", index);
    const Section section(node, origin, where, model_keys);
    ModelSpec model;
    model.origin = position(origin, node.Mark());
    section.read_name("type", model.type);
    std::string file;
    section.read("model", file);
    if (model.type.empty() || file.empty())
        section.fail(node, fmt::format("{} needs 'type' (the job type) and 'model' (the .onnx "
                                       "file)",
                                       where));
    model.model = resolve_model(section, file, base);
    section.read("max_batch", model.max_batch, 1, 65536);
    if (section.has("max_delay_ms")) {
        std::uint32_t delay = 0;
        section.read("max_delay_ms", delay, 0, 60000);
        model.max_delay_ms = delay;
    }
    model.inputs = read_list<InputSpec>(section, node, "inputs", where,
                                        [&](const YAML::Node& entry, const std::string& at) {
                                            return read_input(entry, origin, at);
                                        });
    model.outputs = read_list<OutputSpec>(section, node, "outputs", where,
                                          [&](const YAML::Node& entry, const std::string& at) {
                                              return read_output(entry, origin, at);
                                          });
    if (model.inputs.size() > 1) {
        for (const auto& input : model.inputs) {
            if (input.tensor.empty())
                throw ConfigError(fmt::format("{}: {} has several inputs, so each needs 'tensor': "
                                              "the model input it feeds",
                                              input.origin, where));
        }
    }
    return model;
}

} // namespace

std::string expand_environment(const std::string& text, const std::string& where) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto open = text.find("${", at);
        if (open == std::string::npos) {
            out += text.substr(at);
            break;
        }
        out += text.substr(at, open - at);
        const auto close = text.find('}', open);
        if (close == std::string::npos)
            throw ConfigError(fmt::format("{}: '{}' has an unclosed '${{'", where, text));
        const std::string inner = text.substr(open + 2, close - open - 2);
        const auto dash = inner.find(":-");
        const std::string name = inner.substr(0, dash);
        const char* value = std::getenv(name.c_str());
        if (value != nullptr && *value != '\0')
            out += value;
        else if (dash != std::string::npos)
            out += inner.substr(dash + 2);
        else
            throw ConfigError(fmt::format("{}: '{}' uses ${{{}}}, which is not set; set it or "
                                          "give a default: ${{{}:-...}}",
                                          where, text, name, name));
        at = close + 1;
    }
    return out;
}

WorkerSpec load_worker_spec(const std::string& path) {
    const YAML::Node root = load_yaml(read_config_file(path), path);
    if (!root.IsMap())
        throw ConfigError(fmt::format("{}: a worker file is a mapping with 'models' (see "
                                      "docs/native-worker.md)",
                                      path));
    const Section section(root, path, "worker", top_keys);
    WorkerSpec spec;
    spec.source = path;
    section.read("processes", spec.processes, 1, 1024);
    section.read("threads", spec.threads, 1, 1024);
    section.read("heartbeat_ms", spec.heartbeat_ms, 10, 3600000);
    section.read("prefetch", spec.prefetch, 1, 64);
    section.read("min_credit", spec.min_credit, 1, 65536);
    section.read("timeout_grace_ms", spec.timeout_grace_ms, 0, 3600000);
    section.read("drain_timeout_s", spec.drain_timeout_s, 1, 3600);
    const std::string base = std::filesystem::absolute(path).parent_path().string();
    spec.models = read_list<ModelSpec>(
        section, root, "models", path,
        [&, index = std::size_t{0}](const YAML::Node& entry, const std::string&) mutable {
            return read_model(entry, path, base, index++);
        });
    std::set<std::string> types;
    for (const auto& model : spec.models) {
        if (!types.insert(model.type).second)
            throw ConfigError(fmt::format("{}: job type '{}' is served by two models; give each "
                                          "type one entry",
                                          model.origin, model.type));
    }
    return spec;
}

} // namespace ferry::app
