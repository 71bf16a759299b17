// The HTTP server of `ferry broker` and `ferry serve`, started beside their embedded broker.
#pragma once

#include "ferry/app/embedded_broker.hpp"
#include "ferry/http/http_config.hpp"
#include "ferry/http/http_service.hpp"

#include <memory>
#include <optional>
#include <string>

namespace ferry::app {

// The internal producer endpoint the server reaches the broker by (inproc: same process).
inline constexpr const char* http_internal_endpoint = "inproc://ferry-http";

// Starts the server when `settings` holds one (the broker must have been configured with
// http_internal_endpoint), and prints the machine-readable line
//   ferry <service>: http=URL
// on stdout. Throws BrokerStartError when the server cannot start (port in use, bad TLS files).
[[nodiscard]] std::unique_ptr<http::HttpService>
start_http_server(const std::optional<http::HttpConfig>& settings, EmbeddedBroker& broker,
                  const std::string& service);

} // namespace ferry::app
