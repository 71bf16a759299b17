// The admin commands a running service answers: runs, trigger, pause, resume, backfill, metrics.
#include "ferry/producer/msgpack_json.hpp"
#include "ferry/schedule/run_record.hpp"
#include "service_state.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <simdjson.h>
#include <spdlog/spdlog.h>

namespace ferry::app {
namespace {

using producer::append_json_string;
using schedule::Instant;

constexpr std::uint64_t default_runs_listed = 20;
constexpr std::size_t max_backfill = 10000; // nominal times one backfill may add to the history

// The request's arguments, read from its JSON object.
struct AdminArgs {
    std::string pipeline;                      // "pipeline"
    std::optional<std::string> at;             // "at"
    std::optional<std::string> from;           // "from"
    std::optional<std::string> to;             // "to"
    bool dry_run = false;                      // "dry_run"
    std::uint64_t limit = default_runs_listed; // "limit"
};

ServiceAnswer refused(std::string message, std::string code = "INVALID_ARGUMENT") {
    return {false, std::move(message), std::move(code)};
}

std::optional<AdminArgs> read_args(std::string_view json, std::string& error) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json.data(), json.size()).get(object) != simdjson::SUCCESS) {
        error = "the request's arguments are not a JSON object";
        return std::nullopt;
    }
    AdminArgs args;
    std::string_view text;
    if (object["pipeline"].get(text) == simdjson::SUCCESS)
        args.pipeline = text;
    if (object["at"].get(text) == simdjson::SUCCESS)
        args.at = std::string(text);
    if (object["from"].get(text) == simdjson::SUCCESS)
        args.from = std::string(text);
    if (object["to"].get(text) == simdjson::SUCCESS)
        args.to = std::string(text);
    bool flag = false;
    if (object["dry_run"].get(flag) == simdjson::SUCCESS)
        args.dry_run = flag;
    std::uint64_t limit = 0;
    if (object["limit"].get(limit) == simdjson::SUCCESS)
        args.limit = limit;
    return args;
}

void append_instant(const std::optional<Instant>& at, std::string& out) {
    if (at)
        append_json_string(schedule::format_instant(*at), out);
    else
        out += "null";
}

void append_run(const schedule::RunRecord& run, std::string& out) {
    out += "{\"run_id\":";
    append_json_string(run.run_id, out);
    out += ",\"pipeline\":";
    append_json_string(run.pipeline, out);
    out += ",\"nominal\":";
    append_instant(run.nominal, out);
    out += ",\"reason\":";
    append_json_string(schedule::to_string(run.reason), out);
    out += ",\"state\":";
    append_json_string(schedule::to_string(run.state), out);
    out += ",\"started\":";
    append_instant(run.fired, out);
    out += ",\"ended\":";
    append_instant(run.ended, out);
    out += fmt::format(",\"ok\":{},\"failed\":{},\"total\":{},\"output\":", run.counts.ok,
                       run.counts.failed, run.counts.total);
    append_json_string(run.output, out);
    out += ",\"message\":";
    append_json_string(run.cause, out);
    out += "}";
}

void append_pipeline(PipelinePlan& pipeline, std::uint64_t limit, std::string& out) {
    out += "{\"name\":";
    append_json_string(pipeline.name, out);
    out += ",\"schedule\":";
    append_json_string(pipeline.spec.timetable->describe(), out);
    out += fmt::format(",\"paused\":{},\"next_nominal\":", pipeline.plan->paused());
    append_instant(pipeline.plan->next_nominal(), out);
    if (!pipeline.plan->error().empty()) {
        out += ",\"error\":";
        append_json_string(pipeline.plan->error(), out);
    }
    out += ",\"runs\":[";
    const std::vector<schedule::RunRecord> runs = pipeline.store->runs(pipeline.name);
    const std::size_t first = runs.size() > limit ? runs.size() - limit : 0;
    for (std::size_t i = first; i < runs.size(); ++i) {
        if (i > first)
            out += ",";
        append_run(runs[i], out);
    }
    out += "]}";
}

// Per pipeline: its runs counted by state (a fire's outcome) and the latest start, for /metrics.
ServiceAnswer answer_metrics(SchedulerState& state) {
    std::string out = "{\"pipelines\":[";
    for (std::size_t p = 0; p < state.pipelines.size(); ++p) {
        PipelinePlan& pipeline = *state.pipelines[p];
        std::map<std::string, std::uint64_t> by_state;
        std::optional<Instant> last_fire;
        for (const schedule::RunRecord& run : pipeline.store->runs(pipeline.name)) {
            ++by_state[std::string(schedule::to_string(run.state))];
            if (run.fired && (!last_fire || *run.fired > *last_fire))
                last_fire = run.fired;
        }
        out += p == 0 ? "{\"name\":" : ",{\"name\":";
        append_json_string(pipeline.name, out);
        out += fmt::format(",\"paused\":{},\"last_fire_unix\":", pipeline.plan->paused());
        out += last_fire ? std::to_string(last_fire->time_since_epoch().count()) : "null";
        out += ",\"runs\":{";
        bool first = true;
        for (const auto& [name, count] : by_state) {
            out += first ? "" : ",";
            first = false;
            append_json_string(name, out);
            out += ":" + std::to_string(count);
        }
        out += "}}";
    }
    out += "]}";
    return {true, std::move(out), {}};
}

