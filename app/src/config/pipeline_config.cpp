// Loading and validation of the pipeline sections (input, output, producer, workers).
#include "ferry/app/pipeline_config.hpp"

#include "ferry/app/config_error.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/config_keys.hpp"
#include "ferry/app/config_section.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <set>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
using namespace producer; // this file drives the producer library
namespace {

// Durations are capped at a year, so that adding one to a clock reading cannot overflow.
constexpr std::uint64_t year_s = 365ULL * 24 * 3600;

// A duration key (`30s`, `5m`, `2h`, `1h30m`), in seconds.
std::uint64_t read_duration(const Section& section, const YAML::Node& node, std::string_view key,
                            std::uint64_t fallback) {
    if (!section.has(key))
        return fallback;
    const YAML::Node value = node[std::string(key)];
    std::string error;
    std::optional<std::uint64_t> seconds = parse_duration_s(value.Scalar(), error);
    if (!seconds)
        section.fail(value, fmt::format("'{}' {}", key, error));
    return *seconds;
}

InputConfig read_input(const Section& section, const YAML::Node& section_node) {
    InputConfig input;
    section.read("path", input.path);
    section.read_name("type", input.type);
    input.skip_invalid = section.choose("on_invalid", {"fail", "skip"}, 0) == 1;
    std::vector<std::pair<std::string, std::string>> arrays;
    section.read("arrays", arrays, [](const std::string& name) {
        if (name != "float16" && dtype_named(name))
            return std::string{};
        return fmt::format("is '{}', not a dtype; use one of {}", name, packable_dtype_names());
    });
    for (const auto& [field, dtype] : arrays)
        input.arrays.emplace_back(field, *dtype_named(dtype));
    input.wait_s = read_duration(section, section_node, "wait", 0);
    return input;
}

ScheduleConfig read_schedule(const YAML::Node& node, const std::string& origin) {
    Section section(node, origin, "schedule", keys_of("schedule"));
    ScheduleConfig schedule;
    section.read("cron", schedule.cron);
    schedule.cron_at = section.position_of("cron");
    section.read("every", schedule.every);
    schedule.every_at = section.position_of("every");
    section.read_name("timezone", schedule.timezone);
    schedule.timezone_at = section.position_of("timezone");
    if (schedule.cron.empty() == schedule.every.empty())
        section.fail(node, "'schedule' needs exactly one of 'cron' (e.g. \"0 2 * * *\") and "
                           "'every' (e.g. 30s, 5m, 2h)");
    schedule.overlap = static_cast<Overlap>(section.choose(
        "overlap", {"skip", "buffer_one", "buffer_all", "allow", "cancel_other"}, 0));
    schedule.catchup_window_s =
        read_duration(section, node, "catchup_window", schedule.catchup_window_s);
    schedule.misfire = static_cast<Misfire>(section.choose("misfire", {"run_once", "run_all"}, 0));
    schedule.jitter_s = read_duration(section, node, "jitter", 0);
    schedule.paused = section.choose("paused", {"false", "true"}, 0) == 1;
    section.read("keep_runs", schedule.keep_runs, 1, 1000000);
    return schedule;
}

OutputConfig read_output(const Section& section) {
    OutputConfig output;
    section.read("path", output.path);
    output.order = section.choose("order", {"input", "completion"}, 0) == 0
                       ? OutputOrder::input
                       : OutputOrder::completion;
    output.format = section.choose("format", {"jsonl", "msgpack"}, 0) == 0 ? OutputFormat::jsonl
                                                                           : OutputFormat::msgpack;
    return output;
}

ProducerConfig read_producer(const Section& section) {
    ProducerConfig producer;
    section.read("client", producer.client);
    section.read("window", producer.window, 1);
    section.read("submit_batch", producer.submit_batch, 1);
    section.read("progress_interval_s", producer.progress_interval_s, 1, year_s);
    section.read("heartbeat_ms", producer.heartbeat_ms, 10, 3600000);
    return producer;
}

// Why a native pool refuses the Python pool's keys: its settings live in its worker file, and a
// key that would be silently ignored is a mistake the user should hear about.
void check_native_pool(const Section& section, const YAML::Node& node, std::size_t index) {
    for (const std::string_view key : {"handlers", "python", "max_jobs", "max_rss_mb", "prefetch",
                                       "max_credit", "inline", "heartbeat_ms", "start_method"}) {
        if (section.has(key))
            section.fail(node[std::string(key)],
                         fmt::format("workers[{}] is a native pool: '{}' belongs to Python pools; "
                                     "set a native pool's options in its worker file",
                                     index, key));
    }
}

WorkerPoolConfig read_pool(const YAML::Node& node, const std::string& origin, std::size_t index) {
    Section section(node, origin, fmt::format("workers[{}]", index), keys_of("workers[]"));
    WorkerPoolConfig pool;
    section.read("handlers", pool.handlers);
    section.read("native", pool.native);
    pool.processes_set = section.has("processes");
    section.read("processes", pool.processes, 1);
    section.read("python", pool.python);
    pool.python_at = section.position_of("python");
    section.read("max_jobs", pool.max_jobs);
    section.read("max_rss_mb", pool.max_rss_mb);
    section.read("prefetch", pool.prefetch, 1);
    section.read("max_credit", pool.max_credit);
    static const std::vector<std::string_view> inline_modes = {"auto", "always", "never"};
    pool.inline_mode = std::string(inline_modes[section.choose("inline", inline_modes, 0)]);
    section.read("heartbeat_ms", pool.heartbeat_ms, 1, year_s * 1000);
    static const std::vector<std::string_view> levels = {"debug", "info", "warning", "error"};
    if (section.has("log_level"))
        pool.log_level = std::string(levels[section.choose("log_level", levels, 1)]);
    pool.start_method =
        section.choose("start_method", {"fork", "spawn"}, 0) == 0 ? "fork" : "spawn";
    if (pool.handlers.empty() && pool.native.empty())
        section.fail(node, fmt::format("workers[{}] needs 'handlers' (a Python pool: a "
                                       "module name or a .py path) or 'native' (a native pool: "
                                       "its worker YAML)",
                                       index));
    if (!pool.native.empty())
        check_native_pool(section, node, index);
    return pool;
}

AggregateSpec read_aggregate(const YAML::Node& node, const std::string& origin, std::size_t index) {
    std::string where = fmt::format("aggregates[{}]", index);
    Section section(node, origin, where, keys_of("aggregates[]"));
    AggregateSpec spec;
    std::string kind = "count_by", field, result_field, input_field;
    section.read("name", spec.name);
    section.read("kind", kind);
    section.read("field", field);
    section.read("result_field", result_field);
    section.read("input_field", input_field);
    section.read("stage", spec.stage);
    if (!aggregate_kind_from_name(kind, spec.kind)) {
        section.fail(node, fmt::format("{}.kind '{}' is not one of count_by, sum, mean, min, max, "
                                       "match_rate, char_accuracy",
                                       where, kind));
    }
    if (spec.name.empty())
        section.fail(node, fmt::format("{} needs a 'name'", where));
    std::string path = result_field.empty() ? field : result_field;
    spec.result_path = split_path(path);
    spec.input_path = split_path(input_field);
    if (needs_input(spec.kind) && (spec.input_path.empty() || spec.result_path.empty())) {
        section.fail(node,
                     fmt::format("{} ({}) needs 'result_field' and 'input_field'", where, kind));
    }
    if (!needs_input(spec.kind) && spec.result_path.empty()) {
        section.fail(
            node, fmt::format("{} ({}) needs 'field': a dotted path into the result", where, kind));
    }
    return spec;
}

// A payload expression (`result.text`), checked where it is written.
PayloadSource read_source(const Section& section, const YAML::Node& node,
                          const std::string& where) {
    if (!node.IsScalar())
        section.fail(node, fmt::format("{} must be an expression such as result.text", where));
    std::string error;
    std::optional<PayloadSource> source = parse_payload_source(node.Scalar(), error);
    if (!source)
        section.fail(node, fmt::format("{}: {}", where, error));
    return *source;
}

PayloadMapping read_payload(const Section& section, const YAML::Node& node,
                            const std::string& where) {
    PayloadMapping mapping;
    if (!node.IsMap()) {
        mapping.value = read_source(section, node, where);
        return mapping;
    }
    for (const auto& entry : node) {
        const std::string key = entry.first.Scalar();
        mapping.fields.emplace_back(key, read_source(section, entry.second, where + "." + key));
    }
    if (mapping.fields.empty())
        section.fail(node, fmt::format("{} is an empty map; leave it out to pass the previous "
                                       "result on whole",
                                       where));
    return mapping;
}

StageSpec read_stage(const YAML::Node& node, const std::string& origin, std::size_t index) {
    const std::string where = fmt::format("stages[{}]", index);
    Section section(node, origin, where, keys_of("stages[]"));
    StageSpec stage;
    section.read_name("name", stage.name);
    section.read_name("type", stage.type);
    if (stage.name.empty() || stage.type.empty())
        section.fail(node, fmt::format("{} needs a 'name' and a job 'type'", where));
    if (!is_plain_name(stage.name))
        section.fail(node["name"], fmt::format("{}.name '{}' may hold only letters, digits, "
                                               "'_', '-' and '.' (it prefixes job ids)",
                                               where, stage.name));
    section.read("for_each", stage.for_each_text);
    stage.for_each = split_path(stage.for_each_text);
    if (node["payload"])
        stage.payload = read_payload(section, node["payload"], where + ".payload");
    return stage;
}

// The stages, checked as a whole (names unique, what each may read); the first stage's type
// is the input's type, so `input.type` must not also be set.
void read_stages(const Section& top, const YAML::Node& root, const std::string& origin,
                 PipelineConfig& config) {
    const YAML::Node list = root["stages"];
    if (!list.IsSequence() || list.size() == 0)
        top.fail(list, "'stages' must be a list of stages, each with a name and a job type");
    for (std::size_t i = 0; i < list.size(); ++i)
        config.stages.push_back(read_stage(list[i], origin, i));
    try {
        (void)StagePlan(config.stages);
    } catch (const std::invalid_argument& error) {
        top.fail(list, error.what());
    }
    if (YAML::Node input = root["input"]; input && input.IsMap() && input["type"]) {
        top.fail(input["type"], "input.type and stages both give job types; with stages, each "
                                "stage has its own: remove input.type");
    }
    config.input.type = config.stages.front().type;
    for (std::size_t i = 0; i < config.aggregates.size(); ++i) {
        const std::string& stage = config.aggregates[i].stage;
        const bool known =
            stage.empty() || std::any_of(config.stages.begin(), config.stages.end(),
                                         [&](const auto& s) { return s.name == stage; });
        if (!known)
            top.fail(
                root["aggregates"][i]["stage"],
                fmt::format("aggregates[{}].stage '{}' is not a stage of this pipeline", i, stage));
    }
}

} // namespace

