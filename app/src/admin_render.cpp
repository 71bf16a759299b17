// Rendering the JSON replies of the pipeline commands for people (--json prints them as they are).
#include "ferry/app/admin_render.hpp"

#include <iomanip>
#include <simdjson.h>
#include <stdexcept>

namespace ferry::app {
namespace {

using simdjson::dom::element;

// Column widths of the runs table; long values push the line out rather than being cut.
constexpr int pipeline_width = 16;
constexpr int run_id_width = 26;
constexpr int time_width = 22;
constexpr int state_width = 11;
constexpr int counts_width = 18;

[[noreturn]] void unexpected(std::string_view what) {
    throw std::runtime_error("the broker's reply is not what this ferry expects (" +
                             std::string(what) + "); is the server a different version?");
}

element parse(simdjson::dom::parser& parser, std::string_view reply_json) {
    element root;
    if (auto error = parser.parse(simdjson::padded_string(reply_json)).get(root)) {
        unexpected(std::string("not JSON: ") + simdjson::error_message(error));
    }
    return root;
}

// A field as display text: strings as they are, null or missing as "-", anything else as JSON.
std::string field_text(element object, std::string_view key) {
    element value;
    if (object[key].get(value) || value.is_null()) {
        return "-";
    }
    std::string_view text;
    if (!value.get(text)) {
        return std::string(text);
    }
    return simdjson::to_string(value);
}

void write_pipeline_line(std::ostream& out, element pipeline) {
    out << field_text(pipeline, "name") << "   schedule " << field_text(pipeline, "schedule");
    bool paused = false;
    if (!pipeline["paused"].get(paused) && paused) {
        out << "   PAUSED";
    }
    out << "   next " << field_text(pipeline, "next_nominal") << "\n";
    if (field_text(pipeline, "error") != "-") {
        out << "  error: " << field_text(pipeline, "error") << "\n";
    }
}

void write_run_row(std::ostream& out, element run) {
    const std::string counts =
        field_text(run, "ok") + "/" + field_text(run, "failed") + "/" + field_text(run, "total");
    out << "  " << std::left << std::setw(pipeline_width) << field_text(run, "pipeline")
        << std::setw(run_id_width) << field_text(run, "run_id") << std::setw(time_width)
        << field_text(run, "nominal") << std::setw(state_width) << field_text(run, "state")
        << std::setw(time_width) << field_text(run, "started") << std::setw(time_width)
        << field_text(run, "ended") << std::setw(counts_width) << counts
        << field_text(run, "output") << "\n";
    if (field_text(run, "message") != "-") {
        out << "    " << field_text(run, "message") << "\n";
    }
}

void write_run_header(std::ostream& out) {
    out << "  " << std::left << std::setw(pipeline_width) << "PIPELINE" << std::setw(run_id_width)
        << "RUN" << std::setw(time_width) << "NOMINAL" << std::setw(state_width) << "STATE"
        << std::setw(time_width) << "STARTED" << std::setw(time_width) << "ENDED"
        << std::setw(counts_width) << "OK/FAILED/TOTAL"
        << "OUTPUT\n";
}

} // namespace

void write_runs_table(std::ostream& out, std::string_view reply_json) {
    simdjson::dom::parser parser;
    simdjson::dom::array pipelines;
    if (parse(parser, reply_json)["pipelines"].get(pipelines)) {
        unexpected("no \"pipelines\" list");
    }
    if (pipelines.size() == 0) {
        out << "no pipelines\n";
    }
    for (element pipeline : pipelines) {
        write_pipeline_line(out, pipeline);
        simdjson::dom::array runs;
        if (pipeline["runs"].get(runs) || runs.size() == 0) {
            out << "  no runs\n";
            continue;
        }
        write_run_header(out);
        for (element run : runs) {
            write_run_row(out, run);
        }
    }
}

std::string reply_message(std::string_view reply_json) {
    simdjson::dom::parser parser;
    std::string_view message;
    if (parse(parser, reply_json)["message"].get(message)) {
        unexpected("no \"message\" string");
    }
    return std::string(message);
}

} // namespace ferry::app
