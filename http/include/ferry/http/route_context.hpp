// What every group of routes is given when it is added to the server.
#pragma once

#include "ferry/http/broker_link.hpp"
#include "ferry/http/http_config.hpp"
#include "ferry/http/request_counter.hpp"

#include <string>

namespace ferry::http {

struct RouteContext {
    BrokerLink& broker;       // status and admin round trips
    RequestCounter& requests; // counted by the server for every response
    const HttpConfig& config; // the `http:` section
    std::string version;      // Ferry's version, for ferry_build_info and the page
    std::string commit;       // the commit built
    std::string service;      // "broker" or "serve": what embeds the server
};

} // namespace ferry::http
