// Body parsing and status mapping shared by every route group.
#include "route_support.hpp"

#include "ferry/http/json_syntax.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/http/utf8.hpp"
#include "ferry/producer/msgpack_json.hpp"

#include <charconv>
#include <cmath>

namespace ferry::http {

bool parse_json_body(const std::string& body, httplib::Response& response,
                     simdjson::dom::parser& parser, simdjson::dom::element& out,
                     const std::string& what) {
    const auto error = parser.parse(body).get(out);
    if (error == simdjson::SUCCESS) {
        return true;
    }
    const JsonSyntaxError syntax = json_syntax_error(body);
    if (syntax.offset == std::string_view::npos) { // well formed, yet refused: a number too big
        send_problem(response, 400, "/problems/unsupported-json", "JSON value not supported",
                     what + " is valid JSON that cannot be carried losslessly: " +
                         simdjson::error_message(error) +
                         " (integers must fit 64 bits; send larger ones as strings)");
        return false;
    }
    send_problem(response, 400, "/problems/malformed-json", "Malformed JSON",
                 what + " is not valid JSON: at byte " + std::to_string(syntax.offset) +
                     " expected " + syntax.what,
                 {{"offset", std::to_string(syntax.offset)}});
    return false;
}

void send_json(httplib::Response& response, int status, std::string body) {
    response.status = status;
    body += '\n';
    response.set_content(std::move(body), "application/json");
}

void send_refusal(httplib::Response& response, const SubmitAnswer& answer) {
    const auto seconds = std::max<std::uint64_t>(1, (answer.retry_after_ms + 999) / 1000);
    response.set_header("Retry-After", std::to_string(seconds));
    if (answer.code == "QUEUE_FULL" || answer.code == "JOURNAL_FULL") {
        send_problem(response, 429, "/problems/broker-full", "The broker is full",
                     answer.message + "; retry after " + std::to_string(seconds) + " s",
                     {{"code", "\"" + answer.code + "\""}});
        return;
    }
    send_problem(response, 503, "/problems/unavailable", "The broker cannot take jobs now",
                 answer.message, {{"code", "\"" + answer.code + "\""}});
}

void send_admin_reply(httplib::Response& response, const AdminReply& reply, int ok_status,
                      bool missing_is_404) {
    if (reply.ok) {
        send_json(response, ok_status, valid_utf8(reply.reply)); // ids may be any bytes
        return;
    }
    std::string code_json;
    producer::append_json_string(reply.code, code_json);
    if (reply.code == "UNSUPPORTED") {
        send_problem(response, 501, "/problems/unsupported", "Not supported here", reply.reply,
                     {{"code", code_json}});
    } else if (reply.code == "ALREADY_DONE") {
        send_problem(response, 409, "/problems/conflict", "Already done", reply.reply,
                     {{"code", code_json}});
    } else if (reply.code == "INVALID_ARGUMENT" && missing_is_404 &&
               reply.reply.starts_with("no ")) { // "no pipeline named ...", "no job ..."
        send_problem(response, 404, "/problems/not-found", "Not found", reply.reply,
                     {{"code", code_json}});
    } else if (reply.code == "INVALID_ARGUMENT") {
        send_problem(response, 400, "/problems/invalid-argument", "Invalid argument", reply.reply,
                     {{"code", code_json}});
    } else {
        send_problem(response, 500, "/problems/internal", "The service failed", reply.reply,
                     {{"code", code_json}});
    }
}

std::optional<std::chrono::milliseconds> parse_wait(std::string_view text) {
    double number = 0;
    const char* end = text.data() + text.size();
    const auto [rest, error] = std::from_chars(text.data(), end, number);
    if (error != std::errc() || !std::isfinite(number) || number < 0) {
        return std::nullopt;
    }
    const std::string_view unit(rest, static_cast<std::size_t>(end - rest));
    double ms = 0;
    if (unit.empty() || unit == "s") {
        ms = number * 1000;
    } else if (unit == "ms") {
        ms = number;
    } else if (unit == "m") {
        ms = number * 60000;
    } else {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<long long>(ms));
}

void send_link_error(httplib::Response& response, const std::exception& error) {
    response.set_header("Retry-After", "1");
    send_problem(response, 503, "/problems/unavailable", "The broker did not answer", error.what());
}

} // namespace ferry::http
