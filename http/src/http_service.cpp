// The embedded HTTP server: limits, bearer token, TLS, request counting, and the route groups.
#include "ferry/http/http_service.hpp"

#include "connection_pool.hpp"
#include "ferry/http/api_routes.hpp"
#include "ferry/http/gateway.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/http/route_context.hpp"
#include "ferry/http/route_label.hpp"
#include "ferry/http/socket_broker_link.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace ferry::http {
namespace {

constexpr auto keep_alive_timeout = std::chrono::seconds(5); // an idle connection is closed after
constexpr std::size_t keep_alive_requests = 100000;          // requests one connection may carry

// Paths served without the token: probes, and the page's own files (the page then sends the
// token with every API call it makes).
bool open_path(const std::string& path) {
    return path == "/healthz/live" || path == "/healthz/ready" || path == "/" ||
           path == "/favicon.ico" || path.starts_with("/assets/");
}

// Compares in time independent of where the first difference is.
bool same_token(const std::string& given, const std::string& expected) {
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::unique_ptr<httplib::Server> make_server(const HttpConfig& config) {
    if (!config.tls()) {
        return std::make_unique<httplib::Server>();
    }
    auto server = std::make_unique<httplib::SSLServer>(config.tls_cert_file.c_str(),
                                                       config.tls_key_file.c_str());
    if (!server->is_valid()) {
        throw HttpStartError("http.tls: cannot use certificate '" + config.tls_cert_file +
                             "' with key '" + config.tls_key_file +
                             "' (unreadable, not PEM, or the key does not match the "
                             "certificate)");
    }
    return server;
}

const char* reason_title(int status) {
    switch (status) {
    case 400:
        return "Bad request";
    case 404:
        return "Not found";
    case 405:
        return "Method not allowed";
    case 413:
        return "Request body too large";
    case 414:
        return "URI too long";
    case 431:
        return "Request header fields too large";
    default:
        return status >= 500 ? "Server error" : "Request refused";
    }
}

} // namespace

struct HttpService::State {
    State(HttpConfig config_in, zmq::context_t& context, const std::string& endpoint,
          ServiceInfo info)
        : config(std::move(config_in)),
          link(context, endpoint), route_context{link,         requests,    config,
                                                 info.version, info.commit, info.service},
          gateway(context, endpoint, config), server(make_server(config)), history(link) {}

    void configure();
    httplib::Server::HandlerResponse check_request(const httplib::Request& request,
                                                   httplib::Response& response);