PipelineConfig parse_pipeline_config(const std::string& yaml_text, const std::string& origin) {
    const YAML::Node root = load_yaml(yaml_text, origin);
    check_top_level(root, origin);
    Section top(root, origin, "(top level)", top_level_sections());
    PipelineConfig config;
    config.source = origin;
    config.input =
        read_input(Section(root["input"], origin, "input", keys_of("input")), root["input"]);
    config.output = read_output(Section(root["output"], origin, "output", keys_of("output")));
    config.producer =
        read_producer(Section(root["producer"], origin, "producer", keys_of("producer")));
    if (YAML::Node pools = root["workers"]; pools && !pools.IsNull()) {
        if (!pools.IsSequence())
            top.fail(pools, "'workers' must be a list of pools");
        for (std::size_t i = 0; i < pools.size(); ++i) {
            config.workers.push_back(read_pool(pools[i], origin, i));
        }
    }
    if (YAML::Node list = root["aggregates"]; list && !list.IsNull()) {
        if (!list.IsSequence())
            top.fail(list, "'aggregates' must be a list");
        std::set<std::string> names;
        for (std::size_t i = 0; i < list.size(); ++i) {
            config.aggregates.push_back(read_aggregate(list[i], origin, i));
            if (!names.insert(config.aggregates.back().name).second) {
                top.fail(list[i], fmt::format("aggregates[{}]: another aggregate is already named "
                                              "'{}'; names are keys of the summary",
                                              i, config.aggregates.back().name));
            }
        }
    }
    if (root["schedule"] && !root["schedule"].IsNull()) {
        config.schedule = read_schedule(root["schedule"], origin);
        config.schedule_at = top.position_of("schedule");
    }
    if (root["stages"] && !root["stages"].IsNull()) {
        read_stages(top, root, origin, config);
    } else {
        for (std::size_t i = 0; i < config.aggregates.size(); ++i) {
            if (!config.aggregates[i].stage.empty())
                top.fail(root["aggregates"][i]["stage"],
                         fmt::format("aggregates[{}].stage: this pipeline has no stages", i));
        }
    }
    return config;
}

namespace {

// Paths in a config file are relative to that file, so a pipeline directory can move as a whole.
void resolve_against(const std::filesystem::path& base, std::string& path) {
    if (path.empty() || path == "-" || std::filesystem::path(path).is_absolute())
        return;
    path = (base / path).lexically_normal().string();
}

bool looks_like_path(const std::string& handlers) {
    return handlers.find('/') != std::string::npos ||
           (handlers.size() > 3 && handlers.ends_with(".py"));
}

} // namespace

PipelineConfig load_pipeline_config(const std::string& path) {
    return load_pipeline_config(path, read_config_file(path));
}

PipelineConfig load_pipeline_config(const std::string& path, const std::string& text) {
    PipelineConfig config = parse_pipeline_config(text, path);
    std::filesystem::path base = std::filesystem::absolute(path).parent_path();
    resolve_against(base, config.input.path);
    resolve_against(base, config.output.path);
    for (auto& pool : config.workers) {
        if (looks_like_path(pool.handlers))
            resolve_against(base, pool.handlers);
        if (pool.is_native())
            resolve_against(base, pool.native);
    }
    return config;
}

} // namespace ferry::app
