// What operators look at: /v1/status (JSON), /metrics (Prometheus) and the status page's files.
#include "embedded_assets.hpp"
#include "ferry/http/api_routes.hpp"
#include "ferry/http/metrics_text.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/http/utf8.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "route_support.hpp"

#include <spdlog/spdlog.h>

namespace ferry::http {
namespace {

// The pipelines with their schedules and recent runs (`ferry serve`); [] under `ferry broker` or
// when the service does not answer.
std::string pipelines_json(RouteContext& context) {
    if (context.service != "serve") {
        return "[]";
    }
    const AdminReply reply = context.broker.admin("runs", R"({"limit":10})");
    simdjson::dom::parser parser;
    simdjson::dom::array pipelines;
    if (!reply.ok ||
        parser.parse(reply.reply).at_key("pipelines").get(pipelines) != simdjson::SUCCESS) {
        return "[]";
    }
    return simdjson::to_string(pipelines);
}

void status(httplib::Response& response, RouteContext& context, const Gateway& gateway,
            const ThroughputHistory& history) {
    try {
        std::string json;
        producer::append_json_from_msgpack(context.broker.status(), json);
        std::string body = valid_utf8(json); // producers' job types and ids may be any bytes
        if (body.size() < 2 || body.back() != '}') {
            send_problem(response, 502, "/problems/bad-status", "Bad status",
                         "the broker's status is not a map");
            return;
        }
        body.pop_back();
        body += ",\"throughput\":" + history.json();
        body += ",\"pipelines\":" + pipelines_json(context);
        body += ",\"http\":{\"client\":";
        producer::append_json_string(gateway.config().client, body);
        body += ",\"service\":";
        producer::append_json_string(context.service, body);
        body += ",\"version\":";
        producer::append_json_string(context.version, body);
        body += "}}";
        response.set_header("Cache-Control", "no-store");
        send_json(response, 200, std::move(body));
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

void metrics(httplib::Response& response, RouteContext& context) {
    try {
        MetricsSources sources;
        producer::append_json_from_msgpack(context.broker.status(), sources.status_json);
        if (context.service == "serve") {
            AdminReply reply = context.broker.admin("metrics", "{}");
            if (reply.ok) {
                sources.scheduler_json = std::move(reply.reply);
            }
        }
        sources.requests = context.requests.snapshot();
        sources.version = context.version;
        sources.commit = context.commit;
        sources.service = context.service;
        response.status = 200;
        response.set_content(metrics_text(sources), "text/plain; version=0.0.4; charset=utf-8");
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

void asset(httplib::Response& response, std::string_view name) {
    const EmbeddedAsset* found = find_asset(name);
    if (found == nullptr) {
        send_problem(response, 404, "/problems/not-found", "Not found",
                     "the status page has no file '" + std::string(name) + "'");
        return;
    }
    response.status = 200;
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_content(reinterpret_cast<const char*>(found->data), found->size,
                         found->content_type);
}

} // namespace

void add_status_routes(httplib::Server& server, RouteContext& context, Gateway& gateway,
                       const ThroughputHistory& history) {
    server.Get(R"(/v1/status)", [&context, &gateway, &history](const httplib::Request&,
                                                               httplib::Response& response) {
        status(response, context, gateway, history);
    });
    server.Get(R"(/metrics)", [&context](const httplib::Request&, httplib::Response& response) {
        metrics(response, context);
    });
    server.Get(R"(/)", [](const httplib::Request&, httplib::Response& response) {
        asset(response, "index.html");
        // The page runs its own script only: no inline code, nothing from elsewhere.
        response.set_header("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    });
    server.Get(R"(/assets/([^/]+))",
               [](const httplib::Request& request, httplib::Response& response) {
                   asset(response, request.matches[1].str());
               });
    server.Get(R"(/favicon.ico)", [](const httplib::Request&, httplib::Response& response) {
        asset(response, "favicon.svg");
    });
}

} // namespace ferry::http