    HttpConfig config;
    SocketBrokerLink link;
    RequestCounter requests;
    RouteContext route_context;
    Gateway gateway;
    std::unique_ptr<httplib::Server> server;
    ThroughputHistory history; // samples the broker from now on
    std::thread thread;
    int port = 0;
    bool stopped = false;
};

// Refused before routing: connections over the cap (503) and calls without the token (401).
httplib::Server::HandlerResponse HttpService::State::check_request(const httplib::Request& request,
                                                                   httplib::Response& response) {
    if (ConnectionPool::over_capacity()) {
        response.set_header("Retry-After", "1");
        response.set_header("Connection", "close");
        send_problem(response, 503, "/problems/too-many-connections", "Too many connections",
                     "the server is serving http.limits.max_connections (" +
                         std::to_string(config.max_connections) + ") connections; retry shortly");
        return httplib::Server::HandlerResponse::Handled;
    }
    if (config.token.empty() || open_path(request.path)) {
        return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string authorization = request.get_header_value("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.starts_with(scheme) &&
        same_token(authorization.substr(scheme.size()), config.token)) {
        return httplib::Server::HandlerResponse::Unhandled;
    }
    response.set_header("WWW-Authenticate", "Bearer realm=\"ferry\"");
    send_problem(response, 401, "/problems/unauthorized", "Unauthorized",
                 authorization.empty()
                     ? "this server requires a bearer token: send 'Authorization: Bearer <token>'"
                     : "the bearer token is not the one this server was given");
    return httplib::Server::HandlerResponse::Handled;
}

void HttpService::State::configure() {
    const std::size_t workers = std::max<std::uint32_t>(config.max_connections, 1);
    server->new_task_queue = [workers] { return new ConnectionPool(workers); };
    server->set_payload_max_length(config.max_body_bytes);
    server->set_read_timeout(std::chrono::milliseconds(config.header_timeout_ms));
    server->set_write_timeout(std::chrono::seconds(30));
    server->set_keep_alive_timeout(keep_alive_timeout.count());
    // The library closes a keep-alive connection after 5 requests unless told otherwise: a new
    // TCP handshake every 5 requests costs a client more than the request itself.
    server->set_keep_alive_max_count(keep_alive_requests);
    server->set_tcp_nodelay(true); // a response's header and body writes must not wait for an ACK
    server->set_pre_routing_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
            return check_request(request, response);
        });
    // Statuses the library sets on its own (no route, body too large, unreadable request) get a
    // problem body like every other error.
    server->set_error_handler([this](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty() || response.content_provider_) {
            return;
        }
        std::string detail =
            std::string(reason_title(response.status)) + ": " + request.method + " " + request.path;
        if (response.status == 413) {
            detail = "the request body is larger than http.limits.max_body_bytes (" +
                     std::to_string(config.max_body_bytes) + " bytes); split it into batches";
        } else if (response.status == 404) {
            detail = "no route " + request.method + " " + request.path +
                     "; the API is described in docs/http-api.md";
        }
        send_problem(response, response.status, "about:blank", reason_title(response.status),
                     detail);
    });
    server->set_exception_handler([](const httplib::Request& request, httplib::Response& response,
                                     std::exception_ptr thrown) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(thrown);
        } catch (const std::exception& error) {
            what = error.what();
        } catch (...) {
        }
        spdlog::error("http: {} {} failed: {}", request.method, request.path, what);
        send_problem(response, 500, "/problems/internal", "Internal error", what);
    });
    // Never the headers (they carry the token): method, path, status.
    server->set_logger([this](const httplib::Request& request, const httplib::Response& response) {
        requests.add(route_label(request.path), response.status);
        spdlog::debug("http: {} {} -> {}", request.method, request.path, response.status);
    });
    add_job_routes(*server, route_context, gateway);
    add_batch_routes(*server, route_context, gateway);
    add_admin_routes(*server, route_context, gateway);
    add_status_routes(*server, route_context, gateway, history);
}

HttpService::HttpService(HttpConfig config, zmq::context_t& context,
                         const std::string& internal_endpoint, ServiceInfo info)
    : state_(
          std::make_unique<State>(std::move(config), context, internal_endpoint, std::move(info))) {
    State& state = *state_;
    state.configure();
    const HttpConfig& settings = state.config;
    state.port =
        settings.port == 0
            ? state.server->bind_to_any_port(settings.host)
            : (state.server->bind_to_port(settings.host, settings.port) ? settings.port : -1);
    if (state.port < 0) {
        state.gateway.stop();
        throw HttpStartError("http.listen: cannot bind " + settings.host + ":" +
                             std::to_string(settings.port) +
                             " (in use, or not an address of this host)");
    }
    state.thread = std::thread([server = state.server.get()] { server->listen_after_bind(); });
    spdlog::info("http: listening on {}", url());
}

HttpService::~HttpService() {
    stop();
}

int HttpService::port() const {
    return state_->port;
}

std::string HttpService::url() const {
    const std::string& host = state_->config.host;
    const bool v6 = host.find(':') != std::string::npos;
    return std::string(state_->config.tls() ? "https://" : "http://") + (v6 ? "[" : "") + host +
           (v6 ? "]" : "") + ":" + std::to_string(state_->port);
}

void HttpService::stop() {
    if (!state_ || state_->stopped) {
        return;
    }
    state_->stopped = true;
    state_->gateway.store().wake_all(); // long polls and streams return
    state_->server->stop();
    if (state_->thread.joinable()) {
        state_->thread.join();
    }
    state_->history.stop();
    state_->gateway.stop();
}

} // namespace ferry::http
