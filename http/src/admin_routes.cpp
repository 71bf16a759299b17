// Dead letters, pipelines and health: each an ADMIN or STATUS round trip to the broker.
#include "ferry/http/api_routes.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "route_support.hpp"

namespace ferry::http {
namespace {

using producer::append_json_string;

// The `limit` query parameter as JSON digits, or a 400 answered.
std::optional<std::string> limit_param(const httplib::Request& request,
                                       httplib::Response& response) {
    std::string limit = request.get_param_value("limit");
    if (limit.empty() || limit.find_first_not_of("0123456789") != std::string::npos ||
        limit.size() > 9) {
        send_problem(response, 400, "/problems/invalid-parameter", "Invalid parameter",
                     "limit must be a whole number, e.g. ?limit=20");
        return std::nullopt;
    }
    return limit;
}

// The pipeline commands' arguments: the pipeline's name and the body's members (at, from, to,
// dry_run) as they are; the service checks them.
std::optional<std::string> pipeline_args(const httplib::Request& request,
                                         httplib::Response& response) {
    std::string args = "{\"pipeline\":";
    append_json_string(request.matches[1].str(), args);
    if (request.has_param("limit")) {
        const auto limit = limit_param(request, response);
        if (!limit) {
            return std::nullopt;
        }
        args += ",\"limit\":" + *limit;
    }
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
        thread_local simdjson::dom::parser parser;
        simdjson::dom::element value;
        if (!parse_json_body(request.body, response, parser, value)) {
            return std::nullopt;
        }
        simdjson::dom::object object;
        if (value.get(object) != simdjson::SUCCESS) {
            send_problem(response, 400, "/problems/invalid-argument", "Invalid argument",
                         "the body must be a JSON object, e.g. {\"at\": \"2026-12-01T02:30:00Z\"}");
            return std::nullopt;
        }
        for (auto field : object) {
            if (field.key == "pipeline" || field.key == "limit") {
                continue;
            }
            args += ',';
            append_json_string(field.key, args);
            args += ':';
            args += simdjson::to_string(field.value);
        }
    }
    args += '}';
    return args;
}

void pipeline_command(const char* command, int ok_status, const httplib::Request& request,
                      httplib::Response& response, RouteContext& context) {
    const auto args = pipeline_args(request, response);
    if (!args) {
        return;
    }
    try {
        send_admin_reply(response, context.broker.admin(command, *args), ok_status, true);
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

std::string client_of(const httplib::Request& request, const Gateway& gateway) {
    return request.has_param("client") ? request.get_param_value("client")
                                       : gateway.config().client;
}

void redrive(const httplib::Request& request, httplib::Response& response, RouteContext& context,
             Gateway& gateway) {
    const std::string id = request.matches[1];
    const std::string client = client_of(request, gateway);
    std::string args = "{\"client\":";
    append_json_string(client, args);
    args += ",\"id\":";
    append_json_string(id, args);
    args += '}';
    try {
        const AdminReply reply = context.broker.admin("redrive", args);
        if (reply.ok && client == gateway.config().client) {
            (void)gateway.store().reopen(id); // its new outcome will replace the failure
        }
        send_admin_reply(response, reply, 202, true);
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

void dead_letters(const httplib::Request& request, httplib::Response& response,
                  RouteContext& context) {
    std::string args = "{";
    if (request.has_param("client")) {
        args += "\"client\":";
        append_json_string(request.get_param_value("client"), args);
    }
    if (request.has_param("limit")) {
        const auto limit = limit_param(request, response);
        if (!limit) {
            return;
        }
        args += args.size() > 1 ? ",\"limit\":" : "\"limit\":";
        args += *limit;
    }
    args += '}';
    try {
        send_admin_reply(response, context.broker.admin("dead_letters", args), 200, false);
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

// Ready: the gateway holds its client name and the broker answers STATUS.
void ready(httplib::Response& response, RouteContext& context, Gateway& gateway) {
    if (!gateway.link().ready()) {
        send_problem(response, 503, "/problems/not-ready", "Not ready",
                     "the HTTP gateway has not been welcomed by the broker yet");
        return;
    }
    try {
        (void)context.broker.status();
        send_json(response, 200, "{\"status\":\"ready\"}");
    } catch (const LinkError& error) {
        send_problem(response, 503, "/problems/not-ready", "Not ready", error.what());
    }
}

} // namespace

void add_admin_routes(httplib::Server& server, RouteContext& context, Gateway& gateway) {
    server.Get(R"(/v1/dead-letters)",
               [&context](const httplib::Request& request, httplib::Response& response) {
                   dead_letters(request, response, context);
               });
    server.Post(R"(/v1/dead-letters/([^/]+)/redrive)",
                [&context, &gateway](const httplib::Request& request, httplib::Response& response) {
                    redrive(request, response, context, gateway);
                });
    server.Get(R"(/v1/pipelines/([^/]+)/runs)",
               [&context](const httplib::Request& request, httplib::Response& response) {
                   pipeline_command("runs", 200, request, response, context);
               });
    server.Post(R"(/v1/pipelines/([^/]+)/runs)",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    pipeline_command("trigger", 202, request, response, context);
                });
    // Spelt out one by one so every route's pattern is a literal (docs/openapi.yaml is checked
    // against these).
    server.Post(R"(/v1/pipelines/([^/]+)/pause)",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    pipeline_command("pause", 200, request, response, context);
                });
    server.Post(R"(/v1/pipelines/([^/]+)/resume)",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    pipeline_command("resume", 200, request, response, context);
                });
    server.Post(R"(/v1/pipelines/([^/]+)/backfill)",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    pipeline_command("backfill", 200, request, response, context);
                });
    server.Get(R"(/healthz/live)", [](const httplib::Request&, httplib::Response& response) {
        send_json(response, 200, "{\"status\":\"live\"}");
    });
    server.Get(R"(/healthz/ready)",
               [&context, &gateway](const httplib::Request&, httplib::Response& response) {
                   ready(response, context, gateway);
               });
}

} // namespace ferry::http