ServiceAnswer answer_runs(SchedulerState& state, const AdminArgs& args) {
    std::string out = "{\"pipelines\":[";
    bool first = true;
    for (auto& pipeline : state.pipelines) {
        if (!args.pipeline.empty() && pipeline->name != args.pipeline)
            continue;
        out += first ? "" : ",";
        first = false;
        append_pipeline(*pipeline, args.limit, out);
    }
    out += "]}";
    return {true, std::move(out), {}};
}

std::string message_reply(const std::string& message, const std::string& extra = {}) {
    std::string out = "{\"message\":";
    append_json_string(message, out);
    return out + extra + "}";
}

std::optional<Instant> instant_arg(const std::optional<std::string>& text, std::string_view name,
                                   std::string& error) {
    if (!text)
        return std::nullopt;
    std::optional<Instant> at = schedule::parse_instant(*text);
    if (!at)
        error =
            fmt::format("'{}' is '{}', not a time of the form 2026-12-03T02:00:00Z", name, *text);
    return at;
}

ServiceAnswer answer_trigger(PipelinePlan& pipeline, const AdminArgs& args, Instant now) {
    std::string error;
    const std::optional<Instant> at = instant_arg(args.at, "at", error);
    if (!error.empty())
        return refused(error);
    schedule::TriggerResult result = pipeline.plan->trigger(at, now);
    if (!result.start)
        return refused(result.refused, "ALREADY_DONE");
    const schedule::RunRecord run = result.start->run; // a copy: the action moves on
    pipeline.queued.push_back(std::move(*result.start));
    std::string extra = ",\"run_id\":";
    append_json_string(run.run_id, extra);
    spdlog::info("run {} triggered", run.run_id);
    return {true,
            message_reply(fmt::format("run {} started (nominal time {})", run.run_id,
                                      schedule::format_instant(run.nominal)),
                          extra),
            {}};
}

ServiceAnswer answer_backfill(PipelinePlan& pipeline, const AdminArgs& args) {
    std::string error;
    const std::optional<Instant> from = instant_arg(args.from, "from", error);
    const std::optional<Instant> to = instant_arg(args.to, "to", error);
    if (!error.empty())
        return refused(error);
    if (!from || !to || *to < *from)
        return refused("backfill needs 'from' and 'to', with from <= to");
    std::size_t count = 0;
    const schedule::Timetable& timetable = *pipeline.spec.timetable;
    for (auto at = timetable.next_after(*from - std::chrono::seconds{1});
         at && *at <= *to && count <= max_backfill; at = timetable.next_after(*at))
        ++count;
    if (count > max_backfill)
        return refused(fmt::format("{} has more than {} nominal times between {} and {}; "
                                   "backfill at most {} at once (split the range)",
                                   pipeline.name, max_backfill, *args.from, *args.to,
                                   max_backfill));
    const std::vector<Instant> times = pipeline.plan->backfill(*from, *to, args.dry_run);
    std::string extra = ",\"nominal\":[";
    for (std::size_t i = 0; i < times.size(); ++i) {
        extra += i > 0 ? "," : "";
        append_json_string(schedule::format_instant(times[i]), extra);
    }
    extra += "]";
    const std::string message =
        fmt::format("{} {} nominal times of {} without a run between {} and {}",
                    args.dry_run ? "would run" : "runs", times.size(), pipeline.name,
                    schedule::format_instant(*from), schedule::format_instant(*to));
    return {true, message_reply(message, extra), {}};
}

ServiceAnswer answer_pause(PipelinePlan& pipeline, bool pause, Instant now) {
    if (pause)
        pipeline.plan->pause();
    else
        pipeline.plan->resume(now);
    spdlog::info("pipeline {} {}", pipeline.name, pause ? "paused" : "resumed");
    return {true,
            message_reply(fmt::format("pipeline {} {}", pipeline.name,
                                      pause ? "paused: no nominal time fires until resumed"
                                            : "resumed: it fires from now on")),
            {}};
}

std::string pipeline_names(const SchedulerState& state) {
    std::string names;
    for (const auto& pipeline : state.pipelines)
        names += (names.empty() ? "" : ", ") + pipeline->name;
    return names;
}

} // namespace

PipelinePlan* SchedulerState::named(std::string_view name) {
    for (auto& pipeline : pipelines) {
        if (pipeline->name == name)
            return pipeline.get();
    }
    return nullptr;
}

PipelinePlan* SchedulerState::owner_of(const std::string& run_id) {
    if (auto it = owners.find(run_id); it != owners.end())
        return it->second;
    return named(std::string_view(run_id).substr(0, run_id.rfind('@')));
}

ServiceAnswer answer_admin(SchedulerState& state, std::string_view command,
                           std::string_view args_json, Instant now) {
    std::string error;
    const std::optional<AdminArgs> args = read_args(args_json, error);
    if (!args)
        return refused(error);
    if (command == "runs")
        return answer_runs(state, *args);
    if (command == "metrics")
        return answer_metrics(state);
    PipelinePlan* pipeline = state.named(args->pipeline);
    if (pipeline == nullptr)
        return refused(fmt::format("no pipeline named '{}'; this service runs {}", args->pipeline,
                                   pipeline_names(state)));
    if (command == "trigger")
        return answer_trigger(*pipeline, *args, now);
    if (command == "pause" || command == "resume")
        return answer_pause(*pipeline, command == "pause", now);
    if (command == "backfill")
        return answer_backfill(*pipeline, *args);
    return refused(fmt::format("unknown command '{}'; the service answers runs, trigger, pause, "
                               "resume, backfill and metrics",
                               command));
}

} // namespace ferry::app
