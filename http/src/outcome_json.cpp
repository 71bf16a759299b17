// Outcomes rendered once, when they arrive, so every later fetch is a copy of text.
#include "ferry/http/outcome_json.hpp"

#include "ferry/producer/msgpack_json.hpp"

#include <cmath>
#include <fmt/format.h>

namespace ferry::http {
namespace {

using producer::append_json_string;

void append_error(const wire::Error& error, std::string& out) {
    out += "{\"code\":";
    append_json_string(error.code, out);
    out += ",\"message\":";
    append_json_string(error.message, out);
    if (error.traceback) {
        out += ",\"traceback\":";
        append_json_string(*error.traceback, out);
    }
    if (error.worker) {
        out += ",\"worker\":";
        append_json_string(*error.worker, out);
    }
    out += '}';
}

void append_millis(const char* name, std::optional<double> value, std::string& out) {
    if (value && std::isfinite(*value)) {
        fmt::format_to(std::back_inserter(out), ",\"{}\":{:.3f}", name, *value);
    }
}

} // namespace

std::string outcome_json(const wire::OutcomeView& outcome) {
    std::string out = "{\"id\":";
    append_json_string(outcome.id, out);
    const bool cancelled = !outcome.ok && outcome.error && outcome.error->code == "CANCELLED";
    out += outcome.ok  ? ",\"status\":\"ok\""
           : cancelled ? ",\"status\":\"cancelled\""
                       : ",\"status\":\"failed\"";
    if (outcome.ok) {
        out += ",\"result\":";
        if (outcome.result) {
            producer::append_json_from_msgpack(*outcome.result, out);
        } else {
            out += "null";
        }
    } else {
        if (outcome.error) {
            out += ",\"error\":";
            append_error(*outcome.error, out);
        }
        out += ",\"causes\":[";
        for (std::size_t i = 0; i < outcome.causes.size(); ++i) {
            if (i != 0) {
                out += ',';
            }
            append_error(outcome.causes[i], out);
        }
        out += ']';
    }
    out += ",\"attempts\":" + std::to_string(outcome.attempts);
    append_millis("ms", outcome.ms, out);
    append_millis("queue_ms", outcome.queue_ms, out);
    append_millis("handler_ms", outcome.handler_ms, out);
    if (outcome.worker) {
        out += ",\"worker\":";
        append_json_string(*outcome.worker, out);
    }
    out += '}';
    return out;
}

} // namespace ferry::http
