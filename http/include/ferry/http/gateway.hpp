// The job side of the HTTP server: the store of jobs and outcomes, the producer link that
// submits them, and the idempotency keys. One per server.
#pragma once

#include "ferry/http/gateway_link.hpp"
#include "ferry/http/http_config.hpp"
#include "ferry/http/idempotency.hpp"
#include "ferry/http/job_store.hpp"

#include <string>
#include <zmq.hpp>

namespace ferry::http {

class Gateway {
  public:
    Gateway(zmq::context_t& context, std::string endpoint, const HttpConfig& config)
        : config_(config), store_(config), keys_(config.retention_s),
          link_(context, std::move(endpoint), config, store_) {}

    [[nodiscard]] const HttpConfig& config() const { return config_; }
    [[nodiscard]] JobStore& store() { return store_; }
    [[nodiscard]] GatewayLink& link() { return link_; }
    [[nodiscard]] IdempotencyKeys& keys() { return keys_; }
    void stop() { link_.stop(); }

  private:
    const HttpConfig& config_;
    JobStore store_;
    IdempotencyKeys keys_;
    GatewayLink link_; // last: its thread uses the store
};

} // namespace ferry::http
