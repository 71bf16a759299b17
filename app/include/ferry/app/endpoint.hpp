// Checking a ZeroMQ endpoint a user gave (config key, flag or environment) before it is used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::app {

// What is wrong with an endpoint, and what to give instead.
struct EndpointProblem {
    std::string what; // e.g. "is not a ZeroMQ endpoint"
    std::string fix;  // e.g. "use tcp://127.0.0.1:5555 (tcp://HOST:PORT) or ipc://PATH"
};

// Ferry's peers are separate processes, so an endpoint must be tcp://HOST:PORT (PORT a number,
// 0 or * for a free one when binding) or ipc://PATH. Empty when `endpoint` is usable; ZeroMQ's
// own errors ("Protocol not supported", "Invalid argument") would name neither it nor the fix.
[[nodiscard]] std::optional<EndpointProblem> endpoint_problem(std::string_view endpoint);

// The same for an endpoint to connect to: a bind form (host *, port 0 or *) names no broker.
[[nodiscard]] std::optional<EndpointProblem> connect_problem(std::string_view endpoint);

// Throws ConfigError "'ENDPOINT' what (where); fix" when the endpoint is not usable; `where`
// names the flag or variable it came from (e.g. "--broker", "FERRY_PRODUCERS_ENDPOINT").
void require_endpoint(std::string_view endpoint, std::string_view where);
// The same with connect_problem, for the producer's and `ferry status`'s broker address.
void require_connectable(std::string_view endpoint, std::string_view where);

} // namespace ferry::app
