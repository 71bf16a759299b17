// Which bind addresses count as loopback (the only ones served without a bearer token).
#include "ferry/http/http_config.hpp"

#include <arpa/inet.h>

namespace ferry::http {

bool is_loopback_host(const std::string& host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") {
        return true;
    }
    in_addr address{};
    if (inet_pton(AF_INET, host.c_str(), &address) == 1) {
        return (ntohl(address.s_addr) >> 24) == 127;
    }
    return false;
}

} // namespace ferry::http
