// Loading the `http` section of a Ferry YAML file (ferry broker's file, ferry serve's service
// file) into the HTTP server's settings.
#pragma once

#include "ferry/app/config_error.hpp"
#include "ferry/http/http_config.hpp"

#include <optional>
#include <string>

namespace ferry::app {

// The `http` section of the file at `path` (text already read), or nothing when the file has no
// `http.listen` (the server is off). Throws ConfigError naming file:line:col for a bad value, a
// non-loopback listen address without a bearer token, a token file that cannot be read or an
// unset token variable, half a TLS pair.
[[nodiscard]] std::optional<http::HttpConfig> load_http_settings(const std::string& path,
                                                                 const std::string& text);

} // namespace ferry::app
