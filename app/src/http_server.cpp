// Starting the HTTP server beside the embedded broker.
#include "ferry/app/http_server.hpp"

#include "ferry/app/version.hpp"

#include <iostream>
#include <spdlog/spdlog.h>

namespace ferry::app {

std::unique_ptr<http::HttpService>
start_http_server(const std::optional<http::HttpConfig>& settings, EmbeddedBroker& broker,
                  const std::string& service) {
    if (!settings) {
        return nullptr;
    }
    try {
        auto server = std::make_unique<http::HttpService>(
            *settings, broker.context(), http_internal_endpoint,
            http::ServiceInfo{version_number(), commit_id(), service});
        if (!settings->token.empty()) {
            spdlog::info("http: a bearer token is required (from the {})", settings->token_source);
        }
        std::cout << "ferry " << service << ": http=" << server->url() << std::endl;
        return server;
    } catch (const http::HttpStartError& error) {
        throw BrokerStartError(error.what());
    }
}

} // namespace ferry::app
