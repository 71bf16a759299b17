// ZeroMQ endpoint checks with messages that name the endpoint and the form to use.
#include "ferry/app/endpoint.hpp"

#include "ferry/app/config_error.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace ferry::app {
namespace {

constexpr std::string_view usage = "tcp://HOST:PORT or ipc://PATH";

bool valid_port(std::string_view port) {
    if (port == "*")
        return true;
    if (port.empty() || port.size() > 5)
        return false;
    if (!std::all_of(port.begin(), port.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return false;
    }
    return std::stoul(std::string(port)) <= 65535;
}

std::optional<EndpointProblem> tcp_problem(std::string_view rest) {
    const std::size_t colon = rest.rfind(':');
    const bool bracketed = !rest.empty() && rest.front() == '[';
    if (colon == std::string_view::npos || colon == 0 || (bracketed && rest[colon - 1] != ']')) {
        return EndpointProblem{"has no port",
                               fmt::format("give one, e.g. tcp://{}:5555 ({})", rest, usage)};
    }
    if (!valid_port(rest.substr(colon + 1))) {
        return EndpointProblem{"has no valid port (0-65535, or * for any free port)",
                               fmt::format("use {}", usage)};
    }
    return std::nullopt;
}

} // namespace

std::optional<EndpointProblem> endpoint_problem(std::string_view endpoint) {
    const std::size_t separator = endpoint.find("://");
    if (separator == std::string_view::npos) {
        return EndpointProblem{"is not a ZeroMQ endpoint", fmt::format("use {}", usage)};
    }
    const std::string_view scheme = endpoint.substr(0, separator);
    const std::string_view rest = endpoint.substr(separator + 3);
    if (scheme == "tcp")
        return tcp_problem(rest);
    if (scheme == "ipc") {
        if (rest.empty())
            return EndpointProblem{"has no path", "use ipc:///PATH/TO/SOCKET"};
        return std::nullopt;
    }
    if (scheme == "inproc") {
        return EndpointProblem{"only reaches sockets inside one process",
                               fmt::format("use {}", usage)};
    }
    if (!tcp_problem(rest)) { // http://host:port and the like: the host and port are fine
        return EndpointProblem{
            "is not a ZeroMQ endpoint",
            fmt::format("use tcp://{} (ZeroMQ speaks tcp://, not {}://)", rest, scheme)};
    }
    return EndpointProblem{"is not a ZeroMQ endpoint", fmt::format("use {}", usage)};
}

std::optional<EndpointProblem> connect_problem(std::string_view endpoint) {
    if (auto problem = endpoint_problem(endpoint)) {
        return problem;
    }
    if (!endpoint.starts_with("tcp://")) {
        return std::nullopt;
    }
    const std::string_view rest = endpoint.substr(6);
    const std::size_t colon = rest.rfind(':');
    const std::string_view host = rest.substr(0, colon);
    const std::string_view port = rest.substr(colon + 1);
    if (host == "*" || port == "0" || port == "*") {
        return EndpointProblem{"is a form for binding (* or port 0 picks any), not a broker's "
                               "address",
                               "give the address the broker bound, e.g. --broker "
                               "tcp://127.0.0.1:5555 (`ferry broker` prints it)"};
    }
    return std::nullopt;
}

namespace {

void throw_problem(std::string_view endpoint, std::string_view where,
                   const std::optional<EndpointProblem>& problem) {
    if (problem) {
        throw ConfigError(
            fmt::format("'{}' {} ({}); {}", endpoint, problem->what, where, problem->fix));
    }
}

} // namespace

void require_endpoint(std::string_view endpoint, std::string_view where) {
    throw_problem(endpoint, where, endpoint_problem(endpoint));
}

void require_connectable(std::string_view endpoint, std::string_view where) {
    throw_problem(endpoint, where, connect_problem(endpoint));
}

} // namespace ferry::app
