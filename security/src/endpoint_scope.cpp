// Loopback or not, from the endpoint's text (no name resolution: only literal loopback counts).
#include "ferry/security/endpoint_scope.hpp"

namespace ferry::security {

bool is_local_endpoint(std::string_view endpoint) noexcept {
    if (endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://")) {
        return true;
    }
    if (!endpoint.starts_with("tcp://")) {
        return false;
    }
    std::string_view host = endpoint.substr(6);
    host = host.substr(0, host.rfind(':'));
    // tcp://SOURCE;HOST:PORT binds to HOST from SOURCE: the HOST part decides.
    if (const auto semicolon = host.find(';'); semicolon != std::string_view::npos) {
        host = host.substr(semicolon + 1);
    }
    const bool loopback_v4 =
        host.starts_with("127.") && host.find_first_not_of("0123456789.") == std::string_view::npos;
    return loopback_v4 || host == "[::1]" || host == "::1" || host == "localhost";
}

} // namespace ferry::security
