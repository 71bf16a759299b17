// The HTTP server of `ferry broker` and `ferry serve`: binds in the constructor, serves on its
// own threads, and reaches the broker only through its internal endpoint.
#pragma once

#include "ferry/http/http_config.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <zmq.hpp>

namespace ferry::http {

// The server cannot start (address in use, unreadable certificate): the user's to fix.
class HttpStartError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ServiceInfo {
    std::string version; // Ferry's version
    std::string commit;  // the commit built
    std::string service; // "broker" or "serve"
};

class HttpService {
  public:
    // `context` and `internal_endpoint`: the broker's, which must already be bound.
    HttpService(HttpConfig config, zmq::context_t& context, const std::string& internal_endpoint,
                ServiceInfo info);
    ~HttpService();
    HttpService(const HttpService&) = delete;
    HttpService& operator=(const HttpService&) = delete;

    // The bound port (the OS's pick when the config said 0).
    [[nodiscard]] int port() const;
    // http(s)://host:port
    [[nodiscard]] std::string url() const;
    // Stops serving (idempotent): open streams end, the gateway leaves the broker.
    void stop();

  private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace ferry::http
